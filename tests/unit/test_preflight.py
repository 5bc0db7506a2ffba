"""Preflight: bad input is refused with the variable, the control and the limit; waivers are honoured."""
import datetime
import hashlib
import os

import pytest
import yaml

import cnil_preflight as pf

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FLOORS = yaml.safe_load(open(os.path.join(ROOT, "data", "floors.yml")))["floors"]
TODAY = datetime.date(2026, 11, 29)
ROLE_DIRS = sorted(d for d in os.listdir(os.path.join(ROOT, "roles")) if d.startswith("cnil_"))


def role_defaults(role):
    options, values = pf.role_values(os.path.join(ROOT, "roles", role), {}, None)
    return options, values


@pytest.mark.parametrize("role", ROLE_DIRS)
def test_every_role_default_passes_its_spec_and_the_floors(role):
    options, values = role_defaults(role)
    assert pf.validate_spec(role, options, values) == []
    assert pf.check_floors(values, FLOORS, [], TODAY) == ([], [])


@pytest.mark.parametrize("role", ROLE_DIRS)
def test_every_default_is_documented_in_the_argument_spec(role):
    options, values = role_defaults(role)
    assert set(values) == set(options), "defaults/main.yml and meta/argument_specs.yml must list the same variables"


# Numeric floors; switch floors (equals) are tested in test_cnil_fw.py.
FLOOR_CASES = [(f["var"], f) for f in FLOORS if "min" in f or "max" in f]


def holding(floor, var, value):
    """Values under which the floor holds: its own variable, and the `when` condition met."""
    values = {name: wanted[0] if isinstance(wanted, list) else wanted for name, wanted in (floor.get("when") or {}).items()}
    values[var] = value
    return values


@pytest.mark.parametrize("var, floor", FLOOR_CASES, ids=[v for v, _ in FLOOR_CASES])
def test_beyond_each_floor_is_refused_naming_variable_control_and_limit(var, floor):
    bad = floor["max"] + 1 if "max" in floor else floor["min"] - 1
    errors, used = pf.check_floors(holding(floor, var, bad), FLOORS, [], TODAY)
    assert len(errors) == 1 and used == []
    assert var in errors[0] and floor["control"] in errors[0] and str(floor.get("max", floor.get("min"))) in errors[0]


@pytest.mark.parametrize("var, floor", FLOOR_CASES, ids=[v for v, _ in FLOOR_CASES])
def test_below_min_is_refused(var, floor):
    if floor.get("min") is None or floor["min"] <= 0:
        pytest.skip("no lower bound above zero")
    errors, _ = pf.check_floors(holding(floor, var, floor["min"] - 1), FLOORS, [], TODAY)
    assert errors and "at least %s" % floor["min"] in errors[0]


def test_a_floor_with_when_holds_only_under_its_condition():
    """The seed profile's limit on every account's maximum age does not apply under cnil2022, and the reverse."""
    seed = {"cnil_pwd_renewal_profile": "seed", "cnil_pwd_max_days": 400, "cnil_pwd_admin_max_days": 400}
    errors, _ = pf.check_floors(seed, FLOORS, [], TODAY)
    assert len(errors) == 1 and errors[0].startswith("cnil_pwd_max_days = 400")
    errors, _ = pf.check_floors(dict(seed, cnil_pwd_renewal_profile="cnil2022"), FLOORS, [], TODAY)
    assert len(errors) == 1 and errors[0].startswith("cnil_pwd_admin_max_days = 400")
    assert pf.floor_applies({"when": {"x": ["a", "b"]}}, {"x": "b"}) and not pf.floor_applies({"when": {"x": "a"}}, {})


@pytest.mark.parametrize("value", ["900", None, True, [900]])
def test_wrong_type_is_refused(value):
    errors, _ = pf.check_floors({"cnil_lock_idle_seconds": value}, FLOORS, [], TODAY)
    assert errors and "needs a number" in errors[0] and "CNIL-LOCK-01" in errors[0]


def test_wrong_type_and_choice_are_refused_by_the_argument_spec():
    options, values = role_defaults("cnil_lock")
    errors = pf.validate_spec("cnil_lock", options, dict(values, cnil_lock_idle_seconds="quinze", cnil_lock_desktop="kde"))
    text = "\n".join(errors)
    assert "cnil_lock_idle_seconds" in text and "cnil_lock_desktop" in text and "cnil_lock" in text


