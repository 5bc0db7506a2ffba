"""CNIL-PWD-01: a password change goes through pwquality (12 characters, 4 classes, dictionary), for users and
for root; no empty password logs in; the stack survives `pam-auth-update --package` (what a package upgrade runs);
a broken stack is never kept (pamtester check, rollback)."""
import shlex

import pytest

from cnil_pwd_lib import drop_user, make_user, pamtester, passwd_on_a_terminal, shadow_field
from cnil_testlib import connections

USER = "cnil-pwd-user"
EVERY_PC_USER = "cnil-pwd-every"  # made on every PC at once for the runs over all of them
START = "Qv7#Lm2!Tz9%Wk"        # compliant: 14 characters, 4 classes, no dictionary word
GOOD = "Hp4@Rx8&Nc6*Yb"
SHORT = "Ab1!xyZ"               # 4 classes, too short
NO_SPECIAL = "Abcdefgh12345"    # long enough, no special character
DICTIONARY = "Encyclopedia1!"   # 12+ characters, 4 classes, a dictionary word
PAM_STATE = "/etc/pam.d/common-* /var/lib/pam/* /etc/security/faillock.conf /etc/security/pwquality.conf.d/*"
PWD_CONTROLS = ("CNIL-PWD-01", "CNIL-PWD-02", "CNIL-PWD-03")


@pytest.fixture
def person(host):
    make_user(host, USER, START)
    yield USER
    drop_user(host, USER)


def test_a_user_cannot_choose_a_weak_password(host, person):
    before = shadow_field(host, person, 1)
    for weak in (SHORT, NO_SPECIAL):
        got = passwd_on_a_terminal(host, ["runuser", "-u", person, "--", "passwd"], START, weak)
        assert got.rc != 0 and "BAD PASSWORD" in got.stdout, got.stdout
    assert shadow_field(host, person, 1) == before


def test_a_user_can_choose_a_compliant_password(host, person):
    got = passwd_on_a_terminal(host, ["runuser", "-u", person, "--", "passwd"], START, GOOD)
    assert got.rc == 0 and "successfully" in got.stdout, got.stdout
    assert pamtester(host, "other", person, "authenticate", GOOD).rc == 0
    assert pamtester(host, "other", person, "authenticate", START).rc != 0


def test_root_gets_the_same_rules(host, person):
    """enforce_for_root: root setting a weak password for someone is refused, a compliant one is accepted."""
    got = passwd_on_a_terminal(host, ["passwd", person], "", SHORT)
    assert got.rc != 0 and "BAD PASSWORD" in got.stdout, got.stdout
    weak = pamtester(host, "passwd", person, "chauthtok", *[NO_SPECIAL] * 6)
    assert weak.rc != 0 and "BAD PASSWORD" in weak.stderr + weak.stdout
    good = pamtester(host, "passwd", person, "chauthtok", GOOD, GOOD)
    assert good.rc == 0, good.stderr
    assert pamtester(host, "other", person, "authenticate", GOOD).rc == 0


def test_a_dictionary_word_is_refused(host, person):
    got = pamtester(host, "passwd", person, "chauthtok", *[DICTIONARY] * 6)
    assert got.rc != 0 and "dictionary" in got.stderr + got.stdout


def test_an_empty_password_never_logs_in(host, person):
    host.run_expect([0], f"passwd -d {person}")
    assert shadow_field(host, person, 1) == ""
    assert pamtester(host, "other", person, "authenticate", "").rc != 0


@pytest.fixture(scope="module")
def people(cnil):
    """The test account on every PC (for the tests that run the role once over all of them)."""
    pcs = connections(cnil.inventory)
    for pc in pcs.values():
        make_user(pc, EVERY_PC_USER, START)
    yield pcs
    for pc in pcs.values():
        drop_user(pc, EVERY_PC_USER)


