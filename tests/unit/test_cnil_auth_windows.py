"""CNIL-AUTH-02 on Windows (roles/cnil_auth/tasks/windows.yml): staff strong authentication at Windows logon is
attested (cnil_auth_win_staff_attestations), since Windows local logon has no one-time-code factor the toolkit can set
up. The decision is the cnil_win_staff_auth filter (plugins/filter/cnil_windows.py), tested here on recorded-like
win_cnil_secpol_facts accounts; the role's evidence task is rendered with Ansible's own templar and judged by
cnil_evidence; the attestations' shape and limits are refused by the preflight. Nothing of this ran on Windows."""
import datetime
import os

import pytest
import yaml

import cnil_preflight as pf
import cnil_windows as w
from cnil_lib import win_staff_auth as staff
from cnil_lib.catalog import load_catalog
from cnil_lib.evidence import run as evidence_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE = os.path.join(ROOT, "roles", "cnil_auth")
TODAY = datetime.date(2026, 11, 29)
PRO = w.cnil_win_edition("Professional")
HOME = w.cnil_win_edition("Core")

STAFF = [
    {"login": "secretariat", "name": "Claire Martin", "role": "staff", "otp": True},
    {"login": "assistante", "name": "Léa Petit", "role": "staff", "otp": True},
    {"login": "remplacant", "name": "Paul Roux", "role": "staff"},            # no otp: not declared for AUTH-02
    {"login": "mdupont", "name": "Dr Marie Dupont", "role": "practitioner", "otp": True},  # not staff
]
# win_cnil_secpol_facts accounts.users, as Get-LocalUser gives them (names keep the case they were created with).
USERS = [
    {"name": "Secretariat", "sid": "S-1-5-21-1-1001", "enabled": True, "principal_source": "Local"},
    {"name": "mdupont", "sid": "S-1-5-21-1-1002", "enabled": True, "principal_source": "Local"},
    {"name": "cnil-admin", "sid": "S-1-5-21-1-1003", "enabled": True, "principal_source": "Local"},
    {"name": "Administrator", "sid": "S-1-5-21-1-500", "enabled": False, "principal_source": "Local"},
]


def attestation(accounts, **overrides):
    att = {"accounts": accounts, "method": "credential_provider",
           "statement": "privacyIDEA Credential Provider 3.6, TOTP after the password, checked at logon",
           "evidence": "ticket 2026-114", "attested_by": "Jean Martin (Info-Santé)", "attested_on": "2026-06-15"}
    att.update(overrides)
    return att


def judge(attestations, people=STAFF, otp_users=(), users=USERS, edition=PRO, today=TODAY):
    return w.cnil_win_staff_auth(people, list(otp_users), users, attestations, edition, today)


# --- who must be covered: the Linux rule (debian_otp.yml), on this PC's local accounts ---------------------
def test_declared_staff_are_the_linux_ones():
    assert w.staff_declared(STAFF, []) == ["assistante", "secretariat"]
    assert w.staff_declared(STAFF, ["accueil", "secretariat"]) == ["accueil", "assistante", "secretariat"]
    assert w.staff_declared([dict(STAFF[0], otp="false")], []) == []  # an inventory string is read as Ansible reads it
    assert w.staff_declared(None, None) == []


def test_a_current_attestation_for_the_staff_account_of_this_pc_passes():
    got = judge([attestation(["secretariat"])])
    assert got["applicable"] and got["ok"] and got["reason"] is None
    ev = got["evidence"]
    assert ev["accounts_here"] == ["secretariat"] and ev["declared_not_on_this_pc"] == ["assistante"]
    assert ev["attested"] == {"secretariat": "credential_provider, attested by Jean Martin (Info-Santé) on 2026-06-15 "
                                             "(review due 2027-06-15)"}
    assert "attestation" in ev["source"] and ev["not_attested"] == [] and ev["attestation_out_of_date"] == {}


def test_windows_account_names_compare_without_case():
    got = judge([attestation(["SECRETARIAT"])])
    assert got["ok"] and list(got["evidence"]["attested"]) == ["secretariat"]
    people = [{"login": "CMartin", "name": "Claire Martin", "role": "staff", "otp": True}]
    got = judge([attestation(["cmartin"])], people=people, users=[{"name": "cmartin", "enabled": True}])
    assert got["applicable"] and got["ok"] and got["evidence"]["accounts_here"] == ["CMartin"]
    assert got["evidence"]["attested_accounts_not_declared"] == []


