#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: read-only state of this PC's restic backups (CNIL-BKP-01 evidence)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_restic_facts
short_description: Read the state of the PC's restic backups, changing nothing
description:
  - Reads the backup configuration the systemd units use (C(/etc/cnil-backup/restic.env)), the results that
    C(cnil-backup) recorded on the host (last backup, last C(restic check), last restore test), the state of
    the timers, and the snapshots of the repository (C(restic snapshots --json --no-lock)).
  - Never writes, never takes a repository lock; C(changed) is always false, in check mode too.
  - The password is read by restic from C(RESTIC_PASSWORD_FILE); it never appears in arguments, the
    environment given to restic or the result.
  - Ages are computed against this host's clock.
options:
  config:
    description: The environment file of the backup units.
    type: path
    default: /etc/cnil-backup/restic.env
  credentials:
    description: Optional environment file with repository credentials (REST, S3).
    type: path
    default: /etc/cnil-backup/credentials.env
  state_dir:
    description: Where C(cnil-backup) records its results, when the configuration does not say.
    type: path
    default: /var/lib/cnil-backup
  units:
    description: systemd units whose state is returned.
    type: list
    elements: str
    default: [cnil-backup.timer, cnil-backup.service, cnil-backup-verify.timer, cnil-backup-verify.service]
  restic:
    description: The restic command.
    type: str
    default: restic
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-BKP-01 | read the backup state
  cnil_restic_facts:
  check_mode: false
  register: cnil_bkp_state
"""

RETURN = r"""
installed:
  description: restic is installed.
  returned: always
  type: bool
version:
  description: restic's version line.
  returned: always
  type: str
configured:
  description: The configuration file exists and names a repository and a password file that exists.
  returned: always
  type: bool
missing:
  description: What the configuration lacks.
  returned: always
  type: list
repository:
  description: Where the backups go (module_utils cnil_restic.parse_repository), without any credential.
  returned: always
  type: dict
  sample: {kind: sftp, host: backup.example.fr, location: "sftp:cnilbkp-pc@backup.example.fr:/repo", offsite: true}
retention:
  description: The keep values the backup service applies (null when not configured).
  returned: always
  type: dict
  sample: {daily: 7, weekly: 5, monthly: 12}
snapshots:
  description: >-
    Snapshots of this PC (tag and host of the configuration): total, newest id and time, its age in days;
    error and error_kind (absent, wrong_password, unreachable, locked, error) when the repository could not be read.
  returned: always
  type: dict
records:
  description: The results recorded by cnil-backup (backup, check, restore_test), each with age_days.
  returned: always
  type: dict
units:
  description: For each unit, load, enable and active state, last result, schedule and days to the next run.
  returned: always
  type: dict
now:
  description: The host's time (UTC) the ages are computed from.
  returned: always
  type: str
