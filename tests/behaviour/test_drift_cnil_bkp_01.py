"""CNIL-BKP-01 through the real audit (bin/cnil): a disabled timer, a weakened retention and a stale last
snapshot are each reported against the control with the task that repairs them; a wrong password is a clear
failure that never re-initialises the repository; the backup host down is an ERROR of the control, not a
crash; the password appears in no output, even at -vvv, and in no report.

Staleness is real, not simulated: the audit dates the newest snapshot from the repository itself (restic
snapshots --json, by the PC's clock), so the drift leaves only a snapshot made with restic's --time ten days
ago; apply then runs a backup at once."""
import json
import secrets
import subprocess

import pytest

from cnil_testlib import Drift, assert_drift_reported, connections

CONTROL = "CNIL-BKP-01"
ENV = "/etc/cnil-backup/restic.env"
STALE = ("ids=$(cnil-backup restic snapshots --json --no-lock | python3 -c "
         "'import json,sys; print(\" \".join(s[\"id\"] for s in json.load(sys.stdin)))') && "
         "cnil-backup restic forget $ids >/dev/null && "
         f"cnil-backup restic backup --quiet --tag cnil --host \"$(sed -n 's/^CNIL_BKP_HOST=//p' {ENV})\" "
         "--time \"$(date -u -d '10 days ago' '+%Y-%m-%d %H:%M:%S')\" /var/lib/cnil-backup/canary")
DRIFTS = [
    Drift("timer disabled", "systemctl disable --now cnil-backup.timer", CONTROL,
          "CNIL-BKP-01 | backup and verification timers enabled", check="timer"),
    Drift("retention weakened to 3 monthly", f"sed -i 's/^CNIL_BKP_KEEP_MONTHLY=.*/CNIL_BKP_KEEP_MONTHLY=3/' {ENV}", CONTROL,
          "CNIL-BKP-01 | backup configuration", check="retention"),
    Drift("last snapshot 10 days old", STALE, CONTROL, "CNIL-BKP-01 | backup now", check="last_snapshot"),
]


def prepare_drifts(cnil, conns):
    """Each backup drift costs a backup to heal: on the first PC only."""
    for drift in DRIFTS:
        drift.hosts = [min(conns)]
    return DRIFTS


@pytest.fixture(scope="module")
def pc(cnil):
    return min(connections(cnil.inventory))


@pytest.fixture(scope="module")
def target(cnil):
    import testinfra
    return testinfra.get_hosts(["ansible://cnil_backup_hosts"], ansible_inventory=cnil.inventory)[0].backend.host


@pytest.fixture(scope="module")
def password(pc):
    return subprocess.run(["docker", "exec", pc, "cat", "/etc/cnil-backup/password"], capture_output=True, text=True,
                          check=True).stdout.strip()


def assert_secret_absent(secret, result):
    assert secret not in result.output
    assert secret not in json.dumps(result.report)


def snapshot_count(pc):
    out = subprocess.run(["docker", "exec", pc, "cnil-backup", "restic", "snapshots", "--json", "--no-lock"],
                         capture_output=True, text=True, check=True).stdout
    return len(json.loads(out))


def test_a_wrong_password_is_a_clear_failure_never_a_reinit_and_never_shown(cnil, pc, password, tmp_path):
    before = snapshot_count(pc)
    wrong = "Wrong-" + secrets.token_hex(12)
    extra = tmp_path / "wrong.yml"
    extra.write_text("cnil_bkp_password: %s\n" % wrong)
    # One PC is enough to show it (the other PC's backups would only add minutes to the suite).
    result = cnil.run("apply", limit=pc, extra=["-e", "@%s" % extra])
    control = result.control(pc, CONTROL)
    assert control["status"] == "ERROR", control
    repository = result.check(pc, CONTROL, "repository")
    assert repository["status"] == "ERROR" and "wrong password" in repository["reason"]
    assert "NOT re-initialised" in result.output
    assert_secret_absent(wrong, result)
    assert_secret_absent(password, result)
    # Healing with the vaulted password, at -vvv: the repository still holds every snapshot, and even the
    # most verbose output does not show the password.
    healed = cnil.run("apply", limit=pc, extra=["-vvv"])
    assert healed.rc == 0, healed.output[-3000:]
    assert healed.control(pc, CONTROL)["status"] == "PASS"
    assert_secret_absent(password, healed)
    assert snapshot_count(pc) >= before


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    assert_drift_reported(observed, drift)


def test_the_stale_snapshot_is_reported_with_its_age(observed):
    _, control, _, _, _ = observed["last snapshot 10 days old"]
    check = next(c for c in control["checks"] if c["id"] == "last_snapshot")
    assert 9.9 < check["evidence"]["age_days"] < 10.2 and "days old" in check["reason"]


def test_the_weakened_retention_is_reported_with_its_value(observed):
    # The audit round that saw the weakened retention (the other backup drifts may share it: each has its own
    # task and check).
    _, control, _, _, _ = observed["retention weakened to 3 monthly"]
    retention = next(c for c in control["checks"] if c["id"] == "retention")
    assert retention["evidence"]["keep_monthly"] == 3


def test_the_backup_host_out_of_reach_is_an_error_of_the_control_not_a_crash(cnil, pc, target):
    # The backup host leaves the PCs' network (what a PC sees when the host is down or its link is cut).
    # Ansible still manages it through Docker: with the docker connection a stopped container is a module
    # failure, not "unreachable"; the delegated-task-to-an-unreachable-host case is a unit test
    # (test_cnil_bkp.py).
    network = json.loads(subprocess.run(["docker", "inspect", target], capture_output=True, text=True, check=True).stdout)[0]
    names = list(network["NetworkSettings"]["Networks"])
    for name in names:
        subprocess.run(["docker", "network", "disconnect", name, target], check=True, capture_output=True)
    try:
        result = cnil.audit(limit=pc)
    finally:
        for name in names:
            subprocess.run(["docker", "network", "connect", name, target], check=True, capture_output=True)
    assert result.rc == 2, result.output[-3000:]
    assert result.report["hosts"][pc]["reachable"] is True
    control = result.control(pc, CONTROL)
    assert control["status"] == "ERROR", control
    assert result.check(pc, CONTROL, "repository")["status"] == "ERROR"
    assert result.check(pc, CONTROL, "last_snapshot")["status"] == "ERROR"
    # What is known without the backup host is still measured.
    assert result.check(pc, CONTROL, "timer")["status"] == "PASS"


def test_after_healing_the_pair_audits_compliant_with_no_change_and_no_secret_at_vvv(healed, pc, target, password):
    result = healed
    assert result.rc == 0, result.output[-3000:]
    for host in (pc, target):
        control = result.control(host, CONTROL)
        assert control["status"] == "PASS" and control["changes"] == [], control
    assert {c["id"]: c["status"] for c in result.control(pc, CONTROL)["checks"]} == {
        "repository": "PASS", "timer": "PASS", "retention": "PASS", "last_snapshot": "PASS", "check": "PASS",
        "restore_test": "PASS", "offsite": "PASS"}
    assert {c["id"]: c["status"] for c in result.control(target, CONTROL)["checks"]} == {"sftp_service": "PASS", "host_key": "PASS"}
    assert_secret_absent(password, result)
