"""Never lock anyone out, over a real SSH connection (the docker connection never exercises it): the PCs are
bootstrapped by playbooks/bootstrap.yml (management key), then bin/cnil runs through SSH as the non-root
management account with its sudo password. After the roles that could cut that access (firewall, PAM, one-time
codes, accounts, idle timeout) the account still connects and uses sudo; the preflight refuses, before any change, a run that would
cut it; a PC switched off is reported UNREACHABLE while the other is served."""
import os
import shutil
import subprocess

import pytest
import yaml

from cnil_testlib import ROOT, Cnil, connections, host_state
from test_cnil_acc_01 import PASSWORD, prepare_accounts

MGMT = "cnil-admin"
# The roles that could cut the management access: the firewall, PAM (passwords, lockout, one-time codes for the
# staff group), the admin group, the shell idle timeout.
RISKY = "cnil_fw,cnil_pwd,cnil_auth,cnil_acc,cnil_lock"
NETWORK = "cnil-mol-net"
SSH_OPTIONS = "-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR"


def address(name):
    networks = subprocess.run(["docker", "inspect", "-f", "{{json .NetworkSettings.Networks}}", name],
                              capture_output=True, text=True, check=True).stdout
    return yaml.safe_load(networks)[NETWORK]["IPAddress"]


