#!powershell
# cnil-cabinet — GPL-3.0-or-later
# Read-only facts for CNIL-AV-01: Microsoft Defender status (Get-MpComputerStatus), its update
# preference, the policy values that can turn it off, and the antivirus products registered in Windows
# Security Center (root/SecurityCenter2 AntiVirusProduct). What the values mean (productState bits,
# signature age against the threshold, which engine is primary) is decided on the controller by
# plugins/filter/cnil_windows.py (cnil_win_antivirus, cnil_win_product_state), unit-tested there.

#AnsibleRequires -CSharpUtil Ansible.Basic

$spec = @{
    options = @{}
    supports_check_mode = $true
}

$module = [Ansible.Basic.AnsibleModule]::Create($args, $spec)
$module.Result.changed = $false

function ConvertTo-CnilValue {
    # Dates as ISO 8601 UTC, enums as their names, the rest as it is.
    param($Value)
    if ($null -eq $Value) {
        return $null
    }
    if ($Value -is [datetime]) {
        return $Value.ToUniversalTime().ToString('o')
    }
    if ($Value -is [enum]) {
        return $Value.ToString()
    }
    return $Value
}

function Get-CnilProperty {
    param($Object, [string[]]$Names)
    $out = @{}
    foreach ($name in $Names) {
        $property = $Object.PSObject.Properties[$name]
        if ($null -ne $property) {
            $out[$name] = ConvertTo-CnilValue -Value $property.Value
        }
        else {
            $out[$name] = $null
        }
    }
    return $out
}

function Get-CnilRegistryValue {
    param([string]$Path, [string[]]$Names)
    $out = @{}
    if (-not (Test-Path -LiteralPath $Path)) {
        return $out
    }
    $item = Get-ItemProperty -LiteralPath $Path
    foreach ($name in $Names) {
        $property = $item.PSObject.Properties[$name]
        if ($null -ne $property) {
            $out[$name] = $property.Value
        }
    }
    return $out
}

$statusFields = @('AMServiceEnabled', 'AntivirusEnabled', 'AntispywareEnabled', 'RealTimeProtectionEnabled',
    'OnAccessProtectionEnabled', 'BehaviorMonitorEnabled', 'IoavProtectionEnabled', 'AMRunningMode',
    'AntivirusSignatureAge', 'AntivirusSignatureLastUpdated', 'AntivirusSignatureVersion',
    'DefenderSignaturesOutOfDate', 'IsTamperProtected', 'QuickScanAge', 'FullScanAge', 'AMProductVersion')

$module.Result.defender = $null
$module.Result.defender_error = $null
if (Get-Command -Name Get-MpComputerStatus -ErrorAction SilentlyContinue) {
    try {
        $status = Get-MpComputerStatus -ErrorAction Stop
        $module.Result.defender = Get-CnilProperty -Object $status -Names $statusFields
    }
    catch {
        # Defender removed, or switched off by another product: reported, the controller decides.
        $module.Result.defender_error = $_.Exception.Message
    }
    try {
        $preference = Get-MpPreference -ErrorAction Stop
        $module.Result.preferences = Get-CnilProperty -Object $preference -Names @('SignatureUpdateInterval', 'DisableRealtimeMonitoring')
    }
    catch {
        $module.Result.preferences = $null
    }
}
else {
    $module.Result.defender_error = 'Get-MpComputerStatus is not available on this PC'
}

$products = @()
$module.Result.security_center_error = $null
try {
    foreach ($product in @(Get-CimInstance -Namespace 'root/SecurityCenter2' -ClassName 'AntiVirusProduct' -ErrorAction Stop)) {
        $products += @{
            displayName = $product.displayName
            productState = [int64]$product.productState
            instanceGuid = $product.instanceGuid
            pathToSignedProductExe = $product.pathToSignedProductExe
            timestamp = $product.timestamp
        }
    }
}
catch {
    # SecurityCenter2 exists on client editions only.
    $module.Result.security_center_error = $_.Exception.Message
}
$module.Result.products = $products

$policyKey = 'HKLM:\SOFTWARE\Policies\Microsoft\Windows Defender'
$module.Result.policy = @{
    defender = Get-CnilRegistryValue -Path $policyKey -Names @('DisableAntiSpyware', 'DisableAntiVirus')
    real_time_protection = Get-CnilRegistryValue -Path "$policyKey\Real-Time Protection" -Names @('DisableRealtimeMonitoring')
}

$cv = Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion'
$module.Result.edition = @{
    edition_id = $cv.EditionID
    current_build = $cv.CurrentBuild
}

$module.ExitJson()
