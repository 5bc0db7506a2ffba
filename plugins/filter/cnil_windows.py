# cnil-cabinet — GPL-3.0-or-later
"""Windows decisions of cnil-cabinet, in Python so that they are unit-tested on a Linux controller.

The PowerShell modules (library/win_cnil_*.ps1) read the host and act on it; what a value *means*
(which status, what to add, whether protection may be turned on) is decided here. Where a module must
decide on the host (win_cnil_bitlocker chooses what to change), its PowerShell functions mirror the
functions below, name for name, and share their tables; tests/unit/test_cnil_windows.py checks the
tables are the same in both languages. Roles use these filters to turn module results into the
checks they give cnil_evidence. Thresholds are always arguments (roles pass
`'var' | cnil_floor(...)`), never literals here, except the facts of the platform itself.

Nothing here was run against a real Windows host: the inputs in the tests are recorded-like data
built from Microsoft's documentation of Get-BitLockerVolume, Get-MpComputerStatus,
Win32_EncryptableVolume, SecurityCenter2 and secedit exports.
"""

from __future__ import annotations

import datetime
import math
import os
import re
import sys

_PLUGINS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _PLUGINS not in sys.path:
    sys.path.insert(0, _PLUGINS)

from ansible.module_utils.parsing.convert_bool import boolean  # noqa: E402
from cnil_lib import lifecycle  # noqa: E402
from cnil_lib import win_staff_auth as staff  # noqa: E402
from cnil_lib.catalog import as_date  # noqa: E402
from cnil_lib.catalog import today as controller_today  # noqa: E402

DOCUMENTATION = r"""
name: cnil_win_release
short_description: Windows build number to release name (19045 -> Windows 10 22H2)
description:
  - Part of the cnil_windows filter set (cnil_win_edition, cnil_win_release, cnil_win_secedit_parse,
    cnil_win_password_policy, cnil_win_password_age, cnil_win_lockout, cnil_win_product_state,
    cnil_win_signature_age, cnil_win_antivirus, cnil_win_bitlocker_plan, cnil_win_bitlocker_status,
    cnil_win_admin_members, cnil_win_escrow_ids, cnil_win_escrow_merge, cnil_win_staff_auth, cnil_win_os_support,
    cnil_win_policy_bypass).
    See the module docstrings.
options:
  _input:
    description: CurrentBuild (or CurrentBuildNumber) from HKLM\\SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion.
    type: raw
    required: true
"""

# ---------------------------------------------------------------------------------------------------
# Editions (EditionID of HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion: never the localized name).
# ---------------------------------------------------------------------------------------------------
SUPPORTED_FAMILIES = ("pro", "enterprise", "education")
UNSUPPORTED_EDITION = "unsupported edition"


def edition_family(edition_id):
    """Family of an EditionID: home (Core, CoreN, CoreSingleLanguage, CoreCountrySpecific), pro
    (Professional, ProfessionalN, ProfessionalWorkstation), education (Education*, ProfessionalEducation*),
    enterprise (Enterprise*, EnterpriseS = LTSC, IoTEnterprise*), server, or unknown."""
    low = str(edition_id or "").strip().lower()
    if not low:
        return "unknown"
    if low.startswith("core"):
        return "home"
    if "education" in low:
        return "education"
    if low.startswith("professional"):
        return "pro"
    if low.startswith(("enterprise", "iotenterprise")):
        return "enterprise"
    if low.startswith("server"):
        return "server"
    return "unknown"


def cnil_win_edition(edition_id):
    """{edition_id, family, supported, reason}. cnil-cabinet supports Pro, Enterprise and Education: Home
    has no BitLocker management and ignores the Removable Storage Access policy (catalog §5 note 10), so
    every control reports 'unsupported edition' there rather than a pass it cannot prove."""
    family = edition_family(edition_id)
    supported = family in SUPPORTED_FAMILIES
    if supported:
        reason = None
    elif family == "home":
        reason = ("%s: Windows Home (EditionID %s) has no BitLocker management and no Removable Storage "
                  "Access policy; cnil-cabinet needs Windows Pro or better" % (UNSUPPORTED_EDITION, edition_id))
    elif family == "server":
        reason = "%s: Windows Server (EditionID %s) is not a practice workstation" % (UNSUPPORTED_EDITION, edition_id)
    else:
        reason = "%s: EditionID %r not recognised" % (UNSUPPORTED_EDITION, edition_id)
    return {"edition_id": edition_id, "family": family, "supported": supported, "reason": reason}


# ---------------------------------------------------------------------------------------------------
# Releases. Sources: Microsoft Learn "Windows 10 release information" and "Windows 11 release
# information" (build numbers of each version) [S]; 25H2 = 26200 [S, secondary: WindowsOSBuild issue
# #58, OSDeploy Test-IsWindows1125H2]; 26H2 = 26300 [S, secondary: news coverage of Microsoft's
# announcement, June 2026]. Support end dates are not here: they belong to data/lifecycle.yml.
# ---------------------------------------------------------------------------------------------------
WINDOWS_RELEASES = {
    10240: ("Windows 10", "1507"),
    10586: ("Windows 10", "1511"),
    14393: ("Windows 10", "1607"),
    15063: ("Windows 10", "1703"),
    16299: ("Windows 10", "1709"),
    17134: ("Windows 10", "1803"),
    17763: ("Windows 10", "1809"),
    18362: ("Windows 10", "1903"),
    18363: ("Windows 10", "1909"),
    19041: ("Windows 10", "2004"),
    19042: ("Windows 10", "20H2"),
    19043: ("Windows 10", "21H1"),
    19044: ("Windows 10", "21H2"),
    19045: ("Windows 10", "22H2"),
    22000: ("Windows 11", "21H2"),
    22621: ("Windows 11", "22H2"),
    22631: ("Windows 11", "23H2"),
    26100: ("Windows 11", "24H2"),
    26200: ("Windows 11", "25H2"),
    26300: ("Windows 11", "26H2"),
}


def cnil_win_release(build, display_version=None):
    """{build, product, release, name, known, display_version}. An unknown build still gets its product
    from the build range (10240..21999 Windows 10, 22000+ Windows 11) and release None: the report
    shows 'Windows 11 (build 28000)' rather than a guessed name."""
    try:
        number = int(str(build).split(".")[0])
    except (TypeError, ValueError):
        return {"build": None, "product": None, "release": None, "name": "unknown build %r" % (build,),
                "known": False, "display_version": display_version}
    if number in WINDOWS_RELEASES:
        product, release = WINDOWS_RELEASES[number]
        return {"build": number, "product": product, "release": release, "name": "%s %s" % (product, release),
                "known": True, "display_version": display_version}
    product = "Windows 11" if number >= 22000 else "Windows 10" if number >= 10240 else "Windows (before 10)"
    return {"build": number, "product": product, "release": None, "name": "%s (build %d)" % (product, number),
            "known": False, "display_version": display_version}


# ---------------------------------------------------------------------------------------------------
# Vendor support of the release (CNIL-UPD-01), judged by the same code as on Linux (cnil_lib/lifecycle.py,
# data/lifecycle.yml). Microsoft gives Windows 11 Home, Pro, Pro Education and Pro for Workstations 24 months per
# feature update, Enterprise and Education 36 [S: Microsoft lifecycle pages, quoted in data/lifecycle.yml]. LTSC
# editions (EnterpriseS, IoTEnterpriseS) have their own, longer lifecycle that data/lifecycle.yml does not hold: they
# get their own group, which no line matches, so they are reported "unknown" rather than judged on the wrong dates.
# ---------------------------------------------------------------------------------------------------
def win_edition_group(edition_id):
    """home_pro, enterprise, ltsc or None (unknown, server) for an EditionID: the lifecycle group of data/lifecycle.yml."""
    low = str(edition_id or "").strip().lower()
    if low.startswith(("enterprises", "iotenterprises")):
        return "ltsc"
    if low.startswith(("core", "professional")):  # ProfessionalEducation and ProfessionalWorkstation follow Pro
        return "home_pro"
    if low.startswith(("enterprise", "iotenterprise", "education")):
        return "enterprise"
    return None


