"""CNIL-FW-01 drift: each hand-made change of the firewall, in ufw's files or only in the live kernel ruleset, is
reported against its control by the real audit (bin/cnil audit), naming the task that would repair it, and apply
heals it."""
import pytest

from cnil_testlib import Drift, run_drifts

testinfra_hosts = ["ansible://cnil_linux"]

MGMT = "CNIL-FW-01 | management access allowed"
ALLOW = "CNIL-FW-01 | allow-list from inventory"
DEFAULTS = "CNIL-FW-01 | default policy"
ENABLED = "CNIL-FW-01 | firewall enabled"
SERVICE = "CNIL-FW-01 | ufw.service enabled"

# One drift per control and host in a round: 8 drifts on 2 PCs are 4 audits. The module's unit tests cover more
# states with stand-ins (a rule from one address, a rule loaded by hand into ufw's chain, a changed comment).
FAILS = [
    Drift("ufw disabled", "ufw disable", "CNIL-FW-01", ENABLED),
    Drift("default incoming changed to allow", "ufw default allow incoming", "CNIL-FW-01", DEFAULTS),
    Drift("undeclared rule open to everyone", "ufw allow 9999/tcp", "CNIL-FW-01", ALLOW),
    Drift("management rule deleted", "ufw delete allow proto tcp from 172.16.0.0/12 to any port 22", "CNIL-FW-01", MGMT),
    # Live only: ufw's files and `ufw status verbose` still say all is well.
    Drift("live INPUT policy ACCEPT behind ufw's back", "iptables -P INPUT ACCEPT", "CNIL-FW-01", ENABLED),
    Drift("live rule outside ufw", "iptables -I INPUT -p tcp --dport 7777 -j ACCEPT", "CNIL-FW-01", ALLOW),
    Drift("ufw's chains unhooked from INPUT", "iptables -D INPUT -j ufw-before-input", "CNIL-FW-01", ENABLED),
    Drift("ufw.service disabled: no rules after a reboot", "systemctl disable ufw", "CNIL-FW-01", SERVICE),
]
CHECK = {
    "ufw disabled": "firewall_active",
    "default incoming changed to allow": "default_deny_inbound",
    "undeclared rule open to everyone": "declared_rules_only",
    "management rule deleted": "management_access",
    "live INPUT policy ACCEPT behind ufw's back": "default_deny_inbound",
    "live rule outside ufw": "declared_rules_only",
    "ufw.service disabled: no rules after a reboot": "firewall_active",
    "ufw's chains unhooked from INPUT": "firewall_active",
}


@pytest.fixture(scope="module")
def pcs(ansible_hosts):
    return [h for h in ansible_hosts if "client" not in h]


@pytest.fixture(scope="module")
def observed(cnil, pcs):
    return run_drifts(cnil, pcs, FAILS, tags="cnil_fw")


@pytest.mark.parametrize("drift", FAILS, ids=[d.name for d in FAILS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    host, control, rc, others, output = observed[drift.name]
    assert rc == 2, output
    assert control["status"] == drift.status, control
    assert any(c["task"].startswith(drift.task) for c in control["changes"]), control
    check = next(c for c in control["checks"] if c["id"] == CHECK[drift.name])
    assert check["status"] == "FAIL", control
    assert set(others.values()) <= {"PASS", "NOT_APPLICABLE", "WAIVED"}, others


def test_an_undeclared_rule_open_to_everyone_is_named_as_such(observed):
    _, control, _, _, _ = observed["undeclared rule open to everyone"]
    check = next(c for c in control["checks"] if c["id"] == "declared_rules_only")
    assert "allow tcp 9999 from any" in check["evidence"]["open_to_all"]
    assert check["reason"].startswith("open to everyone")


def test_after_healing_every_host_audits_compliant_with_no_change(observed, cnil, pcs):
    result = cnil.audit()
    assert result.rc == 0, result.output[-3000:]
    for name in pcs:
        control = result.control(name, "CNIL-FW-01")
        assert control["status"] == "PASS" and control["changes"] == []
        assert {c["id"]: c["status"] for c in control["checks"]} == {
            "firewall_active": "PASS", "default_deny_inbound": "PASS", "declared_rules_only": "PASS",
            "management_access": "PASS"}
