"""cnil_evidence logic: argument validation, check statuses, waivers (valid, expired, per check)."""
import datetime
import os
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "plugins"))

from cnil_lib.catalog import load_catalog, today  # noqa: E402
from cnil_lib.evidence import EvidenceError, run  # noqa: E402

CATALOG = load_catalog()
TODAY = datetime.date(2026, 6, 1)


def evidence(checks, waivers=None, control="CNIL-LOCK-01", cabinet="cabinet-demo"):
    return run({"control": control, "checks": checks}, cabinet, waivers, CATALOG, TODAY)


def statuses(result):
    return {c["id"]: c["status"] for c in result["cnil_checks"]}


def test_statuses_of_plain_checks():
    result = evidence([
        {"id": "gui_idle_lock", "ok": True, "expected": "<= 1800 s", "evidence": {"idle_delay": 900}},
        {"id": "shell_tmout", "ok": False, "reason": "TMOUT not set"},
    ])
    assert result["changed"] is False
    assert result["cnil_control"] == "CNIL-LOCK-01"
    assert result["cnil_cabinet"] == "cabinet-demo"
    assert statuses(result) == {"gui_idle_lock": "PASS", "shell_tmout": "FAIL"}
    first = result["cnil_checks"][0]
    assert first == {"id": "gui_idle_lock", "status": "PASS", "evidence": {"idle_delay": 900},
                     "expected": "<= 1800 s", "reason": None, "waiver": None}
    assert result["cnil_checks"][1]["reason"] == "TMOUT not set"


def test_cabinet_defaults_to_default():
    assert evidence([{"id": "gui_idle_lock", "ok": True}], cabinet=None)["cnil_cabinet"] == "default"


def test_not_applicable_and_error():
    result = evidence([
        {"id": "gui_idle_lock", "ok": None, "applicable": False, "reason": "no graphical desktop installed"},
        {"id": "shell_tmout", "ok": True, "error": "cannot read /etc/profile.d: permission denied"},
    ])
    assert statuses(result) == {"gui_idle_lock": "NOT_APPLICABLE", "shell_tmout": "ERROR"}
    # A probe error wins over ok: true (never a silent pass) and its message is kept.
    assert "permission denied" in result["cnil_checks"][1]["reason"]


def test_error_is_not_waived():
    waivers = [{"control": "CNIL-LOCK-01", "reason": "kiosk", "expires": "2099-01-01"}]
    result = evidence([{"id": "shell_tmout", "ok": False, "error": "probe crashed"}], waivers)
    assert statuses(result) == {"shell_tmout": "ERROR"}
    assert result["cnil_checks"][0]["waiver"] is None


def test_control_wide_waiver_covers_every_failed_check_only():
    waivers = [{"control": "CNIL-LOCK-01", "reason": "kiosk PC, decided by Dr X", "expires": datetime.date(2026, 12, 31)}]
    result = evidence([{"id": "gui_idle_lock", "ok": False}, {"id": "shell_tmout", "ok": True}], waivers)
    assert statuses(result) == {"gui_idle_lock": "WAIVED", "shell_tmout": "PASS"}
    assert result["cnil_checks"][0]["waiver"] == {"control": "CNIL-LOCK-01", "check": None,
                                                  "reason": "kiosk PC, decided by Dr X", "expires": "2026-12-31"}
    assert result["cnil_checks"][1]["waiver"] is None


def test_check_specific_waiver_covers_only_its_check():
    waivers = [{"control": "CNIL-LOCK-01", "check": "shell_tmout", "reason": "legacy script", "expires": "2026-06-01"}]
    result = evidence([{"id": "gui_idle_lock", "ok": False}, {"id": "shell_tmout", "ok": False}], waivers)
    # Expiry day itself is still covered.
    assert statuses(result) == {"gui_idle_lock": "FAIL", "shell_tmout": "WAIVED"}


def test_check_specific_waiver_wins_over_control_wide():
    waivers = [{"control": "CNIL-LOCK-01", "reason": "wide", "expires": "2026-12-31"},
               {"control": "CNIL-LOCK-01", "check": "shell_tmout", "reason": "specific", "expires": "2026-07-01"}]
    result = evidence([{"id": "shell_tmout", "ok": False}], waivers)
    assert result["cnil_checks"][0]["waiver"]["reason"] == "specific"


