<#
.SYNOPSIS
    First contact with a Windows 10/11 Pro practice PC (workgroup): prepares it for cnil-cabinet.

.DESCRIPTION
    Run once, in an elevated PowerShell on the PC, by the contractor:
      powershell -ExecutionPolicy Bypass -File Enable-CnilWinRM.ps1 -ManagementAddress 192.168.1.10
    It
      1. creates a dedicated local administrator (default "cnil-admin"), password typed at the prompt;
      2. marks networks that Windows classed "Public" as "Private" (WinRM refuses Public networks);
      3. creates an HTTPS WinRM listener (port 5986) with a self-signed certificate;
      4. opens 5986 only from the management address (never to everyone);
      5. allows that local administrator to administer over the network (LocalAccountTokenFilterPolicy);
      6. exports the certificate, so the controller validates it (pin it: inventory/<cabinet>/certs/<host>.pem).
    Nothing here weakens the CNIL baseline: site.yml then enforces the firewall with WinRM kept open
    from cnil_mgmt_sources only.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)][string]$ManagementAddress,
    [string]$AdminName = 'cnil-admin',
    [string]$CertificateOut = "$env:USERPROFILE\Desktop\$env:COMPUTERNAME-winrm.cer"
)
$ErrorActionPreference = 'Stop'

# 1. Dedicated local administrator. Found by SID S-1-5-32-544, so a French Windows ("Administrateurs") works too.
$password = Read-Host -AsSecureString "Password for $AdminName (at least 14 characters; keep it in the cabinet's vault)"
if (-not (Get-LocalUser -Name $AdminName -ErrorAction SilentlyContinue)) {
    New-LocalUser -Name $AdminName -Password $password -PasswordNeverExpires -AccountNeverExpires `
        -Description 'cnil-cabinet management (IT contractor)' | Out-Null
}
$admins = Get-LocalGroup -SID 'S-1-5-32-544'
if (-not (Get-LocalGroupMember -Group $admins | Where-Object { $_.Name -like "*\$AdminName" })) {
    Add-LocalGroupMember -Group $admins -Member $AdminName
}

# 2. WinRM does not listen on networks classed Public.
Get-NetConnectionProfile | Where-Object NetworkCategory -eq 'Public' |
    ForEach-Object { Set-NetConnectionProfile -InterfaceIndex $_.InterfaceIndex -NetworkCategory Private }

# 3. HTTPS listener with a self-signed certificate for this host name.
Enable-PSRemoting -SkipNetworkProfileCheck -Force | Out-Null
$cert = New-SelfSignedCertificate -DnsName $env:COMPUTERNAME -CertStoreLocation 'Cert:\LocalMachine\My' `
    -KeyExportPolicy NonExportable -NotAfter (Get-Date).AddYears(5)
Get-ChildItem WSMan:\localhost\Listener | Where-Object { $_.Keys -contains 'Transport=HTTPS' } | Remove-Item -Recurse
New-Item -Path WSMan:\localhost\Listener -Transport HTTPS -Address * -CertificateThumbPrint $cert.Thumbprint -Force | Out-Null
Set-Item WSMan:\localhost\Service\Auth\Basic -Value $false
Set-Item WSMan:\localhost\Service\AllowUnencrypted -Value $false

# 4. Only the management address reaches WinRM over HTTPS; plain HTTP WinRM is not opened.
Get-NetFirewallRule -Name 'cnil-winrm-https' -ErrorAction SilentlyContinue | Remove-NetFirewallRule
New-NetFirewallRule -Name 'cnil-winrm-https' -DisplayName 'cnil-cabinet WinRM HTTPS (management only)' `
    -Direction Inbound -Protocol TCP -LocalPort 5986 -RemoteAddress $ManagementAddress -Action Allow -Profile Any | Out-Null
Get-NetFirewallRule -Name 'WINRM-HTTP-In-TCP*' -ErrorAction SilentlyContinue | Disable-NetFirewallRule

# 5. Local accounts get a full administrator token over the network (workgroup PCs have no domain account).
New-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Policies\System' `
    -Name LocalAccountTokenFilterPolicy -Value 1 -PropertyType DWord -Force | Out-Null

# 6. The certificate, for the controller to pin.
Export-Certificate -Cert $cert -FilePath $CertificateOut -Type CERT | Out-Null
Write-Output "WinRM HTTPS ready on $env:COMPUTERNAME. Copy $CertificateOut to the controller and convert it:"
Write-Output "  openssl x509 -inform der -in $env:COMPUTERNAME-winrm.cer -out inventory/<cabinet>/certs/$env:COMPUTERNAME.pem"
