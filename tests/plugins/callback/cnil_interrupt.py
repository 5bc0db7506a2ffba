# cnil-cabinet — GPL-3.0-or-later
"""Test-only callback: kill the run right after a named task, as a power cut or a dropped link would."""

from __future__ import annotations

import os
import signal
import sys

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: cnil_interrupt
type: aggregate
short_description: Kill ansible-playbook after the task named in CNIL_INTERRUPT_AFTER (tests only)
description:
  - When the environment variable CNIL_INTERRUPT_AFTER is set, the first task whose name starts with it ends
    the whole run with SIGKILL as soon as that task has finished on one host. Used by
    tests/behaviour/test_interrupted_run.py to prove that a run stopped half-way converges on the next run.
requirements:
  - enabled with ANSIBLE_CALLBACKS_ENABLED=cnil_interrupt and ANSIBLE_CALLBACK_PLUGINS pointing here
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "cnil_interrupt"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self):
        super().__init__()
        self._after = os.environ.get("CNIL_INTERRUPT_AFTER")

    def _maybe_kill(self, result):
        task = getattr(result, "task", None) or getattr(result, "_task", None)
        # The task's own name: get_name() puts "<role> : " in front of a role's tasks.
        name = str(task.name or "") if task is not None else ""
        if self._after and name.startswith(self._after):
            self._display.display("cnil_interrupt: killing the run after '%s'" % name)
            # SIGKILL leaves no time to flush: what was displayed must be out first.
            sys.stdout.flush()
            sys.stderr.flush()
            os.killpg(os.getpgrp(), signal.SIGKILL)

    def v2_runner_on_ok(self, result):
        self._maybe_kill(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._maybe_kill(result)
