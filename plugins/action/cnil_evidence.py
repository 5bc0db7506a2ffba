# cnil-cabinet — GPL-3.0-or-later
"""Turn a control's measured values into checks with a status, for the cnil_report callback."""

from __future__ import annotations

import os
import sys

from ansible.plugins.action import ActionBase

# The shared logic lives in plugins/cnil_lib (plain Python, unit-tested without Ansible).
_PLUGINS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _PLUGINS not in sys.path:
    sys.path.insert(0, _PLUGINS)

from cnil_lib.catalog import load_catalog, today  # noqa: E402
from cnil_lib.evidence import EvidenceError, run  # noqa: E402

DOCUMENTATION = r"""
name: cnil_evidence
short_description: Record the evidence of one CNIL control for the compliance report
description:
  - Runs on the controller only. It never executes a module on the host and never connects,
    so it works in check mode and costs no round trip. It always returns C(changed=false).
  - Gives each check a status. C(ERROR) when C(error) is set (a failed probe is never a pass);
    C(NOT_APPLICABLE) when C(applicable) is false; C(PASS) when C(ok) is true; otherwise C(FAIL),
    or C(WAIVED) when C(cnil_waivers) holds an unexpired waiver for the control (and this check,
    when the waiver names one). An expired waiver leaves C(FAIL) and says so in C(reason).
  - Today's date is the controller's; the environment variable C(CNIL_TODAY) (YYYY-MM-DD) pins it
    for tests.
  - Fails on an unknown control ID (not in C(data/controls.yml)), on a missing C(id) or C(ok), on
    wrong types or unknown fields, and on a malformed waiver for this control.
options:
  control:
    description: Control ID, as in C(data/controls.yml). Organisational controls are refused.
    type: str
    required: true
  checks:
    description: What was measured for this control.
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description: Short stable name, unique within the control (C(gui_idle_lock)).
        type: str
        required: true
      ok:
        description: The measured value meets the threshold. May be null only with C(error) or C(applicable=false).
        type: bool
        required: true
      applicable:
        description: False when the check does not apply to this host.
        type: bool
        default: true
      reason:
        description: Why not applicable or why it failed (short English).
        type: str
      expected:
        description: The threshold, human-readable.
        type: str
      evidence:
        description: Values read on the host. Never put secrets here.
        type: dict
      error:
        description: The probe failed; the check is C(ERROR).
        type: str
"""

EXAMPLES = r"""
- name: CNIL-LOCK-01 | evidence
  cnil_evidence:
    control: CNIL-LOCK-01
    checks:
      - id: gui_idle_lock
        ok: "{{ lock_idle_delay | int > 0 and lock_idle_delay | int <= 1800 }}"
        applicable: "{{ lock_has_gnome }}"
        reason: no graphical desktop installed
        expected: "0 < idle-delay <= 1800 s, locked"
        evidence: {idle_delay: "{{ lock_idle_delay }}"}
"""

RETURN = r"""
cnil_control:
  description: The control ID.
  returned: success
  type: str
cnil_cabinet:
  description: The host's C(cnil_cabinet), or C(default).
  returned: success
  type: str
cnil_checks:
  description: One entry per check; C(waiver) is the applied waiver or null.
  returned: success
  type: list
  elements: dict
  sample: [{id: gui_idle_lock, status: PASS, evidence: {idle_delay: 900}, expected: "<= 1800 s", reason: null, waiver: null}]
"""


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        templar = self._templar.copy_with_new_env(available_variables=task_vars)
        try:
            result.update(run(
                dict(self._task.args),
                templar.template(task_vars.get("cnil_cabinet")),
                templar.template(task_vars.get("cnil_waivers")),
                load_catalog(),
                today(),
            ))
        except EvidenceError as exc:
            result.update(failed=True, changed=False, msg="cnil_evidence: %s" % exc)
        return result
