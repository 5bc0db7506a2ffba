"""The audit changes nothing: every file of /etc, the unit states and the package list are identical before
and after `bin/cnil audit`, on a compliant PC and on a drifted one (the drift stays, untouched)."""
from rel_lib import docker_exec, host_state

DRIFT = "sed -i 's/900/1700/g' /etc/profile.d/cnil-tmout.sh"


def test_audit_of_compliant_pcs_changes_nothing(ssh_cnil, pcs):
    before = {n: host_state(n) for n in pcs}
    result = ssh_cnil.audit()
    assert result.rc == 0, result.output[-3000:]
    assert {n: host_state(n) for n in pcs} == before


def test_audit_of_a_drifted_pc_reports_the_drift_and_leaves_it_in_place(ssh_cnil, pcs):
    name = sorted(pcs)[0]
    assert docker_exec(name, DRIFT).returncode == 0
    before = host_state(name)
    result = ssh_cnil.audit()
    assert result.rc == 2
    assert result.control(name, "CNIL-LOCK-01")["status"] in ("DRIFT", "FAIL")
    assert host_state(name) == before, "the audit repaired or touched the drifted PC"
    ssh_cnil.apply(limit=name)
