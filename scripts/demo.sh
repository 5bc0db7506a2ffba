#!/usr/bin/env bash
# make demo / make demo-clean: a disposable demo cabinet of systemd containers.
#   up     start the containers, apply the baseline, audit, print the report path
#   clean  remove the containers and their network
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

network=cnil-demo
# name=image pairs; the inventory (inventory/demo/hosts.yml) uses the same names.
containers=("cnil-demo-pc=cnil/debian12-desktop" "cnil-demo-backup=cnil/debian12")

start_container() {  # NAME IMAGE
    local name=$1 image=$2
    if [[ $(docker inspect -f '{{.State.Running}}' "$name" 2>/dev/null) == true ]]; then
        echo "demo: $name is running"
        return
    fi
    docker rm -f "$name" >/dev/null 2>&1 || true
    echo "demo: starting $name ($image)"
    docker run -d --name "$name" --hostname "$name" --network "$network" --pull never \
        --cap-add SYS_ADMIN --cap-add NET_ADMIN --cgroupns host \
        -v /sys/fs/cgroup:/sys/fs/cgroup:ro --tmpfs /run --tmpfs /run/lock --tmpfs /tmp \
        --stop-signal SIGRTMIN+3 --label cnil-demo=1 "$image" >/dev/null
    # systemd is PID 1: wait until it has started its units.
    docker exec "$name" timeout 60 systemctl is-system-running --wait >/dev/null || true
}

case "${1:-up}" in
    up)
        docker network inspect "$network" >/dev/null 2>&1 || docker network create "$network" >/dev/null
        for pair in "${containers[@]}"; do
            start_container "${pair%%=*}" "${pair#*=}"
        done
        # The backup host's SSH key, pinned in the demo cabinet (what a contractor reads on its console),
        # and the practice software's data folder on the PC (cnil_bkp_paths).
        docker exec cnil-demo-backup sh -c 'test -f /etc/ssh/ssh_host_ed25519_key || ssh-keygen -A >/dev/null'
        docker exec cnil-demo-backup cat /etc/ssh/ssh_host_ed25519_key.pub > inventory/demo/cnil-backup-host-key.pub
        docker exec cnil-demo-pc sh -c 'test -d /srv/cabinet || { mkdir -p /srv/cabinet && date > /srv/cabinet/installed-on; }'
        echo "demo: applying the baseline (bin/cnil apply)"
        bin/cnil apply
        echo "demo: drift check (bin/cnil audit)"
        set +e
        bin/cnil audit | tee /tmp/cnil-demo-audit.log
        rc=${PIPESTATUS[0]}
        set -e
        echo
        echo "demo: audit exit status $rc (0 compliant, 2 not compliant, 1 toolkit error)"
        echo "demo: the French report: $(grep -m1 'cnil: report:' /tmp/cnil-demo-audit.log | sed 's/^cnil: report: //')"
        echo "demo: the containers stay up (docker exec -it cnil-demo-pc bash); make demo-clean removes them"
        exit "$rc"
        ;;
    clean)
        docker ps -aq --filter label=cnil-demo=1 | xargs -r docker rm -f >/dev/null
        docker network rm "$network" >/dev/null 2>&1 || true
        echo "demo: removed"
        ;;
    *)
        echo "usage: $0 up|clean" >&2
        exit 2
        ;;
esac
