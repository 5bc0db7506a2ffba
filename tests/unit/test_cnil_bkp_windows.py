"""CNIL-BKP-01 on Windows (roles/cnil_bkp/tasks/windows.yml): the decisions of plugins/filter/cnil_bkp.py on
recorded-like win_cnil_restic_facts results, the PowerShell mirrors of the Linux rules, the task file's contracts
(edition guard, secrets only in no_log tasks, the pinned restic.exe, SYSTEM), and the PowerShell the role sends
(inline scripts and the rendered cnil-backup.ps1) parsed by tree-sitter. Nothing of this ran on a Windows host."""
import ast
import hashlib
import json
import os
import re

import jinja2
import pytest
import yaml

import cnil_bkp as b
import cnil_windows as w
from cnil_lib.calendar import max_interval_days
from test_powershell_parse import parse_errors
from test_role_contracts import dispatch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE = os.path.join(ROOT, "roles", "cnil_bkp")
WINDOWS_YML = os.path.join(ROLE, "tasks", "windows.yml")
SCRIPT = os.path.join(ROLE, "templates", "windows", "cnil-backup.ps1.j2")
SSH_CONFIG = os.path.join(ROLE, "templates", "windows", "ssh_config.j2")
REPO_PS1 = os.path.join(ROOT, "library", "win_cnil_restic_repo.ps1")
FACTS_PS1 = os.path.join(ROOT, "library", "win_cnil_restic_facts.ps1")
RESTIC_PSM1 = os.path.join(ROOT, "module_utils", "powershell", "Ansible.ModuleUtils.CnilRestic.psm1")
WIN_VARS = yaml.safe_load(open(os.path.join(ROLE, "vars", "Windows.yml"), encoding="utf-8"))
PINNED = hashlib.sha256(b"restic.exe of the contractor").hexdigest()
PRO = w.cnil_win_edition("Professional")


def tasks():
    return yaml.safe_load(open(WINDOWS_YML, encoding="utf-8"))


def task(words):
    return next(t for t in tasks() if words in t["name"])


def module_of(t):
    return next(k for k in t if k.startswith(("ansible.", "community.", "cnil_", "win_cnil_")))


# --- restic.exe from the contractor, pinned -------------------------------------------------------------
def stat(exists=True, isreg=True, checksum=PINNED):
    return {"stat": {"exists": exists, "isreg": isreg, "checksum": checksum}}


@pytest.mark.parametrize("result, pinned, path, words", [
    ({"skipped": True}, PINNED, "", "cnil_bkp_win_restic_exe is empty"),
    ({"skipped": True}, PINNED, "files/restic.exe", "absolute path"),
    (stat(), "", "/srv/restic.exe", "cnil_bkp_win_restic_sha256 must be"),
    (stat(), "abc", "/srv/restic.exe", "cnil_bkp_win_restic_sha256 must be"),
    (stat(exists=False, checksum=None), PINNED, "/srv/restic.exe", "cnil_bkp_win_restic_exe: /srv/restic.exe not found"),
    (stat(isreg=False), PINNED, "/srv/restic.exe", "is not a file"),
    (stat(checksum="0" * 64), PINNED, "/srv/restic.exe", "not the pinned cnil_bkp_win_restic_sha256"),
])
def test_restic_exe_is_refused_naming_the_variable(result, pinned, path, words):
    got = b.cnil_win_restic_pin(result, pinned, path)
    assert not got["ok"] and words in got["reason"]


def test_restic_exe_with_the_pinned_checksum_is_accepted_in_any_case():
    got = b.cnil_win_restic_pin(stat(checksum=PINNED.upper()), " %s " % PINNED.upper(), "/srv/restic.exe")
    assert got == {"ok": True, "reason": None, "sha256": PINNED}


def test_the_controller_stat_computes_sha256_and_the_copy_waits_for_the_pin():
    probe = task("restic.exe provided by the contractor")
    assert probe["ansible.builtin.stat"]["checksum_algorithm"] == "sha256"
    assert probe["delegate_to"] == "localhost" and probe["check_mode"] is False
    copy_task = task("restic.exe, the contractor's file")
    assert "cnil_bkp_win_pin.ok" in copy_task["when"]
    assert copy_task["ansible.windows.win_copy"]["src"] == "{{ cnil_bkp_win_restic_exe }}"
    names = [t["name"] for t in tasks()]
    assert names.index(probe["name"]) < names.index(copy_task["name"])


def test_nothing_is_ever_downloaded():
    text = open(WINDOWS_YML, encoding="utf-8").read() + open(SCRIPT, encoding="utf-8").read()
    for word in ("win_get_url", "get_url", "win_uri", "Invoke-WebRequest", "Invoke-RestMethod", "WebClient", "self-update"):
        assert word not in text, word