def test_no_attestation_fails_telling_the_contractor_what_to_do():
    got = judge([])
    assert got["applicable"] and got["ok"] is False
    reason = got["reason"]
    assert reason.startswith("no attestation of a strong Windows logon method for: secretariat.")
    assert "cnil_auth_win_staff_attestations" in reason and "host_vars/<pc>.yml" in reason
    for words in ("CPE card", "credential provider", "Windows Hello for Business", "check it at logon",
                  "cpe_card | credential_provider | windows_hello_for_business", "attested_by", "attested_on"):
        assert words in reason, words
    assert got["evidence"]["not_attested"] == ["secretariat"]


def test_an_attestation_for_another_account_does_not_cover():
    got = judge([attestation(["assistante", "secretaire"])])  # a staff member not on this PC, and a typo
    assert got["ok"] is False and "for: secretariat." in got["reason"]
    assert got["evidence"]["attested"] == {} and got["evidence"]["attested_accounts_not_declared"] == ["secretaire"]


def test_only_the_accounts_not_covered_are_named():
    users = USERS + [{"name": "assistante", "enabled": True}]
    got = judge([attestation(["assistante"])], users=users)
    assert got["ok"] is False and "for: secretariat." in got["reason"] and "assistante" not in got["reason"]
    assert list(got["evidence"]["attested"]) == ["assistante"]
    assert judge([attestation(["assistante"]), attestation(["secretariat"], method="cpe_card")], users=users)["ok"]


def test_cnil_auth_otp_users_are_covered_too():
    users = USERS + [{"name": "accueil", "enabled": True}]
    got = judge([attestation(["secretariat"])], otp_users=["accueil"], users=users)
    assert got["ok"] is False and "for: accueil." in got["reason"]
    assert judge([attestation(["secretariat", "accueil"])], otp_users=["accueil"], users=users)["ok"]


# --- out of date --------------------------------------------------------------------------------------------
def test_an_attestation_past_its_review_date_fails_with_the_date_and_what_to_do():
    got = judge([attestation(["secretariat"], attested_on="2025-06-15")])
    assert got["ok"] is False
    assert got["reason"].startswith("attestation out of date for: secretariat (review was due on 2026-06-15).")
    assert "Check the method at logon again" in got["reason"] and "attested_on" in got["reason"]
    assert got["evidence"]["attestation_out_of_date"] == {"secretariat": "review was due on 2026-06-15"}
    assert got["evidence"]["not_attested"] == []


@pytest.mark.parametrize("attested_on, review_days, ok", [
    (datetime.date(2025, 11, 29), None, True),    # due today: still current (catalog §3.1: attested_on + review >= today)
    (datetime.date(2025, 11, 28), None, False),   # due yesterday
    ("2026-10-30", 30, True),
    ("2026-10-29", 30, False),                     # a shorter review period is honoured
    (datetime.datetime(2026, 11, 29, 9, 30), None, True),
])
def test_the_review_date_is_attested_on_plus_review_days(attested_on, review_days, ok):
    extra = {} if review_days is None else {"review_days": review_days}
    assert judge([attestation(["secretariat"], attested_on=attested_on, **extra)])["ok"] is ok


def test_a_renewed_attestation_wins_over_the_old_one():
    old = attestation(["secretariat"], attested_on="2024-01-10", method="cpe_card")
    new = attestation(["secretariat"], attested_on="2026-11-02", attested_by="Jean Martin")
    got = judge([new, old])
    assert got["ok"] and got["evidence"]["attested"]["secretariat"].startswith("credential_provider, attested by Jean Martin on 2026-11-02")


def test_the_controllers_date_is_used_and_can_be_pinned(monkeypatch):
    monkeypatch.setenv("CNIL_TODAY", "2027-07-01")
    assert w.cnil_win_staff_auth(STAFF, [], USERS, [attestation(["secretariat"])], PRO)["ok"] is False
    monkeypatch.setenv("CNIL_TODAY", "2027-06-15")
    assert w.cnil_win_staff_auth(STAFF, [], USERS, [attestation(["secretariat"])], PRO)["ok"] is True


