#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: ufw incoming allow-list, default policy and live state, with an exact check mode."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_fw_ufw
short_description: Keep ufw to a declared incoming allow-list, default deny, enabled and loaded, and report its live state
description:
  - >-
    Every call reads the whole firewall state, from the configuration (C(/etc/ufw/ufw.conf),
    C(/etc/default/ufw), the rule tuples of C(user.rules) and C(user6.rules)) and from the B(live) kernel
    ruleset (C(iptables -S), C(ip6tables -S)), and compares it with the declared rules.
    C(ufw status) lists rules and default policies from the configuration files, and says active as soon as
    ufw's chains exist: the live ruleset is read here, so that a policy or a rule changed with iptables, a
    jump removed from INPUT or rules flushed show up.
  - >-
    C(enforce) lists the parts this call may change. They are applied in the order of the list, each one planned
    on the state the previous ones leave (predicted in check mode, read again after a change otherwise), and
    each is reported on its own in C(parts), so that one call per host is enough and an audit still names the
    part that drifted. The analysis returned is always the same, whatever C(enforce).
  - C(management) enforces the management rules (added before any policy change, never removed here).
    C(allow_list) adds the allow-list rules and deletes every other incoming rule of ufw, and every live
    ACCEPT rule of the INPUT chain that is not ufw's (such a rule bypasses the firewall).
    C(defaults) sets the default incoming and outgoing policies in C(/etc/default/ufw).
    C(enabled) sets C(ENABLED=yes) and loads the rules when the live ruleset is missing or differs from the
    configuration (C(ufw enable), C(ufw reload), or a rebuild of ufw's chains when a jump from INPUT is
    missing). C(service) enables C(ufw.service) so the rules are loaded again at boot (C(ufw enable) does not
    enable or start the unit). C(none) only reads.
  - >-
    Lockout guard, when C(guard_port) is set: before a change that could close the firewall (enable,
    default deny, rule deletion), the peers connected right now to that TCP port must still be allowed
    afterwards. Otherwise a real run fails before changing anything; check mode only reports it in
    C(lockout_risk).
  - In check mode nothing is changed and C(changed) says exactly whether a real run would change something.
  - >-
    Used by CNIL-FW-01. C(community.general.ufw) is not used: it cannot remove undeclared rules, its
    check mode reports the default policy as changed whenever ufw is disabled, and it reads no live state.
options:
  management:
    description: Management rules (SSH from the management addresses). Never deleted by this module.
    type: list
    elements: dict
    default: []
  allow:
    description:
      - Allow-list rules. Each rule is a mapping with C(port) (1-65535, or a range C(8000:8010)),
        C(proto) (C(tcp) or C(udp), default C(tcp)), C(from) (an address, a network in CIDR notation or
        C(any)) and an optional C(comment).
    type: list
    elements: dict
    default: []
  default_incoming:
    description: Default policy for incoming traffic.
    type: str
    choices: [deny, reject, allow]
    default: deny
  default_outgoing:
    description: Default policy for outgoing traffic.
    type: str
    choices: [allow, deny, reject]
    default: allow
  enforce:
    description:
      - The parts this call may change, applied in this order. Put C(management) first, so that no later part
        (default policy, enable) can cut the connection of the run. C(none), or an empty list, only reads.
    type: list
    elements: str
    choices: [management, allow_list, defaults, enabled, service, none]
    default: []
  guard_port:
    description: TCP port whose connected peers must stay allowed (the management port). 0 disables the guard.
    type: int
    default: 0
  root:
    description: Directory that holds C(etc/ufw), C(etc/default/ufw) and C(proc/net) (tests use a temporary one).
    type: path
    default: /
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-FW-01 | firewall
  cnil_fw_ufw:
    management:
      - {port: 22, proto: tcp, from: 172.16.0.0/12, comment: "cnil management"}
    allow:
      - {port: 631, proto: tcp, from: 192.168.1.0/24, comment: "printer sharing"}
    guard_port: 22
    enforce: [management, allow_list, defaults, enabled, service]
  register: cnil_fw_result

- name: Read only (an area switched off is still audited)
  cnil_fw_ufw:
    enforce: none
"""

RETURN = r"""
state:
  description: The firewall as read (before the change in check mode, after it otherwise).
  returned: always
  type: dict
  sample:
    installed: true
    enabled: true
    active: true
    live_loaded: true
    live_in_sync: true
    service_enabled: true
    ipv6: true
    defaults: {incoming: deny, outgoing: allow, routed: deny}
    live_policy: {v4: {INPUT: DROP, OUTPUT: ACCEPT}, v6: {INPUT: DROP, OUTPUT: ACCEPT}}
    rules: [{text: "allow tcp 22 from 172.16.0.0/12 in", v6: false, comment: "cnil management"}]
