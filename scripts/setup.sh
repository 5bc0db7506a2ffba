#!/usr/bin/env bash
# make setup: everything the project needs, installed by its own files.
# Idempotent and fast when all is in place: the host's tools from Debian (Docker engine, debootstrap,
# Chromium), a running Docker engine, the venv from requirements.txt, the test images incl. the GNOME
# desktop one (rebuilt when their inputs change).
#   setup.sh [PART ...]   PART: host, venv, images (default: all three, in that order).
#   make test runs host, starts images in the background, then venv, lint and unit tests meanwhile.
set -euo pipefail
cd "$(dirname "$0")/.."

host() {
    # The host tools that are missing, after one apt update: docker.io (scripts/docker-engine.sh starts it),
    # debootstrap (images/build.sh), chromium (renders the French report in the tests; no recommends).
    local missing=()
    command -v dockerd >/dev/null || missing+=(docker.io)
    command -v debootstrap >/dev/null || missing+=(debootstrap)
    if [[ ${#missing[@]} -gt 0 ]] || ! command -v chromium >/dev/null; then
        echo "setup: installing ${missing[*]} $(command -v chromium >/dev/null || echo chromium) from Debian"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -q </dev/null
        [[ ${#missing[@]} -eq 0 ]] || apt-get install -y -q "${missing[@]}" </dev/null
        command -v chromium >/dev/null || apt-get install -y -q --no-install-recommends chromium </dev/null
    fi
    bash scripts/docker-engine.sh
}

venv() {
    local stamp=.venv/.requirements.sha256 want
    want=$(sha256sum requirements.txt | cut -d' ' -f1)
    if [[ ! -x .venv/bin/python || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
        echo "setup: Python virtualenv (.venv) from requirements.txt"
        python3 -m venv .venv
        # This machine's pip config lists local wheel folders; hide its warnings about missing ones.
        .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt 2> >(grep -v "is ignored: it is neither" >&2)
        echo "$want" > "$stamp"
    else
        echo "setup: .venv is up to date"
    fi
}

images() {
    bash images/build.sh all
    # The practice PC as it usually is (GNOME + GDM), on top of cnil/debian12: the demo PC and the all-roles
    # scenario's Debian 12 PC.
    bash images/build-desktop.sh
}

parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(host venv images)
for part in "${parts[@]}"; do
    case $part in
        host | venv | images) "$part" ;;
        *) echo "usage: $0 [host|venv|images ...]" >&2; exit 2 ;;
    esac
done
