"""CNIL-FW-01: the cnil_fw_ufw module (rules, live ruleset, exact check mode, lockout guard) and the switch floor."""
import datetime
import json
import os
import subprocess
import sys
import textwrap

import pytest
import yaml

import cnil_fw_ufw as fw
import cnil_preflight as pf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MODULE = os.path.join(ROOT, "library", "cnil_fw_ufw.py")
FLOORS = yaml.safe_load(open(os.path.join(ROOT, "data", "floors.yml")))["floors"]
TODAY = datetime.date(2026, 11, 29)

MGMT = [{"port": 22, "proto": "tcp", "from": "172.16.0.0/12", "comment": "cnil-cabinet management (CNIL-FW-01)"}]
ALLOW = [{"port": 8443, "proto": "tcp", "from": "172.16.0.0/12", "comment": "practice software"},
         {"port": 5353, "proto": "udp", "from": "any", "comment": "printer discovery"}]


# ---- the switch floor (preflight) --------------------------------------------------------------

def test_firewall_switched_off_is_refused_naming_the_variable_and_the_control():
    errors, used = pf.check_floors({"cnil_fw_active": False}, FLOORS, [], TODAY)
    assert len(errors) == 1 and used == []
    assert "cnil_fw_active = False" in errors[0] and "CNIL-FW-01" in errors[0] and "waiver" in errors[0]


def test_firewall_switched_on_passes():
    assert pf.check_floors({"cnil_fw_active": True}, FLOORS, [], TODAY) == ([], [])


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_a_switch_is_a_boolean(value):
    errors, _ = pf.check_floors({"cnil_fw_active": value}, FLOORS, [], TODAY)
    assert errors and "CNIL-FW-01" in errors[0]


def test_firewall_switched_off_with_a_waiver_is_accepted_and_returned():
    waiver = {"control": "CNIL-FW-01", "check": "firewall_active", "reason": "hardware firewall, PC isolated",
              "expires": "2027-01-31"}
    errors, used = pf.check_floors({"cnil_fw_active": False}, FLOORS, [waiver], TODAY)
    assert errors == [] and used[0]["var"] == "cnil_fw_active" and used[0]["reason"] == waiver["reason"]


def test_an_expired_waiver_does_not_switch_the_firewall_off():
    waiver = {"control": "CNIL-FW-01", "reason": "old", "expires": "2026-11-28"}
    errors, used = pf.check_floors({"cnil_fw_active": False}, FLOORS, [waiver], TODAY)
    assert used == [] and "expired on 2026-11-28" in errors[0]


# ---- declared rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("source, text, v6", [
    ("any", "any", None), ("172.16.5.0/12", "172.16.0.0/12", False), ("10.1.2.3/32", "10.1.2.3", False),
    ("10.1.2.3", "10.1.2.3", False), ("fd00::/8", "fd00::/8", True), ("0.0.0.0/0", "any", False),
])
def test_sources_are_written_as_ufw_writes_them(source, text, v6):
    assert fw.normalise_source(source) == (text, v6)


@pytest.mark.parametrize("rule, message", [
    ({"proto": "tcp", "from": "any"}, "port is required"),
    ({"port": 70000, "from": "any"}, "out of range"),
    ({"port": "9010:9000", "from": "any"}, "out of range"),
    ({"port": "22,80", "from": "any"}, "not a port"),
    ({"port": 22, "proto": "icmp", "from": "any"}, "tcp or udp"),
    ({"port": 22, "from": "10.0.0.300/8"}, "not an address"),
    ({"port": 22, "from": "any", "comment": "it's"}, "without quotes"),
    ({"port": 22, "from": "any", "to": "any"}, "unknown field"),
])
def test_bad_rules_are_refused_naming_the_rule(rule, message):
    with pytest.raises(fw.RuleError) as err:
        fw.normalise_rule(rule, "allow[3]")
    assert "allow[3]" in str(err.value) and message in str(err.value)


