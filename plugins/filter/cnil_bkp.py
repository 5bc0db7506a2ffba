# cnil-cabinet — GPL-3.0-or-later
"""Filters of the backup roles (CNIL-BKP-01): the same repository and schedule rules as the host side
(module_utils/cnil_restic.py) and the preflight (plugins/cnil_lib/calendar.py), never a second copy."""

from __future__ import annotations

import os
import sys

_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
for _sub in ("module_utils", "plugins"):
    if os.path.join(_ROOT, _sub) not in sys.path:
        sys.path.insert(0, os.path.join(_ROOT, _sub))

from cnil_lib.calendar import max_interval_days  # noqa: E402
from cnil_restic import parse_repository  # noqa: E402

DOCUMENTATION = r"""
name: cnil_restic_location
short_description: What a restic repository string says about where the backups live
description:
  - C(cnil_bkp_repository | cnil_restic_location) returns kind, user, host, port, path, location (without
    credentials), offsite (true for a remote repository on another host) and reason.
  - C(cnil_bkp_schedule | cnil_calendar_interval) returns the longest time in days between two runs of a
    systemd OnCalendar expression, or null when it cannot be shown to run at least weekly.
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


class FilterModule:
    def filters(self):
        return {"cnil_restic_location": cnil_restic_location, "cnil_calendar_interval": cnil_calendar_interval}
