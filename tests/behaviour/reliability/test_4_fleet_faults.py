"""One PC switched off: the report says UNREACHABLE for it; the others are applied and audited normally."""
import subprocess

import pytest


@pytest.fixture
def one_pc_off(pcs):
    name = sorted(pcs)[-1]
    subprocess.run(["docker", "stop", "-t", "5", name], check=True, capture_output=True)
    yield name
    subprocess.run(["docker", "start", name], check=True, capture_output=True)
    subprocess.run(["docker", "exec", name, "sh", "-c", "until systemctl is-active -q ssh; do sleep 0.5; done"],
                   timeout=60, capture_output=True)


def test_stopped_pc_is_unreachable_and_the_others_are_served(ssh_cnil, pcs, one_pc_off):
    applied = ssh_cnil.run("apply")
    assert applied.rc == 4, applied.output[-2000:]  # ansible-playbook: some host unreachable
    result = ssh_cnil.audit()
    assert result.rc == 2, result.output[-3000:]
    off = result.report["hosts"][one_pc_off]
    assert off["reachable"] is False and off["status"] == "UNREACHABLE"
    for name in set(pcs) - {one_pc_off}:
        host = result.report["hosts"][name]
        assert host["reachable"] is True
        assert host["controls"] and all(c["status"] in ("PASS", "WAIVED", "NOT_APPLICABLE") for c in host["controls"].values())
