# cnil-cabinet — GPL-3.0-or-later
"""Preflight: every role's argument spec and the CNIL floors, checked on the controller before any change."""

from __future__ import annotations

import datetime
import os
import sys

import yaml

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.template import trust_as_template

DOCUMENTATION = r"""
name: cnil_preflight
short_description: Refuse bad or weakened inputs before any change
description:
  - For each role given, reads C(meta/argument_specs.yml) and C(defaults/main.yml), takes the host's value of
    every variable (inventory) or the role default, and validates types and choices.
  - Checks every variable of C(data/floors.yml) that belongs to one of these roles against its CNIL floor
    (a floor with C(when) only while its condition holds, e.g. the limit of one renewal profile).
    A value beyond a floor is accepted only when C(cnil_waivers) holds an unexpired waiver for that control
    (and check, when the waiver names one); the waiver is returned so the run can show it.
    A floor with C(max_interval_days) is a schedule (systemd OnCalendar) that must run at least that often
    (plugins/cnil_lib/calendar.py).
  - Checks the shape of C(cnil_waivers).
  - On a Windows PC (group C(cnil_windows)) with CNIL-ENC-01 on, requires C(cnil_enc_escrow_vault_identity), the
    vault identity (C(<cnil_enc_escrow_vault_id>@<absolute path of a password file or script>)) with which each
    new BitLocker recovery password is encrypted into the cabinet's escrow before protection is turned on.
  - Checks C(cnil_auth_win_staff_attestations) (CNIL-AUTH-02 on Windows) - staff accounts, method, statement, who
    attested and when (not after today), C(review_days) at most 365.
  - On a Windows PC with CNIL-BKP-01 on, requires C(cnil_bkp_win_restic_exe) to be an absolute path to an existing
    file on the controller and C(cnil_bkp_win_restic_sha256) to be 64 hexadecimal characters equal to that file's
    SHA-256 (the contractor's restic.exe, never downloaded); the role checks it again before copying the file.
  - Runs on the controller only; it never connects to the host, so it is safe in check mode and on
    unreachable hosts.
options:
  roles:
    description: Role names (under roles/) whose inputs are checked.
    type: list
    elements: str
    required: true
"""

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
if os.path.join(ROOT, "plugins") not in sys.path:
    sys.path.insert(0, os.path.join(ROOT, "plugins"))

from cnil_lib.calendar import check_interval  # noqa: E402
from cnil_lib.restic_exe import file_stat, pin_problem  # noqa: E402
from cnil_lib import win_staff_auth as staff_auth  # noqa: E402
ATTESTATION_FIELDS = {"applies", "statement", "evidence", "attested_by", "attested_on", "review_days", "justification"}

try:  # ansible-core 2.19 tags every inventory value with the file and line it came from.
    from ansible._internal._datatag._tags import Origin
except ImportError:  # pragma: no cover - older ansible-core: messages name the variable only
    Origin = None


def where(value):
    """' (file:line)' of an inventory value, for messages that send the contractor to the right line."""
    origin = Origin.get_tag(value) if Origin is not None else None
    if not origin or not origin.path:
        return ""
    path = origin.path
    if os.path.isabs(path) and os.path.abspath(path).startswith(os.path.abspath(ROOT) + os.sep):
        path = os.path.relpath(path, ROOT)
    return " [%s%s]" % (path, ":%d" % origin.line_num if origin.line_num else "")


def loc_msg(loc, message):
    return message + loc


def load_catalog():
    """{control ID: entry} of data/controls.yml."""
    data = load_yaml(os.path.join(ROOT, "data", "controls.yml"), {}) or {}
    return {entry["id"]: entry for entry in data.get("controls", [])}


def today():
    """The controller's date; CNIL_TODAY (YYYY-MM-DD) pins it for tests."""
    pinned = os.environ.get("CNIL_TODAY")
    return datetime.date.fromisoformat(pinned) if pinned else datetime.date.today()


def as_date(value):
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return datetime.date.fromisoformat(str(value))