def cnil_win_os_support(edition, enrolled=False, today=None):
    """CNIL-UPD-01 on Windows: {ok, status, reason, evidence}. edition: win_cnil_secpol_facts' edition (EditionID,
    CurrentBuild, UBR, DisplayVersion); enrolled: cnil_upd_extended_support_enrolled (Windows 10 ESU, a declaration
    of the inventory); today: the controller's date (CNIL_TODAY pins it). PASS while the release of the build is in
    Microsoft's support for its edition group, or in ESU when the PC is declared enrolled; FAIL once out of support
    (with the date and the source), for an unknown build or release ("unknown", never a pass), and on Windows Home
    ("unsupported edition", as every control)."""
    edition = edition if isinstance(edition, dict) else {}
    edition_id = edition.get("edition_id")
    build = edition.get("current_build") or edition.get("current_build_number")
    release = cnil_win_release(build, edition.get("display_version"))
    group = win_edition_group(edition_id)
    host = {"family": "Windows", "product": release["product"], "edition_group": group, "version": release["release"]}
    support = lifecycle.os_support(host, enrolled=enrolled, today=today)
    ubr = edition.get("ubr")
    evidence = {
        "release": release["name"],
        "build": None if release["build"] is None else "%s.%s" % (release["build"], ubr) if ubr not in (None, "") else str(release["build"]),
        "display_version": edition.get("display_version"),
        "edition_id": edition_id,
        "edition_group": group,
        "lifecycle_id": support["id"],
        "status": support["status"],
        "security_until": support["security_until"],
        "extended": support["extended"],
        "extended_until": support["extended_until"],
        "days_left": support["days_left"],
        "source": support["source"],
        "lifecycle_reviewed": support["reviewed"],
    }
    if "extended_support_enrolment" in support:
        evidence["extended_support_enrolment"] = support["extended_support_enrolment"]
    waive = ("waive CNIL-UPD-01 / win_os_supported in cnil_waivers with a reason and an expiry no later than the end "
             "of that support")
    status = support["status"]
    if status == "unknown":
        if group == "ltsc":
            why = ("%s is an LTSC edition (EditionID %s): its own lifecycle is not in data/lifecycle.yml, so its "
                   "support is unknown (not a pass)" % (release["name"], edition_id))
        elif release["release"] is None:
            why = ("%s: build not known to the toolkit (WINDOWS_RELEASES, plugins/filter/cnil_windows.py; DisplayVersion "
                   "%s), so its support is unknown (not a pass)" % (release["name"], edition.get("display_version")))
        else:
            why = ("%s (EditionID %s) has no line in data/lifecycle.yml, so its support is unknown (not a pass)"
                   % (release["name"], edition_id))
        reason = ("%s. Check the release on Microsoft's lifecycle pages; if it is supported, add it to data/lifecycle.yml "
                  "(dated, sourced) or %s; if not, upgrade the PC" % (why, waive))
    elif status == "supported":
        reason = None
    elif status == "extended":
        reason = ("%s: standard support ended on %s; %s until %s, counted because the PC is %s"
                  % (support["name"], support["security_until"], support["extended"], support["extended_until"],
                     support["extended_support_enrolment"]))
    elif status == "extended_not_enrolled":
        reason = ("%s: out of Microsoft's support since %s (standard support ended on %s; source %s). %s runs until %s for "
                  "an enrolled PC only, and this PC is %s. Upgrade the PC to a supported release, or enrol it in %s and "
                  "declare it (%s: true in host_vars/<pc>.yml)"
                  % (support["name"], _day_after(support["security_until"]), support["security_until"], support["source"],
                     support["extended"], support["extended_until"], support["extended_support_enrolment"],
                     support["extended"], lifecycle.ENROLMENT_VARIABLE))
    else:  # ended
        ended = support["extended_until"] or support["security_until"]
        reason = "%s: out of Microsoft's support since %s (standard support ended on %s" % (
            support["name"], _day_after(ended), support["security_until"])
        if support["extended"]:
            reason += "; %s ended on %s" % (support["extended"], support["extended_until"])
        reason += "; source %s). Upgrade the PC to a supported release or replace it" % support["source"]
        if support["extended"] and not support["extended_automatic"]:
            reason += ("; if it is covered by a longer paid programme data/lifecycle.yml does not hold (Windows 10 ESU "
                       "for organisations, years 2 and 3), %s" % waive)
    if support["review_stale"]:
        reason = "%s%s(data/lifecycle.yml last reviewed %s)" % (reason or "", " " if reason else "", support["reviewed"])
    supported_edition = cnil_win_edition(edition_id)
    if not supported_edition["supported"]:
        return {"ok": False, "status": status, "reason": supported_edition["reason"], "evidence": evidence}
    return {"ok": bool(support["supported"]), "status": status, "reason": reason, "evidence": evidence}


def _day_after(iso_day):
    return (datetime.date.fromisoformat(iso_day) + datetime.timedelta(days=1)).isoformat()


# ---------------------------------------------------------------------------------------------------
# secedit /export INF (UTF-16 LE with BOM). Mirrored by ConvertFrom-CnilInf in win_cnil_secpol_facts.ps1.
# ---------------------------------------------------------------------------------------------------
_INT_RE = re.compile(r"^-?\d+$")


def decode_inf(data):
    """Text of a secedit export: UTF-16 LE (with or without BOM), UTF-8 (BOM), else cp1252 (secedit
    writes 'ANSI' when the /cfg file it is given has no BOM)."""
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if data.startswith(b"\xff\xfe"):
        return data[2:].decode("utf-16-le")
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8")
    if len(data) > 1 and data[1:2] == b"\x00":
        return data.decode("utf-16-le")
    return data.decode("cp1252")


def cnil_win_secedit_parse(data):
    """{section: {key: value}}: integers as int, "quoted" strings unquoted, the rest as text.
    Lines before the first section and lines without '=' are ignored; a later key overrides."""
    sections, current = {}, None
    for raw in decode_inf(data).splitlines():
        line = raw.strip()
        if not line or line.startswith(";"):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = line[1:-1].strip()
            sections.setdefault(current, {})
            continue
        if current is None or "=" not in line:
            continue
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        if _INT_RE.match(value):
            value = int(value)
        elif len(value) >= 2 and value.startswith('"') and value.endswith('"'):
            value = value[1:-1]
        sections[current][key] = value
    return sections


# ---------------------------------------------------------------------------------------------------
# Password policy (CNIL-PWD-01/02/03) from [System Access].
# ---------------------------------------------------------------------------------------------------
# Windows complexity guarantees 3 of the 4 categories; the weakest three are upper + lower + digits,
# 62 symbols (catalog CNIL-PWD-01, Windows). Without complexity a password may be digits only.
SYMBOLS_WITH_COMPLEXITY = 62
SYMBOLS_WITHOUT_COMPLEXITY = 10
CNIL_PASSWORD_ALONE_BITS = 80  # délibération CNIL 2022-100, password alone


def _int_or_none(value):
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        return None


def min_entropy_bits(length, complexity):
    """Entropy of the weakest password the policy accepts: length x log2(symbols)."""
    symbols = SYMBOLS_WITH_COMPLEXITY if complexity else SYMBOLS_WITHOUT_COMPLEXITY
    return round(max(length, 0) * math.log2(symbols), 1)


def cnil_win_password_policy(system_access, min_length, target_bits=CNIL_PASSWORD_ALONE_BITS):
    """CNIL-PWD-01 on Windows. PASS: MinimumPasswordLength >= min_length, PasswordComplexity = 1,
    ClearTextPassword = 0, and the weakest accepted password reaches target_bits. 12 characters with
    complexity is a FAIL with the entropy explanation (catalog §5 note 2): Windows cannot require the
    four classes of the seed, and 12 characters from 3 classes is about 71 bits < 80."""
    sa = system_access or {}
    length = _int_or_none(sa.get("MinimumPasswordLength"))
    complexity = _int_or_none(sa.get("PasswordComplexity")) == 1
    cleartext = _int_or_none(sa.get("ClearTextPassword"))
    bits = min_entropy_bits(length or 0, complexity)
    problems = []
    if length is None:
        problems.append("MinimumPasswordLength not found in the secedit export")
    elif length < min_length:
        if complexity and length >= 12:
            problems.append(
                "%d characters with complexity: seed's 12 characters + 4 classes not enforceable on Windows "
                "(complexity only guarantees 3 of the 4 classes); %d characters from 3 classes = %d x log2(62) "
                "= %.1f bits < %d bits (CNIL 2022-100): set %d characters" % (length, length, length, bits, target_bits, min_length))
        else:
            problems.append("MinimumPasswordLength %d < %d" % (length, min_length))
    if not complexity:
        problems.append("PasswordComplexity is not 1 (a password may be digits only)")
    if cleartext != 0:
        problems.append("ClearTextPassword is %s (reversible encryption must be 0)" % (sa.get("ClearTextPassword"),))
    if length is not None and bits < target_bits and not problems:
        problems.append("%.1f bits < %d bits" % (bits, target_bits))
    return {
        "ok": not problems,
        "reason": "; ".join(problems) or None,
        "min_length": length,
        "complexity": complexity,
        "reversible_encryption": cleartext,
        "min_entropy_bits": bits,
        "target_bits": target_bits,
    }


def cnil_win_password_age(system_access, max_days):
    """CNIL-PWD-02. Windows has one local maximum age for every local account. MaximumPasswordAge 0 or
    -1 means 'never expires' [U: which of the two secedit writes]. PASS: 1 <= age <= max_days."""
    age = _int_or_none((system_access or {}).get("MaximumPasswordAge"))
    if age is None:
        return {"ok": False, "max_age_days": None, "reason": "MaximumPasswordAge not found in the secedit export"}
    if age <= 0:
        return {"ok": False, "max_age_days": age, "reason": "passwords never expire (MaximumPasswordAge %d)" % age}
    if age > max_days:
        return {"ok": False, "max_age_days": age, "reason": "MaximumPasswordAge %d > %d days" % (age, max_days)}
    return {"ok": True, "max_age_days": age, "reason": None}


def cnil_win_lockout(system_access, max_attempts, min_duration, min_reset=None):
    """CNIL-PWD-03. PASS: 1 <= LockoutBadCount <= max_attempts, LockoutDuration >= min_duration minutes
    (0 or -1: locked until an administrator unlocks, accepted), ResetLockoutCount >= min_reset
    (default min_duration; Windows requires it <= LockoutDuration). secedit leaves LockoutDuration and
    ResetLockoutCount out while LockoutBadCount is 0 [U]: missing values are reported, not guessed."""
    sa = system_access or {}
    min_reset = min_duration if min_reset is None else min_reset
    count = _int_or_none(sa.get("LockoutBadCount"))
    duration = _int_or_none(sa.get("LockoutDuration"))
    reset = _int_or_none(sa.get("ResetLockoutCount"))
    problems = []
    if count is None or count == 0:
        problems.append("no account lockout (LockoutBadCount %s)" % (count,))
    elif count > max_attempts:
        problems.append("LockoutBadCount %d > %d" % (count, max_attempts))
    if duration is None:
        problems.append("LockoutDuration not set")
    elif duration > 0 and duration < min_duration:
        problems.append("LockoutDuration %d < %d minutes" % (duration, min_duration))
    if reset is None:
        problems.append("ResetLockoutCount not set")
    elif reset < min_reset:
        problems.append("ResetLockoutCount %d < %d minutes" % (reset, min_reset))
    return {"ok": not problems, "reason": "; ".join(problems) or None, "attempts": count,
            "duration_minutes": duration, "reset_minutes": reset,
            "until_admin_unlocks": duration is not None and duration <= 0}


# ---------------------------------------------------------------------------------------------------
# Sign-ins the local password policy does not govern (CNIL-PWD-01, issue 6). A Microsoft account's password is
# set and checked by Microsoft, not by this PC's policy (catalog PWD-01, Windows [U]); a Windows Hello PIN is a
# sign-in of its own, outside the password policy. Read by win_cnil_secpol_facts (accounts, sign_in); reported,
# never changed: excluding the PIN provider could lock out a user whose only known sign-in is the PIN (a Microsoft
# account with "Windows Hello sign-in only" on, a forgotten password), which the toolkit cannot see from here.
# ---------------------------------------------------------------------------------------------------
PIN_CREDENTIAL_PROVIDER = "{D6886603-9D2F-4EB2-B667-1971041FA96B}"
EXCLUDE_POLICY = ("HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Policies\\System ExcludedCredentialProviders "
                  "(Computer Configuration > Administrative Templates > System > Logon > Exclude credential providers)")
POLICY_BYPASS_CHECK = "CNIL-PWD-01 / win_policy_bypass"


def credential_providers(value):
    """The CLSIDs of an ExcludedCredentialProviders value (REG_SZ, comma-separated; a list if written as
    REG_MULTI_SZ), upper case in braces, whatever spaces, braces or case were typed."""
    if value is None:
        return []
    items = value if isinstance(value, (list, tuple)) else re.split(r"[,;\s]+", str(value))
    found = []
    for item in items:
        text = str(item).strip().strip('"').strip().strip("{}").strip()
        if text:
            found.append("{%s}" % text.upper())
    return found


def _passport_state(passport):
    """Windows Hello for Business policy: on (Enabled 1), off (Enabled 0) or not configured."""
    enabled = _int_or_none((passport or {}).get("Enabled")) if isinstance(passport, dict) else None
    if enabled is None:
        return "not configured"
    return "on (PassportForWork Enabled %d)" % enabled if enabled else "off (PassportForWork Enabled 0)"


def cnil_win_policy_bypass(users, sign_in, edition=None):
    """CNIL-PWD-01 on Windows: {ok, reason, evidence}. FAIL when an enabled local account signs in with a Microsoft
    account (PrincipalSource MicrosoftAccount), when an enabled account's type is not reported (it might be one: never
    a silent pass), or when Windows Hello PIN sign-in is allowed, i.e. the PIN credential provider is not excluded by
    the "Exclude credential providers" policy. PassportForWork Enabled 0 alone does not count as "PIN off": its effect
    on the PIN of local and Microsoft accounts is not confirmed. users: win_cnil_secpol_facts accounts.users; sign_in:
    its sign_in result; edition: cnil_win_edition of the PC (Home: FAIL 'unsupported edition', as every control).
    The reason says what to do: convert the accounts, exclude the PIN provider by policy once every user knows a
    password, or waive the check (cnil_waivers) if the cabinet keeps them."""
    users_read = isinstance(users, list)
    enabled = [u for u in users or [] if isinstance(u, dict) and u.get("name") and _true(u.get("enabled"))]
    disabled = [u for u in users or [] if isinstance(u, dict) and u.get("name") and not _true(u.get("enabled"))]

    def source(user):
        return str(user.get("principal_source") or "").strip()

    microsoft = sorted(str(u["name"]) for u in enabled if source(u).lower() == "microsoftaccount")
    other = {str(u["name"]): source(u) or "not reported" for u in enabled if source(u).lower() not in ("local", "microsoftaccount")}
    names_by_sid = {str(u.get("sid")).upper(): str(u["name"]) for u in users or [] if isinstance(u, dict) and u.get("sid")}

    read = isinstance(sign_in, dict)
    sign_in = sign_in if read else {}
    excluded = PIN_CREDENTIAL_PROVIDER in credential_providers(sign_in.get("excluded_credential_providers"))
    passport = _passport_state(sign_in.get("passport_for_work"))
    passwordless = _int_or_none(sign_in.get("device_passwordless_build_version"))
    pin_accounts = sign_in.get("pin_provider_accounts")
    pin_set_up = None
    if isinstance(pin_accounts, list):
        pin_set_up = sorted(names_by_sid.get(str(a.get("sid")).upper(), str(a.get("sid")))
                            for a in pin_accounts if isinstance(a, dict) and _int_or_none(a.get("logon_creds_available")) == 1)

    evidence = {
        "microsoft_accounts": microsoft,
        "microsoft_accounts_disabled": sorted(str(u["name"]) for u in disabled if source(u).lower() == "microsoftaccount"),
        "accounts_of_other_type": other,
        "pin_sign_in": None if not read else "off: excluded by policy" if excluded else "allowed",
        "excluded_credential_providers": sign_in.get("excluded_credential_providers"),
        "windows_hello_for_business_policy": passport if read else None,
        "pin_complexity": sign_in.get("pin_complexity"),
        "windows_hello_required_for_microsoft_accounts": None if passwordless is None else passwordless == 2,
        "pin_set_up_for": pin_set_up,
        "pin_set_up_for_error": sign_in.get("pin_provider_accounts_error"),
        "enforced": "no: reported only (docs/windows.md)",
    }
    if edition is not None and not edition.get("supported"):
        return {"ok": False, "reason": edition.get("reason"), "evidence": evidence}

    problems = []
    if not users_read:
        problems.append("the local accounts were not read: Microsoft-account sign-ins cannot be ruled out")
    if microsoft:
        text = ("Microsoft-account sign-in for %s: the password is Microsoft's, not governed by this PC's password "
                "policy. Convert each to a local account with a password that meets the policy (as the user: Settings > "
                "Accounts > Your info > Sign in with a local account instead)" % ", ".join(microsoft))
        if passwordless == 2 and read and excluded:
            text += ("; Windows Hello sign-in is required for Microsoft accounts on this PC (DevicePasswordLessBuildVersion "
                     "2) while the PIN provider is excluded: these accounts may have no way left to sign in, check "
                     "that first")
        elif passwordless == 2:
            text += ("; Windows Hello sign-in is required for Microsoft accounts on this PC (DevicePasswordLessBuildVersion "
                     "2): their password is not even offered at sign-in, so convert them before the PIN is turned off")
        problems.append(text)
    if other:
        problems.append("account type not reported as local by Get-LocalUser (PrincipalSource) for %s: check in "
                        "Settings > Accounts whether it signs in with a Microsoft account"
                        % ", ".join("%s (%s)" % item for item in sorted(other.items())))
    if not read:
        problems.append("the sign-in settings were not read: Windows Hello PIN sign-in cannot be ruled out")
    elif not excluded:
        text = ("Windows Hello PIN sign-in is allowed (the PIN credential provider %s is not excluded by policy; "
                "Windows Hello for Business policy %s)" % (PIN_CREDENTIAL_PROVIDER, passport))
        if pin_set_up:
            text += ", PIN set up for %s" % ", ".join(pin_set_up)
        text += (": a PIN is a sign-in of its own, outside the password policy. Once every user of the PC knows a "
                 "password that meets the policy, exclude %s by policy: %s. The toolkit does not set it (a user whose "
                 "only known sign-in is the PIN would be locked out)" % (PIN_CREDENTIAL_PROVIDER, EXCLUDE_POLICY))
        if passport.startswith("off"):
            text += ("; PassportForWork Enabled 0 is not counted as PIN off: its effect on the PIN of local and Microsoft "
                     "accounts is not confirmed")
        problems.append(text)
    if not problems:
        return {"ok": True, "reason": None, "evidence": evidence}
    problems.append("if the cabinet decides to keep them, waive %s in cnil_waivers with a reason and an expiry"
                    % POLICY_BYPASS_CHECK)
    return {"ok": False, "reason": "; ".join(problems), "evidence": evidence}


# ---------------------------------------------------------------------------------------------------
# Antivirus (CNIL-AV-01): Security Center productState and Defender.
# productState layout (not documented by Microsoft [U]; community decoding used by monitoring scripts,
# e.g. homotechsual.dev "Monitoring AV", wortell/PSHelpers Add-ProductStates, mcpforlife.com):
#   bits 16-23 security provider flags (WSC_SECURITY_PROVIDER, wscapi.h [S]),
#   bits 12-15 product state (0 off, 1 on, 2 snoozed, 3 expired),
#   bits  8-11 owner (1 = Microsoft / Windows, 0 = another vendor),
#   bits  4-7  signatures (0 up to date, 1 out of date).
# ---------------------------------------------------------------------------------------------------
WSC_PROVIDERS = ((0x01, "firewall"), (0x02, "autoupdate_settings"), (0x04, "antivirus"), (0x08, "antispyware"),
                 (0x10, "internet_settings"), (0x20, "user_account_control"), (0x40, "service"))
PRODUCT_STATES = {0: "off", 1: "on", 2: "snoozed", 3: "expired"}


def cnil_win_product_state(state):
    """Decode an AntiVirusProduct productState: 397568 (0x061100) = Defender on, signatures up to date."""
    value = _int_or_none(state)
    if value is None or value < 0:
        return {"state": state, "hex": None, "product_state": "unknown", "enabled": False,
                "signatures_up_to_date": False, "microsoft": False, "providers": []}
    product = (value >> 12) & 0xF
    return {
        "state": value,
        "hex": "0x%06X" % value,
        "product_state": PRODUCT_STATES.get(product, "unknown(%d)" % product),
        "enabled": product == 1,
        "signatures_up_to_date": (value >> 4) & 0xF == 0,
        "microsoft": (value >> 8) & 0xF == 1,
        "providers": [name for bit, name in WSC_PROVIDERS if (value >> 16) & bit],
    }


NEVER_UPDATED_AGE = 65535  # Get-MpComputerStatus reports this when signatures never updated [U]


def cnil_win_signature_age(age_days, max_days, warn_days=1):
    """{ok, level, age_days, reason}: FAIL above max_days, WARN (still ok) above warn_days (catalog AV-01)."""
    age = _int_or_none(age_days)
    if age is None or age < 0 or age >= NEVER_UPDATED_AGE:
        return {"ok": False, "level": "fail", "age_days": age, "reason": "signature age unknown or never updated"}
    if age > max_days:
        return {"ok": False, "level": "fail", "age_days": age, "reason": "signatures %d days old > %d" % (age, max_days)}
    if age > warn_days:
        return {"ok": True, "level": "warn", "age_days": age, "reason": "signatures %d days old (> %d)" % (age, warn_days)}
    return {"ok": True, "level": "ok", "age_days": age, "reason": None}


def _true(value):
    return value is True or str(value).strip().lower() in ("true", "1")


def cnil_win_antivirus(defender, products, max_age_days):
    """CNIL-AV-01 on Windows. Defender in normal mode is judged on its own status (service, antivirus,
    real-time protection, signature age). Defender passive, disabled or absent: a third-party product
    registered in Security Center must be on with signatures up to date (as the vendor declares it: the
    report says so, and an attestation may be needed)."""
    defender = defender or {}
    decoded = [dict(cnil_win_product_state(p.get("productState")), name=p.get("displayName"))
               for p in (products or [])]
    third = [p for p in decoded if not p["microsoft"]]
    mode = str(defender.get("AMRunningMode") or "").strip()
    defender_primary = bool(defender) and (mode.lower() == "normal" or (not mode and _true(defender.get("AntivirusEnabled"))))
    result = {"engine": None, "defender_mode": mode or None, "products": decoded, "signature": None}
    if defender_primary:
        sig = cnil_win_signature_age(defender.get("AntivirusSignatureAge"), max_age_days)
        problems = [label for key, label in (("AMServiceEnabled", "antimalware service off"),
                                             ("AntivirusEnabled", "antivirus off"),
                                             ("RealTimeProtectionEnabled", "real-time protection off"))
                    if not _true(defender.get(key))]
        if not sig["ok"]:
            problems.append(sig["reason"])
        result.update(engine="Microsoft Defender Antivirus", signature=sig, ok=not problems,
                      reason="; ".join(problems) or sig["reason"])
        return result
    active = [p for p in third if p["enabled"] and p["signatures_up_to_date"]]
    if active:
        result.update(engine=", ".join(str(p["name"]) for p in active), ok=True,
                      reason="third-party antivirus: status as declared to Windows Security Center")
    elif third:
        result.update(engine=", ".join(str(p["name"]) for p in third), ok=False,
                      reason="; ".join("%s: %s, signatures %s" % (p["name"], p["product_state"],
                                                                  "up to date" if p["signatures_up_to_date"] else "out of date")
                                       for p in third))
    else:
        result.update(ok=False, reason="no active antivirus: Defender %s and no other product registered"
                      % ("mode " + mode if mode else "status unavailable"))
    return result


# ---------------------------------------------------------------------------------------------------
# BitLocker (CNIL-ENC-01). Mirrored by win_cnil_bitlocker.ps1: Get-CnilProtectorType,
# Get-CnilVolumeState and Get-CnilBitLockerPlan use the same tables and the same rules.
# ---------------------------------------------------------------------------------------------------
# Win32_EncryptableVolume GetKeyProtectorType codes [S] -> Get-BitLockerVolume KeyProtectorType names.
PROTECTOR_CODES = {0: "Unknown", 1: "Tpm", 2: "ExternalKey", 3: "RecoveryPassword", 4: "TpmPin",
                   5: "TpmStartupKey", 6: "TpmPinStartupKey", 7: "PublicKey", 8: "Password",
                   9: "TpmNetworkKey", 10: "AdAccountOrGroup"}
TPM_PROTECTORS = ("Tpm", "TpmPin", "TpmStartupKey", "TpmPinStartupKey", "TpmNetworkKey")
RECOVERY_PROTECTOR = "RecoveryPassword"
# ConversionStatus codes [S] -> Get-BitLockerVolume VolumeStatus names.
VOLUME_STATUS_CODES = {0: "FullyDecrypted", 1: "FullyEncrypted", 2: "EncryptionInProgress",
                       3: "DecryptionInProgress", 4: "EncryptionPaused", 5: "DecryptionPaused"}
PROTECTION_CODES = {0: "Off", 1: "On", 2: "Unknown"}
# States of a volume, as the report names them.
VOLUME_STATES = ("protected", "suspended", "auto_encrypted_no_protector", "encrypting", "encryption_paused",
                 "decrypting", "not_encrypted", "unknown")
# What a state needs once the protectors are in place; every action needs the escrow first.
STATE_ACTIONS = {"protected": "none", "encrypting": "none", "unknown": "none",
                 "suspended": "resume", "auto_encrypted_no_protector": "resume",
                 "encryption_paused": "encrypt", "decrypting": "encrypt", "not_encrypted": "encrypt"}
METHOD_CODES = {0: "None", 1: "Aes128Diffuser", 2: "Aes256Diffuser", 3: "Aes128", 4: "Aes256",
                5: "Hardware", 6: "XtsAes128", 7: "XtsAes256", -1: "Unknown"}


def _name(value, codes):
    """Enum value as the cmdlet names it: an int code, or a name in any case."""
    number = _int_or_none(value)
    if number is not None:
        return codes.get(number, "Unknown")
    text = str(value or "").strip()
    for name in codes.values():
        if name.lower() == text.lower():
            return name
    return text or "Unknown"


def protector_type(value):
    """Normalised protector type: 3, 'NumericalPassword' and 'RecoveryPassword' are one type."""
    if str(value).strip().lower() in ("numericalpassword", "numericpassword"):
        return RECOVERY_PROTECTOR
    return _name(value, PROTECTOR_CODES)


def volume_state(volume):
    """State of one Get-BitLockerVolume-like record (keys as the cmdlet names them)."""
    status = _name(volume.get("VolumeStatus"), VOLUME_STATUS_CODES)
    protection = _name(volume.get("ProtectionStatus"), PROTECTION_CODES)
    protectors = [protector_type(p.get("KeyProtectorType")) for p in volume.get("KeyProtector") or []]
    if status == "FullyEncrypted" and protection == "On":
        return "protected"
    if status in ("FullyEncrypted", "EncryptionInProgress") and protection == "Off" and not protectors:
        # Device encryption (automatic, Windows 11 / Modern Standby) before activation: the key is on
        # the disk in the clear until protectors are added and enabled.
        return "auto_encrypted_no_protector"
    if status == "FullyEncrypted" and protection == "Off":
        return "suspended"
    if status == "EncryptionInProgress":
        return "encrypting"
    if status == "EncryptionPaused":
        return "encryption_paused"
    if status in ("DecryptionInProgress", "DecryptionPaused"):
        return "decrypting"
    if status == "FullyDecrypted":
        return "not_encrypted"
    return "unknown"


def _protectors(volume):
    out = []
    for p in volume.get("KeyProtector") or []:
        out.append({"type": protector_type(p.get("KeyProtectorType")), "id": p.get("KeyProtectorId")})
    return out


def cnil_win_bitlocker_plan(volume, tpm_ready=True, escrowed_ids=None, escrow_confirmed=False,
                            edition_supported=True):
    """What win_cnil_bitlocker does to one volume (Get-CnilBitLockerPlan mirrors it).

    Only the OS volume is enforced. Protectors first: a recovery password when none of the volume's
    recovery passwords is escrowed (an old one, e.g. in a personal Microsoft account, is kept but does
    not count), then a TPM protector. Protection is turned on (encrypt) or back on (resume) only when
    escrow_confirmed and one of the volume's recovery protectors is in escrowed_ids: never before the
    recovery password is in the cabinet's vault. Nothing ever decrypts: a volume being decrypted is
    encrypted again. No TPM ready: nothing is added (a recovery password alone could not turn
    protection on), the volume is blocked.
    Returns {mount_point, state, os_volume, add, action, action_allowed, blocked}."""
    escrowed = {str(i).lower() for i in (escrowed_ids or [])}
    state = volume_state(volume)
    protectors = _protectors(volume)
    os_volume = str(volume.get("VolumeType") or "").lower() == "operatingsystem"
    plan = {"mount_point": volume.get("MountPoint"), "state": state, "os_volume": os_volume,
            "add": [], "action": "none", "action_allowed": False, "blocked": None}
    if not edition_supported:
        plan["blocked"] = UNSUPPORTED_EDITION
        return plan
    if not os_volume:
        plan["blocked"] = "data volume: reported, not enforced"
        return plan
    has_tpm = any(p["type"] in TPM_PROTECTORS for p in protectors)
    if not has_tpm and not tpm_ready:
        plan["blocked"] = "no TPM ready on this PC: BitLocker cannot protect the OS volume without a startup secret"
        return plan
    recovery_ids = {str(p["id"]).lower() for p in protectors if p["type"] == RECOVERY_PROTECTOR}
    if not recovery_ids & escrowed:
        plan["add"].append(RECOVERY_PROTECTOR)
    if not has_tpm:
        plan["add"].append("Tpm")
    plan["action"] = STATE_ACTIONS[state]
    if plan["action"] != "none":
        if escrow_confirmed and recovery_ids & escrowed:
            plan["action_allowed"] = True
        else:
            plan["blocked"] = "waiting for the recovery password escrow (second call with escrow_confirmed)"
    elif state == "unknown":
        plan["blocked"] = "volume state unknown (locked volume?)"
    return plan


ACCEPTED_METHODS = ("XtsAes128", "XtsAes256", "Aes128", "Aes256")


def cnil_win_bitlocker_status(result, escrowed_ids=None):
    """CNIL-ENC-01 check from a win_cnil_bitlocker result: the OS volume and every fixed data volume
    FullyEncrypted with protection On; the OS volume with a TPM protector; each with a recovery password
    whose protector ID is in the cabinet's escrow. Findings (not failures by themselves): recovery
    passwords not in the escrow (possibly in a personal Microsoft account), device encryption not
    activated, hardware or legacy encryption method.
    Returns {ok, reason, volumes: [...], findings: [...]} with no secret in it."""
    result = result or {}
    escrowed = {str(i).lower() for i in (escrowed_ids or [])}
    edition = result.get("edition") or {}
    if edition and not cnil_win_edition(edition.get("edition_id"))["supported"]:
        return {"ok": False, "reason": cnil_win_edition(edition.get("edition_id"))["reason"], "volumes": [], "findings": []}
    if not result.get("bitlocker_available", True):
        return {"ok": False, "reason": "BitLocker cmdlets not available on this PC", "volumes": [], "findings": []}
    msa = _int_or_none(result.get("microsoft_accounts")) or 0
    volumes, findings, problems = [], [], []
    for vol in result.get("volumes") or []:
        if str(vol.get("DriveType") or "fixed").lower() != "fixed":
            continue
        state = volume_state(vol)
        prot = _protectors(vol)
        types = sorted({p["type"] for p in prot})
        os_volume = str(vol.get("VolumeType") or "").lower() == "operatingsystem"
        rec = [str(p["id"]) for p in prot if p["type"] == RECOVERY_PROTECTOR]
        rec_escrowed = [i for i in rec if i.lower() in escrowed]
        method = _name(vol.get("EncryptionMethod"), METHOD_CODES)
        mp = vol.get("MountPoint")
        issues = []
        if state != "protected":
            issues.append("%s %s" % (mp, state.replace("_", " ")))
        if os_volume and not set(types) & set(TPM_PROTECTORS):
            issues.append("%s has no TPM protector" % mp)
        if not rec:
            issues.append("%s has no recovery password" % mp)
        elif not rec_escrowed:
            issues.append("%s recovery password not escrowed in the cabinet's vault" % mp)
        if rec and len(rec_escrowed) < len(rec):
            findings.append("%s: %d recovery password(s) not in the cabinet's escrow%s" % (
                mp, len(rec) - len(rec_escrowed),
                ": key possibly in a personal Microsoft account (%d on this PC)" % msa if msa else ""))
        if state == "auto_encrypted_no_protector":
            findings.append("%s: device encryption started by Windows but not activated (key in the clear on the disk)" % mp)
        if state != "not_encrypted" and method not in ACCEPTED_METHODS and method != "None":
            findings.append("%s: encryption method %s" % (mp, method))
        problems += issues
        volumes.append({"mount_point": mp, "os_volume": os_volume, "state": state, "method": method,
                        "percentage": vol.get("EncryptionPercentage"), "protectors": types,
                        "recovery_protector_ids": rec, "escrowed": bool(rec_escrowed), "ok": not issues})
    if not any(v["os_volume"] for v in volumes):
        problems.append("no OS volume reported")
    return {"ok": not problems, "reason": "; ".join(problems) or None, "volumes": volumes, "findings": findings}


# ---------------------------------------------------------------------------------------------------
# Escrow file (inventory/<cabinet>/escrow/<host>.yml, vaulted): {host, volumes: {C:: [{protector_id,
# recovery_password, created}]}}. Old entries are never dropped.
# ---------------------------------------------------------------------------------------------------
def cnil_win_escrow_ids(escrow):
    """Protector IDs recorded in an escrow file's data (no secret returned)."""
    ids = []
    for entries in ((escrow or {}).get("volumes") or {}).values():
        for entry in entries or []:
            if entry.get("protector_id") and entry.get("recovery_password"):
                ids.append(str(entry["protector_id"]))
    return sorted(set(ids))


def cnil_win_escrow_merge(escrow, host, new_passwords, created=None):
    """Escrow data with the new recovery passwords added (by protector ID, existing ones kept)."""
    merged = {"host": host, "volumes": {}}
    for mount, entries in ((escrow or {}).get("volumes") or {}).items():
        merged["volumes"][mount] = [dict(e) for e in entries or []]
    for new in new_passwords or []:
        entries = merged["volumes"].setdefault(new["mount_point"], [])
        if any(str(e.get("protector_id")).lower() == str(new["protector_id"]).lower() for e in entries):
            continue
        entries.append({"protector_id": new["protector_id"], "recovery_password": new["recovery_password"],
                        "created": created})
    return merged


# ---------------------------------------------------------------------------------------------------
# Accounts (CNIL-ACC-01): Administrators (S-1-5-32-544) members against cnil_admins.
# ---------------------------------------------------------------------------------------------------
def _local_name(name):
    return str(name or "").split("\\")[-1].lower()


def cnil_win_admin_members(members, admins, users=None):
    """members: [{name: 'PC\\x', sid, local}] as win_cnil_secpol_facts returns them (local: a local
    account of this PC), admins: cnil_admins, users: [{name, sid, enabled}] (local users).
    A local member matches a declared name without its PC prefix; a domain, Microsoft or Entra member
    must be declared with its full name. The built-in Administrator (RID 500) is ignored while it is
    disabled. Returns {ok, extra, missing, members}."""
    declared = {str(a).lower() for a in admins or []}
    disabled = {str(u.get("sid")) for u in users or [] if not _true(u.get("enabled"))}
    names, extra, present = [], [], set()
    for m in members or []:
        name, sid = str(m.get("name") or m.get("sid")), str(m.get("sid") or "")
        names.append(name)
        key = _local_name(name) if _true(m.get("local")) else name.lower()
        present.add(key)
        if sid.endswith("-500") and sid in disabled:
            continue
        if key not in declared:
            extra.append(name)
    missing = [a for a in admins or [] if str(a).lower() not in present]
    return {"ok": not extra, "extra": extra, "missing": missing, "members": names}


