"""CNIL-PWD-01..03 drift: each hand-made change is reported against its control by the real audit
(bin/cnil audit), naming the task that would repair it, and apply heals it (its pamtester check included)."""
import pytest

from cnil_pwd_lib import drop_user
from cnil_testlib import Drift

DROPIN = "/etc/security/pwquality.conf.d/50-cnil-pwd.conf"
SETTINGS = "CNIL-PWD-01 | password quality settings"
PAM_PASSWORD = "CNIL-PWD-01 | PAM password stack"
LOCK_SETTINGS = "CNIL-PWD-03 | lockout settings"
PAM_LOCK = "CNIL-PWD-03 | PAM lockout"
AGEING = "CNIL-PWD-02 | maximum password age"
CREATED = "cnil-pwd-drift"  # an administrator made for the test where every declared one is the management account
HASH = "$6$cnilpwdtest$5oNcVEw2gO9wvqJ5B4Z4qz6S4mgYFHb0SfqELoPp8SJ7i0dxIsmvzq1E1eUqsWTbVx0o1X0LkXHdBVq1EXGTV/"


def admin_of(conn):
    """An administrator covered by both renewal profiles: a declared one other than the management account
    (exempt from expiry), else the one prepare_drifts makes (a scenario that runs the password role alone)."""
    variables = conn.ansible.get_variables()
    mgmt = variables.get("cnil_mgmt_user", variables.get("ansible_user", "root"))
    return next((a for a in variables.get("cnil_admins", []) if a != mgmt and conn.user(a).exists), CREATED)


# Scheduling puts a task's first drift on the first host: "PASS_MAX_DAYS raised" lands on the first host, which
# uses the seed profile in every scenario (in cnil2022 any value other than 99999 is a drift, not a failure).
DRIFTS = [
    Drift("pwquality minimum length lowered", f"sed -i 's/^minlen = .*/minlen = 8/' {DROPIN}",
          "CNIL-PWD-01", SETTINGS, check="pwquality_settings"),
    Drift("minimum length lowered in the main file, which wins over drop-ins",
          "echo 'minlen = 8' >> /etc/security/pwquality.conf", "CNIL-PWD-01", SETTINGS, check="pwquality_settings"),
    Drift("nullok added back", "sed -i 's/pam_unix.so try_first_pass/pam_unix.so nullok try_first_pass/' /etc/pam.d/common-auth",
          "CNIL-PWD-01", PAM_PASSWORD, check="no_empty_password", shares=["pam"]),
    Drift("pwquality line removed from common-password", "sed -i '/pam_pwquality/d' /etc/pam.d/common-password",
          "CNIL-PWD-01", PAM_PASSWORD, check="pam_password_stack", shares=["pam"]),
    Drift("threshold added on the pam_pwquality line",
          "sed -i 's/pam_pwquality.so retry=3/pam_pwquality.so retry=3 minlen=6/' /etc/pam.d/common-password",
          "CNIL-PWD-01", PAM_PASSWORD, check="pam_password_stack", shares=["pam"]),
    Drift("faillock deny raised", "sed -i 's/^deny = .*/deny = 50/' /etc/security/faillock.conf",
          "CNIL-PWD-03", LOCK_SETTINGS, check="faillock_settings"),
    Drift("faillock profiles disabled",
          "DEBIAN_FRONTEND=noninteractive pam-auth-update --package --disable cnil-faillock cnil-faillock-authfail",
          "CNIL-PWD-03", PAM_LOCK, check="pam_auth_stack", shares=["pam"]),
    Drift("PASS_MAX_DAYS raised", "sed -i 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS\\t400/' /etc/login.defs",
          "CNIL-PWD-02", AGEING, check="new_accounts"),
    # The admin is an account the CNIL-ACC-01 drifts also touch (taken out of sudo, it is no longer privileged).
    Drift("an account's maximum age removed", lambda conn: f"chage -M -1 {admin_of(conn)}", "CNIL-PWD-02", AGEING,
          shares=["admin account"]),
]


def prepare_drifts(cnil, conns):
    """Where no declared administrator other than the management account exists, one is made for the test;
    then the password role runs, so that the administrator has its maximum age."""
    for conn in conns.values():
        if admin_of(conn) == CREATED:
            drop_user(conn, CREATED)
            conn.run_expect([0], f"useradd -m -s /bin/bash -G sudo -p '{HASH}' {CREATED}")
    cnil.apply(tags="cnil_pwd")
    return DRIFTS


def cleanup_drifts(conns):
    for conn in conns.values():
        if admin_of(conn) == CREATED:
            drop_user(conn, CREATED)


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    host, control, rc, others, output = observed[drift.name]
    assert rc == 2, output
    assert any(c["task"].startswith(drift.task) for c in control["changes"]), control
    checks = {c["id"]: c["status"] for c in control["checks"]}
    # No check named: the account check of the host's renewal profile.
    check = drift.check or ("human_accounts" if "human_accounts" in checks else "admin_accounts")
    # A waiver (the cnil_pwd scenario's short unlock time) turns the check's FAIL into WAIVED: the change is
    # still a DRIFT of the control.
    assert checks[check] in ("FAIL", "WAIVED"), control
    assert control["status"] == ("FAIL" if "FAIL" in checks.values() else "DRIFT"), control
    assert set(others.values()) <= {"PASS", "NOT_APPLICABLE", "WAIVED"}, others


def test_after_healing_every_host_audits_compliant_with_no_change(healed, ansible_hosts):
    assert healed.rc == 0, healed.output[-3000:]
    for name in ansible_hosts:
        for control in ("CNIL-PWD-01", "CNIL-PWD-02", "CNIL-PWD-03"):
            got = healed.control(name, control)
            assert got["status"] in ("PASS", "WAIVED") and got["changes"] == [], got
