#!powershell
# cnil-cabinet — GPL-3.0-or-later
# CNIL-ENC-01: BitLocker status and enforcement for the OS volume, in two calls.
#   1st call (escrow_confirmed: false): add the missing recovery-password and TPM protectors and return a
#      newly created recovery password in new_recovery_passwords (the caller registers with no_log and
#      writes it to the cabinet's vaulted escrow file). Protection is never turned on here: added
#      protectors stay disabled on a suspended or clear-key volume (Win32_EncryptableVolume
#      DisableKeyProtectors remarks), and a decrypted volume is not encrypted.
#   2nd call (escrow_confirmed: true, escrowed_protector_ids read back from the escrow file): encrypt
#      or resume protection, only for a volume whose recovery protector ID is in escrowed_protector_ids.
# Never decrypts, never removes a protector, never prints a recovery password except in
# new_recovery_passwords. Data volumes are reported, not enforced.
# The decisions mirror plugins/filter/cnil_windows.py (protector_type, volume_state,
# cnil_win_bitlocker_plan), unit-tested there; the tables below are compared with the Python ones.

#AnsibleRequires -CSharpUtil Ansible.Basic

$spec = @{
    options = @{
        escrow_confirmed = @{ type = 'bool'; default = $false }
        escrowed_protector_ids = @{ type = 'list'; elements = 'str'; default = @() }
        encryption_method = @{ type = 'str'; default = 'xts_aes_256'; choices = @('xts_aes_128', 'xts_aes_256') }
        used_space_only = @{ type = 'bool'; default = $true }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$module.Result.changed = $false
$module.Result.new_recovery_passwords = @()

# --- Tables shared with cnil_windows.py (tests/unit/test_cnil_windows.py compares them) ---------------
$CnilProtectorCodes = @{ 0 = 'Unknown'; 1 = 'Tpm'; 2 = 'ExternalKey'; 3 = 'RecoveryPassword'; 4 = 'TpmPin';
    5 = 'TpmStartupKey'; 6 = 'TpmPinStartupKey'; 7 = 'PublicKey'; 8 = 'Password'; 9 = 'TpmNetworkKey';
    10 = 'AdAccountOrGroup' }
$CnilTpmProtectors = @('Tpm', 'TpmPin', 'TpmStartupKey', 'TpmPinStartupKey', 'TpmNetworkKey')
$CnilRecoveryProtector = 'RecoveryPassword'
$CnilStateActions = @{ protected = 'none'; encrypting = 'none'; unknown = 'none'; suspended = 'resume';
    auto_encrypted_no_protector = 'resume'; encryption_paused = 'encrypt'; decrypting = 'encrypt';
    not_encrypted = 'encrypt' }
$CnilSupportedFamilies = @('pro', 'enterprise', 'education')
$CnilMethodCodes = @{ xts_aes_128 = 6; xts_aes_256 = 7 }

# --- Mirrors of the Python decisions ----------------------------------------------------------------
function Get-CnilEditionFamily {
    # Mirror of edition_family.
    param([string]$EditionId)
    $low = ([string]$EditionId).Trim().ToLowerInvariant()
    if ($low -eq '') { return 'unknown' }
    if ($low.StartsWith('core')) { return 'home' }
    if ($low.Contains('education')) { return 'education' }
    if ($low.StartsWith('professional')) { return 'pro' }
    if ($low.StartsWith('enterprise') -or $low.StartsWith('iotenterprise')) { return 'enterprise' }
    if ($low.StartsWith('server')) { return 'server' }
    return 'unknown'
}

function Get-CnilProtectorType {
    # Mirror of protector_type: codes, NumericalPassword and names in any case give one name.
    param($Value)
    $text = ([string]$Value).Trim()
    if ($text -match '^\d+$') {
        $code = [int]$text
        if ($CnilProtectorCodes.ContainsKey($code)) { return $CnilProtectorCodes[$code] }
        return 'Unknown'
    }
    if ($text -eq 'NumericalPassword' -or $text -eq 'NumericPassword') { return $CnilRecoveryProtector }
    foreach ($name in $CnilProtectorCodes.Values) {
        if ($name -eq $text) { return $name }
    }
    if ($text -eq '') { return 'Unknown' }
    return $text
}

function Get-CnilVolumeState {
    # Mirror of volume_state. $Volume: hashtable with the Get-BitLockerVolume property names.
    param($Volume)
    $status = [string]$Volume.VolumeStatus
    $protection = [string]$Volume.ProtectionStatus
    $count = @($Volume.KeyProtector | Where-Object { $null -ne $_ }).Count
    if ($status -eq 'FullyEncrypted' -and $protection -eq 'On') { return 'protected' }
    if (($status -eq 'FullyEncrypted' -or $status -eq 'EncryptionInProgress') -and $protection -eq 'Off' -and $count -eq 0) {
        return 'auto_encrypted_no_protector'
    }
    if ($status -eq 'FullyEncrypted' -and $protection -eq 'Off') { return 'suspended' }
    if ($status -eq 'EncryptionInProgress') { return 'encrypting' }
    if ($status -eq 'EncryptionPaused') { return 'encryption_paused' }
    if ($status -eq 'DecryptionInProgress' -or $status -eq 'DecryptionPaused') { return 'decrypting' }
    if ($status -eq 'FullyDecrypted') { return 'not_encrypted' }
    return 'unknown'
}

function Get-CnilBitLockerPlan {
    # Mirror of cnil_win_bitlocker_plan.
    param($Volume, [bool]$TpmReady, [string[]]$EscrowedIds, [bool]$EscrowConfirmed, [bool]$EditionSupported)
    $escrowed = @($EscrowedIds | ForEach-Object { ([string]$_).ToLowerInvariant() })
    $state = Get-CnilVolumeState -Volume $Volume
    $osVolume = ([string]$Volume.VolumeType) -eq 'OperatingSystem'
    $plan = @{ mount_point = $Volume.MountPoint; state = $state; os_volume = $osVolume; add = @();
        action = 'none'; action_allowed = $false; blocked = $null }
    if (-not $EditionSupported) {
        $plan.blocked = 'unsupported edition'
        return $plan
    }
    if (-not $osVolume) {
        $plan.blocked = 'data volume: reported, not enforced'
        return $plan
    }
    $hasTpm = $false
    $recoveryIds = @()
    foreach ($protector in @($Volume.KeyProtector | Where-Object { $null -ne $_ })) {
        $type = Get-CnilProtectorType -Value $protector.KeyProtectorType
        if ($CnilTpmProtectors -contains $type) { $hasTpm = $true }
        if ($type -eq $CnilRecoveryProtector) { $recoveryIds += ([string]$protector.KeyProtectorId).ToLowerInvariant() }
    }
    if (-not $hasTpm -and -not $TpmReady) {
        $plan.blocked = 'no TPM ready on this PC: BitLocker cannot protect the OS volume without a startup secret'
        return $plan
    }
    $recoveryEscrowed = @($recoveryIds | Where-Object { $escrowed -contains $_ }).Count -gt 0
    if (-not $recoveryEscrowed) { $plan.add += $CnilRecoveryProtector }
    if (-not $hasTpm) { $plan.add += 'Tpm' }
    $plan.action = $CnilStateActions[$state]
    if ($plan.action -ne 'none') {
        if ($EscrowConfirmed -and $recoveryEscrowed) {
            $plan.action_allowed = $true
        }
        else {
            $plan.blocked = 'waiting for the recovery password escrow (second call with escrow_confirmed)'
        }
    }
    elseif ($state -eq 'unknown') {
        $plan.blocked = 'volume state unknown (locked volume?)'
    }
    return $plan
}

# --- Reading the host (types and IDs of protectors only, never a recovery password) -----------------
function Get-CnilDriveType {
    param([string]$MountPoint)
    if ($MountPoint -notmatch '^[A-Za-z]:$') { return 'other' }
    $volume = Get-CimInstance -ClassName Win32_Volume -Filter ("DriveLetter = '{0}'" -f $MountPoint) -ErrorAction SilentlyContinue
    if ($null -eq $volume) { return 'other' }
    switch ([int]$volume.DriveType) {
        2 { return 'removable' }
        3 { return 'fixed' }
        default { return 'other' }
    }
}

function Get-CnilVolume {
    $out = @()
    foreach ($volume in @(Get-BitLockerVolume -ErrorAction Stop)) {
        $protectors = @()
        foreach ($protector in @($volume.KeyProtector)) {
            $protectors += @{
                KeyProtectorId = [string]$protector.KeyProtectorId
                KeyProtectorType = [string]$protector.KeyProtectorType
            }
        }
        $out += @{
            MountPoint = [string]$volume.MountPoint
            VolumeType = [string]$volume.VolumeType
            DriveType = Get-CnilDriveType -MountPoint $volume.MountPoint
            VolumeStatus = [string]$volume.VolumeStatus
            ProtectionStatus = [string]$volume.ProtectionStatus
            LockStatus = [string]$volume.LockStatus
            EncryptionMethod = [string]$volume.EncryptionMethod
            EncryptionPercentage = [double]$volume.EncryptionPercentage
            AutoUnlockEnabled = $volume.AutoUnlockEnabled
            KeyProtector = $protectors
        }
    }
    return $out
}

function Get-CnilTpm {
    try {
        $tpm = Get-Tpm -ErrorAction Stop
        return @{ present = [bool]$tpm.TpmPresent; ready = [bool]$tpm.TpmReady; error = $null }
    }
    catch {
        return @{ present = $false; ready = $false; error = $_.Exception.Message }
    }
}

function Get-CnilRecoveryPassword {
    # The only place a recovery password is read: the protector this run has just created.
    param([string]$MountPoint, [string]$ProtectorId)
    $volume = Get-BitLockerVolume -MountPoint $MountPoint -ErrorAction Stop
    foreach ($protector in @($volume.KeyProtector)) {
        if ([string]$protector.KeyProtectorId -eq $ProtectorId) { return [string]$protector.RecoveryPassword }
    }
    return $null
}

function Get-CnilDiffState {
    param($Volumes)
    $out = @{}
    foreach ($volume in $Volumes) {
        $types = @($volume.KeyProtector | ForEach-Object { Get-CnilProtectorType -Value $_.KeyProtectorType } | Sort-Object)
        $out[$volume.MountPoint] = @{ state = Get-CnilVolumeState -Volume $volume; protectors = $types }
    }
    return $out
}

# --- Facts --------------------------------------------------------------------------------------------
$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$family = Get-CnilEditionFamily -EditionId $cv.EditionID
$editionSupported = $CnilSupportedFamilies -contains $family
$module.Result.edition = @{ edition_id = $cv.EditionID; family = $family; supported = $editionSupported }

$msa = @(Get-LocalUser -ErrorAction SilentlyContinue | Where-Object { [string]$_.PrincipalSource -eq 'MicrosoftAccount' })
$module.Result.microsoft_accounts = $msa.Count

$fveKey = 'HKLM:\SYSTEM\CurrentControlSet\Control\BitLocker'
$module.Result.prevent_device_encryption = $null
if (Test-Path -LiteralPath $fveKey) {
    $prevent = (Get-ItemProperty -LiteralPath $fveKey).PSObject.Properties['PreventDeviceEncryption']
    if ($null -ne $prevent) { $module.Result.prevent_device_encryption = $prevent.Value }
}

$module.Result.bitlocker_available = [bool](Get-Command -Name Get-BitLockerVolume -ErrorAction SilentlyContinue)
$module.Result.tpm = Get-CnilTpm
$module.Result.volumes_before = @()
$module.Result.volumes = @()
$module.Result.plans = @()
$module.Result.enable_pending = @()
if (-not $module.Result.bitlocker_available) {
    # Windows Home: no BitLocker cmdlets. Nothing to read, nothing to change: the controller reports
    # "unsupported edition" (or "BitLocker not available" on another edition).
    $module.ExitJson()
}

$before = Get-CnilVolume
$module.Result.volumes_before = $before
$escrowedIds = @($module.Params.escrowed_protector_ids)
$plans = @()
foreach ($volume in $before) {
    $plans += Get-CnilBitLockerPlan -Volume $volume -TpmReady $module.Result.tpm.ready -EscrowedIds $escrowedIds `
        -EscrowConfirmed $module.Params.escrow_confirmed -EditionSupported $editionSupported
}
$module.Result.plans = $plans

# --- Acting (or, in check mode, saying exactly what would be done) ------------------------------------
foreach ($plan in $plans) {
    $mountPoint = $plan.mount_point
    foreach ($add in $plan.add) {
        $module.Result.changed = $true
        if ($module.CheckMode) { continue }
        $known = @((Get-BitLockerVolume -MountPoint $mountPoint).KeyProtector | ForEach-Object { [string]$_.KeyProtectorId })
        try {
            if ($add -eq $CnilRecoveryProtector) {
                # The cmdlet prints the new password in a warning: silenced, it is returned below only.
                Add-BitLockerKeyProtector -MountPoint $mountPoint -RecoveryPasswordProtector -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
            }
            else {
                Add-BitLockerKeyProtector -MountPoint $mountPoint -TpmProtector -WarningAction SilentlyContinue -ErrorAction Stop | Out-Null
            }
        }
        catch {
            $module.FailJson("CNIL-ENC-01: adding the $add protector to $mountPoint failed: $($_.Exception.Message)", $_)
        }
        if ($add -eq $CnilRecoveryProtector) {
            foreach ($protector in @((Get-BitLockerVolume -MountPoint $mountPoint).KeyProtector)) {
                $id = [string]$protector.KeyProtectorId
                if ((Get-CnilProtectorType -Value $protector.KeyProtectorType) -eq $CnilRecoveryProtector -and $known -notcontains $id) {
                    $module.Result.new_recovery_passwords += @{
                        mount_point = $mountPoint
                        protector_id = $id
                        recovery_password = Get-CnilRecoveryPassword -MountPoint $mountPoint -ProtectorId $id
                    }
                }
            }
        }
    }
    if ($plan.action -ne 'none' -and -not $plan.action_allowed -and $plan.blocked -like 'waiting*') {
        $module.Result.enable_pending += $mountPoint
    }
    if (-not $plan.action_allowed) { continue }
    $module.Result.changed = $true
    if ($module.CheckMode) { continue }
    if ($plan.action -eq 'resume') {
        try {
            Resume-BitLocker -MountPoint $mountPoint -ErrorAction Stop | Out-Null
        }
        catch {
            $module.FailJson("CNIL-ENC-01: resuming protection on $mountPoint failed: $($_.Exception.Message)", $_)
        }
    }
    else {
        # Encrypt with the protectors already in place (Win32_EncryptableVolume.Encrypt): it starts on a
        # decrypted volume, resumes a paused encryption and turns a decryption back into an encryption.
        # The method is given only for a decrypted volume (it must match an existing one otherwise).
        $method = 0
        $flags = 0
        if ($plan.state -eq 'not_encrypted') {
            $method = $CnilMethodCodes[$module.Params.encryption_method]
            if ($module.Params.used_space_only) { $flags = 1 }
        }
        $encryptable = Get-CimInstance -Namespace 'root/cimv2/Security/MicrosoftVolumeEncryption' -ClassName Win32_EncryptableVolume `
            -Filter ("DriveLetter = '{0}'" -f $mountPoint)
        $return = Invoke-CimMethod -InputObject $encryptable -MethodName Encrypt -Arguments @{
            EncryptionMethod = [uint32]$method
            EncryptionFlags = [uint32]$flags
        }
        if ($return.ReturnValue -ne 0) {
            $module.FailJson(("CNIL-ENC-01: Encrypt on {0} returned 0x{1:X8}" -f $mountPoint, [uint32]$return.ReturnValue))
        }
    }
}

if ($module.CheckMode) {
    $after = $before
}
else {
    $after = Get-CnilVolume
}
$module.Result.volumes = $after

if ($module.DiffMode) {
    $predicted = Get-CnilDiffState -Volumes $before
    foreach ($plan in $plans) {
        $entry = $predicted[$plan.mount_point]
        $entry.protectors = @(@($entry.protectors) + @($plan.add) | Sort-Object)
        if ($plan.action_allowed -and $plan.action -eq 'resume') { $entry.state = 'protected' }
        if ($plan.action_allowed -and $plan.action -eq 'encrypt') { $entry.state = 'encrypting' }
    }
    $module.Diff.before = Get-CnilDiffState -Volumes $before
    if ($module.CheckMode) {
        $module.Diff.after = $predicted
    }
    else {
        $module.Diff.after = Get-CnilDiffState -Volumes $after
    }
}

$module.ExitJson()
