"""Windows decisions (plugins/filter/cnil_windows.py) on recorded-like data, and the PowerShell mirror's tables."""
import json
import os
import re

import pytest

import cnil_windows as w

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "windows")
BITLOCKER_PS1 = os.path.join(ROOT, "library", "win_cnil_bitlocker.ps1")
SECPOL_PS1 = os.path.join(ROOT, "library", "win_cnil_secpol_facts.ps1")
BL = json.load(open(os.path.join(FIXTURES, "bitlocker_results.json"), encoding="utf-8"))
ESCROWED = BL["escrowed_ids"]


# --- editions and releases ---------------------------------------------------------------------------
@pytest.mark.parametrize("edition_id, family, supported", [
    ("Core", "home", False), ("CoreN", "home", False), ("CoreSingleLanguage", "home", False),
    ("CoreCountrySpecific", "home", False), ("Professional", "pro", True), ("ProfessionalN", "pro", True),
    ("ProfessionalWorkstation", "pro", True), ("ProfessionalEducation", "education", True),
    ("Education", "education", True), ("Enterprise", "enterprise", True), ("EnterpriseS", "enterprise", True),
    ("IoTEnterprise", "enterprise", True), ("ServerStandard", "server", False), ("", "unknown", False),
    (None, "unknown", False), ("Cloud", "unknown", False),
])
def test_edition_family_and_support(edition_id, family, supported):
    got = w.cnil_win_edition(edition_id)
    assert (got["family"], got["supported"]) == (family, supported)
    assert (got["reason"] is None) == supported
    if not supported:
        assert got["reason"].startswith("unsupported edition")


def test_home_reason_names_the_missing_features():
    reason = w.cnil_win_edition("Core")["reason"]
    assert "BitLocker" in reason and "Removable Storage" in reason and "Pro" in reason


@pytest.mark.parametrize("build, name, known", [
    ("19045", "Windows 10 22H2", True), (19044, "Windows 10 21H2", True), ("22000", "Windows 11 21H2", True),
    ("22621", "Windows 11 22H2", True), (22631, "Windows 11 23H2", True), ("26100", "Windows 11 24H2", True),
    ("26200", "Windows 11 25H2", True), ("26300", "Windows 11 26H2", True), ("26100.2314", "Windows 11 24H2", True),
    ("28000", "Windows 11 (build 28000)", False), ("19046", "Windows 10 (build 19046)", False),
    ("9600", "Windows (before 10) (build 9600)", False),
])
def test_build_to_release_name(build, name, known):
    got = w.cnil_win_release(build, "24H2")
    assert (got["name"], got["known"]) == (name, known)
    assert got["display_version"] == "24H2"


def test_unreadable_build_is_unknown_not_a_guess():
    got = w.cnil_win_release(None)
    assert got["known"] is False and got["product"] is None


# --- secedit export ----------------------------------------------------------------------------------
def test_secedit_export_utf16_is_parsed():
    data = open(os.path.join(FIXTURES, "secedit_export.inf"), "rb").read()
    assert data[:2] == b"\xff\xfe"
    inf = w.cnil_win_secedit_parse(data)
    sa = inf["System Access"]
    assert sa["MinimumPasswordLength"] == 12 and sa["PasswordComplexity"] == 1 and sa["MaximumPasswordAge"] == 42
    assert sa["LockoutBadCount"] == 10 and sa["LockoutDuration"] == 10 and sa["ResetLockoutCount"] == 10
    assert sa["ClearTextPassword"] == 0 and sa["EnableGuestAccount"] == 0
    assert sa["NewGuestName"] == "Invité"  # quotes removed, non-ASCII kept: UTF-16 decoded, not ANSI
    assert inf["Version"]["signature"] == "$CHICAGO$"
    assert set(inf) >= {"Unicode", "System Access", "Event Audit", "Registry Values", "Privilege Rights", "Version"}
    assert inf["Registry Values"]["MACHINE\\System\\CurrentControlSet\\Control\\Lsa\\NoLMHash"] == "4,1"