def load_yaml(path, default=None):
    if not os.path.exists(path):
        return default
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle) or default


def check_waivers(waivers, catalog=None):
    """Shape of cnil_waivers: a list of {control, reason, expires[, check]}. Returns (errors, valid waivers)."""
    errors, valid = [], []
    catalog = catalog if catalog is not None else load_catalog()
    if waivers in (None, ""):
        return errors, valid
    if not isinstance(waivers, list):
        return ["cnil_waivers must be a list of waivers (control, reason, expires), got %s" % type(waivers).__name__], valid
    for index, waiver in enumerate(waivers):
        at, loc = "cnil_waivers[%d]" % index, where(waiver) or where(waivers)
        if not isinstance(waiver, dict):
            errors.append(loc_msg(loc, "%s must be a mapping with control, reason and expires" % at))
            continue
        unknown = set(waiver) - {"control", "check", "reason", "expires"}
        if unknown:
            errors.append(loc_msg(loc, "%s: unknown field(s) %s (allowed: control, check, reason, expires)" % (at, ", ".join(sorted(unknown)))))
        control = str(waiver.get("control") or "")
        if not control.startswith("CNIL-"):
            errors.append(loc_msg(loc, "%s.control: a control ID such as CNIL-ENC-01 is required" % at))
        elif control not in catalog:
            errors.append(loc_msg(loc, "%s.control: unknown control ID %s (see data/controls.yml)" % (at, control)))
        elif waiver.get("check") and catalog[control].get("checks") and waiver["check"] not in catalog[control]["checks"]:
            errors.append(loc_msg(loc, "%s.check: %s has no check '%s' (checks: %s)"
                          % (at, control, waiver["check"], ", ".join(sorted(catalog[control]["checks"])))))
        if not str(waiver.get("reason") or "").strip():
            errors.append(loc_msg(loc, "%s.reason: a waiver needs a reason (%s)" % (at, control or "no control")))
        try:
            expires = as_date(waiver.get("expires"))
        except (TypeError, ValueError):
            errors.append(loc_msg(loc, "%s.expires: a date YYYY-MM-DD is required (%s)" % (at, control or "no control")))
            continue
        valid.append(dict(waiver, expires=expires.isoformat()))
    return errors, valid


def check_attestations(attestations, catalog=None):
    """Shape of cnil_attestations (catalog §3.1): keys are organisational controls, dated, justified."""
    errors = []
    if attestations in (None, ""):
        return errors
    catalog = catalog if catalog is not None else load_catalog()
    keys = {cid.split("-")[2].lower(): cid for cid, entry in catalog.items() if entry.get("kind") == "organisational"}
    if not isinstance(attestations, dict):
        return ["cnil_attestations%s must map attestation keys (%s) to attestations" % (where(attestations), ", ".join(sorted(keys)))]
    for key, att in attestations.items():
        at, loc = "cnil_attestations.%s" % key, where(att) or where(attestations)
        if key not in keys:
            errors.append(loc_msg(loc, "%s: unknown attestation key '%s' (known: %s)" % (at, key, ", ".join(sorted(keys)))))
            continue
        if not isinstance(att, dict):
            errors.append(loc_msg(loc, "%s (%s): must be a mapping (statement, evidence, attested_by, attested_on)" % (at, keys[key])))
            continue
        unknown = set(att) - ATTESTATION_FIELDS
        if unknown:
            errors.append(loc_msg(loc, "%s (%s): unknown field(s) %s" % (at, keys[key], ", ".join(sorted(unknown)))))
        if att.get("applies", True) is False:
            if not str(att.get("justification") or "").strip():
                errors.append(loc_msg(loc, "%s.justification (%s): required when applies is false" % (at, keys[key])))
            continue
        for field in ("statement", "evidence", "attested_by"):
            if not str(att.get(field) or "").strip():
                errors.append(loc_msg(loc, "%s.%s (%s): required" % (at, field, keys[key])))
        try:
            as_date(att.get("attested_on"))
        except (TypeError, ValueError):
            errors.append(loc_msg(loc, "%s.attested_on (%s): a date YYYY-MM-DD is required" % (at, keys[key])))
        review = att.get("review_days")
        if review is not None and (isinstance(review, bool) or not isinstance(review, int) or review < 1):
            errors.append(loc_msg(loc, "%s.review_days (%s): a whole number of days is required" % (at, keys[key])))
    return errors