def test_a_rule_from_any_is_one_rule_per_address_family():
    rule = fw.normalise_rule({"port": "8000:8010", "proto": "udp", "from": "any"}, "r")
    assert fw.expected_tuples(rule, ipv6=True) == [("allow", "udp", "8000:8010", "0.0.0.0/0", "any", "0.0.0.0/0", "in", False),
                                                   ("allow", "udp", "8000:8010", "::/0", "any", "::/0", "in", True)]
    assert len(fw.expected_tuples(rule, ipv6=False)) == 1
    with pytest.raises(fw.RuleError):
        fw.expected_tuples(fw.normalise_rule({"port": 22, "from": "fd00::/8"}, "r"), ipv6=False)


# ---- files and live ruleset --------------------------------------------------------------------

def tuple_line(action, proto, port, src, v6=False, comment=None, direction="in"):
    anyaddr = "::/0" if v6 else "0.0.0.0/0"
    line = "### tuple ### %s %s %s %s any %s %s" % (action, proto, port, anyaddr, src, direction)
    return line + (" comment=%s" % comment.encode().hex() if comment else "")


def rule_lines(proto, port, src, v6=False):
    chain = "ufw6-user-input" if v6 else "ufw-user-input"
    source = "" if src in ("0.0.0.0/0", "::/0") else " -s %s" % src
    opt = "-m multiport --dports" if ":" in str(port) else "--dport"
    return "-A %s -p %s %s %s%s -j ACCEPT" % (chain, proto, opt, port, source)


def user_rules(rules, v6=False):
    """A user.rules / user6.rules file as ufw writes it: (action, proto, port, src, comment)."""
    body = ["*filter", ":ufw%s-user-input - [0:0]" % ("6" if v6 else ""), "### RULES ###"]
    for action, proto, port, src, comment in rules:
        body += ["", tuple_line(action, proto, port, src, v6, comment), rule_lines(proto, port, src, v6)]
    body += ["", "### END RULES ###", "COMMIT", ""]
    return "\n".join(body)


def live_s(rules, v6=False, policy="DROP", extra_input=(), hooked=True, loaded="yes"):
    """iptables -S output: the ufw chains hooked into INPUT and the user rules, in iptables' own spelling.
    loaded: yes; disabled (ufw disable keeps its primary chains hooked, deletes the user chains); flushed."""
    p = "ufw6-" if v6 else "ufw-"
    out = ["-P INPUT %s" % policy, "-P FORWARD DROP", "-P OUTPUT ACCEPT"]
    if loaded != "flushed":
        out += ["-N %s%s" % (p, hook) for hook in fw.INPUT_HOOKS]
    if loaded == "yes":
        out += ["-N %suser-input" % p]
    out += list(extra_input)
    if loaded != "flushed":
        out += ["-A INPUT -j %s%s" % (p, hook) for hook in fw.INPUT_HOOKS if hooked or hook != "before-input"]
    if loaded != "yes":
        rules = []
    for _, proto, port, src, _ in rules:
        source = "" if src in ("0.0.0.0/0", "::/0") else "-s %s%s " % (src, "/128" if v6 and "/" not in src else "/32" if "/" not in src else "")
        match = "-m multiport --dports %s" % port if ":" in str(port) else "-m %s --dport %s" % (proto, port)
        out.append("-A %suser-input %s-p %s %s -j ACCEPT" % (p, source, proto, match))
    return "\n".join(out) + "\n"


def test_the_file_form_and_the_iptables_form_of_a_rule_have_the_same_key():
    files = "-A ufw-user-input -p tcp -m multiport --dports 9000:9010 -s 10.1.2.3 -j ACCEPT"
    live = "-A ufw-user-input -s 10.1.2.3/32 -p tcp -m multiport --dports 9000:9010 -j ACCEPT"
    assert fw.live_key(files, False) == fw.live_key(live, False) == (False, "tcp", "10.1.2.3", None, "9000:9010", None, None, "ACCEPT")
    limit_file = "-A ufw-user-input -p tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set"
    limit_live = ("-A ufw-user-input -p tcp -m tcp --dport 2222 -m conntrack --ctstate NEW -m recent --set --name DEFAULT "
                  "--mask 255.255.255.255 --rsource")
    assert fw.live_key(limit_file, False) == fw.live_key(limit_live, False)