"""

import datetime
import json
import os
import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.cnil_restic import (classify_error, forget_secrets_of_caller, parse_repository, parse_time,
                                               read_env_files, restic_argv, restic_environment)
from ansible.module_utils.cnil_systemd import parse_show

RECORDS = {"backup": "last-backup.json", "check": "check.json", "restore_test": "restore-test.json"}
UNIT_PROPERTIES = ("LoadState", "UnitFileState", "ActiveState", "Result", "TimersCalendar", "Persistent")


def age_days(moment, now):
    return None if moment is None else round((now - moment).total_seconds() / 86400.0, 2)


def as_int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def newest_snapshot(snapshots, now):
    dated = [(parse_time(s.get("time")), s) for s in snapshots if isinstance(s, dict)]
    dated = [(t, s) for t, s in dated if t is not None]
    if not dated:
        return {"total": len(snapshots), "newest_id": None, "newest_time": None, "newest_age_days": None}
    moment, snap = max(dated, key=lambda item: item[0])
    return {"total": len(snapshots), "newest_id": snap.get("short_id") or str(snap.get("id", ""))[:8],
            "newest_time": moment.isoformat(), "newest_age_days": age_days(moment, now)}


def read_record(path, now):
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return {"status": "unreadable", "message": "cannot read %s: %s" % (path, exc), "age_days": None}
    if not isinstance(data, dict):
        return {"status": "unreadable", "message": "%s is not a JSON object" % path, "age_days": None}
    data["age_days"] = age_days(parse_time(data.get("time")), now)
    return data


def unit_state(props, now_ts):
    calendar = props.get("TimersCalendar") or ""
    on_calendar = re.search(r"OnCalendar=([^;]*?)\s*;", calendar)
    elapse = re.search(r"next_elapse=@(\d+)", calendar)
    human = re.search(r"next_elapse=\w{3} (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", calendar)
    if elapse:
        next_ts = int(elapse.group(1))
    elif human:
        next_ts = datetime.datetime.strptime(human.group(1), "%Y-%m-%d %H:%M:%S").replace(tzinfo=datetime.timezone.utc).timestamp()
    else:
        next_ts = None
    next_in = round((next_ts - now_ts) / 86400.0, 2) if next_ts is not None else None
    return {"loaded": props.get("LoadState") == "loaded", "enabled": props.get("UnitFileState") or None,
            "active": props.get("ActiveState") or None, "result": props.get("Result") or None,
            "on_calendar": on_calendar.group(1).strip() if on_calendar else None, "next_in_days": next_in,
            "persistent": props.get("Persistent") == "yes" if props.get("Persistent") else None}


def run_module():
    module = AnsibleModule(
        argument_spec=dict(
            config=dict(type="path", default="/etc/cnil-backup/restic.env"),
            credentials=dict(type="path", default="/etc/cnil-backup/credentials.env"),
            state_dir=dict(type="path", default="/var/lib/cnil-backup"),
            units=dict(type="list", elements="str",
                       default=["cnil-backup.timer", "cnil-backup.service", "cnil-backup-verify.timer", "cnil-backup-verify.service"]),
            restic=dict(type="str", default="restic"),
        ),
        supports_check_mode=True,
    )
    p = module.params
    forget_secrets_of_caller()
    now = datetime.datetime.now(datetime.timezone.utc)
    result = {"changed": False, "now": now.replace(microsecond=0).isoformat()}

    restic = module.get_bin_path(p["restic"]) if not os.path.isabs(p["restic"]) else (p["restic"] if os.path.exists(p["restic"]) else None)
    result["installed"] = bool(restic)
    result["version"] = None
    if restic:
        rc, out, _ = module.run_command([restic, "version"], environ_update={"LC_ALL": "C"})
        result["version"] = out.strip() if rc == 0 else None

    env, missing_files = read_env_files([p["config"]])
    credentials, _ = read_env_files([p["credentials"]])
    repository = env.get("RESTIC_REPOSITORY", "")
    password_file = env.get("RESTIC_PASSWORD_FILE", "")
    missing = ["%s (file)" % f for f in missing_files]
    if not missing_files:
        missing += [k for k in ("RESTIC_REPOSITORY", "RESTIC_PASSWORD_FILE") if not env.get(k)]
    if password_file and not os.path.exists(password_file):
        missing.append("password file %s" % password_file)
    result["configured"] = not missing
    result["missing"] = missing
    result["repository"] = parse_repository(repository)
    result["retention"] = {k: as_int(env.get("CNIL_BKP_KEEP_" + k.upper())) for k in ("daily", "weekly", "monthly")}

    snapshots = {"total": None, "newest_id": None, "newest_time": None, "newest_age_days": None,
                 "error": None, "error_kind": None, "read": False}
    if not restic:
        snapshots.update(error="restic is not installed", error_kind="not_installed")
    elif missing:
        snapshots.update(error="backup not configured on this host (missing: %s)" % ", ".join(missing), error_kind="not_configured")
    else:
        args = ["snapshots", "--json", "--no-lock", "--tag", env.get("CNIL_BKP_TAG", "cnil")]
        if env.get("CNIL_BKP_HOST"):
            args += ["--host", env["CNIL_BKP_HOST"]]
        rc, out, err = module.run_command(
            restic_argv(restic, args, env.get("CNIL_BKP_SFTP_COMMAND")),
            environ_update=restic_environment(repository, password_file, credentials, env.get("RESTIC_CACHE_DIR")))
        if rc == 0:
            try:
                listed = json.loads(out or "[]") or []
            except ValueError:
                snapshots.update(error="restic snapshots printed no JSON", error_kind="error")
            else:
                snapshots.update(newest_snapshot(listed, now), read=True)
        else:
            kind, message = classify_error(rc, err)
            snapshots.update(error=message, error_kind=kind)
    result["snapshots"] = snapshots

    state_dir = env.get("CNIL_BKP_STATE_DIR") or p["state_dir"]
    result["records"] = {name: read_record(os.path.join(state_dir, filename), now) for name, filename in RECORDS.items()}

    units = {}
    systemctl = module.get_bin_path("systemctl")
    if systemctl and p["units"]:
        show = [systemctl, "show", "--property=" + ",".join(("Id",) + UNIT_PROPERTIES)] + p["units"]
        # Epoch timestamps (systemd >= 248); older systemd refuses the option and prints dates in UTC (TZ below).
        rc, out, _ = module.run_command(show[:2] + ["--timestamp=unix"] + show[2:], environ_update={"LC_ALL": "C", "TZ": "UTC"})
        if rc != 0:
            rc, out, _ = module.run_command(show, environ_update={"LC_ALL": "C", "TZ": "UTC"})
        # Never split on a repeated key: a timer prints TimersCalendar once per OnCalendar= (the last one is kept).
        shown = parse_show(out) if rc == 0 else []
        for props in shown:
            units[props.get("Id")] = unit_state(props, time.time())
    result["units"] = units
    module.exit_json(**result)


def main():
    run_module()


if __name__ == "__main__":
    main()
