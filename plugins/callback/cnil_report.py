# cnil-cabinet — GPL-3.0-or-later
"""Collect task results by control ID and write the cabinet compliance reports at the end of the run."""

from __future__ import annotations

import datetime
import os
import sys

from ansible import context
from ansible.plugins.callback import CallbackBase

# The shared logic lives in plugins/cnil_lib (plain Python, unit-tested without Ansible).
_PLUGINS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _PLUGINS not in sys.path:
    sys.path.insert(0, _PLUGINS)

from cnil_lib.catalog import load_catalog, today, toolkit_version  # noqa: E402
from cnil_lib.render import write_run  # noqa: E402
from cnil_lib.report import RunCollector  # noqa: E402

DOCUMENTATION = r"""
name: cnil_report
type: aggregate
short_description: Write the CNIL compliance report (JSON and French HTML) of a run
description:
  - Inert unless the environment variable C(CNIL_REPORT_DIR) is set (C(bin/cnil) sets it). It never
    writes to stdout, so the output of the stdout callback is unchanged.
  - Groups results by control ID, taken from the task name prefix (C(CNIL-LOCK-01 | ...)) or from
    the C(cnil_control) of a C(cnil_evidence) result. Per host and control it keeps the checks, the
    changed tasks with their diff (nothing at all of a C(no_log) result) and the failed tasks. A module that
    enforces several parts in one call and returns C(parts) (C(title), C(changed), C(diff) each) gives one
    change per changed part, named C(<task> | <title>).
  - Failed tasks without a control ID (for example preflight) are listed as run errors.
  - Reads C(cnil_cabinet), C(cnil_attestations) and C(cnil_report_lang) of each host from the
    inventory, and judges the organisational controls of each cabinet from the attestations.
  - At the end of the run writes C($CNIL_REPORT_DIR/<cabinet>/<YYYYmmddTHHMMSSZ>/report.json) and
    C(report.html) per cabinet, C($CNIL_REPORT_DIR/index.html) when the folder holds several
    cabinets, and, when C(CNIL_RUN_SUMMARY) is set, a JSON run summary at that path.
  - The report is in French unless the cabinet's C(cnil_report_lang) (from its first host) is C(en);
    the environment variable C(CNIL_REPORT_LANG) (C(bin/cnil --lang)) overrides it for every cabinet.
  - C(CNIL_TODAY) (YYYY-MM-DD) pins today's date for tests.
requirements:
  - enabled in C(callbacks_enabled)
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "cnil_report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.report_dir = os.environ.get("CNIL_REPORT_DIR")
        self.summary_path = os.environ.get("CNIL_RUN_SUMMARY")
        self.disabled = not self.report_dir
        self.play = None
        self.collector = None
        if not self.disabled:
            self.collector = RunCollector(load_catalog(), check_mode=bool(context.CLIARGS.get("check")),
                                          lang=os.environ.get("CNIL_REPORT_LANG") or None)

    def v2_playbook_on_start(self, playbook):
        self.collector.check_mode = bool(context.CLIARGS.get("check"))
        # A summary left by an earlier run must not pass for this run's if writing fails.
        if self.summary_path and os.path.exists(self.summary_path):
            os.remove(self.summary_path)

    # ---- inventory values of each host ----------------------------------------------------

    def v2_playbook_on_play_start(self, play):
        self.play = play

    def _learn_host(self, host):
        """Read the host's cnil_* variables once, from the play's variable manager."""
        name = host.get_name()
        if self.collector.host(name)["vars_known"] or self.play is None:
            return
        from ansible.template import Templar

        values = dict.fromkeys(("cnil_cabinet", "cnil_attestations", "cnil_report_lang"))
        try:
            variables = self.play.get_variable_manager().get_vars(play=self.play, host=host)
            templar = Templar(loader=self.play.get_loader(), variables=variables)
        except Exception as exc:  # a broken inventory must show in the report, not crash it
            self.collector.run_errors.append({"host": name, "task": "cnil_report: inventory", "msg": str(exc)})
            variables, templar = {}, None
        for var in values if templar else ():
            raw = variables.get(var)
            if isinstance(raw, dict):
                # Attestations one by one: a broken one must not hide the others.
                values[var] = {str(k): self._render(templar, v, name, "%s.%s" % (var, k)) for k, v in raw.items()}
            else:
                values[var] = self._render(templar, raw, name, var)
        self.collector.set_host_vars(name, values["cnil_cabinet"], values["cnil_attestations"], values["cnil_report_lang"])

    def _render(self, templar, value, host, label):
        """An inventory value templated; a broken template is a run error, never a crash."""
        try:
            return _plain(templar.template(value))
        except Exception as exc:
            self.collector.run_errors.append({"host": host, "task": "cnil_report: inventory",
                                              "msg": "cannot read %s: %s" % (label, exc)})
            return None

    # ---- task results ---------------------------------------------------------------------

    def _record(self, event, result, ignore_errors=False):
        self._learn_host(result.host)
        self.collector.record(
            result.host.get_name(),
            result.task_name,
            event,
            dict(result.result),
            ignore_errors=ignore_errors,
            task_check_mode=getattr(result.task, "check_mode", None),
            ignore_unreachable=bool(getattr(result.task, "ignore_unreachable", False)),
        )

    def v2_runner_on_ok(self, result):
        self._record("ok", result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record("failed", result, ignore_errors=ignore_errors)

    def v2_runner_on_skipped(self, result):
        self._record("skipped", result)

    def v2_runner_on_unreachable(self, result):
        self._record("unreachable", result)

    # ---- end of run -----------------------------------------------------------------------

    def v2_playbook_on_stats(self, stats):
        now = datetime.datetime.now(datetime.timezone.utc)
        reports = self.collector.build_reports(today(), now.strftime("%Y-%m-%dT%H:%M:%SZ"), toolkit_version())
        try:
            write_run(reports, self.report_dir, now.strftime("%Y%m%dT%H%M%SZ"), self.collector.catalog,
                      run_errors=self.collector.run_errors, check_mode=self.collector.check_mode,
                      summary_path=self.summary_path)
        except OSError as exc:
            # No summary file is left behind, so bin/cnil can tell that the report is missing.
            self._display.warning("cnil_report: cannot write the report under %s: %s" % (self.report_dir, exc))


def _plain(value):
    """Inventory values as plain Python types (Ansible tags its strings and dicts)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, str):
        return str(value)
    return value
