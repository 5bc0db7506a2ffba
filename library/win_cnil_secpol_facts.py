#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
# Documentation of the PowerShell module win_cnil_secpol_facts.ps1 (as Ansible's Windows modules do).

DOCUMENTATION = r"""
---
module: win_cnil_secpol_facts
short_description: Effective local security policy, edition, build, accounts and sign-in settings of a Windows PC (read-only)
description:
  - Exports the local security policy with C(secedit /export /cfg <temp> /areas SECURITYPOLICY), parses
    the INF (UTF-16 LE) and returns its C([System Access]) section (C(MinimumPasswordLength),
    C(PasswordComplexity), C(MaximumPasswordAge), C(LockoutBadCount), C(LockoutDuration),
    C(ResetLockoutCount), C(ClearTextPassword), C(EnableGuestAccount), ...). The temporary INF and log
    files are deleted; nothing else is written, so the module runs in check mode and never reports a change.
  - The values are the effective ones, whatever set them (local policy or a GPO), which is what the
    audit must show (catalog §5 note 9).
  - Returns the edition and build from C(HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion)
    (C(EditionID), C(CurrentBuild), C(UBR), C(DisplayVersion)), never a localized name. Roles map them
    with the C(cnil_win_edition) and C(cnil_win_release) filters; Windows Home reports
    C(unsupported edition).
  - With I(accounts), also the members of the Administrators group found by its SID C(S-1-5-32-544)
    (C(Administrateurs) on a French Windows), the local users and the automatic-logon values
    (whether C(DefaultPassword) exists, never its content).
  - >-
    With I(sign_in), also the sign-in settings the local password policy does not govern (CNIL-PWD-01), from the
    registry only: C(ExcludedCredentialProviders) of C(HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System)
    (the "Exclude credential providers" policy; the Windows Hello PIN provider is
    C({D6886603-9D2F-4EB2-B667-1971041FA96B})), the values of C(HKLM\SOFTWARE\Policies\Microsoft\PassportForWork)
    and its C(PINComplexity) subkey (Windows Hello for Business policy), C(DevicePasswordLessBuildVersion) of
    C(HKLM\SOFTWARE\Microsoft\Windows NT\CurrentVersion\PasswordLess\Device) (2 when Windows Hello sign-in is
    required for Microsoft accounts), and the PIN provider's per-account subkeys of
    C(HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers) (named by SID, with
    C(LogonCredsAvailable)). The C(cnil_win_policy_bypass) filter decides what they mean.
  - The INF parsing is mirrored by the C(cnil_win_secedit_parse) filter, unit-tested on a UTF-16 LE export.
  - Never run on a real Windows host by the project's CI (no Windows host there); see molecule/windows.
options:
  security_policy:
    description: Export and parse the local security policy.
    type: bool
    default: true
  accounts:
    description: Also read the Administrators group, the local users and the automatic-logon values.
    type: bool
    default: false
  sign_in:
    description: Also read the Windows Hello PIN and Windows Hello for Business policy values (registry, read-only).
    type: bool
    default: false
notes:
  - Needs an administrator session (secedit /export of SECURITYPOLICY).
seealso:
  - module: community.windows.win_security_policy
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-PWD-01 | read the effective password policy
  win_cnil_secpol_facts:
  check_mode: false
  register: cnil_pwd_win_secpol

- name: CNIL-PWD-01 | read the local users and the Windows Hello sign-in settings too
  win_cnil_secpol_facts:
    accounts: true
    sign_in: true
  check_mode: false
  changed_when: false
  register: cnil_pwd_win_secpol

- name: CNIL-ACC-01 | read administrators and local users
  win_cnil_secpol_facts:
    security_policy: false
    accounts: true
  check_mode: false
  register: cnil_acc_win_facts
"""

RETURN = r"""
edition:
  description: Edition and build, from the registry.
  returned: always
  type: dict
  sample: {edition_id: Professional, current_build: "26100", ubr: 2314, display_version: 24H2, installation_type: Client}
system_access:
  description: The C([System Access]) section of the export; integers as numbers, quoted strings unquoted.
  returned: when security_policy
  type: dict
  sample: {MinimumPasswordLength: 14, PasswordComplexity: 1, MaximumPasswordAge: 365, LockoutBadCount: 10,
           LockoutDuration: 15, ResetLockoutCount: 15, ClearTextPassword: 0, EnableGuestAccount: 0}
sections:
  description: Names of the sections found in the export.
  returned: when security_policy
  type: list
  elements: str
accounts:
  description: Administrators group (sid, name, members with name, sid, local), local users (name, sid,
    enabled, principal_source, password_expires, password_required, password_last_set) and autologon
    (auto_admin_logon, default_user_name, default_password_set).
  returned: when accounts
  type: dict
sign_in:
  description: Sign-in settings the local password policy does not govern, read from the registry.
  returned: when sign_in
  type: dict
  contains:
    pin_credential_provider:
      description: CLSID of the Windows Hello PIN credential provider.
      returned: always
      type: str
      sample: "{D6886603-9D2F-4EB2-B667-1971041FA96B}"
    excluded_credential_providers:
      description: The ExcludedCredentialProviders policy value (comma-separated CLSIDs), null when not set.
      returned: always
      type: str
    passport_for_work:
      description: Values of HKLM\SOFTWARE\Policies\Microsoft\PassportForWork (C(Enabled), ...), null when the key is absent.
      returned: always
      type: dict
    pin_complexity:
      description: Values of its PINComplexity subkey, null when absent.
      returned: always
      type: dict
    device_passwordless_build_version:
      description: DevicePasswordLessBuildVersion (2 when Windows Hello sign-in is required for Microsoft accounts), null when absent.
      returned: always
      type: int
    pin_provider_accounts:
      description: The PIN provider's per-account subkeys (sid, logon_creds_available); null when they could not be read.
      returned: always
      type: list
      elements: dict
    pin_provider_accounts_error:
      description: Why the per-account subkeys could not be read, else null.
      returned: always
      type: str
"""
