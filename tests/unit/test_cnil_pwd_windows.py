"""CNIL-PWD-01 on Windows, sign-ins outside the password policy (issue 6): an enabled local account that signs in with
a Microsoft account, and Windows Hello PIN sign-in while the PIN credential provider is not excluded by policy. The
decision is the cnil_win_policy_bypass filter (plugins/filter/cnil_windows.py), tested on recorded-like
win_cnil_secpol_facts results (accounts.users as Get-LocalUser gives them, sign_in as the registry gives it); the
role's evidence task is rendered with Ansible's own templar and judged by cnil_evidence, waivers included. The toolkit
reports these sign-ins and changes nothing (no enforce task). Nothing of this ran on Windows."""
import datetime
import os

import pytest
import yaml

import cnil_preflight as pf
import cnil_windows as w
from cnil_lib.catalog import load_catalog
from cnil_lib.evidence import run as evidence_run

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ROLE = os.path.join(ROOT, "roles", "cnil_pwd")
TODAY = datetime.date(2026, 11, 30)
PRO = w.cnil_win_edition("Professional")
PIN = "{D6886603-9D2F-4EB2-B667-1971041FA96B}"
PASSWORD_PROVIDER = "{60b78e88-ead8-445c-9cfd-0b87f74ea6cd}"

LOCAL_USERS = [
    {"name": "mdupont", "sid": "S-1-5-21-7-1001", "enabled": True, "principal_source": "Local"},
    {"name": "secretariat", "sid": "S-1-5-21-7-1002", "enabled": True, "principal_source": "Local"},
    {"name": "cnil-admin", "sid": "S-1-5-21-7-1003", "enabled": True, "principal_source": "Local"},
    {"name": "Administrator", "sid": "S-1-5-21-7-500", "enabled": False, "principal_source": "Local"},
    {"name": "WDAGUtilityAccount", "sid": "S-1-5-21-7-504", "enabled": False, "principal_source": ""},
]
MS_USER = {"name": "docteur", "sid": "S-1-5-21-7-1004", "enabled": True, "principal_source": "MicrosoftAccount"}


def sign_in(excluded=PIN, passport=None, passwordless=None, pin_accounts=(), error=None):
    """win_cnil_secpol_facts sign_in, as the module returns it (registry values; keys absent are null)."""
    return {"pin_credential_provider": PIN, "excluded_credential_providers": excluded, "passport_for_work": passport,
            "pin_complexity": None, "device_passwordless_build_version": passwordless,
            "pin_provider_accounts": None if error else list(pin_accounts), "pin_provider_accounts_error": error}


def judge(users=LOCAL_USERS, settings=None, edition=PRO):
    return w.cnil_win_policy_bypass(users, sign_in() if settings is None else settings, edition)


# --- PASS: local accounts only, the PIN provider excluded by policy ----------------------------------------------
def test_local_accounts_and_the_pin_excluded_by_policy_pass():
    got = judge()
    assert got["ok"] is True and got["reason"] is None
    ev = got["evidence"]
    assert ev["microsoft_accounts"] == [] and ev["accounts_of_other_type"] == {} and ev["pin_sign_in"] == "off: excluded by policy"
    assert ev["enforced"].startswith("no: reported only")


@pytest.mark.parametrize("value", [
    PIN, PIN.lower(), "D6886603-9D2F-4EB2-B667-1971041FA96B", " %s , %s " % (PASSWORD_PROVIDER, PIN.lower()),
    "%s;%s" % (PIN, PASSWORD_PROVIDER), [PASSWORD_PROVIDER, PIN], '"%s"' % PIN,
])
def test_the_pin_provider_is_found_in_the_exclusion_however_it_was_typed(value):
    assert judge(settings=sign_in(excluded=value))["ok"] is True


def test_windows_hello_for_business_policy_on_with_the_pin_excluded_passes_and_says_so():
    got = judge(settings=sign_in(passport={"Enabled": 1, "RequireSecurityDevice": 1}))
    assert got["ok"] is True and got["evidence"]["windows_hello_for_business_policy"] == "on (PassportForWork Enabled 1)"


