# cnil-cabinet — GPL-3.0-or-later
"""Aggregate task results by host and control ID, and build one report per cabinet.

Fed by the cnil_report callback with plain dicts (the task result as callbacks see it), so
that the tests can replay recorded results. No Ansible imports here.

Control status on a host (first rule that matches):
  UNREACHABLE     the host became unreachable during a task of this control, or before the control
                  could run (every control in the run's technical scope is then listed)
  UNSUPPORTED     the host's system is not one the roles support (data/platforms.yml): no role ran there,
                  every control in the run's technical scope is listed with this status
  ERROR           a task of the control failed (not ignore_errors), or a check is ERROR
  FAIL            a check is FAIL
  DRIFT           a task of the control reported changed in check mode (would change the host)
  WAIVED          a check is WAIVED
  NOT_APPLICABLE  every check is NOT_APPLICABLE
  PASS            otherwise (checks pass, or only unchanged tasks)
Changes made by a real (non-check) run are listed as applied but are not drift.

An unreachable host keeps the controls it finished; every other technical control seen in the run
(all technical controls of the catalog when none was seen) is listed as UNREACHABLE.
Organisational controls, per cabinet: each host's cnil_attestations is judged (ATTESTED,
ATTESTATION_EXPIRED, ATTESTATION_MISSING, NOT_APPLICABLE) and the worst is reported, with
per_host when the hosts disagree. Hosts without cnil_cabinet belong to the cabinet "default".
A cabinet is compliant when every control is PASS, WAIVED, ATTESTED or NOT_APPLICABLE, every
host was reachable and no task without a control ID failed (run_errors).
"""

from __future__ import annotations

import datetime
import difflib
import json

from cnil_lib.catalog import CONTROL_ID_RE, as_date, attestation_key, control_id_from_name

SCHEMA_VERSION = "1.1"  # 1.1: status UNSUPPORTED, host field unsupported
COMPLIANT = frozenset(("PASS", "WAIVED", "ATTESTED", "NOT_APPLICABLE"))
# Report order, worst first; also the order of the summary counts.
STATUSES = ("UNREACHABLE", "UNSUPPORTED", "ERROR", "FAIL", "ATTESTATION_MISSING", "ATTESTATION_EXPIRED", "DRIFT",
            "WAIVED", "ATTESTED", "PASS", "NOT_APPLICABLE")
ATTESTATION_FIELDS = ("statement", "evidence", "attested_by", "attested_on")
MAX_MSG = 2000
HIDDEN_MSG = "output hidden (no_log)"
NO_ATTESTATION = "no attestation"


def worst(statuses):
    """The worst of some statuses (STATUSES order), or None."""
    return min(statuses, key=STATUSES.index, default=None)


def _hidden(result):
    """True when Ansible censored the result (no_log): nothing of it may reach the report."""
    return bool(result.get("_ansible_no_log")) or "censored" in result


def _loop_items(result):
    items = result.get("results")
    return [item for item in items if isinstance(item, dict)] if isinstance(items, list) else []


def _serialise(value):
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return json.dumps(value, indent=2, sort_keys=True, default=str) + "\n"


def format_diff(diff):
    """Ansible's diff (a dict or a list of dicts) as plain unified-diff text, or None."""
    parts = []
    for entry in diff if isinstance(diff, list) else [diff]:
        if not isinstance(entry, dict):
            continue
        for key, text in (("dst_binary", "destination file appears to be binary"),
                          ("src_binary", "source file appears to be binary"),
                          ("dst_larger", "destination file is too large"),
                          ("src_larger", "source file is too large")):
            if key in entry:
                parts.append("diff skipped: %s\n" % text)
        if "before" in entry and "after" in entry:
            before = _serialise(entry["before"]).splitlines(True)
            after = _serialise(entry["after"]).splitlines(True)
            parts.extend(difflib.unified_diff(
                before, after,
                fromfile="before: %s" % entry["before_header"] if "before_header" in entry else "before",
                tofile="after: %s" % entry["after_header"] if "after_header" in entry else "after"))
        if entry.get("prepared"):
            parts.append(str(entry["prepared"]))
    text = "".join(p if p.endswith("\n") else p + "\n" for p in parts)
    return text or None


def change_entry(task, result, applied):
    """{task, diff, hidden, applied}: the diff text, never anything of a censored result."""
    if _hidden(result):
        return {"task": task, "diff": None, "hidden": True, "applied": applied}
    diffs, hidden = [], False
    if "diff" in result:
        diffs.append(format_diff(result["diff"]))
    for item in _loop_items(result):
        if _hidden(item):
            hidden = True
        elif item.get("changed") and "diff" in item:
            diffs.append(format_diff(item["diff"]))
    text = "".join(d for d in diffs if d) or None
    return {"task": task, "diff": text, "hidden": hidden, "applied": applied}


