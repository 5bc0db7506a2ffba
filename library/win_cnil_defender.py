#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
# Documentation of the PowerShell module win_cnil_defender.ps1 (as Ansible's Windows modules do).

DOCUMENTATION = r"""
---
module: win_cnil_defender
short_description: Microsoft Defender and Security Center antivirus facts (read-only)
description:
  - Reads C(Get-MpComputerStatus) (C(AMServiceEnabled), C(AntivirusEnabled), C(RealTimeProtectionEnabled),
    C(AMRunningMode), C(AntivirusSignatureAge), C(AntivirusSignatureLastUpdated), ...), the update
    preference (C(Get-MpPreference) C(SignatureUpdateInterval)), the policy values that can switch
    Defender off, and the antivirus products registered in Windows Security Center
    (C(root/SecurityCenter2) C(AntiVirusProduct) with C(displayName), C(productState)).
  - Changes nothing; runs in check mode; never reports a change.
  - What the values mean is decided on the controller by the C(cnil_win_antivirus),
    C(cnil_win_product_state) and C(cnil_win_signature_age) filters (plugins/filter/cnil_windows.py),
    unit-tested there. Dates are ISO 8601 UTC; enums are their names (never localized text).
  - Never run on a real Windows host by the project's CI (no Windows host there); see molecule/windows.
options: {}
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-AV-01 | read Defender and Security Center
  win_cnil_defender:
  check_mode: false
  register: cnil_av_win_facts

- name: CNIL-AV-01 | judge them
  ansible.builtin.set_fact:
    cnil_av_win_status: "{{ cnil_av_win_facts.defender | cnil_win_antivirus(cnil_av_win_facts.products, 3) }}"
"""

RETURN = r"""
defender:
  description: Selected fields of Get-MpComputerStatus, or null when it is not available (see defender_error).
  returned: always
  type: dict
  sample: {AMServiceEnabled: true, AntivirusEnabled: true, RealTimeProtectionEnabled: true, AMRunningMode: Normal,
           AntivirusSignatureAge: 0, AntivirusSignatureLastUpdated: "2026-11-29T06:12:03.0000000Z"}
defender_error:
  description: Why Defender's status could not be read (Defender removed or passive, cmdlet missing).
  returned: always
  type: str
preferences:
  description: SignatureUpdateInterval and DisableRealtimeMonitoring from Get-MpPreference.
  returned: when Defender's cmdlets exist
  type: dict
products:
  description: Antivirus products registered in Windows Security Center (raw productState; decode with cnil_win_product_state).
  returned: always
  type: list
  elements: dict
  sample: [{displayName: Windows Defender, productState: 397568}]
security_center_error:
  description: Why SecurityCenter2 could not be read (it exists on client editions only).
  returned: always
  type: str
policy:
  description: Policy values under HKLM\SOFTWARE\Policies\Microsoft\Windows Defender that can turn it off.
  returned: always
  type: dict
edition:
  description: EditionID and CurrentBuild.
  returned: always
  type: dict
"""