# --- FAIL: Windows Hello PIN allowed ---------------------------------------------------------------------------
@pytest.mark.parametrize("excluded", [None, "", PASSWORD_PROVIDER, "{D6886603-9D2F-4EB2-B667-1971041FA96C}"])
def test_pin_sign_in_allowed_fails_naming_the_setting_and_what_to_do(excluded):
    got = judge(settings=sign_in(excluded=excluded))
    assert got["ok"] is False and got["evidence"]["pin_sign_in"] == "allowed"
    reason = got["reason"]
    assert "Windows Hello PIN sign-in is allowed (the PIN credential provider %s is not excluded by policy" % PIN in reason
    assert "ExcludedCredentialProviders" in reason and "Exclude credential providers" in reason
    assert "Once every user of the PC knows a password that meets the policy" in reason
    assert "The toolkit does not set it" in reason
    assert reason.endswith("waive CNIL-PWD-01 / win_policy_bypass in cnil_waivers with a reason and an expiry")
    assert "Microsoft-account" not in reason


def test_windows_hello_for_business_off_by_policy_is_not_taken_for_pin_off():
    got = judge(settings=sign_in(excluded=None, passport={"Enabled": 0}))
    assert got["ok"] is False and "PassportForWork Enabled 0 is not counted as PIN off" in got["reason"]
    assert got["evidence"]["windows_hello_for_business_policy"] == "off (PassportForWork Enabled 0)"


def test_windows_hello_for_business_on_without_exclusion_fails_and_names_the_policy():
    got = judge(settings=sign_in(excluded=None, passport={"Enabled": 1}))
    assert got["ok"] is False and "Windows Hello for Business policy on (PassportForWork Enabled 1)" in got["reason"]


def test_the_accounts_with_a_pin_are_named_from_their_sid():
    accounts = [{"sid": "s-1-5-21-7-1002", "logon_creds_available": 1},     # case of a SID does not matter
                {"sid": "S-1-5-21-7-1001", "logon_creds_available": 0},     # key left behind, no PIN
                {"sid": "S-1-5-21-9-1009", "logon_creds_available": 1},     # no local account: shown as its SID
                {"sid": "S-1-5-21-7-1003", "logon_creds_available": None}]
    got = judge(settings=sign_in(excluded=None, pin_accounts=accounts))
    assert got["evidence"]["pin_set_up_for"] == ["S-1-5-21-9-1009", "secretariat"]
    assert "PIN set up for S-1-5-21-9-1009, secretariat" in got["reason"]


def test_unreadable_pin_accounts_are_evidence_not_a_guess():
    got = judge(settings=sign_in(excluded=None, error="Requested registry access is not allowed."))
    assert got["evidence"]["pin_set_up_for"] is None
    assert got["evidence"]["pin_set_up_for_error"] == "Requested registry access is not allowed."
    assert "PIN set up for" not in got["reason"] and got["ok"] is False


# --- FAIL: Microsoft-account sign-ins ----------------------------------------------------------------------------
def test_an_enabled_microsoft_account_fails_naming_it_even_with_the_pin_excluded():
    got = judge(users=LOCAL_USERS + [MS_USER])
    assert got["ok"] is False and got["evidence"]["microsoft_accounts"] == ["docteur"]
    reason = got["reason"]
    assert reason.startswith("Microsoft-account sign-in for docteur: the password is Microsoft's, not governed by this PC's")
    assert "Convert each to a local account" in reason and "Windows Hello PIN" not in reason
    assert "win_policy_bypass" in reason


def test_a_disabled_microsoft_account_cannot_sign_in_and_is_only_listed():
    got = judge(users=LOCAL_USERS + [dict(MS_USER, enabled=False)])
    assert got["ok"] is True and got["evidence"]["microsoft_accounts_disabled"] == ["docteur"]


@pytest.mark.parametrize("source", ["microsoftaccount", "MicrosoftAccount "])
def test_the_principal_source_compares_without_case_or_spaces(source):
    assert judge(users=[dict(MS_USER, principal_source=source)])["evidence"]["microsoft_accounts"] == ["docteur"]


