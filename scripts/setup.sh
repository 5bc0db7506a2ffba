#!/usr/bin/env bash
# make setup: everything the project needs, installed by its own files.
# Idempotent and fast when all is in place: venv from requirements.txt, a
# running Docker engine, the test images incl. the GNOME desktop one (rebuilt when their inputs change).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=.venv/.requirements.sha256
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

# Headless Chromium renders the French report in the tests (Debian's package).
if ! command -v chromium >/dev/null; then
    echo "setup: installing chromium (renders the report in the tests)"
    DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium </dev/null
fi

bash scripts/docker-engine.sh
bash images/build.sh all
# The practice PC as it usually is (GNOME + GDM), on top of cnil/debian12: the demo PC and the all-roles
# scenario's Debian 12 PC.
bash images/build-desktop.sh
