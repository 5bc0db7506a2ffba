"""CNIL-BKP-01 controller and module logic: schedules, repository classes, restic answers, the facts module's
reading of the host's records, and cnil_restic_repo's init-once contract against a fake restic."""
import datetime
import importlib.util
import json
import os
import subprocess
import sys
import textwrap

import pytest
import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "module_utils"))
sys.path.insert(0, os.path.join(ROOT, "plugins"))

import cnil_preflight as pf  # noqa: E402
import cnil_restic  # noqa: E402
from cnil_lib.calendar import check_interval, max_interval_days  # noqa: E402
from module_runner import module_argv  # noqa: E402

FLOORS = yaml.safe_load(open(os.path.join(ROOT, "data", "floors.yml")))["floors"]
TODAY = datetime.date(2026, 11, 29)


@pytest.mark.parametrize("expr, gap", [
    ("daily", 1), ("weekly", 7), ("hourly", 1 / 24.0), ("Mon *-*-* 12:00", 7), ("Mon..Fri 12:30", 3),
    ("Sat,Sun *-*-* 03:00:00", 6), ("*-*-* 06,18:00:00", 1), ("Mon 20:00 Europe/Paris", 7), ("Fri", 7),
    ("tuesday,Thu", 5), ("12:30", 1), ("*-*-* 00:00:00 UTC", 1),
])
def test_schedules_that_run_at_least_weekly(expr, gap):
    assert max_interval_days(expr) == (pytest.approx(gap), None)
    assert check_interval(expr, 7) is None


@pytest.mark.parametrize("expr", ["monthly", "yearly", "*-*-01 00:00", "Mon *-*-1..7 10:00", "2027-01-01", "", "soon",
                                  "Mon..Frx", "*-*-* 12:00 at noon"])
def test_schedules_rarer_than_weekly_or_unreadable_are_refused(expr):
    gap, reason = max_interval_days(expr)
    assert gap is None and reason
    assert check_interval(expr, 7)


def test_a_schedule_can_be_too_rare_for_a_stricter_floor():
    assert "7 days" in check_interval("weekly", 3)
    assert check_interval("Mon,Thu", 4) is None


def test_preflight_refuses_a_monthly_backup_naming_variable_control_and_limit():
    errors, used = pf.check_floors({"cnil_bkp_schedule": "monthly"}, FLOORS, [], TODAY)
    assert len(errors) == 1 and used == []
    assert "cnil_bkp_schedule" in errors[0] and "CNIL-BKP-01" in errors[0] and "7 days" in errors[0]
    assert pf.check_floors({"cnil_bkp_schedule": "Mon..Fri *-*-* 12:30"}, FLOORS, [], TODAY) == ([], [])
    errors, _ = pf.check_floors({"cnil_bkp_verify_schedule": "*-*-01"}, FLOORS, [], TODAY)
    assert errors and "cnil_bkp_verify_schedule" in errors[0]


def test_preflight_schedule_waiver_is_honoured_and_returned():
    _, waivers = pf.check_waivers([{"control": "CNIL-BKP-01", "check": "timer", "reason": "PC allumé le lundi seulement",
                                    "expires": "2027-01-31"}])
    errors, used = pf.check_floors({"cnil_bkp_schedule": "monthly"}, FLOORS, waivers, TODAY)
    assert errors == [] and used[0]["var"] == "cnil_bkp_schedule"


@pytest.mark.parametrize("values, var", [({"cnil_bkp_keep_monthly": 11}, "cnil_bkp_keep_monthly"),
                                         ({"cnil_bkp_keep_weekly": 0}, "cnil_bkp_keep_weekly"),
                                         ({"cnil_bkp_max_age_days": 9}, "cnil_bkp_max_age_days")])
def test_retention_and_age_floors(values, var):
    errors, _ = pf.check_floors(values, FLOORS, [], TODAY)
    assert len(errors) == 1 and var in errors[0] and "CNIL-BKP-01" in errors[0]