def check_win_staff_attestations(attestations, now):
    """cnil_auth_win_staff_attestations (CNIL-AUTH-02 on Windows): a list of attestations, each naming the staff
    accounts it covers, the method (cpe_card, credential_provider, windows_hello_for_business), a statement, who
    attested and when (a date, not after today), and review_days at most 365 (the limit). Types, choices and
    unknown fields are also refused by the role's argument spec; here, what a spec cannot say. Each error names
    the variable, the control and the limit or what is expected, and the inventory file and line."""
    name, control = staff_auth.VARIABLE, staff_auth.CONTROL
    if attestations in (None, ""):
        return []
    if not isinstance(attestations, list):
        return ["%s%s (%s) must be a list of attestations (%s)" % (name, where(attestations), control, ", ".join(staff_auth.REQUIRED))]
    errors = []
    for index, att in enumerate(attestations):
        at, loc = "%s[%d]" % (name, index), where(att) or where(attestations)
        if not isinstance(att, dict):
            errors.append(loc_msg(loc, "%s (%s): must be a mapping with %s" % (at, control, ", ".join(staff_auth.REQUIRED))))
            continue
        unknown = set(att) - set(staff_auth.FIELDS)
        if unknown:
            errors.append(loc_msg(loc, "%s (%s): unknown field(s) %s (allowed: %s)"
                                  % (at, control, ", ".join(sorted(unknown)), ", ".join(staff_auth.FIELDS))))
        accounts = att.get("accounts")
        if not isinstance(accounts, list) or not accounts or not all(isinstance(a, str) and a.strip() for a in accounts):
            errors.append(loc_msg(loc, "%s.accounts (%s): the list of the staff logins this attestation covers is required, "
                                  "e.g. [secretariat]" % (at, control)))
        if att.get("method") not in staff_auth.METHODS:
            errors.append(loc_msg(loc, "%s.method (%s) = %r: one of %s is required (the strong-authentication method "
                                  "used at Windows logon)" % (at, control, att.get("method"), ", ".join(staff_auth.METHODS))))
        for field in ("statement", "attested_by"):
            if not isinstance(att.get(field), str) or not att[field].strip():
                errors.append(loc_msg(loc, "%s.%s (%s): required (%s)" % (at, field, control, {
                    "statement": "what is set up and how it was checked at logon",
                    "attested_by": "who attests it"}[field])))
        try:
            attested_on = as_date(att.get("attested_on"))
        except (TypeError, ValueError):
            errors.append(loc_msg(loc, "%s.attested_on (%s): a date YYYY-MM-DD is required" % (at, control)))
        else:
            if attested_on > now:
                errors.append(loc_msg(loc, "%s.attested_on (%s) = %s is after today (%s): an attestation states what was "
                                      "checked, on or before the day it is written" % (at, control, attested_on, now)))
        review = att.get("review_days")
        if review is not None and (isinstance(review, bool) or not isinstance(review, int)
                                   or not 1 <= review <= staff_auth.MAX_REVIEW_DAYS):
            errors.append(loc_msg(loc, "%s.review_days (%s) = %r is beyond the limit: a whole number of days from 1 to %d "
                                  "(%s)" % (at, control, review, staff_auth.MAX_REVIEW_DAYS, staff_auth.LIMIT_SOURCE)))
    return errors


def find_waiver(waivers, control, check):
    for waiver in waivers:
        if waiver["control"] == control and waiver.get("check") in (None, "", check):
            return waiver
    return None