@pytest.mark.parametrize("data", [
    "[System Access]\r\nMinimumPasswordLength = 14\r\n",
    "\ufeff[System Access]\nMinimumPasswordLength=14\n",
    b"\xef\xbb\xbf[System Access]\nMinimumPasswordLength = 14\n",
    "[System Access]\nMinimumPasswordLength = 14\n".encode("utf-16-le"),
    b"[System Access]\nMinimumPasswordLength = 14\n",
])
def test_secedit_encodings(data):
    assert w.cnil_win_secedit_parse(data)["System Access"]["MinimumPasswordLength"] == 14


def test_secedit_ignores_lines_outside_sections_and_comments():
    inf = w.cnil_win_secedit_parse("stray = 1\n; comment\n[A]\nkey = -1\nnoequals\nkey2 = text\n")
    assert inf == {"A": {"key": -1, "key2": "text"}}


# --- password policy (PWD-01/02/03) ------------------------------------------------------------------
GOOD = {"MinimumPasswordLength": 14, "PasswordComplexity": 1, "ClearTextPassword": 0, "MaximumPasswordAge": 365,
        "LockoutBadCount": 10, "LockoutDuration": 15, "ResetLockoutCount": 15}


def test_password_policy_14_with_complexity_passes():
    got = w.cnil_win_password_policy(GOOD, 14)
    assert got["ok"] and got["reason"] is None and got["min_entropy_bits"] >= 80


def test_password_policy_12_with_complexity_fails_with_entropy_explanation():
    got = w.cnil_win_password_policy(dict(GOOD, MinimumPasswordLength=12), 14)
    assert not got["ok"]
    assert "not enforceable on Windows" in got["reason"] and "3 of the 4 classes" in got["reason"]
    assert "71.5 bits < 80" in got["reason"] and "14 characters" in got["reason"]
    assert got["min_entropy_bits"] == pytest.approx(71.5, abs=0.1)


@pytest.mark.parametrize("change, words", [
    ({"PasswordComplexity": 0}, "digits only"),
    ({"ClearTextPassword": 1}, "reversible"),
    ({"MinimumPasswordLength": 8}, "8 < 14"),
    ({"MinimumPasswordLength": None}, "not found"),
])
def test_password_policy_failures(change, words):
    sa = {k: v for k, v in dict(GOOD, **change).items() if v is not None}
    got = w.cnil_win_password_policy(sa, 14)
    assert not got["ok"] and words in got["reason"]


def test_password_policy_from_the_sample_export_fails():
    sa = w.cnil_win_secedit_parse(open(os.path.join(FIXTURES, "secedit_export.inf"), "rb").read())["System Access"]
    assert not w.cnil_win_password_policy(sa, 14)["ok"]
    assert w.cnil_win_password_age(sa, 365)["ok"]
    lock = w.cnil_win_lockout(sa, 10, 15)
    assert not lock["ok"] and "LockoutDuration 10 < 15" in lock["reason"]


def test_entropy_arithmetic():
    assert w.min_entropy_bits(14, True) == pytest.approx(83.4, abs=0.1)
    assert w.min_entropy_bits(12, True) == pytest.approx(71.5, abs=0.1)
    assert w.min_entropy_bits(24, False) == pytest.approx(79.7, abs=0.1)


@pytest.mark.parametrize("age, ok", [(365, True), (1, True), (366, False), (0, False), (-1, False), (None, False)])
def test_password_age(age, ok):
    sa = {} if age is None else {"MaximumPasswordAge": age}
    assert w.cnil_win_password_age(sa, 365)["ok"] is ok


@pytest.mark.parametrize("count, duration, reset, ok", [
    (10, 15, 15, True), (5, 30, 15, True), (10, 0, 30, True), (10, -1, 15, True),
    (0, None, None, False), (11, 15, 15, False), (10, 14, 14, False), (10, 15, 5, False), (10, None, 15, False),
])
def test_lockout(count, duration, reset, ok):
    sa = {"LockoutBadCount": count}
    if duration is not None:
        sa["LockoutDuration"] = duration
    if reset is not None:
        sa["ResetLockoutCount"] = reset
    assert w.cnil_win_lockout(sa, 10, 15)["ok"] is ok