@pytest.mark.parametrize("repo, kind, host, user, port, path, offsite", [
    ("sftp:cnilbkp-pc@backup.example.fr:/repo", "sftp", "backup.example.fr", "cnilbkp-pc", None, "/repo", True),
    ("sftp:backup:/srv/repo", "sftp", "backup", None, None, "/srv/repo", True),
    ("sftp://cnilbkp-pc@backup.example.fr:2222//repo", "sftp", "backup.example.fr", "cnilbkp-pc", 2222, "/repo", True),
    ("sftp:u@[2001:db8::1]:/repo", "sftp", "2001:db8::1", "u", None, "/repo", True),
    ("sftp:u@localhost:/repo", "sftp", "localhost", "u", None, "/repo", False),
    ("sftp:u@127.0.0.1:/repo", "sftp", "127.0.0.1", "u", None, "/repo", False),
    ("rest:https://backup.example.fr:8000/pc1/", "rest", "backup.example.fr", None, None, None, True),
    ("s3:https://s3.example.fr/bucket/pc1", "s3", "s3.example.fr", None, None, None, True),
    ("s3:s3.amazonaws.com/bucket", "s3", "s3.amazonaws.com", None, None, None, True),
    ("/mnt/usb/restic", "local", None, None, None, "/mnt/usb/restic", False),
    ("local:/srv/restic", "local", None, None, None, "/srv/restic", False),
])
def test_repository_classes(repo, kind, host, user, port, path, offsite):
    got = cnil_restic.parse_repository(repo)
    assert (got["kind"], got["host"], got["user"], got["port"], got["path"], got["offsite"]) == (kind, host, user, port, path, offsite)
    assert got["offsite"] or got["reason"]


def test_no_repository_and_credentials_in_urls_are_never_shown():
    assert cnil_restic.parse_repository("")["reason"] == "no repository configured"
    got = cnil_restic.parse_repository("rest:https://pc1:s3cr3t-pw@backup.example.fr/pc1/")
    assert "s3cr3t-pw" not in json.dumps(got) and got["location"] == "rest:https://pc1@backup.example.fr/pc1/"


def test_env_file_is_read_as_systemd_reads_it():
    env = cnil_restic.parse_env(textwrap.dedent("""\
        # comment
        RESTIC_REPOSITORY=sftp:u@h:/repo
        CNIL_BKP_SFTP_COMMAND="ssh -F /etc/cnil-backup/ssh_config cnil-backup-target -s sftp"
        CNIL_BKP_KEEP_MONTHLY = 12
        not a line
        """))
    assert env == {"RESTIC_REPOSITORY": "sftp:u@h:/repo", "CNIL_BKP_KEEP_MONTHLY": "12",
                   "CNIL_BKP_SFTP_COMMAND": "ssh -F /etc/cnil-backup/ssh_config cnil-backup-target -s sftp"}


def test_restic_never_gets_a_password_in_its_environment_or_arguments():
    env = cnil_restic.restic_environment("sftp:u@h:/r", "/etc/cnil-backup/password", {"RESTIC_PASSWORD": "x", "AWS_KEY": "k"})
    assert "RESTIC_PASSWORD" not in env and env["RESTIC_PASSWORD_FILE"] == "/etc/cnil-backup/password" and env["AWS_KEY"] == "k"
    argv = cnil_restic.restic_argv("restic", ["snapshots"], "ssh -F cfg t -s sftp")
    assert argv == ["restic", "-o", "sftp.command=ssh -F cfg t -s sftp", "snapshots"]


