#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: systemd units brought to their wanted enablement and state in one module call."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_units
short_description: Bring several systemd units to their wanted enablement and state in one call
description:
  - Each unit of C(units) is enabled or disabled, and started, stopped or restarted, as asked; what is not asked
    is left alone. One module call replaces one C(ansible.builtin.systemd_service) task (or loop item) per unit,
    and the state of every unit is read with a single C(systemctl show) command.
  - In check mode nothing is run and C(changed) says exactly whether a real run would change something; C(actions)
    lists what would be done. With C(--diff), one line per unit, before and after.
  - The actions run in this order, and stop at the first failure (C(actions_done) then says what was done); the
    daemon reload first, then each unit in the order given, enablement first, then the start, stop or restart.
  - >-
    What counts as enabled (systemctl C(UnitFileState)): C(enabled), C(enabled-runtime) and C(alias) are enabled, and
    C(enabled: false) disables them. C(static), C(indirect), C(generated) and C(transient) units cannot be enabled or
    disabled (another unit, or a generator, pulls them in): wanting them enabled or disabled is nothing to do, list
    the unit that is really enabled (for C(pcscd.service), C(pcscd.socket)). C(disabled), C(linked) and
    C(linked-runtime) are not enabled, and C(enabled: true) enables them.
  - >-
    A masked unit is neither enabled nor startable: wanting it enabled, started or restarted fails, naming it (unmask
    it by hand if that is intended); wanting it disabled or stopped is done or nothing to do.
  - Running means C(ActiveState) active, activating, reloading or refreshing.
  - >-
    A unit systemd does not know (C(LoadState=not-found)) is an error naming it, except with C(absent_ok) (its absence
    is what is wanted) or, in check mode only, with C(pending) (an earlier task of the same run installs it).
requirements:
  - systemd (C(systemctl)) on the managed host.
notes:
  - A oneshot service without C(RemainAfterExit=yes) is inactive again once it has run, so C(state=started) starts
    it on every run; drive it with its timer instead.
options:
  units:
    description: The units, handled in this order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Full unit name, with its suffix (C(.service), C(.socket), C(.timer), C(.path), C(.mount) or C(.target)),
            such as C(clamav-freshclam.service) or C(apt-daily.timer).
          - A template needs its instance (C(getty@tty1.service)); globs and paths are refused.
        type: str
        required: true
      enabled:
        description:
          - Whether the unit starts at boot (C(systemctl enable) or C(disable)). Not set, enablement is left alone.
        type: bool
      state:
        description:
          - C(started) and C(stopped) start or stop the unit when it is not so already.
          - C(restarted) always restarts it (starting it if it is not running), so it is always a change.
          - Not set (or an empty string, for templated values), the unit's state is left alone.
        type: str
        choices: [started, stopped, restarted]
      absent_ok:
        description:
          - A unit systemd does not know is fine (no change, no error); for units that must be off where they exist,
            such as an updater that a later release no longer ships.
          - Only with C(enabled=false) and/or C(state=stopped); with C(enabled=true), C(state=started) or
            C(state=restarted) it is refused.
        type: bool
        default: false
      pending:
        description:
          - The unit is installed by an earlier task of the same run (its package, or its unit file written). In check
            mode that task did not run, so a unit systemd does not know yet is treated as a new unit, disabled and
            stopped, and what it would take (enable, start) is reported as a change.
          - >-
            Outside check mode, or without C(pending), a unit systemd does not know is an error. Set C(daemon_reload)
            when the unit file was written by the run: systemd only reads new unit files after a reload.
        type: bool
        default: false
      title:
        description:
          - What this unit (and the others of the same title) makes true, as a person would say it. When a unit has a
            title, the call returns C(parts), one per title in order of first use (a unit without one is its own part,
            named by its name), and the report names a changed part by its title after the task's name.
        type: str
  daemon_reload:
    description:
      - Run C(systemctl daemon-reload) before anything else (before the units are read), so that unit files written
        by earlier tasks are seen. Always a change; in check mode it is reported, not run.
    type: bool
    default: false
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-AV-01 | updater running, one-shot updaters off, daemon socket-activated
  cnil_units:
    units:
      - name: clamav-freshclam.service
        enabled: true
        state: started
        pending: true
      - name: clamav-freshclam-once.timer
        enabled: false
        state: stopped
        absent_ok: true
      - name: clamav-daemon.socket
        enabled: true
        pending: true