# --- antivirus (AV-01) -------------------------------------------------------------------------------
@pytest.mark.parametrize("state, product, enabled, up_to_date, microsoft", [
    (397568, "on", True, True, True),       # 0x061100 Windows Defender, on, up to date
    (397584, "on", True, False, True),      # 0x061110 Defender on, signatures out of date
    (393472, "off", False, True, True),     # 0x060100 Defender off (another product is primary)
    (266240, "on", True, True, False),      # 0x041000 third-party AV on, up to date
    (266256, "on", True, False, False),     # 0x041010 third-party AV on, out of date
    (262144, "off", False, True, False),    # 0x040000 third-party AV off
    (270336, "snoozed", False, True, False),  # 0x042000
    (274432, "expired", False, True, False),  # 0x043000
])
def test_product_state_decoding(state, product, enabled, up_to_date, microsoft):
    got = w.cnil_win_product_state(state)
    assert (got["product_state"], got["enabled"], got["signatures_up_to_date"], got["microsoft"]) == (
        product, enabled, up_to_date, microsoft)
    assert "antivirus" in got["providers"]


def test_product_state_hex_and_garbage():
    assert w.cnil_win_product_state("397568")["hex"] == "0x061100"
    assert w.cnil_win_product_state(None)["product_state"] == "unknown"
    assert w.cnil_win_product_state("abc")["enabled"] is False


@pytest.mark.parametrize("age, ok, level", [(0, True, "ok"), (1, True, "ok"), (2, True, "warn"), (3, True, "warn"),
                                            (4, False, "fail"), (65535, False, "fail"), (None, False, "fail")])
def test_signature_age_against_threshold(age, ok, level):
    got = w.cnil_win_signature_age(age, 3)
    assert (got["ok"], got["level"]) == (ok, level)


DEFENDER_OK = {"AMServiceEnabled": True, "AntivirusEnabled": True, "RealTimeProtectionEnabled": True,
               "AMRunningMode": "Normal", "AntivirusSignatureAge": 0}


def test_defender_primary_and_healthy():
    got = w.cnil_win_antivirus(DEFENDER_OK, [{"displayName": "Windows Defender", "productState": 397568}], 3)
    assert got["ok"] and got["engine"] == "Microsoft Defender Antivirus"


@pytest.mark.parametrize("change, words", [
    ({"RealTimeProtectionEnabled": False}, "real-time"),
    ({"AntivirusSignatureAge": 9}, "9 days old > 3"),
    ({"AMServiceEnabled": "False"}, "service off"),
])
def test_defender_failures(change, words):
    got = w.cnil_win_antivirus(dict(DEFENDER_OK, **change), [], 3)
    assert not got["ok"] and words in got["reason"]


def test_defender_passive_and_third_party_active():
    defender = dict(DEFENDER_OK, AMRunningMode="Passive Mode", RealTimeProtectionEnabled=False)
    products = [{"displayName": "Windows Defender", "productState": 393472},
                {"displayName": "Vendor AV", "productState": 266240}]
    got = w.cnil_win_antivirus(defender, products, 3)
    assert got["ok"] and got["engine"] == "Vendor AV" and "Security Center" in got["reason"]


def test_third_party_out_of_date_fails_and_nothing_fails():
    got = w.cnil_win_antivirus(None, [{"displayName": "Vendor AV", "productState": 266256}], 3)
    assert not got["ok"] and "out of date" in got["reason"]
    got = w.cnil_win_antivirus(None, [], 3)
    assert not got["ok"] and "no active antivirus" in got["reason"]


# --- BitLocker (ENC-01) ------------------------------------------------------------------------------
def os_volume(case):
    return next(v for v in BL[case]["volumes"] if v["VolumeType"] == "OperatingSystem")