@pytest.mark.parametrize("rc, stderr, kind", [
    (1, "Fatal: unable to open config file: stat /r/config: no such file or directory\nIs there a repository at the following location?\n/r", "absent"),
    (10, "Fatal: repository does not exist: unable to open config file", "absent"),
    (1, "Fatal: wrong password or no key found", "wrong_password"),
    (12, "Fatal: wrong password or no key found", "wrong_password"),
    (1, "subprocess ssh: ssh: Could not resolve hostname target: Name or service not known\nFatal: unable to open repository at "
        "sftp:u@target:/repo: unable to start the sftp session, error: EOF", "unreachable"),
    (1, "subprocess ssh: Host key verification failed.\nFatal: unable to open repository", "unreachable"),
    (11, "Fatal: unable to create lock in backend: repository is already locked", "locked"),
    (1, "Fatal: something else", "error"),
])
def test_restic_answers_are_classified_and_only_absent_allows_init(rc, stderr, kind):
    got, message = cnil_restic.classify_error(rc, stderr)
    assert got == kind and message


# ---- the modules, against a fake restic -----------------------------------------------------------

FAKE_RESTIC = """#!/bin/sh
# A fake restic: the repository is a folder, RESTIC_PASSWORD_FILE must hold the right password.
echo "$@" >> "$FAKE_LOG"
env | grep -q '^RESTIC_PASSWORD=' && { echo "RESTIC_PASSWORD leaked into restic's environment" >&2; exit 99; }
repo="$RESTIC_REPOSITORY"; for a in "$@"; do last="$a"; done
case " $* " in
  *" version "*) echo "restic 0.14.0 compiled with go1.19 on linux/amd64"; exit 0 ;;
esac
if [ ! -f "$repo/config" ]; then
  case " $* " in *" init "*) mkdir -p "$repo" && echo '{"id":"abc123"}' > "$repo/config" && cat "$RESTIC_PASSWORD_FILE" > "$repo/key"; exit 0 ;; esac
  echo "Fatal: unable to open config file: stat $repo/config: no such file or directory" >&2
  echo "Is there a repository at the following location?" >&2; exit 1
fi
cmp -s "$RESTIC_PASSWORD_FILE" "$repo/key" || { echo "Fatal: wrong password or no key found" >&2; exit 1; }
case " $* " in
  *" init "*) echo "Fatal: create repository at $repo failed: config file already exists" >&2; exit 1 ;;
  *" cat config "*) cat "$repo/config"; exit 0 ;;
  *" snapshots "*) cat "$repo/snapshots.json" 2>/dev/null || echo '[]'; exit 0 ;;
esac
exit 1
"""

@pytest.fixture
def fake(tmp_path):
    restic = tmp_path / "restic"
    restic.write_text(FAKE_RESTIC)
    restic.chmod(0o755)
    (tmp_path / "password").write_text("the-right-password")
    (tmp_path / "password").chmod(0o600)
    return tmp_path


def run_module(tmp_path, name, check=False, **args):
    module = os.path.join(ROOT, "library", name + ".py")
    argfile = tmp_path / ("args-%s.json" % name)
    argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": dict(args, _ansible_check_mode=check, _ansible_diff=True)}))
    env = dict(os.environ, FAKE_LOG=str(tmp_path / "calls.log"), RESTIC_PASSWORD="from-the-callers-shell")
    proc = subprocess.run(module_argv(module, argfile), capture_output=True, text=True, env=env)
    assert proc.stdout, proc.stderr
    return json.loads(proc.stdout)


def repo_args(fake, **over):
    return dict(dict(repository=str(fake / "repo"), password_file=str(fake / "password"), restic=str(fake / "restic")), **over)


def test_repo_is_initialised_once_and_check_mode_is_exact(fake):
    first_check = run_module(fake, "cnil_restic_repo", check=True, **repo_args(fake))
    assert first_check["changed"] and first_check["state"] == "absent" and not (fake / "repo").exists()
    created = run_module(fake, "cnil_restic_repo", **repo_args(fake))
    assert created["changed"] and created["state"] == "created" and created["id"] == "abc123"
    for check in (True, False):
        again = run_module(fake, "cnil_restic_repo", check=check, **repo_args(fake))
        assert not again["changed"] and again["state"] == "present"
    calls = (fake / "calls.log").read_text()
    assert calls.count("init") == 1 and "the-right-password" not in calls


