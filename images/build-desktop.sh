#!/usr/bin/env bash
# Build cnil/debian12-desktop (GNOME + GDM) on top of cnil/debian12.
# Skipped when an image with the same inputs (this script, the Dockerfile, the
# base image's id) exists; --force rebuilds.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
image=cnil/debian12-desktop
base=cnil/debian12
label=org.cnil-cabinet.build-inputs
force=0
[[ ${1:-} == --force ]] && force=1

base_id=$(docker image inspect -f '{{ .Id }}' "$base" 2>/dev/null) || { echo "build: $base is missing (images/build.sh debian12)" >&2; exit 1; }
hash=$({ cat "$here/build-desktop.sh" "$here/Dockerfile.desktop"; echo "$base_id"; } | sha256sum | cut -c1-64)
current=$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$image" 2>/dev/null || true)
if [[ $force -eq 0 && $current == "$hash" ]]; then
    echo "build: $image is up to date (inputs ${hash:0:12})"
    exit 0
fi
echo "build: $image on $base (inputs ${hash:0:12})"
start=$SECONDS
old_id=$(docker image inspect -f '{{ .Id }}' "$image" 2>/dev/null || true)
DOCKER_BUILDKIT=0 docker build -q --pull=false --build-arg BASE="$base" --build-arg INPUTS_HASH="$hash" \
    -t "$image" - <"$here/Dockerfile.desktop" >/dev/null
if [[ -n $old_id && $old_id != "$(docker image inspect -f '{{ .Id }}' "$image")" ]]; then
    docker rmi "$old_id" >/dev/null 2>&1 || true
fi
echo "build: $image built in $((SECONDS - start)) s, size" \
     "$(docker image inspect -f '{{ .Size }}' "$image" | awk '{ printf "%d MB", $1 / 1000000 }')"