@pytest.mark.parametrize("case, state", [
    ("fully_encrypted_tpm_recovery", "protected"), ("suspended", "suspended"),
    ("auto_encrypted_no_escrow", "auto_encrypted_no_protector"),
    ("auto_encrypted_key_in_microsoft_account", "protected"), ("decrypted", "not_encrypted"),
    ("decrypting", "decrypting"),
])
def test_volume_states(case, state):
    assert w.volume_state(os_volume(case)) == state


def test_protector_types_from_codes_and_names():
    assert [w.protector_type(v) for v in (1, "3", "NumericalPassword", "recoverypassword", "TPMPIN", 10, 42)] == [
        "Tpm", "RecoveryPassword", "RecoveryPassword", "RecoveryPassword", "TpmPin", "AdAccountOrGroup", "Unknown"]
    assert w.volume_state({"VolumeStatus": 1, "ProtectionStatus": 1, "KeyProtector": [{"KeyProtectorType": 1}]}) == "protected"


def plan(case, **kw):
    kw.setdefault("escrowed_ids", ESCROWED)
    return w.cnil_win_bitlocker_plan(os_volume(case), **kw)


def test_plan_fully_encrypted_does_nothing():
    got = plan("fully_encrypted_tpm_recovery")
    assert got["add"] == [] and got["action"] == "none" and got["blocked"] is None


def test_plan_suspended_resumes_only_after_escrow_confirmation():
    first = plan("suspended")
    assert first["add"] == [] and first["action"] == "resume" and not first["action_allowed"]
    assert first["blocked"].startswith("waiting for the recovery password escrow")
    second = plan("suspended", escrow_confirmed=True)
    assert second["action_allowed"] and second["blocked"] is None
    # Confirmation without the protector in the escrow is not enough.
    assert not plan("suspended", escrow_confirmed=True, escrowed_ids=[])["action_allowed"]


def test_plan_auto_encrypted_adds_recovery_first_then_tpm_and_waits():
    got = plan("auto_encrypted_no_escrow", escrowed_ids=[])
    assert got["add"] == ["RecoveryPassword", "Tpm"] and got["action"] == "resume" and not got["action_allowed"]


def test_plan_key_in_microsoft_account_gets_an_escrowed_recovery_password():
    got = plan("auto_encrypted_key_in_microsoft_account")
    assert got["add"] == ["RecoveryPassword"] and got["action"] == "none"


def test_plan_decrypted_adds_both_then_encrypts_after_escrow():
    first = plan("decrypted", escrowed_ids=[])
    assert first["add"] == ["RecoveryPassword", "Tpm"] and first["action"] == "encrypt" and not first["action_allowed"]
    # Second call: the protectors exist now, the new recovery protector is escrowed.
    vol = dict(os_volume("decrypted"), KeyProtector=[{"KeyProtectorType": "RecoveryPassword", "KeyProtectorId": "{NEW}"},
                                                     {"KeyProtectorType": "Tpm", "KeyProtectorId": "{T}"}])
    second = w.cnil_win_bitlocker_plan(vol, escrowed_ids=["{new}"], escrow_confirmed=True)
    assert second["add"] == [] and second["action"] == "encrypt" and second["action_allowed"]


def test_plan_never_decrypts():
    got = plan("decrypting", escrow_confirmed=True)
    assert got["action"] == "encrypt" and got["action_allowed"]
    assert set(w.STATE_ACTIONS.values()) == {"none", "resume", "encrypt"}


def test_plan_no_tpm_adds_nothing():
    got = plan("no_tpm", tpm_ready=False)
    assert got["add"] == [] and got["action"] == "none" and "no TPM" in got["blocked"]


def test_plan_data_volume_and_home_are_not_enforced():
    data = next(v for v in BL["fixed_data_volume_not_encrypted"]["volumes"] if v["VolumeType"] == "Data")
    assert w.cnil_win_bitlocker_plan(data, escrowed_ids=ESCROWED)["blocked"].startswith("data volume")
    home = plan("decrypted", edition_supported=False)
    assert home["add"] == [] and home["blocked"] == "unsupported edition"


