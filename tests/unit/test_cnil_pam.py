"""cnil_pam on a throwaway tree with Debian's real pam-auth-update (libpam-runtime, on every Debian controller):
exact check mode, arguments stripped the way pam-auth-update keeps them, `pam-auth-update --package` afterwards
changes nothing, refusal to work on files pam-auth-update does not manage, backups for the rollback."""
import hashlib
import json
import os
import shutil
import subprocess
import sys

import pytest

import cnil_pam

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "library", "cnil_pam.py")
PWQUALITY = """Name: Pwquality password strength checking
Default: yes
Priority: 1024
Conflicts: cracklib
Password-Type: Primary
Password:
\trequisite\t\t\tpam_pwquality.so retry=3
Password-Initial:
\trequisite\t\t\tpam_pwquality.so retry=3
"""
FAILLOCK = {name: open(os.path.join(ROOT, "roles/cnil_pwd/files/pam-configs", name)).read()
            for name in ("cnil-faillock", "cnil-faillock-authfail")}
STRIP = [{"type": "auth", "module": "pam_unix.so", "args": ["nullok"]},
         {"type": "password", "module": "pam_pwquality.so", "args": ["minlen", "minclass"]}]
TYPES = ("auth", "account", "password", "session", "session-noninteractive")

# Debian's pam-auth-update (libpam-runtime, on every Debian machine: the project's and CI's) does the real work.
PAM_AUTH_UPDATE = shutil.which("pam-auth-update") or "/usr/sbin/pam-auth-update"


def private_debconf(root):
    conf = os.path.join(root, "debconf.conf")
    with open(conf, "w") as handle:
        handle.write(cnil_pam.DEBCONF_CONF.format(dir=os.path.join(root, "var/cache/debconf")))
    return conf


def pam_auth_update(root, *args):
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive", DEBCONF_SYSTEMRC=private_debconf(root), LC_ALL="C")
    return subprocess.run([PAM_AUTH_UPDATE, "--root", root] + list(args), capture_output=True, text=True, env=env, check=True)


@pytest.fixture
def tree(tmp_path):
    """A pristine Debian PAM configuration: the unix profile (with nullok) and pwquality, generated once."""
    root = str(tmp_path / "root")
    for sub in ("etc/pam.d", "var/lib/pam", "usr/share/pam-configs", "var/cache/debconf"):
        os.makedirs(os.path.join(root, sub))
    for ptype in TYPES:
        shutil.copy("/usr/share/pam/common-" + ptype, os.path.join(root, "etc/pam.d/common-" + ptype))
    shutil.copy("/usr/share/pam-configs/unix", os.path.join(root, "usr/share/pam-configs/unix"))
    with open(os.path.join(root, "usr/share/pam-configs/pwquality"), "w") as handle:
        handle.write(PWQUALITY)
    for name in ("config.dat", "templates.dat"):
        if os.path.exists("/var/cache/debconf/" + name):
            shutil.copy("/var/cache/debconf/" + name, os.path.join(root, "var/cache/debconf", name))
    pam_auth_update(root, "--force", "--disable", "pwquality")
    return root


def run(root, check=False, **args):
    argfile = os.path.join(os.path.dirname(root), "args.json")
    args = dict(dict(enable=["pwquality", "cnil-faillock", "cnil-faillock-authfail"], profiles=FAILLOCK, strip_args=STRIP),
                **args)
    with open(argfile, "w") as handle:
        json.dump({"ANSIBLE_MODULE_ARGS": dict(args, root=root, _ansible_check_mode=check, _ansible_diff=True)}, handle)
    proc = subprocess.run([sys.executable, MODULE, argfile], capture_output=True, text=True)
    return json.loads(proc.stdout)


def digest(root):
    out = {}
    for folder in ("etc/pam.d", "var/lib/pam", "usr/share/pam-configs"):
        for name in sorted(os.listdir(os.path.join(root, folder))):
            out[folder + "/" + name] = hashlib.md5(open(os.path.join(root, folder, name), "rb").read()).hexdigest()
    return out


def text(root, ptype):
    return open(os.path.join(root, "etc/pam.d/common-" + ptype)).read()


def test_stripped_line_is_written_as_pam_auth_update_writes_it():
    line = "auth\t[success=2 default=ignore]\tpam_unix.so nullok try_first_pass"
    assert cnil_pam.strip_line(line, "auth", STRIP) == "auth\t[success=2 default=ignore]\tpam_unix.so try_first_pass"
    assert cnil_pam.strip_line("password\trequisite\t\t\tpam_pwquality.so minlen=8", "password", STRIP) == \
        "password\trequisite\t\t\tpam_pwquality.so "
    assert cnil_pam.strip_line("# auth pam_unix.so nullok", "auth", STRIP) == "# auth pam_unix.so nullok"
    assert cnil_pam.strip_line(line, "password", STRIP) == line