# --- not applicable -----------------------------------------------------------------------------------------
def test_no_staff_declared_is_not_applicable_as_on_linux():
    got = judge([], people=[STAFF[2], STAFF[3]])
    assert got["applicable"] is False and got["ok"] is False
    assert "no account declared for strong authentication" in got["reason"] and "CNIL-ORG-AUTHSVC-01" in got["reason"]


def test_staff_declared_but_not_on_this_pc_is_not_applicable_and_says_why():
    users = [u for u in USERS if u["name"] != "Secretariat"]
    got = judge([attestation(["secretariat"])], users=users)
    assert got["applicable"] is False
    assert got["reason"].startswith("none of the declared staff accounts (assistante, secretariat) is a local account of this PC")
    assert "Entra ID" in got["reason"]
    assert got["evidence"]["declared_not_on_this_pc"] == ["assistante", "secretariat"]


# --- Windows Home, and inputs the preflight refuses ---------------------------------------------------------
def test_windows_home_fails_unsupported_edition_like_every_control():
    got = judge([attestation(["secretariat"])], edition=HOME)
    assert got["applicable"] and got["ok"] is False and got["reason"].startswith("unsupported edition")
    assert judge([], people=[], edition=HOME)["applicable"] is False


@pytest.mark.parametrize("overrides", [
    {"method": "password"}, {"method": None}, {"attested_on": "2026-12-01"}, {"attested_on": "juin 2026"},
    {"attested_by": ""}, {"statement": "  "}, {"review_days": 730}, {"review_days": 0}, {"review_days": "365"},
])
def test_an_attestation_the_preflight_refuses_never_covers_an_account(overrides):
    assert judge([attestation(["secretariat"], **overrides)])["ok"] is False
    assert pf.check_win_staff_attestations([attestation(["secretariat"], **overrides)], TODAY)


@pytest.mark.parametrize("attestations", [None, {}, "secretariat", [None], [{"accounts": "secretariat"}]])
def test_malformed_attestations_cover_nobody(attestations):
    assert judge(attestations)["ok"] is False


# --- the preflight: shape and limits, naming the variable, the control and the limit ------------------------
def test_well_formed_attestations_pass_the_preflight():
    assert pf.check_win_staff_attestations([attestation(["secretariat"]), attestation(["assistante"], method="cpe_card",
                                            attested_on=datetime.date(2026, 1, 5), review_days=180)], TODAY) == []
    assert pf.check_win_staff_attestations([], TODAY) == [] and pf.check_win_staff_attestations(None, TODAY) == []


@pytest.mark.parametrize("value, words", [
    ([attestation(["secretariat"], review_days=730)],
     "cnil_auth_win_staff_attestations[0].review_days (CNIL-AUTH-02) = 730 is beyond the limit: a whole number of days "
     "from 1 to 365 (catalog §3.2"),
    ([attestation(["secretariat"], attested_on="2026-11-30")],
     "cnil_auth_win_staff_attestations[0].attested_on (CNIL-AUTH-02) = 2026-11-30 is after today (2026-11-29)"),
    ([attestation(["secretariat"], attested_on="le 15 juin")],
     "cnil_auth_win_staff_attestations[0].attested_on (CNIL-AUTH-02): a date YYYY-MM-DD is required"),
    ([attestation(["secretariat"], method="sms")],
     "cnil_auth_win_staff_attestations[0].method (CNIL-AUTH-02) = 'sms': one of cpe_card, credential_provider, "
     "windows_hello_for_business is required"),
    ([attestation([])], "cnil_auth_win_staff_attestations[0].accounts (CNIL-AUTH-02): the list of the staff logins"),
    ([attestation("secretariat")], "cnil_auth_win_staff_attestations[0].accounts (CNIL-AUTH-02)"),
    ([attestation(["secretariat"], attested_by=" ")], "cnil_auth_win_staff_attestations[0].attested_by (CNIL-AUTH-02): required"),
    ([attestation(["secretariat"], statement=None)], "cnil_auth_win_staff_attestations[0].statement (CNIL-AUTH-02): required"),
    ([attestation(["secretariat"], expires="2027-01-01")], "unknown field(s) expires"),
    ([attestation(["secretariat"]), "cpe"], "cnil_auth_win_staff_attestations[1] (CNIL-AUTH-02): must be a mapping"),
    ({"secretariat": "cpe_card"}, "cnil_auth_win_staff_attestations (CNIL-AUTH-02) must be a list of attestations"),
])
def test_bad_attestations_are_refused_naming_variable_control_and_limit(value, words):
    errors = pf.check_win_staff_attestations(value, TODAY)
    assert any(words in e for e in errors), errors