def test_wrong_password_is_a_clear_failure_and_never_a_reinit(fake):
    run_module(fake, "cnil_restic_repo", **repo_args(fake))
    (fake / "other").write_text("a-wrong-password")
    for check in (True, False):
        got = run_module(fake, "cnil_restic_repo", check=check, **repo_args(fake, password_file=str(fake / "other")))
        assert got["failed"] and got["error_kind"] == "wrong_password" and "NOT re-initialised" in got["msg"]
        assert "a-wrong-password" not in json.dumps(got)
    assert (fake / "calls.log").read_text().count("init") == 1
    assert (fake / "repo" / "key").read_text() == "the-right-password"


def test_unreachable_or_missing_restic(fake):
    got = run_module(fake, "cnil_restic_repo", check=True, **repo_args(fake, restic=str(fake / "no-restic")))
    assert got["changed"] and got["state"] == "unknown"
    got = run_module(fake, "cnil_restic_repo", **repo_args(fake, restic=str(fake / "no-restic")))
    assert got["failed"]


def write_config(fake, **over):
    cfg = dict(RESTIC_REPOSITORY=str(fake / "repo"), RESTIC_PASSWORD_FILE=str(fake / "password"), CNIL_BKP_HOST="pc",
               CNIL_BKP_STATE_DIR=str(fake / "state"), CNIL_BKP_KEEP_DAILY="7", CNIL_BKP_KEEP_WEEKLY="5", CNIL_BKP_KEEP_MONTHLY="12")
    cfg.update(over)
    (fake / "restic.env").write_text("".join("%s=%s\n" % kv for kv in cfg.items()))
    (fake / "state").mkdir(exist_ok=True)


def facts(fake):
    return run_module(fake, "cnil_restic_facts", check=True, config=str(fake / "restic.env"), credentials=str(fake / "none.env"),
                      restic=str(fake / "restic"), units=[])


def test_facts_on_a_pristine_host(fake):
    got = run_module(fake, "cnil_restic_facts", check=True, config=str(fake / "nothing.env"), restic=str(fake / "no-restic"), units=[])
    assert not got["changed"] and not got["installed"] and not got["configured"]
    assert got["snapshots"]["error_kind"] == "not_installed" and got["records"] == {"backup": None, "check": None, "restore_test": None}
    assert got["repository"]["offsite"] is False and got["retention"] == {"daily": None, "weekly": None, "monthly": None}


