"""CNIL-LOCK-01: the session locks after at most 30 minutes idle, and users cannot raise the delay."""
import pytest

import cnil_testlib
from cnil_testlib import as_user

USER = "cnil-lock-probe"
KEYFILE = "/etc/dconf/db/local.d/00-cnil-lock"
LOCKS = "/etc/dconf/db/local.d/locks/00-cnil-lock"
TMOUT_FILE = "/etc/profile.d/cnil-tmout.sh"


@pytest.fixture(scope="module")
def desktop_user(host):
    """A plain user and the GSettings client stack, to look at the policy as a desktop session would."""
    return cnil_testlib.desktop_user(host, USER)


def test_locked_idle_delay_is_the_policy_and_not_writable(host, desktop_user):
    got = as_user(host, desktop_user, "gsettings get org.gnome.desktop.session idle-delay")
    assert got.rc == 0, got.stderr
    assert got.stdout.strip() == "uint32 900"
    for schema, key in [("org.gnome.desktop.session", "idle-delay"),
                        ("org.gnome.desktop.screensaver", "lock-enabled"),
                        ("org.gnome.desktop.screensaver", "lock-delay")]:
        assert as_user(host, desktop_user, f"gsettings writable {schema} {key}").stdout.strip() == "false"


def test_user_cannot_raise_the_delay(host, desktop_user):
    as_user(host, desktop_user, "gsettings set org.gnome.desktop.session idle-delay 7200")
    assert as_user(host, desktop_user, "gsettings get org.gnome.desktop.session idle-delay").stdout.strip() == "uint32 900"


def test_screensaver_locks_at_once(host, desktop_user):
    assert as_user(host, desktop_user, "gsettings get org.gnome.desktop.screensaver lock-enabled").stdout.strip() == "true"
    assert as_user(host, desktop_user, "gsettings get org.gnome.desktop.screensaver lock-delay").stdout.strip() == "uint32 0"


def test_login_shell_gets_a_read_only_tmout(host, desktop_user):
    got = host.run(f"runuser -u {desktop_user} -- bash --login -c 'echo $TMOUT'")
    assert got.stdout.strip() == "900"
    raised = host.run(f"runuser -u {desktop_user} -- bash --login -c '(TMOUT=7200); echo $TMOUT'")
    assert "TMOUT: readonly variable" in raised.stderr and raised.stdout.strip() == "900"


def test_idle_interactive_shell_is_closed(host, desktop_user):
    # The mechanism TMOUT relies on, with a short value: an interactive shell on a terminal that receives
    # no input logs itself out (stdin stays open for 8 s, the shell leaves after 2 s).
    got = host.run("sleep 8 | timeout 20 script -qfc 'env -i TERM=dumb TMOUT=2 bash --norc -i' /dev/null")
    assert "auto-logout" in got.stdout, got.stdout + got.stderr
