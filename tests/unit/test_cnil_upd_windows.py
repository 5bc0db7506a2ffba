"""CNIL-UPD-01 on Windows: is the PC's release still in Microsoft's support? The release comes from the build
(cnil_win_release), the edition group from the EditionID, and the decision is the Linux one (cnil_lib/lifecycle.py,
data/lifecycle.yml) through the cnil_win_os_support filter; Windows 10 ESU counts only when the PC is declared enrolled
(cnil_upd_extended_support_enrolled). Every date is pinned. The role's evidence task is rendered with Ansible's own
templar and judged by cnil_evidence. Nothing of this ran on Windows: the inputs are win_cnil_secpol_facts' edition
values as the registry gives them (EditionID, CurrentBuild, UBR, DisplayVersion)."""
import datetime
import os

import pytest
import yaml

import cnil_windows as w
from cnil_lib import lifecycle
from cnil_lib.catalog import load_catalog
from cnil_lib.evidence import run as evidence_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE = os.path.join(ROOT, "roles", "cnil_upd")
REVIEWED = lifecycle.load_lifecycle()[0]


def edition(build, edition_id="Professional", ubr=6456, display_version=None):
    return {"edition_id": edition_id, "current_build": build, "ubr": ubr, "display_version": display_version}


WIN10_PRO = edition("19045", display_version="22H2")
WIN11_PRO_24H2 = edition("26100", ubr=2314, display_version="24H2")
WIN11_ENT_24H2 = edition("26100", "Enterprise", 2314, "24H2")
WIN11_PRO_25H2 = edition("26200", ubr=7171, display_version="25H2")


def judge(host, day, enrolled=False):
    return w.cnil_win_os_support(host, enrolled, day)


# --- edition groups: the EditionID, never a localized name ---------------------------------------------------
@pytest.mark.parametrize("edition_id, group", [
    ("Core", "home_pro"), ("CoreSingleLanguage", "home_pro"), ("Professional", "home_pro"), ("ProfessionalN", "home_pro"),
    ("ProfessionalEducation", "home_pro"),      # Pro Education follows Home and Pro (24 months), not Education
    ("ProfessionalWorkstation", "home_pro"),
    ("Enterprise", "enterprise"), ("EnterpriseN", "enterprise"), ("Education", "enterprise"), ("IoTEnterprise", "enterprise"),
    ("EnterpriseS", "ltsc"), ("EnterpriseSN", "ltsc"), ("IoTEnterpriseS", "ltsc"),
    ("ServerStandard", None), ("", None), (None, None),
])
def test_edition_groups(edition_id, group):
    assert w.win_edition_group(edition_id) == group


# --- in support: PASS ----------------------------------------------------------------------------------------
def test_a_supported_release_passes_with_its_dates_and_source():
    got = judge(WIN11_PRO_25H2, "2026-11-30")
    assert got["ok"] is True and got["status"] == "supported" and got["reason"] is None
    ev = got["evidence"]
    assert ev["release"] == "Windows 11 25H2" and ev["build"] == "26200.7171" and ev["edition_group"] == "home_pro"
    assert ev["lifecycle_id"] == "windows-11-25h2-home-pro" and ev["security_until"] == "2027-10-12"
    assert ev["days_left"] == (datetime.date(2027, 10, 12) - datetime.date(2026, 11, 30)).days
    assert ev["source"].startswith("https://learn.microsoft.com/") and ev["lifecycle_reviewed"] == REVIEWED.isoformat()
    assert "extended_support_enrolment" not in ev   # Windows 11 has no ESU line: nothing to declare


# --- out of support: FAIL with the date and the source --------------------------------------------------------
def test_the_last_day_passes_the_next_day_fails_with_the_date_and_the_source():
    assert judge(WIN11_PRO_24H2, "2026-10-13")["ok"] is True
    got = judge(WIN11_PRO_24H2, "2026-10-14")
    assert got["ok"] is False and got["status"] == "ended"
    assert "Windows 11 24H2 (Home, Pro): out of Microsoft's support since 2026-10-14" in got["reason"]
    assert "standard support ended on 2026-10-13" in got["reason"]
    assert "https://learn.microsoft.com/en-us/lifecycle/products/windows-11-home-and-pro" in got["reason"]
    assert "Upgrade the PC" in got["reason"] and "ESU" not in got["reason"]


def test_the_same_build_ends_later_on_enterprise_and_education():
    for host in (WIN11_ENT_24H2, edition("26100", "Education")):
        assert judge(host, "2026-10-14")["ok"] is True
        assert judge(host, "2027-10-12")["ok"] is True
        assert judge(host, "2027-10-13")["status"] == "ended"
    assert judge(edition("22631", "Enterprise"), "2026-11-10")["ok"] is True     # 23H2 Enterprise: last day
    assert judge(edition("22631", "Enterprise"), "2026-11-11")["ok"] is False
    assert judge(edition("22631", "Professional"), "2025-11-12")["ok"] is False  # 23H2 Pro ended a year earlier