def test_modules_and_script_refuse_a_restic_exe_without_the_pinned_checksum():
    for path in (REPO_PS1, FACTS_PS1, SCRIPT):
        text = open(path, encoding="utf-8").read()
        assert "Get-FileHash" in text and "SHA256" in text, path
    assert "restic_sha256" in open(SCRIPT, encoding="utf-8").read()


# --- schedules as Task Scheduler triggers --------------------------------------------------------------
@pytest.mark.parametrize("expression, kind, days, start", [
    ("daily", "daily", None, "00:00:00"),
    ("weekly", "weekly", "monday", "00:00:00"),
    ("Mon..Fri 12:30", "weekly", "monday,tuesday,wednesday,thursday,friday", "12:30:00"),
    ("Mon..Fri *-*-* 12:30", "weekly", "monday,tuesday,wednesday,thursday,friday", "12:30:00"),
    ("12:30", "daily", None, "12:30:00"),
    ("*-*-* 00:00:00", "daily", None, "00:00:00"),
    ("Sat,Sun *-*-* 03:00:00", "weekly", "saturday,sunday", "03:00:00"),
    ("Mon..Sun 7:05", "daily", None, "07:05:00"),
    ("Fri", "weekly", "friday", "00:00:00"),
])
def test_schedules_become_one_trigger_with_systemd_meaning(expression, kind, days, start):
    got = b.cnil_win_schedule_trigger(expression)
    assert got["ok"] and got["reason"] is None
    trigger, = got["triggers"]
    assert trigger["type"] == kind and trigger.get("days_of_week") == days
    assert trigger["start_boundary"] == "%sT%s" % (b.WIN_START_DATE, start)
    assert max_interval_days(expression)[0] <= 7
    for day in (days or "").split(","):  # win_scheduled_task wants full day names
        assert day == "" or day in ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@pytest.mark.parametrize("expression", ["monthly", "hourly", "minutely", "*-*-01 00:00", "Mon 20:00 Europe/Paris",
                                        "*-*-* 06,18:00:00", "*:0/15", "25:00", "12:61", "Mon..Frx", "", "soon", None])
def test_schedules_a_task_cannot_express_are_refused_naming_the_variable(expression):
    got = b.cnil_win_schedule_trigger(expression, "cnil_bkp_verify_schedule")
    assert not got["ok"] and got["triggers"] == []
    assert got["reason"].startswith("cnil_bkp_verify_schedule = ")


def test_the_scheduled_tasks_run_as_system_start_when_available_and_use_the_triggers():
    t = task("scheduled backup and verification")
    args = t["community.windows.win_scheduled_task"]
    assert args["username"] == "SYSTEM" and args["logon_type"] == "service_account" and args["run_level"] == "highest"
    assert args["start_when_available"] is True and args["enabled"] is True
    items = {i["name"]: i for i in t["loop"]}
    assert set(items) == set(WIN_VARS["cnil_bkp_win_tasks"]) == {"cnil-backup", "cnil-backup-verify"}
    assert items["cnil-backup"]["triggers"] == "{{ cnil_bkp_win_trigger.triggers }}"
    assert items["cnil-backup-verify"]["triggers"] == "{{ cnil_bkp_win_verify_trigger.triggers }}"
    assert "-ExecutionPolicy Bypass -File" in args["actions"][0]["arguments"]


# --- backup paths ---------------------------------------------------------------------------------------
def test_windows_paths_are_local_absolute_and_normalised():
    got = b.cnil_win_backup_paths(["C:\\Users\\", "D:/Cabinet/Data", "C:\\", "C:\\Users"])
    assert got == {"ok": True, "reason": None, "paths": ["C:\\Users", "D:\\Cabinet\\Data", "C:\\"]}


@pytest.mark.parametrize("paths", [["/home"], ["Users"], ["\\\\server\\share"], [], "C:\\Users", None])
def test_linux_relative_or_network_paths_are_refused(paths):
    got = b.cnil_win_backup_paths(paths)
    assert not got["ok"] and "cnil_bkp_win_paths" in got["reason"]


def test_the_default_windows_paths_are_valid():
    defaults = yaml.safe_load(open(os.path.join(ROLE, "defaults", "main.yml"), encoding="utf-8"))
    assert defaults["cnil_bkp_win_paths"] == ["C:\\Users"]
    assert b.cnil_win_backup_paths(defaults["cnil_bkp_win_paths"])["ok"]


# --- the root-only folder --------------------------------------------------------------------------------
SY, BA, USERS, ALICE = "S-1-5-18", "S-1-5-32-544", "S-1-5-32-545", "S-1-5-21-1-2-3-1001"


