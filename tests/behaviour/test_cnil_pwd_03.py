"""CNIL-PWD-03: after `deny` wrong passwords the right one is refused too, until the lock ends (watched with the
scenario's short unlock time, or reset with `faillock --reset` where it is the 15-minute default); a success
before `deny` failures starts the count again."""
import re
import time

import pytest

from cnil_pwd_lib import drop_user, make_user, pamtester

USER = "cnil-pwd-lock"
PASSWORD = "Zt5%Kq8#Wm3!Hd"


@pytest.fixture
def person(host):
    make_user(host, USER, PASSWORD)
    yield USER
    drop_user(host, USER)


def faillock_setting(host, key):
    match = re.search(r"^\s*%s\s*=\s*(\d+)" % key, host.file("/etc/security/faillock.conf").content_string, re.M)
    return int(match.group(1))


def fail(host, user, times):
    """`times` wrong passwords at once (each failure costs pam_unix's 2-second delay)."""
    host.run_expect([0], f"for i in $(seq {times}); do printf 'wrong\\n' | pamtester other {user} authenticate >/dev/null 2>&1 & done; wait")


def records(host, user):
    return len(re.findall(r"^\S+ \S+ +\S+ +\S+ +V$", host.check_output(f"faillock --user {user}"), re.M))


def login(host, user):
    """What a login does: authenticate, then account management."""
    return pamtester(host, "other", user, "authenticate acct_mgmt", PASSWORD)


def test_deny_failures_lock_the_account_until_the_lock_ends(host, person):
    deny, unlock = faillock_setting(host, "deny"), faillock_setting(host, "unlock_time")
    assert login(host, person).rc == 0
    fail(host, person, deny)
    assert records(host, person) == deny
    locked = login(host, person)
    assert locked.rc != 0 and "locked" in locked.stdout + locked.stderr, locked.stdout + locked.stderr
    if unlock <= 10:  # the scenario's short unlock time: watch it end
        time.sleep(unlock + 1)
    else:  # the real 15 minutes: still locked a moment later, until an administrator resets the count
        time.sleep(2)
        assert login(host, person).rc != 0
        host.run_expect([0], f"faillock --user {person} --reset")
    assert login(host, person).rc == 0


def test_a_success_before_deny_failures_starts_the_count_again(host, person):
    deny = faillock_setting(host, "deny")
    fail(host, person, deny - 1)
    assert records(host, person) == deny - 1
    assert login(host, person).rc == 0
    assert records(host, person) == 0
    fail(host, person, deny - 1)
    assert login(host, person).rc == 0
