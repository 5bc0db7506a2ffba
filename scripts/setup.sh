#!/usr/bin/env bash
# make setup: everything the project needs, installed by its own files.
# Idempotent and fast when all is in place: venv from requirements.txt, a
# running Docker engine, the test images (rebuilt when their inputs change).
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=.venv/.requirements.sha256
want=$(sha256sum requirements.txt | cut -d' ' -f1)
if [[ ! -x .venv/bin/python || ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
    echo "setup: Python virtualenv (.venv) from requirements.txt"
    python3 -m venv .venv
    .venv/bin/pip install -q --disable-pip-version-check -r requirements.txt
    echo "$want" > "$stamp"
else
    echo "setup: .venv is up to date"
fi

bash scripts/docker-engine.sh
bash images/build.sh all
