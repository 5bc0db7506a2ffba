"""Report aggregation: task results replayed into the collector give the right status per control."""
import copy
import datetime
import json
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "plugins"))

from cnil_lib.catalog import load_catalog  # noqa: E402
from cnil_lib.report import RunCollector, attestation_status, control_status, format_diff  # noqa: E402

CATALOG = load_catalog()
TODAY = datetime.date(2026, 6, 1)
with open(os.path.join(ROOT, "tests", "fixtures", "cnil_report", "results.json"), encoding="utf-8") as _handle:
    RESULTS = json.load(_handle)


def fixture(name):
    return copy.deepcopy(RESULTS[name])


def evidence_result(control, *checks):
    """What cnil_evidence returns: checks given as (id, status[, evidence])."""
    return {"changed": False, "cnil_control": control, "cnil_cabinet": "cabinet-demo", "_ansible_no_log": False,
            "cnil_checks": [{"id": c[0], "status": c[1], "evidence": c[2] if len(c) > 2 else {}, "expected": None,
                             "reason": None, "waiver": None} for c in checks]}


def collector(check_mode=True):
    run = RunCollector(CATALOG, check_mode=check_mode)
    run.set_host_vars("pc1", "cabinet-demo", {}, None)
    return run


def report_of(run, cabinet="cabinet-demo"):
    reports = {r["cabinet"]: r for r in run.build_reports(TODAY, "2026-06-01T08:00:00Z", "1.2.3")}
    return reports[cabinet]


def controls_of(run, host="pc1"):
    return report_of(run, run.hosts[host]["cabinet"] or "default")["hosts"][host]["controls"]


# ---- control status rules -------------------------------------------------------------------

def _control(checks=(), changes=(), errors=(), unreachable=False):
    return {"checks": [{"id": "c%d" % i, "status": s} for i, s in enumerate(checks)],
            "changes": [{"task": "t", "applied": a} for a in changes], "errors": list(errors), "unreachable": unreachable}


@pytest.mark.parametrize("control, expected", [
    (_control(["PASS", "PASS"]), "PASS"),
    (_control(["PASS", "NOT_APPLICABLE"]), "PASS"),
    (_control(["NOT_APPLICABLE", "NOT_APPLICABLE"]), "NOT_APPLICABLE"),
    (_control(["PASS", "WAIVED"]), "WAIVED"),
    (_control(["WAIVED"], changes=[False]), "DRIFT"),
    (_control([], changes=[False]), "DRIFT"),
    (_control(["PASS"], changes=[True]), "PASS"),  # applied by a real run: fixed, not drift
    (_control(["FAIL", "WAIVED"], changes=[False]), "FAIL"),
    (_control(["FAIL", "ERROR"]), "ERROR"),
    (_control(["PASS"], errors=[{"task": "t", "msg": "m"}]), "ERROR"),
    (_control(["FAIL"], unreachable=True), "UNREACHABLE"),
    (_control([]), "PASS"),
])
def test_control_status_rules(control, expected):
    assert control_status(control) == expected


# ---- replaying results -------------------------------------------------------------------------

def test_os_from_gathered_facts():
    run = collector()
    run.set_host_vars("win1", "cabinet-demo", {}, None)
    run.record("pc1", "Gathering Facts", "ok", fixture("gather_facts_debian"))
    run.record("win1", "Gathering Facts", "ok", fixture("gather_facts_windows"))
    hosts = report_of(run)["hosts"]
    assert hosts["pc1"]["os"]["name"] == "Debian 12.11"
    assert hosts["pc1"]["os"]["family"] == "Debian"
    assert hosts["win1"]["os"]["name"] == "Microsoft Windows 11 Pro"


def test_changed_task_in_check_mode_is_drift_with_its_diff():
    run = collector()
    run.record("pc1", "CNIL-LOCK-01 | dconf idle delay", "ok", fixture("copy_changed_with_diff"))
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    control = controls_of(run)["CNIL-LOCK-01"]
    assert control["status"] == "DRIFT"
    [change] = control["changes"]
    assert change["task"] == "CNIL-LOCK-01 | dconf idle delay"
    assert change["applied"] is False and change["hidden"] is False
    assert "-idle-delay=uint32 3600\n" in change["diff"]
    assert "+idle-delay=uint32 900\n" in change["diff"]
    assert change["diff"].startswith("--- before: /etc/dconf/db/local.d/00-cnil-lock\n")


