#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: the exact member list of a local group, in one check-mode-exact call."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_acc_group_members
short_description: Make a local group's members exactly a given list
description:
  - Sets the supplementary members of an existing local group to exactly C(members) with C(gpasswd -M), which
    updates C(/etc/group) and C(/etc/gshadow) together. Members missing from the list are removed, listed
    accounts that are not members are added.
  - In check mode nothing is written and C(changed) says exactly whether a real run would change the group;
    the diff shows the member list before and after.
  - Refuses a member that is not a local account, and a group that does not exist unless C(create) is set.
  - >-
    Used by CNIL-ACC-01 (the C(sudo) group holds exactly the declared administrators). No builtin module sets
    a group's member list: C(ansible.builtin.user) works one account at a time and would create a missing one.
options:
  name:
    description: The group.
    type: str
    required: true
  members:
    description: Account names that must be the group's only supplementary members.
    type: list
    elements: str
    required: true
  create:
    description: Create the group (as a system group) when it does not exist, instead of failing.
    type: bool
    default: false
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-ACC-01 | sudo holds exactly the declared administrators
  cnil_acc_group_members:
    name: sudo
    members: [cnil-admin]
"""

RETURN = r"""
before:
  description: Members before the call.
  returned: always
  type: list
  elements: str
members:
  description: Members after the call (in check mode, what they would be).
  returned: always
  type: list
  elements: str
added:
  description: Accounts added (or that would be).
  returned: always
  type: list
  elements: str
removed:
  description: Accounts removed (or that would be).
  returned: always
  type: list
  elements: str
created:
  description: The group was (or would be) created.
  returned: always
  type: bool
"""

import grp
import pwd

from ansible.module_utils.basic import AnsibleModule


def plan(current, wanted):
    """(added, removed) to go from the current member list to the wanted one."""
    current, wanted = set(current), set(wanted)
    return sorted(wanted - current), sorted(current - wanted)


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            members=dict(type="list", elements="str", required=True),
            create=dict(type="bool", default=False),
        ),
        supports_check_mode=True,
    )
    name = module.params["name"]
    wanted = sorted(set(m.strip() for m in module.params["members"] if m.strip()))
    try:
        current, missing = sorted(set(grp.getgrnam(name).gr_mem)), False
    except KeyError:
        if not module.params["create"]:
            module.fail_json(msg="cnil_acc_group_members: the group '%s' does not exist" % name)
        current, missing = [], True
    unknown = []
    for member in wanted:
        try:
            pwd.getpwnam(member)
        except KeyError:
            unknown.append(member)
    if unknown:
        module.fail_json(msg="cnil_acc_group_members: no local account named %s: cannot add it to '%s'" % (", ".join(unknown), name))

    added, removed = plan(current, wanted)
    changed = bool(added or removed) or missing
    result = dict(changed=changed, before=current, members=wanted, added=added, removed=removed, created=missing)
    if changed:
        result["diff"] = dict(before_header="%s members" % name, after_header="%s members" % name,
                              before="(no group)\n" if missing else "".join(m + "\n" for m in current),
                              after="".join(m + "\n" for m in wanted))
    if missing and not module.check_mode:
        rc, out, err = module.run_command([module.get_bin_path("groupadd", required=True), "--system", name])
        if rc != 0:
            module.fail_json(msg="cnil_acc_group_members: groupadd %s failed (rc=%d): %s" % (name, rc, err.strip() or out.strip()), **result)
    if (added or removed) and not module.check_mode:
        rc, out, err = module.run_command([module.get_bin_path("gpasswd", required=True), "-M", ",".join(wanted), name],
                                          environ_update={"LC_ALL": "C"})
        if rc != 0:
            module.fail_json(msg="cnil_acc_group_members: gpasswd -M failed (rc=%d): %s" % (rc, err.strip() or out.strip()), **result)
    module.exit_json(**result)


def main():
    run_module()


if __name__ == "__main__":
    main()
