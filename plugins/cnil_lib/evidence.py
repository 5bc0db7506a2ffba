# cnil-cabinet — GPL-3.0-or-later
"""cnil_evidence logic: validate the measured checks of one control and give each a status.

Check status:
  ERROR           the probe failed (``error`` given): never a silent pass
  NOT_APPLICABLE  ``applicable: false`` (e.g. no graphical desktop)
  PASS            ``ok: true``
  FAIL            ``ok: false``, unless an unexpired waiver covers it:
  WAIVED          a FAIL covered by a waiver of cnil_waivers (whole control, or this check)
"""

from __future__ import annotations

import re

from cnil_lib.catalog import CONTROL_ID_RE, as_date

CHECK_ID_RE = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
CHECK_FIELDS = ("id", "ok", "applicable", "reason", "expected", "evidence", "error")
WAIVER_FIELDS = ("control", "check", "reason", "expires")


class EvidenceError(ValueError):
    """Bad arguments or waivers: the task fails with this message."""


def _text(value, where):
    """Optional short text; numbers are accepted (an expected threshold may be a number).
    Blank means absent: roles template reasons as '' when there is nothing to say."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise EvidenceError("%s must be a string, got %s" % (where, type(value).__name__))
    return str(value).strip() or None


def validate_checks(control, checks, catalog):
    """Return the checks normalised (all fields present) or raise EvidenceError."""
    if not isinstance(control, str) or not CONTROL_ID_RE.match(control):
        raise EvidenceError("control must be a control ID such as CNIL-LOCK-01, got %r" % (control,))
    entry = catalog.get(control)
    if entry is None:
        raise EvidenceError("unknown control ID %s: it is not in data/controls.yml" % control)
    if entry["kind"] != "technical":
        raise EvidenceError("%s is organisational: it is attested in inventory (cnil_attestations), not measured" % control)
    if not isinstance(checks, list) or not checks:
        raise EvidenceError("%s: checks must be a non-empty list" % control)

    normalised, seen = [], set()
    for index, check in enumerate(checks):
        where = "%s checks[%d]" % (control, index)
        if not isinstance(check, dict):
            raise EvidenceError("%s must be a mapping with at least id and ok" % where)
        unknown = sorted(set(check) - set(CHECK_FIELDS))
        if unknown:
            raise EvidenceError("%s: unknown field(s) %s (allowed: %s)" % (where, ", ".join(unknown), ", ".join(CHECK_FIELDS)))
        check_id = check.get("id")
        if not isinstance(check_id, str) or not CHECK_ID_RE.match(check_id):
            raise EvidenceError("%s: id is required, a short lower-case name such as gui_idle_lock (got %r)" % (where, check_id))
        where = "%s check %s" % (control, check_id)
        if check_id in seen:
            raise EvidenceError("%s: duplicate check id" % where)
        seen.add(check_id)

        applicable = check.get("applicable", True)
        if not isinstance(applicable, bool):
            raise EvidenceError("%s: applicable must be a boolean, got %r" % (where, applicable))
        error = _text(check.get("error"), where + ": error")
        if "ok" not in check:
            raise EvidenceError("%s: ok is required (true when the measured value meets the threshold)" % where)
        ok = check["ok"]
        # ok may be null only when it cannot be measured: probe error or not applicable.
        if not isinstance(ok, bool) and not (ok is None and (error or not applicable)):
            raise EvidenceError("%s: ok must be a boolean, got %r (%s)" % (where, ok, type(ok).__name__))
        evidence = check.get("evidence")
        if evidence is None:
            evidence = {}
        if not isinstance(evidence, dict):
            raise EvidenceError("%s: evidence must be a mapping of the values read, got %s" % (where, type(evidence).__name__))

        normalised.append({
            "id": check_id,
            "ok": ok,
            "applicable": applicable,
            "reason": _text(check.get("reason"), where + ": reason"),
            "expected": _text(check.get("expected"), where + ": expected"),
            "evidence": dict(evidence),
            "error": error,
        })
    return normalised


def control_waivers(waivers, control):
    """The waivers of cnil_waivers that name this control, validated, with expires as a date."""
    if waivers in (None, ""):
        return []
    if not isinstance(waivers, list):
        raise EvidenceError("cnil_waivers must be a list of {control, check, reason, expires}, got %s" % type(waivers).__name__)
    found = []
    for index, waiver in enumerate(waivers):
        where = "cnil_waivers[%d]" % index
        if not isinstance(waiver, dict):
            raise EvidenceError("%s must be a mapping with control, reason and expires" % where)
        if waiver.get("control") != control:
            continue
        unknown = sorted(set(waiver) - set(WAIVER_FIELDS))
        if unknown:
            raise EvidenceError("%s (%s): unknown field(s) %s" % (where, control, ", ".join(unknown)))
        reason = waiver.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise EvidenceError("%s (%s): a waiver needs a reason" % (where, control))
        check = waiver.get("check")
        if check is not None and not isinstance(check, str):
            raise EvidenceError("%s (%s): check must be a check id" % (where, control))
        try:
            expires = as_date(waiver.get("expires"))
        except (TypeError, ValueError):
            raise EvidenceError("%s (%s): expires must be a date YYYY-MM-DD, got %r" % (where, control, waiver.get("expires"))) from None
        found.append({"control": control, "check": check or None, "reason": reason.strip(), "expires": expires})
    return found


def _join(*parts):
    return "; ".join(p for p in parts if p) or None


def evaluate(control, checks, waivers, today):
    """Status of each normalised check; waivers are this control's (see control_waivers)."""
    results = []
    for check in checks:
        reason, waiver = check["reason"], None
        if check["error"]:
            status, reason = "ERROR", _join(reason, check["error"])
        elif not check["applicable"]:
            status = "NOT_APPLICABLE"
        elif check["ok"]:
            status = "PASS"
        else:
            status = "FAIL"
            covering = [w for w in waivers if w["check"] in (None, check["id"])]
            # A waiver naming this check wins over a control-wide one.
            active = sorted((w for w in covering if w["expires"] >= today), key=lambda w: w["check"] is None)
            if active:
                status, waiver = "WAIVED", dict(active[0], expires=active[0]["expires"].isoformat())
            elif covering:
                last = max(w["expires"] for w in covering)
                reason = _join(reason, "waiver expired on %s" % last.isoformat())
        results.append({
            "id": check["id"],
            "status": status,
            "evidence": check["evidence"],
            "expected": check["expected"],
            "reason": reason,
            "waiver": waiver,
        })
    return results


def run(args, cabinet, waivers, catalog, today):
    """The whole action: returns the task result, or raises EvidenceError."""
    unknown = sorted(set(args) - {"control", "checks"})
    if unknown:
        raise EvidenceError("unknown argument(s) %s (allowed: control, checks)" % ", ".join(unknown))
    control = args.get("control")
    checks = validate_checks(control, args.get("checks"), catalog)
    results = evaluate(control, checks, control_waivers(waivers, control), today)
    counts = {}
    for check in results:
        counts[check["status"]] = counts.get(check["status"], 0) + 1
    return {
        "changed": False,
        "cnil_control": control,
        "cnil_cabinet": str(cabinet or "default"),
        "cnil_checks": results,
        "msg": "%s: %s" % (control, ", ".join("%s %d" % item for item in sorted(counts.items()))),
    }