def test_tuples_keep_ufw_numbering_and_decode_comments():
    text = "\n".join([tuple_line("deny", "any", "any", "10.9.9.9"),
                      tuple_line("allow", "tcp", "22", "172.16.0.0/12", comment="cnil mgmt"),
                      "### tuple ### route:allow any any 0.0.0.0/0 any 0.0.0.0/0 in_eth0!out_eth1",
                      "### tuple ### allow any 22 0.0.0.0/0 any 0.0.0.0/0 SSH - in"])
    rules = fw.parse_tuples(text, False)
    assert [r["action"] for r in rules] == ["deny", "allow", "allow", "allow"]
    assert rules[1]["comment"] == "cnil mgmt" and not fw.is_incoming(rules[2]) and rules[3]["apps"] == ["SSH"]


# ---- the module, end to end, with stand-ins for ufw, iptables and systemctl -------------------------

FAKE = {
    "ufw": """#!/bin/sh
echo "ufw $*" >> "$FAKE_ROOT/fake/log"
""",
    "iptables": """#!/bin/sh
if [ "$2" = -S ]; then cat "$FAKE_ROOT/fake/iptables"; exit 0; fi
echo "iptables $*" >> "$FAKE_ROOT/fake/log"
""",
    "ip6tables": """#!/bin/sh
if [ "$2" = -S ]; then cat "$FAKE_ROOT/fake/ip6tables"; exit 0; fi
echo "ip6tables $*" >> "$FAKE_ROOT/fake/log"
""",
    "systemctl": """#!/bin/sh
if [ "$1" = is-enabled ]; then cat "$FAKE_ROOT/fake/service"; exit 0; fi
echo "systemctl $*" >> "$FAKE_ROOT/fake/log"
""",
}

CONVERGED = [("allow", "tcp", "22", "172.16.0.0/12", MGMT[0]["comment"]),
             ("allow", "tcp", "8443", "172.16.0.0/12", "practice software"),
             ("allow", "udp", "5353", "0.0.0.0/0", "printer discovery")]
CONVERGED6 = [("allow", "udp", "5353", "::/0", "printer discovery")]


class Host:
    """A root directory with ufw's files, the outputs the stand-ins print, and the log of what they were asked."""

    def __init__(self, tmp_path):
        self.root = tmp_path / "root"
        self.bin = tmp_path / "bin"
        for sub in ("etc/ufw", "etc/default", "fake", "proc/net", "run/systemd/system"):
            (self.root / sub).mkdir(parents=True, exist_ok=True)
        self.bin.mkdir(exist_ok=True)
        for name, text in FAKE.items():
            (self.bin / name).write_text(text)
            (self.bin / name).chmod(0o755)
        self.set(enabled=True, incoming="DROP", rules=CONVERGED, rules6=CONVERGED6, service="enabled")
        self.tcp("")

    def set(self, **change):
        """Change the host; the live ruleset follows the files unless live/live6/policy say otherwise."""
        cfg = getattr(self, "cfg", {})
        cfg.update(change)
        self.cfg = cfg
        (self.root / "etc/ufw/ufw.conf").write_text("ENABLED=%s\nLOGLEVEL=low\n" % ("yes" if cfg["enabled"] else "no"))
        (self.root / "etc/default/ufw").write_text(textwrap.dedent("""\
            IPV6=yes
            DEFAULT_INPUT_POLICY="%s"
            DEFAULT_OUTPUT_POLICY="ACCEPT"
            DEFAULT_FORWARD_POLICY="DROP"
            """ % cfg["incoming"]))
        (self.root / "etc/ufw/user.rules").write_text(user_rules(cfg["rules"]))
        (self.root / "etc/ufw/user6.rules").write_text(user_rules(cfg["rules6"], v6=True))
        (self.root / "fake/service").write_text(cfg["service"] + "\n")
        policy = cfg.get("policy") or ("ACCEPT" if cfg["incoming"] == "ACCEPT" else "DROP")
        live = cfg.get("live") if cfg.get("live") is not None else cfg["rules"]
        live6 = cfg.get("live6") if cfg.get("live6") is not None else cfg["rules6"]
        loaded = cfg.get("loaded", "yes" if cfg["enabled"] else "disabled")
        (self.root / "fake/iptables").write_text(live_s(live, policy=policy, extra_input=cfg.get("extra_input", ()),
                                                        loaded=loaded))
        (self.root / "fake/ip6tables").write_text(live_s(live6, v6=True, policy=policy, hooked=cfg.get("hooked6", True),
                                                         loaded=loaded))

    def tcp(self, peers, port=22):
        """Established connections to the port, from IPv4 peers."""
        lines = ["  sl  local_address rem_address   st"]
        for i, peer in enumerate(peers.split() if peers else []):
            remote = "".join("%02X" % int(b) for b in reversed(peer.split(".")))
            lines.append("   %d: 0200A8C0:%04X %s:D431 01 00000000:00000000 00:00000000 00000000 0 0 1" % (i, port, remote))
        (self.root / "proc/net/tcp").write_text("\n".join(lines) + "\n")
        (self.root / "proc/net/tcp6").write_text("  sl  local_address\n")

    def log(self):
        path = self.root / "fake/log"
        return path.read_text().splitlines() if path.exists() else []

    def run(self, enforce, check=False, management=MGMT, allow=ALLOW, **over):
        args = dict(management=management, allow=allow, enforce=enforce, guard_port=22, root=str(self.root),
                    _ansible_check_mode=check, _ansible_diff=True)
        args.update(over)
        argfile = self.root / "args.json"
        argfile.write_text(json.dumps({"ANSIBLE_MODULE_ARGS": args}))
        env = dict(os.environ, PATH=str(self.bin) + os.pathsep + os.environ["PATH"], FAKE_ROOT=str(self.root))
        proc = subprocess.run([sys.executable, MODULE, str(argfile)], capture_output=True, text=True, env=env)
        return json.loads(proc.stdout)