def rules(*sids, inherited=False):
    return [{"sid": s, "type": "Allow", "rights": "FullControl", "inherited": inherited} for s in sids]


def root_only_acl():
    return {"exists": True, "protected": True, "owner": BA, "rules": rules(SY, BA),
            "children": [{"name": "password", "owner": ALICE, "rules": rules(SY, BA, inherited=True)},
                         {"name": "id_ed25519", "owner": SY, "rules": rules(SY, BA)}]}


def test_root_only_folder_passes_even_when_an_administrator_wrote_a_file():
    assert b.cnil_win_root_only(root_only_acl()) == {"ok": True, "reason": None, "foreign": {}}


@pytest.mark.parametrize("change, words", [
    (lambda a: a.update(exists=False), "does not exist"),
    (lambda a: a.update(protected=False), "inherits the permissions"),
    (lambda a: a.update(owner=ALICE), "owned by " + ALICE),
    (lambda a: a["rules"].extend(rules(USERS, inherited=True)), "the backup folder is open to " + USERS),
    (lambda a: a["children"][0]["rules"].extend(rules(USERS)), "password is open to " + USERS),
])
def test_a_folder_or_file_open_to_others_fails(change, words):
    acl = root_only_acl()
    change(acl)
    got = b.cnil_win_root_only(acl)
    assert not got["ok"] and words in got["reason"]


def test_a_deny_rule_for_others_is_not_an_opening():
    acl = root_only_acl()
    acl["rules"].append({"sid": USERS, "type": "Deny", "rights": "FullControl", "inherited": False})
    assert b.cnil_win_root_only(acl)["ok"]


def test_the_enforced_sids_are_the_judged_ones():
    assert tuple(WIN_VARS["cnil_bkp_win_root_sids"]) == b.WIN_ROOT_SIDS == (SY, BA)
    acl_task = task("for SYSTEM and Administrators only (inheritance off)")
    assert acl_task["ansible.windows.win_powershell"]["parameters"]["Allowed"] == "{{ cnil_bkp_win_root_sids }}"


# --- the checks, from recorded-like facts -----------------------------------------------------------------
NOW = "2026-11-29T10:00:00.1234567Z"


def compliant_state():
    return {
        "now": NOW,
        "edition": {"edition_id": "Professional", "current_build": "26100"},
        "restic": {"path": "C:\\ProgramData\\cnil-cabinet\\backup\\restic.exe", "present": True, "sha256": PINNED,
                   "version": "restic 0.17.3 compiled with go1.23.3 on windows/amd64"},
        "settings": {"present": True, "error": None, "repository": "sftp:cnilbkp-pc-medecin@backup.example.fr:/repo",
                     "host": "pc-medecin", "tag": "cnil", "paths": ["C:\\Users"], "keep_daily": 7, "keep_weekly": 5,
                     "keep_monthly": 12},
        "files": {"password": True, "credentials": True, "ssh_key": True, "known_hosts": True, "ssh_config": True,
                  "script": True},
        "acl": root_only_acl(),
        "snapshots": {"ran": True, "reason": None, "rc": 0, "stderr": "",
                      "list": [{"time": "2026-11-20T23:00:05.5550000+01:00", "short_id": "aaaa1111"},
                               {"time": "2026-11-28T23:00:04.1234567+01:00", "short_id": "bbbb2222"}]},
        "records": {
            "backup": {"status": "ok", "time": "2026-11-28T22:10:00Z", "snapshot": "bbbb2222", "message": None},
            "check": {"status": "ok", "time": "2026-11-27T01:00:00Z", "message": None},
            "restore_test": {"status": "ok", "time": "2026-11-27T01:05:00Z", "snapshot": "aaaa1111",
                             "expected_sha256": "ab" * 32, "restored_sha256": "ab" * 32, "message": None},
        },
        "tasks": {
            "cnil-backup": {"exists": True, "state": "Ready", "enabled": True, "start_when_available": True,
                            "user_id": "SYSTEM", "logon_type": "ServiceAccount", "run_level": "Highest",
                            "triggers": [{"kind": "MSFT_TaskDailyTrigger", "start_boundary": "2025-01-01T00:00:00"}],
                            "last_run_time": "2026-11-28T22:00:00.0000000Z", "last_task_result": 0,
                            "next_run_time": "2026-11-29T23:00:00.0000000Z", "missed_runs": 0},
            "cnil-backup-verify": {"exists": True, "state": "Ready", "enabled": True, "start_when_available": True,
                                   "user_id": "SYSTEM", "next_run_time": "2026-11-30T23:00:00.0000000Z",
                                   "last_task_result": 0},
        },
    }


