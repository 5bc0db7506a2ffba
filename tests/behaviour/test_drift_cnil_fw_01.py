"""CNIL-FW-01 drift: each hand-made change of the firewall, in ufw's files or only in the live kernel ruleset, is
reported against its control by the real audit (bin/cnil audit), naming the part of the firewall that would be
repaired, and apply heals it."""
import pytest

from cnil_testlib import Drift, assert_drift_reported

testinfra_hosts = ["ansible://cnil_linux"]

# One module call enforces the whole firewall; the report names each changed part after the task's name.
MGMT = "CNIL-FW-01 | firewall | management access allowed"
ALLOW = "CNIL-FW-01 | firewall | allow-list from inventory"
DEFAULTS = "CNIL-FW-01 | firewall | default policy"
ENABLED = "CNIL-FW-01 | firewall | firewall enabled"
SERVICE = "CNIL-FW-01 | firewall | ufw.service enabled"

# alone: the change upsets the whole firewall, so no other firewall drift shares its PC and round; the others
# (each its own task and check) do: 8 drifts on 2 PCs are 3 audit rounds, shared with the other areas. The
# module's unit tests cover more states with stand-ins (a rule from one address, a rule loaded by hand into ufw's chain, a changed comment).
DRIFTS = [
    Drift("ufw disabled", "ufw disable", "CNIL-FW-01", ENABLED, check="firewall_active", alone=True),
    Drift("default incoming changed to allow", "ufw default allow incoming", "CNIL-FW-01", DEFAULTS, check="default_deny_inbound"),
    Drift("undeclared rule open to everyone", "ufw allow 9999/tcp", "CNIL-FW-01", ALLOW, check="declared_rules_only"),
    Drift("management rule deleted", "ufw delete allow proto tcp from 172.16.0.0/12 to any port 22", "CNIL-FW-01", MGMT, check="management_access"),
    # Live only: ufw's files and `ufw status verbose` still say all is well.
    Drift("live INPUT policy ACCEPT behind ufw's back", "iptables -P INPUT ACCEPT", "CNIL-FW-01", ENABLED,
          check="default_deny_inbound", alone=True),
    Drift("live rule outside ufw", "iptables -I INPUT -p tcp --dport 7777 -j ACCEPT", "CNIL-FW-01", ALLOW, check="declared_rules_only"),
    Drift("ufw's chains unhooked from INPUT", "iptables -D INPUT -j ufw-before-input", "CNIL-FW-01", ENABLED,
          check="firewall_active", alone=True),
    Drift("ufw.service disabled: no rules after a reboot", "systemctl disable ufw", "CNIL-FW-01", SERVICE, check="firewall_active"),
]


@pytest.mark.parametrize("drift", DRIFTS, ids=[d.name for d in DRIFTS])
def test_hand_made_drift_is_reported_against_its_control(observed, drift):
    assert_drift_reported(observed, drift)


def test_an_undeclared_rule_open_to_everyone_is_named_as_such(observed):
    _, control, _, _, _ = observed["undeclared rule open to everyone"]
    check = next(c for c in control["checks"] if c["id"] == "declared_rules_only")
    assert "allow tcp 9999 from any" in check["evidence"]["open_to_all"]
    assert check["reason"].startswith("open to everyone")


def test_after_healing_every_host_audits_compliant_with_no_change(healed, ansible_hosts):
    assert healed.rc == 0, healed.output[-3000:]
    for name in ansible_hosts:
        control = healed.control(name, "CNIL-FW-01")
        assert control["status"] == "PASS" and control["changes"] == []
        assert {c["id"]: c["status"] for c in control["checks"]} == {
            "firewall_active": "PASS", "default_deny_inbound": "PASS", "declared_rules_only": "PASS",
            "management_access": "PASS"}
