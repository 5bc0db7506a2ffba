"""CNIL-PWD-02: existing human accounts get a maximum password age (profile seed: all; cnil2022: administrators
only, and the report says why standard users are not renewed); a password already too old must be changed at next
login and the account is never locked; the management account and service accounts are left alone."""
import re

import pytest

from cnil_pwd_lib import drop_user, pamtester
from cnil_testlib import connections

# Accounts made the way an old PC has them: passwords from 2001, no maximum age. The hash matches no password
# (nobody logs in with it) but it is not locked, so each of them is a human account for the role.
HASH = "$6$cnilpwdtest$5oNcVEw2gO9wvqJ5B4Z4qz6S4mgYFHb0SfqELoPp8SJ7i0dxIsmvzq1E1eUqsWTbVx0o1X0LkXHdBVq1EXGTV/"
STANDARD = "cnil-pwd-std"      # human, not an administrator, password from 2001
ADMIN = "cnil-pwd-adm"         # human, administrator (sudo), password from 2001, 30 days of inactivity allowed
RECENT = "cnil-pwd-recent"     # human, not an administrator, password changed today
SERVICE = "cnil-pwd-svc"       # nologin shell: not a human account
ACCOUNTS = (STANDARD, ADMIN, RECENT, SERVICE)


def ageing(host, user):
    """(last change in days since 1970 or '' , max days or '') from the shadow entry."""
    fields = host.check_output(f"getent shadow {user}").split(":")
    return fields[2], fields[4]


def profile_of(host):
    return host.ansible.get_variables().get("cnil_pwd_renewal_profile", "seed")


def mgmt_of(host):
    vars_ = host.ansible.get_variables()
    return vars_.get("cnil_mgmt_user") or vars_.get("ansible_user") or "root"


@pytest.fixture(scope="module")
def applied_on_every_pc(cnil):
    """The accounts of an old PC on every PC, one apply, one audit. Returns {PC: (ageing before, audit)}."""
    pcs = connections(cnil.inventory)
    before = {}
    for name, pc in pcs.items():
        for user in ACCOUNTS:
            drop_user(pc, user)
            shell = "/usr/sbin/nologin" if user == SERVICE else "/bin/bash"
            pc.run_expect([0], f"useradd -m -s {shell} -p '{HASH}' {user}")
        pc.run_expect([0], f"gpasswd -a {ADMIN} sudo")
        for user in (STANDARD, ADMIN, SERVICE):
            pc.run_expect([0], f"chage -d 2001-01-01 -M -1 {user}")
        pc.run_expect([0], f"chage -I 30 {ADMIN}")
        pc.run_expect([0], f"chage -M -1 {RECENT}")
        before[name] = {user: ageing(pc, user) for user in ACCOUNTS + (mgmt_of(pc),)}
    cnil.apply(tags="cnil_pwd")
    audit = cnil.audit(tags="cnil_pwd")
    yield {name: (before[name], audit) for name in pcs}
    for pc in pcs.values():
        for user in ACCOUNTS:
            drop_user(pc, user)


@pytest.fixture
def applied(applied_on_every_pc, name):
    """The accounts' ageing before the apply, on the PC under test."""
    return applied_on_every_pc[name][0]


def test_covered_accounts_get_a_maximum_age_and_old_passwords_must_change(host, applied):
    covered_std = profile_of(host) == "seed"
    assert ageing(host, ADMIN) == ("0", "365")
    if covered_std:
        assert ageing(host, STANDARD) == ("0", "365")
        assert ageing(host, RECENT) == (applied[RECENT][0], "365")
    else:  # cnil2022: standard users are not renewed
        assert ageing(host, STANDARD) == applied[STANDARD]
        assert ageing(host, RECENT) == applied[RECENT]


def test_an_over_age_account_must_change_its_password_and_is_not_locked(host, applied):
    status = host.check_output(f"passwd -S {ADMIN}").split()
    assert status[1] == "P", status  # usable password, not locked
    got = pamtester(host, "other", ADMIN, "acct_mgmt")
    assert got.rc != 0 and "new one required" in got.stderr + got.stdout, got.stderr
    assert "expired" not in got.stderr + got.stdout


def test_the_management_account_and_service_accounts_are_untouched(host, applied):
    mgmt = mgmt_of(host)
    assert ageing(host, mgmt) == applied[mgmt]
    assert ageing(host, mgmt)[1] in ("", "-1", "99999")  # it never expires
    assert ageing(host, SERVICE) == applied[SERVICE]


def test_new_accounts_and_the_report_follow_the_profile(host, applied_on_every_pc, name):
    defs = host.file("/etc/login.defs").content_string
    pass_max = re.search(r"^PASS_MAX_DAYS\s+(\d+)", defs, re.M).group(1)
    audit = applied_on_every_pc[name][1]
    control = audit.control(name, "CNIL-PWD-02")
    assert control["status"] == "PASS" and control["changes"] == [], control
    checks = {c["id"]: c for c in control["checks"]}
    if profile_of(host) == "seed":
        assert pass_max == "365"
        assert set(checks) == {"human_accounts", "new_accounts"}
        assert {STANDARD, ADMIN, RECENT} <= set(checks["human_accounts"]["evidence"]["accounts"])
    else:
        assert pass_max == "99999"
        assert set(checks) == {"admin_accounts", "standard_accounts", "new_accounts"}
        sentence = "periodic renewal is not applied to standard users per CNIL délibération 2022-100"
        assert checks["standard_accounts"]["status"] == "NOT_APPLICABLE" and checks["standard_accounts"]["reason"] == sentence
        assert {STANDARD, RECENT} <= set(checks["standard_accounts"]["evidence"]["accounts"])
        assert ADMIN in checks["admin_accounts"]["evidence"]["accounts"]
        html = open(re.search(r"cnil: report: (\S+)", audit.output).group(1), encoding="utf-8").read()
        assert "le renouvellement périodique n&#39;est pas appliqué aux utilisateurs standard" in html
    assert mgmt_of(host) not in [a for c in checks.values() for a in c["evidence"].get("accounts", [])]


def test_a_new_account_gets_the_profile_maximum(host, applied):
    drop_user(host, "cnil-pwd-new")
    try:
        host.run_expect([0], "useradd -m -s /bin/bash cnil-pwd-new")
        expected = "365" if profile_of(host) == "seed" else "99999"
        assert ageing(host, "cnil-pwd-new")[1] == expected
    finally:
        drop_user(host, "cnil-pwd-new")
