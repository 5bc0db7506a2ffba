#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: password ageing of the human accounts (shadow fields) and of new accounts (login.defs)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_ageing
short_description: Give human accounts a maximum password age, exactly, without ever locking one
description:
  - A human account has a UID between C(UID_MIN) and C(UID_MAX) of C(login.defs), a login shell listed in
    C(/etc/shells) (not C(nologin) or C(false)), and a password that is not locked (C(!) or C(*)).
  - C(scope=all) covers every human account; C(scope=admins) only the members of C(admin_groups). The accounts of
    C(exempt), and the account that runs this module through sudo (C(SUDO_USER)), are never touched, so the
    automation cannot expire its own account.
  - A covered account without a maximum age, or with a longer one, gets C(max_days) (C(chage -M)). An account
    whose password is already older than its maximum (or of unknown age) is set to change at next login
    (C(chage -d 0)); it is never locked and its expiry date and inactivity period are never set.
  - With C(login_defs_max_days), C(PASS_MAX_DAYS) of C(login.defs) (new accounts) is set to that value.
  - Check mode is exact and writes nothing. The diff and the result show ageing fields only, never a password hash.
options:
  max_days:
    description: Maximum password age of the covered accounts, in days.
    type: int
    required: true
  scope:
    description: C(all) human accounts, or the C(admins) only.
    type: str
    choices: [all, admins]
    default: all
  admin_groups:
    description: Groups whose members are administrators.
    type: list
    elements: str
    default: [sudo]
  exempt:
    description: Accounts never touched (the management account).
    type: list
    elements: str
    default: []
  login_defs_max_days:
    description: Value of C(PASS_MAX_DAYS) in C(login.defs); omitted, the file is only read.
    type: int
  root:
    description: Root of C(/etc) (tests use a temporary tree; writes then go through C(chage --root)).
    type: path
    default: /
  today:
    description: Today as days since 1970-01-01 (tests); default the host's date.
    type: int
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-PWD-02 | maximum password age of the human accounts
  cnil_ageing:
    max_days: 365
    scope: all
    exempt: [cnil-admin]
    login_defs_max_days: 365
"""

RETURN = r"""
accounts:
  description: >-
    Every human account with C(name), C(uid), C(admin), C(covered) (C(yes), C(exempt), C(not in scope)),
    C(max_days), C(last_change) (ISO date, C(must change) or null), C(password_age_days) and C(compliant).
    The host as it is now: unchanged in check mode, converged otherwise. Never a hash.
  returned: always
  type: list
login_defs:
  description: C(PASS_MAX_DAYS), C(UID_MIN) and C(UID_MAX) as read from login.defs (after the change in a real run).
  returned: always
  type: dict