def _changed_parts(result):
    """The changed parts of a call that enforces several parts of a control (C(parts) of cnil_fw_ufw, and of
    cnil_files / cnil_units given titles: one entry each with C(title), C(changed) and its own C(diff)), so the
    report names the part that drifted as a task per part would."""
    parts = result.get("parts")
    if not isinstance(parts, list):
        return []
    return [p for p in parts if isinstance(p, dict) and isinstance(p.get("title"), str) and p.get("changed")]


def change_entries(task, result, applied):
    """One change entry per changed part when the module reports parts, else one for the task."""
    parts = [] if _hidden(result) else _changed_parts(result)
    if not parts:
        return [change_entry(task, result, applied)]
    return [change_entry("%s | %s" % (task, part["title"]), part, applied) for part in parts]


def _is_changed(result):
    return bool(result.get("changed")) or any(item.get("changed") for item in _loop_items(result))


def error_message(result):
    if _hidden(result):
        return HIDDEN_MSG
    msgs = [str(result.get("msg") or "").strip()]
    for item in _loop_items(result):
        if item.get("failed"):
            msgs.append(HIDDEN_MSG if _hidden(item) else "%s: %s" % (item.get("_ansible_item_label", item.get("item", "item")),
                                                                   str(item.get("msg") or "failed").strip()))
    if not any(msgs) and result.get("stderr"):
        msgs.append(str(result["stderr"]).strip().splitlines()[-1])
    text = "; ".join(m for m in msgs if m) or "task failed"
    return text if len(text) <= MAX_MSG else text[:MAX_MSG] + "…"


def os_from_facts(facts):
    """{name, family, distribution, version} from gathered facts, or None."""
    def fact(name):
        return facts.get("ansible_" + name, facts.get(name))

    distribution, version, family = fact("distribution"), fact("distribution_version"), fact("os_family")
    product = fact("os_name")  # Windows: "Microsoft Windows 11 Pro"
    if not (distribution or product or family):
        return None
    name = product or " ".join(str(p) for p in (distribution, version) if p) or str(family)
    return {"name": str(name), "family": family and str(family), "distribution": distribution and str(distribution),
            "version": version and str(version)}


def control_status(control):
    """Status of one control on one host, from its checks, changes, errors (see module doc)."""
    if control.get("unreachable"):
        return "UNREACHABLE"
    statuses = [c["status"] for c in control["checks"]]
    if control["errors"] or "ERROR" in statuses:
        return "ERROR"
    if "FAIL" in statuses:
        return "FAIL"
    if any(not change["applied"] for change in control["changes"]):
        return "DRIFT"
    if "WAIVED" in statuses:
        return "WAIVED"
    if statuses and all(s == "NOT_APPLICABLE" for s in statuses):
        return "NOT_APPLICABLE"
    return "PASS"


def attestation_status(attestation, review_days_default, today):
    """Record of one organisational control from its attestation (catalog §3.1)."""
    record = {"status": "ATTESTATION_MISSING", "statement": None, "evidence": None, "attested_by": None,
              "attested_on": None, "review_days": review_days_default, "review_due": None,
              "justification": None, "reason": None, "missing": []}
    if not isinstance(attestation, dict):
        record["reason"] = NO_ATTESTATION if attestation is None else "attestation is not a mapping"
        return record
    for field in ("statement", "evidence", "attested_by", "justification"):
        value = attestation.get(field)
        record[field] = str(value).strip() if value not in (None, "") else None

    applies = attestation.get("applies", True)
    if applies is False:
        if record["justification"]:
            record["status"] = "NOT_APPLICABLE"
        else:
            record["reason"] = "applies is false but no justification is given"
        return record
    if applies is not True:
        record["reason"] = "applies must be true or false"
        return record

    review_days = attestation.get("review_days")
    if review_days is not None:
        # A shorter review is stricter and always fine; a longer one would weaken the control.
        if isinstance(review_days, bool) or not isinstance(review_days, int) or review_days <= 0:
            record["reason"] = "review_days must be a positive number of days"
            return record
        if review_days <= review_days_default:
            record["review_days"] = review_days

    missing = [f for f in ATTESTATION_FIELDS if f != "attested_on" and not record[f]]
    attested_on = attestation.get("attested_on")
    if attested_on in (None, ""):
        missing.append("attested_on")
    if missing:
        record["reason"] = "missing: %s" % ", ".join(missing)
        record["missing"] = missing
        return record
    try:
        attested = as_date(attested_on)
    except (TypeError, ValueError):
        record["reason"] = "attested_on is not a date (YYYY-MM-DD)"
        return record
    due = attested + datetime.timedelta(days=record["review_days"])
    record["attested_on"] = attested.isoformat()
    record["review_due"] = due.isoformat()
    if due < today:
        record["status"] = "ATTESTATION_EXPIRED"
        record["reason"] = "review was due on %s" % record["review_due"]
    else:
        record["status"] = "ATTESTED"
    return record


