# cnil-cabinet — GPL-3.0-or-later
"""Write the reports: report.json, report.html (Jinja2, French by default), index.html, run summary.

The templates only lay out text; what to say (labels, verdict, the "Que faire ?" list) is
prepared here as plain data so that it can be tested.
"""

from __future__ import annotations

import functools
import json
import os
import re

import jinja2
import yaml

from cnil_lib.catalog import REPO_ROOT
from cnil_lib.catalog import attestation_key
from cnil_lib.report import COMPLIANT, HIDDEN_MSG, NO_ATTESTATION, STATUSES

TEMPLATES = os.path.join(REPO_ROOT, "report", "templates")
STRINGS_PATH = os.path.join(REPO_ROOT, "report", "strings.yml")
CSS_CLASS = {status: status.lower().replace("_", "-") for status in STATUSES}


@functools.lru_cache(maxsize=2)
def load_strings(path=STRINGS_PATH):
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)


@functools.lru_cache(maxsize=1)
def _environment():
    return jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def _date(iso, lang):
    """'2025-01-15' -> '15/01/2025' in French."""
    if not iso:
        return ""
    if lang == "fr" and re.match(r"^\d{4}-\d{2}-\d{2}$", iso):
        year, month, day = iso.split("-")
        return "%s/%s/%s" % (day, month, year)
    return iso


def _timestamp(iso, t, lang):
    """'2025-01-15T10:00:00Z' -> '15/01/2025 à 10:00 UTC'."""
    date, _, time = iso.partition("T")
    return "%s %s %s UTC" % (_date(date, lang), t["at"], time[:5]) if time else _date(date, lang)


def _value(value, t):
    if isinstance(value, bool):
        return t["word_yes"] if value else t["word_no"]
    if value is None:
        return "—"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def _plural(t, key, n):
    return t[key + ("_one" if n == 1 else "_many")].replace("{n}", str(n))


def _status(status, t):
    return {"code": status, "label": t["statuses"][status], "css": CSS_CLASS[status]}


def org_reason(control_id, record, t, lang):
    """Why an organisational control is not attested, in the report's language."""
    if record["status"] == "ATTESTATION_EXPIRED":
        return t["org_expired"].replace("{date}", _date(record["review_due"], lang))
    if record["status"] != "ATTESTATION_MISSING":
        return None
    if record["reason"] == NO_ATTESTATION:
        return t["org_absent"].replace("{key}", attestation_key(control_id))
    if record.get("missing"):
        return t["org_fields"].replace("{fields}", ", ".join(record["missing"]))
    return record["reason"]  # a malformed attestation: the English detail is for the contractor


def view(report, catalog, strings):
    """Everything report.html shows, in the report's language."""
    lang = report.get("lang") if report.get("lang") in strings else "fr"
    t = strings[lang]
    summary = report["summary"]

    hosts = []
    for name, host in report["hosts"].items():
        rows = []
        for control_id, control in host["controls"].items():
            rows.append({
                "id": control_id,
                "title": catalog.text(control_id, "title", lang),
                "requirement": catalog.text(control_id, "requirement", lang),
                "status": _status(control["status"], t),
                "checks": [{
                    "label": catalog.check_label(control_id, check.get("id"), lang),
                    "status": _status(check["status"], t) if check.get("status") in t["statuses"] else None,
                    "reason": check.get("reason"),
                    "expected": check.get("expected"),
                    "evidence": [(k, _value(v, t)) for k, v in (check.get("evidence") or {}).items()],
                    "waiver": check.get("waiver") and dict(check["waiver"], expires=_date(check["waiver"].get("expires"), lang)),
                } for check in control["checks"]],
                "changes": control["changes"],
                "errors": [dict(e, msg=t["hidden"] if e["msg"] == HIDDEN_MSG else e["msg"]) for e in control["errors"]],
            })
        hosts.append({"name": name, "os": (host["os"] or {}).get("name") or t["os_unknown"],
                      "status": _status(host["status"], t), "rows": rows})

    organisational = []
    for control_id, record in report["organisational"].items():
        organisational.append(dict(
            record, id=control_id, title=catalog.text(control_id, "title", lang),
            requirement=catalog.text(control_id, "requirement", lang), status=_status(record["status"], t),
            attested_on=_date(record["attested_on"], lang), review_due=_date(record["review_due"], lang),
            reason=org_reason(control_id, record, t, lang),
            per_host=[(h, t["statuses"][s]) for h, s in (record.get("per_host") or {}).items()]))

    counts = [dict(_status(s, t), count=summary[s]) for s in STATUSES if summary.get(s)]
    hosts_text = _plural(t, "hosts", summary["hosts"])
    if summary["hosts_unreachable"]:
        hosts_text += ", " + _plural(t, "hosts_unreachable", summary["hosts_unreachable"])
    return {
        "lang": lang,
        "t": t,
        "cabinet": report["cabinet"],
        "generated": _timestamp(report["generated_at"], t, lang),
        "mode": t["mode_check"] if report["check_mode"] else t["mode_apply"],
        "version": report["toolkit_version"],
        "compliant": summary["compliant"],
        "verdict": t["compliant"] if summary["compliant"] else t["non_compliant"],
        "waivers": _plural(t, "waivers", summary["waivers"]) if summary["waivers"] else "",
        "hosts_text": hosts_text,
        "counts": counts,
        "hosts": hosts,
        "organisational": organisational,
        "run_errors": report["run_errors"],
        "todo": todo(report, catalog, t, lang),
    }


