# cnil-cabinet — GPL-3.0-or-later
"""How often a systemd OnCalendar expression runs, for the schedule floors (data/floors.yml max_interval_days).

Conservative on purpose: an expression is accepted only when it can be shown to run at least every
``max_interval_days``: the shorthands minutely/hourly/daily/weekly, or "[weekdays] [*-*-*] [time] [timezone]"
where the date part, when present, matches every day. A specific day of the month, month or year is refused
(e.g. monthly, *-*-01): such a schedule can leave weeks without a backup. systemd itself is the judge of the
syntax on the host (the timer's next run is checked there by the role's evidence).
"""

from __future__ import annotations

import re

SHORTHANDS = {"minutely": 1 / 1440.0, "hourly": 1 / 24.0, "daily": 1.0, "weekly": 7.0}
RARER = ("monthly", "quarterly", "semiannually", "yearly", "annually")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_TIME = re.compile(r"^[0-9*][0-9*/,.~-]*(:[0-9*][0-9*/,.~-]*){1,2}$")
_WEEKDAYS = re.compile(r"^[a-z]+(\.\.[a-z]+)?(,[a-z]+(\.\.[a-z]+)?)*$", re.IGNORECASE)


def _day(name):
    name = name.lower()
    return next((index for index, day in enumerate(DAYS) if len(name) >= 3 and day.startswith(name)), None)


def _weekdays(spec):
    days = set()
    for part in spec.split(","):
        ends = part.split("..")
        first, last = _day(ends[0]), _day(ends[-1])
        if first is None or last is None:
            return None
        index = first
        days.add(index)
        while index != last:
            index = (index + 1) % 7
            days.add(index)
    return days


def max_interval_days(expression):
    """(longest gap between two runs in days, or None when refused; reason when refused)."""
    text = " ".join(str(expression or "").split())
    if not text:
        return None, "empty schedule"
    lowered = text.lower()
    if lowered in SHORTHANDS:
        return SHORTHANDS[lowered], None
    if lowered in RARER:
        return None, "'%s' runs less often than weekly" % text
    tokens = text.split(" ")
    gap = 1.0
    if _WEEKDAYS.match(tokens[0]) and ":" not in tokens[0] and "-" not in tokens[0]:
        days = _weekdays(tokens.pop(0))
        if not days:
            return None, "'%s': unknown weekday" % text
        ordered = sorted(days)
        gap = float(max(((ordered[(i + 1) % len(ordered)] - d) % 7) or 7 for i, d in enumerate(ordered)))
    if tokens and "-" in tokens[0] and ":" not in tokens[0]:
        date = tokens.pop(0)
        if date not in ("*-*-*", "*-*"):
            return None, "'%s': the date part must be *-*-* (every day); a day of the month, month or year can leave " \
                         "weeks without a run" % text
    if tokens and ":" in tokens[0]:
        if not _TIME.match(tokens.pop(0)):
            return None, "'%s': cannot read the time part" % text
    if tokens and (tokens[0].upper() == "UTC" or "/" in tokens[0]) and len(tokens) == 1:
        tokens.pop(0)
    if tokens:
        return None, "'%s': cannot read '%s' (use daily, weekly, or e.g. 'Mon..Fri *-*-* 12:30')" % (text, " ".join(tokens))
    return gap, None


def check_interval(expression, max_days):
    """None when the expression runs at least every max_days, else the reason it is refused."""
    gap, reason = max_interval_days(expression)
    if gap is None:
        return reason
    if gap > max_days:
        return "'%s' can leave %g days between two runs" % (" ".join(str(expression).split()), gap)
    return None
