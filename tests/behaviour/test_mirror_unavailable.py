"""The package mirror out of reach while a role needs a package: the run fails for that PC with a message that
says so and names the control, before any PAM or firewall file is written; once the network is back, the next
run heals. Shown with the network of both PCs cut: one lost ufw (the firewall is down), the other lost
pamtester (the PAM check's tool) and has a weakened password policy the role would rewrite."""
import subprocess

import pytest

from cnil_testlib import connections

NETWORK = "cnil-mol-net"
PAM_FILES = "/etc/pam.d/common-* /etc/security/pwquality.conf.d/* /etc/security/faillock.conf"
FW_FILES = "/etc/ufw/*.rules /etc/ufw/ufw.conf /etc/default/ufw"
WEAKENED = "/etc/security/pwquality.conf.d/cnil-weak-test.conf"


def state(pc):
    """The PAM and firewall files and the live ruleset."""
    return pc.run(f"md5sum {PAM_FILES} {FW_FILES} 2>&1; iptables-save | grep -v '^#' | sed 's/\\[[0-9:]*\\]//'").stdout


@pytest.fixture(scope="module")
def mirror_down(cnil, ansible_hosts):
    no_fw, no_pamtester = ansible_hosts[0], ansible_hosts[-1]
    pcs = connections(cnil.inventory)
    pcs[no_fw].run_expect([0], "DEBIAN_FRONTEND=noninteractive apt-get remove -y -q ufw")
    pcs[no_pamtester].run_expect([0], "DEBIAN_FRONTEND=noninteractive apt-get remove -y -q pamtester")
    pcs[no_pamtester].run_expect([0], f"printf 'minlen = 8\\n' > {WEAKENED}")
    before = {name: state(pc) for name, pc in pcs.items()}
    for name in pcs:
        subprocess.run(["docker", "network", "disconnect", NETWORK, name], check=True, capture_output=True)
    try:
        failed = cnil.run("apply", tags="cnil_fw,cnil_pwd")
        after = {name: state(pc) for name, pc in pcs.items()}
    finally:
        for name in pcs:
            subprocess.run(["docker", "network", "connect", NETWORK, name], check=True, capture_output=True)
    pcs[no_pamtester].run(f"rm -f {WEAKENED}")
    healed = cnil.run("apply", tags="cnil_fw,cnil_pwd")
    return dict(no_fw=no_fw, no_pamtester=no_pamtester, before=before, after=after, failed=failed, healed=healed,
                installed={n: pc.run("dpkg -s ufw pamtester >/dev/null 2>&1").rc == 0 for n, pc in pcs.items()})


def test_the_run_fails_and_says_the_mirror_is_out_of_reach(mirror_down):
    failed = mirror_down["failed"]
    assert failed.rc != 0, failed.output[-3000:]
    for name, control in ((mirror_down["no_fw"], "CNIL-FW-01"), (mirror_down["no_pamtester"], "CNIL-PWD-01")):
        result = failed.control(name, control)
        assert result["status"] == "ERROR", result
        message = " ".join(e["msg"] for e in result["errors"])
        assert "package mirror" in message, message
    assert "Traceback" not in failed.output


def test_no_pam_or_firewall_file_is_half_written(mirror_down):
    assert mirror_down["after"] == mirror_down["before"]


def test_the_next_run_with_the_network_back_heals(mirror_down):
    assert mirror_down["healed"].rc == 0, mirror_down["healed"].output[-3000:]
    assert all(mirror_down["installed"].values()), mirror_down["installed"]
