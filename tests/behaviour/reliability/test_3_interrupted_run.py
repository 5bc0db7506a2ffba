"""A run stopped half-way (power cut, dropped link) converges on the next run, and the run after reports 0 changed.

The test callback tests/plugins/callback/cnil_interrupt.py kills ansible-playbook right after the named task."""
import os

import pytest

from cnil_testlib import ROOT
from rel_lib import docker_exec

PLUGINS = os.path.join(ROOT, "tests", "plugins", "callback") + os.pathsep + os.path.join(ROOT, "plugins", "callback")
# (task after which the run is killed, what to undo first so that the task really has work to do)
POINTS = {
    "mid-lock: keyfile written, database not compiled": (
        "CNIL-LOCK-01 | GNOME idle lock", "rm -f /etc/dconf/db/local.d/00-cnil-lock /etc/dconf/db/local"),
    "mid-lock: dconf done, TMOUT not written": (
        "CNIL-LOCK-01 | GNOME idle lock", "rm -f /etc/profile.d/cnil-tmout.sh /etc/dconf/db/local.d/locks/00-cnil-lock"),
}


@pytest.mark.parametrize("point", list(POINTS))
def test_interrupted_run_converges_next_time(ssh_cnil, pcs, point):
    task, undo = POINTS[point]
    for name in pcs:
        assert docker_exec(name, undo).returncode == 0
    killed = ssh_cnil.run("apply", env={"CNIL_INTERRUPT_AFTER": task, "ANSIBLE_CALLBACK_PLUGINS": PLUGINS,
                                        "ANSIBLE_CALLBACKS_ENABLED": "cnil_report,cnil_interrupt"})
    assert killed.rc != 0 and "cnil_interrupt: killing the run" in killed.output, killed.output[-2000:]
    healed = ssh_cnil.apply()
    assert "failed=0" in healed.output
    again = ssh_cnil.apply()
    recaps = [line for line in again.output.splitlines() if "unreachable=" in line]
    assert recaps and all("changed=0" in line for line in recaps), again.output[-2000:]
    assert ssh_cnil.audit().rc == 0