def expected(**over):
    base = {"edition": PRO, "problems": [], "restic_sha256": PINNED, "password_set": True, "max_age_days": 8,
            "verify_max_age_days": 8, "interval_days": 7, "verify_interval_days": 7, "keep_monthly_min": 12,
            "keep_weekly_min": 1}
    base.update(over)
    return base


CHECK_IDS = ("repository", "timer", "retention", "last_snapshot", "check", "restore_test", "offsite")


def test_a_compliant_pc_passes_every_check_by_its_own_clock():
    got = b.cnil_win_backup_checks(compliant_state(), expected())
    assert {k: got[k]["ok"] for k in CHECK_IDS} == dict.fromkeys(CHECK_IDS, True), {k: got[k]["reason"] for k in CHECK_IDS}
    assert not got["backup_due"]
    assert all(got[k]["error"] is None for k in CHECK_IDS)
    snap = got["last_snapshot"]["evidence"]
    assert snap["newest_snapshot"] == "bbbb2222" and snap["age_days"] == 0.5  # 23:00:04+01:00 to 10:00Z
    assert got["timer"]["evidence"]["next_run_in_days"] == pytest.approx(0.54, abs=0.01)
    assert got["offsite"]["evidence"] == {"kind": "sftp", "host": "backup.example.fr"}


def test_windows_home_fails_every_check_with_the_edition():
    got = b.cnil_win_backup_checks(compliant_state(), expected(edition=w.cnil_win_edition("Core")))
    for key in CHECK_IDS:
        assert got[key]["ok"] is False and got[key]["reason"].startswith("unsupported edition") and got[key]["error"] is None
    assert not got["backup_due"]


def test_inputs_refused_on_the_controller_are_an_error_of_the_repository():
    reason = b.cnil_win_restic_pin({"skipped": True}, PINNED, "")["reason"]
    got = b.cnil_win_backup_checks(compliant_state(), expected(problems=[reason, None]))
    assert not got["repository"]["ok"] and got["repository"]["error"] == reason


@pytest.mark.parametrize("rc, stderr, kind", [
    (12, "Fatal: wrong password or no key found", "wrong_password"),
    (1, "subprocess ssh: ssh: connect to host backup.example.fr port 22: Connection timed out\nFatal: unable to open repository", "unreachable"),
    (1, "subprocess ssh: Host key verification failed.\nFatal: unable to open repository", "unreachable"),
    (11, "Fatal: unable to create lock in backend: repository is already locked", "locked"),
])
def test_an_unreadable_repository_is_an_error_never_a_pass(rc, stderr, kind):
    state = compliant_state()
    state["snapshots"].update(rc=rc, stderr=stderr, list=[])
    got = b.cnil_win_backup_checks(state, expected())
    assert not got["repository"]["ok"] and got["repository"]["error"]
    assert not got["last_snapshot"]["ok"] and got["last_snapshot"]["error"] == got["repository"]["error"]
    assert not got["backup_due"]  # nothing is started against a repository that does not open


def test_an_absent_repository_is_a_failure_with_its_reason():
    state = compliant_state()
    state["snapshots"].update(rc=10, stderr="Fatal: repository does not exist: unable to open config file", list=[])
    got = b.cnil_win_backup_checks(state, expected())
    assert got["repository"]["reason"] == "no repository at this location yet" and got["repository"]["error"] is None


def test_a_stale_or_missing_snapshot_fails_and_makes_a_backup_due():
    state = compliant_state()
    state["snapshots"]["list"] = [{"time": "2026-11-10T08:00:00+01:00", "short_id": "old1"}]
    got = b.cnil_win_backup_checks(state, expected())
    assert not got["last_snapshot"]["ok"] and "19.13 days old" in got["last_snapshot"]["reason"] and got["backup_due"]
    state["snapshots"]["list"] = []
    got = b.cnil_win_backup_checks(state, expected())
    assert got["last_snapshot"]["reason"] == "no snapshot in the repository" and got["backup_due"]
    state["tasks"]["cnil-backup"]["state"] = "Running"  # the first backup, still running: not started twice
    assert not b.cnil_win_backup_checks(state, expected())["backup_due"]
    state["tasks"]["cnil-backup"] = {"exists": False}
    assert not b.cnil_win_backup_checks(state, expected())["backup_due"]


def test_a_pc_never_set_up_fails_without_error_and_starts_nothing():
    state = {"now": NOW, "restic": {"present": False}, "settings": {"present": False, "error": None}, "files": {},
             "acl": {"exists": False}, "snapshots": {"ran": False, "reason": "restic.exe is not installed", "list": []},
             "records": {"backup": None, "check": None, "restore_test": None}, "tasks": {"cnil-backup": {"exists": False}}}
    got = b.cnil_win_backup_checks(state, expected())
    assert not any(got[k]["ok"] for k in CHECK_IDS)
    assert not any(got[k]["error"] for k in CHECK_IDS)
    assert "restic.exe" in got["repository"]["reason"] and "not installed" in got["timer"]["reason"]
    assert got["check"]["reason"] == "restic check never ran" and got["restore_test"]["reason"] == "no restore test yet"
    assert got["offsite"]["reason"] == "no repository configured" and not got["backup_due"]


