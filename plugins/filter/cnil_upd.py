# cnil-cabinet — GPL-3.0-or-later
"""CNIL-UPD-01: is the operating system still in its vendor's security support? From data/lifecycle.yml."""

from __future__ import annotations

import os
import sys

from ansible.errors import AnsibleFilterError

_PLUGINS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _PLUGINS not in sys.path:
    sys.path.insert(0, _PLUGINS)

from cnil_lib import lifecycle as _lifecycle  # noqa: E402

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
  - >-
    For a release whose extended programme needs enrolment, C(extended_support_enrolment) says whether the host
    declares it (C(cnil_upd_extended_support_enrolled)): a declaration of the inventory, not verified on the host.
  - The decision itself is in plugins/cnil_lib/lifecycle.py, written once for every system.
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

# The decision is in plugins/cnil_lib/lifecycle.py (plain Python, one place for every system). These names stay here
# for the filter's callers and tests.
DATA = _lifecycle.DATA
REVIEW_MAX_DAYS = _lifecycle.REVIEW_MAX_DAYS


def load_lifecycle(path=DATA):
    try:
        return _lifecycle.load_lifecycle(path)
    except _lifecycle.LifecycleError as exc:
        raise AnsibleFilterError(str(exc)) from None


def os_support(host, enrolled=False, today=None, lifecycle=None):
    """The support status of a host's release (see DOCUMENTATION and cnil_lib.lifecycle.os_support)."""
    try:
        return _lifecycle.os_support(host, enrolled=enrolled, today=today, lifecycle=lifecycle)
    except _lifecycle.LifecycleError as exc:
        raise AnsibleFilterError("cnil_os_support: %s" % exc) from None


def cnil_os_support(host, enrolled=False, today=None):
    return os_support(host, enrolled=enrolled, today=today)


class FilterModule:
    def filters(self):
        return {"cnil_os_support": cnil_os_support}