@pytest.mark.parametrize("source, shown", [("", "not reported"), (None, "not reported"), ("Unknown", "Unknown"),
                                           ("AzureAD", "AzureAD")])
def test_an_enabled_account_of_unreported_type_is_never_a_silent_pass(source, shown):
    got = judge(users=[dict(MS_USER, name="accueil", principal_source=source)])
    assert got["ok"] is False and got["evidence"]["accounts_of_other_type"] == {"accueil": shown}
    assert "account type not reported as local by Get-LocalUser (PrincipalSource) for accueil (%s)" % shown in got["reason"]


def test_windows_hello_only_for_microsoft_accounts_warns_to_convert_before_the_pin_is_turned_off():
    got = judge(users=[MS_USER], settings=sign_in(excluded=None, passwordless=2))
    assert "their password is not even offered at sign-in, so convert them before the PIN is turned off" in got["reason"]
    assert got["evidence"]["windows_hello_required_for_microsoft_accounts"] is True


def test_the_pin_already_excluded_while_microsoft_accounts_must_use_windows_hello_is_said_first():
    got = judge(users=[MS_USER], settings=sign_in(excluded=PIN, passwordless=2))
    assert got["ok"] is False and "these accounts may have no way left to sign in, check that first" in got["reason"]


def test_both_bypasses_are_reported_together_with_one_waiver_hint():
    got = judge(users=LOCAL_USERS + [MS_USER], settings=sign_in(excluded=None, passwordless=0))
    assert "Microsoft-account sign-in for docteur" in got["reason"] and "Windows Hello PIN sign-in is allowed" in got["reason"]
    assert got["reason"].count("waive CNIL-PWD-01 / win_policy_bypass") == 1
    assert got["evidence"]["windows_hello_required_for_microsoft_accounts"] is False


# --- what could not be read, Windows Home ------------------------------------------------------------------------
def test_accounts_not_read_fail():
    got = judge(users=None)
    assert got["ok"] is False and "the local accounts were not read" in got["reason"]


@pytest.mark.parametrize("settings", [None, "not a mapping"])
def test_sign_in_settings_not_read_fail(settings):
    got = w.cnil_win_policy_bypass(LOCAL_USERS, settings, PRO)
    assert got["ok"] is False and "the sign-in settings were not read" in got["reason"]
    assert got["evidence"]["pin_sign_in"] is None


def test_windows_home_fails_unsupported_edition_like_every_control_with_the_evidence():
    got = judge(users=[MS_USER], edition=w.cnil_win_edition("Core"))
    assert got["ok"] is False and got["reason"].startswith("unsupported edition: Windows Home")
    assert got["evidence"]["microsoft_accounts"] == ["docteur"]


# --- the role: one read-only probe, nothing enforced, the evidence as Ansible renders it ----------------------------
def windows_tasks():
    return yaml.safe_load(open(os.path.join(ROLE, "tasks", "windows.yml"), encoding="utf-8"))


def test_the_sign_ins_are_read_by_the_existing_probe_and_never_changed():
    tasks = windows_tasks()
    probe = next(t for t in tasks if t.get("register") == "cnil_pwd_win_secpol")
    assert probe["win_cnil_secpol_facts"] == {"accounts": True, "sign_in": True}
    assert probe["check_mode"] is False and probe["changed_when"] is False
    others = yaml.safe_dump([t for t in tasks if "cnil_evidence" not in t and t is not probe])
    for setting in ("PassportForWork", "ExcludedCredentialProviders", "D6886603", "PasswordLess", "sign_in"):
        assert setting not in others, "%s: the toolkit only reports the sign-ins" % setting