def test_pro_education_is_judged_on_the_home_and_pro_dates():
    got = judge(edition("26100", "ProfessionalEducation"), "2026-10-14")
    assert got["ok"] is False and got["evidence"]["lifecycle_id"] == "windows-11-24h2-home-pro"


# --- Windows 10 and ESU: only when the PC is declared enrolled ------------------------------------------------------
def test_windows_10_passes_until_the_end_of_standard_support():
    got = judge(WIN10_PRO, "2025-10-14")
    assert got["ok"] is True and got["status"] == "supported"
    assert got["evidence"]["extended_support_enrolment"] == "not declared enrolled (cnil_upd_extended_support_enrolled: false)"


def test_windows_10_not_declared_enrolled_fails_and_says_how_to_declare_it():
    got = judge(WIN10_PRO, "2026-01-05")
    assert got["ok"] is False and got["status"] == "extended_not_enrolled"
    assert "out of Microsoft's support since 2025-10-15" in got["reason"]
    assert "Extended Security Updates (ESU) runs until 2026-10-13 for an enrolled PC only" in got["reason"]
    assert "cnil_upd_extended_support_enrolled: true in host_vars/<pc>.yml" in got["reason"]
    assert "windows-10-home-and-pro" in got["reason"]


def test_windows_10_declared_enrolled_passes_under_esu_and_the_report_says_it_is_a_declaration():
    got = judge(WIN10_PRO, "2026-01-05", enrolled=True)
    assert got["ok"] is True and got["status"] == "extended"
    assert "Extended Security Updates (ESU) until 2026-10-13" in got["reason"]
    declaration = got["evidence"]["extended_support_enrolment"]
    assert "cnil_upd_extended_support_enrolled: true" in declaration and "not verified on the host" in declaration
    assert declaration in got["reason"]


def test_esu_counts_up_to_its_last_day_only():
    assert judge(WIN10_PRO, "2026-10-13", enrolled=True)["ok"] is True
    got = judge(WIN10_PRO, "2026-10-14", enrolled=True)
    assert got["ok"] is False and got["status"] == "ended"
    assert "out of Microsoft's support since 2026-10-14" in got["reason"]
    assert "Extended Security Updates (ESU) ended on 2026-10-13" in got["reason"]
    # Organisations can buy two more ESU years, which data/lifecycle.yml does not hold: the way out is a waiver.
    assert "waive CNIL-UPD-01 / win_os_supported in cnil_waivers with a reason and an expiry" in got["reason"]


@pytest.mark.parametrize("value", ["false", "no", "", None, False])
def test_a_declaration_that_is_not_true_never_counts(value):
    assert judge(WIN10_PRO, "2026-01-05", enrolled=value)["ok"] is False


def test_windows_10_enterprise_has_the_same_end_and_esu():
    assert judge(edition("19045", "Enterprise"), "2025-10-15")["status"] == "extended_not_enrolled"
    assert judge(edition("19045", "Education"), "2025-10-15", enrolled=True)["status"] == "extended"


# --- unknown: reported as such, never a crash, never a pass --------------------------------------------------------
@pytest.mark.parametrize("host, words", [
    (edition("28000", display_version="26H1"), "Windows 11 (build 28000): build not known to the toolkit"),
    (edition("26300", display_version="26H2"), "Windows 11 26H2 (EditionID Professional) has no line in data/lifecycle.yml"),
    (edition("19044", display_version="21H2"), "Windows 10 21H2 (EditionID Professional) has no line"),
    (edition("26100", "EnterpriseS"), "Windows 11 24H2 is an LTSC edition (EditionID EnterpriseS)"),
    (edition("19044", "IoTEnterpriseS"), "is an LTSC edition"),
    (edition(None), "unknown build None: build not known"),
    (edition("abc"), "unknown build 'abc'"),
])
def test_an_unknown_release_fails_as_unknown_and_says_what_to_do(host, words):
    got = judge(host, "2026-11-30")
    assert got["ok"] is False and got["status"] == "unknown"
    assert words in got["reason"] and "unknown (not a pass)" in got["reason"]
    assert "add it to data/lifecycle.yml" in got["reason"] and "win_os_supported" in got["reason"]
    assert got["evidence"]["lifecycle_id"] is None and got["evidence"]["days_left"] is None


@pytest.mark.parametrize("host", [None, {}, "Professional", {"edition_id": "Professional"}])
def test_missing_probe_values_are_not_a_crash_nor_a_pass(host):
    got = judge(host, "2026-11-30")
    assert got["ok"] is False and got["status"] == "unknown" and got["reason"]


def test_current_build_number_is_used_when_current_build_is_missing():
    host = {"edition_id": "Professional", "current_build_number": "26200"}
    assert judge(host, "2026-11-30")["evidence"]["release"] == "Windows 11 25H2"


