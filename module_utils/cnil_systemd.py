# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""systemd helpers shared by cnil_units, cnil_clamav_facts and cnil_restic_facts. Plain Python: no Ansible import,
so the unit tests import it too."""

from __future__ import annotations


def parse_show(text, split_on_repeated_key=False):
    """`systemctl show` output of one or more units as a list of dicts, one per unit, in the order printed.

    systemctl separates units with a blank line. Keys and values are stripped; a value keeps every '=' after the
    first (TimersCalendar={ OnCalendar=... ; next_elapse=... }); lines without '=' are ignored.

    A key repeated within a block keeps its last value, unless split_on_repeated_key: then it starts a new block,
    in case a blank line is missing. Only for properties printed once per unit: a timer prints TimersCalendar once
    per OnCalendar=.
    """
    blocks, current = [], {}
    for line in (text or "").splitlines():
        if not line.strip():
            if current:
                blocks.append(current)
                current = {}
            continue
        key, sep, value = line.partition("=")
        if not sep:
            continue
        key = key.strip()
        if split_on_repeated_key and key in current:
            blocks.append(current)
            current = {}
        current[key] = value.strip()
    if current:
        blocks.append(current)
    return blocks
