# cnil-cabinet — GPL-3.0-or-later
"""Filters of the backup roles (CNIL-BKP-01): the same repository and schedule rules as the host side
(module_utils/cnil_restic.py) and the preflight (plugins/cnil_lib/calendar.py), never a second copy.

The cnil_win_* filters are the Windows decisions of roles/cnil_bkp/tasks/windows.yml (in Python so that they are
unit-tested on a Linux controller, tests/unit/test_cnil_bkp_windows.py): the pinned restic.exe, the scheduled task
trigger, the backup paths, the root-only folder, and every check of the evidence from what win_cnil_restic_facts
read on the PC. Nothing here ran against a real Windows host."""

from __future__ import annotations

import datetime
import os
import re
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _sub in ("module_utils", "plugins"):
    if os.path.join(_ROOT, _sub) not in sys.path:
        sys.path.insert(0, os.path.join(_ROOT, _sub))

from cnil_lib.calendar import _WEEKDAYS, DAYS, _weekdays, max_interval_days  # noqa: E402
from cnil_lib.restic_exe import pin_problem  # noqa: E402
from cnil_restic import classify_error, parse_repository, parse_time  # noqa: E402

DOCUMENTATION = r"""
name: cnil_restic_location
short_description: What a restic repository string says about where the backups live
description:
  - C(cnil_bkp_repository | cnil_restic_location) returns kind, user, host, port, path, location (without
    credentials), offsite (true for a remote repository on another host) and reason.
  - C(cnil_bkp_schedule | cnil_calendar_interval) returns the longest time in days between two runs of a
    systemd OnCalendar expression, or null when it cannot be shown to run at least weekly.
  - Windows (tasks/windows.yml) C(cnil_win_restic_pin), C(cnil_win_schedule_trigger), C(cnil_win_backup_paths),
    C(cnil_win_root_only) and C(cnil_win_backup_checks); see their docstrings.
positional: _input
options:
  _input:
    description: The repository string.
    type: str
    required: true
"""


def cnil_restic_location(repository):
    return parse_repository(str(repository or ""))


def cnil_calendar_interval(expression):
    return max_interval_days(str(expression or ""))[0]


# ---------------------------------------------------------------------------------------------------
# Windows (tasks/windows.yml). Nothing here ran against a real Windows host.
# ---------------------------------------------------------------------------------------------------
# Who may touch the backup folder and its files: SYSTEM (runs the scheduled task) and BUILTIN\Administrators.
# win_cnil_restic_facts.ps1 reads SIDs, never localized names; tasks/windows.yml sets the same two (the test
# compares the lists).
WIN_ROOT_SIDS = ("S-1-5-18", "S-1-5-32-544")
WIN_SYSTEM_NAMES = ("s-1-5-18", "system", "nt authority\\system")
# A fixed date in the past: Task Scheduler needs a start boundary, and a fixed one keeps the task unchanged.
WIN_START_DATE = "2025-01-01"
# Task Scheduler's "the task has not run yet" result (SCHED_S_TASK_HAS_NOT_RUN).
WIN_TASK_NOT_RUN_YET = 0x41303
_WIN_ABSOLUTE = re.compile(r"^[A-Za-z]:\\")
_CLOCK = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?$")
_UNREADABLE = ("unreachable", "wrong_password", "locked", "error")


def cnil_win_restic_pin(stat_result, pinned, path):
    """restic.exe given by the contractor (cnil_bkp_win_restic_exe) against its pinned SHA-256
    (cnil_bkp_win_restic_sha256), from an ansible.builtin.stat of the controller's file (checksum_algorithm sha256).
    Returns {ok, reason, sha256}; the reason names the variable to fix. It is never downloaded. The rule is the
    preflight's (cnil_lib/restic_exe.py): this is the role's second line of defence."""
    stat = (stat_result or {}).get("stat") or {}
    reason = pin_problem(path, pinned, stat)
    return {"ok": reason is None, "reason": reason, "sha256": str(stat.get("checksum") or "").lower() or None}