def status(case, escrowed=None):
    return w.cnil_win_bitlocker_status(BL[case], ESCROWED if escrowed is None else escrowed)


def test_status_compliant_ignores_removable_volumes():
    got = status("fully_encrypted_tpm_recovery")
    assert got["ok"] and got["findings"] == [] and [v["mount_point"] for v in got["volumes"]] == ["C:"]
    assert got["volumes"][0]["protectors"] == ["RecoveryPassword", "Tpm"] and got["volumes"][0]["escrowed"]


def test_status_compliant_volume_without_escrow_fails():
    got = status("fully_encrypted_tpm_recovery", escrowed=[])
    assert not got["ok"] and "not escrowed" in got["reason"]


@pytest.mark.parametrize("case, words", [
    ("suspended", "C: suspended"),
    ("decrypted", "C: not encrypted"),
    ("fixed_data_volume_not_encrypted", "D: not encrypted"),
    ("auto_encrypted_no_escrow", "C: auto encrypted no protector"),
])
def test_status_failures(case, words):
    got = status(case)
    assert not got["ok"] and words in got["reason"]


def test_status_reports_microsoft_account_and_device_encryption_findings():
    got = status("auto_encrypted_key_in_microsoft_account")
    assert not got["ok"] and any("personal Microsoft account" in f for f in got["findings"])
    got = status("auto_encrypted_no_escrow")
    assert any("device encryption" in f and "clear" in f for f in got["findings"])


def test_status_home_is_unsupported_edition():
    got = status("home_without_bitlocker_cmdlets")
    assert not got["ok"] and got["reason"].startswith("unsupported edition")


def test_status_never_contains_a_recovery_password():
    result = dict(BL["suspended"], new_recovery_passwords=[{"mount_point": "C:", "protector_id": "{X}",
                                                            "recovery_password": "111111-222222-333333-444444-555555-666666-777777-888888"}])
    assert "111111" not in json.dumps(w.cnil_win_bitlocker_status(result, ESCROWED))


def test_escrow_merge_keeps_old_entries_and_ids():
    old = {"host": "pc", "volumes": {"C:": [{"protector_id": "{A}", "recovery_password": "1-2", "created": "t0"}]}}
    new = [{"mount_point": "C:", "protector_id": "{B}", "recovery_password": "3-4"},
           {"mount_point": "C:", "protector_id": "{a}", "recovery_password": "other"}]
    merged = w.cnil_win_escrow_merge(old, "pc", new, created="t1")
    assert [e["protector_id"] for e in merged["volumes"]["C:"]] == ["{A}", "{B}"]
    assert merged["volumes"]["C:"][0]["recovery_password"] == "1-2"
    assert w.cnil_win_escrow_ids(merged) == ["{A}", "{B}"]
    assert w.cnil_win_escrow_ids(None) == []


# --- accounts (ACC-01) -------------------------------------------------------------------------------
def test_admin_members_by_sid_group_local_and_remote():
    members = [{"name": "PC-MEDECIN\\cnil-admin", "sid": "S-1-5-21-1-2-3-1001", "local": True},
               {"name": "PC-MEDECIN\\Administrateur", "sid": "S-1-5-21-1-2-3-500", "local": True},
               {"name": "MicrosoftAccount\\dr@example.org", "sid": "S-1-5-21-9-1002", "local": False}]
    users = [{"name": "Administrateur", "sid": "S-1-5-21-1-2-3-500", "enabled": False}]
    got = w.cnil_win_admin_members(members, ["cnil-admin"], users)
    assert not got["ok"] and got["extra"] == ["MicrosoftAccount\\dr@example.org"]
    assert w.cnil_win_admin_members(members, ["cnil-admin", "MicrosoftAccount\\dr@example.org"], users)["ok"]
    # An enabled built-in Administrator counts.
    users[0]["enabled"] = True
    assert w.cnil_win_admin_members(members[:2], ["cnil-admin"], users)["extra"] == ["PC-MEDECIN\\Administrateur"]
    assert w.cnil_win_admin_members(members[:1], ["cnil-admin", "jmartin"], users)["missing"] == ["jmartin"]