def floor_applies(floor, values):
    """A floor with `when: {var: value or [values]}` holds only while those variables have those values."""
    for name, wanted in (floor.get("when") or {}).items():
        if values.get(name) not in (wanted if isinstance(wanted, list) else [wanted]):
            return False
    return True


def check_floors(values, floors, waivers, now, locations=None):
    """values: {var: value} of the variables present. Returns (errors, waivers used)."""
    errors, used = [], []
    for floor in floors:
        var = floor["var"]
        if var not in values or not floor_applies(floor, values):
            continue
        value = values[var]
        if "equals" in floor:
            # A switch the CNIL baseline needs in one position (the firewall on: cnil_fw_active true).
            if value != floor["equals"] or isinstance(value, bool) != isinstance(floor["equals"], bool):
                waiver = find_waiver(waivers, floor["control"], floor.get("check"))
                if waiver and as_date(waiver["expires"]) >= now:
                    used.append(dict(waiver, var=var, value=value))
                    continue
                hint = (" The waiver for %s expired on %s." % (floor["control"], waiver["expires"])) if waiver else ""
                errors.append("%s = %r is refused by %s: the baseline needs %r (%s).%s Use %r, or declare a waiver in "
                              "cnil_waivers (control: %s, check: %s, reason, expires)."
                              % (var, value, floor["control"], floor["equals"], floor.get("source", ""), hint,
                                 floor["equals"], floor["control"], floor.get("check", "")))
            continue
        if "max_interval_days" in floor:
            # A schedule (systemd OnCalendar): it must run at least every max_interval_days.
            problem = check_interval(value, floor["max_interval_days"]) if isinstance(value, str) else "needs a schedule string"
            if problem:
                waiver = find_waiver(waivers, floor["control"], floor.get("check"))
                if waiver and as_date(waiver["expires"]) >= now:
                    used.append(dict(waiver, var=var, value=value))
                    continue
                errors.append("%s = %r is beyond the CNIL limit of %s: %s; it must run at least every %s days (%s). Use a "
                              "compliant schedule (daily, weekly, 'Mon..Fri *-*-* 12:30'), or declare a waiver in cnil_waivers "
                              "(control: %s, check: %s, reason, expires)."
                              % (var, value, floor["control"], problem, floor["max_interval_days"], floor.get("source", ""),
                                 floor["control"], floor.get("check", "")))
            continue
        limit = []
        if "min" in floor:
            limit.append("at least %s %s" % (floor["min"], floor.get("unit", "")))
        if "max" in floor:
            limit.append("at most %s %s" % (floor["max"], floor.get("unit", "")))
        limit_text = " and ".join(part.strip() for part in limit)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            errors.append("%s = %r: %s needs a number, %s" % (var, value, floor["control"], limit_text))
            continue
        if floor.get("min") is not None and value < floor["min"] or floor.get("max") is not None and value > floor["max"]:
            waiver = find_waiver(waivers, floor["control"], floor.get("check"))
            if waiver and as_date(waiver["expires"]) >= now:
                used.append(dict(waiver, var=var, value=value))
                continue
            hint = (" The waiver for %s expired on %s." % (floor["control"], waiver["expires"])) if waiver else ""
            errors.append(
                "%s = %s is outside the CNIL limit for %s: %s (%s).%s Use a compliant value, or declare a "
                "waiver in cnil_waivers (control: %s, check: %s, reason, expires).%s"
                % (var, value, floor["control"], limit_text, floor.get("source", ""), hint,
                   floor["control"], floor.get("check", ""), (locations or {}).get(var, "")))
    return errors, used


def role_values(role_dir, host_vars, templar):
    """The value each role variable will have on this host: inventory first, then role default."""
    specs = load_yaml(os.path.join(role_dir, "meta", "argument_specs.yml"), {})
    options = (specs.get("argument_specs", {}).get("main", {}) or {}).get("options", {}) or {}
    defaults = load_yaml(os.path.join(role_dir, "defaults", "main.yml"), {}) or {}
    values = {}
    for name in set(options) | set(defaults):
        raw = host_vars[name] if name in host_vars else defaults.get(name)
        values[name] = templar.template(raw) if templar is not None else raw
    return options, values