def test_changed_task_of_a_real_run_is_applied_not_drift():
    run = collector(check_mode=False)
    run.record("pc1", "CNIL-LOCK-01 | dconf idle delay", "ok", fixture("copy_changed_with_diff"), task_check_mode=False)
    control = controls_of(run)["CNIL-LOCK-01"]
    assert control["status"] == "PASS"
    assert control["changes"][0]["applied"] is True


def test_task_level_check_mode_wins_over_the_run():
    run = collector(check_mode=False)
    run.record("pc1", "CNIL-LOCK-01 | dconf idle delay", "ok", fixture("copy_changed_with_diff"), task_check_mode=True)
    assert controls_of(run)["CNIL-LOCK-01"]["status"] == "DRIFT"


def test_no_log_change_keeps_nothing_but_the_task_name():
    run = collector()
    run.record("pc1", "CNIL-PWD-01 | set root password", "ok", fixture("censored_changed"))
    control = controls_of(run)["CNIL-PWD-01"]
    assert control["status"] == "DRIFT"
    assert control["changes"] == [{"task": "CNIL-PWD-01 | set root password", "diff": None, "hidden": True, "applied": False}]


def test_no_log_flag_hides_even_an_uncensored_result():
    secret = "hunter2-S3CRET"
    result = {"changed": True, "_ansible_no_log": True, "diff": {"before": "", "after": secret}, "msg": secret,
              "cnil_checks": [{"id": "x", "status": "PASS", "evidence": {"pw": secret}}]}
    run = collector()
    run.record("pc1", "CNIL-PWD-01 | secret", "ok", result)
    run.record("pc1", "CNIL-PWD-02 | secret", "failed", dict(result, failed=True))
    run.record("pc1", "preflight secret", "failed", dict(result, failed=True))
    assert secret not in json.dumps(report_of(run))


def test_loop_keeps_diffs_of_visible_items_and_flags_hidden_ones():
    run = collector()
    run.record("pc1", "CNIL-PWD-03 | faillock.conf", "ok", fixture("loop_changed"))
    [change] = controls_of(run)["CNIL-PWD-03"]["changes"]
    assert "+deny = 10\n" in change["diff"]
    assert change["hidden"] is True


def test_a_call_that_enforces_several_parts_gives_one_change_per_changed_part():
    """cnil_fw_ufw enforces the whole firewall in one call: the report still names the part that drifted."""
    part = {"part": "defaults", "title": "default policy incoming and outgoing", "changed": True,
            "changes": ["default incoming: allow -> deny"],
            "diff": {"before": "default incoming: allow\n", "after": "default incoming: deny\n"}}
    result = {"changed": True, "changes": part["changes"], "diff": {"before": "whole\n", "after": "call\n"},
              "parts": [{"part": "management", "title": "management access allowed", "changed": False, "changes": []},
                        part]}
    run = collector()
    run.record("pc1", "CNIL-FW-01 | firewall", "ok", result)
    [change] = controls_of(run)["CNIL-FW-01"]["changes"]
    assert change["task"] == "CNIL-FW-01 | firewall | default policy incoming and outgoing"
    assert "-default incoming: allow\n" in change["diff"] and "whole" not in change["diff"]
    hidden = collector()
    hidden.record("pc1", "CNIL-FW-01 | firewall", "ok", dict(result, _ansible_no_log=True))
    assert controls_of(hidden)["CNIL-FW-01"]["changes"] == [
        {"task": "CNIL-FW-01 | firewall", "diff": None, "hidden": True, "applied": False}]


def test_control_seen_only_in_skipped_tasks_is_not_listed():
    run = collector()
    run.record("pc1", "CNIL-FW-01 | ufw rules", "skipped", fixture("skipped"))
    run.record("pc1", "CNIL-LOCK-01 | dconf", "ok", fixture("copy_unchanged"))
    controls = controls_of(run)
    assert "CNIL-FW-01" not in controls
    assert controls["CNIL-LOCK-01"]["status"] == "PASS"


def test_failed_task_of_a_control_is_an_error_unless_ignored():
    run = collector()
    run.record("pc1", "CNIL-LOCK-01 | read dconf", "failed", fixture("failed"))
    run.record("pc1", "CNIL-FW-01 | probe", "failed", fixture("failed"), ignore_errors=True)
    run.record("pc1", "CNIL-FW-01 | evidence", "ok", evidence_result("CNIL-FW-01", ("policy", "PASS")))
    controls = controls_of(run)
    assert controls["CNIL-LOCK-01"]["status"] == "ERROR"
    assert controls["CNIL-LOCK-01"]["errors"] == [{"task": "CNIL-LOCK-01 | read dconf",
                                                   "msg": "Unable to read /etc/dconf/db/local.d: permission denied"}]
    assert controls["CNIL-FW-01"]["status"] == "PASS"
    assert controls["CNIL-FW-01"]["errors"] == []


