# cnil-cabinet — GPL-3.0-or-later
# Shared by the Windows restic modules (library/win_cnil_restic_facts.ps1, library/win_cnil_restic_repo.ps1),
# which load it with '#Requires -Module Ansible.ModuleUtils.CnilRestic'. Ansible finds it through the
# module_utils path of ansible.cfg (module_utils = module_utils, subfolders included) and sends it with each
# module. Mirrors of module_utils/cnil_restic.py; tests/unit/test_cnil_bkp_windows.py compares the patterns.
# Never run on a real Windows host yet (parsed by tree-sitter-powershell, built into Ansible's payload).

Function Get-CnilLocation {
    <#
    .SYNOPSIS
    Mirror of redact_url (module_utils/cnil_restic.py): the repository without the password a URL may carry
    (rest:https://user:password@host/ -> rest:https://user@host/).
    #>
    param([string]$Repository)
    return [regex]::Replace([string]$Repository, '(://[^:/@\s]+):[^@/\s]+@', '$1@')
}

Export-ModuleMember -Function Get-CnilLocation