def check_mgmt_admin(values, render=lambda value: value):
    """CNIL-ACC-01 enforces the admin group: the management account must be a declared admin (root needs no group).
    render templates the value (the role default is a template: the connecting ansible_user, else root)."""
    user, admins = render(values.get("cnil_mgmt_user")), values.get("cnil_admins")
    if user in (None, "", "root") or not isinstance(admins, list) or user in admins:
        return []
    return ["cnil_mgmt_user = %s is not in cnil_admins %s: CNIL-ACC-01 keeps the admin group to exactly cnil_admins and "
            "would remove the management account, locking the contractor out. Add it to cnil_admins." % (user, admins)]


def check_windows_escrow(values, vault_ids=None, render=lambda value: value):
    """CNIL-ENC-01 on a Windows PC: a new BitLocker recovery password is encrypted into the cabinet's escrow
    (ansible-vault encrypt --vault-id <identity> --encrypt-vault-id <id>) and read back with the run's vault
    secrets before protection is turned on. Without an identity that can encrypt, nothing is ever escrowed and
    BitLocker stays off: refused here, before any change. vault_ids: the ids of the run's vault secrets (None:
    unknown). render templates a role default (cnil_enc_escrow_vault_id is one)."""
    if "cnil_enc_escrow_vault_identity" not in values or not boolean(values.get("cnil_enc_enabled", True), strict=False):
        return []
    identity = str(render(values.get("cnil_enc_escrow_vault_identity")) or "").strip()
    vault_id = str(render(values.get("cnil_enc_escrow_vault_id")) or "").strip()
    example = "%s@/path/to/vault-password-client" % (vault_id or "<cabinet>")
    why = ("CNIL-ENC-01 on a Windows PC escrows each new BitLocker recovery password in the cabinet's vault before "
           "turning protection on; without it BitLocker is never turned on")
    if not identity:
        return ["cnil_enc_escrow_vault_identity is empty: %s. Set it for the cabinet's Windows PCs to a vault identity "
                "that can encrypt, e.g. %s (a password file or script; a prompt cannot be used from a play)." % (why, example)]
    vid, sep, source = identity.partition("@")
    if not sep or not vid or not source:
        return ["cnil_enc_escrow_vault_identity = %r: expected <vault id>@<password file or script>, e.g. %s (%s)."
                % (identity, example, why)]
    errors = []
    if source == "prompt":
        errors.append("cnil_enc_escrow_vault_identity = %r: a prompt cannot be used from a play; give a password file or "
                      "script, e.g. %s." % (identity, example))
    elif not os.path.isabs(source) or not os.path.exists(source):
        errors.append("cnil_enc_escrow_vault_identity = %r: %s is not an absolute path to a file on this controller "
                      "(a password file or script, e.g. %s)." % (identity, source, example))
    if vault_id and vid != vault_id:
        errors.append("cnil_enc_escrow_vault_identity = %r: its id %r is not cnil_enc_escrow_vault_id %r, the id the escrow "
                      "file is encrypted with (ansible-vault --encrypt-vault-id)." % (identity, vid, vault_id))
    if vault_ids is not None and not vault_ids:
        errors.append("cnil_enc_escrow_vault_identity: this run has no vault secret, so the escrow file cannot be read "
                      "back before BitLocker is turned on: run with --vault-id %s (or ANSIBLE_VAULT_IDENTITY_LIST)." % identity)
    return errors


