# cnil-cabinet — GPL-3.0-or-later
"""CNIL-UPD-01: is an operating system release still in its vendor's security support? From data/lifecycle.yml.

One place for every system: the cnil_os_support filter (plugins/filter/cnil_upd.py, Debian family) and the
cnil_win_os_support filter (plugins/filter/cnil_windows.py, Windows) both call os_support(). Plain Python, without
Ansible: the filters turn LifecycleError into their own error.

Extended support that needs enrolment (Ubuntu Pro ESM, Windows ESU) counts only when the host declares it
(ENROLMENT_VARIABLE, an inventory value): nothing on the host proves an enrolment, so the result says it is a
declaration, and the report shows it.
"""

from __future__ import annotations

import datetime
import functools
import os

import yaml

from cnil_lib.catalog import REPO_ROOT
from cnil_lib.catalog import today as controller_today

DATA = os.path.join(REPO_ROOT, "data", "lifecycle.yml")
REVIEW_MAX_DAYS = 365
# The inventory variable by which a host declares its enrolment (roles/cnil_upd/defaults/main.yml).
ENROLMENT_VARIABLE = "cnil_upd_extended_support_enrolled"


class LifecycleError(ValueError):
    """data/lifecycle.yml or the host's description is malformed."""


def _date(value, where):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise LifecycleError("data/lifecycle.yml: %s is not a date YYYY-MM-DD: %r" % (where, value)) from None


@functools.lru_cache(maxsize=None)
def load_lifecycle(path=DATA):
    """(reviewed, releases): the file's review date and its releases with dates as datetime.date, in file order."""
    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    releases = []
    for entry in data["releases"]:
        where = entry.get("id", "?")
        for key in ("id", "name", "match", "security_until", "source"):
            if key not in entry:
                raise LifecycleError("data/lifecycle.yml: release %s has no %s" % (where, key))
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


def declared(value):
    """The enrolment declaration as Ansible reads a boolean: an extra var (-e name=false) is the string 'false',
    which bool() would take for true."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    return bool(value)


def enrolment_declaration(enrolled):
    """How the report shows the host's enrolment in an extended programme that needs one: a declaration."""
    if enrolled:
        return "declared enrolled in inventory (%s: true); a declaration, not verified on the host" % ENROLMENT_VARIABLE
    return "not declared enrolled (%s: false)" % ENROLMENT_VARIABLE


def os_support(host, enrolled=False, today=None, lifecycle=None):
    """The support status of a host's release on today's date (the controller's; CNIL_TODAY pins it).

    host: family, distribution and version (Debian family); family, product, edition_group and version (Windows).
    status: supported (standard security support), extended (Debian LTS, or Ubuntu ESM / Windows ESU when the host
    is declared enrolled), extended_not_enrolled (the programme exists, the host is not declared enrolled), ended,
    or unknown (no line of the file matches). supported is true for the first two. The last day of a period is
    supported; the day after is not. extended_support_enrolment is given for releases whose extended programme
    needs enrolment (the declaration, see enrolment_declaration)."""
    if not isinstance(host, dict):
        raise LifecycleError("expects a mapping (family, distribution, version), got %s" % type(host).__name__)
    enrolled = declared(enrolled)
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
    result = dict(
        base,
        id=release["id"], name=release["name"], status=status, supported=status in ("supported", "extended"),
        until=until.isoformat(), days_left=(until - now).days,
        security_until=security_until.isoformat(),
        extended=release.get("extended"), extended_until=extended_until.isoformat() if extended_until else None,
        extended_automatic=automatic, source=release["source"],
    )
    if release.get("extended") and not automatic:
        result["extended_support_enrolment"] = enrolment_declaration(enrolled)
    return result