def cnil_win_escrow_confirms(escrow, new_passwords):
    """The escrow data read back holds every new recovery password, identical: only then may the second
    win_cnil_bitlocker call turn protection on."""
    stored = {}
    for entries in ((escrow or {}).get("volumes") or {}).values():
        for entry in entries or []:
            stored[str(entry.get("protector_id")).lower()] = entry.get("recovery_password")
    return all(stored.get(str(n.get("protector_id")).lower()) == n.get("recovery_password") and n.get("recovery_password")
               for n in new_passwords or [])


def cnil_win_bitlocker_plans_agree(result, escrowed_ids=None, escrow_confirmed=False):
    """Differences between the plans win_cnil_bitlocker made on the host and cnil_win_bitlocker_plan on the
    same inputs (an empty list when the mirror holds). Roles turn a difference into an ERROR check."""
    result = result or {}
    tpm_ready = bool((result.get("tpm") or {}).get("ready"))
    supported = bool((result.get("edition") or {}).get("supported"))
    host = {p.get("mount_point"): p for p in result.get("plans") or []}
    keys = ("state", "add", "action", "action_allowed", "blocked")
    diffs = []
    for vol in result.get("volumes_before") or []:
        mine = cnil_win_bitlocker_plan(vol, tpm_ready, escrowed_ids, escrow_confirmed, supported)
        theirs = host.get(vol.get("MountPoint"))
        if theirs is None:
            diffs.append("%s: no plan from the host" % vol.get("MountPoint"))
            continue
        for key in keys:
            if (list(theirs.get(key) or []) if key == "add" else theirs.get(key)) != mine[key]:
                diffs.append("%s %s: host %r, controller %r" % (vol.get("MountPoint"), key, theirs.get(key), mine[key]))
    return diffs


# ---------------------------------------------------------------------------------------------------
# Registry-backed controls (UPD-01, DEV-01, AUTH-01, ACC-01 auto logon): win_reg_stat results against
# the expected type and data.
# ---------------------------------------------------------------------------------------------------
def cnil_win_registry_check(stats, expected):
    """stats: win_reg_stat results (registered with a loop: .results, each with item.name), expected:
    [{name, type (REG_DWORD, REG_SZ), data}] or {absent: true}. Numbers compare as numbers, strings as
    strings ("1" and 1 differ for a REG_SZ). Returns {ok, mismatches, values}."""
    found = {}
    for stat in stats or []:
        item = stat.get("item") or {}
        found[str(item.get("name") or stat.get("name"))] = stat
    mismatches, values = [], {}
    for want in expected or []:
        name = str(want["name"])
        stat = found.get(name) or {}
        exists = bool(stat.get("exists"))
        # A value that must be absent (DefaultPassword) is reported as present or not, never repeated.
        values[name] = exists if want.get("absent") else (stat.get("value") if exists else None)
        if want.get("absent"):
            if exists:
                mismatches.append("%s present (must be absent)" % name)
            continue
        if not exists:
            mismatches.append("%s missing (expected %s %s)" % (name, want.get("type"), want.get("data")))
            continue
        if want.get("type") and stat.get("type") != want["type"]:
            mismatches.append("%s is %s, expected %s" % (name, stat.get("type"), want["type"]))
            continue
        data = want.get("data")
        if want.get("type") == "REG_SZ":
            same = str(stat.get("value")) == str(data)
        else:
            same = _int_or_none(stat.get("value")) == _int_or_none(data)
        if not same:
            mismatches.append("%s = %r, expected %r" % (name, stat.get("value"), data))
    return {"ok": not mismatches, "mismatches": mismatches, "values": values}


REMOVABLE_DISKS = "{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}"


def cnil_win_removable_policy(mode):
    """CNIL-DEV-01 Removable Storage Access values for a mode (catalog DEV-01, Windows):
    block_all: Deny_All; deny_write: removable disks read-only; allowlist: not expressible with these
    class-wide keys, so removable disks read-only and a note; off: nothing (the control FAILs).
    Returns {set: [{key, name, data}], absent: [{key, name}], note}."""
    base = "HKLM:\\SOFTWARE\\Policies\\Microsoft\\Windows\\RemovableStorageDevices"
    disks = base + "\\" + REMOVABLE_DISKS
    all_value = {"key": base, "name": "Deny_All"}
    write_value = {"key": disks, "name": "Deny_Write"}
    if mode == "block_all":
        return {"set": [dict(all_value, data=1)], "absent": [write_value], "note": None}
    if mode in ("deny_write", "allowlist"):
        note = None if mode == "deny_write" else (
            "allow-list not possible with the Removable Storage Access keys (class-wide): removable disks are read-only")
        return {"set": [dict(write_value, data=1)], "absent": [all_value], "note": note}
    return {"set": [], "absent": [], "note": "removable media not restricted (mode %s)" % mode}


def cnil_win_firewall(profiles, rule=None, mgmt_sources=None):
    """CNIL-FW-01: every profile (Domain, Private, Public) Enabled with DefaultInboundAction Block
    (NotConfigured is not accepted: its fallback is not confirmed [U]); the management rule, when given,
    opens WinRM only to the management sources. profiles: [{Name, Enabled, DefaultInboundAction}] as
    strings (enum names); rule: {enabled, remote_addresses: [...]}."""
    problems = []
    seen = {str(p.get("Name")): p for p in profiles or []}
    for name in ("Domain", "Private", "Public"):
        p = seen.get(name)
        if p is None:
            problems.append("profile %s not reported" % name)
            continue
        if not _true(p.get("Enabled")):
            problems.append("%s profile off" % name)
        if str(p.get("DefaultInboundAction")) != "Block":
            problems.append("%s inbound default %s" % (name, p.get("DefaultInboundAction")))
    if rule is not None:
        remote = sorted(str(a) for a in rule.get("remote_addresses") or [])
        if not _true(rule.get("enabled")):
            problems.append("management rule missing or disabled")
        elif "Any" in remote or not remote:
            problems.append("management rule open to any address")
        elif mgmt_sources is not None and set(remote) - {str(s) for s in mgmt_sources} - {
                _netmask_form(s) for s in mgmt_sources}:
            problems.append("management rule open beyond cnil_mgmt_sources: %s" % ", ".join(remote))
    return {"ok": not problems, "reason": "; ".join(problems) or None}


def _netmask_form(cidr):
    """192.168.10.10/32 as Windows shows it in a rule (192.168.10.10/255.255.255.255)."""
    text = str(cidr)
    if "/" not in text or ":" in text:
        return text
    addr, bits = text.split("/", 1)
    try:
        bits = int(bits)
    except ValueError:
        return text
    mask = (0xFFFFFFFF << (32 - bits)) & 0xFFFFFFFF if bits else 0
    return "%s/%s" % (addr, ".".join(str((mask >> s) & 0xFF) for s in (24, 16, 8, 0)))


def cnil_win_unknown_accounts(users, people, admins, mgmt_user=None):
    """Enabled local accounts that belong to nobody declared (cnil_people logins, cnil_admins, the
    management account). Disabled built-in accounts are not listed."""
    declared = {str(p.get("login")).lower() for p in people or []} | {str(a).lower() for a in admins or []}
    if mgmt_user:
        declared.add(str(mgmt_user).lower())
    return sorted(str(u.get("name")) for u in users or [] if _true(u.get("enabled")) and str(u.get("name")).lower() not in declared)


# ---------------------------------------------------------------------------------------------------
# Staff strong authentication (CNIL-AUTH-02). Windows local logon has no one-time-code factor: the means
# (CPE card, credential provider, Windows Hello for Business) is attested in inventory, per PC or for every
# Windows PC (cnil_auth_win_staff_attestations; shape checked by the preflight, cnil_lib/win_staff_auth.py).
# ---------------------------------------------------------------------------------------------------
def staff_declared(people, otp_users):
    """The accounts that must have strong authentication at logon, as on Linux (roles/cnil_auth/tasks/debian_otp.yml):
    cnil_people with role staff and otp true, plus cnil_auth_otp_users; sorted, once each."""
    logins = {str(p["login"]) for p in people or [] if isinstance(p, dict) and p.get("role") == "staff" and p.get("login")
              and boolean(p.get("otp", False), strict=False)}
    return sorted(logins | {str(u) for u in otp_users or [] if str(u or "").strip()})


def _attestation_window(attestation, today):
    """(attested_on, review_due) of a well-formed attestation, or None (the preflight refuses the others)."""
    try:
        attested_on = as_date(attestation.get("attested_on"))
    except (TypeError, ValueError):
        return None
    review = attestation.get("review_days", staff.MAX_REVIEW_DAYS)
    if review is None:
        review = staff.MAX_REVIEW_DAYS
    if isinstance(review, bool) or not isinstance(review, int) or not 1 <= review <= staff.MAX_REVIEW_DAYS:
        return None
    if attested_on > today or attestation.get("method") not in staff.METHODS:
        return None
    if not all(str(attestation.get(f) or "").strip() for f in ("statement", "attested_by")):
        return None
    return attested_on, attested_on + datetime.timedelta(days=review)


def cnil_win_staff_auth(people, otp_users, local_users, attestations, edition=None, today=None):
    """CNIL-AUTH-02 on a Windows PC: {applicable, ok, reason, evidence}.

    The staff accounts of this PC are the declared ones (staff_declared) that are local accounts of the PC
    (local_users: win_cnil_secpol_facts accounts.users; Windows names compare without case). None: not applicable.
    Each must be named in the accounts of an attestation (attestations: cnil_auth_win_staff_attestations) that is
    current: attested_on at most review_days (365 at most, the default) before today. An attestation for another
    account, an out-of-date one, or none: FAIL, with what to do. edition: cnil_win_edition of the PC (Home: FAIL
    'unsupported edition', as every control). today: the controller's date (CNIL_TODAY pins it)."""
    today = as_date(today) if today is not None else controller_today()
    declared = staff_declared(people, otp_users)
    local = {str(u.get("name")).lower() for u in local_users or [] if isinstance(u, dict) and u.get("name")}
    here = [a for a in declared if a.lower() in local]
    elsewhere = [a for a in declared if a.lower() not in local]

    covering = {}  # account (lower case) -> [(attested_on, review_due, attestation)] of the well-formed ones
    named = set()
    for attestation in attestations if isinstance(attestations, list) else []:
        if not isinstance(attestation, dict) or not isinstance(attestation.get("accounts"), list):
            continue
        window = _attestation_window(attestation, today)
        for account in attestation["accounts"]:
            named.add(str(account))
            if window:
                covering.setdefault(str(account).lower(), []).append(window + (attestation,))

    attested, expired, missing = {}, {}, []
    for account in here:
        found = sorted(covering.get(account.lower(), []), key=lambda w: (w[0], w[1]))
        current = [w for w in found if w[1] >= today]
        if current:
            attested_on, due, att = current[-1]
            attested[account] = "%s, attested by %s on %s (review due %s)" % (
                att["method"], str(att["attested_by"]).strip(), attested_on.isoformat(), due.isoformat())
        elif found:
            expired[account] = found[-1][1].isoformat()
        else:
            missing.append(account)

    other = sorted(a for a in named if a.lower() not in {d.lower() for d in declared})
    evidence = {
        "declared": declared,
        "accounts_here": here,
        "declared_not_on_this_pc": elsewhere,
        "attested": attested,
        "not_attested": missing,
        "attestation_out_of_date": {a: "review was due on %s" % d for a, d in expired.items()},
        "attested_accounts_not_declared": other,
        "source": "attestation: Windows logon has no one-time-code factor the toolkit can set up or measure",
    }
    if not declared:
        return {"applicable": False, "ok": False, "evidence": evidence, "reason": (
            "no account declared for strong authentication (cnil_people role staff with otp: true, or "
            "cnil_auth_otp_users); staff access to health services is attested by CNIL-ORG-AUTHSVC-01")}
    if not here:
        return {"applicable": False, "ok": False, "evidence": evidence, "reason": (
            "none of the declared staff accounts (%s) is a local account of this PC; accounts of a domain or of "
            "Entra ID (Windows Hello for Business) are not seen by this check" % ", ".join(declared))}
    if edition is not None and not edition.get("supported"):
        return {"applicable": True, "ok": False, "evidence": evidence, "reason": edition.get("reason")}
    problems = []
    if missing:
        problems.append(
            "no attestation of a strong Windows logon method for: %s. Windows local logon has no one-time code the "
            "toolkit can set up: set up for them a CPE card logon, a credential provider (privacyIDEA, multiOTP, ...) "
            "or Windows Hello for Business, check it at logon, then declare it in %s (host_vars/<pc>.yml for this PC, "
            "group_vars/cnil_windows for every Windows PC): accounts, method (%s), statement, attested_by, "
            "attested_on" % (", ".join(missing), staff.VARIABLE, " | ".join(staff.METHODS)))
    if expired:
        problems.append(
            "attestation out of date for: %s. Check the method at logon again, then update attested_on and "
            "attested_by in %s" % (", ".join("%s (review was due on %s)" % item for item in sorted(expired.items())),
                                   staff.VARIABLE))
    return {"applicable": True, "ok": not problems, "evidence": evidence, "reason": "; ".join(problems) or None}


class FilterModule:
    def filters(self):
        return {
            "cnil_win_edition": cnil_win_edition,
            "cnil_win_release": cnil_win_release,
            "cnil_win_secedit_parse": cnil_win_secedit_parse,
            "cnil_win_password_policy": cnil_win_password_policy,
            "cnil_win_password_age": cnil_win_password_age,
            "cnil_win_lockout": cnil_win_lockout,
            "cnil_win_product_state": cnil_win_product_state,
            "cnil_win_signature_age": cnil_win_signature_age,
            "cnil_win_antivirus": cnil_win_antivirus,
            "cnil_win_bitlocker_plan": cnil_win_bitlocker_plan,
            "cnil_win_bitlocker_status": cnil_win_bitlocker_status,
            "cnil_win_escrow_ids": cnil_win_escrow_ids,
            "cnil_win_escrow_merge": cnil_win_escrow_merge,
            "cnil_win_admin_members": cnil_win_admin_members,
            "cnil_win_escrow_confirms": cnil_win_escrow_confirms,
            "cnil_win_bitlocker_plans_agree": cnil_win_bitlocker_plans_agree,
            "cnil_win_registry_check": cnil_win_registry_check,
            "cnil_win_removable_policy": cnil_win_removable_policy,
            "cnil_win_firewall": cnil_win_firewall,
            "cnil_win_unknown_accounts": cnil_win_unknown_accounts,
            "cnil_win_staff_auth": cnil_win_staff_auth,
            "cnil_win_os_support": cnil_win_os_support,
            "cnil_win_policy_bypass": cnil_win_policy_bypass,
        }