def test_the_argument_spec_lists_the_same_methods_fields_and_default():
    spec = yaml.safe_load(open(os.path.join(ROLE, "meta", "argument_specs.yml"), encoding="utf-8"))
    option = spec["argument_specs"]["main"]["options"][staff.VARIABLE]
    assert option["type"] == "list" and option["elements"] == "dict" and option["default"] == []
    assert tuple(option["options"]["method"]["choices"]) == staff.METHODS
    assert set(option["options"]) == set(staff.FIELDS)
    assert {k for k, v in option["options"].items() if v.get("required")} == set(staff.REQUIRED)
    assert option["options"]["review_days"]["default"] == staff.MAX_REVIEW_DAYS
    defaults = yaml.safe_load(open(os.path.join(ROLE, "defaults", "main.yml"), encoding="utf-8"))
    assert defaults[staff.VARIABLE] == []


def test_the_argument_spec_refuses_types_and_choices_too():
    options, values = pf.role_values(ROLE, {staff.VARIABLE: [attestation(["secretariat"], method="sms", review_days="un an")]}, None)
    errors = pf.validate_spec("cnil_auth", options, values)
    assert any("method" in e and "sms" in e for e in errors) and any("review_days" in e for e in errors), errors
    options, values = pf.role_values(ROLE, {staff.VARIABLE: [attestation(["secretariat"])]}, None)
    assert pf.validate_spec("cnil_auth", options, values) == []


# --- the role: nothing changed on the PC, one read-only probe, the evidence rendered as Ansible renders it --
def windows_tasks():
    return yaml.safe_load(open(os.path.join(ROLE, "tasks", "windows.yml"), encoding="utf-8"))


def test_auth02_changes_nothing_on_the_pc_and_reads_through_one_read_only_probe():
    tasks = windows_tasks()
    auth02 = [t for t in tasks if "CNIL-AUTH-02" in (t.get("tags") or [])]
    assert [t["name"].split(" | ")[0] for t in auth02] == ["CNIL-AUTH-01", "CNIL-AUTH-02"]
    probe, evidence = auth02
    assert probe["win_cnil_secpol_facts"] == {"security_policy": False, "accounts": True}
    assert probe["check_mode"] is False and probe["changed_when"] is False
    assert "cnil_evidence" in evidence and evidence is tasks[-1]
    for task in tasks:  # every other task is CNIL-AUTH-01's only
        if task not in auth02:
            assert task["tags"] == ["CNIL-AUTH-01"] and task["name"].startswith("CNIL-AUTH-01 | "), task["name"]
    main = yaml.safe_load(open(os.path.join(ROLE, "tasks", "main.yml"), encoding="utf-8"))
    windows = next(t for t in main if (t.get("ansible.builtin.include_tasks") or {}).get("file") == "windows.yml")
    assert windows["ansible.builtin.include_tasks"]["apply"]["tags"] == ["cnil_auth"]  # per-task tags choose the control


