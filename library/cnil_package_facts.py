#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: the installed Debian packages, as the fact `cnil_packages`, from one dpkg-query call (read-only)."""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_package_facts
short_description: Installed Debian packages as the fact C(cnil_packages), read with one dpkg-query call
description:
  - >-
    Sets the fact C(cnil_packages): installed package name to version (the versions of a multi-arch package
    joined by a space), read from dpkg's database with one C(dpkg-query) call.
  - >-
    Why not M(ansible.builtin.package_facts): on Debian it loads python3-apt's whole cache, which costs about
    0.8 s more per PC and run, measured by C(make bench); and its fact (a list of dicts per package) is cleaned
    and copied by Ansible for every later task of the host, about 1 s of the controller's CPU per audit
    (py-spy). The roles only ask which packages are installed. The fact has its own name, so a play that
    also runs M(ansible.builtin.package_facts) keeps that one's C(packages) as it is.
  - >-
    A package counts as installed when dpkg has a version of it in place (status installed, or waiting for
    triggers). Half-installed or half-configured packages do not count: the roles then ask apt to install them,
    which repairs them.
  - >-
    With C(desktop=true) it also sets the fact C(cnil_desktop) (installed desktop sessions, and whether one is
    GNOME), the answer of C(cnil_desktop_facts): the first role of a run asks both in one call, one call fewer
    per PC.
  - Changes nothing, in check mode or not.
options:
  desktop:
    description: Also set the fact C(cnil_desktop) (C(sessions), C(gnome)).
    type: bool
    default: false
  session_dirs:
    description: With C(desktop), the directories of session files.
    type: list
    elements: path
    default: [/usr/share/xsessions, /usr/share/wayland-sessions]
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-FW-01 | read installed packages
  cnil_package_facts:
  when: ansible_facts['cnil_packages'] is not defined

- name: CNIL-LOCK-01 | read installed packages and desktop sessions
  cnil_package_facts:
    desktop: true
  when: ansible_facts['cnil_packages'] is not defined or ansible_facts['cnil_desktop'] is not defined
"""

RETURN = r"""
ansible_facts:
  description: The fact C(cnil_packages), and C(cnil_desktop) with C(desktop=true).
  returned: success
  type: dict
  sample: {cnil_packages: {ufw: "0.36.2-1", libc6: "2.36-9+deb12u9 2.36-9+deb12u9"},
           cnil_desktop: {sessions: [gnome], gnome: true}}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.cnil_desktop import SESSION_DIRS, desktop_fact

# dpkg's current status (the second letter of db:Status-Abbrev): i installed, W and t waiting for triggers.
INSTALLED = frozenset("iWt")
FORMAT = "${Package}\t${Version}\t${Architecture}\t${db:Status-Abbrev}\n"


def parse(output):
    """{name: version} from dpkg-query's lines, installed packages only (a multi-arch package's versions joined)."""
    packages = {}
    for line in output.splitlines():
        fields = line.split("\t")
        if len(fields) != 4 or len(fields[3]) < 2 or fields[3][1] not in INSTALLED:
            continue
        name, version, _arch, _status = fields
        packages[name] = packages[name] + " " + version if name in packages else version
    return packages


def main():
    module = AnsibleModule(argument_spec=dict(
        desktop=dict(type="bool", default=False),
        session_dirs=dict(type="list", elements="path", default=SESSION_DIRS)), supports_check_mode=True)
    dpkg_query = module.get_bin_path("dpkg-query")
    if not dpkg_query:
        module.fail_json(msg="cnil_package_facts: dpkg-query not found; this module reads Debian-family systems only")
    rc, out, err = module.run_command([dpkg_query, "-W", "-f", FORMAT], environ_update={"LC_ALL": "C"})
    if rc != 0:
        module.fail_json(msg="cnil_package_facts: dpkg-query failed (exit %d): %s" % (rc, err.strip()))
    facts = {"cnil_packages": parse(out)}
    if module.params["desktop"]:
        facts["cnil_desktop"] = desktop_fact(module.params["session_dirs"])
    module.exit_json(changed=False, ansible_facts=facts)


if __name__ == "__main__":
    main()