@pytest.mark.parametrize("change, check, words", [
    (lambda s: s["restic"].update(sha256="0" * 64), "repository", "pinned SHA-256"),
    (lambda s: s["files"].update(password=False), "repository", "password"),
    (lambda s: s["files"].update(known_hosts=False), "repository", "known_hosts"),
    (lambda s: s["acl"].update(protected=False), "repository", "inherits"),
    (lambda s: s["tasks"]["cnil-backup"].update(enabled=False, state="Disabled"), "timer", "disabled"),
    (lambda s: s["tasks"]["cnil-backup"].update(user_id="PC-MEDECIN\\cnil-admin"), "timer", "not SYSTEM"),
    (lambda s: s["tasks"]["cnil-backup"].update(start_when_available=False), "timer", "start when available"),
    (lambda s: s["tasks"]["cnil-backup"].update(next_run_time=None), "timer", "no next run"),
    (lambda s: s["tasks"]["cnil-backup"].update(next_run_time="2026-12-25T00:00:00Z"), "timer", "more than 7"),
    (lambda s: s["tasks"].pop("cnil-backup"), "timer", "not installed"),
    (lambda s: s["settings"].update(keep_monthly=6), "retention", "6 monthly"),
    (lambda s: s["settings"].update(keep_weekly=0), "retention", "0 weekly"),
    (lambda s: s["records"].update(check={"status": "failed", "time": "2026-11-27T01:00:00Z", "message": "boom"}), "check", "boom"),
    (lambda s: s["records"].update(check={"status": "ok", "time": "2026-11-01T01:00:00Z"}), "check", "days old"),
    (lambda s: s["records"].update(restore_test={"status": "failed", "time": "2026-11-27T01:00:00Z",
                                                 "message": "the restored file differs"}), "restore_test", "differs"),
    (lambda s: s["records"].update(restore_test={"status": "unreadable", "message": "cannot read"}), "restore_test", "cannot read"),
    (lambda s: s["settings"].update(repository="D:\\restic"), "offsite", "not off-site"),
    (lambda s: s["settings"].update(repository="sftp:u@localhost:/repo"), "offsite", "this PC itself"),
])
def test_each_drift_fails_its_own_check(change, check, words):
    state = compliant_state()
    change(state)
    got = b.cnil_win_backup_checks(state, expected())
    assert got[check]["ok"] is False and words in got[check]["reason"], got[check]
    others = [k for k in CHECK_IDS if k != check and not got[k]["ok"]]
    assert others in ([], ["repository"]), others  # a broken repository setting may also stop the repository


def test_an_empty_password_fails_the_repository():
    got = b.cnil_win_backup_checks(compliant_state(), expected(password_set=False))
    assert not got["repository"]["ok"] and "cnil_bkp_password is empty" in got["repository"]["reason"]


def test_never_run_task_results_are_shown_as_such():
    state = compliant_state()
    state["tasks"]["cnil-backup"].update(last_task_result=b.WIN_TASK_NOT_RUN_YET, last_run_time=None)
    assert b.cnil_win_backup_checks(state, expected())["timer"]["evidence"]["last_run_result"] == "not run yet"


def test_no_secret_reaches_the_checks():
    state = compliant_state()
    state["settings"]["repository"] = "rest:https://pc:s3cr3t-pw@backup.example.fr/pc/"
    state["snapshots"].update(rc=1, stderr="Fatal: unable to open repository", list=[])
    got = b.cnil_win_backup_checks(state, expected())
    assert "s3cr3t-pw" not in json.dumps(got)


def test_the_evidence_keeps_the_linux_check_ids_and_their_labels():
    linux = yaml.safe_load(open(os.path.join(ROLE, "tasks", "debian.yml"), encoding="utf-8"))
    linux_ids = [c["id"] for c in next(t for t in linux if "cnil_evidence" in t)["cnil_evidence"]["checks"]]
    windows = tasks()[-1]["cnil_evidence"]
    assert windows["control"] == "CNIL-BKP-01"
    assert [c["id"] for c in windows["checks"]] == linux_ids == list(CHECK_IDS)
    for check in windows["checks"]:
        assert "cnil_bkp_win_checks.%s." % check["id"] in check["ok"]


