"""CNIL-PWD-01: a password change goes through pwquality (12 characters, 4 classes, dictionary), for users and
for root; no empty password logs in; the stack survives `pam-auth-update --package` (what a package upgrade runs);
a broken stack is never kept (pamtester check, rollback)."""
import shlex

import pytest

from cnil_pwd_lib import drop_user, make_user, pamtester, passwd_on_a_terminal, shadow_field

USER = "cnil-pwd-user"
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


def test_pam_auth_update_as_a_package_upgrade_runs_it_changes_nothing(host, person, cnil, name):
    before = host.check_output(f"md5sum {PAM_STATE}")
    host.run_expect([0], "DEBIAN_FRONTEND=noninteractive pam-auth-update --package")
    # What a package upgrade really does: its maintainer script runs pam-auth-update --package.
    host.run_expect([0], "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall libpam-pwquality")
    assert host.check_output(f"md5sum {PAM_STATE}") == before
    audit = cnil.audit(limit=name, tags="cnil_pwd")
    for control in PWD_CONTROLS:
        result = audit.control(name, control)
        assert result["changes"] == [] and result["status"] in ("PASS", "WAIVED"), result
    weak = pamtester(host, "passwd", person, "chauthtok", *[SHORT] * 6)
    assert weak.rc != 0 and "BAD PASSWORD" in weak.stderr + weak.stdout


BROKEN = "/usr/share/pam-configs/zz-cnil-test-broken"


def test_a_stack_that_locks_everybody_out_is_rolled_back(host, person, cnil, name):
    """A package ships a broken profile (every login refused) and the pwquality line was lost: the role has to
    regenerate the stack, pamtester finds that nobody can log in, and the previous files are put back."""
    host.run_expect([0], "printf 'Name: broken by a package (test)\\nDefault: yes\\nPriority: 2000\\nAuth-Type: Primary\\n"
                         f"Auth:\\n\\trequisite\\t\\t\\tpam_deny.so\\n' > {BROKEN}")
    host.run_expect([0], "sed -i '/pam_pwquality/d' /etc/pam.d/common-password")
    try:
        drifted = host.check_output(f"md5sum {PAM_STATE}")
        run = cnil.run("apply", limit=name, tags="cnil_pwd")
        assert run.rc != 0, run.output[-3000:]
        assert "the PAM change was refused: PAM check failed: the right password authenticates" in run.output, run.output[-3000:]
        assert "The previous PAM files were put back" in run.output
        assert host.check_output(f"md5sum {PAM_STATE}") == drifted
        assert "zz-cnil-test-broken" not in host.file("/var/lib/pam/auth").content_string
        assert pamtester(host, "other", person, "authenticate", START).rc == 0
        assert host.run("id cnil-pam-canary").rc != 0
    finally:
        host.run(f"rm -f {BROKEN}")
    cnil.apply(limit=name, tags="cnil_pwd")
    assert "pam_pwquality.so" in host.file("/etc/pam.d/common-password").content_string
    assert pamtester(host, "other", person, "authenticate", START).rc == 0


def test_the_canary_never_outlives_a_run(host):
    assert host.run(f"getent passwd {shlex.quote('cnil-pam-canary')}").rc != 0