def test_failed_no_log_task_message_is_hidden():
    run = collector()
    run.record("pc1", "CNIL-PWD-01 | set password", "failed", fixture("censored_failed"))
    assert controls_of(run)["CNIL-PWD-01"]["errors"][0]["msg"] == "output hidden (no_log)"


def test_failure_without_control_id_is_a_run_error():
    run = collector()
    run.record("pc1", "Preflight | inputs and CNIL floors", "failed", fixture("failed_preflight"))
    report = report_of(run)
    assert report["run_errors"] == [{"host": "pc1", "task": "Preflight | inputs and CNIL floors",
                                     "msg": "cnil_lock_idle_seconds = 3600 is above the CNIL floor 1800 (CNIL-LOCK-01)"}]
    assert report["hosts"]["pc1"]["status"] == "ERROR"
    assert report["summary"]["compliant"] is False


def test_evidence_checks_and_merged_evidence():
    run = collector()
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result(
        "CNIL-LOCK-01", ("gui_idle_lock", "PASS", {"idle_delay": 900}), ("shell_tmout", "FAIL", {"tmout": 0})))
    control = controls_of(run)["CNIL-LOCK-01"]
    assert control["status"] == "FAIL"
    assert control["evidence"] == {"idle_delay": 900, "tmout": 0}
    assert [c["id"] for c in control["checks"]] == ["gui_idle_lock", "shell_tmout"]


def test_control_id_comes_from_the_evidence_result_before_the_task_name():
    run = collector()
    run.record("pc1", "record evidence", "ok", evidence_result("CNIL-AV-01", ("realtime", "ERROR")))
    assert controls_of(run)["CNIL-AV-01"]["status"] == "ERROR"