@pytest.fixture(scope="module")
def ssh_setup(cnil, tmp_path_factory):
    """A key pair, bootstrap.yml over the docker connection, then an inventory of the same cabinet where the PCs
    are reached over SSH as the management account (the backup host stays on the docker connection)."""
    prepare_accounts(cnil)  # the management account's password is the test password
    folder = tmp_path_factory.mktemp("ssh")
    key = folder / "id_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    boot = subprocess.run([os.path.join(ROOT, ".venv", "bin", "ansible-playbook"), "-i", cnil.inventory,
                           os.path.join(ROOT, "playbooks", "bootstrap.yml"),
                           "-e", "cnil_mgmt_ssh_pubkey='%s'" % key.with_suffix(".pub").read_text().strip()],
                          capture_output=True, text=True, cwd=ROOT)
    assert boot.returncode == 0, boot.stdout[-3000:] + boot.stderr[-2000:]
    source = yaml.safe_load(open(cnil.inventory))
    inventory = folder / "inventory"
    inventory.mkdir()
    for link in ("group_vars", "host_vars"):
        os.symlink(os.path.realpath(os.path.join(os.path.dirname(cnil.inventory), link)), inventory / link)
    pcs = {}
    for name in source["cnil_linux"]["hosts"]:
        pcs[name] = {"ansible_connection": "ssh", "ansible_host": address(name), "ansible_user": MGMT,
                     "ansible_ssh_private_key_file": str(key), "ansible_become_password": PASSWORD,
                     "ansible_ssh_common_args": SSH_OPTIONS}
    hosts = {"all": {"children": {
        "cnil_linux": {"hosts": pcs},
        "cnil_backup_hosts": {"hosts": source["cnil_backup_hosts"]["hosts"]}}}}
    (inventory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return dict(inventory=str(inventory / "hosts.yml"), key=str(key), pcs={n: v["ansible_host"] for n, v in pcs.items()},
                boot=boot, cnil=Cnil(str(inventory / "hosts.yml"), str(folder)))


def ssh(setup, ip, command, stdin=None):
    return subprocess.run(["ssh", "-i", setup["key"], "-o", "BatchMode=yes", "-o", "ConnectTimeout=10"]
                          + SSH_OPTIONS.split() + ["%s@%s" % (MGMT, ip), command],
                          input=stdin, capture_output=True, text=True, timeout=60)


@pytest.fixture(scope="module")
def applied_over_ssh(ssh_setup):
    return ssh_setup["cnil"].run("apply", tags=RISKY)


def test_apply_over_ssh_as_the_management_account_succeeds(applied_over_ssh):
    assert applied_over_ssh.rc == 0, applied_over_ssh.output[-3000:]
    recaps = [line for line in applied_over_ssh.output.splitlines() if "unreachable=" in line]
    assert len(recaps) == 3 and all("unreachable=0" in r and "failed=0" in r for r in recaps), recaps


def test_after_it_the_management_account_still_connects_and_uses_sudo(ssh_setup, applied_over_ssh):
    for name, ip in ssh_setup["pcs"].items():
        got = ssh(ssh_setup, ip, "sudo -S -p '' id -u", stdin=PASSWORD + "\n")
        assert got.returncode == 0 and got.stdout.strip() == "0", (name, got.stderr)


def test_after_it_a_declared_person_still_logs_in_with_a_compliant_password(cnil, applied_over_ssh):
    for name, pc in connections(cnil.inventory).items():
        person = pc.ansible.get_variables()["cnil_people"][0]["login"]
        got = pc.run(f"printf '%s\\n' '{PASSWORD}' | pamtester sshd {person} authenticate")
        assert got.rc == 0, (name, got.stderr)


def changed_inventory(setup, tmp_path, change):
    """A copy of the SSH inventory with one cabinet variable changed on the PCs (host variables win)."""
    folder = tmp_path / "inv"
    shutil.copytree(os.path.dirname(setup["inventory"]), folder, symlinks=True)
    hosts = yaml.safe_load(open(folder / "hosts.yml"))
    for host in hosts["all"]["children"]["cnil_linux"]["hosts"].values():
        host.update(change)
    (folder / "hosts.yml").write_text(yaml.safe_dump(hosts))
    return str(folder / "hosts.yml")


@pytest.mark.parametrize("change, words", [
    ({"cnil_mgmt_sources": ["192.0.2.0/24"]}, ["cnil_mgmt_sources", "CNIL-FW-01"]),
    ({"cnil_admins": ["mdupont"]}, ["cnil_admins", MGMT, "CNIL-ACC-01"]),
], ids=["connection source outside the management sources", "management account not a declared admin"])
def test_a_run_that_would_cut_the_access_is_refused_before_any_change(ssh_setup, applied_over_ssh, tmp_path, change,
                                                                       words):
    before = {name: host_state(name) for name in ssh_setup["pcs"]}
    refused = Cnil(changed_inventory(ssh_setup, tmp_path, change), str(tmp_path)).run("apply", tags=RISKY)
    assert refused.rc != 0
    for word in words:
        assert word in refused.output, (word, refused.output[-3000:])
    assert {name: host_state(name) for name in ssh_setup["pcs"]} == before, "nothing may change on a refused run"


@pytest.fixture(scope="module")
def one_pc_off(ssh_setup, applied_over_ssh):
    name = sorted(ssh_setup["pcs"])[-1]
    subprocess.run(["docker", "stop", "-t", "5", name], check=True, capture_output=True)
    try:
        applied = ssh_setup["cnil"].run("apply", tags=RISKY)
        audit = ssh_setup["cnil"].audit(tags=RISKY)
    finally:
        subprocess.run(["docker", "start", name], check=True, capture_output=True)
        subprocess.run(["docker", "exec", name, "sh", "-c",
                        "until systemctl is-system-running --wait >/dev/null 2>&1 || systemctl is-active -q ssh; "
                        "do sleep 0.5; done"], timeout=120, capture_output=True)
    return name, applied, audit


def test_a_pc_switched_off_is_unreachable_and_the_other_is_served(ssh_setup, one_pc_off):
    off, applied, audit = one_pc_off
    assert applied.rc == 4, applied.output[-2000:]  # ansible-playbook: a host unreachable
    assert audit.rc == 2, audit.output[-3000:]
    host = audit.report["hosts"][off]
    assert host["reachable"] is False and host["status"] == "UNREACHABLE"
    for name in set(ssh_setup["pcs"]) - {off}:
        served = audit.report["hosts"][name]
        assert served["reachable"] is True and served["controls"]
        assert {c["status"] for c in served["controls"].values()} <= {"PASS", "WAIVED", "NOT_APPLICABLE"}, served
