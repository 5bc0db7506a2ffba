#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
"""Ansible module: can this host reach its package mirror, before a role installs what it lacks?"""

from __future__ import annotations

DOCUMENTATION = r"""
---
module: cnil_apt_mirror
short_description: Fail at once, and say why, when packages are missing and no APT mirror can be reached
description:
  - Read-only. Opens a TCP connection to each host of the enabled APT sources (or to the proxy of
    C(Acquire::http::Proxy)), all at once, within I(timeout) seconds. Nothing is downloaded.
  - A role runs it just before installing the packages it lacks. Without it, APT on a PC cut from its mirror
    waits for name resolution again and again, and Ansible's apt module retries the update five times, which
    takes more than twenty minutes before an unclear error.
  - When no mirror answers, the module fails with a message naming the control, the missing packages and the
    mirrors tried; the role's later tasks (PAM, firewall rules) do not run on that host, so nothing is
    half-written. In check mode it never fails, since nothing would be installed; it returns C(reachable=false) and
    a warning.
options:
  control:
    description: The control that needs the packages, for the message.
    type: str
    required: true
  packages:
    description: The packages to install (only those missing).
    type: list
    elements: str
    required: true
  timeout:
    description: Seconds to wait for every mirror to answer.
    type: int
    default: 8
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-PWD-01 | the package mirror answers (packages to install)
  cnil_apt_mirror:
    control: CNIL-PWD-01
    packages: "{{ cnil_pwd_packages | difference(ansible_facts['packages'].keys()) }}"
  when: cnil_pwd_packages | difference(ansible_facts['packages'].keys()) | length > 0
"""

RETURN = r"""
reachable:
  description: At least one mirror (or the proxy) accepted a connection.
  returned: always
  type: bool
mirrors:
  description: One entry per host tried, C({host, port, reachable, error}).
  returned: always
  type: list
"""

import socket
import threading

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.cnil_apt import read_sources
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def endpoints(uris, proxy=None):
    """(host, port) pairs to try: the proxy when APT goes through one, else each network mirror once.
    Local sources (file:, cdrom:) need no network: None then means 'nothing to try, reachable'."""
    if proxy:
        parts = urlsplit(proxy)
        return [(parts.hostname, parts.port or DEFAULT_PORTS.get(parts.scheme, 80))]
    found = []
    for uri in uris:
        parts = urlsplit(uri)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            return None
        pair = (parts.hostname, parts.port or DEFAULT_PORTS[parts.scheme])
        if pair not in found:
            found.append(pair)
    return found


def probe(pairs, timeout, connect=socket.create_connection):
    """Try every (host, port) at once; each gets at most timeout seconds (name resolution included)."""
    results = {pair: "no answer within %d s" % timeout for pair in pairs}

    def attempt(pair):
        try:
            connect(pair, timeout=timeout).close()
            results[pair] = None
        except (OSError, ValueError) as exc:
            results[pair] = str(exc) or exc.__class__.__name__

    threads = [threading.Thread(target=attempt, args=(pair,), daemon=True) for pair in pairs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return [{"host": h, "port": p, "reachable": results[(h, p)] is None, "error": results[(h, p)]} for h, p in pairs]


def message(control, packages, mirrors):
    tried = ", ".join("%s:%d (%s)" % (m["host"], m["port"], m["error"]) for m in mirrors) or "no APT source enabled"
    return ("%s: the package mirror cannot be reached from this PC, and %s must be installed: %s. Nothing more of "
            "this control was changed on this PC. Check its network (or its APT sources and proxy), then run again."
            % (control, ", ".join(packages), tried))


def apt_proxy():
    try:
        import apt_pkg
    except ImportError:
        return None
    apt_pkg.init_config()
    return apt_pkg.config.find("Acquire::http::Proxy", "") or None


def main():
    module = AnsibleModule(
        argument_spec=dict(control=dict(type="str", required=True),
                           packages=dict(type="list", elements="str", required=True),
                           timeout=dict(type="int", default=8)),
        supports_check_mode=True,
    )
    uris = [entry["uri"] for entry in read_sources("/")]
    pairs = endpoints(uris, apt_proxy())
    if pairs is None:  # a local source: nothing to reach
        module.exit_json(changed=False, reachable=True, mirrors=[])
    mirrors = probe(pairs, module.params["timeout"])
    reachable = any(m["reachable"] for m in mirrors)
    if reachable:
        module.exit_json(changed=False, reachable=True, mirrors=mirrors)
    msg = message(module.params["control"], module.params["packages"], mirrors)
    if module.check_mode:
        module.warn(msg)
        module.exit_json(changed=False, reachable=False, mirrors=mirrors)
    module.fail_json(msg=msg, reachable=False, mirrors=mirrors)


if __name__ == "__main__":
    main()