# --- PowerShell mirrors of the Linux rules -------------------------------------------------------------
def python_unreachable_markers():
    tree = ast.parse(open(os.path.join(ROOT, "module_utils", "cnil_restic.py"), encoding="utf-8").read())
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "unreachable":
            return [elt.value for elt in node.value.elts]
    raise AssertionError("unreachable markers not found in module_utils/cnil_restic.py")


def test_the_repository_module_classifies_restic_errors_as_linux_does():
    text = open(REPO_PS1, encoding="utf-8").read()
    block = re.search(r"\$CnilUnreachableMarkers = @\((.*?)\)\n", text, re.S).group(1)
    assert re.findall(r"'([^']*)'", block) == python_unreachable_markers()
    source = open(os.path.join(ROOT, "module_utils", "cnil_restic.py"), encoding="utf-8").read()
    for message in ("wrong password or no key found", "Is there a repository at the following location?",
                    "repository does not exist", "repository is already locked"):
        assert message in source and "'%s'" % message in text, message
    for code in ("EXIT_NO_REPOSITORY, EXIT_LOCKED, EXIT_WRONG_PASSWORD = 10, 11, 12",):
        assert code in source
    assert "$Rc -eq 12" in text and "$Rc -eq 10" in text and "$Rc -eq 11" in text


def test_init_happens_only_after_restic_said_absent_and_never_on_a_wrong_password():
    text = open(REPO_PS1, encoding="utf-8").read()
    init = text.index("@('init')")
    assert text.index("if ($kind -ne 'absent')") < init and text.index("$module.FailJson(\"win_cnil_restic_repo: ${location}") < init
    assert text.count("@('init')") == 1 and "NOT re-initialised" in text
    assert "if ($module.CheckMode)" in text[text.index("$module.Result.state = 'absent'"):init]


def test_urls_are_redacted_with_the_linux_pattern_in_one_shared_module_util():
    """Get-CnilLocation (redact_url's mirror) lives once, in module_utils/powershell/Ansible.ModuleUtils.CnilRestic.psm1;
    both restic modules load it and call it, and neither keeps a copy of its own."""
    source = open(os.path.join(ROOT, "module_utils", "cnil_restic.py"), encoding="utf-8").read()
    pattern = re.search(r're\.sub\(r"([^"]+)", r"\\1@"', source).group(1)
    util = open(RESTIC_PSM1, encoding="utf-8").read()
    assert "'%s', '$1@'" % pattern in util
    assert re.search(r"^Export-ModuleMember -Function .*\bGet-CnilLocation\b", util, re.M)
    for path in (REPO_PS1, FACTS_PS1):
        text = open(path, encoding="utf-8").read()
        assert re.search(r"^#Requires -Module Ansible\.ModuleUtils\.CnilRestic\s*$", text, re.M), path
        assert "Get-CnilLocation -Repository" in text, path
        assert not re.search(r"(?i)^\s*function\s+Get-CnilLocation\b", text, re.M), "%s keeps its own copy" % path
        assert "'$1@'" not in text, path


def test_the_redaction_pattern_removes_the_password_as_redact_url_does():
    """The .NET pattern of the module util, run through Python's re (same syntax for these constructs): what
    redact_url gives on Linux."""
    from cnil_restic import redact_url
    ps = re.search(r"\[regex\]::Replace\(\[string\]\$Repository, '([^']+)', '\$1@'\)", open(RESTIC_PSM1, encoding="utf-8").read())
    for url in ("rest:https://cabinet:s3cret@backup.example:8000/pc", "sftp:cnilbkp-pc@backup:/repo", "rest:https://u@h/",
                "s3:https://key:secret@s3.example/bucket", ""):
        assert re.sub(ps.group(1), r"\1@", url) == redact_url(url), url
    assert "s3cret" not in re.sub(ps.group(1), r"\1@", "rest:https://cabinet:s3cret@backup.example:8000/pc")


def test_restic_never_gets_a_password_in_its_environment():
    for path in (REPO_PS1, FACTS_PS1, SCRIPT):
        text = open(path, encoding="utf-8").read()
        assert "'RESTIC_PASSWORD', 'RESTIC_PASSWORD_COMMAND'" in text and "RESTIC_PASSWORD_FILE" in text, path
        assert not re.search(r"RESTIC_PASSWORD'\s*,\s*\[string\]\$Settings", text)


# --- the settings file is the one contract between the role, the modules and the script -------------------
def test_every_setting_read_on_the_pc_is_written_by_the_role():
    written = set(task("backup settings")["vars"]["cnil_bkp_win_settings_data"])
    read = set(re.findall(r"\$Settings\.(\w+)", open(SCRIPT, encoding="utf-8").read()))
    for path in (REPO_PS1, FACTS_PS1):
        text = open(path, encoding="utf-8").read()
        read |= set(re.findall(r"\$settings\.(\w+)", text))
        read |= set(re.findall(r"-Object \$settings -Name '(\w+)'", text))
        read |= {name for name in re.findall(r"'(\w+_file|ssh_key|known_hosts|ssh_config|script)'", text)}
    assert read <= written, read - written
    assert {"paths", "keep_daily", "keep_weekly", "keep_monthly", "restic_sha256", "tag", "host"} <= read


def test_the_script_backs_up_with_vss_and_the_retention_of_the_settings():
    text = open(SCRIPT, encoding="utf-8").read()
    assert "'--use-fs-snapshot'" in text and "'forget', '--prune'" in text
    for keep in ("daily", "weekly", "monthly"):
        assert "'--keep-%s', [string]$Settings.keep_%s" % (keep, keep) in text
    for record in ("last-backup.json", "check.json", "restore-test.json"):
        assert "'%s'" % record in text
    assert "--read-data-subset=" in text and "Global\\cnil-cabinet-backup" in text


# --- the task file's contracts ---------------------------------------------------------------------------
PROBES = {"win_cnil_secpol_facts", "win_cnil_restic_facts", "ansible.builtin.stat", "ansible.builtin.set_fact",
          "ansible.builtin.fail", "ansible.builtin.include_role", "cnil_evidence"}


def test_every_change_on_the_pc_is_skipped_on_unsupported_editions():
    for t in tasks():
        if module_of(t) in PROBES:
            continue
        assert "cnil_win_edition" in str(t.get("when")), "%s changes the PC on Windows Home too" % t["name"]


def test_secrets_only_in_no_log_tasks_and_never_in_the_evidence():
    for t in tasks():
        body = yaml.safe_dump({k: v for k, v in t.items() if k not in ("when", "name")})
        uses = re.findall(r"cnil_bkp_password(?! \| length)|cnil_bkp_repository_env", body)
        if uses:
            assert t.get("no_log") is True, "%s handles a secret without no_log" % t["name"]
    settings = task("backup settings")
    assert settings["no_log"] == "{{ cnil_bkp_repository is search('://[^/@]+:[^/@]+@') }}"
    evidence = yaml.safe_dump(tasks()[-1])
    assert "cnil_bkp_password" not in evidence and "repository_env" not in evidence


def test_key_repository_and_state_are_handled_as_system_like_the_scheduled_tasks():
    for words in ("SSH key for the backup host", "repository initialised once", "read the backup state"):
        t = task(words)
        assert (t["become"], t["become_method"], t["become_user"]) == (True, "ansible.builtin.runas", "SYSTEM"), words


def test_the_repository_task_never_stops_the_pc_and_comes_after_the_settings():
    names = [t["name"] for t in tasks()]
    repo = task("repository initialised once")
    assert repo["ignore_errors"] is True and repo["win_cnil_restic_repo"]["settings"] == "{{ cnil_bkp_win_settings }}"
    for before in ("backup settings", "restic.exe, the contractor's file", "repository password", "SSH settings",
                   "account and key on the backup host", "scheduled backup"):
        assert names.index(task(before)["name"]) < names.index(repo["name"]), before


def test_the_folder_is_locked_down_before_any_secret_is_written():
    names = [t["name"] for t in tasks()]
    lock = names.index(task("for SYSTEM and Administrators only (inheritance off)")["name"])
    for words in ("repository password", "repository credentials", "backup settings", "SSH key for the backup host"):
        assert lock < names.index(task(words)["name"]), words


def test_input_refusals_name_the_variables_and_do_not_stop_the_pc():
    refused = task("inputs refused")
    assert refused["ignore_errors"] is True and "cnil_bkp_win_problems" in refused["ansible.builtin.fail"]["msg"]
    for words in ("backup settings", "backup and verification script", "scheduled backup", "repository initialised once", "backup now"):
        assert "cnil_bkp_win_problems | length == 0" in task(words)["when"], words


def test_the_account_on_the_backup_host_is_made_as_on_linux():
    linux = yaml.safe_load(open(os.path.join(ROLE, "tasks", "debian.yml"), encoding="utf-8"))
    lin = next(t for t in linux if t["name"].endswith("account and key on the backup host"))
    win = task("account and key on the backup host")
    assert win["ansible.builtin.include_role"]["name"] == lin["ansible.builtin.include_role"]["name"] == "cnil_bkp_target"
    assert win["ansible.builtin.include_role"]["tasks_from"] == "account.yml"
    assert win["ansible.builtin.include_role"]["apply"]["become"] is True  # the Windows play has no become
    assert set(win["vars"]) == set(lin["vars"])


