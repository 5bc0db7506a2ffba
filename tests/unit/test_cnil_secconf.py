"""cnil_secconf: pwquality/faillock syntax, the drop-in precedence confirmed on Debian 12/13 (drop-ins in name
order, then the main file; a later value wins), in-place edits, exact check mode, backups."""
import json
import os
import subprocess
import sys

import cnil_secconf as sc

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "library", "cnil_secconf.py")
SETTINGS = {"minlen": 12, "minclass": 4, "enforce_for_root": True}


def run(tmp_path, check=False, **args):
    argfile = tmp_path / "args.json"
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check, _ansible_diff=True)}))
    proc = subprocess.run([sys.executable, MODULE, str(argfile)], capture_output=True, text=True)
    return json.loads(proc.stdout)


def pwquality(tmp_path, check=False, **over):
    conf = tmp_path / "security"
    (conf / "pwquality.conf.d").mkdir(parents=True, exist_ok=True)
    args = dict(path=str(conf / "pwquality.conf.d" / "50-cnil-pwd.conf"), owned=True, settings=SETTINGS,
                dropin_dir=str(conf / "pwquality.conf.d"), main=str(conf / "pwquality.conf"))
    args.update(over)
    return run(tmp_path, check, **args)


def test_parsing_follows_the_library():
    assert sc.parse("# minlen = 20\n minlen =    9 # comment\nenforce_for_root\n\nminclass=3") == {
        "minlen": "9", "enforce_for_root": True, "minclass": "3"}


def test_in_place_edit_keeps_the_file_and_rewrites_only_what_differs():
    text = "# deny = 3\ndeny=3\n# unlock_time = 600\nsilent\ndeny = 7\n"
    got = sc.edit_in_place(text, {"deny": 10, "unlock_time": 900, "silent": False})
    assert got == "# deny = 3\ndeny = 10\n# unlock_time = 600\nunlock_time = 900\n"
    assert sc.edit_in_place(got, {"deny": 10, "unlock_time": 900, "silent": False}) == got


def test_check_mode_predicts_the_drop_in_and_writes_nothing(tmp_path):
    out = pwquality(tmp_path, check=True)
    assert out["changed"] is True and not (tmp_path / "security/pwquality.conf.d/50-cnil-pwd.conf").exists()
    assert out["values"]["minlen"] is None


def test_apply_idempotent_and_effective_values(tmp_path):
    first = pwquality(tmp_path)
    assert first["changed"] is True
    assert first["values"] == {"minlen": 12, "minclass": 4, "enforce_for_root": True}
    assert pwquality(tmp_path)["changed"] is False
    assert pwquality(tmp_path, check=True)["changed"] is False


def test_a_later_file_that_overrides_is_neutralised_and_one_that_agrees_is_left(tmp_path):
    pwquality(tmp_path)
    main = tmp_path / "security/pwquality.conf"
    later = tmp_path / "security/pwquality.conf.d/90-local.conf"
    main.write_text("# minlen = 8\nminlen = 8\nminclass = 4\n")
    later.write_text("enforce_for_root\n")
    drift = pwquality(tmp_path, check=True)
    assert drift["changed"] is True and drift["values"]["minlen"] == 8 and drift["effective"]["minlen"]["file"] == str(main)
    assert "minlen = 8" in main.read_text().splitlines(), "check mode must not write"
    fixed = pwquality(tmp_path)
    assert fixed["values"]["minlen"] == 12
    assert "# disabled by cnil-cabinet" in main.read_text() and "minclass = 4" in main.read_text().splitlines()
    assert later.read_text() == "enforce_for_root\n"
    assert pwquality(tmp_path)["changed"] is False


def test_files_that_are_not_dot_conf_are_ignored_like_the_library_does(tmp_path):
    pwquality(tmp_path)
    (tmp_path / "security/pwquality.conf.d/zz-notes").write_text("minlen = 6\n")
    assert pwquality(tmp_path, check=True)["changed"] is False


def test_backups_keep_the_oldest_copy_and_name_created_files(tmp_path):
    backup = tmp_path / "backup"
    conf = tmp_path / "faillock.conf"
    conf.write_text("# deny = 3\n")
    out = run(tmp_path, path=str(conf), settings={"deny": 10}, backup_dir=str(backup))
    saved = out["backups"][str(conf)]
    assert open(saved).read() == "# deny = 3\n" and "deny = 10" in conf.read_text()
    out = run(tmp_path, path=str(conf), settings={"deny": 5}, backup_dir=str(backup))
    assert open(out["backups"][str(conf)]).read() == "# deny = 3\n"
    created = pwquality(tmp_path, backup_dir=str(tmp_path / "backup2"))
    assert list(created["backups"].values()) == [None]


def test_bad_settings_and_drop_in_names_are_refused(tmp_path):
    assert pwquality(tmp_path, settings={"minlen": "12\nminlen = 6"})["failed"] is True
    out = pwquality(tmp_path, path=str(tmp_path / "security/pwquality.conf.d/50-cnil"))
    assert out["failed"] is True and ".conf" in out["msg"]


# freshclam.conf as Debian's clamav-freshclam writes it (Key value lines), trimmed.
FRESHCLAM = """# Automatically created by the clamav-freshclam postinst
DatabaseOwner clamav
UpdateLogFile /var/log/clamav/freshclam.log
# Check for new database 24 times a day
Checks 24
DatabaseMirror db.local.clamav.net
DatabaseMirror database.clamav.net
"""


def test_key_value_files_with_a_space_are_edited_in_place_like_freshclam_reads_them():
    """CNIL-AV-01: Checks and PrivateMirror in one call, the package's other lines kept."""
    got = sc.edit_in_place(FRESHCLAM.replace("Checks 24", "Checks 2"), {"Checks": 24, "PrivateMirror": "10.0.0.5"}, sep=" ")
    assert got == FRESHCLAM + "PrivateMirror 10.0.0.5\n"
    assert sc.parse(got, " ")["DatabaseMirror"] == "database.clamav.net" and sc.parse(got, " ")["Checks"] == "24"
    # A mirror no longer declared goes (every line of it), a commented key is the template for a missing one.
    removed = sc.edit_in_place(got + "PrivateMirror 10.0.0.6\n", {"Checks": 24, "PrivateMirror": False}, sep=" ")
    assert removed == FRESHCLAM
    templated = sc.edit_in_place("#Checks 24\nDatabaseOwner clamav\n", {"Checks": 12}, sep=" ")
    assert templated == "#Checks 24\nChecks 12\nDatabaseOwner clamav\n"


def test_freshclam_drift_is_a_change_check_mode_writes_nothing_and_a_run_restores_it(tmp_path):
    conf = tmp_path / "freshclam.conf"
    conf.write_text(FRESHCLAM.replace("Checks 24", "Checks 2"))
    args = dict(path=str(conf), separator=" ", settings={"Checks": 24, "PrivateMirror": False})
    audit = run(tmp_path, check=True, **args)
    assert audit["changed"] is True and audit["values"]["Checks"] == 2 and "Checks 2\n" in conf.read_text()
    applied = run(tmp_path, **args)
    assert applied["changed"] is True and applied["values"] == {"Checks": 24, "PrivateMirror": None}
    assert conf.read_text() == FRESHCLAM
    assert run(tmp_path, check=True, **args)["changed"] is False