PARTS = ["management", "allow_list", "defaults", "enabled", "service"]


@pytest.fixture
def host(tmp_path):
    return Host(tmp_path)


@pytest.mark.parametrize("part", PARTS)
def test_converged_host_is_unchanged_twice_in_check_mode_and_in_a_real_run(host, part):
    for check in (True, True, False):
        out = host.run(part, check=check)
        assert out["changed"] is False, out
    assert host.log() == []
    assert out["analysis"] == {"undeclared": [], "undeclared_allow": [], "open_to_all": [], "management_missing": [],
                               "allow_missing": []}
    state = out["state"]
    assert state["enabled"] and state["active"] and state["live_loaded"] and state["live_in_sync"] and state["service_enabled"]
    assert state["live_policy"] == {"v4": {"INPUT": "DROP", "OUTPUT": "ACCEPT"}, "v6": {"INPUT": "DROP", "OUTPUT": "ACCEPT"}}


DRIFTS = {
    # name: (how the host differs, the part that must report it, what the real run must ask for)
    "ufw disabled": (dict(enabled=False, policy="ACCEPT"), "enabled", ["ufw --force enable"]),
    "rules flushed, config still enabled": (dict(loaded="flushed", policy="ACCEPT"), "enabled", ["ufw --force enable"]),
    "default incoming allow": (dict(incoming="ACCEPT"), "defaults", ["ufw default deny incoming"]),
    "live INPUT policy ACCEPT behind ufw's back": (dict(policy="ACCEPT"), "enabled", ["ufw reload"]),
    "service disabled": (dict(service="disabled"), "service", ["systemctl enable ufw.service"]),
    "management rule deleted": (dict(rules=CONVERGED[1:]), "management",
                                ["ufw allow proto tcp from 172.16.0.0/12 to any port 22 comment " + MGMT[0]["comment"]]),
    "extra rule open to all": (dict(rules=CONVERGED + [("allow", "tcp", "9999", "0.0.0.0/0", None)],
                                    rules6=CONVERGED6 + [("allow", "tcp", "9999", "::/0", None)]),
                               "allow_list", ["ufw --force delete 6", "ufw --force delete 4"]),
    "live rule outside ufw": (dict(extra_input=["-A INPUT -p tcp -m tcp --dport 7777 -j ACCEPT"]),
                              "allow_list", ["iptables -w -D INPUT -p tcp -m tcp --dport 7777 -j ACCEPT"]),
}