def test_expired_waiver_leaves_fail_and_says_so():
    waivers = [{"control": "CNIL-LOCK-01", "reason": "old", "expires": "2026-05-31"}]
    result = evidence([{"id": "gui_idle_lock", "ok": False, "reason": "idle-delay is 3600 s"}], waivers)
    check = result["cnil_checks"][0]
    assert check["status"] == "FAIL"
    assert check["waiver"] is None
    assert check["reason"] == "idle-delay is 3600 s; waiver expired on 2026-05-31"


def test_waivers_of_other_controls_are_ignored():
    waivers = [{"control": "CNIL-ENC-01", "reason": "x", "expires": "2099-01-01"}]
    assert statuses(evidence([{"id": "gui_idle_lock", "ok": False}], waivers)) == {"gui_idle_lock": "FAIL"}


@pytest.mark.parametrize("args, message", [
    ({"control": "CNIL-NOPE-01", "checks": [{"id": "a", "ok": True}]}, "unknown control ID CNIL-NOPE-01"),
    ({"control": "lock", "checks": [{"id": "a", "ok": True}]}, "control must be a control ID"),
    ({"control": "CNIL-ORG-HDS-01", "checks": [{"id": "a", "ok": True}]}, "organisational"),
    ({"control": "CNIL-LOCK-01", "checks": []}, "non-empty list"),
    ({"control": "CNIL-LOCK-01", "checks": "gui_idle_lock"}, "non-empty list"),
    ({"control": "CNIL-LOCK-01", "checks": [{"ok": True}]}, "id is required"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "gui_idle_lock"}]}, "ok is required"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "gui_idle_lock", "ok": "yes"}]}, "ok must be a boolean"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "gui_idle_lock", "ok": None}]}, "ok must be a boolean"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "gui_idle_lock", "ok": True, "applicable": "no"}]}, "applicable must be a boolean"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "gui_idle_lock", "ok": True, "evidence": [1]}]}, "evidence must be a mapping"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "gui_idle_lock", "ok": True, "reason": ["x"]}]}, "reason must be a string"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "gui_idle_lock", "ok": True, "expectd": "x"}]}, "unknown field(s) expectd"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "a", "ok": True}, {"id": "a", "ok": False}]}, "duplicate check id"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "Bad Id", "ok": True}]}, "id is required"),
    ({"control": "CNIL-LOCK-01", "checks": [{"id": "a", "ok": True}], "extra": 1}, "unknown argument(s) extra"),
])
def test_bad_arguments_are_refused_with_a_clear_message(args, message):
    with pytest.raises(EvidenceError) as caught:
        run(args, "c", None, CATALOG, TODAY)
    assert message in str(caught.value)


@pytest.mark.parametrize("waivers, message", [
    ("CNIL-LOCK-01", "must be a list"),
    (["CNIL-LOCK-01"], "must be a mapping"),
    ([{"control": "CNIL-LOCK-01", "expires": "2099-01-01"}], "needs a reason"),
    ([{"control": "CNIL-LOCK-01", "reason": "x", "expires": "next year"}], "expires must be a date"),
    ([{"control": "CNIL-LOCK-01", "reason": "x"}], "expires must be a date"),
    ([{"control": "CNIL-LOCK-01", "reason": "x", "expires": "2099-01-01", "until": 1}], "unknown field(s) until"),
])
def test_malformed_waiver_of_the_control_fails_the_task(waivers, message):
    with pytest.raises(EvidenceError) as caught:
        evidence([{"id": "gui_idle_lock", "ok": False}], waivers)
    assert message in str(caught.value)


def test_today_comes_from_cnil_today(monkeypatch):
    monkeypatch.setenv("CNIL_TODAY", "2030-02-03")
    assert today() == datetime.date(2030, 2, 3)
    monkeypatch.delenv("CNIL_TODAY")
    assert today() == datetime.date.today()


def test_blank_texts_are_absent():
    # Roles template reasons as '' when there is nothing to say; an empty error is no error.
    result = evidence([{"id": "gui_idle_lock", "ok": True, "reason": " ", "expected": "", "error": ""}])
    assert result["cnil_checks"][0]["status"] == "PASS"
    assert result["cnil_checks"][0]["reason"] is None
    assert result["cnil_checks"][0]["expected"] is None
