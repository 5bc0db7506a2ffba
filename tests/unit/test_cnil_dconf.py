"""cnil_dconf: keyfile rendering, dconf precedence, profile repair, and the module's exact check mode."""
import json
import os
import stat
import subprocess
import sys

import pytest

import cnil_dconf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "library", "cnil_dconf.py")
SETTINGS = {
    "org/gnome/desktop/session": {"idle-delay": "uint32 900"},
    "org/gnome/desktop/screensaver": {"lock-enabled": "true", "lock-delay": "uint32 0"},
}


def run(tmp_path, check=False, update=False, env_path=None, **over):
    args = dict(name="00-cnil-lock", settings=SETTINGS, root=str(tmp_path / "etc"), update=update,
                _ansible_check_mode=check, _ansible_diff=True)
    args.update(over)
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
    env = dict(os.environ)
    if env_path:
        env["PATH"] = env_path + os.pathsep + env["PATH"]
    proc = subprocess.run([sys.executable, MODULE, str(argfile)], capture_output=True, text=True, env=env)
    out = json.loads(proc.stdout)
    return out


def test_keyfile_is_sorted_and_parses_back():
    text = cnil_dconf.render_keyfile(SETTINGS)
    assert text.index("[org/gnome/desktop/screensaver]") < text.index("[org/gnome/desktop/session]")
    assert cnil_dconf.render_keyfile(dict(reversed(list(SETTINGS.items())))) == text
    assert cnil_dconf.parse_keyfile(text) == {
        "org/gnome/desktop/session/idle-delay": "uint32 900",
        "org/gnome/desktop/screensaver/lock-enabled": "true",
        "org/gnome/desktop/screensaver/lock-delay": "uint32 0",
    }


def test_later_keyfile_overrides_earlier_and_locks_are_reported():
    eff = cnil_dconf.effective_values(
        {"00-cnil-lock": "[org/gnome/desktop/session]\nidle-delay=uint32 900\n",
         "99-local": "[org/gnome/desktop/session]\nidle-delay=uint32 3600\n"},
        {"00-cnil-lock": "/org/gnome/desktop/session/idle-delay\n"},
        ["org/gnome/desktop/session/idle-delay", "org/gnome/desktop/screensaver/lock-enabled"])
    assert eff["org/gnome/desktop/session/idle-delay"] == {"value": "uint32 3600", "file": "99-local", "locked": True}
    assert eff["org/gnome/desktop/screensaver/lock-enabled"] == {"value": None, "file": None, "locked": False}


@pytest.mark.parametrize("before, after", [
    (None, "user-db:user\nsystem-db:local\n"),
    ("user-db:user\nsystem-db:local\n", "user-db:user\nsystem-db:local\n"),
    ("user-db:user\nsystem-db:site\n", "user-db:user\nsystem-db:local\nsystem-db:site\n"),
    ("system-db:local\n", "user-db:user\nsystem-db:local\n"),
])
def test_profile_repair(before, after):
    assert cnil_dconf.fix_profile(before, "local") == after


def test_check_mode_on_a_pristine_host_predicts_change_and_writes_nothing(tmp_path):
    out = run(tmp_path, check=True)
    assert out["changed"] is True
    assert not (tmp_path / "etc").exists()
    assert out["effective"]["org/gnome/desktop/session/idle-delay"]["value"] is None
    assert out["profile_ok"] is False
    assert any(d["after_header"].endswith("00-cnil-lock") for d in out["diff"])


def test_apply_then_idempotent_then_drift_detected(tmp_path):
    first = run(tmp_path)
    assert first["changed"] is True and first["profile_ok"] is True
    keyfile = tmp_path / "etc/dconf/db/local.d/00-cnil-lock"
    locks = tmp_path / "etc/dconf/db/local.d/locks/00-cnil-lock"
    assert stat.S_IMODE(keyfile.stat().st_mode) == 0o644
    assert "/org/gnome/desktop/session/idle-delay" in locks.read_text()
    assert first["effective"]["org/gnome/desktop/session/idle-delay"] == {"value": "uint32 900", "file": "00-cnil-lock", "locked": True}

    assert run(tmp_path)["changed"] is False
    assert run(tmp_path, check=True)["changed"] is False

    keyfile.write_text(keyfile.read_text().replace("uint32 900", "uint32 3600"))
    drift = run(tmp_path, check=True)
    assert drift["changed"] is True
    assert drift["effective"]["org/gnome/desktop/session/idle-delay"]["value"] == "uint32 3600"
    assert "uint32 3600" in drift["diff"][0]["before"] and "uint32 900" in drift["diff"][0]["after"]
    assert "uint32 3600" in keyfile.read_text(), "check mode must not write"
    assert run(tmp_path)["changed"] is True
    assert "uint32 900" in keyfile.read_text()


def test_removed_lock_is_drift_and_reported_unlocked(tmp_path):
    run(tmp_path)
    (tmp_path / "etc/dconf/db/local.d/locks/00-cnil-lock").unlink()
    out = run(tmp_path, check=True)
    assert out["changed"] is True
    assert out["effective"]["org/gnome/desktop/session/idle-delay"]["locked"] is False


def fake_dconf(tmp_path, root):
    """A stand-in for `dconf update` that compiles by touching the database file (real dconf: molecule)."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    script = bindir / "dconf"
    script.write_text("#!/bin/sh\n[ \"$1\" = update ] && touch %s/dconf/db/local\n" % root)
    script.chmod(0o755)
    return str(bindir)


def test_stale_compiled_database_is_drift_and_heals(tmp_path):
    root = tmp_path / "etc"
    bindir = fake_dconf(tmp_path, root)
    assert run(tmp_path, update=True, env_path=bindir)["compiled_fresh"] is True
    assert run(tmp_path, update=True, env_path=bindir)["changed"] is False
    # An interrupted run: a keyfile newer than the compiled database.
    compiled = root / "dconf/db/local"
    os.utime(compiled, (1, 1))
    stale = run(tmp_path, update=True, check=True, env_path=bindir)
    assert stale["changed"] is True and stale["compiled_fresh"] is False
    healed = run(tmp_path, update=True, env_path=bindir)
    assert healed["changed"] is True and healed["compiled_fresh"] is True


@pytest.mark.skipif(any(os.path.exists(os.path.join(d, "dconf")) for d in ("/usr/bin", "/bin", "/usr/sbin", "/sbin", "/usr/local/bin")),
                    reason="dconf is installed on this controller")
def test_missing_dconf_binary_fails_with_a_clear_message(tmp_path):
    out = run(tmp_path, update=True)
    assert out["failed"] is True and "dconf-cli" in out["msg"]


def test_bad_names_are_refused(tmp_path):
    out = run(tmp_path, name="../evil")
    assert out["failed"] is True and "plain file name" in out["msg"]