def render_evidence(variables, waivers=()):
    """The CNIL-PWD-01 evidence task, templated by Ansible (filters from plugins/filter, native types), then judged
    by cnil_evidence's logic as a run would."""
    from ansible.parsing.dataloader import DataLoader
    from ansible.plugins.loader import filter_loader
    from ansible.template import Templar, trust_as_template

    filter_loader.add_directory(os.path.join(ROOT, "plugins", "filter"))
    task = next(t for t in windows_tasks() if t["name"] == "CNIL-PWD-01 | evidence")
    templar = Templar(loader=DataLoader(), variables=variables)
    rendered = {}
    for name in ("cnil_pwd_win_edition", "cnil_pwd_win_policy", "cnil_pwd_win_bypass"):
        rendered[name] = templar.template(trust_as_template(task["vars"][name]))
        templar = Templar(loader=DataLoader(), variables=dict(variables, **rendered))
    checks = [{k: templar.template(trust_as_template(v)) if isinstance(v, str) else v for k, v in check.items()}
              for check in task["cnil_evidence"]["checks"]]
    checks = [dict(c, evidence={k: templar.template(trust_as_template(v)) if isinstance(v, str) else v
                                for k, v in c["evidence"].items()}) if isinstance(c["evidence"], dict) else c for c in checks]
    result = evidence_run({"control": task["cnil_evidence"]["control"], "checks": checks}, "cabinet", list(waivers),
                          load_catalog(), TODAY)
    return {c["id"]: c for c in result["cnil_checks"]}


def role_vars(users=LOCAL_USERS, settings=None, edition_id="Professional"):
    return {"cnil_pwd_win_minlen": 14, "cnil_pwd_win_secpol": {
        "edition": {"edition_id": edition_id},
        "system_access": {"MinimumPasswordLength": 14, "PasswordComplexity": 1, "ClearTextPassword": 0},
        "accounts": {"users": users}, "sign_in": sign_in() if settings is None else settings}}


@pytest.mark.parametrize("variables, status", [
    (role_vars(), "PASS"),
    (role_vars(users=LOCAL_USERS + [MS_USER]), "FAIL"),
    (role_vars(settings=sign_in(excluded=None)), "FAIL"),
    (role_vars(edition_id="Core"), "FAIL"),
])
def test_the_role_evidence_gives_the_status(variables, status):
    checks = render_evidence(variables)
    assert set(checks) == {"win_password_policy", "win_policy_bypass"}
    check = checks["win_policy_bypass"]
    assert check["status"] == status, check
    assert (check["reason"] is None) == (status == "PASS")
    assert "Microsoft account" in check["expected"] and "reported, not changed" in check["expected"]


def test_a_probe_without_the_new_results_fails_rather_than_breaking_the_run():
    variables = role_vars()
    del variables["cnil_pwd_win_secpol"]["accounts"], variables["cnil_pwd_win_secpol"]["sign_in"]
    check = render_evidence(variables)["win_policy_bypass"]
    assert check["status"] == "FAIL" and "were not read" in check["reason"]


def test_a_cabinet_that_keeps_them_waives_this_check_only():
    waiver = {"control": "CNIL-PWD-01", "check": "win_policy_bypass", "expires": "2027-06-30",
              "reason": "code PIN Windows Hello conservé pour le Dr Dupont (décision du 2026-11-30), revu en juin"}
    errors, valid = pf.check_waivers([waiver])
    assert errors == [] and valid[0]["check"] == "win_policy_bypass"
    variables = role_vars(users=LOCAL_USERS + [MS_USER], settings=sign_in(excluded=None))
    variables["cnil_pwd_win_secpol"]["system_access"]["MinimumPasswordLength"] = 8
    checks = render_evidence(variables, [waiver])
    assert checks["win_policy_bypass"]["status"] == "WAIVED"
    assert checks["win_password_policy"]["status"] == "FAIL"          # the waiver covers the bypass check only
    expired = dict(waiver, expires="2026-11-29")
    assert render_evidence(variables, [expired])["win_policy_bypass"]["status"] == "FAIL"


def test_the_check_has_french_and_english_labels_and_the_remediation_says_what_to_do_on_windows():
    control = next(c for c in yaml.safe_load(open(os.path.join(ROOT, "data", "controls.yml"), encoding="utf-8"))["controls"]
                   if c["id"] == "CNIL-PWD-01")
    label = control["checks"]["win_policy_bypass"]
    assert set(label) == {"fr", "en"} and "Windows Hello" in label["fr"] and "compte Microsoft" in label["fr"]
    assert "comptes Microsoft" in control["remediation"]["fr"] and "Microsoft accounts" in control["remediation"]["en"]