analysis:
  description: The state compared with the declared rules.
  returned: always
  type: dict
  contains:
    undeclared:
      description: Incoming rules, in the configuration or live, that are not declared.
      type: list
    undeclared_allow:
      description: The undeclared rules that let traffic in (allow, limit, live ACCEPT).
      type: list
    open_to_all:
      description: The undeclared rules that let traffic in from any source address.
      type: list
    management_missing:
      description: Declared management rules missing from the configuration or from the live ruleset.
      type: list
    allow_missing:
      description: Declared allow-list rules missing from the configuration or from the live ruleset.
      type: list
changes:
  description: What this call changed (or would change in check mode), one line each, all parts together.
  returned: always
  type: list
parts:
  description:
    - One entry per part of C(enforce), in order. C(title) names the part as a person would (the report shows
      it), C(changes) and C(diff) are that part's alone.
  returned: always
  type: list
  sample:
    - {part: defaults, title: "default policy", changed: true, changes: ["default incoming: allow -> deny"],
       diff: {before: "...", after: "..."}}
lockout_risk:
  description: Peers connected to C(guard_port) that the change would no longer allow.
  returned: always
  type: list
"""

import ipaddress
import os
import re
import shlex

from ansible.module_utils.basic import AnsibleModule

POLICY_OF = {"DROP": "deny", "REJECT": "reject", "ACCEPT": "allow"}
POLICY_FILE_VALUE = {v: k for k, v in POLICY_OF.items()}
# The kernel chain policy that a ufw default gives (reject is a DROP policy plus a REJECT rule).
LIVE_POLICY = {"deny": "DROP", "reject": "DROP", "allow": "ACCEPT"}
ANY = {False: "0.0.0.0/0", True: "::/0"}
# Order in which a real run applies the actions of one part.
ORDER = ("delete", "delete_live", "add", "default", "rebuild", "enable", "reload", "service")
# The chains ufw hooks into INPUT when it creates its chains (ufw-init-functions), for IPv4 (ufw-) and IPv6 (ufw6-).
INPUT_HOOKS = ("before-logging-input", "before-input", "after-input", "after-logging-input", "reject-input", "track-input")
COMMENT_RE = re.compile(r"^[^'\"\\\n\r]{0,200}$")
PORT_RE = re.compile(r"^(\d{1,5})(?::(\d{1,5}))?$")


class RuleError(ValueError):
    """A declared rule that cannot be enforced: the task fails before any change."""


# ---- declared rules ------------------------------------------------------------------------

def normalise_source(value):
    """'any', an address or a network -> (text as ufw writes it, is_v6 or None for any)."""
    text = str(value if value is not None else "any").strip()
    if text.lower() in ("any", "anywhere", ""):
        return "any", None
    try:
        net = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise RuleError("from: %r is not an address, a network (CIDR) or 'any'" % text) from None
    if net.prefixlen == net.max_prefixlen:
        return str(net.network_address), net.version == 6
    if net.prefixlen == 0:
        return "any", net.version == 6
    return str(net), net.version == 6


def normalise_port(value):
    text = str(value).strip()
    match = PORT_RE.match(text)
    if not match:
        raise RuleError("port: %r is not a port (1-65535) or a range such as 8000:8010" % (value,))
    low = int(match.group(1))
    high = int(match.group(2)) if match.group(2) else None
    if not 1 <= low <= 65535 or (high is not None and not low < high <= 65535):
        raise RuleError("port: %r is out of range (1-65535, range low < high)" % (value,))
    return "%d:%d" % (low, high) if high else str(low)


def normalise_rule(rule, where):
    """A declared rule as {port, proto, from, v6, comment}; raises RuleError naming the rule."""
    if not isinstance(rule, dict):
        raise RuleError("%s: a rule is a mapping with port, proto, from and comment" % where)
    unknown = sorted(set(rule) - {"port", "proto", "from", "comment"})
    if unknown:
        raise RuleError("%s: unknown field(s) %s (allowed: port, proto, from, comment)" % (where, ", ".join(unknown)))
    if rule.get("port") in (None, ""):
        raise RuleError("%s: port is required" % where)
    try:
        port = normalise_port(rule["port"])
        proto = str(rule.get("proto") or "tcp").lower()
        if proto not in ("tcp", "udp"):
            raise RuleError("proto: %r must be tcp or udp" % proto)
        source, v6 = normalise_source(rule.get("from"))
    except RuleError as exc:
        raise RuleError("%s: %s" % (where, exc)) from None
    comment = rule.get("comment")
    comment = None if comment is None else str(comment).strip() or None
    if comment is not None and not COMMENT_RE.match(comment):
        raise RuleError("%s: comment must be one line of at most 200 characters without quotes or backslashes" % where)
    return {"port": port, "proto": proto, "from": source, "v6": v6, "comment": comment}


def rule_text(rule):
    return "allow %s %s from %s" % (rule["proto"], rule["port"], rule["from"])


def expected_tuples(rule, ipv6):
    """The ufw tuple keys a declared rule gives: one per address family."""
    families = [False, True] if rule["v6"] is None else [rule["v6"]]
    keys = []
    for v6 in families:
        if v6 and not ipv6:
            if rule["v6"] is None:
                continue
            raise RuleError("%s: an IPv6 source needs IPV6=yes in /etc/default/ufw" % rule_text(rule))
        src = ANY[v6] if rule["from"] == "any" else rule["from"]
        keys.append(("allow", rule["proto"], rule["port"], ANY[v6], "any", src, "in", v6))
    return keys


def expected_live(rule, ipv6):
    """The live iptables keys (see live_key) a declared rule gives."""
    keys = []
    for key in expected_tuples(rule, ipv6):
        src = None if key[5] == ANY[key[7]] else key[5]
        keys.append((key[7], rule["proto"], src, None, rule["port"], None, None, "ACCEPT"))
    return keys


# ---- configuration files -------------------------------------------------------------------

def read_text(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def parse_shell_vars(text):
    """KEY=value lines of ufw.conf and /etc/default/ufw (values may be quoted)."""
    values = {}
    for line in (text or "").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, _, value = line.partition("=")
        values[key.strip()] = value.strip().strip("\"'")
    return values


def decode_comment(text):
    try:
        return bytes.fromhex(text).decode("utf-8")
    except ValueError:
        return text


def parse_tuples(text, v6):
    """'### tuple ###' lines of user.rules / user6.rules, in file order (ufw's rule numbering)."""
    rules = []
    for line in (text or "").splitlines():
        if not line.startswith("### tuple ###"):
            continue
        fields = line[len("### tuple ###"):].split()
        comment = None
        if fields and fields[-1].startswith("comment="):
            comment = decode_comment(fields.pop()[len("comment="):])
        if len(fields) < 7:
            continue
        action, proto, dport, dst, sport, src = fields[:6]
        direction = fields[-1]
        apps = fields[6:-1]
        route = action.startswith("route:")
        rules.append({
            "action": action.split(":", 1)[-1], "route": route, "proto": proto, "dport": dport, "dst": dst,
            "sport": sport, "src": src, "apps": [a for a in apps if a != "-"], "direction": direction,
            "comment": comment, "v6": v6,
        })
    return rules


def tuple_key(rule):
    return (rule["action"], rule["proto"], rule["dport"], rule["dst"], rule["sport"], rule["src"], rule["direction"], rule["v6"])


def is_incoming(rule):
    return not rule["route"] and rule["direction"].split("_", 1)[0] == "in"


def describe_tuple(rule):
    src = "any" if rule["src"] == ANY[rule["v6"]] else rule["src"]
    parts = [rule["action"], rule["proto"], rule["dport"], "from", src]
    if rule["dst"] != ANY[rule["v6"]]:
        parts += ["to", rule["dst"]]
    if rule["sport"] != "any":
        parts += ["sport", rule["sport"]]
    if rule["apps"]:
        parts += ["app", "/".join(rule["apps"])]
    if rule["route"]:
        parts.insert(0, "route")
    if rule["direction"] != "in":
        parts += ["(%s)" % rule["direction"]]
    if rule["v6"]:
        parts.append("(v6)")
    return " ".join(parts)


def config_chain_rules(text, chain):
    """'-A <chain> ...' lines of a user.rules file (what ufw loads into that chain)."""
    return [line.strip() for line in (text or "").splitlines() if line.startswith("-A %s " % chain)]


# ---- live ruleset --------------------------------------------------------------------------

def parse_iptables_s(text):
    """iptables -S output -> ({chain: policy}, {chain: [rule lines]})."""
    policies, rules = {}, {}
    for line in (text or "").splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[0] == "-P":
            policies[parts[1]] = parts[2]
        elif len(parts) >= 2 and parts[0] == "-N":
            rules.setdefault(parts[1], [])
        elif len(parts) >= 2 and parts[0] == "-A":
            rules.setdefault(parts[1], []).append(line.strip())
    return policies, rules


def _host(value):
    try:
        net = ipaddress.ip_network(value, strict=False)
    except ValueError:
        return value
    if net.prefixlen == 0:
        return None
    return str(net.network_address) if net.prefixlen == net.max_prefixlen else str(net)


def live_key(line, v6):
    """What a rule opens, the same for the file form and the iptables -S form of one rule:
    (v6, proto, source, destination, destination ports, source ports, input interface, target)."""
    try:
        tokens = shlex.split(line)
    except ValueError:
        tokens = line.split()
    values = {}
    i = 2 if tokens[:1] == ["-A"] else 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("-") and i + 1 < len(tokens) and not tokens[i + 1].startswith("-"):
            values[token] = tokens[i + 1]
            i += 2
        else:
            i += 1
    src = values.get("-s") or values.get("--source")
    dst = values.get("-d") or values.get("--destination")
    return (v6, values.get("-p"), _host(src) if src else None, _host(dst) if dst else None,
            values.get("--dport") or values.get("--dports"), values.get("--sport") or values.get("--sports"),
            values.get("-i"), values.get("-j"))


def multiset(items):
    counts = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


# ---- connected peers (lockout guard) -------------------------------------------------------

def _hex_addr(text, v6):
    raw = bytes.fromhex(text)
    if not v6:
        return ipaddress.ip_address(raw[::-1])
    # /proc/net/tcp6: four 32-bit words, each in host (little-endian) order.
    words = b"".join(raw[i:i + 4][::-1] for i in range(0, 16, 4))
    addr = ipaddress.ip_address(words)
    return addr.ipv4_mapped or addr


def connected_peers(root, port):
    """Remote addresses of established TCP connections to a local port."""
    peers = set()
    for name, v6 in (("tcp", False), ("tcp6", True)):
        text = read_text(os.path.join(root, "proc", "net", name)) or ""
        for line in text.splitlines()[1:]:
            fields = line.split()
            if len(fields) < 4 or fields[3] != "01":
                continue
            local, remote = fields[1], fields[2]
            if int(local.rsplit(":", 1)[1], 16) != port:
                continue
            addr = _hex_addr(remote.rsplit(":", 1)[0], v6)
            if not addr.is_loopback:
                peers.add(str(addr))
    return sorted(peers, key=lambda a: (":" in a, a))


def port_in(port, spec):
    if spec in ("any", None):
        return True
    low, _, high = str(spec).partition(":")
    return int(low) <= port <= int(high or low)


def peer_allowed(peer, port, tuples):
    addr = ipaddress.ip_address(peer)
    for rule in tuples:
        if rule["action"] not in ("allow", "limit") or not is_incoming(rule) or rule["proto"] not in ("tcp", "any"):
            continue
        if rule["apps"] or not port_in(port, rule["dport"]):
            continue
        try:
            if addr in ipaddress.ip_network(rule["src"], strict=False):
                return True
        except (ValueError, TypeError):
            continue
    return False


# ---- the state and its analysis ------------------------------------------------------------

class Ufw:
    """Reads the configuration and the live ruleset; runs ufw / systemctl for changes."""

    def __init__(self, module, root):
        self.module = module
        self.root = root
        self.ufw = module.get_bin_path("ufw")
        self.systemctl = module.get_bin_path("systemctl")

    def path(self, *parts):
        return os.path.join(self.root, *parts)

    def run(self, argv, check_rc=True):
        rc, out, err = self.module.run_command(argv, environ_update={"LANG": "C", "LC_ALL": "C"})
        if check_rc and rc != 0:
            self.module.fail_json(msg="%s failed (rc %d): %s" % (" ".join(argv), rc, (err or out).strip()), rc=rc)
        return rc, out, err

    def iptables(self, v6):
        binary = self.module.get_bin_path("ip6tables" if v6 else "iptables")
        if not binary:
            return None
        rc, out, _ = self.run([binary, "-w", "-S"], check_rc=False)
        if rc != 0:
            rc, out, _ = self.run([binary, "-S"], check_rc=False)
        return out if rc == 0 else None

    def read(self):
        state = {"installed": bool(self.ufw)}
        conf = parse_shell_vars(read_text(self.path("etc", "ufw", "ufw.conf")))
        defaults = parse_shell_vars(read_text(self.path("etc", "default", "ufw")))
        state["enabled"] = conf.get("ENABLED", "no").lower() == "yes"
        state["ipv6"] = defaults.get("IPV6", "yes").lower() == "yes"
        state["defaults"] = {
            "incoming": POLICY_OF.get(defaults.get("DEFAULT_INPUT_POLICY", ""), None),
            "outgoing": POLICY_OF.get(defaults.get("DEFAULT_OUTPUT_POLICY", ""), None),
            "routed": POLICY_OF.get(defaults.get("DEFAULT_FORWARD_POLICY", ""), None),
        }
        v4_text = read_text(self.path("etc", "ufw", "user.rules"))
        v6_text = read_text(self.path("etc", "ufw", "user6.rules"))
        state["tuples"] = parse_tuples(v4_text, False) + parse_tuples(v6_text, True)
        state["config_chain"] = {
            False: [live_key(line, False) for line in config_chain_rules(v4_text, "ufw-user-input")],
            True: [live_key(line, True) for line in config_chain_rules(v6_text, "ufw6-user-input")],
        }
        live = {}
        for v6 in (False, True):
            if v6 and not state["ipv6"]:
                continue
            text = self.iptables(v6)
            if text is None:
                continue
            policies, chains = parse_iptables_s(text)
            prefix = "ufw6-" if v6 else "ufw-"
            unmanaged = [line for line in chains.get("INPUT", [])
                         if not (live_key(line, v6)[7] or "").startswith(prefix)]
            live[v6] = {
                "policy": {c: policies.get(c) for c in ("INPUT", "OUTPUT")},
                # ufw jumps from INPUT to its chains; a jump removed by hand leaves part of ufw out of the path.
                "hooked": {prefix + h for h in INPUT_HOOKS} <= {live_key(line, v6)[7] for line in chains.get("INPUT", [])},
                "chains": sorted(c for c in chains if c.startswith(prefix)),
                "user_input": [live_key(line, v6) for line in chains.get(prefix + "user-input", [])],
                "unmanaged_accept": [line for line in unmanaged if live_key(line, v6)[7] == "ACCEPT"],
                "unmanaged_other": [line for line in unmanaged if live_key(line, v6)[7] != "ACCEPT"],
            }
        state["live"] = live
        # What `ufw status` calls active (without its Python start-up, a second or more on a slow PC): enabled in
        # ufw.conf and ufw's IPv4 user chain present in the kernel (ufw deletes it when disabled; a flush loses it).
        state["active"] = state["enabled"] and "ufw-user-input" in live.get(False, {}).get("chains", [])
        state["live_loaded"] = bool(live) and all(fam["hooked"] for fam in live.values())
        state["live_in_sync"] = self.in_sync(state)

        # Without systemd (a chroot, another init) there is no unit to enable: None, not False.
        state["service_enabled"] = None
        if self.systemctl and os.path.isdir(self.path("run", "systemd", "system")):
            _, out, _ = self.run([self.systemctl, "is-enabled", "ufw.service"], check_rc=False)
            state["service_enabled"] = out.strip() == "enabled"
        return state

    @staticmethod
    def in_sync(state):
        """The live ruleset is the configuration: hooked, policies as configured, same user rules."""
        if not state["live"]:
            return False
        want_in = LIVE_POLICY.get(state["defaults"]["incoming"])
        want_out = LIVE_POLICY.get(state["defaults"]["outgoing"])
        for v6, fam in state["live"].items():
            if not fam["hooked"]:
                return False
            if fam["policy"]["INPUT"] != want_in or fam["policy"]["OUTPUT"] != want_out:
                return False
            if multiset(fam["user_input"]) != multiset(state["config_chain"][v6]):
                return False
        return True

    # ---- changes -------------------------------------------------------------------------

    def add_rule(self, rule):
        argv = [self.ufw, "allow", "proto", rule["proto"], "from", rule["from"], "to", "any", "port", rule["port"]]
        if rule["comment"]:
            argv += ["comment", rule["comment"]]
        self.run(argv)

    def delete_number(self, number):
        self.run([self.ufw, "--force", "delete", str(number)])

    def delete_live(self, line, v6):
        binary = self.module.get_bin_path("ip6tables" if v6 else "iptables", required=True)
        tokens = shlex.split(line)
        self.run([binary, "-w", "-D"] + tokens[1:])

    def set_default(self, direction, policy):
        self.run([self.ufw, "default", policy, direction])

    def enable(self):
        self.run([self.ufw, "--force", "enable"])

    def reload(self):
        self.run([self.ufw, "reload"])

    def rebuild(self, state):
        """ufw adds its jumps from INPUT only when it creates its chains (reload, disable and enable keep them):
        remove ufw's jumps and chains from the filter table, then start ufw, which creates them hooked.
        The built-in policies stay as they are meanwhile (DROP on a firewalled host)."""
        for v6, fam in state["live"].items():
            binary = self.module.get_bin_path("ip6tables" if v6 else "iptables", required=True)
            prefix = "ufw6-" if v6 else "ufw-"
            _, out, _ = self.run([binary, "-w", "-S"])
            builtins = parse_iptables_s(out)[1]
            for line in builtins.get("INPUT", []) + builtins.get("OUTPUT", []) + builtins.get("FORWARD", []):
                if (live_key(line, v6)[7] or "").startswith(prefix):
                    self.run([binary, "-w", "-D"] + shlex.split(line)[1:])
            for chain in fam["chains"]:
                self.run([binary, "-w", "-F", chain])
            for chain in fam["chains"]:
                self.run([binary, "-w", "-X", chain])
        self.enable()

    def enable_service(self):
        self.run([self.systemctl, "enable", "ufw.service"])


def analyse(state, management, allow):
    """The state compared with the declared rules (what the evidence reports).

    undeclared:         every incoming rule that is not declared, in the configuration or live
    undeclared_allow:   those that let traffic in (allow, limit, live ACCEPT): a FAIL
    open_to_all:        those of undeclared_allow that accept any source address
    management_missing, allow_missing: declared rules absent from the configuration or not loaded live
    """
    ipv6 = state["ipv6"]
    declared, declared_live = set(), set()
    for rule in management + allow:
        declared.update(expected_tuples(rule, ipv6))
        declared_live.update(expected_live(rule, ipv6))

    undeclared, letting_in, open_to_all = [], [], []

    def note(text, lets_in, any_source):
        undeclared.append(text)
        if lets_in:
            letting_in.append(text)
            if any_source:
                open_to_all.append(text)

    for rule in state["tuples"]:
        if is_incoming(rule) and tuple_key(rule) not in declared:
            note(describe_tuple(rule), rule["action"] in ("allow", "limit"), rule["src"] == ANY[rule["v6"]])
    config_live = set(state["config_chain"][False]) | set(state["config_chain"][True])
    for v6, fam in sorted(state["live"].items()):
        family = " (v6)" if v6 else ""
        if state["active"]:
            # Rules loaded in ufw's chain by hand (iptables), not in ufw's files.
            for key in fam["user_input"]:
                if key not in declared_live and key not in config_live and key[7] not in (None, "RETURN"):
                    text = "live only%s: %s %s port %s from %s" % (family, key[7], key[1] or "any", key[4] or "any", key[2] or "any")
                    note(text, key[7] == "ACCEPT" or key[7].endswith("limit-accept"), key[2] is None)
        for line in fam["unmanaged_accept"]:
            note("live, outside ufw%s: %s" % (family, line), True, live_key(line, v6)[2] is None)

    present = {tuple_key(t) for t in state["tuples"]}

    def missing(rules):
        out = []
        for rule in rules:
            if any(k not in present for k in expected_tuples(rule, ipv6)):
                out.append("%s: not in the configuration" % rule_text(rule))
                continue
            # A disabled firewall filters nothing: only an active one must have the rule loaded.
            if state["active"] and not all(k in state["live"][k[0]]["user_input"]
                                           for k in expected_live(rule, ipv6) if k[0] in state["live"]):
                out.append("%s: not loaded in the live ruleset" % rule_text(rule))
        return out

    return {
        "undeclared": undeclared,
        "undeclared_allow": letting_in,
        "open_to_all": open_to_all,
        "management_missing": missing(management),
        "allow_missing": missing(allow),
    }


def public_state(state):
    """The state as returned (JSON-friendly, no internal keys)."""
    rules = []
    for rule in state["tuples"]:
        rules.append({"text": describe_tuple(rule), "v6": rule["v6"], "comment": rule["comment"],
                      "incoming": is_incoming(rule)})
    live_policy = {("v6" if v6 else "v4"): fam["policy"] for v6, fam in state["live"].items()}
    return {
        "installed": state["installed"],
        "enabled": state["enabled"],
        "active": state["active"],
        "live_loaded": state["live_loaded"],
        "live_in_sync": state["live_in_sync"],
        "service_enabled": state["service_enabled"],
        "ipv6": state["ipv6"],
        "defaults": state["defaults"],
        "live_policy": live_policy,
        "rules": rules,
        "live_unmanaged_accept": [line for fam in state["live"].values() for line in fam["unmanaged_accept"]],
    }


def render(state):
    """A short text of the state, for the diff."""
    pub = public_state(state)
    lines = [
        "enabled: %s" % ("yes" if pub["enabled"] else "no"),
        "active (live): %s" % ("yes" if pub["active"] else "no"),
        "live ruleset matches the configuration: %s" % ("yes" if pub["live_in_sync"] else "no"),
        "ufw.service enabled at boot: %s" % {True: "yes", False: "no", None: "unknown"}[pub["service_enabled"]],
        "default incoming: %s" % pub["defaults"]["incoming"],
        "default outgoing: %s" % pub["defaults"]["outgoing"],
    ]
    for family, policy in sorted(pub["live_policy"].items()):
        lines.append("live %s policy: INPUT %s, OUTPUT %s" % (family, policy["INPUT"], policy["OUTPUT"]))
    lines.append("rules:")
    for rule in pub["rules"]:
        lines.append("  %s%s" % (rule["text"], "  # " + rule["comment"] if rule["comment"] else ""))
    for line in pub["live_unmanaged_accept"]:
        lines.append("live rule outside ufw: %s" % line)
    return "\n".join(lines) + "\n"


def plan(state, part, management, allow, default_incoming, default_outgoing):
    """The actions one part needs: a list of (kind, argument, description)."""
    actions = []
    ipv6 = state["ipv6"]
    if part in ("management", "allow_list"):
        by_key = {tuple_key(t): t for t in state["tuples"]}
        for rule in management if part == "management" else allow:
            keys = expected_tuples(rule, ipv6)
            missing = [k for k in keys if k not in by_key]
            stale = [k for k in keys if k in by_key and by_key[k]["comment"] != rule["comment"]]
            if missing:
                actions.append(("add", rule, "add %s%s" % (rule_text(rule), " # " + rule["comment"] if rule["comment"] else "")))
            elif stale:
                actions.append(("add", rule, "update the comment of %s to %r" % (rule_text(rule), rule["comment"])))
    if part == "allow_list":
        declared = set()
        for rule in management + allow:
            declared.update(expected_tuples(rule, ipv6))
        for number, rule in reversed(list(enumerate(state["tuples"], start=1))):
            if is_incoming(rule) and tuple_key(rule) not in declared:
                actions.append(("delete", number, "delete undeclared rule %s" % describe_tuple(rule)))
        for v6, fam in state["live"].items():
            for line in fam["unmanaged_accept"]:
                actions.append(("delete_live", (line, v6), "delete live rule outside ufw%s: %s" % (" (v6)" if v6 else "", line)))
    if part == "defaults":
        for direction, want in (("incoming", default_incoming), ("outgoing", default_outgoing)):
            if state["defaults"][direction] != want:
                actions.append(("default", (direction, want), "default %s: %s -> %s" % (direction, state["defaults"][direction], want)))
    if part == "enabled":
        if any(fam["chains"] and not fam["hooked"] for fam in state["live"].values()):
            actions.append(("rebuild", None, "rebuild ufw's chains: they are not all hooked into INPUT"))
        elif not state["enabled"] or not state["active"]:
            actions.append(("enable", None, "enable ufw and load its rules"))
        elif not state["live_in_sync"]:
            actions.append(("reload", None, "reload: the live ruleset differs from the configuration"))
    if part == "service" and state["service_enabled"] is False:
        actions.append(("service", None, "enable ufw.service (rules loaded at boot)"))
    return actions


def predict(state, actions, management, allow):
    """The state a real run would leave (for check mode's diff and the lockout guard)."""
    deleted = {arg for kind, arg, _ in actions if kind == "delete"}
    new = dict(state, defaults=dict(state["defaults"]),
               tuples=[dict(t) for n, t in enumerate(state["tuples"], start=1) if n not in deleted])
    for kind, arg, _ in actions:
        if kind == "add":
            present = {tuple_key(t): t for t in new["tuples"]}
            for key in expected_tuples(arg, state["ipv6"]):
                if key in present:
                    present[key]["comment"] = arg["comment"]
                    continue
                new["tuples"].append({"action": "allow", "route": False, "proto": key[1], "dport": key[2], "dst": key[3],
                                      "sport": key[4], "src": key[5], "apps": [], "direction": "in",
                                      "comment": arg["comment"], "v6": key[7]})
        elif kind == "default":
            new["defaults"][arg[0]] = arg[1]
        elif kind in ("enable", "reload", "rebuild"):
            new["enabled"] = new["active"] = new["live_loaded"] = new["live_in_sync"] = True
            policy = {"INPUT": LIVE_POLICY.get(new["defaults"]["incoming"]), "OUTPUT": LIVE_POLICY.get(new["defaults"]["outgoing"])}
            new["live"] = {v6: dict(fam, policy=policy, hooked=True) for v6, fam in new["live"].items()}
        elif kind == "service":
            new["service_enabled"] = True
    if any(kind == "delete_live" for kind, _, _ in actions):
        new["live"] = {v6: dict(fam, unmanaged_accept=[]) for v6, fam in new["live"].items()}
    return new


def closes(state, after):
    """Could going from state to after cut a connection that works now?"""
    was_open = not state["active"] or state["defaults"]["incoming"] == "allow"
    now_closed = after["active"] and after["defaults"]["incoming"] != "allow"
    fewer_rules = len(after["tuples"]) < len(state["tuples"])
    return (was_open and now_closed) or (now_closed and fewer_rules)


# How the report names each part (after the task name): what the part makes true.
PART_TITLES = {
    "management": "management access allowed, before any default policy change",
    "allow_list": "allow-list from inventory, undeclared incoming rules removed",
    "defaults": "default policy incoming and outgoing",
    "enabled": "firewall enabled and its rules loaded",
    "service": "ufw.service enabled, rules loaded again at boot",
}


def apply(ufw, state, actions):
    """Run one part's actions. Deletions first, highest rule number first: adding a rule renumbers the IPv6 rules."""
    for kind, arg, _ in sorted(actions, key=lambda a: ORDER.index(a[0])):
        if kind == "add":
            ufw.add_rule(arg)
        elif kind == "delete":
            ufw.delete_number(arg)  # highest number first: the lower numbers stay valid
        elif kind == "delete_live":
            ufw.delete_live(*arg)
        elif kind == "default":
            ufw.set_default(*arg)
        elif kind == "rebuild":
            ufw.rebuild(state)
        elif kind == "enable":
            ufw.enable()
        elif kind == "reload":
            ufw.reload()
        elif kind == "service":
            ufw.enable_service()


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            management=dict(type="list", elements="dict", default=[]),
            allow=dict(type="list", elements="dict", default=[]),
            default_incoming=dict(type="str", choices=["deny", "reject", "allow"], default="deny"),
            default_outgoing=dict(type="str", choices=["allow", "deny", "reject"], default="allow"),
            enforce=dict(type="list", elements="str", default=[],
                         choices=["management", "allow_list", "defaults", "enabled", "service", "none"]),
            guard_port=dict(type="int", default=0),
            root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    parts = [p for p in params["enforce"] if p != "none"]
    try:
        management = [normalise_rule(r, "management[%d]" % i) for i, r in enumerate(params["management"])]
        allow = [normalise_rule(r, "allow[%d]" % i) for i, r in enumerate(params["allow"])]
    except RuleError as exc:
        module.fail_json(msg="cnil_fw_ufw: %s" % exc)

    ufw = Ufw(module, params["root"])
    first = ufw.read()
    if not first["installed"]:
        # In check mode the package task before this one reports the install; a real run must have ufw by now.
        if parts and not module.check_mode:
            module.fail_json(msg="cnil_fw_ufw: ufw is not installed", state=public_state(first))
        module.exit_json(changed=False, changes=[], parts=[], lockout_risk=[], state=public_state(first), analysis={})
    try:
        analysis = analyse(first, management, allow)  # every declared rule meets this host's ufw (IPv6)
    except RuleError as exc:
        module.fail_json(msg="cnil_fw_ufw: %s" % exc)

    current, done, risk = first, [], []
    for part in parts:
        actions = plan(current, part, management, allow, params["default_incoming"], params["default_outgoing"])
        after = predict(current, actions, management, allow)
        part_risk = []
        if params["guard_port"] and actions and closes(current, after):
            peers = connected_peers(params["root"], params["guard_port"])
            part_risk = [p for p in peers if not peer_allowed(p, params["guard_port"], after["tuples"])]
        changes = [a[2] for a in actions]
        if part_risk and not module.check_mode:
            applied = [c for d in done for c in d["changes"]]
            module.fail_json(msg="cnil_fw_ufw: refusing to %s: it would cut the management connection(s) from %s to port %d. "
                                 "Add the address to cnil_mgmt_sources (or cnil_fw_allow) first.%s"
                                 % ("; ".join(changes), ", ".join(part_risk), params["guard_port"],
                                    " Already applied: %s." % "; ".join(applied) if applied else ""),
                             changed=bool(applied), parts=done, lockout_risk=part_risk,
                             state=public_state(current), analysis=analysis if current is first else analyse(current, management, allow))
        risk.extend(p for p in part_risk if p not in risk)
        if actions and not module.check_mode:
            apply(ufw, current, actions)
            after = ufw.read()
        entry = dict(part=part, title=PART_TITLES[part], changed=bool(actions), changes=changes)
        if module._diff and actions:
            entry["diff"] = {"before": render(current), "after": render(after),
                             "before_header": "ufw", "after_header": "ufw (%s)" % part}
        done.append(entry)
        current = after
    if risk:
        module.warn("a real run would cut the connection(s) from %s to port %d" % (", ".join(risk), params["guard_port"]))

    # Check mode returns the state read (the evidence is about the host as it is), a real run the state left.
    final = first if module.check_mode else current
    result = dict(changed=any(d["changed"] for d in done), changes=[c for d in done for c in d["changes"]],
                  parts=done, lockout_risk=risk, state=public_state(final),
                  analysis=analysis if final is first else analyse(final, management, allow))
    if module._diff and result["changed"]:
        result["diff"] = {"before": render(first), "after": render(current),
                          "before_header": "ufw", "after_header": "ufw (%s)" % ", ".join(parts)}
    module.exit_json(**result)


def main():
    run_module()


if __name__ == "__main__":
    main()