def test_the_floor_itself_is_accepted():
    assert pf.check_floors({"cnil_lock_idle_seconds": 1800}, FLOORS, [], TODAY) == ([], [])


def test_valid_waiver_allows_and_is_returned():
    _, waivers = pf.check_waivers([{"control": "CNIL-LOCK-01", "check": "gui_idle_lock", "reason": "salle d'attente", "expires": "2027-01-31"}])
    errors, used = pf.check_floors({"cnil_lock_idle_seconds": 3600}, FLOORS, waivers, TODAY)
    assert errors == [] and used[0]["var"] == "cnil_lock_idle_seconds" and used[0]["reason"] == "salle d'attente"


def test_expired_waiver_or_waiver_for_another_check_does_not_allow():
    _, expired = pf.check_waivers([{"control": "CNIL-LOCK-01", "reason": "r", "expires": "2026-11-28"}])
    errors, _ = pf.check_floors({"cnil_lock_idle_seconds": 3600}, FLOORS, expired, TODAY)
    assert errors and "expired on 2026-11-28" in errors[0]
    _, other = pf.check_waivers([{"control": "CNIL-LOCK-01", "check": "shell_tmout", "reason": "r", "expires": "2027-01-01"}])
    assert pf.check_floors({"cnil_lock_idle_seconds": 3600}, FLOORS, other, TODAY)[0]


@pytest.mark.parametrize("waiver, message", [
    ({"control": "CNIL-ENC-01", "expires": "2027-01-01"}, "cnil_waivers[0].reason"),
    ({"control": "CNIL-ENC-01", "reason": "no disk"}, "cnil_waivers[0].expires"),
    ({"control": "CNIL-ENC-01", "reason": "r", "expires": "next year"}, "cnil_waivers[0].expires"),
    ({"reason": "r", "expires": "2027-01-01"}, "cnil_waivers[0].control"),
    ({"control": "CNIL-ENC-01", "reason": "r", "expires": "2027-01-01", "until": 1}, "unknown field"),
    ("CNIL-ENC-01", "must be a mapping"),
])
def test_malformed_waivers_are_named(waiver, message):
    errors, _ = pf.check_waivers([waiver])
    assert any(message in e for e in errors), errors


@pytest.mark.parametrize("waiver, message", [
    ({"control": "CNIL-NOPE-01", "reason": "r", "expires": "2027-01-01"}, "unknown control ID CNIL-NOPE-01"),
    ({"control": "CNIL-LOCK-01", "check": "gui_idel_lock", "reason": "r", "expires": "2027-01-01"}, "has no check 'gui_idel_lock'"),
])
def test_waivers_must_name_known_controls_and_checks(waiver, message):
    errors, _ = pf.check_waivers([waiver])
    assert any(message in e for e in errors), errors


GOOD_ATTESTATION = {"statement": "s", "evidence": "e", "attested_by": "Dr X", "attested_on": "2026-09-01"}


@pytest.mark.parametrize("attestations, message", [
    ({"hds": dict(GOOD_ATTESTATION, attested_on=None)}, "cnil_attestations.hds.attested_on (CNIL-ORG-HDS-01)"),
    ({"hds": dict(GOOD_ATTESTATION, attested_on="septembre")}, "cnil_attestations.hds.attested_on"),
    ({"hds": dict(GOOD_ATTESTATION, statement="")}, "cnil_attestations.hds.statement (CNIL-ORG-HDS-01): required"),
    ({"paper": {"applies": False}}, "cnil_attestations.paper.justification"),
    ({"hsd": GOOD_ATTESTATION}, "unknown attestation key 'hsd'"),
    ({"hds": dict(GOOD_ATTESTATION, reviewed=True)}, "unknown field(s) reviewed"),
    ({"hds": dict(GOOD_ATTESTATION, review_days="un an")}, "review_days"),
    (["hds"], "must map attestation keys"),
])
def test_malformed_attestations_are_named(attestations, message):
    errors = pf.check_attestations(attestations)
    assert any(message in e for e in errors), errors


def test_well_formed_attestations_pass():
    assert pf.check_attestations({"hds": GOOD_ATTESTATION, "paper": {"applies": False, "justification": "pas de papier"}}) == []


