#!powershell
# cnil-cabinet — GPL-3.0-or-later
# CNIL-BKP-01 on Windows: the PC's restic repository exists, initialised once, never re-initialised or wiped.
# Same contract as library/cnil_restic_repo.py on Linux: `restic cat config --no-lock`; `restic init` only when
# restic itself says that no repository exists at that location. Get-CnilResticErrorKind mirrors classify_error
# of module_utils/cnil_restic.py (tests/unit/test_cnil_bkp_windows.py compares the markers): a repository that
# exists but does not open with the password file is an error, never a reason to initialise.
# The repository, password file and ssh command come from the settings file the role writes (root-only), so a
# password in a REST URL is never a module argument; the password itself is only read by restic
# (RESTIC_PASSWORD_FILE). restic.exe runs only when its SHA-256 is the pinned one.

#AnsibleRequires -CSharpUtil Ansible.Basic
#Requires -Module Ansible.ModuleUtils.ArgvParser
#Requires -Module Ansible.ModuleUtils.CommandUtil
#Requires -Module Ansible.ModuleUtils.CnilRestic

$spec = @{
    options = @{
        settings = @{ type = 'path'; required = $true }
        restic_sha256 = @{ type = 'str'; required = $true }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$module.Result.changed = $false
$module.Result.state = 'unknown'
$module.Result.repository = $null

# --- Mirrors of module_utils/cnil_restic.py ------------------------------------------------------------
# (redact_url is Get-CnilLocation of module_utils/powershell/Ansible.ModuleUtils.CnilRestic.psm1, shared.)
$CnilUnreachableMarkers = @('subprocess ssh:', 'unable to start the sftp session', 'Could not resolve hostname',
    'Connection refused', 'Connection timed out', 'No route to host', 'Host key verification failed',
    'Permission denied', 'connection reset', 'i/o timeout', 'no such host', 'Network is unreachable', 'dial tcp')
$CnilSecretEnv = @('RESTIC_PASSWORD', 'RESTIC_PASSWORD_COMMAND')

function Get-CnilResticErrorKind {
    # Mirror of classify_error: absent | wrong_password | unreachable | locked | error (restic >= 0.17 exit
    # codes 10, 11, 12; older restic exits 1, so its messages are read too).
    param([int]$Rc, [string]$Stderr)
    $text = [string]$Stderr
    if ($Rc -eq 12 -or $text.Contains('wrong password or no key found')) { return 'wrong_password' }
    if ($Rc -eq 10 -or $text.Contains('Is there a repository at the following location?') -or $text.Contains('repository does not exist')) {
        return 'absent'
    }
    if ($Rc -eq 11 -or $text.Contains('repository is already locked')) { return 'locked' }
    $lower = $text.ToLowerInvariant()
    foreach ($marker in $CnilUnreachableMarkers) {
        if ($lower.Contains($marker.ToLowerInvariant())) { return 'unreachable' }
    }
    return 'error'
}

function Get-CnilShortMessage {
    # Mirror of short_message: restic's and ssh's useful lines, on one line.
    param([string]$Stderr)
    $lines = @(([string]$Stderr) -split '\r?\n' | ForEach-Object { $_.Trim() } | Where-Object { $_ -ne '' })
    $useful = @($lines | Where-Object { $_.StartsWith('Fatal:') -or $_.StartsWith('subprocess ssh:') -or $_.StartsWith('ssh:') -or $_.Contains('Host key') })
    if ($useful.Count -eq 0) { $useful = @($lines | Select-Object -Last 2) }
    $text = (@($useful | Select-Object -Unique)) -join ' | '
    if ($text.Length -gt 400) { $text = $text.Substring(0, 400) + '...' }
    return $text
}

# --- restic ---------------------------------------------------------------------------------------------
function Set-CnilResticEnvironment {
    # restic reads the repository and the password FILE from the environment; a password exported by someone's
    # session is removed first (restic would prefer it to the file).
    param($Settings)
    foreach ($name in $CnilSecretEnv) { [Environment]::SetEnvironmentVariable($name, $null, 'Process') }
    $credentials = [string]$Settings.credentials_file
    if ($credentials -and (Test-Path -LiteralPath $credentials -PathType Leaf)) {
        $values = Get-Content -LiteralPath $credentials -Raw -Encoding UTF8 | ConvertFrom-Json
        if ($null -ne $values) {
            foreach ($property in $values.PSObject.Properties) {
                if ($CnilSecretEnv -notcontains $property.Name) {
                    [Environment]::SetEnvironmentVariable($property.Name, [string]$property.Value, 'Process')
                }
            }
        }
    }
    [Environment]::SetEnvironmentVariable('RESTIC_REPOSITORY', [string]$Settings.repository, 'Process')
    [Environment]::SetEnvironmentVariable('RESTIC_PASSWORD_FILE', [string]$Settings.password_file, 'Process')
    if ([string]$Settings.cache_dir) {
        [Environment]::SetEnvironmentVariable('RESTIC_CACHE_DIR', [string]$Settings.cache_dir, 'Process')
    }
}

function Invoke-CnilRestic {
    param($Settings, [string[]]$Arguments)
    $argv = @([string]$Settings.restic)
    if ([string]$Settings.sftp_command) { $argv += @('-o', ('sftp.command=' + [string]$Settings.sftp_command)) }
    $argv += $Arguments
    return Run-Command -command (Argv-ToString -arguments $argv)
}

# --- Main -----------------------------------------------------------------------------------------------
$pinned = ([string]$module.Params.restic_sha256).Trim().ToLowerInvariant()
$missing = @()
$settings = $null
if (Test-Path -LiteralPath $module.Params.settings -PathType Leaf) {
    $settings = Get-Content -LiteralPath $module.Params.settings -Raw -Encoding UTF8 | ConvertFrom-Json
}
if ($null -eq $settings) {
    $missing += 'the settings file ' + $module.Params.settings
}
else {
    $module.Result.repository = Get-CnilLocation -Repository $settings.repository
    if (-not [string]$settings.repository) {
        $module.FailJson('win_cnil_restic_repo: no repository in the settings (cnil_bkp_repository is empty)')
    }
    $restic = [string]$settings.restic
    if (-not (Test-Path -LiteralPath $restic -PathType Leaf)) {
        $missing += "restic.exe ($restic)"
    }
    elseif ((Get-FileHash -LiteralPath $restic -Algorithm SHA256).Hash.ToLowerInvariant() -ne $pinned) {
        $missing += "restic.exe with the pinned SHA-256 cnil_bkp_win_restic_sha256 ($restic differs)"
    }
    if (-not (Test-Path -LiteralPath ([string]$settings.password_file) -PathType Leaf)) {
        $missing += 'the password file ' + [string]$settings.password_file
    }
}
if ($missing.Count -gt 0) {
    if ($module.CheckMode) {
        # Written by the tasks before this one in a real run.
        $module.Result.changed = $true
        $module.Result.msg = ($missing -join ' and ') + ' not there yet: a real run would write it, then find or initialise the repository'
        $module.ExitJson()
    }
    $module.FailJson('win_cnil_restic_repo: ' + ($missing -join ' and ') + ' missing')
}

Set-CnilResticEnvironment -Settings $settings
$location = $module.Result.repository
$probe = Invoke-CnilRestic -Settings $settings -Arguments @('cat', 'config', '--no-lock')
if ($probe.rc -eq 0) {
    $module.Result.state = 'present'
    $module.Result.id = $null
    try { $module.Result.id = [string]($probe.stdout | ConvertFrom-Json).id } catch { $module.Result.id = $null }
    $module.Result.msg = "repository $location exists"
    $module.ExitJson()
}

$kind = Get-CnilResticErrorKind -Rc $probe.rc -Stderr $probe.stderr
if ($kind -ne 'absent') {
    # Never initialise what could not be positively seen as absent.
    $hint = ''
    if ($kind -eq 'wrong_password') {
        $hint = 'cnil_bkp_password is not this repository''s password. It was NOT re-initialised. Put the password the ' +
            'repository was created with in the vault (or move the old repository away on the backup host by hand).'
    }
    elseif ($kind -eq 'unreachable') {
        $hint = 'the backup host could not be reached or refused this PC (network, SSH key, pinned host key cnil_bkp_sftp_host_key).'
    }
    $module.Result.error_kind = $kind
    $module.FailJson("win_cnil_restic_repo: ${location}: $(Get-CnilShortMessage -Stderr $probe.stderr). $hint")
}

$module.Result.changed = $true
$module.Result.state = 'absent'
$module.Diff.before = "repository ${location}: absent`n"
$module.Diff.after = "repository ${location}: initialised`n"
if ($module.CheckMode) {
    $module.Result.msg = "repository $location would be initialised"
    $module.ExitJson()
}
$init = Invoke-CnilRestic -Settings $settings -Arguments @('init')
if ($init.rc -ne 0) {
    $module.Result.error_kind = Get-CnilResticErrorKind -Rc $init.rc -Stderr $init.stderr
    $module.FailJson("win_cnil_restic_repo: restic init of $location failed: $(Get-CnilShortMessage -Stderr $init.stderr)")
}
$probe = Invoke-CnilRestic -Settings $settings -Arguments @('cat', 'config', '--no-lock')
$module.Result.id = $null
if ($probe.rc -eq 0) {
    try { $module.Result.id = [string]($probe.stdout | ConvertFrom-Json).id } catch { $module.Result.id = $null }
}
$module.Result.state = 'created'
$module.Result.msg = "repository $location initialised"
$module.ExitJson()
