#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
# Documentation of the PowerShell module win_cnil_restic_repo.ps1 (as Ansible's Windows modules do).

DOCUMENTATION = r"""
---
module: win_cnil_restic_repo
short_description: Initialise a Windows PC's restic repository once; never re-initialise or wipe one
description:
  - Windows side of C(cnil_restic_repo) (CNIL-BKP-01), same contract. Reads the repository, the password file,
    restic's path, cache and SFTP command from the settings file the C(cnil_bkp) role writes (root-only), so a
    password that a REST URL may carry is never a module argument.
  - Looks for the repository with C(restic cat config --no-lock). When restic says that no repository exists at
    that location, runs C(restic init) (check mode only reports that it would). When one exists, changes nothing.
  - >-
    Any other answer is an error and nothing is initialised; the message says which. A repository that exists but
    does not open with the password file is reported as such ("wrong password", NOT re-initialised); one that
    cannot be reached (SSH, DNS, host key) too. The decision mirrors C(classify_error) of
    module_utils/cnil_restic.py (the markers are compared by tests/unit/test_cnil_bkp_windows.py).
  - restic.exe runs only when its SHA-256 is I(restic_sha256) (the contractor's pinned file). The password is
    never read by this module; restic reads it from C(RESTIC_PASSWORD_FILE). C(RESTIC_PASSWORD) and
    C(RESTIC_PASSWORD_COMMAND) are removed from restic's environment.
  - Check mode is exact. Before the settings, restic.exe or the password file are on the PC, check mode reports a
    change (a real run writes them first) and a real run fails.
  - Never run on a real Windows host by the project's CI (no Windows host there); see docs/windows.md.
options:
  settings:
    description: The settings file written by the role (C(settings.json) in the backup folder).
    type: path
    required: true
  restic_sha256:
    description: The pinned SHA-256 of restic.exe (C(cnil_bkp_win_restic_sha256)).
    type: str
    required: true
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-BKP-01 | restic repository initialised once, never re-initialised
  win_cnil_restic_repo:
    settings: C:\ProgramData\cnil-cabinet\backup\settings.json
    restic_sha256: "{{ cnil_bkp_win_restic_sha256 }}"
  become: true
  become_method: ansible.builtin.runas
  become_user: SYSTEM
"""

RETURN = r"""
state:
  description: C(present) (found), C(created) (initialised by this run), C(absent) (check mode, would be
    initialised) or C(unknown) (check mode, the settings, restic.exe or the password file are not there yet).
  returned: always
  type: str
repository:
  description: The repository location without credentials.
  returned: when the settings file is there
  type: str
id:
  description: The repository id (from its config), when known.
  returned: when the repository exists
  type: str
error_kind:
  description: Why restic could not open the repository (wrong_password, unreachable, locked, error).
  returned: on failure after restic ran
  type: str
"""