# --- Windows Home, a stale data file, the controller's date ------------------------------------------------------
def test_windows_home_fails_unsupported_edition_like_every_control_with_the_support_in_the_evidence():
    got = judge(edition("26200", "Core"), "2026-11-30")
    assert got["ok"] is False and got["reason"].startswith("unsupported edition: Windows Home (EditionID Core)")
    assert got["status"] == "supported" and got["evidence"]["lifecycle_id"] == "windows-11-25h2-home-pro"


def test_a_data_file_not_reviewed_for_a_year_says_so():
    day = (REVIEWED + datetime.timedelta(days=366)).isoformat()
    got = judge(edition("26200", "Enterprise"), day)
    assert got["ok"] is True and got["reason"] == "(data/lifecycle.yml last reviewed %s)" % REVIEWED.isoformat()
    assert judge(edition("26200", "Enterprise"), (REVIEWED + datetime.timedelta(days=365)).isoformat())["reason"] is None


def test_the_controllers_date_is_used_and_can_be_pinned(monkeypatch):
    monkeypatch.setenv("CNIL_TODAY", "2026-10-14")
    assert w.cnil_win_os_support(WIN11_PRO_24H2)["status"] == "ended"
    monkeypatch.setenv("CNIL_TODAY", "2026-10-13")
    assert w.cnil_win_os_support(WIN11_PRO_24H2)["status"] == "supported"


def test_the_decision_is_the_shared_one_not_a_copy():
    host = {"family": "Windows", "product": "Windows 10", "edition_group": "home_pro", "version": "22H2"}
    shared = lifecycle.os_support(host, True, "2026-01-05")
    got = judge(WIN10_PRO, "2026-01-05", enrolled=True)
    assert (got["status"], got["evidence"]["extended_until"], got["evidence"]["source"]) == (
        shared["status"], shared["extended_until"], shared["source"])


# --- the role: the check, its label, the evidence rendered as Ansible renders it -----------------------------------
def windows_tasks():
    return yaml.safe_load(open(os.path.join(ROLE, "tasks", "windows.yml"), encoding="utf-8"))


def render_check(variables, today):
    """The win_os_supported check of the CNIL-UPD-01 evidence task, templated by Ansible (filters from plugins/filter,
    native types), then judged by cnil_evidence's logic as a run would."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import filter_loader
    from ansible.template import Templar, trust_as_template

    filter_loader.add_directory(os.path.join(ROOT, "plugins", "filter"))
    task = windows_tasks()[-1]
    templar = Templar(loader=DataLoader(), variables=variables)
    support = templar.template(trust_as_template(task["vars"]["cnil_upd_win_support"]))
    templar = Templar(loader=DataLoader(), variables=dict(variables, cnil_upd_win_support=support))
    (check,) = [c for c in task["cnil_evidence"]["checks"] if c["id"] == "win_os_supported"]
    check = {k: templar.template(trust_as_template(v)) if isinstance(v, str) else v for k, v in check.items()}
    return evidence_run({"control": task["cnil_evidence"]["control"], "checks": [check]}, "cabinet", [], load_catalog(),
                        datetime.date.fromisoformat(today))["cnil_checks"][0]


@pytest.mark.parametrize("host, enrolled, today, status", [
    (WIN11_PRO_25H2, False, "2026-11-30", "PASS"),
    (WIN11_PRO_24H2, False, "2026-11-30", "FAIL"),
    (WIN10_PRO, True, "2026-01-05", "PASS"),
    (WIN10_PRO, False, "2026-01-05", "FAIL"),
    (WIN10_PRO, "false", "2026-01-05", "FAIL"),          # an extra var is a string
    (edition("28000"), False, "2026-11-30", "FAIL"),
    (edition("26200", "Core"), False, "2026-11-30", "FAIL"),
])
def test_the_role_evidence_gives_the_status(monkeypatch, host, enrolled, today, status):
    monkeypatch.setenv("CNIL_TODAY", today)
    check = render_check({"cnil_upd_win_host": {"edition": host}, "cnil_upd_extended_support_enrolled": enrolled}, today)
    assert check["status"] == status, check
    assert (check["reason"] is None) == (status == "PASS" and check["evidence"]["status"] == "supported")
    assert "cnil_upd_extended_support_enrolled" in check["expected"]


def test_the_check_reads_the_existing_probe_and_has_french_and_english_labels():
    tasks = windows_tasks()
    evidence = tasks[-1]
    assert "cnil_upd_win_host.edition | cnil_win_os_support(cnil_upd_extended_support_enrolled)" in \
        evidence["vars"]["cnil_upd_win_support"]
    assert [t["register"] for t in tasks if "win_cnil_secpol_facts" in t] == ["cnil_upd_win_host"]
    controls = {c["id"]: c for c in yaml.safe_load(open(os.path.join(ROOT, "data", "controls.yml"), encoding="utf-8"))["controls"]}
    label = controls["CNIL-UPD-01"]["checks"]["win_os_supported"]
    assert set(label) == {"fr", "en"} and "Windows" in label["fr"] and "ESU" in label["fr"]