- name: CNIL-AV-01 | scheduled scan timer, restarted after its unit files changed
  cnil_units:
    daemon_reload: "{{ cnil_av_units is changed }}"
    units:
      - name: cnil-clamav-scan.timer
        enabled: true
        state: "{{ 'restarted' if cnil_av_units is changed else 'started' }}"
        pending: true

- name: CNIL-UPD-01 | apt timers enabled
  cnil_units:
    units:
      - {name: apt-daily.timer, enabled: true, state: started}
      - {name: apt-daily-upgrade.timer, enabled: true, state: started}
"""

RETURN = r"""
units:
  description: Each unit as read before any change, by the name given.
  returned: always
  type: dict
  contains:
    id:
      description: The unit's own name (differs from the name given for an alias, such as C(sshd.service)).
      type: str
    load:
      description: C(LoadState), such as C(loaded), C(not-found) or C(masked).
      type: str
    active:
      description: C(ActiveState), such as C(active), C(inactive) or C(failed).
      type: str
    sub:
      description: C(SubState), such as C(running), C(dead), C(waiting) or C(listening).
      type: str
    unit_file:
      description: C(UnitFileState), such as C(enabled), C(disabled), C(static) or C(masked); empty when unknown.
      type: str
    actions:
      description: What is (or, in check mode, would be) done to it, in order (enable, disable, start, stop, restart).
      type: list
      elements: str
  sample:
    pcscd.socket: {id: pcscd.socket, load: loaded, active: inactive, sub: dead, unit_file: disabled,
                   actions: [enable, start]}
actions:
  description: >-
    Everything done (or, in check mode, that would be done), in order, such as C(daemon-reload) or
    C(enable pcscd.socket).
  returned: always
  type: list
  elements: str
  sample: [daemon-reload, enable pcscd.socket, start pcscd.socket]
