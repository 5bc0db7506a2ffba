#!/usr/bin/env bash
# Make sure a Docker engine is installed and running on this host.
# The host has no systemd, so dockerd is started by hand in the background.
# Idempotent: returns within seconds when `docker info` already works.
set -euo pipefail

log="${DOCKERD_LOG:-/var/log/dockerd.log}"
wait_s="${DOCKERD_WAIT:-60}"
# (DOCKERD_LOG / DOCKERD_WAIT / DOCKERD_PIDFILE: overrides for tests.)

# `docker info` talks to the daemon: if it answers, there is nothing to do
# (timeout: a wedged daemon must not hang CI).
if timeout 10 docker info >/dev/null 2>&1; then
    echo "docker-engine: daemon already running ($(docker info --format '{{.ServerVersion}}' 2>/dev/null))"
    exit 0
fi

if [[ $EUID -ne 0 ]]; then
    echo "docker-engine: must run as root to install/start dockerd" >&2
    exit 1
fi

start=$SECONDS

# Install Debian's docker.io only when the daemon binary is missing; a newer
# client in /usr/local/bin stays first on PATH and negotiates the API down.
if ! command -v dockerd >/dev/null 2>&1; then
    echo "docker-engine: installing docker.io from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q </dev/null
    apt-get install -y -q docker.io </dev/null
    echo "docker-engine: docker.io installed in $((SECONDS - start)) s"
fi

# A stale pidfile from a dead daemon would make dockerd refuse to start.
pidfile=${DOCKERD_PIDFILE:-/var/run/docker.pid}
if [[ -f $pidfile ]] && ! kill -0 "$(cat "$pidfile")" 2>/dev/null; then
    rm -f "$pidfile"
fi

if [[ -f $pidfile ]]; then
    echo "docker-engine: dockerd already started (pid $(cat "$pidfile")), waiting for it"
else
    echo "docker-engine: starting dockerd (log: $log)"
    # setsid + no stdin: the daemon must survive the calling shell / CI step.
    setsid nohup dockerd >"$log" 2>&1 </dev/null &
fi

deadline=$((SECONDS + wait_s))
while ((SECONDS < deadline)); do
    if timeout 5 docker info >/dev/null 2>&1; then
        echo "docker-engine: daemon ready after $((SECONDS - start)) s ($(docker info --format '{{.ServerVersion}} {{.Driver}} cgroup v{{.CgroupVersion}}'))"
        exit 0
    fi
    sleep 1
done

echo "docker-engine: dockerd did not answer within ${wait_s} s; last log lines:" >&2
tail -n 30 "$log" >&2 || true
exit 1