def check_windows_restic(values, render=lambda value: value, locations=None):
    """CNIL-BKP-01 on a Windows PC: restic.exe is the contractor's file (cnil_bkp_win_restic_exe, an absolute path on
    this controller), copied to the PC only when its SHA-256 is cnil_bkp_win_restic_sha256, and never downloaded.
    Checked here, before any change on any host, with the rule the role applies again (cnil_lib/restic_exe.py).
    Nothing is asked when cnil_bkp is not in the run or cnil_bkp_enabled is false. render templates a value
    (C({{ inventory_dir }}/files/restic.exe)); locations: ' [file:line]' of each inventory variable."""
    if "cnil_bkp_win_restic_exe" not in values or not boolean(values.get("cnil_bkp_enabled", True), strict=False):
        return []
    exe, pinned = ("" if value is None else str(value).strip()
                   for value in (render(values.get(name)) for name in ("cnil_bkp_win_restic_exe", "cnil_bkp_win_restic_sha256")))
    problem = pin_problem(exe, pinned, file_stat(exe) if exe and os.path.isabs(exe) else None)
    if problem is None:
        return []
    set_at = ["%s%s" % (name, (locations or {}).get(name)) for name in ("cnil_bkp_win_restic_exe", "cnil_bkp_win_restic_sha256")
              if (locations or {}).get(name)]
    return ["%s. CNIL-BKP-01 on a Windows PC expects cnil_bkp_win_restic_exe = the absolute path, on this controller, of "
            "the restic.exe the contractor provides (restic's Windows release, 0.14 or later; never downloaded) and "
            "cnil_bkp_win_restic_sha256 = its SHA-256 (64 hexadecimal characters).%s"
            % (problem, (" Set at: %s." % ", ".join(set_at)) if set_at else "")]


def validate_spec(role, options, values):
    spec = {name: {k: v for k, v in opt.items() if k not in ("description", "version_added")} for name, opt in options.items()}
    result = ArgumentSpecValidator(spec).validate({k: v for k, v in values.items() if k in spec})
    return ["%s (role %s): %s" % (type(err).__name__.replace("Error", ""), role, err) for err in result.errors]


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _requires_connection = False
    _VALID_ARGS = frozenset(("roles",))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        roles = self._task.args.get("roles") or []
        if not isinstance(roles, list) or not roles:
            return dict(result, failed=True, msg="cnil_preflight: 'roles' must be a non-empty list of role names")

        templar = self._templar.copy_with_new_env(available_variables=task_vars)
        errors, values = [], {}
        for role in roles:
            role_dir = os.path.join(ROOT, "roles", role)
            if not os.path.isdir(role_dir):
                errors.append("role %s: not found under roles/" % role)
                continue
            options, role_vals = role_values(role_dir, task_vars, templar)
            errors += validate_spec(role, options, role_vals)
            values.update(role_vals)

        catalog = load_catalog()
        waiver_errors, waivers = check_waivers(task_vars.get("cnil_waivers"), catalog)
        errors += waiver_errors
        errors += check_attestations(task_vars.get("cnil_attestations"), catalog)
        floors = (load_yaml(os.path.join(ROOT, "data", "floors.yml"), {}) or {}).get("floors", [])
        locations = {name: where(task_vars[name]) for name in values if name in task_vars}
        floor_errors, used = check_floors(values, floors, waivers, today(), locations)
        errors += floor_errors
        render = lambda v: templar.template(trust_as_template(v)) if isinstance(v, str) else v  # noqa: E731
        errors += check_mgmt_admin(values, render)
        if staff_auth.VARIABLE in values:
            errors += check_win_staff_attestations(values[staff_auth.VARIABLE], today())
        if "cnil_windows" in (task_vars.get("group_names") or []):
            secrets = getattr(getattr(self._loader, "_vault", None), "secrets", None)
            vault_ids = [vid for vid, _ in secrets] if isinstance(secrets, list) else None
            errors += check_windows_escrow(values, vault_ids, render)
            errors += check_windows_restic(values, render, locations)

        result.update(changed=False, cnil_waivers_used=used)
        if errors:
            result.update(failed=True, msg="Preflight refused this host's inputs before any change:\n- " + "\n- ".join(errors),
                          errors=errors)
        else:
            result["msg"] = "inputs valid; %d waiver(s) in use" % len(used)
        return result
