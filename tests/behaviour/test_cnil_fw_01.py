"""CNIL-FW-01: the firewall is on and denies inbound by default, as another computer of the cabinet meets it:
a port outside the allow-list is unreachable, a declared port is reachable, SSH still connects from a
management address, a run never cuts an open management session, and the rules come back after a reboot.

The network tests need the scenario's client container (group cnil_testclients, molecule/cnil_fw); other
scenarios skip them."""
import ipaddress
import subprocess
import time

import pytest
import testinfra

testinfra_hosts = ["ansible://cnil_linux"]

ALLOWED = 8443        # cnil_fw_allow of the test cabinet: tcp from 172.16.0.0/12
CLOSED = 8080         # in no rule
KEY = "/root/.ssh/cnil_fw_test"
MGMT_DELETE = "ufw delete allow proto tcp from 172.16.0.0/12 to any port 22"
MGMT_ADD = "ufw allow proto tcp from 172.16.0.0/12 to any port 22 comment 'cnil-cabinet management (CNIL-FW-01)'"


@pytest.fixture(scope="module")
def client(cnil):
    try:
        hosts = testinfra.get_hosts(["ansible://cnil_testclients"], ansible_inventory=cnil.inventory)
    except Exception:  # the group does not exist in this scenario
        hosts = []
    if not hosts:
        pytest.skip("no client container in this scenario (molecule/cnil_fw has one)")
    return hosts[0]


@pytest.fixture(scope="module")
def address(host):
    return next(a for a in host.run("hostname -I").stdout.split() if ":" not in a)


@pytest.fixture(scope="module")
def client_address(client):
    return next(a for a in client.run("hostname -I").stdout.split() if ":" not in a)


@pytest.fixture(scope="module")
def listeners(host):
    """Two services listening on every address of the PC: one on the declared port, one on a port in no rule."""
    for port in (ALLOWED, CLOSED):
        host.run(f"systemctl stop cnil-fw-listen-{port} 2>/dev/null")
        host.run_expect([0], f"systemd-run --unit cnil-fw-listen-{port} --collect python3 -m http.server {port} --bind 0.0.0.0")
    for _ in range(50):
        listening = host.run("ss -Hltn").stdout
        if f":{ALLOWED} " in listening and f":{CLOSED} " in listening:
            break
        time.sleep(0.2)
    yield
    for port in (ALLOWED, CLOSED):
        host.run(f"systemctl stop cnil-fw-listen-{port}")


@pytest.fixture(scope="module")
def ssh(host, client, address):
    """A key on the client, authorised for root on the PC; returns the command that runs something over SSH."""
    client.run_expect([0], f"test -f {KEY} || ssh-keygen -q -t ed25519 -N '' -f {KEY}")
    pub = client.run_expect([0], f"cat {KEY}.pub").stdout.strip()
    host.run_expect([0], f"install -d -m 700 /root/.ssh && grep -qxF '{pub}' /root/.ssh/authorized_keys 2>/dev/null "
                         f"|| echo '{pub}' >> /root/.ssh/authorized_keys")
    host.run_expect([0], "systemctl is-active ssh")
    return lambda command="true": (f"ssh -i {KEY} -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null "
                                   f"-o ConnectTimeout=5 root@{address} {command}")


def connect(machine, address, port):
    """Open a TCP connection from a machine; returns 'connected', 'refused' or 'timeout'."""
    got = machine.run("python3 -c 'import socket, sys\n"
                      "try:\n socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=4); print(\"connected\")\n"
                      "except ConnectionRefusedError: print(\"refused\")\n"
                      "except OSError: print(\"timeout\")' %s %d" % (address, port))
    return got.stdout.strip()


def test_the_client_is_another_computer_in_the_management_network(client_address, address, host):
    mgmt = ipaddress.ip_network("172.16.0.0/12")
    assert client_address != address
    assert ipaddress.ip_address(client_address) in mgmt, (
        "the scenario's docker network must be in cnil_mgmt_sources (172.16.0.0/12) for the SSH test; got %s" % client_address)


def test_firewall_is_active_denies_inbound_and_allows_outbound(host):
    status = host.run_expect([0], "ufw status verbose").stdout
    assert "Status: active" in status
    assert "Default: deny (incoming), allow (outgoing)" in status
    # The live ruleset, not only ufw's files.
    assert host.run_expect([0], "iptables -S INPUT").stdout.startswith("-P INPUT DROP")
    assert host.run_expect([0], "ip6tables -S INPUT").stdout.startswith("-P INPUT DROP")
    assert host.run("systemctl is-enabled ufw").stdout.strip() == "enabled"


def declared_rules(variables):
    """The ufw tuples the cabinet's inventory asks for: SSH from each management source, then cnil_fw_allow
    ("any": one IPv4 and one IPv6 rule)."""
    rules = ["allow tcp 22 0.0.0.0/0 any %s in" % source for source in variables["cnil_mgmt_sources"]]
    for rule in variables.get("cnil_fw_allow", []):
        sources = ["0.0.0.0/0", "::/0"] if rule["from"] == "any" else [rule["from"]]
        for source in sources:
            anywhere = "::/0" if ":" in source else "0.0.0.0/0"
            rules.append("allow %s %s %s any %s in" % (rule["proto"], rule["port"], anywhere, source))
    return sorted(rules)


