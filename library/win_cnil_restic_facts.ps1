#!powershell
# cnil-cabinet — GPL-3.0-or-later
# Read-only facts for CNIL-BKP-01 on Windows: restic.exe (present, SHA-256, version), the settings the role wrote
# (repository without any password, retention, paths), which of the backup files are there, the permissions of
# the backup folder and of what is directly in it (SIDs, never localized names), the snapshots of this PC
# (`restic snapshots --json --no-lock`, nothing locked or written; only with the pinned restic.exe), the
# records of cnil-backup.ps1 and the two scheduled tasks. What the values mean is decided on the controller by
# cnil_win_backup_checks (plugins/filter/cnil_bkp.py), unit-tested there; restic's errors are classified there
# too (classify_error of module_utils/cnil_restic.py). Times are ISO 8601 UTC, with the PC's own "now".

#AnsibleRequires -CSharpUtil Ansible.Basic
#Requires -Module Ansible.ModuleUtils.ArgvParser
#Requires -Module Ansible.ModuleUtils.CommandUtil
#Requires -Module Ansible.ModuleUtils.CnilRestic

$spec = @{
    options = @{
        settings = @{ type = 'path'; required = $true }
        restic_sha256 = @{ type = 'str'; default = '' }
        task_path = @{ type = 'str'; default = '\cnil-cabinet\' }
        task_names = @{ type = 'list'; elements = 'str'; default = @('cnil-backup', 'cnil-backup-verify') }
    }
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$module.Result.changed = $false
$module.Result.now = [DateTime]::UtcNow.ToString('o')

$CnilSecretEnv = @('RESTIC_PASSWORD', 'RESTIC_PASSWORD_COMMAND')
$CnilRecords = @{ backup = 'last-backup.json'; check = 'check.json'; restore_test = 'restore-test.json' }

function ConvertTo-CnilValue {
    # Dates as ISO 8601 UTC (PowerShell 7's ConvertFrom-Json turns ISO strings into dates), the rest as it is.
    param($Value)
    if ($Value -is [datetime]) { return $Value.ToUniversalTime().ToString('o') }
    return $Value
}

function Get-CnilProperty {
    # A property of an object, or $null when the object does not have it.
    param($Object, [string]$Name)
    if ($null -eq $Object) { return $null }
    $property = $Object.PSObject.Properties[$Name]
    if ($null -eq $property) { return $null }
    return ConvertTo-CnilValue -Value $property.Value
}

function ConvertTo-CnilHashtable {
    # A flat JSON object (a record) as a hashtable, for the module's result.
    param($Object)
    $out = @{}
    foreach ($property in $Object.PSObject.Properties) { $out[$property.Name] = ConvertTo-CnilValue -Value $property.Value }
    return $out
}

function Get-CnilUtc {
    param($Value)
    if ($null -eq $Value -or $Value -isnot [datetime] -or $Value.Year -lt 2000) { return $null }
    return $Value.ToUniversalTime().ToString('o')
}

function Get-CnilAcl {
    # Owner, protection and access rules of a file or folder, by SID.
    param([string]$Path)
    $acl = Get-Acl -LiteralPath $Path
    $rules = @()
    foreach ($rule in $acl.GetAccessRules($true, $true, [System.Security.Principal.SecurityIdentifier])) {
        $rules += @{
            sid = [string]$rule.IdentityReference.Value
            type = [string]$rule.AccessControlType
            rights = [string]$rule.FileSystemRights
            inherited = [bool]$rule.IsInherited
        }
    }
    return @{
        owner = [string]$acl.GetOwner([System.Security.Principal.SecurityIdentifier]).Value
        protected = [bool]$acl.AreAccessRulesProtected
        rules = $rules
    }
}

function Get-CnilTask {
    param([string]$TaskPath, [string]$Name)
    $task = Get-ScheduledTask -TaskPath $TaskPath -TaskName $Name -ErrorAction SilentlyContinue
    if ($null -eq $task) { return @{ exists = $false } }
    $info = Get-ScheduledTaskInfo -InputObject $task -ErrorAction SilentlyContinue
    $triggers = @()
    foreach ($trigger in @($task.Triggers)) {
        $triggers += @{
            kind = [string]$trigger.CimClass.CimClassName
            start_boundary = [string](Get-CnilProperty -Object $trigger -Name 'StartBoundary')
            days_of_week = Get-CnilProperty -Object $trigger -Name 'DaysOfWeek'
            enabled = Get-CnilProperty -Object $trigger -Name 'Enabled'
        }
    }
    $actions = @()
    foreach ($action in @($task.Actions)) {
        $actions += @{ execute = Get-CnilProperty -Object $action -Name 'Execute'; arguments = Get-CnilProperty -Object $action -Name 'Arguments' }
    }
    return @{
        exists = $true
        state = [string]$task.State
        enabled = [bool]$task.Settings.Enabled
        start_when_available = [bool]$task.Settings.StartWhenAvailable
        user_id = [string]$task.Principal.UserId
        logon_type = [string]$task.Principal.LogonType
        run_level = [string]$task.Principal.RunLevel
        triggers = $triggers
        actions = $actions
        last_run_time = Get-CnilUtc -Value (Get-CnilProperty -Object $info -Name 'LastRunTime')
        last_task_result = Get-CnilProperty -Object $info -Name 'LastTaskResult'
        next_run_time = Get-CnilUtc -Value (Get-CnilProperty -Object $info -Name 'NextRunTime')
        missed_runs = Get-CnilProperty -Object $info -Name 'NumberOfMissedRuns'
    }
}

# --- Edition (the controller decides what it means: cnil_win_edition) -----------------------------------
$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$module.Result.edition = @{ edition_id = $cv.EditionID; current_build = $cv.CurrentBuild }

# --- Settings ------------------------------------------------------------------------------------------
$settingsPath = $module.Params.settings
$folder = Split-Path -Path $settingsPath -Parent
$settings = $null
$module.Result.settings = @{ present = $false; error = $null }
if (Test-Path -LiteralPath $settingsPath -PathType Leaf) {
    try {
        $settings = Get-Content -LiteralPath $settingsPath -Raw -Encoding UTF8 | ConvertFrom-Json
    }
    catch {
        $module.Result.settings.error = 'unreadable: ' + $_.Exception.Message
    }
}
if ($null -ne $settings) {
    $module.Result.settings = @{
        present = $true
        error = $null
        repository = Get-CnilLocation -Repository (Get-CnilProperty -Object $settings -Name 'repository')
        host = Get-CnilProperty -Object $settings -Name 'host'
        tag = Get-CnilProperty -Object $settings -Name 'tag'
        paths = @(Get-CnilProperty -Object $settings -Name 'paths')
        keep_daily = Get-CnilProperty -Object $settings -Name 'keep_daily'
        keep_weekly = Get-CnilProperty -Object $settings -Name 'keep_weekly'
        keep_monthly = Get-CnilProperty -Object $settings -Name 'keep_monthly'
    }
}

# --- Files ---------------------------------------------------------------------------------------------
$files = @{}
foreach ($name in @('password_file', 'credentials_file', 'ssh_key', 'known_hosts', 'ssh_config', 'script')) {
    $path = [string](Get-CnilProperty -Object $settings -Name $name)
    $files[$name -replace '_file$', ''] = [bool]($path -and (Test-Path -LiteralPath $path -PathType Leaf))
}
$module.Result.files = $files

# --- restic.exe ---------------------------------------------------------------------------------------
$pinned = ([string]$module.Params.restic_sha256).Trim().ToLowerInvariant()
$restic = [string](Get-CnilProperty -Object $settings -Name 'restic')
if (-not $restic) { $restic = Join-Path -Path $folder -ChildPath 'restic.exe' }
$module.Result.restic = @{ path = $restic; present = $false; sha256 = $null; version = $null }
$verified = $false
if (Test-Path -LiteralPath $restic -PathType Leaf) {
    $module.Result.restic.present = $true
    $module.Result.restic.sha256 = (Get-FileHash -LiteralPath $restic -Algorithm SHA256).Hash.ToLowerInvariant()
    $verified = $pinned -ne '' -and $module.Result.restic.sha256 -eq $pinned
    if ($verified) {
        $version = Run-Command -command (Argv-ToString -arguments @($restic, 'version'))
        if ($version.rc -eq 0) { $module.Result.restic.version = $version.stdout.Trim() }
    }
}

# --- Permissions of the folder and of what is directly in it --------------------------------------------
$module.Result.acl = @{ path = $folder; exists = $false }
if (Test-Path -LiteralPath $folder -PathType Container) {
    $folderAcl = Get-CnilAcl -Path $folder
    $children = @()
    foreach ($item in @(Get-ChildItem -LiteralPath $folder -Force)) {
        $childAcl = Get-CnilAcl -Path $item.FullName
        $children += @{ name = $item.Name; owner = $childAcl.owner; rules = $childAcl.rules }
    }
    $module.Result.acl = @{
        path = $folder
        exists = $true
        owner = $folderAcl.owner
        protected = $folderAcl.protected
        rules = $folderAcl.rules
        children = $children
    }
}

# --- Snapshots of this PC (read-only: --no-lock) -------------------------------------------------------
$snapshots = @{ ran = $false; reason = $null; rc = $null; stderr = $null; list = @() }
$passwordFile = [string](Get-CnilProperty -Object $settings -Name 'password_file')
if ($null -eq $settings) {
    $snapshots.reason = 'backup not set up on this PC (no settings file)'
}
elseif (-not [string](Get-CnilProperty -Object $settings -Name 'repository')) {
    $snapshots.reason = 'no repository configured (cnil_bkp_repository is empty)'
}
elseif (-not $module.Result.restic.present) {
    $snapshots.reason = 'restic.exe is not installed'
}
elseif (-not $verified) {
    $snapshots.reason = 'restic.exe does not have the pinned SHA-256: not run'
}
elseif (-not ($passwordFile -and (Test-Path -LiteralPath $passwordFile -PathType Leaf))) {
    $snapshots.reason = 'no repository password file on this PC'
}
else {
    foreach ($name in $CnilSecretEnv) { [Environment]::SetEnvironmentVariable($name, $null, 'Process') }
    $credentials = [string](Get-CnilProperty -Object $settings -Name 'credentials_file')
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
    [Environment]::SetEnvironmentVariable('RESTIC_REPOSITORY', [string]$settings.repository, 'Process')
    [Environment]::SetEnvironmentVariable('RESTIC_PASSWORD_FILE', $passwordFile, 'Process')
    [Environment]::SetEnvironmentVariable('RESTIC_CACHE_DIR', [string](Get-CnilProperty -Object $settings -Name 'cache_dir'), 'Process')
    $argv = @($restic)
    $sftp = [string](Get-CnilProperty -Object $settings -Name 'sftp_command')
    if ($sftp) { $argv += @('-o', ('sftp.command=' + $sftp)) }
    $argv += @('snapshots', '--json', '--no-lock', '--tag', [string]$settings.tag, '--host', [string]$settings.host)
    $run = Run-Command -command (Argv-ToString -arguments $argv)
    $snapshots.ran = $true
    $snapshots.rc = $run.rc
    # The last lines are enough to classify the error; a password a URL may carry is removed.
    $snapshots.stderr = Get-CnilLocation -Repository ((@(([string]$run.stderr) -split '\r?\n' | Select-Object -Last 20)) -join "`n")
    if ($run.rc -eq 0) {
        $list = @()
        foreach ($snapshot in @($run.stdout | ConvertFrom-Json)) {
            if ($null -ne $snapshot) {
                $list += @{ time = Get-CnilProperty -Object $snapshot -Name 'time'; short_id = Get-CnilProperty -Object $snapshot -Name 'short_id' }
            }
        }
        $snapshots.list = $list
    }
}
$module.Result.snapshots = $snapshots

# --- Records of cnil-backup.ps1 --------------------------------------------------------------------------
$stateDir = [string](Get-CnilProperty -Object $settings -Name 'state_dir')
if (-not $stateDir) { $stateDir = Join-Path -Path $folder -ChildPath 'state' }
$records = @{}
foreach ($key in $CnilRecords.Keys) {
    $path = Join-Path -Path $stateDir -ChildPath $CnilRecords[$key]
    $records[$key] = $null
    if (Test-Path -LiteralPath $path -PathType Leaf) {
        try {
            $records[$key] = ConvertTo-CnilHashtable -Object (Get-Content -LiteralPath $path -Raw -Encoding UTF8 | ConvertFrom-Json)
        }
        catch {
            $records[$key] = @{ status = 'unreadable'; message = 'cannot read ' + $path + ': ' + $_.Exception.Message }
        }
    }
}
$module.Result.records = $records

# --- Scheduled tasks -------------------------------------------------------------------------------------
$taskPath = [string]$module.Params.task_path
if (-not $taskPath.StartsWith('\')) { $taskPath = '\' + $taskPath }
if (-not $taskPath.EndsWith('\')) { $taskPath = $taskPath + '\' }
$tasks = @{}
foreach ($name in $module.Params.task_names) { $tasks[$name] = Get-CnilTask -TaskPath $taskPath -Name $name }
$module.Result.tasks = $tasks

$module.ExitJson()
