#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: a pam-auth-update profile, installed and enabled, in one check-mode-exact call."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_auth_pam_profile
short_description: Install a pam-auth-update profile and keep it enabled in the common-* PAM files
description:
  - Writes C(/usr/share/pam-configs/<name>) (mode 0644) and makes sure its lines are in the C(/etc/pam.d/common-*)
    files that pam-auth-update generates, running C(pam-auth-update --enable <name>) when they are not (first
    install, profile changed, or disabled by hand with C(pam-auth-update --disable)). The common-* files are never
    edited directly, so the profiles of other roles and packages keep their place, and the profile survives
    C(pam-auth-update --package).
  - In check mode nothing is written and C(changed) says exactly whether a real run would change something.
  - Fails when pam-auth-update leaves the lines out (a common-* file edited by hand makes it refuse to write).
options:
  name:
    description: Profile file name under C(/usr/share/pam-configs).
    type: str
    required: true
  content:
    description: The profile (pam-auth-update(8) format).
    type: str
    required: true
  root:
    description: Directory that holds C(usr/share/pam-configs) and C(etc/pam.d) (tests use a temporary one).
    type: path
    default: /
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-AUTH-02 | PAM asks the listed staff for a one-time code
  cnil_auth_pam_profile:
    name: cnil-otp
    content: "{{ lookup('ansible.builtin.template', 'cnil-otp.j2') }}"
"""

RETURN = r"""
profile_changed:
  description: The profile file was (or would be) written.
  returned: always
  type: bool
enabled:
  description: The profile's lines are in the common-* files after the call (in check mode, before it).
  returned: always
  type: bool
missing:
  description: PAM types (auth, account, ...) whose lines were missing before the call.
  returned: always
  type: list
  elements: str
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule

TYPES = {"Auth": "auth", "Account": "account", "Session": "session", "Password": "password"}


def profile_lines(content):
    """{pam type: [normalised lines]} of a pam-auth-update profile (the Auth:, Account:, ... blocks)."""
    blocks, current = {}, None
    for raw in content.splitlines():
        if raw[:1] in (" ", "\t"):
            if current and raw.strip():
                blocks.setdefault(current, []).append(" ".join(raw.split()))
            continue
        key = raw.split(":", 1)[0].strip()
        current = TYPES.get(key)  # Auth-Type:, Name:, ... end a block
    return blocks


def enabled_in(common, pam_type, lines):
    """True when the lines follow each other in a common-<type> file (pam-auth-update writes a profile's lines together)."""
    present = [" ".join(line.split()[1:]) for line in common.splitlines()
               if line.split()[:1] == [pam_type]]
    for start in range(len(present) - len(lines) + 1):
        if present[start:start + len(lines)] == lines:
            return True
    return not lines


def read(path):
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def missing_types(root, content):
    missing = []
    for pam_type, lines in sorted(profile_lines(content).items()):
        common = read(os.path.join(root, "etc", "pam.d", "common-" + pam_type)) or ""
        if pam_type == "session":  # pam-auth-update writes session lines to both session files
            common += read(os.path.join(root, "etc", "pam.d", "common-session-noninteractive")) or ""
        if not enabled_in(common, pam_type, lines):
            missing.append(pam_type)
    return missing


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            content=dict(type="str", required=True),
            root=dict(type="path", default="/"),
        ),
        supports_check_mode=True,
    )
    name, content, root = module.params["name"], module.params["content"], module.params["root"]
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", name):
        module.fail_json(msg="cnil_auth_pam_profile: '%s' must be a plain file name" % name)
    if not content.endswith("\n"):
        content += "\n"
    if not profile_lines(content):
        module.fail_json(msg="cnil_auth_pam_profile: the profile has no Auth:, Account:, Session: or Password: lines")
    path = os.path.join(root, "usr", "share", "pam-configs", name)
    before = read(path)
    profile_changed = before != content
    missing = missing_types(root, content)
    changed = profile_changed or bool(missing)
    result = dict(changed=changed, profile_changed=profile_changed, missing=missing, enabled=not missing and not profile_changed)
    diffs = []
    if profile_changed:
        diffs.append(dict(before_header=path, after_header=path, before=before or "", after=content))
    if missing:
        diffs.append(dict(before_header="pam-auth-update", after_header="pam-auth-update",
                          before="%s: not enabled in common-%s\n" % (name, ", common-".join(missing)),
                          after="%s: enabled\n" % name))
    result["diff"] = diffs
    if changed and not module.check_mode:
        if profile_changed:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            tmp = path + ".cnil-tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(content)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        rc, out, err = module.run_command([module.get_bin_path("pam-auth-update", required=True), "--enable", name],
                                          environ_update={"DEBIAN_FRONTEND": "noninteractive", "LC_ALL": "C"})
        if rc != 0:
            module.fail_json(msg="cnil_auth_pam_profile: pam-auth-update --enable %s failed (rc=%d): %s" % (name, rc, err.strip() or out.strip()), **result)
        still = missing_types(root, content)
        if still:
            module.fail_json(msg="cnil_auth_pam_profile: pam-auth-update left %s out of common-%s: a common-* file was probably edited "
                             "by hand (pam-auth-update then refuses to rewrite it; see pam-auth-update(8) --force)" % (name, ", common-".join(still)),
                             **result)
        result["enabled"] = True
    module.exit_json(**result)


def main():
    run_module()


if __name__ == "__main__":
    main()
