# cnil-cabinet — GPL-3.0-or-later
"""Filters that read the project's data files, so roles and preflight share one copy of each limit."""

from __future__ import annotations

import functools
import os

import yaml

from ansible.errors import AnsibleFilterError

DOCUMENTATION = r"""
name: cnil_floor
short_description: The CNIL limit of a variable, from data/floors.yml
description:
  - C("cnil_lock_idle_seconds" | cnil_floor) returns the entry of data/floors.yml for that variable
    (keys var, control, check, min, max, unit, source); C(| cnil_floor('max')) returns one key.
positional: key
options:
  _input:
    description: Variable name.
    type: str
    required: true
  key:
    description: One key of the entry.
    type: str
"""

DATA_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data")


@functools.lru_cache(maxsize=None)
def load_floors(path=None):
    path = path or os.path.join(DATA_DIR, "floors.yml")
    with open(path, encoding="utf-8") as handle:
        entries = yaml.safe_load(handle)["floors"]
    return {entry["var"]: entry for entry in entries}


def cnil_floor(var, key=None):
    floors = load_floors()
    if var not in floors:
        raise AnsibleFilterError("cnil_floor: no CNIL floor is declared for '%s' in data/floors.yml" % var)
    entry = floors[var]
    if key is None:
        return dict(entry)
    if key not in entry:
        raise AnsibleFilterError("cnil_floor: the floor of '%s' has no '%s'" % (var, key))
    return entry[key]


class FilterModule:
    def filters(self):
        return {"cnil_floor": cnil_floor}