class RunCollector:
    """Everything the callback learns during a run, then one report per cabinet."""

    def __init__(self, catalog, check_mode=False, lang=None):
        self.catalog = catalog
        self.check_mode = bool(check_mode)
        self.lang = lang  # overrides each cabinet's cnil_report_lang (bin/cnil --lang)
        self.hosts = {}
        self.run_errors = []

    def host(self, name):
        if name not in self.hosts:
            self.hosts[name] = {"cabinet": None, "lang": None, "attestations": None, "vars_known": False,
                                "os": None, "reachable": True, "unsupported": None, "controls": {}}
        return self.hosts[name]

    def set_host_vars(self, name, cabinet=None, attestations=None, lang=None):
        """Inventory values of the host (cnil_cabinet, cnil_attestations, cnil_report_lang)."""
        host = self.host(name)
        host.update(vars_known=True, cabinet=str(cabinet) if cabinet else None, attestations=attestations,
                    lang=str(lang) if lang else None)

    def _control(self, host, control_id):
        return host["controls"].setdefault(control_id, {"checks": [], "changes": [], "errors": [], "unreachable": False})

    def record(self, host_name, task_name, event, result, ignore_errors=False, task_check_mode=None, ignore_unreachable=False):
        """One task result. event: ok | failed | skipped | unreachable (loop items are not sent).
        ignore_unreachable: the task carries ignore_unreachable (e.g. delegated to another host that may be
        down): Ansible keeps this host in the run, so the host stays reachable and the control is in ERROR."""
        host = self.host(host_name)
        result = result if isinstance(result, dict) else {}
        task = str(task_name or "")
        control_id = result.get("cnil_control")
        if not (isinstance(control_id, str) and CONTROL_ID_RE.match(control_id)):
            control_id = control_id_from_name(task)

        if event == "skipped":
            return  # a control only seen in skipped tasks is not listed
        if event == "unreachable" and ignore_unreachable:
            event, ignore_errors = "failed", False
        if event == "unreachable":
            host["reachable"] = False
            if control_id:
                control = self._control(host, control_id)
                control["unreachable"] = True
                control["errors"].append({"task": task, "msg": error_message(result)})
            return
        if event == "failed" and not ignore_errors:
            if control_id:
                self._control(host, control_id)["errors"].append({"task": task, "msg": error_message(result)})
            else:
                self.run_errors.append({"host": host_name, "task": task, "msg": error_message(result)})
            return

        facts = result.get("ansible_facts")
        if isinstance(facts, dict) and not _hidden(result):
            host["os"] = os_from_facts(facts) or host["os"]
        if isinstance(result.get("cnil_unsupported"), str):  # the support play (plugins/action/cnil_platform.py)
            host["unsupported"] = result["cnil_unsupported"]
        if not control_id:
            return
        if not host["cabinet"] and result.get("cnil_cabinet"):
            host["cabinet"] = str(result["cnil_cabinet"])
        control = self._control(host, control_id)
        checks = result.get("cnil_checks")
        if isinstance(checks, list) and not _hidden(result):
            # A later evidence task for the same check replaces the earlier one.
            for check in checks:
                control["checks"] = [c for c in control["checks"] if c.get("id") != check.get("id")]
                control["checks"].append(dict(check))
        if event == "ok" and _is_changed(result):
            in_check_mode = self.check_mode if task_check_mode is None else bool(task_check_mode)
            control["changes"].extend(change_entries(task, result, applied=not in_check_mode))

    # ---- building the reports -------------------------------------------------------------

    def cabinets(self):
        return sorted({h["cabinet"] or "default" for h in self.hosts.values()})

    def _technical_scope(self):
        """Controls an unreachable host should have been checked for: those seen in this run."""
        seen = {cid for h in self.hosts.values() for cid in h["controls"] if cid in self.catalog.by_id}
        technical = self.catalog.ids("technical")
        return [cid for cid in technical if cid in seen] or technical

    def _host_report(self, host, scope, has_run_errors):
        controls = {}
        for control_id in sorted(host["controls"], key=self.catalog.order):
            control = host["controls"][control_id]
            evidence = {}
            for check in control["checks"]:
                if isinstance(check.get("evidence"), dict):
                    evidence.update(check["evidence"])
            controls[control_id] = {
                "status": control_status(control),
                "checks": control["checks"],
                "evidence": evidence,
                "changes": control["changes"],
                "errors": control["errors"],
            }
        missing = "UNREACHABLE" if not host["reachable"] else "UNSUPPORTED" if host["unsupported"] else None
        if missing:
            for control_id in scope:
                controls.setdefault(control_id, {"status": missing, "checks": [], "evidence": {},
                                                 "changes": [], "errors": []})
            controls = dict(sorted(controls.items(), key=lambda item: self.catalog.order(item[0])))
        if missing:
            status = missing
        elif has_run_errors:
            status = "ERROR"
        else:
            status = worst([c["status"] for c in controls.values()]) or "NOT_APPLICABLE"
        report = {"os": host["os"], "reachable": host["reachable"], "status": status, "controls": controls}
        if host["unsupported"]:
            report["unsupported"] = host["unsupported"]
        return report

    def _organisational(self, host_names, today):
        """Per cabinet: each host's attestations are judged; the worst one is reported (a missing
        attestation on one PC is never hidden by another PC's), with per_host when they differ."""
        organisational = {}
        for control_id in self.catalog.ids("organisational"):
            key = attestation_key(control_id)
            default_days = self.catalog.get(control_id)["review_days"]
            per_host = {}
            for name in host_names:
                attestations = self.hosts[name]["attestations"]
                if not self.hosts[name]["vars_known"]:
                    continue
                per_host[name] = attestation_status((attestations or {}).get(key) if isinstance(attestations, dict) else None,
                                                    default_days, today)
            if not per_host:
                record = attestation_status(None, default_days, today)
            else:
                worst_status = worst([r["status"] for r in per_host.values()])
                record = next(r for r in per_host.values() if r["status"] == worst_status)
                if len({json.dumps(r, sort_keys=True) for r in per_host.values()}) > 1:
                    record = dict(record, per_host={n: r["status"] for n, r in sorted(per_host.items())})
            organisational[control_id] = record
        return organisational

    def build_reports(self, today, generated_at, toolkit_version):
        """One report dict per cabinet (schema: schemas/report.schema.json)."""
        scope = self._technical_scope()
        reports = []
        for cabinet in self.cabinets():
            names = sorted(n for n, h in self.hosts.items() if (h["cabinet"] or "default") == cabinet)
            run_errors = [e for e in self.run_errors if e["host"] in names]
            hosts = {name: self._host_report(self.hosts[name], scope, any(e["host"] == name for e in run_errors))
                     for name in names}
            organisational = self._organisational(names, today)
            langs = [self.lang] if self.lang else [self.hosts[n]["lang"] for n in names if self.hosts[n]["lang"]]
            report = {
                "schema_version": SCHEMA_VERSION,
                "cabinet": cabinet,
                "generated_at": generated_at,
                "toolkit_version": toolkit_version,
                "check_mode": self.check_mode,
                "lang": "en" if langs and langs[0] == "en" else "fr",
                "hosts": hosts,
                "organisational": organisational,
                "run_errors": run_errors,
            }
            report["summary"] = summarise(report)
            reports.append(report)
        return reports


def summarise(report):
    """Flat: the count per status (host controls and organisational controls, every status
    present), hosts, hosts_unreachable, waivers (host controls with a waiver applied), compliant."""
    counts = dict.fromkeys(STATUSES, 0)
    waivers = 0
    for host in report["hosts"].values():
        for control in host["controls"].values():
            counts[control["status"]] += 1
            waivers += any(c.get("status") == "WAIVED" for c in control["checks"])
    for record in report["organisational"].values():
        counts[record["status"]] += 1
    hosts = report["hosts"].values()
    unreachable = sum(1 for h in hosts if not h["reachable"])
    compliant = (bool(report["hosts"]) and unreachable == 0 and not report["run_errors"]
                 and all(counts[s] == 0 for s in STATUSES if s not in COMPLIANT))
    return dict(counts, hosts=len(report["hosts"]), hosts_unreachable=unreachable, waivers=waivers, compliant=compliant)
