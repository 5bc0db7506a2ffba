#!/usr/bin/env bash
# make test: setup, lint, unit tests, then the CI molecule scenarios, each
# stage timed. Runs every stage even after a failure, so one run shows all
# that is broken; exits non-zero if any stage failed.
#   --only lint|unit      one stage (after setup)
#   --all-scenarios       every molecule scenario instead of the CI set
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH" ANSIBLE_CONFIG="$PWD/ansible.cfg" PY_COLORS=0 ANSIBLE_FORCE_COLOR=0

# The scenarios CI runs (within its 45-minute budget); the others run with --all-scenarios.
ci_scenarios=(default)

only="" all=0
case "${1:-}" in
    --only) only=$2 ;;
    --all-scenarios) all=1 ;;
    "") ;;
    *) echo "usage: $0 [--only lint|unit] [--all-scenarios]" >&2; exit 2 ;;
esac

declare -a names=() results=() times=()
stage() {  # stage NAME COMMAND...
    local name=$1 start end rc
    shift
    echo
    echo "=== stage: $name"
    start=$(date +%s)
    "$@"
    rc=$?
    end=$(date +%s)
    names+=("$name") results+=("$rc") times+=("$((end - start))")
    echo "=== stage: $name: $([[ $rc == 0 ]] && echo ok || echo "FAILED (exit $rc)") in $((end - start)) s"
    return 0
}

lint() {
    yamllint -s . && ansible-lint --profile production --offline -q
}

unit() {
    pytest -q -p no:cacheprovider tests/unit
}

scenario() {
    molecule test -s "$1"
}

# The test images (debootstrap, dpkg: disk and network bound) build in the background while the venv is
# made and lint and unit tests (CPU bound, no containers) run; the scenarios wait for them.
images_log=$(mktemp /tmp/cnil-images.XXXXXX.log)
images_pid=""
start_images() {
    images_start=$(date +%s)
    bash scripts/setup.sh images >"$images_log" 2>&1 &
    images_pid=$!
}
wait_images() {
    local rc=0
    wait "$images_pid" || rc=$?
    cat "$images_log"
    echo "images: built in $(( $(date +%s) - images_start )) s, in the background since the end of stage host"
    return "$rc"
}

setup_failed() {
    echo "setup failed: nothing else can run" >&2
    [[ -z $images_pid ]] || kill "$images_pid" 2>/dev/null
    exit 1
}

t0=$(date +%s)
if [[ -z $only ]]; then  # lint and unit tests need neither Docker nor the images
    stage host bash scripts/setup.sh host
    [[ ${results[-1]} == 0 ]] || setup_failed
    start_images
fi
stage venv bash scripts/setup.sh venv
[[ ${results[-1]} == 0 ]] || setup_failed
[[ -z $only || $only == lint ]] && stage lint lint
[[ -z $only || $only == unit ]] && stage unit unit
if [[ -z $only ]]; then
    stage "images (wait)" wait_images
    if [[ ${results[-1]} != 0 ]]; then
        echo "the test images failed to build: no scenario can run" >&2
        scenarios=()
    elif [[ $all == 1 ]]; then
        mapfile -t scenarios < <(find molecule -mindepth 2 -maxdepth 2 -name molecule.yml -printf '%h\n' | xargs -n1 basename | grep -vx windows | sort)
    else
        scenarios=("${ci_scenarios[@]}")
    fi
    for s in "${scenarios[@]}"; do
        stage "molecule $s" scenario "$s"
    done
    # Needs a real Windows host (CNIL_WINDOWS_*): reported as skipped without one, never as passed.
    if [[ -n ${CNIL_WINDOWS_HOST:-} ]]; then
        stage "molecule windows" bash scripts/windows-scenario.sh
    else
        bash scripts/windows-scenario.sh
        names+=("molecule windows") results+=(skip) times+=(0)
    fi
fi

echo
echo "=== summary"
passed=0 failed=0 skipped=0
for i in "${!names[@]}"; do
    case ${results[$i]} in
        0) word=ok passed=$((passed + 1)) ;;
        skip) word=SKIPPED skipped=$((skipped + 1)) ;;
        *) word=FAILED failed=$((failed + 1)) ;;
    esac
    printf '  %-28s %-8s %5d s\n' "${names[$i]}" "$word" "${times[$i]}"
done
echo "  total: $(( $(date +%s) - t0 )) s"
echo "stages: $passed passed, $failed failed, $skipped skipped"
[[ $failed == 0 ]]
