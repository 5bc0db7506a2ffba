"""CNIL-PWD-01..03 drift: each hand-made change is reported against its control by the real audit
(bin/cnil audit), naming the task that would repair it, and apply heals it (its pamtester check included)."""
import pytest

from cnil_pwd_lib import drop_user
from cnil_testlib import Drift, run_drifts

DROPIN = "/etc/security/pwquality.conf.d/50-cnil-pwd.conf"
SETTINGS = "CNIL-PWD-01 | password quality settings"
PAM_PASSWORD = "CNIL-PWD-01 | PAM password stack"
LOCK_SETTINGS = "CNIL-PWD-03 | lockout settings"
PAM_LOCK = "CNIL-PWD-03 | PAM lockout"
AGEING = "CNIL-PWD-02 | maximum password age"
ADMIN = "cnil-pwd-drift"  # an administrator: covered by both renewal profiles
HASH = "$6$cnilpwdtest$5oNcVEw2gO9wvqJ5B4Z4qz6S4mgYFHb0SfqELoPp8SJ7i0dxIsmvzq1E1eUqsWTbVx0o1X0LkXHdBVq1EXGTV/"


class PwdDrift(Drift):
    def __init__(self, name, command, control, task, check):
        super().__init__(name, command, control, task)
        self.check = check


# Scheduling puts a task's first drift on the first host: "PASS_MAX_DAYS raised" lands on the first host, which
# uses the seed profile in every scenario (in cnil2022 any value other than 99999 is a drift, not a failure).
DRIFTS = [
    PwdDrift("pwquality minimum length lowered", f"sed -i 's/^minlen = .*/minlen = 8/' {DROPIN}",
             "CNIL-PWD-01", SETTINGS, "pwquality_settings"),
    PwdDrift("minimum length lowered in the main file, which wins over drop-ins",
             "echo 'minlen = 8' >> /etc/security/pwquality.conf", "CNIL-PWD-01", SETTINGS, "pwquality_settings"),
    PwdDrift("nullok added back", "sed -i 's/pam_unix.so try_first_pass/pam_unix.so nullok try_first_pass/' /etc/pam.d/common-auth",
             "CNIL-PWD-01", PAM_PASSWORD, "no_empty_password"),
    PwdDrift("pwquality line removed from common-password", "sed -i '/pam_pwquality/d' /etc/pam.d/common-password",
             "CNIL-PWD-01", PAM_PASSWORD, "pam_password_stack"),
    PwdDrift("threshold added on the pam_pwquality line",
             "sed -i 's/pam_pwquality.so retry=3/pam_pwquality.so retry=3 minlen=6/' /etc/pam.d/common-password",
             "CNIL-PWD-01", PAM_PASSWORD, "pam_password_stack"),
    PwdDrift("faillock deny raised", "sed -i 's/^deny = .*/deny = 50/' /etc/security/faillock.conf",
             "CNIL-PWD-03", LOCK_SETTINGS, "faillock_settings"),
    PwdDrift("faillock profiles disabled",
             "DEBIAN_FRONTEND=noninteractive pam-auth-update --package --disable cnil-faillock cnil-faillock-authfail",
             "CNIL-PWD-03", PAM_LOCK, "pam_auth_stack"),
    PwdDrift("PASS_MAX_DAYS raised", "sed -i 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS\\t400/' /etc/login.defs",
             "CNIL-PWD-02", AGEING, "new_accounts"),
    PwdDrift("an account's maximum age removed", f"chage -M -1 {ADMIN}", "CNIL-PWD-02", AGEING, None),
]


@pytest.fixture(scope="module")
def observed(cnil, ansible_hosts):
    import testinfra
    hosts = testinfra.get_hosts(["ansible://cnil_linux"], ansible_inventory=cnil.inventory)
    for conn in hosts:
        drop_user(conn, ADMIN)
        conn.run_expect([0], f"useradd -m -s /bin/bash -G sudo -p '{HASH}' {ADMIN}")
    cnil.apply(tags="cnil_pwd")
    try:
        yield run_drifts(cnil, ansible_hosts, DRIFTS, tags="cnil_pwd")
    finally:
        for conn in hosts:
            drop_user(conn, ADMIN)


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    host, control, rc, others, output = observed[drift.name]
    assert rc == 2, output
    assert any(c["task"].startswith(drift.task) for c in control["changes"]), control
    checks = {c["id"]: c["status"] for c in control["checks"]}
    # None: the account check of the host's renewal profile.
    check = drift.check or ("human_accounts" if "human_accounts" in checks else "admin_accounts")
    # A waiver (the cnil_pwd scenario's short unlock time) turns the check's FAIL into WAIVED: the change is
    # still a DRIFT of the control.
    assert checks[check] in ("FAIL", "WAIVED"), control
    assert control["status"] == ("FAIL" if "FAIL" in checks.values() else "DRIFT"), control
    assert set(others.values()) <= {"PASS", "NOT_APPLICABLE", "WAIVED"}, others


def test_after_healing_every_host_audits_compliant_with_no_change(observed, cnil, ansible_hosts):
    result = cnil.audit(tags="cnil_pwd")
    assert result.rc == 0, result.output[-3000:]
    for name in ansible_hosts:
        for control in ("CNIL-PWD-01", "CNIL-PWD-02", "CNIL-PWD-03"):
            got = result.control(name, control)
            assert got["status"] in ("PASS", "WAIVED") and got["changes"] == [], got
