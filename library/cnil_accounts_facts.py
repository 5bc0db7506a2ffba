#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: read-only account facts for CNIL-ACC-01 (passwd, shadow, group, login.defs, display managers)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_accounts_facts
short_description: Read the local accounts, the admin group and the automatic-logon settings, never a secret
description:
  - Parses C(/etc/passwd), C(/etc/shadow), C(/etc/group) and C(/etc/login.defs) and returns every account with
    what CNIL-ACC-01 needs to judge it. Password hashes are never returned, only the state of the password field
    (C(set), C(locked), C(empty)).
  - An account is a B(human) account when its UID is at least C(UID_MIN) of C(login.defs) and it has a login
    shell (not C(nologin), C(false) or C(sync)). It is B(enabled) when its password is neither locked (C(!), C(*))
    nor its account expired (shadow expiry date reached).
  - Reads the automatic-logon settings of the display managers from their configuration files (GDM
    C(AutomaticLoginEnable)/C(TimedLoginEnable) in C([daemon]), LightDM C(autologin-user)/C(autologin-guest),
    SDDM C(User) in C([Autologin])), and lists which of these files exist.
  - Changes nothing, in check mode or not.
options:
  admin_group:
    description: Name of the administrators' group (C(sudo) on Debian).
    type: str
    required: true
  root:
    description: Directory that holds C(etc/) (tests use a temporary one).
    type: path
    default: /
  gdm_confs:
    description: GDM configuration files (Debian reads C(daemon.conf), Ubuntu C(custom.conf)).
    type: list
    elements: path
    default: [/etc/gdm3/daemon.conf, /etc/gdm3/custom.conf]
  lightdm_confs:
    description: LightDM configuration file and drop-in directory (every C(*.conf) in it).
    type: list
    elements: path
    default: [/etc/lightdm/lightdm.conf, /etc/lightdm/lightdm.conf.d]
  sddm_confs:
    description: SDDM configuration file and drop-in directory (every C(*.conf) in it).
    type: list
    elements: path
    default: [/etc/sddm.conf, /etc/sddm.conf.d]
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-ACC-01 | read accounts, admin group and automatic logon
  cnil_accounts_facts:
    admin_group: sudo
  register: cnil_acc_facts
"""

RETURN = r"""
uid_min:
  description: C(UID_MIN) of C(login.defs) (1000 when absent).
  returned: always
  type: int
accounts:
  description: Every account, in C(/etc/passwd) order. C(password) is C(set), C(locked), C(empty) or C(missing)
    (no shadow entry); never the hash.
  returned: always
  type: list
  elements: dict
  sample: [{name: mdupont, uid: 1001, shell: /bin/bash, login_shell: true, password: set, expired: false,
            human: true, enabled: true, groups: [sudo]}]
human_enabled:
  description: Names of the enabled human accounts.
  returned: always
  type: list
  elements: str
empty_password:
  description: Names of the accounts whose password field is empty (anyone can log in without a password).
  returned: always
  type: list
  elements: str
admin_group:
  description: The admin group; C(members) are its supplementary members, C(primary) the accounts whose primary
    group it is (they are administrators too).
  returned: always
  type: dict
  sample: {name: sudo, exists: true, gid: 27, members: [cnil-admin], primary: []}
display_managers:
  description: Per display manager (gdm, lightdm, sddm), the configuration files that exist and the
    automatic-logon settings found in them (C(active) true when the setting turns automatic logon on).
  returned: always
  type: dict
  sample: {gdm: {files: [/etc/gdm3/daemon.conf], autologin: [{file: /etc/gdm3/daemon.conf, section: daemon,
           key: AutomaticLoginEnable, value: "true", active: true,
           text: "/etc/gdm3/daemon.conf [daemon] AutomaticLoginEnable=true"}]}}
