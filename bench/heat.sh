#!/usr/bin/env bash
# parkit heat against this machine's memory bandwidth, and shared memory
# against distributed memory on the same grid (issue 15).
#
#   bench/heat.sh [path/to/parkit] [runs]
#
# (a) The bandwidth limit: bench/triad.c (a STREAM-style triad, 24 bytes an
#     element) at 1 and 2 threads, run as cases among the others so it sees
#     the same machine, and parkit heat on a grid far beyond
#     cache (BIG^2 doubles, default 8192: two copies of 512 MiB) at 1 and 2
#     threads: MLUP/s, GB/s at 16 bytes an update (STREAM's way of counting:
#     a read and a write), and that as a fraction of the triad's GB/s.
# (b) 2 MPI ranks of 1 thread against 2 OpenMP threads, for every halo
#     mode, on the big grid and on a small one (SMALL^2, default 256, where
#     the halo is a large share): MLUP/s and the halo's share of the time.
# (d) --time-block K on the big grid (threads and ranks) and the small one:
#     the same field with less memory traffic and fewer messages.
# (c) Strong scaling of the big grid over 1-4 ranks (4 ranks on 2 cores are
#     oversubscribed), nonblocking halos: MLUP/s, sweep and halo seconds.
# Each cell is the minimum and median of RUNS runs (default 3); the cases
# alternate within each run, forward on odd runs and backward on even ones.
# MLUP/s are parkit's own (cells x steps over the slowest rank's stepping
# time, from --json); every run goes to bench/results/heat-<UTC>.csv.
#
# Environment: BIG (default 8192), BIG_STEPS (default 40), SMALL (256),
# SMALL_STEPS (20000), BENCH_TIMEOUT (seconds a run, default 600).
set -euo pipefail

BIN=${1:-build/parkit}
RUNS=${2:-3}
BIG=${BIG:-8192}
BIG_STEPS=${BIG_STEPS:-40}
SMALL=${SMALL:-256}
SMALL_STEPS=${SMALL_STEPS:-20000}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-600}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "bench: $*" >&2; exit 1; }
case $RUNS in '' | *[!0-9]* | 0) die "runs must be a positive integer, not '$RUNS'" ;; esac
command -v jq >/dev/null 2>&1 || die "jq is missing; install it with: apt-get install jq"
{ [ -f "$BIN" ] && [ -x "$BIN" ]; } || die "no parkit binary at '$BIN' (run make first)"
triad=$(dirname "$BIN")/triad
make --no-print-directory -s BUILD="$(dirname "$BIN")" "$triad" >/dev/null || die "cannot build $triad"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parkit-heat.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cp "$BIN" "$tmp/parkit"
PK=$tmp/parkit
mpi=$("$PK" info --json | jq -r '.mpi')
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
# No OMP_WAIT_POLICY=passive here: a small grid's steps are microseconds, and threads that sleep
# between them would measure the wake-up, not the stencil (ranks run 1 thread each).
export OMPI_MCA_rmaps_base_oversubscribe=1

BIGGRID="--size $BIG --steps $BIG_STEPS"
SMALLGRID="--size $SMALL --steps $SMALL_STEPS"
# cases: id group threads ranks parkit-arguments...
# The limit, measured among the cases it limits (alternated with them): the triad at 1 and 2 threads.
cases=(
    "triad-t1          limit  1 1 triad"
    "triad-t2          limit  2 1 triad"
    "big-t1            big    1 1 $BIGGRID"
    "big-t2            big    2 1 $BIGGRID"
    "small-t2          small  2 1 $SMALLGRID"
    "big-t1-tb8        big    1 1 $BIGGRID --time-block 8"
    "big-t2-tb4        big    2 1 $BIGGRID --time-block 4"
    "big-t2-tb8        big    2 1 $BIGGRID --time-block 8"
    "big-t2-tb16       big    2 1 $BIGGRID --time-block 16"
)
if [ "$mpi" = true ] && command -v mpirun >/dev/null 2>&1; then
    for halo in sendrecv nonblocking neighbor; do
        cases+=("big-np2-$halo big 1 2 $BIGGRID --halo $halo")
        cases+=("small-np2-$halo small 1 2 $SMALLGRID --halo $halo")
    done
    cases+=("big-np2-tb8 big 1 2 $BIGGRID --halo nonblocking --time-block 8")
    cases+=("small-np2-tb8 small 1 2 $SMALLGRID --halo nonblocking --time-block 8")
    for np in 1 3 4; do
        cases+=("big-np$np-nonblocking scaling 1 $np $BIGGRID --halo nonblocking")
    done
fi