def changed_parts(out):
    return [p["part"] for p in out["parts"] if p["changed"]]


@pytest.mark.parametrize("name", DRIFTS)
def test_each_drift_changes_exactly_its_part_and_a_real_run_asks_for_the_fix(host, name):
    change, part, commands = DRIFTS[name]
    host.set(**change)
    out = host.run(PARTS, check=True)
    assert changed_parts(out) == [part]
    assert host.log() == [], "check mode ran a command that changes something"
    # The diff of check mode is the predicted state, the part's own and the whole call's.
    changed = next(p for p in out["parts"] if p["changed"])
    assert changed["title"] == fw.PART_TITLES[part] and changed["changes"] == out["changes"]
    assert changed["diff"]["before"] != changed["diff"]["after"] and out["diff"]["before"] != out["diff"]["after"]
    out = host.run(PARTS, check=False)
    assert changed_parts(out) == [part] and host.log() == commands


def test_one_call_plans_each_part_on_what_the_parts_before_it_leave(host):
    """Check mode: the default policy is planned on the rules the earlier parts would add, so the lockout guard
    sees the management rule those parts add (a call per part saw the host as it is and warned for nothing)."""
    host.set(enabled=False, loaded="flushed", rules=[], rules6=[], policy="ACCEPT")
    host.tcp("172.17.0.1")
    out = host.run(PARTS, check=True)
    assert changed_parts(out) == ["management", "allow_list", "enabled"] and out["lockout_risk"] == []
    assert host.log() == [] and [c for p in out["parts"] for c in p["changes"]] == out["changes"]


def test_a_part_that_would_cut_the_run_stops_the_call_naming_what_was_already_applied(host):
    host.set(enabled=False, loaded="flushed", rules=[], rules6=[], policy="ACCEPT")
    host.tcp("192.168.1.20")
    out = host.run(PARTS, check=False)
    assert out.get("failed") and "192.168.1.20" in out["msg"] and "Already applied: add allow tcp 22" in out["msg"]
    assert "ufw --force enable" not in host.log()
    # The parts before the one refused are returned (defaults: nothing to do); enabled is not.
    assert [p["part"] for p in out["parts"]] == ["management", "allow_list", "defaults"]
    assert out["msg"].startswith("cnil_fw_ufw: refusing to enable ufw")


def test_without_ufw_check_mode_and_a_read_return_not_installed_and_a_real_run_fails(host):
    if any(os.path.exists(os.path.join(d, "ufw")) for d in ("/usr/sbin", "/sbin", "/usr/local/sbin", "/usr/bin")):
        pytest.skip("this machine has a real ufw, which the module would find")
    (host.bin / "ufw").unlink()
    for enforce, check in ((PARTS, True), ("none", False)):
        out = host.run(enforce, check=check)
        assert not out.get("failed") and out["state"]["installed"] is False and not out["changed"], out
    out = host.run(PARTS, check=False)
    assert out["failed"] and out["msg"] == "cnil_fw_ufw: ufw is not installed"


def test_undeclared_rules_are_reported_and_those_open_to_all_named(host):
    host.set(rules=CONVERGED + [("allow", "tcp", "9999", "0.0.0.0/0", None), ("allow", "tcp", "3389", "10.0.0.0/8", None),
                                ("deny", "tcp", "23", "0.0.0.0/0", None)],
             extra_input=["-A INPUT -s 10.0.0.5/32 -p tcp -m tcp --dport 7777 -j ACCEPT"])
    out = host.run("none", check=True)
    an = out["analysis"]
    assert an["undeclared_allow"] == ["allow tcp 9999 from any", "allow tcp 3389 from 10.0.0.0/8",
                                      "live, outside ufw: -A INPUT -s 10.0.0.5/32 -p tcp -m tcp --dport 7777 -j ACCEPT"]
    assert an["open_to_all"] == ["allow tcp 9999 from any"]
    assert "deny tcp 23 from any" in an["undeclared"] and "deny tcp 23 from any" not in an["undeclared_allow"]
    assert out["changed"] is False


