#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: prove that a PAM stack still lets the right people in, with pamtester and a canary account."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_pam_check
short_description: Check a changed PAM stack with pamtester before trusting it
description:
  - >-
    PAM has no validator: a broken line in C(/etc/pam.d/common-*) can lock everybody out. After a change, this
    module creates a temporary canary account (system UID, no home, C(nologin) shell), gives it a random password
    that meets the password policy (set through C(chpasswd), so through the password stack), then with
    C(pamtester) checks that the right password authenticates, that a wrong one does not, and that the
    management account passes account management (C(acct_mgmt)). The canary is always removed.
  - >-
    Fails, naming the step, when any of this does not hold: the caller restores the previous files.
  - Changes nothing in check mode (nothing was changed to check). A real run leaves the host as it found it
    and reports C(changed=false).
options:
  service:
    description: PAM service used by pamtester (C(other) reads the four common-* files on Debian).
    type: str
    default: other
  mgmt_user:
    description: The management account, checked with C(acct_mgmt); skipped when it does not exist on the host.
    type: str
    required: true
  canary:
    description: Name of the temporary account.
    type: str
    default: cnil-pam-canary
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-PWD-01 | the changed PAM stack still authenticates
  cnil_pam_check:
    mgmt_user: cnil-admin
"""

RETURN = r"""
checks:
  description: Each step and whether it passed.
  returned: always
  type: list
"""

import os
import pwd
import secrets
import string

from ansible.module_utils.basic import AnsibleModule

CLASSES = (string.ascii_lowercase, string.ascii_uppercase, string.digits, "#%+,-.:=@_")


def random_password(length=24):
    """Random, every class several times, no character twice in a row: meets any sane pwquality policy."""
    while True:
        chars = [secrets.choice(CLASSES[i % len(CLASSES)]) for i in range(length)]
        secrets.SystemRandom().shuffle(chars)
        if all(a != b for a, b in zip(chars, chars[1:])):
            return "".join(chars)


def exists(name):
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            service=dict(type="str", default="other"),
            mgmt_user=dict(type="str", required=True),
            canary=dict(type="str", default="cnil-pam-canary"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    if module.check_mode:
        module.exit_json(changed=False, checks=[], msg="check mode: nothing was changed, nothing to check")
    pamtester = module.get_bin_path("pamtester", required=True)
    env = {"LC_ALL": "C"}
    checks = []

    def step(name, ok, detail=""):
        checks.append({"step": name, "ok": ok})
        if not ok:
            module.fail_json(msg="PAM check failed: %s. %s" % (name, detail.strip()), checks=checks)

    def cleanup():
        if exists(p["canary"]):
            module.run_command([module.get_bin_path("userdel", required=True), p["canary"]], environ_update=env)
        for folder in ("/run/faillock", "/var/run/faillock"):
            tally = os.path.join(folder, p["canary"])
            if os.path.exists(tally):
                os.remove(tally)

    cleanup()  # a canary left by an interrupted run
    try:
        rc, out, err = module.run_command([module.get_bin_path("useradd", required=True), "--system", "--no-create-home",
                                           "--shell", "/usr/sbin/nologin", "--comment", "cnil-cabinet PAM check",
                                           p["canary"]], environ_update=env)
        step("create the canary account", rc == 0, err or out)
        password = random_password()
        rc, out, err = module.run_command([module.get_bin_path("chpasswd", required=True)],
                                          data="%s:%s" % (p["canary"], password), environ_update=env)
        step("set a policy-compliant password through the password stack (chpasswd)", rc == 0, err or out)
        rc, out, err = module.run_command([pamtester, p["service"], p["canary"], "authenticate"],
                                          data=password, environ_update=env)
        step("the right password authenticates (pamtester %s authenticate)" % p["service"], rc == 0, err or out)
        rc, out, err = module.run_command([pamtester, p["service"], p["canary"], "authenticate"],
                                          data=random_password(), environ_update=env)
        step("a wrong password is refused", rc != 0, "pamtester accepted a wrong password: the stack lets anybody in")
        if exists(p["mgmt_user"]):
            rc, out, err = module.run_command([pamtester, p["service"], p["mgmt_user"], "acct_mgmt"], environ_update=env)
            step("the management account %s passes account management (acct_mgmt)" % p["mgmt_user"], rc == 0, err or out)
    finally:
        cleanup()
    module.exit_json(changed=False, checks=checks)


def main():
    run_module()


if __name__ == "__main__":
    main()
