#!powershell
# cnil-cabinet — GPL-3.0-or-later
# Read-only facts for CNIL-PWD-01/02/03 and CNIL-ACC-01: the effective local security policy
# (secedit export, [System Access]), the edition and build, and optionally the local accounts and the
# sign-in settings the password policy does not govern (Windows Hello PIN).
# Nothing here depends on the display language: registry values, the secedit INF keys, SIDs.
# The INF parsing is mirrored by cnil_win_secedit_parse in plugins/filter/cnil_windows.py (unit-tested).

#AnsibleRequires -CSharpUtil Ansible.Basic

$spec = @{
    options = @{
        security_policy = @{ type = 'bool'; default = $true }
        accounts = @{ type = 'bool'; default = $false }
        sign_in = @{ type = 'bool'; default = $false }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$module.Result.changed = $false

function ConvertFrom-CnilInf {
    # Mirror of cnil_win_secedit_parse: sections, "key = value", integers as numbers, quotes removed.
    param([string[]]$Lines)
    $sections = @{}
    $current = $null
    foreach ($raw in $Lines) {
        $line = $raw.Trim()
        if ($line -eq '' -or $line.StartsWith(';')) {
            continue
        }
        if ($line.StartsWith('[') -and $line.EndsWith(']')) {
            $current = $line.Substring(1, $line.Length - 2).Trim()
            if (-not $sections.ContainsKey($current)) {
                $sections[$current] = @{}
            }
            continue
        }
        if ($null -eq $current -or $line.IndexOf('=') -lt 0) {
            continue
        }
        $index = $line.IndexOf('=')
        $key = $line.Substring(0, $index).Trim()
        $value = $line.Substring($index + 1).Trim()
        if ($value -match '^-?\d+$') {
            $value = [int64]$value
        }
        elseif ($value.Length -ge 2 -and $value.StartsWith('"') -and $value.EndsWith('"')) {
            $value = $value.Substring(1, $value.Length - 2)
        }
        $sections[$current][$key] = $value
    }
    return $sections
}

function Get-CnilEdition {
    $cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
    $names = @('EditionID', 'CompositionEditionID', 'ProductName', 'InstallationType', 'CurrentBuild',
        'CurrentBuildNumber', 'UBR', 'DisplayVersion', 'ReleaseId')
    $edition = @{}
    foreach ($name in $names) {
        $property = $cv.PSObject.Properties[$name]
        if ($null -ne $property) {
            $edition[$name] = $property.Value
        }
        else {
            $edition[$name] = $null
        }
    }
    return @{
        edition_id = $edition.EditionID
        composition_edition_id = $edition.CompositionEditionID
        product_name = $edition.ProductName
        installation_type = $edition.InstallationType
        current_build = $edition.CurrentBuild
        current_build_number = $edition.CurrentBuildNumber
        ubr = $edition.UBR
        display_version = $edition.DisplayVersion
        release_id = $edition.ReleaseId
    }
}

function Export-CnilSecurityPolicy {
    # secedit keeps the encoding of an existing /cfg file: a UTF-16 LE file with BOM gives a UTF-16
    # export whatever the code page. Only the two temporary files are written, and both are deleted.
    $inf = [System.IO.Path]::GetTempFileName()
    $log = [System.IO.Path]::GetTempFileName()
    try {
        Set-Content -LiteralPath $inf -Value '' -Encoding Unicode
        $output = & secedit.exe /export /cfg $inf /areas SECURITYPOLICY /log $log /quiet 2>&1 | Out-String
        $rc = $LASTEXITCODE
        if ($rc -ne 0 -or (Get-Item -LiteralPath $inf).Length -eq 0) {
            $module.Result.secedit_rc = $rc
            $module.Result.secedit_output = $output
            $module.FailJson("secedit /export /areas SECURITYPOLICY failed (exit $rc)")
        }
        $lines = Get-Content -LiteralPath $inf -Encoding Unicode
        return ConvertFrom-CnilInf -Lines $lines
    }
    finally {
        Remove-Item -LiteralPath $inf -Force -ErrorAction SilentlyContinue
        Remove-Item -LiteralPath $log -Force -ErrorAction SilentlyContinue
    }
}

function Get-CnilAccount {
    # The Administrators group is found by its SID (S-1-5-32-544): "Administrateurs" on a French Windows.
    $adminSid = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList 'S-1-5-32-544'
    $adminName = $adminSid.Translate([System.Security.Principal.NTAccount]).Value.Split('\')[-1]
    $group = [ADSI]"WinNT://$env:COMPUTERNAME/$adminName,group"
    $members = @()
    foreach ($raw in @($group.Invoke('Members'))) {
        $entry = [ADSI]$raw
        $sidBytes = $entry.InvokeGet('objectSID')
        $sid = New-Object -TypeName System.Security.Principal.SecurityIdentifier -ArgumentList $sidBytes, 0
        try {
            $name = $sid.Translate([System.Security.Principal.NTAccount]).Value
        }
        catch {
            $name = $sid.Value
        }
        $members += @{
            name = $name
            sid = $sid.Value
            local = $name.Split('\')[0] -eq $env:COMPUTERNAME
        }
    }
    $users = @()
    foreach ($user in @(Get-LocalUser)) {
        $lastSet = $null
        if ($null -ne $user.PasswordLastSet) {
            $lastSet = $user.PasswordLastSet.ToUniversalTime().ToString('o')
        }
        $users += @{
            name = $user.Name
            sid = $user.SID.Value
            enabled = [bool]$user.Enabled
            principal_source = [string]$user.PrincipalSource
            password_expires = ($null -ne $user.PasswordExpires)
            password_required = [bool]$user.PasswordRequired
            password_last_set = $lastSet
        }
    }
    # Automatic logon: the values that matter, never the content of DefaultPassword.
    $winlogon = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\Winlogon'
    $autoLogon = $winlogon.PSObject.Properties['AutoAdminLogon']
    $defaultUser = $winlogon.PSObject.Properties['DefaultUserName']
    $autoValue = $null
    if ($null -ne $autoLogon) {
        $autoValue = [string]$autoLogon.Value
    }
    $userValue = $null
    if ($null -ne $defaultUser) {
        $userValue = [string]$defaultUser.Value
    }
    return @{
        administrators = @{ sid = 'S-1-5-32-544'; name = $adminName; members = $members }
        users = $users
        autologon = @{
            auto_admin_logon = $autoValue
            default_user_name = $userValue
            default_password_set = ($null -ne $winlogon.PSObject.Properties['DefaultPassword'])
        }
    }
}

function Get-CnilRegistryValueSet {
    # The values of one registry key (name -> data), or $null when the key does not exist. The key's default
    # value is left out. Value names and data only, never display text.
    param([string]$Path)
    if (-not (Test-Path -LiteralPath $Path)) {
        return $null
    }
    $key = Get-Item -LiteralPath $Path
    $values = @{}
    foreach ($name in $key.GetValueNames()) {
        if ($name -ne '') {
            $values[$name] = $key.GetValue($name)
        }
    }
    return $values
}

function Get-CnilSignIn {
    # Sign-ins the local password policy does not govern (CNIL-PWD-01), read from the registry only: whether the
    # Windows Hello PIN credential provider is excluded by policy ("Exclude credential providers"), the Windows
    # Hello for Business policy (PassportForWork, its PINComplexity), the "Windows Hello sign-in only for Microsoft
    # accounts" switch, and the PIN provider's per-account keys (named by SID; LogonCredsAvailable 1 when that
    # account has a PIN [U]). The decision is cnil_win_policy_bypass in plugins/filter/cnil_windows.py.
    $pinProvider = '{D6886603-9D2F-4EB2-B667-1971041FA96B}'
    $system = Get-CnilRegistryValueSet -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System'
    $excluded = $null
    if ($null -ne $system -and $system.ContainsKey('ExcludedCredentialProviders')) {
        $excluded = $system['ExcludedCredentialProviders']
    }
    $device = Get-CnilRegistryValueSet -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion\PasswordLess\Device'
    $passwordless = $null
    if ($null -ne $device -and $device.ContainsKey('DevicePasswordLessBuildVersion')) {
        $passwordless = $device['DevicePasswordLessBuildVersion']
    }
    $passport = Get-CnilRegistryValueSet -Path 'HKLM:\SOFTWARE\Policies\Microsoft\PassportForWork'
    $pinComplexity = Get-CnilRegistryValueSet -Path 'HKLM:\SOFTWARE\Policies\Microsoft\PassportForWork\PINComplexity'
    $accounts = @()
    $accountsError = $null
    $providerPath = "HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Authentication\Credential Providers\$pinProvider"
    try {
        if (Test-Path -LiteralPath $providerPath) {
            foreach ($child in @(Get-ChildItem -LiteralPath $providerPath -ErrorAction Stop)) {
                $values = Get-CnilRegistryValueSet -Path $child.PSPath
                $available = $null
                if ($null -ne $values -and $values.ContainsKey('LogonCredsAvailable')) {
                    $available = $values['LogonCredsAvailable']
                }
                $accounts += @{ sid = $child.PSChildName; logon_creds_available = $available }
            }
        }
    }
    catch {
        $accounts = $null
        $accountsError = $_.Exception.Message
    }
    return @{
        pin_credential_provider = $pinProvider
        excluded_credential_providers = $excluded
        passport_for_work = $passport
        pin_complexity = $pinComplexity
        device_passwordless_build_version = $passwordless
        pin_provider_accounts = $accounts
        pin_provider_accounts_error = $accountsError
    }
}

$module.Result.edition = Get-CnilEdition

if ($module.Params.security_policy) {
    $inf = Export-CnilSecurityPolicy
    $systemAccess = @{}
    if ($inf.ContainsKey('System Access')) {
        $systemAccess = $inf['System Access']
    }
    $module.Result.system_access = $systemAccess
    $module.Result.sections = @($inf.Keys | Sort-Object)
}

if ($module.Params.accounts) {
    $module.Result.accounts = Get-CnilAccount
}

if ($module.Params.sign_in) {
    $module.Result.sign_in = Get-CnilSignIn
}

$module.ExitJson()