@pytest.fixture(scope="module")
def after_a_package_upgrade(cnil, people):
    """What a package upgrade does on every PC: its maintainer script runs pam-auth-update --package. Then one
    audit. Returns {PC: (PAM files before, after)} and the audit."""
    files = {}
    for name, pc in people.items():
        before = pc.check_output(f"md5sum {PAM_STATE}")
        pc.run_expect([0], "DEBIAN_FRONTEND=noninteractive pam-auth-update --package")
        pc.run_expect([0], "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall libpam-pwquality")
        files[name] = (before, pc.check_output(f"md5sum {PAM_STATE}"))
    return files, cnil.audit(tags="cnil_pwd")


def test_pam_auth_update_as_a_package_upgrade_runs_it_changes_nothing(host, name, after_a_package_upgrade):
    files, audit = after_a_package_upgrade
    before, after = files[name]
    assert after == before
    for control in PWD_CONTROLS:
        result = audit.control(name, control)
        assert result["changes"] == [] and result["status"] in ("PASS", "WAIVED"), result
    weak = pamtester(host, "passwd", EVERY_PC_USER, "chauthtok", *[SHORT] * 6)
    assert weak.rc != 0 and "BAD PASSWORD" in weak.stderr + weak.stdout


BROKEN = "/usr/share/pam-configs/zz-cnil-test-broken"


@pytest.fixture(scope="module")
def broken_stack(cnil, people):
    """On every PC a package ships a broken profile (every login refused) and the pwquality line was lost: the
    role has to regenerate the stack, pamtester finds that nobody can log in, and the previous files are put
    back. One apply over all PCs; then the profile goes and a second apply heals.
    Returns the refused run, {PC: (PAM files drifted, after the refused run, pam's auth profile, right password
    authenticates, canary account still there)}, and {PC: (stack healed, right password authenticates)}."""
    seen, healed = {}, {}
    try:
        drifted = {}
        for name, pc in people.items():
            pc.run_expect([0], "printf 'Name: broken by a package (test)\\nDefault: yes\\nPriority: 2000\\n"
                               f"Auth-Type: Primary\\nAuth:\\n\\trequisite\\t\\t\\tpam_deny.so\\n' > {BROKEN}")
            pc.run_expect([0], "sed -i '/pam_pwquality/d' /etc/pam.d/common-password")
            drifted[name] = pc.check_output(f"md5sum {PAM_STATE}")
        run = cnil.run("apply", tags="cnil_pwd")
        for name, pc in people.items():
            seen[name] = (drifted[name], pc.check_output(f"md5sum {PAM_STATE}"), pc.file("/var/lib/pam/auth").content_string,
                          pamtester(pc, "other", EVERY_PC_USER, "authenticate", START).rc == 0, pc.run("id cnil-pam-canary").rc == 0)
    finally:
        for pc in people.values():
            pc.run(f"rm -f {BROKEN}")
    cnil.apply(tags="cnil_pwd")
    for name, pc in people.items():
        healed[name] = ("pam_pwquality.so" in pc.file("/etc/pam.d/common-password").content_string,
                        pamtester(pc, "other", EVERY_PC_USER, "authenticate", START).rc == 0)
    return run, seen, healed


def test_a_stack_that_locks_everybody_out_is_rolled_back(name, broken_stack):
    run, seen, healed = broken_stack
    assert run.rc != 0, run.output[-3000:]
    assert "the PAM change was refused: PAM check failed: the right password authenticates" in run.output, run.output[-3000:]
    assert "The previous PAM files were put back" in run.output
    drifted, after, auth_profile, authenticates, canary_left = seen[name]
    assert after == drifted
    assert "zz-cnil-test-broken" not in auth_profile
    assert authenticates and not canary_left
    assert healed[name] == (True, True)


def test_the_canary_never_outlives_a_run(host):
    assert host.run(f"getent passwd {shlex.quote('cnil-pam-canary')}").rc != 0