def cnil_win_schedule_trigger(expression, variable="cnil_bkp_schedule"):
    """A systemd OnCalendar expression (cnil_bkp_schedule, cnil_bkp_verify_schedule) as one Task Scheduler trigger of
    community.windows.win_scheduled_task, with the meaning systemd gives it: daily (every day 00:00), weekly (Monday
    00:00), '[weekdays] [*-*-*] [HH:MM[:SS]]' (e.g. 'Mon..Fri 12:30'). The time is the PC's local time. Anything
    else (several times a day, a day of the month, a time zone) is refused with the variable's name.
    Returns {ok, reason, triggers}."""
    text = " ".join(str(expression or "").split())
    refused = {"ok": False, "triggers": [], "reason": (
        "%s = %r cannot be a Windows scheduled task trigger: use daily, weekly, or '[weekdays] [*-*-*] HH:MM[:SS]' "
        "(e.g. 'Mon..Fri 12:30')" % (variable, text))}
    shorthand = {"daily": "00:00:00", "weekly": "00:00:00"}
    tokens = text.split(" ") if text else []
    days = None
    if text.lower() in shorthand:
        days = {0} if text.lower() == "weekly" else None
        tokens = []
    elif tokens and _WEEKDAYS.match(tokens[0]):
        days = _weekdays(tokens.pop(0))
        if not days:
            return refused
    if tokens and tokens[0] in ("*-*-*", "*-*"):
        tokens.pop(0)
    clock = "00:00:00"
    if tokens and _CLOCK.match(tokens[0]):
        hour, minute, second = _CLOCK.match(tokens.pop(0)).groups()
        if int(hour) > 23 or int(minute) > 59 or int(second or 0) > 59:
            return refused
        clock = "%02d:%02d:%02d" % (int(hour), int(minute), int(second or 0))
    elif text.lower() not in shorthand and days is None:
        return refused  # nothing that says when
    if tokens or max_interval_days(text)[0] is None:
        return refused
    start = "%sT%s" % (WIN_START_DATE, clock)
    if days is None or len(days) == 7:
        return {"ok": True, "reason": None, "triggers": [{"type": "daily", "start_boundary": start}]}
    names = ",".join(DAYS[i] for i in sorted(days))
    return {"ok": True, "reason": None, "triggers": [{"type": "weekly", "days_of_week": names, "start_boundary": start}]}


def cnil_win_backup_paths(paths, variable="cnil_bkp_win_paths"):
    """What a Windows PC backs up: absolute paths on a local drive (C:\\...), as restic's VSS snapshot
    (--use-fs-snapshot) needs. Returns {ok, reason, paths} (paths without a trailing backslash, except a drive root)."""
    if isinstance(paths, str) or not isinstance(paths, (list, tuple)) or not paths:
        return {"ok": False, "paths": [], "reason": "%s must be a non-empty list of folders such as C:\\Users" % variable}
    bad = [str(p) for p in paths if not _WIN_ABSOLUTE.match(str(p).replace("/", "\\"))]
    if bad:
        return {"ok": False, "paths": [], "reason": "%s: not absolute paths on a local drive (C:\\...): %s" % (variable, ", ".join(bad))}
    clean = []
    for path in paths:
        path = str(path).replace("/", "\\")
        path = path if re.match(r"^[A-Za-z]:\\$", path) else path.rstrip("\\")
        if path not in clean:
            clean.append(path)
    return {"ok": True, "reason": None, "paths": clean}


def _foreign(rules, allowed):
    return sorted({str(r.get("sid")) for r in rules or [] if str(r.get("type", "Allow")) == "Allow"
                   and str(r.get("sid")) not in allowed})


