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
    not set yet, so a baseline run looks once per host, not once per role. C(cnil_package_facts) with
    C(desktop=true) sets the same fact in the call that reads the packages (module_utils/cnil_desktop.py).
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

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.cnil_desktop import SESSION_DIRS, desktop_fact, is_gnome, sessions_in  # noqa: F401


def main():
    module = AnsibleModule(
        argument_spec=dict(session_dirs=dict(type="list", elements="path", default=SESSION_DIRS)),
        supports_check_mode=True,
    )
    fact = desktop_fact(module.params["session_dirs"])
    module.exit_json(changed=False, ansible_facts={"cnil_desktop": fact}, **fact)


if __name__ == "__main__":
    main()
