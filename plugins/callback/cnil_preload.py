# cnil-cabinet — GPL-3.0-or-later
"""Load the Jinja filter and test plugins once, in the controller process, before the workers fork.

Ansible runs each task of each host in a freshly forked worker. A worker that templates anything first loads
every filter and test plugin (imports, file scans), then drops them when it exits: measured with py-spy on an
audit of one PC, that reloading was about a fifth of the controller's CPU. Loaded in the parent, the plugins are
inherited by every fork for free. Nothing else changes: same plugins, same search paths, same results.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: cnil_preload
type: aggregate
short_description: load Jinja filter and test plugins before workers fork (speed only)
description:
  - At the start of each play, loads the filter and test plugins in the controller process, so the workers
    Ansible forks per task inherit them instead of loading them again.
  - No output and no effect on results. Enabled in ansible.cfg (callbacks_enabled).
"""

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import filter_loader, test_loader


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "cnil_preload"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_play_start(self, play):
        # Once per play: loading a role or playbook folder with its own plugins clears the loaders' caches.
        for loader in (filter_loader, test_loader):
            for _plugin in loader.all():
                pass