# --- the PowerShell mirror ---------------------------------------------------------------------------
def ps_array(text, name):
    match = re.search(r"\$%s = @\(([^)]*)\)" % name, text)
    assert match, "$%s not found" % name
    return re.findall(r"'([^']*)'", match.group(1))


def ps_hashtable(text, name):
    match = re.search(r"\$%s = @\{(.*?)\}\n" % name, text, re.S)
    assert match, "$%s not found" % name
    return {k: v for k, v in re.findall(r"(\w+) = '([^']*)'", match.group(1))}


def test_powershell_tables_equal_the_python_ones():
    text = open(BITLOCKER_PS1, encoding="utf-8").read()
    assert ps_array(text, "CnilTpmProtectors") == list(w.TPM_PROTECTORS)
    assert ps_array(text, "CnilSupportedFamilies") == list(w.SUPPORTED_FAMILIES)
    assert {int(k): v for k, v in ps_hashtable(text, "CnilProtectorCodes").items()} == w.PROTECTOR_CODES
    assert ps_hashtable(text, "CnilStateActions") == w.STATE_ACTIONS
    assert re.search(r"\$CnilRecoveryProtector = '%s'" % w.RECOVERY_PROTECTOR, text)


def ps_function(text, name):
    match = re.search(r"^function %s \{\n(.*?)^\}" % name, text, re.S | re.M)
    assert match, "function %s not found" % name
    return match.group(1)


def test_powershell_mirror_functions_use_the_same_states_and_messages():
    text = open(BITLOCKER_PS1, encoding="utf-8").read()
    python = open(os.path.join(ROOT, "plugins", "filter", "cnil_windows.py"), encoding="utf-8").read()
    states = set(re.findall(r"return '(\w+)'", ps_function(text, "Get-CnilVolumeState")))
    assert states == set(w.VOLUME_STATES)
    families = set(re.findall(r"return '(\w+)'", ps_function(text, "Get-CnilEditionFamily")))
    assert families == set(w.SUPPORTED_FAMILIES) | {"home", "server", "unknown"}
    for message in re.findall(r"\$plan\.blocked = '([^']*)'", ps_function(text, "Get-CnilBitLockerPlan")):
        assert message in python, "Get-CnilBitLockerPlan message not in cnil_windows.py: %s" % message
    for key in ("VolumeStatus", "ProtectionStatus", "KeyProtector", "KeyProtectorType", "KeyProtectorId", "VolumeType"):
        assert key in ps_function(text, "Get-CnilVolume"), key


def test_secedit_parser_mirror_handles_the_same_cases():
    body = ps_function(open(SECPOL_PS1, encoding="utf-8").read(), "ConvertFrom-CnilInf")
    for fragment in ("StartsWith(';')", "StartsWith('[')", "IndexOf('=')", "'^-?\\d+$'", "StartsWith('\"')"):
        assert fragment in body, fragment


# --- escrow confirmation and mirror agreement --------------------------------------------------------
def test_escrow_confirmation_needs_every_new_password_identical():
    new = [{"mount_point": "C:", "protector_id": "{B}", "recovery_password": "3-4"}]
    ok = {"volumes": {"C:": [{"protector_id": "{b}", "recovery_password": "3-4"}]}}
    assert w.cnil_win_escrow_confirms(ok, new)
    assert not w.cnil_win_escrow_confirms({"volumes": {"C:": [{"protector_id": "{B}", "recovery_password": "3-5"}]}}, new)
    assert not w.cnil_win_escrow_confirms({}, new)
    assert w.cnil_win_escrow_confirms({}, [])


