#!/usr/bin/env bash
# Build the systemd test images from Debian's mirror, without any registry:
#   cnil/debian12 (bookworm) and cnil/debian13 (trixie).
# debootstrap -> chroot setup -> docker import -> tiny Dockerfile (STOPSIGNAL,
# CMD, label). A hash of the build inputs is stored as an image label; when
# an image with that label exists the build is skipped (use --force).
#
# Usage: images/build.sh [--force] debian12|debian13|all ...
# Env:   CNIL_IMAGES_WORKDIR    build directory (default /var/tmp/cnil-images)
#        CNIL_DEBIAN_MIRROR     override the mirror read from the apt sources
#        CNIL_DEBIAN_SECURITY_MIRROR   same for the security mirror
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=${CNIL_IMAGES_WORKDIR:-/var/tmp/cnil-images}
label=org.cnil-cabinet.build-inputs
all_targets=(debian12 debian13)

usage() {
    echo "usage: $0 [--force] debian12|debian13|all ..." >&2
    exit 2
}

suite_of() {
    case $1 in
        debian12) echo bookworm ;;
        debian13) echo trixie ;;
        *) return 1 ;;
    esac
}

# Enabled "deb" entries of the host's apt sources, one per line:
#   URI SUITE COMPONENT,COMPONENT
# Only *.list and *.sources are read (apt ignores other file names too).
apt_entries() {
    local f
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -f $f ]] || continue
        awk '$1 == "deb" {
                i = 2
                if ($i ~ /^\[/) { while ($i !~ /\]$/ && i < NF) i++; i++ }
                c = $(i + 2); for (j = i + 3; j <= NF; j++) c = c "," $j
                print $i, $(i + 1), c
            }' "$f"
    done
    for f in /etc/apt/sources.list.d/*.sources; do
        [[ -f $f ]] || continue
        # deb822: blank-line separated stanzas; "#" lines are comments.
        awk 'function flush(   n, m, u, s, k, l) {
                if (types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
                    n = split(uris, u, " "); m = split(suites, s, " ")
                    gsub(/ +/, ",", comps)
                    for (k = 1; k <= n; k++) for (l = 1; l <= m; l++) print u[k], s[l], comps
                }
                types = uris = suites = comps = enabled = ""
            }
            /^#/ { next }
            /^[ \t]*$/ { flush(); next }
            {
                key = tolower($1); sub(/^[^:]*:[ \t]*/, ""); sub(/[ \t]+$/, "")
                if (key == "types:") types = $0
                else if (key == "uris:") uris = $0
                else if (key == "suites:") suites = $0
                else if (key == "components:") comps = $0
                else if (key == "enabled:") enabled = $0
            }
            END { flush() }' "$f"
    done
}

# First mirror URI that serves SUITE with the "main" component.
mirror_for_suite() {
    apt_entries | awk -v s="$1" '$2 == s && ("," $3 ",") ~ /,main,/ { sub(/\/+$/, "", $1); print $1; exit }'
}

detect_mirrors() {
    local codename
    codename=$(sed -n 's/^VERSION_CODENAME=//p' /etc/os-release | tr -d '"')
    mirror=${CNIL_DEBIAN_MIRROR:-$(mirror_for_suite "$codename")}
    security=${CNIL_DEBIAN_SECURITY_MIRROR:-$(mirror_for_suite "$codename-security")}
    if [[ -z $mirror || -z $security ]]; then
        echo "build: cannot find the Debian mirror ($codename main) and security mirror" \
             "($codename-security main) in the apt sources; set CNIL_DEBIAN_MIRROR and" \
             "CNIL_DEBIAN_SECURITY_MIRROR" >&2
        exit 1
    fi
}

packages() {
    sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$here/packages.txt" | tr -d ' \t' | paste -sd, -
}

# Everything that changes the image's content; the mirrors are included
# because they end up in the image's apt sources.
inputs_hash() {
    {
        cat "$here/build.sh" "$here/rootfs-setup.sh" "$here/Dockerfile" "$here/packages.txt"
        printf 'suite=%s\nmirror=%s\nsecurity=%s\n' "$1" "$mirror" "$security"
        # The ISO week: images (and their apt lists and security updates) are rebuilt weekly,
        # so a reused machine never tests against lists the mirror no longer serves.
        date -u +week=%G-W%V
    } | sha256sum | cut -c1-64
}

ensure_tools() {
    if ! command -v debootstrap >/dev/null 2>&1; then
        echo "build: installing debootstrap"
        DEBIAN_FRONTEND=noninteractive apt-get update -q </dev/null
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap </dev/null
    fi
    if ! docker info >/dev/null 2>&1; then
        echo "build: docker daemon not reachable (run scripts/docker-engine.sh)" >&2
        exit 1
    fi
}

# Unmount whatever is still mounted below $1 and delete it.
remove_rootfs() {
    local dir=$1 mnt
    [[ -d $dir ]] || return 0
    # Deepest mounts first; never rm -rf through a live mount.
    while read -r mnt; do
        umount -l "$mnt" || true
    done < <(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r)
    if awk -v d="$dir/" 'index($2, d) == 1 { found = 1 } END { exit !found }' /proc/mounts; then
        echo "build: mounts remain under $dir, not deleting it" >&2
        return 1
    fi
    rm -rf --one-file-system "$dir"
}

