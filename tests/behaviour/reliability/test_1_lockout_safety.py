"""Never lock anyone out: after site.yml the management account still connects over SSH and uses sudo,
and the preflight refuses runs that would cut it off — before any change."""
import os
import shutil

import yaml

from rel_lib import MGMT_PASSWORD, SSH_INVENTORY, host_state, ssh


def test_apply_over_ssh_converges_then_reports_nothing_to_change(ssh_cnil):
    first = ssh_cnil.apply()
    assert "unreachable=0" in first.output and "failed=0" in first.output
    second = ssh_cnil.apply()
    assert all("changed=0" in line for line in second.output.splitlines() if "unreachable=" in line), second.output[-2000:]


def test_management_account_still_connects_and_uses_sudo(ssh_cnil, pcs):
    for name, ip in pcs.items():
        got = ssh(ip, "sudo -S -p '' id -u", stdin=MGMT_PASSWORD + "\n")
        assert got.returncode == 0 and got.stdout.strip() == "0", (name, got.stderr)


def test_compliant_audit_over_ssh(ssh_cnil, pcs):
    result = ssh_cnil.audit()
    assert result.rc == 0, result.output[-3000:]
    assert set(result.report["hosts"]) == set(pcs)


def write_inventory(tmp_path, change):
    """A copy of the SSH inventory with one cabinet variable changed (host_vars win over group_vars)."""
    folder = tmp_path / "inv"
    shutil.copytree(os.path.dirname(SSH_INVENTORY), folder, symlinks=True)
    hosts = yaml.safe_load(open(folder / "hosts.yml"))
    for host in hosts["all"]["children"]["cnil_linux"]["hosts"].values():
        host.update(change)
    (folder / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return str(folder / "hosts.yml")


def run_refused(tmp_path, change, pcs):
    import subprocess
    from cnil_testlib import ROOT
    before = {n: host_state(n) for n in pcs}
    proc = subprocess.run([os.path.join(ROOT, "bin", "cnil"), "apply", "-i", write_inventory(tmp_path, change),
                           "--report-dir", str(tmp_path / "r")], capture_output=True, text=True, cwd=ROOT)
    after = {n: host_state(n) for n in pcs}
    return proc, before, after


def test_refused_when_the_connection_source_is_not_a_management_source(tmp_path, pcs):
    proc, before, after = run_refused(tmp_path, {"cnil_mgmt_sources": ["192.0.2.0/24"]}, pcs)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "cnil_mgmt_sources" in out and "CNIL-FW-01" in out, out[-3000:]
    assert before == after, "nothing may change on a refused run"


def test_refused_when_the_management_account_is_not_a_declared_admin(tmp_path, pcs):
    proc, before, after = run_refused(tmp_path, {"cnil_admins": ["mdupont"]}, pcs)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0
    assert "cnil_admins" in out and "cnil-admin" in out and "CNIL-ACC-01" in out, out[-3000:]
    assert before == after
