#!/usr/bin/env bash
# The molecule/windows scenario against a real Windows 10/11 Pro test VM, when one is given:
#   CNIL_WINDOWS_HOST, CNIL_WINDOWS_USER (default cnil-admin), CNIL_WINDOWS_PASSWORD, CNIL_WINDOWS_CA_CERT
#   (PEM of the VM's WinRM certificate), optionally CNIL_WINDOWS_MGMT_SOURCES (the controller's address).
# Without CNIL_WINDOWS_HOST it prints SKIPPED and exits 0: never "passed" without a Windows host.
# With it, a missing variable is an error (exit 2), and the scenario's result is the exit status.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg"

if [[ -z ${CNIL_WINDOWS_HOST:-} ]]; then
    echo "windows scenario: SKIPPED (no Windows host given: set CNIL_WINDOWS_HOST, CNIL_WINDOWS_USER, CNIL_WINDOWS_PASSWORD and CNIL_WINDOWS_CA_CERT to run it against a test VM)"
    exit 0
fi
missing=()
[[ -n ${CNIL_WINDOWS_PASSWORD:-} ]] || missing+=(CNIL_WINDOWS_PASSWORD)
[[ -n ${CNIL_WINDOWS_CA_CERT:-} && -f ${CNIL_WINDOWS_CA_CERT:-} ]] || missing+=("CNIL_WINDOWS_CA_CERT (a readable PEM file)")
if (( ${#missing[@]} )); then
    echo "windows scenario: FAILED before start: CNIL_WINDOWS_HOST=$CNIL_WINDOWS_HOST is set but not ${missing[*]}" >&2
    exit 2
fi
echo "windows scenario: running against $CNIL_WINDOWS_HOST as ${CNIL_WINDOWS_USER:-cnil-admin}"
molecule test -s windows
rc=$?
echo "windows scenario: $([[ $rc == 0 ]] && echo PASSED || echo "FAILED (exit $rc)") against $CNIL_WINDOWS_HOST"
exit $rc