"""

import os
import time

from ansible.module_utils.basic import AnsibleModule

NO_LOGIN_SHELLS = ("nologin", "false", "sync")
TRUE_WORDS = ("true", "yes", "1", "on")


def read_lines(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return handle.read().splitlines()
    except FileNotFoundError:
        return []


def parse_login_defs(lines):
    """{KEY: value} of login.defs (comments and blank lines ignored)."""
    values = {}
    for line in lines:
        parts = line.split()
        if len(parts) >= 2 and not parts[0].startswith("#"):
            values[parts[0]] = parts[1]
    return values


def parse_colon_file(lines, fields):
    """Rows of a colon-separated file (passwd, shadow, group) as dicts; short rows are padded."""
    rows = []
    for line in lines:
        if not line.strip() or line.startswith(("#", "+", "-")):
            continue
        parts = line.split(":")
        parts += [""] * (len(fields) - len(parts))
        rows.append(dict(zip(fields, parts)))
    return rows


def password_state(field):
    """State of a shadow (or passwd) password field, never the hash itself."""
    if field is None:
        return "missing"
    if field == "":
        return "empty"
    if field.startswith(("!", "*")):
        return "locked"
    return "set"


def is_expired(expire_field, today_days):
    try:
        return int(expire_field) <= today_days
    except (TypeError, ValueError):
        return False


def has_login_shell(shell):
    return bool(shell) and os.path.basename(shell) not in NO_LOGIN_SHELLS


def account_facts(passwd, shadow, group, uid_min, admin_group, today_days):
    """The accounts, the enabled human ones, the empty-password ones and the admin group, from parsed files."""
    shadow_by_name = {row["name"]: row for row in shadow}
    groups_of = {}
    admin = {"name": admin_group, "exists": False, "gid": None, "members": [], "primary": []}
    for row in group:
        members = [m for m in row["members"].split(",") if m]
        for member in members:
            groups_of.setdefault(member, []).append(row["name"])
        if row["name"] == admin_group:
            admin.update(exists=True, gid=int(row["gid"]) if row["gid"].isdigit() else None, members=sorted(members))
    accounts = []
    for row in passwd:
        name = row["name"]
        uid = int(row["uid"]) if row["uid"].isdigit() else -1
        gid = int(row["gid"]) if row["gid"].isdigit() else -1
        entry = shadow_by_name.get(name)
        # A passwd field other than "x" is the password itself (no shadow entry used).
        field = entry["password"] if entry is not None and row["password"] == "x" else (
            row["password"] if row["password"] != "x" else None)
        state = password_state(field)
        expired = is_expired(entry["expire"], today_days) if entry is not None else False
        human = uid >= uid_min and has_login_shell(row["shell"])
        accounts.append({
            "name": name, "uid": uid, "gid": gid, "shell": row["shell"], "login_shell": has_login_shell(row["shell"]),
            "password": state, "expired": expired, "human": human,
            "enabled": state in ("set", "empty") and not expired,
            "groups": sorted(groups_of.get(name, [])),
        })
        if admin["exists"] and gid == admin["gid"]:
            admin["primary"].append(name)
    return {
        "accounts": accounts,
        "human_enabled": [a["name"] for a in accounts if a["human"] and a["enabled"]],
        "empty_password": [a["name"] for a in accounts if a["password"] == "empty"],
        "admin_group": admin,
    }


def parse_ini(lines):
    """(section, key, value) of an INI/keyfile text; keys before any section have section ''."""
    section, out = "", []
    for raw in lines:
        line = raw.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
            continue
        if "=" in line:
            key, value = line.split("=", 1)
            out.append((section, key.strip(), value.strip()))
    return out


def autologin_settings(dm, path, lines):
    """The automatic-logon settings of one configuration file, each with whether it turns autologin on."""
    found = []
    for section, key, value in parse_ini(lines):
        if dm == "gdm" and section == "daemon" and key in ("AutomaticLoginEnable", "TimedLoginEnable"):
            active = value.lower() in TRUE_WORDS
        elif dm == "lightdm" and key == "autologin-user":
            active = value != ""
        elif dm == "lightdm" and key == "autologin-guest":
            active = value.lower() in TRUE_WORDS
        elif dm == "sddm" and section == "Autologin" and key == "User":
            active = value != ""
        else:
            continue
        found.append({"file": path, "section": section, "key": key, "value": value, "active": active,
                      "text": "%s [%s] %s=%s" % (path, section, key, value)})
    return found


def config_files(root, paths):
    """The files that exist among `paths`: a directory stands for its *.conf files, in name order."""
    files = []
    for path in paths:
        full = os.path.join(root, path.lstrip("/"))
        if os.path.isdir(full):
            files += [os.path.join(path, n) for n in sorted(os.listdir(full))
                      if n.endswith(".conf") and os.path.isfile(os.path.join(full, n))]
        elif os.path.isfile(full):
            files.append(path)
    return files


def display_managers(root, confs):
    result = {}
    for dm, paths in confs.items():
        files = config_files(root, paths)
        settings = []
        for path in files:
            settings += autologin_settings(dm, path, read_lines(os.path.join(root, path.lstrip("/"))))
        result[dm] = {"files": files, "autologin": settings}
    return result


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            admin_group=dict(type="str", required=True),
            root=dict(type="path", default="/"),
            gdm_confs=dict(type="list", elements="path", default=["/etc/gdm3/daemon.conf", "/etc/gdm3/custom.conf"]),
            lightdm_confs=dict(type="list", elements="path", default=["/etc/lightdm/lightdm.conf", "/etc/lightdm/lightdm.conf.d"]),
            sddm_confs=dict(type="list", elements="path", default=["/etc/sddm.conf", "/etc/sddm.conf.d"]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    etc = os.path.join(p["root"], "etc")
    defs = parse_login_defs(read_lines(os.path.join(etc, "login.defs")))
    try:
        uid_min = int(defs.get("UID_MIN", 1000))
    except ValueError:
        uid_min = 1000
    if not os.access(os.path.join(etc, "shadow"), os.R_OK) and os.path.exists(os.path.join(etc, "shadow")):
        module.fail_json(msg="cnil_accounts_facts: cannot read %s/shadow: run with become" % etc)
    facts = account_facts(
        parse_colon_file(read_lines(os.path.join(etc, "passwd")), ("name", "password", "uid", "gid", "gecos", "home", "shell")),
        parse_colon_file(read_lines(os.path.join(etc, "shadow")),
                         ("name", "password", "changed", "min", "max", "warn", "inactive", "expire", "reserved")),
        parse_colon_file(read_lines(os.path.join(etc, "group")), ("name", "password", "gid", "members")),
        uid_min, p["admin_group"], int(time.time() // 86400))
    dms = display_managers(p["root"], {"gdm": p["gdm_confs"], "lightdm": p["lightdm_confs"], "sddm": p["sddm_confs"]})
    module.exit_json(changed=False, uid_min=uid_min, display_managers=dms, **facts)


def main():
    run_module()


if __name__ == "__main__":
    main()
