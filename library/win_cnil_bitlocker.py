#!/usr/bin/python
# -*- coding: utf-8 -*-
# cnil-cabinet — GPL-3.0-or-later
# Documentation of the PowerShell module win_cnil_bitlocker.ps1 (as Ansible's Windows modules do).

DOCUMENTATION = r"""
---
module: win_cnil_bitlocker
short_description: BitLocker status and enforcement of the OS volume, with the recovery password escrowed first
description:
  - Reports every volume as C(Get-BitLockerVolume) sees it (status, protection, encryption method and
    percentage, protector types and IDs; never a recovery password in this part), whether protection is
    suspended, whether Windows started device encryption by itself without protectors (clear key), the
    TPM state, the number of Microsoft accounts on the PC (a recovery key may then be in a personal
    Microsoft account; the C(cnil_win_bitlocker_status) filter reports it as a finding), and the plan
    for each volume.
  - Enforces the OS volume only, in two calls. First call (I(escrow_confirmed=false)) adds the missing
    protectors, a recovery password when none of the volume's recovery passwords is in
    I(escrowed_protector_ids), then a TPM protector. A newly created recovery password is returned in
    C(new_recovery_passwords) only; register the task with C(no_log), write it to the cabinet's vaulted
    escrow file, read it back. Second call (I(escrow_confirmed=true) and the protector ID in
    I(escrowed_protector_ids)) encrypts the volume (Win32_EncryptableVolume Encrypt, with the protectors in
    place) or resumes protection (C(Resume-BitLocker)).
  - Never decrypts (a volume being decrypted is encrypted again), never removes a protector, never turns
    protection on before the escrow is confirmed. Fixed data volumes are reported, not enforced.
  - Check mode changes nothing and C(changed) says whether a real run would add a protector or turn
    protection on; diff shows the state and protector types before and after.
  - Windows Home (no BitLocker management) - nothing is done, C(edition.supported) is false.
  - Its decisions mirror the C(cnil_win_bitlocker_plan) filter (plugins/filter/cnil_windows.py),
    unit-tested on recorded-like Get-BitLockerVolume data. Never run on a real Windows host by the
    project's CI; see molecule/windows.
options:
  escrow_confirmed:
    description:
      - The caller has written the recovery password to the cabinet's escrow and read it back. Without it
        protection is never turned on.
    type: bool
    default: false
  escrowed_protector_ids:
    description:
      - Key protector IDs whose recovery password is in the cabinet's escrow (read from the escrow file,
        not secret). A volume whose recovery protectors are not listed gets a new recovery password.
    type: list
    elements: str
    default: []
  encryption_method:
    description: Method for a volume that is not encrypted yet (a Group Policy value, if set, must match).
    type: str
    choices: [xts_aes_128, xts_aes_256]
    default: xts_aes_256
  used_space_only:
    description: Encrypt only the used space of a volume that is not encrypted yet (data-only mode).
    type: bool
    default: true
notes:
  - Needs an administrator session, the BitLocker and TrustedPlatformModule PowerShell modules.
  - Encryption runs in the background after the call; the volume reports C(encrypting) until it is done.
author: cnil-cabinet
"""

EXAMPLES = r"""
- name: CNIL-ENC-01 | BitLocker protectors (recovery password, TPM)
  win_cnil_bitlocker:
    escrowed_protector_ids: "{{ cnil_enc_win_escrowed_ids }}"
  register: cnil_enc_win_bitlocker
  no_log: true

- name: CNIL-ENC-01 | turn protection on once the recovery password is escrowed
  win_cnil_bitlocker:
    escrow_confirmed: true
    escrowed_protector_ids: "{{ cnil_enc_win_escrowed_ids_after }}"
  register: cnil_enc_win_bitlocker_on
  no_log: true
"""

RETURN = r"""
edition:
  description: EditionID, family (home, pro, enterprise, education, server, unknown) and whether it is supported.
  returned: always
  type: dict
bitlocker_available:
  description: The BitLocker cmdlets exist on this PC.
  returned: always
  type: bool
tpm:
  description: TPM present and ready (Get-Tpm), or the error that prevented reading it.
  returned: always
  type: dict
microsoft_accounts:
  description: Number of local users whose principal source is a Microsoft account.
  returned: always
  type: int
prevent_device_encryption:
  description: HKLM\SYSTEM\CurrentControlSet\Control\BitLocker PreventDeviceEncryption, when set.
  returned: always
  type: int
volumes_before:
  description: The volumes as read before any change (the plan is computed from them).
  returned: always
  type: list
  elements: dict
volumes:
  description: The volumes after the call (MountPoint, VolumeType, DriveType fixed/removable/other,
    VolumeStatus, ProtectionStatus, LockStatus, EncryptionMethod, EncryptionPercentage, AutoUnlockEnabled,
    KeyProtector with KeyProtectorId and KeyProtectorType only).
  returned: always
  type: list
  elements: dict
plans:
  description: Per volume, state, protectors to add, action (none, encrypt, resume), whether the action was
    allowed, and why it was blocked.
  returned: always
  type: list
  elements: dict
enable_pending:
  description: Mount points whose protection waits for the escrow confirmation (call again with escrow_confirmed).
  returned: always
  type: list
  elements: str
new_recovery_passwords:
  description:
    - Recovery passwords created by this call (mount_point, protector_id, recovery_password). SECRET,
      register the task with no_log and store them only in the vaulted escrow file. Empty in check mode.
  returned: always
  type: list
  elements: dict
"""