def test_a_rule_loaded_by_hand_in_ufws_chain_is_undeclared_and_reloaded_away(host):
    host.set(live=CONVERGED + [("allow", "tcp", "9998", "0.0.0.0/0", None)])
    out = host.run("enabled", check=True)
    assert out["changed"] and out["changes"] == ["reload: the live ruleset differs from the configuration"]
    assert out["analysis"]["open_to_all"] == ["live only: ACCEPT tcp port 9998 from any"]


def test_management_rule_missing_live_is_reported(host):
    host.set(live=CONVERGED[1:])
    out = host.run("none", check=True)
    assert out["analysis"]["management_missing"] == ["allow tcp 22 from 172.16.0.0/12: not loaded in the live ruleset"]


def test_a_changed_comment_is_a_change_of_the_part_that_owns_the_rule(host):
    host.set(rules=[("allow", "tcp", "22", "172.16.0.0/12", "old")] + CONVERGED[1:])
    out = host.run("management", check=True)
    assert out["changes"] == ["update the comment of allow tcp 22 from 172.16.0.0/12 to %r" % MGMT[0]["comment"]]
    assert not host.run("allow_list", check=True)["changed"]
    assert out["analysis"]["management_missing"] == []


def test_deletions_run_first_highest_number_first(host):
    host.set(rules=[("allow", "tcp", "1111", "0.0.0.0/0", None)] + CONVERGED[1:],
             rules6=[("allow", "tcp", "1111", "::/0", None)] + CONVERGED6)
    out = host.run("allow_list", management=MGMT, allow=ALLOW + [{"port": 25, "from": "10.0.0.0/8"}])
    assert host.log() == ["ufw --force delete 4", "ufw --force delete 1",
                          "ufw allow proto tcp from 10.0.0.0/8 to any port 25"]
    assert out["changed"]


def test_a_pristine_host_enables_in_order_without_lockout(host):
    host.set(enabled=False, loaded="flushed", rules=[], rules6=[], policy="ACCEPT")
    assert [p for p in PARTS if host.run(p, check=True)["changed"]] == ["management", "allow_list", "enabled"]


def test_lockout_guard_refuses_to_enable_when_a_connected_peer_would_be_cut(host):
    host.set(enabled=False, policy="ACCEPT")
    host.tcp("192.168.1.20 172.17.0.1")
    out = host.run("enabled", check=False)
    assert out.get("failed") and "192.168.1.20" in out["msg"] and "172.17.0.1" not in out["msg"]
    assert host.log() == []
    checked = host.run("enabled", check=True)
    assert checked["changed"] and checked["lockout_risk"] == ["192.168.1.20"] and not checked.get("failed")


def test_lockout_guard_lets_a_management_peer_through(host):
    host.set(enabled=False, policy="ACCEPT")
    host.tcp("172.17.0.1")
    out = host.run("enabled", check=False)
    assert out["changed"] and not out.get("failed") and host.log() == ["ufw --force enable"]


def test_connected_peers_are_read_from_proc_net_tcp(host):
    host.tcp("192.168.1.20 127.0.0.1", port=22)
    assert fw.connected_peers(str(host.root), 22) == ["192.168.1.20"]
    assert fw.connected_peers(str(host.root), 2222) == []


def test_bad_rule_fails_before_any_change(host):
    out = host.run("management", management=[{"port": 22, "from": "not-an-address"}])
    assert out["failed"] and "management[0]" in out["msg"] and host.log() == []


def test_a_ufw_jump_removed_from_input_rebuilds_the_chains_then_starts_ufw(host):
    """ufw hooks its chains into INPUT only when it creates them: reload, disable and enable keep a removed jump
    removed (seen on Debian 12). The chains are deleted and ufw started again, which hooks them."""
    host.set(hooked6=False)
    out = host.run("enabled", check=True)
    assert out["changes"] == ["rebuild ufw's chains: they are not all hooked into INPUT"]
    assert out["state"]["live_loaded"] is False and host.log() == []
    host.run("enabled")
    log = host.log()
    assert "ip6tables -w -D INPUT -j ufw6-before-logging-input" in log and "ip6tables -w -X ufw6-user-input" in log
    # Both families: ufw starts nothing while its IPv4 chain ufw-user-input exists.
    assert "iptables -w -X ufw-user-input" in log
    assert log[-1] == "ufw --force enable"