def test_check_mode_predicts_the_exact_change_and_writes_nothing(tree):
    before = digest(tree)
    out = run(tree, check=True)
    assert out["changed"] is True and digest(tree) == before
    after = {d["after_header"]: d["after"] for d in out["diff"]}
    password = after[os.path.join(tree, "etc/pam.d/common-password")]
    assert "pam_pwquality.so retry=3" in password
    auth = after[os.path.join(tree, "etc/pam.d/common-auth")]
    assert "pam_faillock.so preauth" in auth and "nullok" not in auth
    assert out["leftover_args"] == ["auth pam_unix.so nullok"]  # the host as it is now


def test_apply_matches_the_prediction_and_is_idempotent(tree):
    predicted = {d["after_header"]: d["after"] for d in run(tree, check=True)["diff"]}
    out = run(tree)
    assert out["changed"] is True and out["leftover_args"] == []
    assert {"pwquality", "cnil-faillock", "cnil-faillock-authfail", "unix"} <= set(out["enabled"])
    for path, content in predicted.items():
        assert open(path).read() == content
    auth = [e["module"] + " " + " ".join(e["args"]) for e in out["stack"]["auth"]]
    assert auth[:3] == ["pam_faillock.so preauth", "pam_unix.so try_first_pass", "pam_faillock.so authfail"]
    assert run(tree)["changed"] is False
    assert run(tree, check=True)["changed"] is False


def test_pam_auth_update_package_keeps_the_result(tree):
    run(tree)
    before = digest(tree)
    pam_auth_update(tree, "--package")
    pam_auth_update(tree, "--package", "--enable", "unix")
    assert digest(tree) == before
    assert run(tree, check=True)["changed"] is False


def test_weakening_arguments_and_a_lost_line_are_drift(tree):
    run(tree)
    path = os.path.join(tree, "etc/pam.d/common-password")
    weakened = text(tree, "password").replace("pam_pwquality.so retry=3", "pam_pwquality.so retry=3 minlen=8")
    with open(path, "w") as handle:
        handle.write(weakened)
    drift = run(tree, check=True)
    assert drift["changed"] is True and drift["leftover_args"] == ["password pam_pwquality.so minlen=8"]
    assert run(tree)["leftover_args"] == []
    assert "minlen" not in text(tree, "password")
    lost = "".join(l for l in text(tree, "password").splitlines(True) if "pam_pwquality" not in l)
    with open(path, "w") as handle:
        handle.write(lost)
    assert run(tree, check=True)["changed"] is True
    run(tree)
    assert "pam_pwquality.so retry=3" in text(tree, "password")


def test_files_pam_auth_update_does_not_manage_are_refused_untouched(tree):
    """A line pam-auth-update did not write: it stops managing the files. The module says so and never forces."""
    run(tree)
    lines = [l for l in text(tree, "password").splitlines(True) if "pam_pwquality" not in l]
    at = next(i for i, l in enumerate(lines) if "pam_unix.so" in l)
    lines.insert(at, "password\toptional\t\t\tpam_echo.so hand-made\n")
    with open(os.path.join(tree, "etc/pam.d/common-password"), "w") as handle:
        handle.write("".join(lines))
    before = digest(tree)
    for check in (True, False):
        out = run(tree, check=check)
        assert out["failed"] is True and "pam-auth-update --force" in out["msg"] and digest(tree) == before


def test_a_missing_package_profile_fails_a_run_and_is_drift_in_check_mode(tree):
    os.remove(os.path.join(tree, "usr/share/pam-configs/pwquality"))
    assert run(tree)["failed"] is True
    out = run(tree, check=True)
    assert out["changed"] is True and "pwquality" in out["msg"]


def test_backups_hold_every_file_a_run_may_touch(tree, tmp_path):
    before = {t: text(tree, t) for t in TYPES}
    out = run(tree, backup_dir=str(tmp_path / "backup"))
    for ptype in TYPES:
        assert open(out["backups"][os.path.join(tree, "etc/pam.d/common-" + ptype)]).read() == before[ptype]
    assert out["backups"][os.path.join(tree, "usr/share/pam-configs/cnil-faillock")] is None
    assert os.path.join(tree, "var/lib/pam/seen") in out["backups"]


def test_a_later_task_reports_only_its_own_change_after_the_earlier_one(tree):
    """Two tasks share the stack (CNIL-PWD-01's pwquality, CNIL-PWD-03's faillock): when the pwquality line is lost,
    regenerating the stack also rewrites pam_unix's password line, and the audit must lay that on the task that
    restores pwquality, not on the faillock one."""
    run(tree)
    path = os.path.join(tree, "etc/pam.d/common-password")
    lost = "".join(l for l in text(tree, "password").splitlines(True) if "pam_pwquality" not in l)
    with open(path, "w") as handle:
        handle.write(lost)
    first = run(tree, check=True, enable=["pwquality"], profiles={})
    assert first["changed"] is True
    lockout = dict(enable=["cnil-faillock", "cnil-faillock-authfail"], strip_args=[])
    assert run(tree, check=True, start_from=first["predicted"], **lockout)["changed"] is False
    assert run(tree, check=True, **lockout)["changed"] is True  # alone it would claim pam-auth-update's rewrite