def test_only_the_declared_rules_and_the_management_access(host):
    tuples = host.run_expect([0], "grep -h '^### tuple' /etc/ufw/user.rules /etc/ufw/user6.rules").stdout.splitlines()
    rules = sorted(" ".join(t.split()[3:10]) for t in tuples)
    assert rules == declared_rules(host.ansible.get_variables())
    assert "allow tcp %d 0.0.0.0/0 any 172.16.0.0/12 in" % ALLOWED in rules  # the port the tests below reach


def test_a_port_outside_the_allow_list_is_unreachable_from_another_computer(host, client, address, listeners):
    # The service answers on the PC itself: what stops the client is the firewall.
    assert connect(host, "127.0.0.1", CLOSED) == "connected"
    assert connect(client, address, CLOSED) == "timeout"


def test_a_declared_port_is_reachable_from_another_computer(client, address, listeners):
    assert connect(client, address, ALLOWED) == "connected"


def test_ssh_connects_from_a_management_address(client, ssh):
    got = client.run(ssh("echo connected"))
    assert got.rc == 0 and got.stdout.strip() == "connected", got.stderr


@pytest.fixture
def first_pc(name, ansible_hosts):
    """Runs of the whole baseline cost time: the run-level tests use the first PC (same code on both)."""
    pcs = [h for h in ansible_hosts if h.startswith("cnil-fw-deb")] or ansible_hosts
    if name != pcs[0]:
        pytest.skip("run-level test: done on %s" % pcs[0])


def test_without_the_management_rule_ssh_is_cut(host, client, ssh, name, first_pc):
    """What the management rule is for (the audit's report of this drift: test_drift_cnil_fw_01.py)."""
    host.run_expect([0], MGMT_DELETE)
    try:
        cut = client.run(ssh())
        assert cut.rc == 255 and "timed out" in cut.stderr, cut.stderr
    finally:
        host.run_expect([0], MGMT_ADD)
    assert client.run(ssh()).rc == 0


@pytest.fixture
def open_session(host, client, ssh, client_address):
    """An SSH session from the client that stays open (the contractor's own connection)."""
    client.run("systemctl stop cnil-fw-session 2>/dev/null")
    client.run_expect([0], "systemd-run --unit cnil-fw-session --collect " + ssh("sleep 600"))
    for _ in range(50):
        if client_address in host.run("ss -Htn state established '( sport = :22 )'").stdout:
            break
        time.sleep(0.2)
    else:
        pytest.fail("the SSH session from the client did not open")
    yield lambda: client.run("systemctl is-active cnil-fw-session").stdout.strip() == "active"
    client.run("systemctl stop cnil-fw-session")


def test_a_run_never_cuts_an_open_management_session(host, client, ssh, cnil, name, first_pc, open_session,
                                                     client_address):
    """From a firewall left open (ufw reset), with the contractor's SSH session open: a run whose management
    addresses miss that session refuses to close the firewall; the run with the right addresses closes it and
    the session survives, and new management connections still get in."""
    host.run_expect([0], "ufw --force reset")
    assert "Status: inactive" in host.run("ufw status").stdout
    refused = cnil.run("apply", limit=name, extra=["-e", '{"cnil_mgmt_sources": ["10.99.0.0/16"]}'])
    assert refused.rc != 0
    assert "refusing to enable ufw" in refused.output and client_address in refused.output, refused.output[-3000:]
    assert "Status: inactive" in host.run("ufw status").stdout
    assert open_session()
    cnil.apply(limit=name)
    assert "Status: active" in host.run("ufw status").stdout
    assert open_session(), "the open management session was cut"
    assert client.run(ssh()).rc == 0, "a new management connection is refused"


def test_rules_come_back_after_a_reboot(host, name, client):
    """`ufw enable` does not start ufw.service in a container; the unit is enabled, so a boot loads the rules."""
    subprocess.run(["docker", "restart", "-t", "20", name], check=True, capture_output=True)
    for _ in range(100):
        if subprocess.run(["docker", "exec", name, "systemctl", "is-system-running", "--wait"],
                          capture_output=True, text=True).stdout.strip() in ("running", "degraded"):
            break
        time.sleep(0.3)
    assert host.run("systemctl is-active ufw").stdout.strip() == "active"
    assert host.run_expect([0], "iptables -S INPUT").stdout.startswith("-P INPUT DROP")
    assert "Status: active" in host.run("ufw status").stdout
    address = next(a for a in host.run("hostname -I").stdout.split() if ":" not in a)  # may change at restart
    host.run_expect([0], f"systemd-run --unit cnil-fw-listen-boot --collect python3 -m http.server {CLOSED} --bind 0.0.0.0")
    try:
        for _ in range(50):
            if f":{CLOSED} " in host.run("ss -Hltn").stdout:
                break
            time.sleep(0.2)
        assert connect(client, address, CLOSED) == "timeout"
    finally:
        host.run("systemctl stop cnil-fw-listen-boot")