def todo(report, catalog, t, lang):
    """"Que faire ?": unreachable hosts, run errors, then each non-compliant control (catalog order)
    with where it fails, a hint per status and the catalog's remediation."""
    items = []
    for name, host in report["hosts"].items():
        if not host["reachable"]:
            items.append({"title": t["host"] + " " + name, "status": [_status("UNREACHABLE", t)], "where": None,
                          "hints": [t["todo_unreachable"].replace("{host}", name)], "remediation": None})
        elif host.get("unsupported"):
            system = (host.get("os") or {}).get("name") or "?"
            items.append({"title": t["host"] + " " + name, "status": [_status("UNSUPPORTED", t)], "where": None,
                          "hints": [t["todo_unsupported"].replace("{host}", name).replace("{system}", system)],
                          "remediation": None})
    if report["run_errors"]:
        items.append({"title": t["run_errors"], "status": [_status("ERROR", t)], "where": None,
                      "hints": [t["todo_run_errors"]], "remediation": None})

    failing = {}  # control ID -> {status -> [where]}
    for name, host in report["hosts"].items():
        for control_id, control in host["controls"].items():
            if control["status"] not in COMPLIANT and control["status"] not in ("UNREACHABLE", "UNSUPPORTED"):
                failing.setdefault(control_id, {}).setdefault(control["status"], []).append(name)
    for control_id, record in report["organisational"].items():
        if record["status"] not in COMPLIANT:
            failing.setdefault(control_id, {}).setdefault(record["status"], []).append(None)

    for control_id in sorted(failing, key=catalog.order):
        by_status = failing[control_id]
        statuses = sorted(by_status, key=STATUSES.index)
        places = sorted({w for names in by_status.values() for w in names if w})
        hints = [t["hint"][s] for s in statuses if s in t["hint"]]
        if control_id in report["organisational"]:
            reason = org_reason(control_id, report["organisational"][control_id], t, lang)
            if reason:
                hints.append(reason)
        items.append({
            "title": "%s — %s" % (catalog.text(control_id, "title", lang), control_id),
            "status": [_status(s, t) for s in statuses],
            "where": ", ".join(places) if places else t["todo_cabinet"],
            "hints": hints,
            "remediation": catalog.text(control_id, "remediation", lang),
        })
    return items


def render_html(report, catalog, strings=None):
    return _environment().get_template("report.html.j2").render(**view(report, catalog, strings or load_strings()))


def _safe_name(name):
    """A cabinet name as one directory name (no separators, no '..')."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", str(name)).strip("._") or "default"


def _latest_reports(report_dir):
    """Per cabinet folder under report_dir: its newest report.json (timestamp folders sort by time)."""
    latest = []
    for cabinet_dir in sorted(os.listdir(report_dir)):
        path = os.path.join(report_dir, cabinet_dir)
        if not os.path.isdir(path):
            continue
        runs = sorted((d for d in os.listdir(path) if os.path.isfile(os.path.join(path, d, "report.json"))), reverse=True)
        if not runs:
            continue
        try:
            with open(os.path.join(path, runs[0], "report.json"), encoding="utf-8") as handle:
                data = json.load(handle)
        except (OSError, ValueError):
            continue
        latest.append({"cabinet": data.get("cabinet", cabinet_dir), "html": "%s/%s/report.html" % (cabinet_dir, runs[0]),
                       "generated_at": data.get("generated_at", ""), "lang": data.get("lang", "fr"),
                       "compliant": bool((data.get("summary") or {}).get("compliant"))})
    return latest


def render_index(entries, strings=None):
    strings = strings or load_strings()
    lang = entries[0]["lang"] if entries and entries[0]["lang"] in strings else "fr"
    t = strings[lang]
    rows = [dict(e, generated=_timestamp(e["generated_at"], t, lang) if e["generated_at"] else "",
                 verdict=t["compliant"] if e["compliant"] else t["non_compliant"]) for e in entries]
    return _environment().get_template("index.html.j2").render(lang=lang, t=t, rows=rows)


def _write(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)  # a reader never sees half a report


def write_run(reports, report_dir, stamp, catalog, run_errors=(), check_mode=False, summary_path=None):
    """Write each cabinet's report under report_dir/<cabinet>/<stamp>/, the index when several
    cabinets have reports, and the run summary. Returns the summary dict."""
    written = []
    for report in reports:
        base = os.path.join(report_dir, _safe_name(report["cabinet"]), stamp)
        folder, n = base, 1
        while os.path.exists(folder):  # two runs in the same second keep both reports
            n += 1
            folder = "%s-%d" % (base, n)
        os.makedirs(folder)
        json_path, html_path = os.path.join(folder, "report.json"), os.path.join(folder, "report.html")
        _write(json_path, json.dumps(report, indent=2, ensure_ascii=False, default=str) + "\n")
        _write(html_path, render_html(report, catalog))
        written.append({"cabinet": report["cabinet"], "json": os.path.abspath(json_path),
                        "html": os.path.abspath(html_path), "compliant": report["summary"]["compliant"],
                        "summary": report["summary"]})

    if os.path.isdir(report_dir):
        latest = _latest_reports(report_dir)
        if len(latest) > 1:
            _write(os.path.join(report_dir, "index.html"), render_index(latest))

    summary = {
        "reports": written,
        "run_errors": list(run_errors),
        "check_mode": bool(check_mode),
        # A run that produced no report proves nothing.
        "compliant": bool(written) and all(r["compliant"] for r in written) and not run_errors,
    }
    if summary_path:
        parent = os.path.dirname(os.path.abspath(summary_path))
        os.makedirs(parent, exist_ok=True)
        _write(summary_path, json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary
