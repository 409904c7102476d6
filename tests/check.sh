#!/usr/bin/env bash
# `make check`: what the tests need (tests/deps.sh), the build, then every
# suite - unit, cli, install, mpi, hosts, slurm, slurm-nodes - each passed, FAILED or SKIPPED (with why),
# and a summary that never says "all passed" when a suite or a test was
# skipped.  In CI (CI=true) a skipped suite is a failure.
#
#   tests/check.sh MAKE BUILD     (as the Makefile calls it)
set -u
cd "$(dirname "$0")/.."
MAKE=${1:-make}
BUILD=${2:-build}
start=$(date +%s)

tests/deps.sh || exit 1
# A new make reads the knobs afresh: what deps.sh installed (MPI, GMP,
# libinih, libpng) is built in.
$MAKE --no-print-directory all || exit 1

passed=() failed=() skipped=() notes=()
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# suite NAME TARGET: runs `make TARGET`, files it under passed or failed,
# and keeps the tests it skipped.
suite() {
    local name=$1 target=$2
    $MAKE --no-print-directory "$target" 2>&1 | tee "$log"
    local rc=${PIPESTATUS[0]}
    if [ "$rc" != 0 ]; then
        failed+=("$name")
        return
    fi
    passed+=("$name")
    local n
    n=$(grep -Eo '[0-9]+ skipped' "$log" | tail -1 | cut -d' ' -f1)
    [ -n "$n" ] && [ "$n" != 0 ] && notes+=("$name: $n tests skipped (see its SKIP lines)")
    n=$(grep -c '^SKIPPED: ' "$log")
    [ "$n" = 1 ] && notes+=("$name: 1 group of tests compiled out (its SKIPPED line says why)")
    [ "$n" -gt 1 ] && notes+=("$name: $n groups of tests compiled out (their SKIPPED lines say why)")
}

# skip NAME WHY: a suite that cannot run here.
skip() {
    echo "make check: SKIPPED tests/$1 ($2)"
    skipped+=("$1")
    notes+=("$1: $2")
}

suite unit unit-tests
suite cli cli-tests
suite install install-tests
if "$BUILD/parkit" info --json | grep -q '"mpi":true'; then
    suite mpi mpi-tests
else
    skip mpi "built without MPI: apt-get install openmpi-bin libopenmpi-dev, then make check again"
fi
# Hosts of network namespaces (tests/hosts, and the multi-node Slurm
# cluster): what is missing for them, or nothing.
hosts_missing=""
if ! "$BUILD/parkit" info --json | grep -q '"mpi":true'; then
    hosts_missing="built without MPI"
elif [ "$(id -u)" != 0 ]; then
    hosts_missing="it makes hosts of network namespaces: run make check as root"
elif ! command -v ip >/dev/null || ! command -v unshare >/dev/null || ! command -v nsenter >/dev/null; then
    hosts_missing="apt-get install iproute2 util-linux"
fi
if [ ${#hosts_missing} -gt 0 ]; then
    skip hosts "$hosts_missing"
else
    suite hosts hosts-tests
fi
if [ "$(id -u)" != 0 ]; then
    skip slurm "it starts slurmctld, slurmd and munge: run make check as root"
elif ! command -v sbatch >/dev/null || ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    skip slurm "apt-get install slurm-wlm munge libpmix2"
else
    suite slurm slurm-tests
    if [ ${#hosts_missing} -gt 0 ]; then
        skip slurm-nodes "$hosts_missing"
    else
        suite slurm-nodes slurm-nodes-tests
    fi
fi

minutes=$((($(date +%s) - start + 30) / 60))
echo
summary="${#passed[@]} suites passed (${passed[*]})"
[ ${#failed[@]} -gt 0 ] && summary="$summary, ${#failed[@]} FAILED (${failed[*]})"
[ ${#skipped[@]} -gt 0 ] && summary="$summary, ${#skipped[@]} SKIPPED (${skipped[*]})"
echo "make check: $summary, in about $minutes min"
for note in "${notes[@]}"; do
    echo "  $note"
done
[ ${#failed[@]} -eq 0 ] || exit 1
if [ ${#skipped[@]} -gt 0 ] && [ "${CI:-}" = true ]; then
    echo "make check: in CI a skipped suite is a failure" >&2
    exit 1
fi
exit 0
