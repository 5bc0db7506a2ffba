"""A run stopped half-way (power cut, dropped link) converges on the next run, and the run after reports 0
changed. The test callback tests/plugins/callback/cnil_interrupt.py kills ansible-playbook right after the named
task: mid-PAM (the password stack rewritten, the lockout profile and the pamtester check not yet done) and
mid-firewall (the rules written, the default policy and the firewall itself not yet). The firewall is one module
call, so that half-way state is left by hand (the rules written with ufw, ufw off) and the run is killed before
the call: what a run cut inside the call would leave."""
import os

import pytest

from cnil_pwd_lib import drop_user, make_user, pamtester
from cnil_testlib import ROOT, connections

PLUGINS = os.path.join(ROOT, "tests", "plugins", "callback") + os.pathsep + os.path.join(ROOT, "plugins", "callback")
USER, PASSWORD = "cnil-interrupt-user", "Qv7#Lm2!Tz9%Wk"
# point: (area, task after which the run is killed, what to undo first so that the task really has work to do)
POINTS = {
    "mid-PAM": ("cnil_pwd", "CNIL-PWD-01 | PAM password stack through pam-auth-update",
                "rm -f /etc/security/pwquality.conf.d/* && sed -i '/pam_pwquality/d' /etc/pam.d/common-password"),
    "mid-firewall": ("cnil_fw", "CNIL-FW-01 | OS variables",
                     "ufw --force reset && ufw allow proto tcp from 172.16.0.0/12 to any port 22 "
                     "&& ufw allow 9999/tcp && ! ufw status | grep -q 'Status: active'"),
}


@pytest.fixture(scope="module")
def interrupted(cnil, ansible_hosts):
    """Both points on one PC: each killed run, then one healing run of both areas and one more run."""
    name = ansible_hosts[-1]
    pc = connections(cnil.inventory)[name]
    make_user(pc, USER, PASSWORD)
    killed = {}
    try:
        for point, (area, task, undo) in POINTS.items():
            pc.run_expect([0], undo)
            killed[point] = cnil.run("apply", limit=name, tags=area, env={
                "CNIL_INTERRUPT_AFTER": task, "ANSIBLE_CALLBACK_PLUGINS": PLUGINS,
                "ANSIBLE_CALLBACKS_ENABLED": "cnil_report,cnil_interrupt"})
        areas = ",".join(area for area, _, _ in POINTS.values())
        healed = cnil.run("apply", limit=name, tags=areas)
        again = cnil.run("apply", limit=name, tags=areas)
        login = pamtester(pc, "other", USER, "authenticate", PASSWORD).rc == 0
        firewall = pc.run("ufw status verbose").stdout
    finally:
        drop_user(pc, USER)
    return killed, healed, again, login, firewall


@pytest.mark.parametrize("point", list(POINTS))
def test_the_run_was_killed_right_after_the_named_task(interrupted, point):
    killed = interrupted[0][point]
    assert killed.rc != 0 and "cnil_interrupt: killing the run" in killed.output, killed.output[-2000:]


def test_the_next_run_converges_and_the_one_after_changes_nothing(interrupted):
    _, healed, again, login, firewall = interrupted
    assert healed.rc == 0, healed.output[-3000:]
    recaps = [line for line in again.output.splitlines() if "unreachable=" in line]
    assert recaps and all("changed=0" in line for line in recaps), again.output[-2000:]
    assert login, "the healed PAM stack must let a user with a compliant password in"
    assert "Status: active" in firewall and "deny (incoming)" in firewall and "9999" not in firewall, firewall