def render_evidence(variables):
    """The CNIL-AUTH-02 evidence task, templated by Ansible (filters from plugins/filter, native types), then judged
    by cnil_evidence's logic as a run would."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import filter_loader
    from ansible.template import Templar, trust_as_template

    filter_loader.add_directory(os.path.join(ROOT, "plugins", "filter"))  # ansible.cfg's filter_plugins, from any cwd
    task = windows_tasks()[-1]
    templar = Templar(loader=DataLoader(), variables=variables)
    staff_result = templar.template(trust_as_template(task["vars"]["cnil_auth_win_staff"]))
    templar = Templar(loader=DataLoader(), variables=dict(variables, cnil_auth_win_staff=staff_result))
    checks = [{k: templar.template(trust_as_template(v)) if isinstance(v, str) else v for k, v in check.items()}
              for check in task["cnil_evidence"]["checks"]]
    return evidence_run({"control": task["cnil_evidence"]["control"], "checks": checks}, "cabinet", [], load_catalog(), TODAY)


def role_vars(attestations, users=USERS, edition_id="Professional", people=STAFF):
    return {"cnil_people": people, "cnil_auth_otp_users": [], "cnil_auth_win_staff_attestations": attestations,
            "cnil_auth_win_host": {"edition": {"edition_id": edition_id}, "accounts": {"users": users}}}


@pytest.mark.parametrize("variables, status", [
    (role_vars([attestation(["secretariat"], attested_on=datetime.date(2026, 6, 15))]), "PASS"),
    (role_vars([]), "FAIL"),
    (role_vars([attestation(["secretariat"], attested_on=datetime.date(2024, 6, 15))]), "FAIL"),
    (role_vars([attestation(["secretariat"])], edition_id="Core"), "FAIL"),
    (role_vars([], people=[]), "NOT_APPLICABLE"),
    (role_vars([], users=[{"name": "cnil-admin", "enabled": True}]), "NOT_APPLICABLE"),
])
def test_the_role_evidence_gives_the_status(variables, status):
    result = render_evidence(variables)
    assert result["cnil_control"] == "CNIL-AUTH-02"
    (check,) = result["cnil_checks"]
    assert check["id"] == "win_staff_strong_auth" and check["status"] == status, check
    assert (check["reason"] is None) == (status == "PASS")
    assert "attested, not measured" in check["expected"]


def test_the_check_has_french_and_english_labels_and_the_remediation_says_what_to_do_on_windows():
    catalog = {c["id"]: c for c in yaml.safe_load(open(os.path.join(ROOT, "data", "controls.yml"), encoding="utf-8"))["controls"]}
    control = catalog["CNIL-AUTH-02"]
    label = control["checks"]["win_staff_strong_auth"]
    assert set(label) == {"fr", "en"} and "Windows" in label["fr"] and "attesté" in label["fr"]
    assert "cnil_auth_win_staff_attestations" in control["remediation"]["fr"]
    assert "cnil_auth_win_staff_attestations" in control["remediation"]["en"]


def test_bad_attestations_are_refused_end_to_end_naming_file_and_line_before_touching_the_pc(tmp_path):
    """bin/cnil audit on a cabinet with one Windows PC (an address nobody answers on) whose host_vars hold an attestation
    reviewed every 730 days and one dated after today: exit 1, both named with CNIL-AUTH-02 and their file and line,
    and no play reaches the PC (any contact would be UNREACHABLE)."""
    import subprocess
    inv = tmp_path / "cabinet-auth"
    (inv / "group_vars" / "all").mkdir(parents=True)
    (inv / "host_vars").mkdir()
    (inv / "hosts.yml").write_text("all:\n  children:\n    cnil_windows:\n      hosts:\n        ghost-win:\n"
                                   "          ansible_host: 192.0.2.10\n          ansible_connection: winrm\n"
                                   "          ansible_port: 5986\n")
    (inv / "group_vars" / "all" / "cabinet.yml").write_text(
        "cnil_cabinet: cabinet-auth\ncnil_mgmt_sources: [192.0.2.1/32]\ncnil_bkp_enabled: false\ncnil_enc_enabled: false\n")
    (inv / "host_vars" / "ghost-win.yml").write_text(
        "cnil_auth_win_staff_attestations:\n"
        "  - accounts: [secretariat]\n    method: credential_provider\n    statement: privacyIDEA CP 3.6\n"
        "    attested_by: Jean Dupuis\n    attested_on: 2026-06-15\n    review_days: 730\n"
        "  - accounts: [assistante]\n    method: cpe_card\n    statement: carte CPE\n"
        "    attested_by: Jean Dupuis\n    attested_on: 2026-12-24\n")
    env = dict(os.environ, CNIL_TODAY=TODAY.isoformat())
    proc = subprocess.run([os.path.join(ROOT, "bin", "cnil"), "audit", "-i", str(inv / "hosts.yml"), "--report-dir", str(tmp_path / "r")],
                          capture_output=True, text=True, cwd=ROOT, env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "cnil_auth_win_staff_attestations[0].review_days (CNIL-AUTH-02) = 730 is beyond the limit" in out
    assert "from 1 to 365" in out and "host_vars/ghost-win.yml:2]" in out
    assert "cnil_auth_win_staff_attestations[1].attested_on (CNIL-AUTH-02) = 2026-12-24 is after today (2026-11-29)" in out
    assert "host_vars/ghost-win.yml:8]" in out
    assert "UNREACHABLE" not in out and "Gathering Facts" not in out
