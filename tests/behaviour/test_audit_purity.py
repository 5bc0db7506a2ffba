"""The audit changes nothing: every file of /etc, the unit states and the package list are identical before and
after `bin/cnil audit`, on compliant PCs and on a drifted one (whose drift stays, untouched)."""
import difflib
import subprocess

from cnil_testlib import host_state

DRIFT = "sed -i 's/900/1700/g' /etc/profile.d/cnil-tmout.sh"


def same(before, after):
    return "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0))


def test_audit_of_compliant_pcs_changes_nothing(compliant_audit, ansible_hosts):
    assert compliant_audit.result.rc == 0, compliant_audit.result.output[-3000:]
    for host in ansible_hosts:
        before, after = compliant_audit.before[host], compliant_audit.after[host]
        assert after == before, same(before, after)


def test_audit_of_a_drifted_pc_reports_it_and_leaves_it_in_place(cnil, ansible_hosts):
    host = ansible_hosts[0]
    subprocess.run(["docker", "exec", host, "sh", "-c", DRIFT], check=True)
    before = host_state(host)
    result = cnil.audit(tags="cnil_lock")
    assert result.rc == 2, result.output[-3000:]
    # 1700 s is within the CNIL limit but not the configured 900 s: a drift, not a failure.
    assert result.control(host, "CNIL-LOCK-01")["status"] == "DRIFT"
    after = host_state(host)
    assert after == before, same(before, after)
    cnil.apply(tags="cnil_lock")