build_one() {
    local name=$1 suite image hash current old_id tmp_tag dir rootfs t0 t1 t2 t3 t4
    suite=$(suite_of "$name") || usage
    image=cnil/$name
    hash=$(inputs_hash "$suite")

    current=$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$image" 2>/dev/null || true)
    if [[ $force -eq 0 && $current == "$hash" ]]; then
        echo "build: $image is up to date (inputs ${hash:0:12})"
        return 0
    fi

    mkdir -p "$work"
    # One build per image at a time (two CI jobs on one machine).
    exec 9>"$work/$name.lock"
    flock 9
    current=$(docker image inspect -f "{{ index .Config.Labels \"$label\" }}" "$image" 2>/dev/null || true)
    if [[ $force -eq 0 && $current == "$hash" ]]; then
        echo "build: $image was built meanwhile by another run"
        return 0
    fi

    dir=$work/$name
    rootfs=$dir/rootfs
    tmp_tag=cnil/$name:rootfs-${hash:0:12}
    remove_rootfs "$dir"
    mkdir -p "$rootfs" "$work/cache/$suite"
    trap 'remove_rootfs "'"$dir"'"; docker rmi "'"$tmp_tag"'" >/dev/null 2>&1 || true' EXIT

    echo "build: $image from $suite (inputs ${hash:0:12})"
    t0=$SECONDS
    # The archive keyring of bookworm also holds the trixie keys: signatures
    # are always checked.
    debootstrap --variant=minbase --include="$(packages)" \
        --cache-dir="$work/cache/$suite" \
        --keyring=/usr/share/keyrings/debian-archive-keyring.gpg \
        "$suite" "$rootfs" "$mirror"
    t1=$SECONDS

    install -m 0755 "$here/rootfs-setup.sh" "$rootfs/tmp/rootfs-setup.sh"
    # debootstrap copied the host's resolv.conf, so apt resolves the mirror.
    mount -t proc proc "$rootfs/proc"
    chroot "$rootfs" /bin/bash /tmp/rootfs-setup.sh "$suite" "$mirror" "$security"
    umount "$rootfs/proc"
    rm -f "$rootfs/tmp/rootfs-setup.sh"
    t2=$SECONDS

    # --numeric-owner: ids must not be remapped through the host's passwd.
    tar --numeric-owner --xattrs --xattrs-include='security.capability' \
        -C "$rootfs" -c . | docker import - "$tmp_tag" >/dev/null
    t3=$SECONDS

    old_id=$(docker image inspect -f '{{ .Id }}' "$image" 2>/dev/null || true)
    # The legacy builder uses the local base image and needs no buildx
    # plugin; the Dockerfile comes on stdin, so there is no build context.
    DOCKER_BUILDKIT=0 docker build -q --pull=false \
        --build-arg BASE="$tmp_tag" --build-arg SUITE="$suite" --build-arg INPUTS_HASH="$hash" \
        -t "$image" - <"$here/Dockerfile" >/dev/null
    docker rmi "$tmp_tag" >/dev/null
    # Drop the image this build replaced, and older ones left dangling while
    # containers used them; images still in use are kept by docker.
    if [[ -n $old_id && $old_id != "$(docker image inspect -f '{{ .Id }}' "$image")" ]]; then
        docker rmi "$old_id" >/dev/null 2>&1 || true
    fi
    docker image prune -f --filter "label=org.cnil-cabinet.suite=$suite" >/dev/null 2>&1 || true
    t4=$SECONDS

    remove_rootfs "$dir"
    trap - EXIT
    echo "build: $image built in $((t4 - t0)) s (debootstrap $((t1 - t0)) s, setup $((t2 - t1)) s," \
         "import $((t3 - t2)) s, docker build $((t4 - t3)) s), size" \
         "$(docker image inspect -f '{{ .Size }}' "$image" | awk '{ printf "%d MB", $1 / 1000000 }')"
}

force=0
targets=()
for arg in "$@"; do
    case $arg in
        --force) force=1 ;;
        all) targets+=("${all_targets[@]}") ;;
        debian12 | debian13) targets+=("$arg") ;;
        -h | --help) usage ;;
        *) echo "build: unknown argument: $arg" >&2; usage ;;
    esac
done
[[ ${#targets[@]} -gt 0 ]] || usage
# "all debian12" must not build debian12 twice.
mapfile -t targets < <(printf '%s\n' "${targets[@]}" | awk '!seen[$0]++')
if [[ $EUID -ne 0 ]]; then
    echo "build: debootstrap and chroot need root" >&2
    exit 1
fi

detect_mirrors
ensure_tools
start=$SECONDS
if [[ ${#targets[@]} -eq 1 ]]; then
    # Subshell: the build has its own EXIT trap and lock.
    (build_one "${targets[0]}")
else
    # Builds run in parallel: debootstrap is mostly single-threaded (dpkg,
    # checksums) so two of them use the 2 cores much better than one after
    # the other. Output lines are prefixed with the image name.
    pids=()
    for t in "${targets[@]}"; do
        (
            set -o pipefail
            { (build_one "$t") 2>&1; } | sed -u "s/^/[$t] /"
        ) &
        pids+=($!)
    done
    rc=0
    for i in "${!pids[@]}"; do
        wait "${pids[$i]}" || { echo "build: ${targets[$i]} FAILED" >&2; rc=1; }
    done
    [[ $rc -eq 0 ]] || exit "$rc"
fi
echo "build: done in $((SECONDS - start)) s"
