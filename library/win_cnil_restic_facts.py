#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
# Documentation of the PowerShell module win_cnil_restic_facts.ps1 (as Ansible's Windows modules do).

DOCUMENTATION = r"""
---
module: win_cnil_restic_facts
short_description: State of a Windows PC's restic backups (read-only)
description:
  - >-
    Windows side of C(cnil_restic_facts) (CNIL-BKP-01). Reads restic.exe (present, SHA-256, C(restic version)),
    the settings file the C(cnil_bkp) role writes (repository without any password, host, tag, paths, retention),
    which backup files are there, the owner, protection and access rules (by SID) of the backup folder and of
    everything directly in it, the snapshots of this PC (C(restic snapshots --json --no-lock --tag --host), so
    nothing is locked or written), the records of cnil-backup.ps1 (last-backup.json, check.json,
    restore-test.json) and the scheduled tasks (state, principal, triggers, last and next run, last result).
  - restic.exe runs only when its SHA-256 is I(restic_sha256). The password is never read by this module.
  - Changes nothing; runs in check mode; never reports a change.
  - What the values mean is decided on the controller by the C(cnil_win_backup_checks) filter
    (plugins/filter/cnil_bkp.py), unit-tested there; restic's errors are classified there too. Times are
    ISO 8601 UTC; C(now) is the PC's clock, against which every age is measured.
  - Never run on a real Windows host by the project's CI (no Windows host there); see docs/windows.md.
options:
  settings:
    description: The settings file written by the role (C(settings.json) in the backup folder); its folder is the backup folder.
    type: path
    required: true
  restic_sha256:
    description: The pinned SHA-256 of restic.exe (C(cnil_bkp_win_restic_sha256)); restic is not run without a match.
    type: str
    default: ""
  task_path:
    description: Task Scheduler folder of the backup tasks.
    type: str
    default: \cnil-cabinet\
  task_names:
    description: Names of the scheduled tasks to read.
    type: list
    elements: str
    default: [cnil-backup, cnil-backup-verify]
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-BKP-01 | read the backup state
  win_cnil_restic_facts:
    settings: C:\ProgramData\cnil-cabinet\backup\settings.json
    restic_sha256: "{{ cnil_bkp_win_restic_sha256 }}"
  become: true
  become_method: ansible.builtin.runas
  become_user: SYSTEM
  register: cnil_bkp_win_state
"""

RETURN = r"""
now:
  description: The PC's clock, UTC.
  returned: always
  type: str
edition:
  description: EditionID and CurrentBuild (judged with cnil_win_edition).
  returned: always
  type: dict
settings:
  description: present, error, and when present repository (without password), host, tag, paths, keep_daily, keep_weekly, keep_monthly.
  returned: always
  type: dict
files:
  description: Which backup files exist (password, credentials, ssh_key, known_hosts, ssh_config, script).
  returned: always
  type: dict
restic:
  description: path, present, sha256, and version (only when the SHA-256 is the pinned one).
  returned: always
  type: dict
acl:
  description: The backup folder's path, exists, owner and protected (SIDs), its access rules, and the owner and rules of each item directly in it.
  returned: always
  type: dict
snapshots:
  description: ran (restic was run), reason (why not), rc, stderr (last lines, without URL passwords), list of {time, short_id}.
  returned: always
  type: dict
records:
  description: backup, check and restore_test records of cnil-backup.ps1 (null when absent, status unreadable when broken).
  returned: always
  type: dict
tasks:
  description: >-
    Each scheduled task by name (exists, state, enabled, start_when_available, user_id, logon_type, run_level,
    triggers, actions, last_run_time, last_task_result, next_run_time in UTC, missed_runs).
  returned: always
  type: dict
"""
