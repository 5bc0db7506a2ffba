# cnil-cabinet — GPL-3.0-or-later
"""Platform support: is this host's system one the roles have code paths for (data/platforms.yml)?"""

from __future__ import annotations

import os

import yaml
from ansible.plugins.action import ActionBase

DOCUMENTATION = r"""
name: cnil_platform
short_description: Tell whether the roles support this host's operating system
description:
  - Runs on the controller from gathered facts; never connects by itself and never fails.
  - A system outside C(data/platforms.yml) (another distribution, or a release nobody wrote or tested the tasks
    for) gets C(supported=false) and C(cnil_unsupported), the sentence the report shows for that host. The
    playbook then runs no role on it.
options: {}
"""

EXAMPLES = r"""
- name: Support | this system is one the roles have code paths for
  cnil_platform:
  register: cnil_platform_result
"""

RETURN = r"""
supported:
  description: The system is in C(data/platforms.yml).
  returned: always
  type: bool
tested:
  description: That system is converged and checked by every C(make test) run.
  returned: always
  type: bool
platform:
  description: What the facts say, for example C(Debian 12.8).
  returned: always
  type: str
cnil_unsupported:
  description: Why the host is not supported.
  returned: when not supported
  type: str
"""

PLATFORMS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "data", "platforms.yml")


def load_platforms(path=PLATFORMS):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["linux"]


def support(facts, platforms):
    """(supported, tested, platform, reason) of a Linux host from its facts (ansible_facts, without prefixes)."""
    distribution = str(facts.get("distribution") or "unknown")
    major, version = str(facts.get("distribution_major_version") or ""), str(facts.get("distribution_version") or "")
    platform = " ".join(p for p in (distribution, version or major) if p)
    known = [p for p in platforms if p["distribution"] == distribution]
    if not known:
        names = ", ".join(sorted({p["distribution"] for p in platforms}))
        return False, False, platform, ("unsupported system: %s is not one the toolkit knows (%s); nothing was "
                                        "checked or changed on this host" % (platform, names))
    for entry in known:
        if major in entry["versions"] or version in entry["versions"]:
            return True, bool(entry.get("tested")), platform, None
    releases = ", ".join(v for p in known for v in p["versions"])
    return False, False, platform, ("unsupported release: %s (supported: %s %s); nothing was checked or changed "
                                    "on this host" % (platform, distribution, releases))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        facts = (task_vars or {}).get("ansible_facts", {})
        supported, tested, platform, reason = support(facts, load_platforms())
        result.update(changed=False, supported=supported, tested=tested, platform=platform)
        if reason:
            result.update(cnil_unsupported=reason, msg=reason)
        return result