def test_a_later_evidence_of_the_same_check_replaces_the_earlier():
    run = collector()
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "FAIL")))
    run.record("pc1", "CNIL-LOCK-01 | evidence again", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    control = controls_of(run)["CNIL-LOCK-01"]
    assert [c["status"] for c in control["checks"]] == ["PASS"]
    assert control["status"] == "PASS"


@pytest.mark.parametrize("checks, expected", [
    ([("a", "NOT_APPLICABLE"), ("b", "NOT_APPLICABLE")], "NOT_APPLICABLE"),
    ([("a", "PASS"), ("b", "WAIVED")], "WAIVED"),
    ([("a", "PASS"), ("b", "ERROR")], "ERROR"),
])
def test_status_from_evidence(checks, expected):
    run = collector()
    run.record("pc1", "CNIL-ENC-01 | evidence", "ok", evidence_result("CNIL-ENC-01", *checks))
    assert controls_of(run)["CNIL-ENC-01"]["status"] == expected


def test_unreachable_host_lists_the_run_scope_as_unreachable():
    run = collector()
    run.set_host_vars("pc2", "cabinet-demo", {}, None)
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    run.record("pc1", "CNIL-FW-01 | evidence", "ok", evidence_result("CNIL-FW-01", ("policy", "PASS")))
    run.record("pc2", "Gathering Facts", "unreachable", fixture("unreachable"))
    report = report_of(run)
    pc2 = report["hosts"]["pc2"]
    assert pc2["reachable"] is False
    assert pc2["status"] == "UNREACHABLE"
    # The controls this run checked elsewhere, in catalog order.
    assert list(pc2["controls"]) == ["CNIL-LOCK-01", "CNIL-FW-01"]
    assert {c["status"] for c in pc2["controls"].values()} == {"UNREACHABLE"}
    assert report["summary"]["hosts_unreachable"] == 1
    assert report["summary"]["compliant"] is False


def test_unsupported_host_lists_the_run_scope_as_unsupported_with_the_reason():
    run = collector()
    run.set_host_vars("pc2", "cabinet-demo", {}, None)
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    reason = "unsupported release: Debian 11.9 (supported: Debian 12, 13); nothing was checked or changed on this host"
    run.record("pc2", "Support | this system is one the roles have code paths for", "ok",
               {"changed": False, "supported": False, "cnil_unsupported": reason, "msg": reason})
    report = report_of(run)
    pc2 = report["hosts"]["pc2"]
    assert pc2["reachable"] is True and pc2["status"] == "UNSUPPORTED" and pc2["unsupported"] == reason
    assert {cid: c["status"] for cid, c in pc2["controls"].items()} == {"CNIL-LOCK-01": "UNSUPPORTED"}
    assert "unsupported" not in report["hosts"]["pc1"]
    assert report["summary"]["UNSUPPORTED"] == 1 and report["summary"]["compliant"] is False


def test_unreachable_in_the_middle_keeps_what_was_measured():
    run = collector()
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    run.record("pc1", "CNIL-FW-01 | ufw status", "unreachable", fixture("unreachable"))
    controls = controls_of(run)
    assert controls["CNIL-LOCK-01"]["status"] == "PASS"
    assert controls["CNIL-FW-01"]["status"] == "UNREACHABLE"
    assert "Connection refused" in controls["CNIL-FW-01"]["errors"][0]["msg"]


def test_only_unreachable_hosts_list_every_technical_control():
    run = collector()
    run.record("pc1", "Gathering Facts", "unreachable", fixture("unreachable"))
    assert list(controls_of(run)) == CATALOG.ids("technical")


# ---- organisational controls ---------------------------------------------------------------------

ATTESTATION = {"applies": True, "statement": "Logiciel X chez Y, certificat HDS n° 1", "evidence": "evidence/hds.pdf",
               "attested_by": "Dr N. Dupont", "attested_on": datetime.date(2025, 6, 1)}


@pytest.mark.parametrize("attestation, status", [
    (ATTESTATION, "ATTESTED"),                                            # due 2026-06-01 == today
    (dict(ATTESTATION, attested_on=datetime.date(2025, 5, 31)), "ATTESTATION_EXPIRED"),
    (dict(ATTESTATION, attested_on="2026-01-01"), "ATTESTED"),            # a string date is accepted
    (dict(ATTESTATION, attested_on="1st of May"), "ATTESTATION_MISSING"),
    (dict(ATTESTATION, review_days=100), "ATTESTATION_EXPIRED"),          # stricter review honoured
    (dict(ATTESTATION, attested_on=datetime.date(2025, 5, 1), review_days=3650), "ATTESTATION_EXPIRED"),  # looser ignored
    ({k: v for k, v in ATTESTATION.items() if k != "evidence"}, "ATTESTATION_MISSING"),
    (dict(ATTESTATION, attested_by=""), "ATTESTATION_MISSING"),
    (None, "ATTESTATION_MISSING"),
    ("yes", "ATTESTATION_MISSING"),
    ({"applies": False, "justification": "no remote hosting: records on the practice PC"}, "NOT_APPLICABLE"),
    ({"applies": False}, "ATTESTATION_MISSING"),
    ({"applies": "maybe", "justification": "x"}, "ATTESTATION_MISSING"),
])
def test_attestation_status(attestation, status):
    assert attestation_status(attestation, 365, TODAY)["status"] == status


def test_attestation_record_fields():
    record = attestation_status(dict(ATTESTATION, attested_on="2026-01-01", review_days=180), 365, TODAY)
    assert record == {"status": "ATTESTED", "statement": ATTESTATION["statement"], "evidence": "evidence/hds.pdf",
                      "attested_by": "Dr N. Dupont", "attested_on": "2026-01-01", "review_days": 180,
                      "review_due": "2026-06-30", "justification": None, "reason": None, "missing": []}
    incomplete = attestation_status({"statement": "x", "attested_on": "2026-01-01"}, 365, TODAY)
    assert incomplete["missing"] == ["evidence", "attested_by"]


def test_organisational_controls_use_catalog_review_days_and_keys():
    run = collector()
    run.set_host_vars("pc1", "cabinet-demo", {
        "bkpsite": dict(ATTESTATION, attested_on="2025-12-01"),   # 180 days in §3.2: due 2026-05-30
        "paper": dict(ATTESTATION, attested_on="2025-12-01"),     # 365 days
    }, None)
    organisational = report_of(run)["organisational"]
    assert list(organisational) == CATALOG.ids("organisational")
    assert organisational["CNIL-ORG-BKPSITE-01"]["status"] == "ATTESTATION_EXPIRED"
    assert organisational["CNIL-ORG-PAPER-01"]["status"] == "ATTESTED"
    assert organisational["CNIL-ORG-HDS-01"]["status"] == "ATTESTATION_MISSING"


def test_worst_attestation_of_the_cabinet_hosts_is_reported():
    run = collector()
    run.set_host_vars("pc1", "cabinet-demo", {"hds": ATTESTATION}, None)
    run.set_host_vars("pc2", "cabinet-demo", {}, None)
    run.set_host_vars("pc3", "cabinet-demo", {"hds": ATTESTATION}, None)
    hds = report_of(run)["organisational"]["CNIL-ORG-HDS-01"]
    assert hds["status"] == "ATTESTATION_MISSING"
    assert hds["per_host"] == {"pc1": "ATTESTED", "pc2": "ATTESTATION_MISSING", "pc3": "ATTESTED"}
    paper = report_of(run)["organisational"]["CNIL-ORG-PAPER-01"]
    assert "per_host" not in paper  # all hosts agree


# ---- cabinets and summary ------------------------------------------------------------------------

def all_attested():
    recent = dict(ATTESTATION, attested_on=TODAY - datetime.timedelta(days=10))
    return {cid.split("-")[2].lower(): recent for cid in CATALOG.ids("organisational")}


def test_one_report_per_cabinet():
    run = RunCollector(CATALOG, check_mode=True)
    run.set_host_vars("a1", "cabinet-a", {}, "en")
    run.set_host_vars("b1", "cabinet-b", {}, None)
    run.record("a1", "CNIL-LOCK-01 | x", "ok", fixture("copy_unchanged"))
    run.record("b1", "CNIL-LOCK-01 | x", "ok", fixture("copy_changed_with_diff"))
    run.record("c1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    reports = {r["cabinet"]: r for r in run.build_reports(TODAY, "2026-06-01T08:00:00Z", "1.2.3")}
    # c1 has no inventory vars: its cabinet comes from the evidence result.
    assert sorted(reports) == ["cabinet-a", "cabinet-b", "cabinet-demo"]
    assert list(reports["cabinet-a"]["hosts"]) == ["a1"]
    assert reports["cabinet-a"]["lang"] == "en"
    assert reports["cabinet-b"]["lang"] == "fr"
    assert reports["cabinet-b"]["hosts"]["b1"]["controls"]["CNIL-LOCK-01"]["status"] == "DRIFT"
    assert reports["cabinet-a"]["check_mode"] is True
    assert reports["cabinet-a"]["toolkit_version"] == "1.2.3"


def test_host_without_cabinet_goes_to_default():
    run = RunCollector(CATALOG)
    run.record("lonely", "CNIL-LOCK-01 | x", "ok", fixture("copy_unchanged"))
    assert [r["cabinet"] for r in run.build_reports(TODAY, "2026-06-01T08:00:00Z", "1")] == ["default"]


def test_summary_compliant_with_waivers():
    run = collector()
    run.set_host_vars("pc1", "cabinet-demo", all_attested(), None)
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS"), ("shell_tmout", "WAIVED")))
    run.record("pc1", "CNIL-ENC-01 | evidence", "ok", evidence_result("CNIL-ENC-01", ("luks", "NOT_APPLICABLE")))
    summary = report_of(run)["summary"]
    assert summary["compliant"] is True
    assert summary["waivers"] == 1
    assert summary["ATTESTED"] == len(CATALOG.ids("organisational"))
    assert summary["WAIVED"] == 1 and summary["NOT_APPLICABLE"] == 1


@pytest.mark.parametrize("status", ["FAIL", "ERROR"])
def test_summary_not_compliant_on_a_bad_check(status):
    run = collector()
    run.set_host_vars("pc1", "cabinet-demo", all_attested(), None)
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", status)))
    assert report_of(run)["summary"]["compliant"] is False


def test_summary_not_compliant_on_a_missing_attestation():
    run = collector()
    run.record("pc1", "CNIL-LOCK-01 | evidence", "ok", evidence_result("CNIL-LOCK-01", ("gui_idle_lock", "PASS")))
    summary = report_of(run)["summary"]
    assert summary["compliant"] is False
    assert summary["ATTESTATION_MISSING"] == len(CATALOG.ids("organisational"))


def test_format_diff_shapes():
    assert format_diff({"prepared": "+rule allow 22/tcp"}) == "+rule allow 22/tcp\n"
    assert "diff skipped" in format_diff({"dst_binary": 1})
    text = format_diff({"before": {"state": "absent"}, "after": {"state": "present"}})
    assert '-  "state": "absent"' in text and '+  "state": "present"' in text
    assert format_diff({"before": "same\n", "after": "same\n"}) is None


def test_lang_override_for_every_cabinet():
    run = RunCollector(CATALOG, lang="en")
    run.set_host_vars("a1", "cabinet-a", {}, "fr")
    assert run.build_reports(TODAY, "2026-06-01T08:00:00Z", "1")[0]["lang"] == "en"