"""

import datetime
import os
import re
import time

from ansible.module_utils.basic import AnsibleModule

NO_SHELL = ("nologin", "false")
EPOCH = datetime.date(1970, 1, 1)


def read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def as_int(text):
    return int(text) if re.match(r"^-?\d+$", text or "") else None


def parse_login_defs(text):
    values = {}
    for line in (text or "").splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2:
            values[parts[0]] = parts[1]
    return values


def set_login_defs(text, key, value):
    """PASS_MAX_DAYS-style line set in place (first active line rewritten, later ones dropped) or appended."""
    out, done = [], False
    pattern = re.compile(r"^\s*%s\s+" % re.escape(key))
    for line in (text or "").splitlines():
        if pattern.match(line):
            if not done:
                out.append(line if line.split("#", 1)[0].split()[1:2] == [str(value)] else "%s\t%s" % (key, value))
                done = True
            continue
        out.append(line)
    if not done:
        out.append("%s\t%s" % (key, value))
    return "\n".join(out) + "\n"


def real_shells(text):
    shells = set()
    for line in (text or "").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and os.path.basename(line) not in NO_SHELL:
            shells.add(line)
    return shells


def admins(group_text, passwd, admin_groups):
    """Members of the admin groups, named in the group file or by their primary group."""
    names, gids = set(), set()
    for line in (group_text or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 4 and fields[0] in admin_groups:
            gids.add(fields[2])
            names |= {m for m in fields[3].split(",") if m}
    names |= {user["name"] for user in passwd if user["gid"] in gids}
    return names


def parse_passwd(text):
    users = []
    for line in (text or "").splitlines():
        fields = line.split(":")
        if len(fields) >= 7 and as_int(fields[2]) is not None:
            users.append({"name": fields[0], "uid": int(fields[2]), "gid": fields[3], "shell": fields[6]})
    return users


def parse_shadow(text):
    """name -> ageing fields; the password field only tells whether the password is locked, and is dropped."""
    entries = {}
    for line in (text or "").splitlines():
        fields = line.split(":")
        if len(fields) < 8:
            continue
        entries[fields[0]] = {
            "locked": fields[1].startswith(("!", "*")),
            "last_change": as_int(fields[2]),
            "max_days": as_int(fields[4]),
        }
    return entries


def humans(passwd, shadow, defs, shells):
    uid_min = as_int(defs.get("UID_MIN")) or 1000
    uid_max = as_int(defs.get("UID_MAX")) or 60000
    out = []
    for user in passwd:
        entry = shadow.get(user["name"])
        if uid_min <= user["uid"] <= uid_max and user["shell"] in shells and entry and not entry["locked"]:
            out.append(dict(user, **entry))
    return out


def plan_account(account, max_days, today):
    """(new max_days, must change at next login) for a covered account."""
    current = account["max_days"]
    new_max = max_days if current is None or current < 0 or current > max_days else current
    last = account["last_change"]
    if last == 0:
        return new_max, False  # already set to change at next login
    overdue = last is None or today - last > new_max
    return new_max, overdue


def describe(account, today):
    last = account["last_change"]
    if last is None:
        when = "unknown"
    elif last == 0:
        when = "must change at next login"
    else:
        when = (EPOCH + datetime.timedelta(days=last)).isoformat()
    return "%s: max_days=%s last_change=%s" % (account["name"], "none" if account["max_days"] is None else account["max_days"], when)


def report(account, covered, is_admin, max_days, today):
    last = account["last_change"]
    age = today - last if last not in (None, 0) else None
    compliant = None
    if covered == "yes":
        current = account["max_days"]
        compliant = (current is not None and 0 <= current <= max_days and last is not None
                     and (last == 0 or today - last <= current))
    return {
        "name": account["name"],
        "uid": account["uid"],
        "admin": is_admin,
        "covered": covered,
        "max_days": account["max_days"],
        "last_change": None if last is None else "must change" if last == 0 else (EPOCH + datetime.timedelta(days=last)).isoformat(),
        "password_age_days": age,
        "compliant": compliant,
    }


def state(root, params):
    etc = os.path.join(root, "etc")
    passwd = parse_passwd(read(os.path.join(etc, "passwd")))
    shadow = parse_shadow(read(os.path.join(etc, "shadow")))
    defs_text = read(os.path.join(etc, "login.defs"))
    defs = parse_login_defs(defs_text)
    people = humans(passwd, shadow, defs, real_shells(read(os.path.join(etc, "shells"))))
    admin_names = admins(read(os.path.join(etc, "group")), passwd, params["admin_groups"])
    return people, admin_names, defs_text, defs


def coverage(account, admin_names, params, exempt):
    if account["name"] in exempt:
        return "exempt"
    if params["scope"] == "all" or account["name"] in admin_names:
        return "yes"
    return "not in scope"


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            max_days=dict(type="int", required=True),
            scope=dict(type="str", choices=["all", "admins"], default="all"),
            admin_groups=dict(type="list", elements="str", default=["sudo"]),
            exempt=dict(type="list", elements="str", default=[]),
            login_defs_max_days=dict(type="int"),
            root=dict(type="path", default="/"),
            today=dict(type="int"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if p["max_days"] < 1:
        module.fail_json(msg="cnil_ageing: max_days must be at least 1 day")
    today = p["today"] if p["today"] is not None else int(time.time() // 86400)
    exempt = {name for name in p["exempt"] if name}
    if os.environ.get("SUDO_USER"):
        exempt.add(os.environ["SUDO_USER"])

    people, admin_names, defs_text, defs = state(p["root"], p)
    changes = []
    for account in people:
        if coverage(account, admin_names, p, exempt) != "yes":
            continue
        new_max, must_change = plan_account(account, p["max_days"], today)
        if new_max != account["max_days"] or must_change:
            after = dict(account, max_days=new_max, last_change=0 if must_change else account["last_change"])
            changes.append((account, new_max, must_change, describe(account, today), describe(after, today)))

    diffs = []
    if changes:
        diffs.append(dict(before_header="password ageing (shadow)", after_header="password ageing (shadow)",
                          before="".join(c[3] + "\n" for c in changes), after="".join(c[4] + "\n" for c in changes)))
    login_defs_path = os.path.join(p["root"], "etc", "login.defs")
    new_defs = None
    if p["login_defs_max_days"] is not None:
        new_defs = set_login_defs(defs_text, "PASS_MAX_DAYS", p["login_defs_max_days"])
        if new_defs != (defs_text or ""):
            diffs.append(dict(before_header=login_defs_path, after_header=login_defs_path, before=defs_text or "", after=new_defs))
        else:
            new_defs = None

    changed = bool(changes) or new_defs is not None
    if changed and not module.check_mode:
        chage = module.get_bin_path("chage", required=True)
        for account, new_max, must_change, _, _ in changes:
            cmd = [chage]
            if p["root"] != "/":
                cmd += ["--root", p["root"]]
            cmd += ["-M", str(new_max)] + (["-d", "0"] if must_change else []) + [account["name"]]
            rc, out, err = module.run_command(cmd, environ_update={"LC_ALL": "C"})
            if rc != 0:
                module.fail_json(msg="cnil_ageing: %s failed (rc=%d): %s" % (" ".join(cmd), rc, (err or out).strip()))
        if new_defs is not None:
            mode = os.stat(login_defs_path).st_mode & 0o7777 if os.path.exists(login_defs_path) else 0o644
            tmp = login_defs_path + ".cnil-tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(new_defs)
            os.chmod(tmp, mode)
            module.atomic_move(tmp, login_defs_path)
        people, admin_names, defs_text, defs = state(p["root"], p)

    accounts = []
    for account in people:
        covered = coverage(account, admin_names, p, exempt)
        accounts.append(report(account, covered, account["name"] in admin_names, p["max_days"], today))
    module.exit_json(changed=changed, accounts=accounts, exempt=sorted(exempt), diff=diffs,
                     login_defs={k: as_int(defs.get(k)) for k in ("PASS_MAX_DAYS", "UID_MIN", "UID_MAX")})


def main():
    run_module()


if __name__ == "__main__":
    main()