def cnil_win_root_only(acl, allowed=WIN_ROOT_SIDS):
    """The backup folder (and every file or folder directly in it) is for SYSTEM and Administrators only: the folder
    does not inherit from its parent, is owned by one of them, and no allow rule of it or of what is in it names
    anyone else. (What is in it may be owned by the administrator account that wrote it: only SYSTEM and
    Administrators can write there.) acl: what win_cnil_restic_facts read ({exists, protected, owner, rules:
    [{sid, type, inherited}], children: [{name, owner, rules}]}). Returns {ok, reason, foreign: {name: [SIDs]}}."""
    acl = acl or {}
    allowed = {str(s) for s in allowed}
    if not acl.get("exists"):
        return {"ok": False, "reason": "the backup folder does not exist", "foreign": {}}
    problems, foreign = [], {}
    if not acl.get("protected"):
        problems.append("the backup folder inherits the permissions of its parent folder")
    if str(acl.get("owner")) not in allowed:
        problems.append("the backup folder is owned by %s" % acl.get("owner"))
    for name, item in [(".", acl)] + [(str(c.get("name")), c) for c in acl.get("children") or []]:
        where = "the backup folder" if name == "." else name
        others = _foreign(item.get("rules"), allowed)
        if others:
            foreign[name] = others
            problems.append("%s is open to %s" % (where, ", ".join(others)))
    return {"ok": not problems, "reason": "; ".join(problems) or None, "foreign": foreign}


def _days(later, earlier):
    if later is None or earlier is None:
        return None
    return round((later - earlier).total_seconds() / 86400.0, 2)


def _number(value):
    if isinstance(value, bool):
        return None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def _record(record, now):
    """A cnil-backup.ps1 record with its age by the PC's clock; None when the file was not there."""
    if record is None:
        return None
    if not isinstance(record, dict):
        return {"status": "unreadable", "message": "not a JSON object", "age_days": None}
    return dict(record, age_days=_days(now, parse_time(record.get("time"))))


def _task(task, now, interval_days, name):
    """The timer check of one scheduled task (as win_cnil_restic_facts read it)."""
    task = task or {}
    next_in = _days(parse_time(task.get("next_run_time")), now)
    problems = []
    if not task.get("exists"):
        problems.append("scheduled task %s is not installed" % name)
    else:
        if not task.get("enabled") or str(task.get("state")) == "Disabled":
            problems.append("scheduled task %s is disabled" % name)
        if str(task.get("user_id") or "").lower() not in WIN_SYSTEM_NAMES:
            problems.append("%s runs as %s, not SYSTEM" % (name, task.get("user_id")))
        if not task.get("start_when_available"):
            problems.append("%s does not start when available (a PC off at the scheduled time would skip it)" % name)
        if next_in is None:
            problems.append("%s has no next run" % name)
        elif next_in > interval_days:
            problems.append("next run of %s in %s days (more than %s)" % (name, next_in, interval_days))
    result = _number(task.get("last_task_result"))
    return {
        "ok": not problems,
        "reason": "; ".join(problems) or None,
        "evidence": {
            "task": name,
            "triggers": task.get("triggers"),
            "enabled": task.get("enabled"),
            "state": task.get("state"),
            "start_when_available": task.get("start_when_available"),
            "run_as": task.get("user_id"),
            "next_run_in_days": next_in,
            "last_run_time": None if result == WIN_TASK_NOT_RUN_YET else task.get("last_run_time"),
            "last_run_result": "not run yet" if result == WIN_TASK_NOT_RUN_YET else result,
        },
    }


def _float(value, default):
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def _verify(record, name, max_age, never):
    if not record or record.get("status") is None:
        return {"ok": False, "reason": never}
    if record.get("status") != "ok":
        return {"ok": False, "reason": "last %s failed: %s" % (name, record.get("message") or record.get("status"))}
    age = record.get("age_days")
    if not isinstance(age, (int, float)):
        return {"ok": False, "reason": "last %s has no readable time" % name}
    if age > max_age:
        return {"ok": False, "reason": "last %s is %s days old" % (name, age)}
    return {"ok": True, "reason": None}


