# cnil-cabinet — GPL-3.0-or-later
"""CNIL-UPD-01: is the operating system still in its vendor's security support? From data/lifecycle.yml."""

from __future__ import annotations

import datetime
import functools
import os
import sys

import yaml

from ansible.errors import AnsibleFilterError

_PLUGINS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _PLUGINS not in sys.path:
    sys.path.insert(0, _PLUGINS)

from cnil_lib.catalog import today as controller_today  # noqa: E402

DOCUMENTATION = r"""
name: cnil_os_support
short_description: The vendor security support of an operating system release, from data/lifecycle.yml
description:
  - >-
    C({'family': 'Debian', 'distribution': 'Debian', 'version': '12.8'} | cnil_os_support) returns the release's
    entry and its support status on the controller's date (C(CNIL_TODAY) pins it for tests).
  - C(status) is C(supported) (standard security support), C(extended) (Debian LTS, or Ubuntu ESM / Windows ESU
    when the host is enrolled), C(extended_not_enrolled) (the programme exists but the host is not declared
    enrolled), C(ended) or C(unknown) (no line of the file matches). C(supported) is true for the first two.
  - The last day of a period is supported; the day after is not.
positional: enrolled
options:
  _input:
    description: family, distribution and version (Debian family); family, product, edition_group and version (Windows).
    type: dict
    required: true
  enrolled:
    description: The host is enrolled in the extended programme that needs enrolment (Ubuntu Pro, Windows ESU).
    type: bool
    default: false
  today:
    description: Date to judge on (tests); the controller's date by default.
    type: str
"""

DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "lifecycle.yml")
REVIEW_MAX_DAYS = 365


def _date(value, where):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise AnsibleFilterError("data/lifecycle.yml: %s is not a date YYYY-MM-DD: %r" % (where, value)) from None


@functools.lru_cache(maxsize=None)
def load_lifecycle(path=DATA):
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    releases = []
    for entry in data["releases"]:
        where = entry.get("id", "?")
        for key in ("id", "name", "match", "security_until", "source"):
            if key not in entry:
                raise AnsibleFilterError("data/lifecycle.yml: release %s has no %s" % (where, key))
        release = dict(entry)
        for key in ("released", "security_until", "extended_until"):
            if key in release:
                release[key] = _date(release[key], "%s.%s" % (where, key))
        releases.append(release)
    return _date(data["reviewed"], "reviewed"), tuple(releases)


def _matches(match, host):
    for key, want in match.items():
        have = str(host.get(key) or "")
        if key == "version":
            # Debian's facts give 12.8 for Debian 12: a line for "12" matches every point release.
            if have != str(want) and not have.startswith(str(want) + "."):
                return False
        elif have.lower() != str(want).lower():
            return False
    return True


def os_support(host, enrolled=False, today=None, lifecycle=None):
    """The support status of a host's release (see DOCUMENTATION)."""
    if not isinstance(host, dict):
        raise AnsibleFilterError("cnil_os_support: expects a mapping (family, distribution, version), got %s" % type(host).__name__)
    now = _date(today, "today") if today else controller_today()
    reviewed, releases = lifecycle or load_lifecycle()
    review_age = (now - reviewed).days
    base = {"reviewed": reviewed.isoformat(), "review_age_days": review_age, "review_stale": review_age > REVIEW_MAX_DAYS}
    found = [r for r in releases if _matches(r["match"], host)]
    if not found:
        return dict(base, id=None, name=None, status="unknown", supported=False, until=None, days_left=None, source=None,
                    security_until=None, extended=None, extended_until=None)
    release = found[0]
    security_until, extended_until = release["security_until"], release.get("extended_until")
    automatic = bool(release.get("extended_automatic"))
    if now <= security_until:
        status, until = "supported", security_until
    elif extended_until and now <= extended_until:
        status, until = ("extended", extended_until) if automatic or enrolled else ("extended_not_enrolled", extended_until)
    else:
        status, until = "ended", extended_until or security_until
    return dict(
        base,
        id=release["id"], name=release["name"], status=status, supported=status in ("supported", "extended"),
        until=until.isoformat(), days_left=(until - now).days,
        security_until=security_until.isoformat(),
        extended=release.get("extended"), extended_until=extended_until.isoformat() if extended_until else None,
        extended_automatic=automatic, source=release["source"],
    )


def cnil_os_support(host, enrolled=False, today=None):
    return os_support(host, enrolled=bool(enrolled), today=today)


class FilterModule:
    def filters(self):
        return {"cnil_os_support": cnil_os_support}
