#!/usr/bin/env bash
# Boot a test image the way molecule does and check it is usable:
# systemd reaches "running" with no failed unit, python3/sudo are there,
# the shipped apt lists let apt install a package without an update.
# Usage: images/smoke-test.sh IMAGE [IMAGE ...]
set -euo pipefail

[[ $# -gt 0 ]] || { echo "usage: $0 IMAGE [IMAGE ...]" >&2; exit 2; }

failures=0
cid=

indent() { sed 's/^/        /'; }

check() {
    local what=$1
    shift
    local out
    if out=$("$@" 2>&1); then
        echo "  ok    $what${out:+: $(head -n1 <<<"$out")}"
    else
        echo "  FAIL  $what"
        printf '%s\n' "$out" | indent
        failures=$((failures + 1))
    fi
}

in_ctr() { docker exec "$cid" "$@"; }

cleanup() { [[ -z $cid ]] || docker rm -f "$cid" >/dev/null 2>&1 || true; }
trap cleanup EXIT

for image in "$@"; do
    echo "smoke-test: $image"
    t0=$SECONDS
    # --privileged fails on these VMs (no CAP_SYS_RESOURCE in the bounding
    # set); these are the options that let systemd run as PID 1.
    cid=$(docker run -d --pull never \
        --cap-add SYS_ADMIN --cap-add NET_ADMIN --cgroupns host \
        -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock \
        "$image")

    # Newer systemctl (trixie) fails at once instead of waiting when the
    # manager's socket is not there yet: wait for it first.
    for ((i = 0; i < 100; i++)); do
        docker exec "$cid" test -S /run/systemd/private 2>/dev/null && break
        sleep 0.3
    done
    state=$(timeout 120 docker exec "$cid" systemctl is-system-running --wait 2>&1 || true)
    check "systemd state after $((SECONDS - t0)) s" test "$state" = running
    [[ $state == running ]] || echo "        state: $state"
    failed=$(in_ctr systemctl list-units --failed --plain --no-legend 2>&1 || true)
    check "no failed unit" test -z "$failed"
    if [[ -n $failed ]]; then
        printf '%s\n' "$failed" | indent
        while read -r unit _; do
            in_ctr journalctl -b --no-pager -n 15 -u "$unit" 2>&1 | indent || true
        done <<<"$failed"
    fi
    check "machine-id generated" in_ctr test -s /etc/machine-id
    check "python3" in_ctr python3 --version
    check "python3-apt" in_ctr python3 -c 'import apt_pkg; print("apt_pkg", apt_pkg.VERSION)'
    check "sudo" in_ctr sudo --version
    check "locale fr_FR.UTF-8" in_ctr sh -c 'locale -a | grep -x fr_FR.utf8'
    check "apt-get install dconf-cli (no update)" \
        in_ctr sh -c 'DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends dconf-cli >/tmp/apt.log 2>&1 || { cat /tmp/apt.log; exit 1; }; dconf help >/dev/null && echo dconf installed'
    # systemd shuts down on SIGRTMIN+3; a SIGKILL after the timeout would
    # mean STOPSIGNAL is missing.
    t1=$SECONDS
    docker stop -t 20 "$cid" >/dev/null
    check "clean stop in $((SECONDS - t1)) s" test $((SECONDS - t1)) -lt 20
    cleanup
    cid=
done

if [[ $failures -gt 0 ]]; then
    echo "smoke-test: $failures check(s) failed" >&2
    exit 1
fi
echo "smoke-test: all checks passed"
