#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: the entries of pam_oath's users file (/etc/users.oath), root-only, secrets never returned."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_auth_oath
short_description: One TOTP entry per user in pam_oath's users file, root-only, without ever returning a secret
description:
  - Makes C(path) hold exactly one C(HOTP/T30/<digits>) (TOTP, 30 s) entry per user of C(users), with the secret
    given, and no entry for anyone else. An entry whose secret is unchanged is kept as pam_oath left it (its
    counter and last used code, which stop a code from being used twice).
  - The file is owned by root, mode 0600, written atomically.
  - Secrets are base32 (as an authenticator app shows them) and written as hex (as pam_oath reads them). They are
    never returned, never in the diff (which names users only); the option is C(no_log). Call it with C(no_log).
  - In check mode nothing is written and C(changed) says exactly whether a real run would change the file.
  - Used by CNIL-AUTH-02 (one-time codes for declared staff).
options:
  users:
    description: User name to base32 secret.
    type: dict
    required: true
  path:
    description: The users file pam_oath reads (C(usersfile=)).
    type: path
    default: /etc/users.oath
  digits:
    description: Digits of a code.
    type: int
    default: 6
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-AUTH-02 | one-time code secrets in /etc/users.oath
  cnil_auth_oath:
    users: "{{ cnil_auth_otp_secrets }}"
  no_log: true
"""

RETURN = r"""
users:
  description: Users with an entry after the call (in check mode, what it would be).
  returned: always
  type: list
  elements: str
added:
  description: Users given an entry.
  returned: always
  type: list
  elements: str
rekeyed:
  description: Users whose entry had another secret or code format.
  returned: always
  type: list
  elements: str
removed:
  description: Users whose entry was removed.
  returned: always
  type: list
  elements: str
"""

import base64
import binascii
import os
import tempfile

from ansible.module_utils.basic import AnsibleModule

HEADER = "# Managed by cnil-cabinet (CNIL-AUTH-02). pam_oath records each code used on its user's line.\n"


def b32_to_hex(secret):
    """Base32 (any case, spaces and padding optional) to lower-case hex; ValueError when it is not base32."""
    text = "".join(str(secret).split()).upper()
    text += "=" * (-len(text) % 8)
    try:
        raw = base64.b32decode(text)
    except (binascii.Error, ValueError):
        raise ValueError("not a base32 secret") from None
    if len(raw) < 10:
        raise ValueError("secret shorter than 80 bits")
    return binascii.hexlify(raw).decode()


def plan(lines, wanted, token):
    """New file lines and (added, rekeyed, removed) for wanted = {user: hex secret}."""
    out, seen, added, rekeyed, removed = [], set(), [], [], []
    for line in lines:
        fields = line.split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) < 4:
            removed.append(fields[1] if len(fields) > 1 else "?")
            continue
        user = fields[1]
        if user not in wanted or user in seen:
            removed.append(user)
            continue
        seen.add(user)
        if fields[0] == token and fields[2] == "-" and fields[3].lower() == wanted[user]:
            out.append(line.rstrip("\n"))  # as pam_oath keeps it: counter and last code stay
        else:
            rekeyed.append(user)
            out.append("%s\t%s\t-\t%s" % (token, user, wanted[user]))
    for user in sorted(set(wanted) - seen):
        added.append(user)
        out.append("%s\t%s\t-\t%s" % (token, user, wanted[user]))
    return [HEADER.rstrip("\n")] + out, (added, rekeyed, sorted(removed))


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            users=dict(type="dict", required=True, no_log=True),
            path=dict(type="path", default="/etc/users.oath"),
            digits=dict(type="int", default=6, choices=[6, 7, 8]),
        ),
        supports_check_mode=True,
    )
    path, token = module.params["path"], "HOTP/T30/%d" % module.params["digits"]
    wanted = {}
    for user, secret in module.params["users"].items():
        try:
            wanted[str(user)] = b32_to_hex(secret)
        except ValueError as exc:
            module.fail_json(msg="cnil_auth_oath: the secret of %s is unusable (%s): re-enrol with bin/cnil enrol-otp" % (user, exc))
    try:
        with open(path, encoding="utf-8") as handle:
            current = handle.read()
        st = os.stat(path)
        perms_ok = st.st_uid == 0 and st.st_gid == 0 and (st.st_mode & 0o7777) == 0o600
    except FileNotFoundError:
        current, perms_ok = None, False
    lines, (added, rekeyed, removed) = plan((current or "").splitlines(), wanted, token)
    text = "\n".join(lines) + "\n"
    content_changed = current != text
    changed = content_changed or not perms_ok
    result = dict(changed=changed, users=sorted(wanted), added=added, rekeyed=rekeyed, removed=removed)
    if changed:
        # Names only: a diff of the file would print the secrets.
        before = "" if current is None else "users: %s\n" % ", ".join(sorted(set(wanted) - set(added) - set(rekeyed)) + removed + rekeyed)
        result["diff"] = dict(before_header=path, after_header=path, before=before,
                              after="users: %s (mode 0600, root)\n" % ", ".join(sorted(wanted)))
    if changed and not module.check_mode:
        if content_changed:
            fd, tmp = tempfile.mkstemp(prefix=".users.oath.", dir=os.path.dirname(path))
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.chown(tmp, 0, 0)
            os.chmod(tmp, 0o600)
            os.replace(tmp, path)  # same directory: atomic, and the secrets are never readable by others
        os.chown(path, 0, 0)
        os.chmod(path, 0o600)
    module.exit_json(**result)


def main():
    run_module()


if __name__ == "__main__":
    main()