def cnil_win_backup_checks(state, expected):
    """Every check of CNIL-BKP-01 on a Windows PC, from what win_cnil_restic_facts read (state) and what the run
    expects (expected: edition (cnil_win_edition), problems (the inputs refused on the controller), restic_sha256,
    password_set, max_age_days, verify_max_age_days, interval_days, verify_interval_days, keep_monthly_min,
    keep_weekly_min). Ages are measured by the PC's own clock, as on Linux.
    Returns {backup_due, repository, timer, retention, last_snapshot, check, restore_test, offsite}, each check
    {ok, reason, error, evidence}. Nothing secret goes in: the facts carry the repository without a password."""
    state, expected = state or {}, expected or {}
    now = parse_time(state.get("now"))
    edition = expected.get("edition") or {}
    problems = [str(p) for p in expected.get("problems") or [] if p]
    restic = state.get("restic") or {}
    settings = state.get("settings") or {}
    files = state.get("files") or {}
    snaps = state.get("snapshots") or {}
    pinned = str(expected.get("restic_sha256") or "").strip().lower()
    location = parse_repository(str(settings.get("repository") or ""))

    restic_ok = bool(restic.get("present")) and bool(pinned) and str(restic.get("sha256") or "").lower() == pinned
    missing = []
    if not restic.get("present"):
        missing.append("restic.exe")
    elif not restic_ok:
        missing.append("restic.exe with the pinned SHA-256 (found %s)" % restic.get("sha256"))
    if not settings.get("present"):
        missing.append("settings.json" + (" (%s)" % settings["error"] if settings.get("error") else ""))
    needed = ["password", "script"] + (["ssh_key", "known_hosts", "ssh_config"] if location["kind"] == "sftp" else [])
    missing += [name for name in needed if not files.get(name)]
    acl = cnil_win_root_only(state.get("acl"))

    # The repository as restic answered (snapshots --json --no-lock).
    newest, error_kind, snap_error = None, None, None
    if snaps.get("ran") and _number(snaps.get("rc")) == 0:
        dated = [(t, s) for t, s in ((parse_time(s.get("time")), s) for s in snaps.get("list") or [] if isinstance(s, dict)) if t]
        if dated:
            moment, snap = max(dated, key=lambda item: item[0])
            newest = {"id": snap.get("short_id") or str(snap.get("id") or "")[:8], "time": moment.isoformat(),
                      "age_days": _days(now, moment)}
        read = True
    elif snaps.get("ran"):
        error_kind, snap_error = classify_error(_number(snaps.get("rc")), snaps.get("stderr") or "")
        read = False
    else:
        snap_error = snaps.get("reason") or "the repository was not read"
        read = False
    unreadable = error_kind in _UNREADABLE

    records = state.get("records") or {}
    backup, check, restore = (_record(records.get(k), now) for k in ("backup", "check", "restore_test"))
    keep = {k: _number(settings.get("keep_" + k)) for k in ("daily", "weekly", "monthly")}
    max_age = _float(expected.get("max_age_days"), 0.0)
    verify_max = _float(expected.get("verify_max_age_days"), 0.0)

    # A backup is started when none is recent enough, by the scheduled task, unless it is already running (a first
    # backup can take longer than the time between two runs of the role).
    backup_task = (state.get("tasks") or {}).get("cnil-backup") or {}
    out = {"backup_due": bool(read and edition.get("supported", False) and backup_task.get("exists")
                              and str(backup_task.get("state")) != "Running"
                              and (newest is None or newest["age_days"] is None or newest["age_days"] > max_age))}

    repo_reason = (
        "cnil_bkp_password is empty: set it (vaulted) in the inventory" if not expected.get("password_set")
        else "no repository: set cnil_bkp_repository or a host in cnil_backup_hosts" if not settings.get("repository") and not missing
        else "backup not set up on this PC (missing: %s)" % ", ".join(missing) if missing
        else acl["reason"] if not acl["ok"]
        else "no repository at this location yet" if error_kind == "absent"
        else snap_error if not read and not unreadable else None)
    out["repository"] = {
        "ok": bool(expected.get("password_set")) and not missing and acl["ok"] and read and not problems,
        "reason": repo_reason,
        "error": "; ".join(problems) if problems else (snap_error if unreadable else None),
        "evidence": {"restic": restic.get("version"), "restic_sha256": restic.get("sha256"), "restic_pinned": restic_ok,
                     "location": location["location"], "missing": missing, "root_only": acl["ok"],
                     "open_to": acl["foreign"]},
    }

    timer = _task((state.get("tasks") or {}).get("cnil-backup"), now, _float(expected.get("interval_days"), 0.0), "cnil-backup")
    out["timer"] = dict(timer, error=None)

    floors_ok = (keep["monthly"] is not None and keep["monthly"] >= _float(expected.get("keep_monthly_min"), 12)
                 and keep["weekly"] is not None and keep["weekly"] >= _float(expected.get("keep_weekly_min"), 1)
                 and keep["daily"] is not None)
    out["retention"] = {
        "ok": floors_ok,
        "reason": None if floors_ok else "backup not configured on this PC" if not settings.get("present")
        else "retention kept %s monthly, %s weekly, %s daily" % (keep["monthly"], keep["weekly"], keep["daily"]),
        "error": None,
        "evidence": {"keep_daily": keep["daily"], "keep_weekly": keep["weekly"], "keep_monthly": keep["monthly"]},
    }

    fresh = bool(newest and isinstance(newest["age_days"], (int, float)) and newest["age_days"] <= max_age)
    out["last_snapshot"] = {
        "ok": fresh,
        "reason": None if fresh or unreadable
        else "no snapshot in the repository" if read and newest is None
        else snap_error if not read
        else "the newest snapshot is %s days old" % newest["age_days"],
        "error": snap_error if unreadable else None,
        "evidence": {"newest_snapshot": (newest or {}).get("id"), "newest_time": (newest or {}).get("time"),
                     "age_days": (newest or {}).get("age_days"), "snapshots": len(snaps.get("list") or []) if read else None,
                     "last_backup": (backup or {}).get("status"), "last_backup_message": (backup or {}).get("message")},
    }

    checked = _verify(check, "restic check", verify_max, "restic check never ran")
    out["check"] = dict(checked, error=None, evidence={
        "status": (check or {}).get("status"), "time": (check or {}).get("time"), "age_days": (check or {}).get("age_days")})
    restored = _verify(restore, "restore test", verify_max, "no restore test yet")
    out["restore_test"] = dict(restored, error=None, evidence={
        "status": (restore or {}).get("status"), "time": (restore or {}).get("time"),
        "age_days": (restore or {}).get("age_days"), "snapshot": (restore or {}).get("snapshot"),
        "sha256_match": bool((restore or {}).get("expected_sha256"))
        and (restore or {}).get("expected_sha256") == (restore or {}).get("restored_sha256"),
        "verify_task_problem": _task((state.get("tasks") or {}).get("cnil-backup-verify"), now,
                                     _float(expected.get("verify_interval_days"), 0.0), "cnil-backup-verify")["reason"]})

    out["offsite"] = {"ok": location["offsite"], "reason": location["reason"], "error": None,
                      "evidence": {"kind": location["kind"], "host": location["host"]}}

    if not edition.get("supported", False):
        # Windows Home (or an unknown edition): every check fails with the edition, as in every Windows role.
        for key in ("repository", "timer", "retention", "last_snapshot", "check", "restore_test", "offsite"):
            out[key].update(ok=False, reason=edition.get("reason") or "unsupported edition", error=None)
        out["backup_due"] = False
    return out


class FilterModule:
    def filters(self):
        return {
            "cnil_restic_location": cnil_restic_location,
            "cnil_calendar_interval": cnil_calendar_interval,
            "cnil_win_restic_pin": cnil_win_restic_pin,
            "cnil_win_schedule_trigger": cnil_win_schedule_trigger,
            "cnil_win_backup_paths": cnil_win_backup_paths,
            "cnil_win_root_only": cnil_win_root_only,
            "cnil_win_backup_checks": cnil_win_backup_checks,
        }
