# cnil-cabinet — GPL-3.0-or-later
"""Lockout guard: refuse a run that would cut the management connection, before any change."""

from __future__ import annotations

import ipaddress

from ansible.plugins.action import ActionBase

DOCUMENTATION = r"""
name: cnil_lockout_guard
short_description: Refuse to run when the baseline would lock the contractor out
description:
  - Runs on the controller from gathered facts (the C(env) subset); never connects by itself.
  - Over SSH, the address the PC sees the controller coming from must be inside C(cnil_mgmt_sources),
    otherwise the firewall (CNIL-FW-01) would cut this very connection.
  - That the management account stays a declared admin (CNIL-ACC-01) is checked by the preflight (cnil_preflight).
options: {}
"""

LOCAL_CONNECTIONS = {"local", "docker", "community.docker.docker", "ansible.builtin.local", "podman", "containers.podman.podman"}


def source_address(env):
    """The controller's address as the PC sees it, from sshd's environment variables."""
    for var in ("SSH_CONNECTION", "SSH_CLIENT"):
        value = (env or {}).get(var)
        if value:
            return value.split()[0]
    return None


def in_sources(address, sources):
    ip = ipaddress.ip_address(address)
    return any(ip in ipaddress.ip_network(str(src), strict=False) for src in sources or [])


def problems(connection, env, sources):
    found = []
    if connection not in LOCAL_CONNECTIONS:
        address = source_address(env)
        if address is None:
            found.append("the connection's source address is unknown (no SSH_CONNECTION on the host): cannot prove that "
                         "the firewall (CNIL-FW-01) keeps cnil_mgmt_sources %s open for it" % (list(sources or []),))
        elif not in_sources(address, sources):
            found.append("this controller reaches the PC from %s, which is not in cnil_mgmt_sources %s: the firewall "
                         "(CNIL-FW-01) would cut this connection. Add the address (or its network) to cnil_mgmt_sources."
                         % (address, list(sources or [])))
    return found


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        facts = task_vars.get("ansible_facts", {})
        connection = str(task_vars.get("ansible_connection") or self._play_context.connection or "ssh")
        found = problems(connection, facts.get("env"), task_vars.get("cnil_mgmt_sources"))
        result.update(changed=False, source=source_address(facts.get("env")))
        if found:
            result.update(failed=True, msg="Refused before any change, to keep the management access:\n- " + "\n- ".join(found))
        return result