def test_bad_inventory_is_refused_end_to_end_naming_file_and_field_before_touching_a_host(tmp_path):
    """bin/cnil audit on an inventory with a bad waiver: exit 1, the message names the file, line and
    field, and no play ever reaches the host (it does not even exist: any contact would be UNREACHABLE)."""
    import subprocess
    inv = tmp_path / "cabinet"
    (inv / "group_vars" / "all").mkdir(parents=True)
    (inv / "hosts.yml").write_text("all:\n  children:\n    cnil_linux:\n      hosts:\n        ghost-pc:\n"
                                   "          ansible_connection: community.docker.docker\n")
    (inv / "group_vars" / "all" / "cabinet.yml").write_text(
        "cnil_cabinet: cabinet-bad\ncnil_lock_idle_seconds: 3600\n"
        "cnil_waivers:\n  - control: CNIL-ENC-01\n    expires: 2027-01-01\n")
    proc = subprocess.run([os.path.join(ROOT, "bin", "cnil"), "audit", "-i", str(inv / "hosts.yml"), "--report-dir", str(tmp_path / "r")],
                          capture_output=True, text=True, cwd=ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "cnil_lock_idle_seconds = 3600" in out and "CNIL-LOCK-01" in out and "1800" in out
    assert "cnil_waivers[0]" in out and ".reason" in out and "group_vars/all/cabinet.yml" in out
    assert "cnil_bkp_win_restic" not in out  # a Linux PC is not asked for the Windows restic.exe
    assert "UNREACHABLE" not in out and "Gathering Facts" not in out


@pytest.mark.parametrize("values, refused", [
    ({"cnil_mgmt_user": "cnil-admin", "cnil_admins": ["cnil-admin"]}, False),
    ({"cnil_mgmt_user": "root", "cnil_admins": []}, False),
    ({"cnil_mgmt_user": "cnil-admin", "cnil_admins": ["mdupont"]}, True),
    ({"cnil_mgmt_user": "cnil-admin", "cnil_admins": []}, True),
    ({"cnil_lock_idle_seconds": 900}, False),  # a run without cnil_acc
])
def test_management_account_must_be_a_declared_admin(values, refused):
    errors = pf.check_mgmt_admin(values)
    assert bool(errors) == refused
    if refused:
        assert "cnil_mgmt_user" in errors[0] and "cnil_admins" in errors[0] and "CNIL-ACC-01" in errors[0]


def test_management_account_default_is_rendered_before_the_check():
    default = "{{ ansible_user | default('root') }}"
    assert pf.check_mgmt_admin({"cnil_mgmt_user": default, "cnil_admins": []}, lambda v: "root") == []
    assert pf.check_mgmt_admin({"cnil_mgmt_user": default, "cnil_admins": []}, lambda v: "cnil-admin")


# Windows PCs (issue 6): the Windows floors and the escrow identity of CNIL-ENC-01.
def test_windows_password_length_floor_is_enforced_with_a_clear_message():
    """cnil_pwd_win_minlen comes from cnil_pwd's defaults and the inventory like any role input; 12 (the Linux
    length) is refused on Windows, naming the variable, the control, the Windows check, the limit and why."""
    _, values = pf.role_values(os.path.join(ROOT, "roles", "cnil_pwd"), {"cnil_pwd_win_minlen": 12}, None)
    errors, used = pf.check_floors(values, FLOORS, [], TODAY)
    assert used == [] and len(errors) == 1, errors
    assert errors[0].startswith("cnil_pwd_win_minlen = 12 is outside the CNIL limit for CNIL-PWD-01: at least 14 characters")
    assert "check: win_password_policy" in errors[0] and "71 bits < 80" in errors[0]
    assert pf.check_floors(dict(values, cnil_pwd_win_minlen=14), FLOORS, [], TODAY) == ([], [])
    assert pf.check_floors(dict(values, cnil_pwd_win_minlen=20), FLOORS, [], TODAY) == ([], [])


def test_windows_password_length_waiver_must_name_the_windows_check():
    _, linux_check = pf.check_waivers([{"control": "CNIL-PWD-01", "check": "pwquality_settings", "reason": "r", "expires": "2027-01-01"}])
    assert pf.check_floors({"cnil_pwd_win_minlen": 12}, FLOORS, linux_check, TODAY)[0]
    _, windows_check = pf.check_waivers([{"control": "CNIL-PWD-01", "check": "win_password_policy", "reason": "lecteur de carte",
                                          "expires": "2027-01-01"}])
    errors, used = pf.check_floors({"cnil_pwd_win_minlen": 12}, FLOORS, windows_check, TODAY)
    assert errors == [] and used[0]["var"] == "cnil_pwd_win_minlen" and used[0]["check"] == "win_password_policy"


def enc_values(**overrides):
    values = {"cnil_enc_enabled": True, "cnil_enc_escrow_vault_id": "cabinet-a", "cnil_enc_escrow_vault_identity": ""}
    values.update(overrides)
    return values


def test_windows_escrow_identity_is_required_with_the_reason(tmp_path):
    errors = pf.check_windows_escrow(enc_values(), ["cabinet-a"])
    assert len(errors) == 1 and errors[0].startswith("cnil_enc_escrow_vault_identity is empty")
    assert "CNIL-ENC-01" in errors[0] and "BitLocker is never turned on" in errors[0] and "cabinet-a@" in errors[0]
    password = tmp_path / "vault-pass"
    password.write_text("not a real secret\n")
    assert pf.check_windows_escrow(enc_values(cnil_enc_escrow_vault_identity="cabinet-a@%s" % password), ["cabinet-a"]) == []


@pytest.mark.parametrize("identity, message", [
    ("cabinet-a", "expected <vault id>@<password file or script>"),
    ("cabinet-a@prompt", "a prompt cannot be used from a play"),
    ("cabinet-a@vault-pass", "is not an absolute path to a file on this controller"),
    ("cabinet-a@/nonexistent/vault-pass", "is not an absolute path to a file on this controller"),
    ("cabinet-b@{password}", "its id 'cabinet-b' is not cnil_enc_escrow_vault_id 'cabinet-a'"),
])
def test_windows_escrow_identity_that_cannot_encrypt_the_escrow_is_refused(tmp_path, identity, message):
    password = tmp_path / "vault-pass"
    password.write_text("not a real secret\n")
    errors = pf.check_windows_escrow(enc_values(cnil_enc_escrow_vault_identity=identity.format(password=password)), ["cabinet-a"])
    assert len(errors) == 1 and message in errors[0], errors


def test_windows_escrow_needs_a_vault_secret_to_read_the_escrow_back(tmp_path):
    password = tmp_path / "vault-pass"
    password.write_text("not a real secret\n")
    values = enc_values(cnil_enc_escrow_vault_identity="cabinet-a@%s" % password)
    errors = pf.check_windows_escrow(values, [])
    assert len(errors) == 1 and "no vault secret" in errors[0]
    assert pf.check_windows_escrow(values, None) == []  # unknown: not refused


def test_windows_escrow_identity_is_not_asked_when_encryption_is_off_or_cnil_enc_is_not_run():
    assert pf.check_windows_escrow(enc_values(cnil_enc_enabled=False), []) == []
    assert pf.check_windows_escrow(enc_values(cnil_enc_enabled="false"), []) == []
    assert pf.check_windows_escrow({"cnil_lock_idle_seconds": 900}, []) == []


def test_windows_escrow_vault_id_default_is_rendered_before_the_check(tmp_path):
    password = tmp_path / "vault-pass"
    password.write_text("not a real secret\n")
    values = enc_values(cnil_enc_escrow_vault_id="{{ inventory_dir | basename }}", cnil_enc_escrow_vault_identity="x@%s" % password)
    render = lambda v: "x" if v == "{{ inventory_dir | basename }}" else v  # noqa: E731
    assert pf.check_windows_escrow(values, ["x"], render) == []
    assert "is not cnil_enc_escrow_vault_id 'y'" in pf.check_windows_escrow(values, ["x"], lambda v: "y" if "{{" in v else v)[0]


def test_windows_pc_bad_inputs_are_refused_end_to_end_before_touching_it(tmp_path):
    """bin/cnil audit on a cabinet with one Windows PC (WinRM, an address nobody answers on): the preflight
    refuses a 12-character Windows password length and the missing escrow identity, exit 1, and no play
    reaches the PC (any contact would be UNREACHABLE)."""
    import subprocess
    inv = tmp_path / "cabinet-win"
    (inv / "group_vars" / "all").mkdir(parents=True)
    (inv / "hosts.yml").write_text("all:\n  children:\n    cnil_windows:\n      hosts:\n        ghost-win:\n"
                                   "          ansible_host: 192.0.2.10\n          ansible_connection: winrm\n"
                                   "          ansible_port: 5986\n")
    (tmp_path / "restic.exe").write_bytes(b"not the pinned restic.exe")
    (inv / "group_vars" / "all" / "cabinet.yml").write_text(
        "cnil_cabinet: cabinet-win\ncnil_mgmt_sources: [192.0.2.1/32]\ncnil_pwd_win_minlen: 12\n"
        "cnil_bkp_win_restic_exe: %s\ncnil_bkp_win_restic_sha256: %s\n" % (tmp_path / "restic.exe", "ab" * 32))
    proc = subprocess.run([os.path.join(ROOT, "bin", "cnil"), "audit", "-i", str(inv / "hosts.yml"), "--report-dir", str(tmp_path / "r")],
                          capture_output=True, text=True, cwd=ROOT)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "cnil_pwd_win_minlen = 12" in out and "CNIL-PWD-01" in out and "at least 14 characters" in out
    assert "group_vars/all/cabinet.yml:3" in out
    assert "cnil_enc_escrow_vault_identity is empty" in out and "cabinet-win@" in out
    assert "cnil_bkp_win_restic_exe: %s has SHA-256" % (tmp_path / "restic.exe") in out and "not the pinned" in out
    assert "CNIL-BKP-01 on a Windows PC expects" in out and "group_vars/all/cabinet.yml:5" in out
    assert "UNREACHABLE" not in out and "Gathering Facts" not in out


# CNIL-BKP-01 on a Windows PC: the contractor's restic.exe, pinned, checked before any change (the role checks it again).
def restic_values(tmp_path, content=b"restic.exe of the contractor", **overrides):
    exe = tmp_path / "restic.exe"
    exe.write_bytes(content)
    values = {"cnil_bkp_enabled": True, "cnil_bkp_win_restic_exe": str(exe),
              "cnil_bkp_win_restic_sha256": hashlib.sha256(content).hexdigest()}
    values.update(overrides)
    return values


def test_windows_restic_exe_with_its_pinned_sha256_passes(tmp_path):
    values = restic_values(tmp_path)
    assert pf.check_windows_restic(values) == []
    upper = dict(values, cnil_bkp_win_restic_sha256=" %s " % values["cnil_bkp_win_restic_sha256"].upper())
    assert pf.check_windows_restic(upper) == []


@pytest.mark.parametrize("overrides, variable, words", [
    ({"cnil_bkp_win_restic_exe": ""}, "cnil_bkp_win_restic_exe", "is empty: give the controller path of restic.exe"),
    ({"cnil_bkp_win_restic_exe": "files/restic.exe"}, "cnil_bkp_win_restic_exe", "an absolute path on the controller is required"),
    ({"cnil_bkp_win_restic_exe": "{tmp}/absent.exe"}, "cnil_bkp_win_restic_exe", "not found on the controller"),
    ({"cnil_bkp_win_restic_exe": "{tmp}"}, "cnil_bkp_win_restic_exe", "is not a file"),
    ({"cnil_bkp_win_restic_sha256": ""}, "cnil_bkp_win_restic_sha256", "64 hexadecimal characters"),
    ({"cnil_bkp_win_restic_sha256": "abc123"}, "cnil_bkp_win_restic_sha256", "64 hexadecimal characters"),
    ({"cnil_bkp_win_restic_sha256": "g" * 64}, "cnil_bkp_win_restic_sha256", "64 hexadecimal characters"),
    ({"cnil_bkp_win_restic_sha256": "0" * 64}, "cnil_bkp_win_restic_exe", "not the pinned cnil_bkp_win_restic_sha256"),
])
def test_windows_restic_exe_refused_naming_variable_control_and_expectation(tmp_path, overrides, variable, words):
    overrides = {k: v.replace("{tmp}", str(tmp_path)) for k, v in overrides.items()}
    errors = pf.check_windows_restic(restic_values(tmp_path, **overrides))
    assert len(errors) == 1, errors
    assert errors[0].startswith(variable) and words in errors[0], errors
    assert "CNIL-BKP-01" in errors[0] and "64 hexadecimal characters" in errors[0] and "absolute path" in errors[0]


def test_windows_restic_exe_mismatch_names_both_checksums(tmp_path):
    values = restic_values(tmp_path, cnil_bkp_win_restic_sha256="0" * 64)
    real = hashlib.sha256(b"restic.exe of the contractor").hexdigest()
    assert real in pf.check_windows_restic(values)[0] and "0" * 64 in pf.check_windows_restic(values)[0]


def test_windows_restic_exe_is_the_rule_the_role_applies_again(tmp_path):
    """One rule, two places: the preflight's reason is the role filter's (cnil_win_restic_pin on the stat of the same
    file), so both name the same variable for the same input."""
    import cnil_bkp

    for overrides in ({}, {"cnil_bkp_win_restic_sha256": "0" * 64}, {"cnil_bkp_win_restic_sha256": "abc"},
                      {"cnil_bkp_win_restic_exe": str(tmp_path / "absent.exe")}, {"cnil_bkp_win_restic_exe": "restic.exe"}):
        values = restic_values(tmp_path, **overrides)
        exe = values["cnil_bkp_win_restic_exe"]
        found = os.path.isfile(exe)
        stat = {"stat": {"exists": os.path.exists(exe), "isreg": found,
                         "checksum": hashlib.sha256(open(exe, "rb").read()).hexdigest() if found else None}}
        role = cnil_bkp.cnil_win_restic_pin(stat, values["cnil_bkp_win_restic_sha256"], exe)
        errors = pf.check_windows_restic(values)
        assert role["ok"] == (errors == []), overrides
        assert role["ok"] or errors[0].startswith(role["reason"] + ". CNIL-BKP-01"), (errors, role)


def test_windows_restic_exe_unreadable_on_the_controller_is_named(tmp_path, monkeypatch):
    import cnil_lib.restic_exe

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr(cnil_lib.restic_exe, "open", refuse, raising=False)
    errors = pf.check_windows_restic(restic_values(tmp_path))
    assert "cannot be read on the controller: Permission denied" in errors[0] and "CNIL-BKP-01" in errors[0]


def test_windows_restic_sha256_written_unquoted_is_judged_as_written(tmp_path):
    """YAML reads an unquoted all-digit value as a number: it is refused for what it is, not as empty."""
    errors = pf.check_windows_restic(restic_values(tmp_path, cnil_bkp_win_restic_sha256=0))
    assert "got '0'" in errors[0]
    import cnil_bkp
    assert "got '0'" in cnil_bkp.cnil_win_restic_pin({"stat": {"exists": True, "isreg": True}}, 0, "/srv/restic.exe")["reason"]


def test_windows_restic_exe_is_not_asked_when_backups_are_off_or_cnil_bkp_is_not_run(tmp_path):
    assert pf.check_windows_restic({"cnil_bkp_enabled": False, "cnil_bkp_win_restic_exe": ""}) == []
    assert pf.check_windows_restic({"cnil_bkp_enabled": "false", "cnil_bkp_win_restic_exe": ""}) == []
    assert pf.check_windows_restic({"cnil_lock_idle_seconds": 900}) == []


def test_windows_restic_exe_templated_path_is_rendered_and_the_inventory_line_named(tmp_path):
    values = restic_values(tmp_path)
    exe = values["cnil_bkp_win_restic_exe"]
    templated = dict(values, cnil_bkp_win_restic_exe="{{ inventory_dir }}/restic.exe")
    render = lambda v: v.replace("{{ inventory_dir }}", str(tmp_path)) if isinstance(v, str) else v  # noqa: E731
    assert pf.check_windows_restic(templated, render) == []
    errors = pf.check_windows_restic(dict(templated, cnil_bkp_win_restic_sha256="1" * 64), render,
                                     {"cnil_bkp_win_restic_sha256": " [inventory/c/host_vars/pc.yml:4]"})
    assert exe in errors[0] and errors[0].endswith(" Set at: cnil_bkp_win_restic_sha256 [inventory/c/host_vars/pc.yml:4].")
