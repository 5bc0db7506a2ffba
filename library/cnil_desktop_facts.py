#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: which desktop sessions are installed (read-only), shared by the roles that act on the desktop."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_desktop_facts
short_description: The installed desktop sessions, and whether one of them is GNOME
description:
  - >-
    Lists the session files (C(*.desktop)) of the display managers' session directories: what a user can pick
    at the login screen. A PC without a desktop has none, which is an answer, not an error.
  - >-
    C(gnome) is true when one of them is a GNOME session (C(gnome), C(gnome-*), C(ubuntu), C(ubuntu-*)). The one
    place for this detection: CNIL-LOCK-01 (idle lock), CNIL-DEV-01 (media autorun) and CNIL-AUTH-01 (card-removal
    lock) all ask it, and each role keeps its own override.
  - >-
    Also sets the fact C(cnil_desktop) (C(sessions), C(gnome)): the roles run this module only when that fact is
    not set yet, so a baseline run looks once per host, not once per role.
  - Changes nothing, in check mode or not.
options:
  session_dirs:
    description: Directories of session files.
    type: list
    elements: path
    default: [/usr/share/xsessions, /usr/share/wayland-sessions]
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-AUTH-01 | find desktop sessions
  cnil_desktop_facts:
  register: cnil_auth_desktop_facts
"""

RETURN = r"""
sessions:
  description: Installed session names, sorted, without duplicates.
  returned: always
  type: list
  elements: str
  sample: [gnome, gnome-xorg]
gnome:
  description: A GNOME session is installed.
  returned: always
  type: bool
ansible_facts:
  description: The same answer as the fact C(cnil_desktop), for the roles that ask after this one.
  returned: always
  type: dict
  sample: {cnil_desktop: {sessions: [gnome], gnome: true}}
"""

import os
import re

from ansible.module_utils.basic import AnsibleModule

GNOME = re.compile(r"^(gnome|ubuntu)(-.+)?$")


def sessions_in(listing):
    """Session names from {folder: [file names]}: the *.desktop files, sorted, without duplicates."""
    return sorted({name[:-len(".desktop")] for names in listing.values() for name in names if name.endswith(".desktop")})


def is_gnome(sessions):
    """GNOME sessions of Debian and Ubuntu: gnome, gnome-xorg, gnome-classic(-xorg), ubuntu, ubuntu-wayland, ..."""
    return any(GNOME.match(name) for name in sessions)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            session_dirs=dict(type="list", elements="path", default=["/usr/share/xsessions", "/usr/share/wayland-sessions"]),
        ),
        supports_check_mode=True,
    )
    listing = {folder: os.listdir(folder) for folder in module.params["session_dirs"] if os.path.isdir(folder)}
    found = sessions_in(listing)
    gnome = is_gnome(found)
    module.exit_json(changed=False, sessions=found, gnome=gnome,
                     ansible_facts={"cnil_desktop": {"sessions": found, "gnome": gnome}})


if __name__ == "__main__":
    main()