# --- the PowerShell the role sends parses ---------------------------------------------------------------
INLINE = [t for t in tasks() if module_of(t) == "ansible.windows.win_powershell"]


@pytest.mark.parametrize("t", INLINE, ids=[t["name"].split(" | ")[1][:40] for t in INLINE])
def test_inline_scripts_parse_and_honour_check_mode(t):
    script = t["ansible.windows.win_powershell"]["script"]
    assert not parse_errors(script.encode("utf-8"), t["name"])
    assert "[CmdletBinding(SupportsShouldProcess)]" in script and "$Ansible.CheckMode" in script
    params = set(re.search(r"param\(([^)]*)\)", script).group(1).replace("[string[]]", "").replace("[string]", "")
                 .replace("$", "").replace(" ", "").split(","))
    assert params == set(t["ansible.windows.win_powershell"]["parameters"])


def render(path, **extra):
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    values = dict(WIN_VARS, inventory_hostname="pc-medecin",
                  cnil_bkp_location=b.cnil_restic_location("sftp://cnilbkp-pc-medecin@backup.example.fr:2222//repo"))
    values.update(extra)
    return env.from_string(open(path, encoding="utf-8").read()).render(**values)


def test_the_rendered_backup_script_parses():
    text = render(SCRIPT)
    assert "$SettingsFile = 'C:\\ProgramData\\cnil-cabinet\\backup\\settings.json'" in text
    assert not parse_errors(text.encode("utf-8"), "cnil-backup.ps1")


def test_the_ssh_config_uses_forward_slashes_and_pins_the_host():
    text = render(SSH_CONFIG)
    assert "IdentityFile C:/ProgramData/cnil-cabinet/backup/id_ed25519" in text
    assert "UserKnownHostsFile C:/ProgramData/cnil-cabinet/backup/known_hosts" in text
    assert "StrictHostKeyChecking yes" in text and "Port 2222" in text and "User cnilbkp-pc-medecin" in text
    assert "\\" not in text.split("Host cnil-backup-target", 1)[1]
    sftp = WIN_VARS["cnil_bkp_win_sftp_command"]
    assert "\\" not in sftp and sftp.endswith("-F C:/ProgramData/cnil-cabinet/backup/ssh_config cnil-backup-target -s sftp")
    assert task("SSH settings restic uses")["ansible.windows.win_template"]["newline_sequence"] == "\n"


# --- dispatch, play and docs -------------------------------------------------------------------------------
def test_main_dispatches_windows_to_windows_yml_under_the_switch():
    main = yaml.safe_load(open(os.path.join(ROLE, "tasks", "main.yml"), encoding="utf-8"))
    for family, files in (("Debian", ["debian.yml"]), ("Windows", ["windows.yml"]), ("RedHat", [])):
        assert [file for _, file in dispatch(main, "cnil_bkp", family) if file] == files, family
        assert not dispatch(main, "cnil_bkp", family, enabled=False), family  # the area switch on every task


def test_the_windows_play_runs_cnil_bkp_in_the_linux_order():
    plays = {p["name"]: p for p in yaml.safe_load(open(os.path.join(ROOT, "playbooks", "site.yml"), encoding="utf-8"))}
    linux = [r["role"] for r in plays["CNIL baseline | Linux PCs"]["roles"]]
    windows = [r["role"] for r in plays["CNIL baseline | Windows PCs"]["roles"]]
    assert "cnil_bkp" in windows and windows == [r for r in linux if r in windows]


def test_docs_say_bkp_01_is_written_for_windows_and_never_ran():
    text = open(os.path.join(ROOT, "docs", "windows.md"), encoding="utf-8").read()
    assert re.search(r"^\| cnil_bkp \| BKP-01 \|", text, re.M)
    not_covered = text.split("## Not covered on Windows yet", 1)[1].split("\n## ", 1)[0]
    assert "`cnil_bkp` is Linux only" not in not_covered
    assert "never run on a real Windows host" in text.lower() or "nothing here has run on a real windows host" in text.lower()


def test_defaults_and_specs_document_the_windows_inputs():
    specs = yaml.safe_load(open(os.path.join(ROLE, "meta", "argument_specs.yml"), encoding="utf-8"))
    options = specs["argument_specs"]["main"]["options"]
    defaults = yaml.safe_load(open(os.path.join(ROLE, "defaults", "main.yml"), encoding="utf-8"))
    for name in ("cnil_bkp_win_restic_exe", "cnil_bkp_win_restic_sha256", "cnil_bkp_win_paths"):
        assert name in options and name in defaults
        assert options[name]["default"] == defaults[name], name
    assert defaults["cnil_bkp_win_restic_exe"] == "" and defaults["cnil_bkp_win_restic_sha256"] == ""  # never a guess