mkdir -p "$here/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
csv="$here/results/heat-$stamp.csv"
echo "case,group,threads,ranks,run,mlups,gbytes,sweep_avg,halo_avg,halo_max,overlap_avg,checksum" >"$csv"
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "machine:   $(nproc) CPUs ($cpu_model), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "parkit:    $("$PK" --version)"
echo "cases:     ${BIG}^2 x $BIG_STEPS steps; ${SMALL}^2 x $SMALL_STEPS steps; $RUNS runs"


run_case() {
    local id=$1 group=$2 threads=$3 ranks=$4 run=$5
    shift 5
    if [ "$1" = triad ]; then
        # GB/s goes in the GB/s column (the best of its 10 passes), nothing else.
        OMP_NUM_THREADS=$threads "$triad" 512 10 >"$tmp/out" || die "$id failed"
        echo "$id,$group,$threads,$ranks,$run,0,$(awk '{ print $2 }' "$tmp/out"),0,0,0,0,triad" >>"$csv"
        return
    fi
    local launcher=()
    [ "$ranks" -gt 1 ] || [ "$group" = scaling ] &&
        launcher=(mpirun -np "$ranks" --bind-to none -x OMP_NUM_THREADS="$threads")
    OMP_NUM_THREADS=$threads timeout "$BENCH_TIMEOUT" "${launcher[@]}" "$PK" heat "$@" -t "$threads" --json \
        >"$tmp/out" 2>"$tmp/err" || die "$id failed: $(tail -3 "$tmp/err")"
    jq -r --arg id "$id" --arg group "$group" --arg t "$threads" --arg r "$ranks" --arg run "$run" \
        '[$id, $group, $t, $r, $run, .mlups, .gbytes_per_second, .sweep_seconds_per_rank.avg,
          .halo_seconds_per_rank.avg, .halo_seconds_per_rank.max, .overlap_seconds_per_rank.avg, .checksum] | @csv' \
        "$tmp/out" | tr -d '"' >>"$csv"
}

for run in $(seq 1 "$RUNS"); do
    order=("${cases[@]}")
    if [ $((run % 2)) = 0 ]; then
        order=()
        for ((i = ${#cases[@]} - 1; i >= 0; i--)); do order+=("${cases[i]}"); done
    fi
    for c in "${order[@]}"; do
        # shellcheck disable=SC2086 # the case is words on purpose
        set -- $c
        id=$1 group=$2 threads=$3 ranks=$4
        shift 4
        run_case "$id" "$group" "$threads" "$ranks" "$run" "$@"
    done
    echo "run $run of $RUNS done (load $(cut -d' ' -f1 /proc/loadavg))"
done

# Every model computed the same field, grid by grid.
for size in big small; do
    n=$(awk -F, -v g="$size" '($2 == g || (g == "big" && $2 == "scaling")) && $12 != "triad" { print $12 }' "$csv" |
        sort -u | wc -l)
    [ "$n" = 1 ] || die "$size grid: the models gave different fields (see $csv)"
done

# median ID COLUMN: the median of a column over the runs of a case (mawk has no asort).
median() {
    awk -F, -v id="$1" -v col="$2" '$1 == id { print $col }' "$csv" | sort -g |
        awk '{ v[NR] = $1 } END { printf "%s\n", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
triad1=$(median triad-t1 7)
triad2=$(median triad-t2 7)
echo "triad:     $triad1 GB/s on 1 thread, $triad2 GB/s on 2 (medians of $RUNS runs alternated with the cases, each the best of 10 passes over 3 x 512 MiB, 24 bytes an element)"
echo "limit:     $(awk -v t="$triad2" 'BEGIN { printf "%.0f", t * 1e3 / 16 }') MLUP/s on 2 threads at 16 bytes an update"
echo
echo "| case | threads x ranks | MLUP/s min | MLUP/s median | GB/s (median) | of the triad | halo share (median) |"
echo "|---|---|---|---|---|---|---|"
for c in "${cases[@]}"; do
    # shellcheck disable=SC2086
    set -- $c
    id=$1 threads=$3 ranks=$4
    [ "$2" = limit ] && continue
    least=$(awk -F, -v id="$id" '$1 == id { print $6 }' "$csv" | sort -g | sed -n 1p) # all input read: no SIGPIPE under pipefail
    mlups=$(median "$id" 6)
    gbytes=$(median "$id" 7)
    sweep=$(median "$id" 8)
    halo=$(median "$id" 9)
    limit=$triad1
    [ $((threads * ranks)) -gt 1 ] && limit=$triad2
    awk -v id="$id" -v t="$threads" -v r="$ranks" -v least="$least" -v m="$mlups" -v g="$gbytes" -v l="$limit" \
        -v sw="$sweep" -v h="$halo" 'BEGIN {
            printf "| %s | %d x %d | %.0f | %.0f | %.2f | %.0f%% | %.1f%% |\n", id, t, r, least, m, g, 100 * g / l,
                (sw + h > 0 ? 100 * h / (sw + h) : 0)
        }'
done
echo
echo "results: $csv"
