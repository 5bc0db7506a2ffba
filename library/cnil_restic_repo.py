#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: a restic repository exists (initialised once), and is never re-initialised or wiped."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_restic_repo
short_description: Initialise a restic repository once; never re-initialise or wipe one
description:
  - Looks for the repository with C(restic cat config --no-lock). When restic says that no repository
    exists at that location, runs C(restic init) (check mode only reports that it would). When one exists,
    changes nothing. restic itself refuses to C(init) over an existing repository, so even a race cannot
    overwrite one.
  - >-
    Any other answer is an error and nothing is initialised; the message says which. A repository that
    exists but does not open with the password file is reported as such ("wrong password"); a repository
    that cannot be reached (SSH, DNS, host key) too. The password itself is never read by this module:
    restic reads it from C(password_file), a root-only file.
  - >-
    Check mode is exact: C(changed) is true only when the repository does not exist yet.
options:
  repository:
    description: restic repository (C(sftp:user@host:/repo), C(rest:https://...), C(s3:...), a path).
    type: str
    required: true
  password_file:
    description: Root-only file holding the repository password (RESTIC_PASSWORD_FILE).
    type: path
    required: true
  sftp_command:
    description: Command restic runs to reach an SFTP repository (restic option C(sftp.command)).
    type: str
  credentials_file:
    description: Optional environment file with repository credentials (REST, S3), read like systemd does.
    type: path
  cache_dir:
    description: restic's cache directory (RESTIC_CACHE_DIR).
    type: path
  restic:
    description: The restic command.
    type: str
    default: restic
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-BKP-01 | restic repository initialised once
  cnil_restic_repo:
    repository: "sftp:cnilbkp-pc-accueil@backup.example.fr:/repo"
    password_file: /etc/cnil-backup/password
    sftp_command: ssh -F /etc/cnil-backup/ssh_config cnil-backup-target -s sftp
"""

RETURN = r"""
state:
  description: C(present) (found), C(created) (initialised by this run), C(absent) (check mode, would be
    initialised) or C(unknown) (check mode, restic or the password file is not installed yet).
  returned: always
  type: str
repository:
  description: The repository location without credentials.
  returned: always
  type: str
id:
  description: The repository id (from its config), when known.
  returned: when the repository exists
  type: str
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.cnil_restic import (classify_error, forget_secrets_of_caller, read_env_files, redact_url,
                                               restic_argv, restic_environment)


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            repository=dict(type="str", required=True),
            password_file=dict(type="path", required=True, no_log=False),
            sftp_command=dict(type="str"),
            credentials_file=dict(type="path"),
            cache_dir=dict(type="path"),
            restic=dict(type="str", default="restic"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    forget_secrets_of_caller()
    location = redact_url(p["repository"])
    result = {"changed": False, "repository": location, "state": "unknown"}
    if not p["repository"].strip():
        module.fail_json(msg="cnil_restic_repo: no repository given (cnil_bkp_repository is empty)", **result)

    restic = module.get_bin_path(p["restic"]) if not os.path.isabs(p["restic"]) else (p["restic"] if os.path.exists(p["restic"]) else None)
    missing = [what for what, ok in (("restic", restic), ("the password file %s" % p["password_file"], os.path.exists(p["password_file"])))
               if not ok]
    if missing:
        if module.check_mode:
            # Installed and written by the tasks before this one in a real run.
            result["changed"] = True
            module.exit_json(msg="%s not there yet: a real run would install it, then find or initialise "
                             "the repository" % " and ".join(missing), **result)
        module.fail_json(msg="cnil_restic_repo: %s missing" % " and ".join(missing), **result)

    credentials = {}
    if p["credentials_file"]:
        credentials, _ = read_env_files([p["credentials_file"]])
    env = restic_environment(p["repository"], p["password_file"], credentials, p["cache_dir"])

    def restic_run(*args):
        return module.run_command(restic_argv(restic, args, p["sftp_command"]), environ_update=env)

    rc, out, err = restic_run("cat", "config", "--no-lock")
    if rc == 0:
        try:
            result["id"] = json.loads(out).get("id")
        except (ValueError, AttributeError):
            result["id"] = None
        result["state"] = "present"
        module.exit_json(msg="repository %s exists" % location, **result)

    kind, message = classify_error(rc, err)
    if kind != "absent":
        # Never initialise what could not be positively seen as absent.
        hints = {
            "wrong_password": "cnil_bkp_password is not this repository's password. It was NOT re-initialised. Put the password the "
                              "repository was created with in the vault (or move the old repository away on the backup host by hand).",
            "unreachable": "the backup host could not be reached or refused this PC (network, SSH key, pinned host key "
                           "cnil_bkp_sftp_host_key).",
        }
        module.fail_json(msg="cnil_restic_repo: %s: %s. %s" % (location, message, hints.get(kind, "")), error_kind=kind, **result)

    result.update(changed=True, state="absent",
                  diff={"before": "repository %s: absent\n" % location, "after": "repository %s: initialised\n" % location})
    if module.check_mode:
        module.exit_json(msg="repository %s would be initialised" % location, **result)
    rc, out, err = restic_run("init")
    if rc != 0:
        kind, message = classify_error(rc, err)
        module.fail_json(msg="cnil_restic_repo: restic init of %s failed: %s" % (location, message), error_kind=kind, **result)
    rc, out, err = restic_run("cat", "config", "--no-lock")
    try:
        result["id"] = json.loads(out).get("id") if rc == 0 else None
    except (ValueError, AttributeError):
        result["id"] = None
    result["state"] = "created"
    module.exit_json(msg="repository %s initialised" % location, **result)


def main():
    run_module()


if __name__ == "__main__":
    main()