def test_facts_read_snapshot_age_records_and_retention(fake):
    write_config(fake)
    run_module(fake, "cnil_restic_repo", **repo_args(fake))
    now = datetime.datetime.now(datetime.timezone.utc)
    old = (now - datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%S.123456789Z")
    new = (now - datetime.timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%S.123456789+00:00")
    (fake / "repo" / "snapshots.json").write_text(json.dumps([{"time": old, "short_id": "aaaa1111"},
                                                              {"time": new, "short_id": "bbbb2222"}]))
    (fake / "state" / "check.json").write_text(json.dumps({"status": "ok", "time": (now - datetime.timedelta(days=2)).isoformat()}))
    (fake / "state" / "restore-test.json").write_text("{not json")
    got = facts(fake)
    assert got["installed"] and got["configured"] and not got["changed"]
    assert got["snapshots"]["read"] and got["snapshots"]["total"] == 2 and got["snapshots"]["newest_id"] == "bbbb2222"
    assert 0.4 < got["snapshots"]["newest_age_days"] < 0.6
    assert got["records"]["check"]["status"] == "ok" and 1.9 < got["records"]["check"]["age_days"] < 2.1
    assert got["records"]["restore_test"]["status"] == "unreadable" and got["records"]["backup"] is None
    assert got["retention"] == {"daily": 7, "weekly": 5, "monthly": 12}
    assert got["repository"]["kind"] == "local" and not got["repository"]["offsite"]
    assert "snapshots --json --no-lock --tag cnil --host pc" in (fake / "calls.log").read_text()


def test_facts_report_a_wrong_password_as_an_error_without_the_password(fake):
    write_config(fake)
    run_module(fake, "cnil_restic_repo", **repo_args(fake))
    (fake / "other").write_text("a-wrong-password")
    write_config(fake, RESTIC_PASSWORD_FILE=str(fake / "other"))
    got = facts(fake)
    assert not got["snapshots"]["read"] and got["snapshots"]["error_kind"] == "wrong_password"
    assert "a-wrong-password" not in json.dumps(got) and "the-right-password" not in json.dumps(got)


def restic_facts_module():
    sys.modules.setdefault("ansible.module_utils.cnil_restic", cnil_restic)
    spec = importlib.util.spec_from_file_location("cnil_restic_facts", os.path.join(ROOT, "library", "cnil_restic_facts.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_unit_state_reads_the_next_run_from_systemd():
    mod = restic_facts_module()
    shown = mod.parse_show("Id=cnil-backup.timer\nLoadState=loaded\nUnitFileState=enabled\nActiveState=active\nResult=success\n"
                           "TimersCalendar={ OnCalendar=*-*-* 00:00:00 ; next_elapse=@1000086400 }\nPersistent=yes\n\n"
                           "Id=cnil-backup.service\nLoadState=loaded\nResult=exit-code\n")
    state = mod.unit_state(shown[0], 1000000000)
    assert state == {"loaded": True, "enabled": "enabled", "active": "active", "result": "success", "on_calendar": "*-*-* 00:00:00",
                     "next_in_days": 1.0, "persistent": True}
    assert mod.unit_state(shown[1], 1000000000)["result"] == "exit-code"


def test_unit_state_reads_the_next_run_as_systemd_prints_it_without_unix_timestamps():
    # What Debian 12's systemctl show prints by default: a UTC date, not an epoch (the audit said FAIL on every
    # compliant PC before the module asked for --timestamp=unix).
    mod = restic_facts_module()
    shown = mod.parse_show("Id=cnil-backup.timer\nTimersCalendar={ OnCalendar=*-*-* 00:00:00 ; "
                           "next_elapse=Mon 2026-11-30 00:00:00 UTC }\n")
    now = datetime.datetime(2026, 11, 29, 12, 0, tzinfo=datetime.timezone.utc).timestamp()
    assert mod.unit_state(shown[0], now)["next_in_days"] == 0.5
    assert mod.unit_state(mod.parse_show("Id=x\nTimersCalendar={ OnCalendar=daily ; next_elapse=n/a }\n")[0], now)["next_in_days"] is None


def test_a_delegated_task_whose_other_host_is_down_is_an_error_of_the_control_not_of_the_host():
    from cnil_lib.catalog import load_catalog
    from cnil_lib.report import RunCollector
    run = RunCollector(load_catalog(), check_mode=True)
    down = {"unreachable": True, "msg": "Failed to create temporary directory: docker exec: container is not running"}
    run.record("pc1", "CNIL-BKP-01 | SFTP account of this PC on the backup host", "unreachable", down, ignore_unreachable=True)
    run.record("pc1", "CNIL-LOCK-01 | shell idle timeout", "ok", {"changed": False})
    report = run.build_reports(TODAY, "2026-11-29T00:00:00Z", "test")[0]
    host = report["hosts"]["pc1"]
    assert host["reachable"] and host["controls"]["CNIL-LOCK-01"]["status"] == "PASS"
    bkp = host["controls"]["CNIL-BKP-01"]
    assert bkp["status"] == "ERROR" and "container is not running" in bkp["errors"][0]["msg"]
    # Without ignore_unreachable the host itself is unreachable, as before.
    run.record("pc2", "CNIL-BKP-01 | read the backup state", "unreachable", down)
    assert not run.build_reports(TODAY, "2026-11-29T00:00:00Z", "test")[0]["hosts"]["pc2"]["reachable"]