parts:
  description: When a unit has a C(title), one entry per title (C(title), C(changed), that part's C(diff)).
  returned: when a unit has a title
  type: list
  elements: dict
actions_done:
  description: What was really run (empty in check mode); on a failure, what was run before it.
  returned: always
  type: list
  elements: str
diff:
  description: One line per unit (enabled, active), before and after; with C(--diff) only.
  returned: when diff mode is on
  type: dict
  sample:
    before: "pcscd.socket: enabled=no active=no\n"
    after: "pcscd.socket: enabled=yes active=yes\n"
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.cnil_systemd import parse_show as parse_systemctl_show

SUFFIXES = (".service", ".socket", ".timer", ".path", ".mount", ".target")
STATES = ("started", "stopped", "restarted")
PROPERTIES = ("Id", "LoadState", "ActiveState", "UnitFileState", "SubState")

# UnitFileState, as systemctl(1) defines it, mapped to what this module does (the same split as the exit code of
# `systemctl is-enabled`, except that static-like units are neither enabled nor disabled here):
# - ENABLED: enabled (and in /run only, or as the alias of an enabled unit). `enabled: false` disables it.
#   An enabled-runtime unit is rare on these PCs; `systemctl disable` may leave its /run link, so it is counted
#   as enabled all the same, and disabling it is left to systemctl.
# - CANNOT_ENABLE: no [Install] section (static), enabled through another unit (indirect: Also=, a template's
#   DefaultInstance), made by a generator (generated: fstab mounts) or created at run time (transient).
#   `systemctl enable`/`disable` would do nothing (or act on other units), so wanting either is nothing to do.
# - MASKED: linked to /dev/null. Neither enabled nor startable: wanting it enabled, started or restarted is an
#   error (unmasking is a decision for a person); wanting it disabled is nothing to do.
# - anything else (disabled, linked, linked-runtime, bad, ''): not enabled; `enabled: true` enables it, and
#   systemctl's own error tells what is wrong when it cannot.
ENABLED = frozenset(("enabled", "enabled-runtime", "alias"))
CANNOT_ENABLE = frozenset(("static", "indirect", "generated", "transient"))
MASKED = frozenset(("masked", "masked-runtime"))
# ActiveState of a running unit (refreshing: systemd 256+, an active unit reloading its mount images).
RUNNING = frozenset(("active", "activating", "reloading", "refreshing"))
# LoadState of a unit systemd found but cannot use (a broken unit file).
BROKEN = frozenset(("error", "bad-setting"))


class Refused(Exception):
    """A unit cannot be brought to what is wanted; the message names it and says why."""


def validate(module, specs):
    """Every unit's input is checked before the first command runs."""
    names = [spec["name"] for spec in specs]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        module.fail_json(msg="cnil_units: a unit is listed twice: %s" % ", ".join(twice))
    for spec in specs:
        name = spec["name"]
        if spec["state"] == "":
            spec["state"] = None  # templated "{{ 'started' if x else '' }}": leave alone
        if not name.endswith(SUFFIXES) or any(name == suffix for suffix in SUFFIXES):
            module.fail_json(msg="cnil_units: '%s' is not a full unit name: give it with its suffix (%s)"
                                 % (name, ", ".join(SUFFIXES)))
        if any(char in name for char in "/*?[] \t\n\\") or name.startswith("-"):
            module.fail_json(msg="cnil_units: '%s' is not a unit name (no paths, globs or spaces)" % name)
        if "@." in name:
            module.fail_json(msg="cnil_units: '%s' is a template: give the instance (such as getty@tty1.service)" % name)
        if spec["state"] is not None and spec["state"] not in STATES:
            module.fail_json(msg="cnil_units: state '%s' of %s is not one of %s" % (spec["state"], name, ", ".join(STATES)))
        if spec["absent_ok"] and (spec["enabled"] or spec["state"] in ("started", "restarted")):
            module.fail_json(msg="cnil_units: absent_ok on %s, which is wanted enabled or running: its absence cannot be "
                                 "fine (absent_ok only goes with enabled: false and state: stopped)" % name)


def parse_show(out):
    """`systemctl show` output: one block per unit, in the order the units were given. Only once-printed properties
    are asked for, so a key seen twice also starts a new block, in case a blank line is missing."""
    return parse_systemctl_show(out, split_on_repeated_key=True)


def unit_state(block):
    return {"id": block.get("Id", ""), "load": block.get("LoadState", ""), "active": block.get("ActiveState", ""),
            "sub": block.get("SubState", ""), "unit_file": block.get("UnitFileState", "")}


def plan(spec, state, check_mode, daemon_reload):
    """The actions (enable, disable, start, stop, restart) that bring one unit to what is wanted, in order; raises
    Refused when it cannot be."""
    name, want_enabled, want_state = spec["name"], spec["enabled"], spec["state"]
    load, unit_file = state["load"], state["unit_file"]
    wants_up = want_enabled is True or want_state in ("started", "restarted")
    if load == "not-found":
        if spec["absent_ok"]:
            return []
        if not (spec["pending"] and check_mode):
            hint = ("set daemon_reload: true if an earlier task wrote its unit file" if spec["pending"] and not daemon_reload
                    else "install the package that provides it, or set absent_ok: true if its absence is fine")
            raise Refused("cnil_units: systemd knows no unit %s (LoadState=not-found): %s" % (name, hint))
        # Check mode, installed by an earlier task that did not run: a new unit file is disabled and stopped.
        state = dict(state, unit_file="disabled", active="inactive")
        unit_file = "disabled"
    elif load == "masked" or unit_file in MASKED:
        if wants_up:
            raise Refused("cnil_units: %s is masked (systemctl unmask %s by hand if intended): it cannot be %s"
                          % (name, name, "enabled" if want_enabled else "started"))
    elif load in BROKEN:
        if wants_up:
            raise Refused("cnil_units: systemd cannot load %s (LoadState=%s): check its unit file with "
                          "'systemd-analyze verify %s'" % (name, load, name))
    actions = []
    if want_enabled is True and unit_file not in ENABLED | CANNOT_ENABLE | MASKED:
        actions.append("enable")
    elif want_enabled is False and unit_file in ENABLED:
        actions.append("disable")
    running = state["active"] in RUNNING
    if want_state == "restarted":
        actions.append("restart")
    elif want_state == "started" and not running:
        actions.append("start")
    elif want_state == "stopped" and running:
        actions.append("stop")
    return actions


def describe(name, state, actions=()):
    """One line for --diff: the unit's enablement and activity, after the actions given."""
    if state["load"] == "not-found" and not actions:
        return "%s: not installed\n" % name
    unit_file = "disabled" if state["load"] == "not-found" else state["unit_file"]
    if unit_file in ENABLED:
        enabled = "yes"
    elif unit_file in CANNOT_ENABLE | MASKED or unit_file == "bad":
        enabled = unit_file
    else:
        enabled = "no"
    active = "yes" if state["active"] in RUNNING else "no"
    for action in actions:
        if action in ("enable", "disable"):
            enabled = "yes" if action == "enable" else "no"
        else:
            active = "no" if action == "stop" else "yes"
    return "%s: enabled=%s active=%s%s\n" % (name, enabled, active, " (restarted)" if "restart" in actions else "")


def main():
    module = AnsibleModule(
        argument_spec=dict(
            units=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                enabled=dict(type="bool"),
                # choices are checked by validate(), so that the message names the unit
                state=dict(type="str"),
                absent_ok=dict(type="bool", default=False),
                pending=dict(type="bool", default=False),
                title=dict(type="str"),
            )),
            daemon_reload=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    module.run_command_environ_update = {"LANG": "C", "LC_ALL": "C"}
    specs = module.params["units"]
    daemon_reload = module.params["daemon_reload"]
    validate(module, specs)
    systemctl = module.get_bin_path("systemctl")
    if not systemctl:
        module.fail_json(msg="systemctl not found: cnil_units needs systemd")

    planned, done, units = [], [], {}

    def fail(msg, **extra):
        module.fail_json(msg=msg, changed=bool(done), actions=planned, actions_done=done, units=units, **extra)

    def run(argv, action):
        rc, out, err = module.run_command([systemctl] + argv)
        if rc != 0:
            fail("cnil_units: systemctl %s failed (rc=%d): %s" % (action, rc, (err or out).strip() or "no message"), rc=rc)
        return out

    if daemon_reload:
        planned.append("daemon-reload")
        if not module.check_mode:
            run(["daemon-reload"], "daemon-reload")
            done.append("daemon-reload")

    names = [spec["name"] for spec in specs]
    states = []
    if names:
        argv = ["show", "--no-pager", "--property=" + ",".join(PROPERTIES), "--"] + names
        blocks = parse_show(run(argv, "show " + " ".join(names)))
        if len(blocks) != len(names):
            fail("cnil_units: systemctl show gave %d unit(s) for the %d asked (%s): cannot tell which is which"
                 % (len(blocks), len(names), ", ".join(names)))
        states = [unit_state(block) for block in blocks]

    refusals = []
    for spec, state in zip(specs, states):
        try:
            actions = plan(spec, state, module.check_mode, daemon_reload)
        except Refused as exc:
            refusals.append(str(exc))
            actions = []
        units[spec["name"]] = dict(state, actions=actions)
        planned += ["%s %s" % (action, spec["name"]) for action in actions]
    if refusals:
        # Nothing is done to any unit when one of them cannot be brought to what is wanted.
        fail("; ".join(refusals))

    if not module.check_mode:
        for spec in specs:
            for action in units[spec["name"]]["actions"]:
                run([action, "--", spec["name"]], "%s %s" % (action, spec["name"]))
                done.append("%s %s" % (action, spec["name"]))

    result = dict(changed=bool(planned), units=units, actions=planned, actions_done=done)
    if module._diff:
        result["diff"] = diff_of(list(zip(specs, states)), units)
    if any(spec["title"] for spec in specs):
        result["parts"] = parts_of(list(zip(specs, states)), units)
    module.exit_json(**result)


def diff_of(pairs, units):
    return {"before": "".join(describe(spec["name"], state) for spec, state in pairs),
            "after": "".join(describe(spec["name"], state, units[spec["name"]]["actions"]) for spec, state in pairs)}


def parts_of(pairs, units):
    """One part per title, in order of first use: the units of a part and whether any of them changes."""
    groups = {}
    for spec, state in pairs:
        groups.setdefault(spec["title"] or spec["name"], []).append((spec, state))
    return [{"title": title, "changed": any(units[spec["name"]]["actions"] for spec, _ in members),
             "diff": diff_of(members, units)} for title, members in groups.items()]


if __name__ == "__main__":
    main()