def test_plans_agree_with_the_host_and_disagreements_are_named():
    result = dict(BL["suspended"])
    result["plans"] = [w.cnil_win_bitlocker_plan(v, True, ESCROWED, False, True) for v in result["volumes_before"]]
    assert w.cnil_win_bitlocker_plans_agree(result, ESCROWED, False) == []
    result["plans"] = [dict(result["plans"][0], action_allowed=True)]
    diffs = w.cnil_win_bitlocker_plans_agree(result, ESCROWED, False)
    assert diffs and "C: action_allowed" in diffs[0]
    assert w.cnil_win_bitlocker_plans_agree(dict(result, plans=[]), ESCROWED) == ["C:: no plan from the host"]


# --- registry, firewall, removable media, accounts ---------------------------------------------------
def stat(name, exists=True, type_="REG_DWORD", value=None):
    return {"item": {"name": name}, "exists": exists, "type": type_, "value": value}


def test_registry_check():
    expected = [{"name": "NoAutoUpdate", "type": "REG_DWORD", "data": 0},
                {"name": "ScRemoveOption", "type": "REG_SZ", "data": "1"},
                {"name": "DefaultPassword", "absent": True}]
    good = [stat("NoAutoUpdate", value=0), stat("ScRemoveOption", type_="REG_SZ", value="1"), stat("DefaultPassword", exists=False)]
    assert w.cnil_win_registry_check(good, expected)["ok"]
    bad = [stat("NoAutoUpdate", value=1), stat("ScRemoveOption", type_="REG_DWORD", value=1), stat("DefaultPassword", type_="REG_SZ", value="S3cretPwd")]
    got = w.cnil_win_registry_check(bad, expected)
    assert not got["ok"] and len(got["mismatches"]) == 3
    assert "S3cretPwd" not in json.dumps(got)  # the content of DefaultPassword is never repeated
    assert "missing" in w.cnil_win_registry_check([], expected[:1])["mismatches"][0]


@pytest.mark.parametrize("mode, name, note", [("block_all", "Deny_All", False), ("deny_write", "Deny_Write", False),
                                              ("allowlist", "Deny_Write", True), ("off", None, True)])
def test_removable_policy(mode, name, note):
    got = w.cnil_win_removable_policy(mode)
    assert [v["name"] for v in got["set"]] == ([name] if name else [])
    assert (got["note"] is not None) == note
    assert not {v["name"] for v in got["set"]} & {v["name"] for v in got["absent"]}


PROFILES = [{"Name": n, "Enabled": "True", "DefaultInboundAction": "Block"} for n in ("Domain", "Private", "Public")]


def test_firewall_profiles_and_management_rule():
    rule = {"enabled": True, "remote_addresses": ["192.168.10.10/255.255.255.255"]}
    assert w.cnil_win_firewall(PROFILES, rule, ["192.168.10.10/32"])["ok"]
    assert "open to any" in w.cnil_win_firewall(PROFILES, {"enabled": True, "remote_addresses": ["Any"]}, [])["reason"]
    assert "beyond" in w.cnil_win_firewall(PROFILES, {"enabled": True, "remote_addresses": ["10.0.0.0/255.0.0.0"]},
                                           ["192.168.10.10/32"])["reason"]
    off = [dict(PROFILES[0], Enabled="False"), dict(PROFILES[1], DefaultInboundAction="NotConfigured"), PROFILES[2]]
    reason = w.cnil_win_firewall(off)["reason"]
    assert "Domain profile off" in reason and "Private inbound default NotConfigured" in reason
    assert "profile Public not reported" in w.cnil_win_firewall(PROFILES[:2])["reason"]


def test_unknown_accounts():
    users = [{"name": "mdupont", "enabled": True}, {"name": "cnil-admin", "enabled": True},
             {"name": "stagiaire", "enabled": True}, {"name": "Invité", "enabled": False}]
    assert w.cnil_win_unknown_accounts(users, [{"login": "mdupont"}], ["cnil-admin"]) == ["stagiaire"]
