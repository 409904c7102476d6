#!/usr/bin/env bash
# parkit mandel against the textbook loop, and the schedules and distributions
# against each other, in one run on this machine (issue 14).
#
#   bench/mandel.sh [path/to/parkit] [runs]
#
# (a) Throughput against bench/mandel_textbook.c (scalar, one pixel at a time,
#     OpenMP schedule(dynamic)), at 1 and 2 threads, on the benchmarks game's
#     case (N = PBM_N, default 16000) and a deep zoom (ZOOM_SIZE^2 pixels,
#     default 4096, at ZOOM_ITERATIONS, default 5000, in the seahorse valley).
#     Both write the same bytes (checked once per case); the target is at
#     least 3x the textbook loop's throughput on the same threads.
# (b) PNG against PPM and raw counts, PNG_SIZE^2 pixels (default 16384) of the
#     whole set into a file, with --io-threads 0 (the compute threads write)
#     and 2; and compression alone (bench/png_deflate.c: parkit's own bands
#     of the same picture, one thread, nothing else running), so the share of
#     the compression time that does not show in PNG's wall time is
#     1 - (PNG - PPM) / compression alone.
# (c) OpenMP static, dynamic and guided at 2 threads, and (with an MPI build)
#     --distribute block, cyclic and dynamic over 2 and 4 ranks of 1 thread,
#     on the deep zoom: wall time, and the spreads (max/mean) of the threads'
#     busy time and of the ranks' compute, from --json.
# Each cell is the minimum and median of RUNS runs (default 3); the cases
# alternate within each run, forward on odd runs and backward on even ones.
# Wall time is /usr/bin/time around the whole command.  Every run goes to
# bench/results/mandel-<UTC timestamp>.csv; a markdown table is printed.
#
# Environment: PBM_N, ZOOM_SIZE, ZOOM_ITERATIONS, PNG_SIZE, BENCH_TIMEOUT (seconds a run, default 900),
# CASES (an extended regular expression: only the cases whose id matches; default every case).
set -euo pipefail

BIN=${1:-build/parkit}
RUNS=${2:-3}
PBM_N=${PBM_N:-16000}
ZOOM_SIZE=${ZOOM_SIZE:-4096}
ZOOM_ITERATIONS=${ZOOM_ITERATIONS:-5000}
PNG_SIZE=${PNG_SIZE:-16384}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
CASES=${CASES:-.}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "bench: $*" >&2; exit 1; }
case $RUNS in '' | *[!0-9]* | 0) die "runs must be a positive integer, not '$RUNS'" ;; esac
[ -x /usr/bin/time ] || die "/usr/bin/time is missing; install it with: apt-get install time"
command -v jq >/dev/null 2>&1 || die "jq is missing; install it with: apt-get install jq"
{ [ -f "$BIN" ] && [ -x "$BIN" ]; } || die "no parkit binary at '$BIN' (run make first)"
# The textbook loop, built in the tree of the binary measured.
textbook=$(dirname "$BIN")/mandel-textbook
make --no-print-directory -s BUILD="$(dirname "$BIN")" "$textbook" >/dev/null || die "cannot build $textbook"
deflate=$(dirname "$BIN")/png-deflate
make --no-print-directory -s BUILD="$(dirname "$BIN")" "$deflate" >/dev/null || die "cannot build $deflate"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parkit-mandel.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
cp "$BIN" "$tmp/parkit"
cp "$textbook" "$tmp/textbook"
cp "$deflate" "$tmp/png-deflate"
PK=$tmp/parkit
TB=$tmp/textbook
DF=$tmp/png-deflate
mpi=$("$PK" info --json | jq -r '.mpi')
if [ "$(id -u)" = 0 ]; then export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1; fi
export OMPI_MCA_rmaps_base_oversubscribe=1 OMP_WAIT_POLICY=passive

ZOOM="--size $ZOOM_SIZE --center -0.7435,0.1314 --zoom 200 --iterations $ZOOM_ITERATIONS"
# cases: id group threads ranks command...
cases=(
    "pbm-textbook-t1   pbm-t1  1 1 $TB pbm $PBM_N"
    "pbm-parkit-t1     pbm-t1  1 1 $PK mandel --format pbm --size $PBM_N -t 1"
    "pbm-textbook-t2   pbm-t2  2 1 $TB pbm $PBM_N"
    "pbm-parkit-t2     pbm-t2  2 1 $PK mandel --format pbm --size $PBM_N -t 2"
    "zoom-textbook-t1  zoom-t1 1 1 $TB raw $ZOOM_SIZE $ZOOM_SIZE -0.7435 0.1314 200 $ZOOM_ITERATIONS"
    "zoom-parkit-t1    zoom-t1 1 1 $PK mandel --format raw $ZOOM -t 1"
    "zoom-textbook-t2  zoom-t2 2 1 $TB raw $ZOOM_SIZE $ZOOM_SIZE -0.7435 0.1314 200 $ZOOM_ITERATIONS"
    "zoom-parkit-t2    zoom-t2 2 1 $PK mandel --format raw $ZOOM -t 2"
    "png-io0           io      2 1 $PK mandel --size $PNG_SIZE --format png -t 2 --io-threads 0"
    "png-io2           io      2 1 $PK mandel --size $PNG_SIZE --format png -t 2 --io-threads 2"
    "ppm-file          io      2 1 $PK mandel --size $PNG_SIZE --format ppm -t 2"
    "raw-file          io      2 1 $PK mandel --size $PNG_SIZE --format raw -t 2"
    "deflate-alone     io      1 1 $DF $tmp/pixels.ppm"
    "omp-static        sched   2 1 $PK mandel --format raw $ZOOM -t 2 --schedule static"
    "omp-dynamic       sched   2 1 $PK mandel --format raw $ZOOM -t 2 --schedule dynamic"
    "omp-guided        sched   2 1 $PK mandel --format raw $ZOOM -t 2 --schedule guided"
)
if [ "$mpi" = true ] && command -v mpirun >/dev/null 2>&1; then
    for np in 2 4; do
        for dist in block cyclic dynamic; do
            cases+=("mpi$np-$dist dist$np 1 $np $PK mandel --format raw $ZOOM --distribute $dist")
        done
    done
fi
selected=()
for c in "${cases[@]}"; do
    [[ ${c%% *} =~ $CASES ]] && selected+=("$c")
done
[ ${#selected[@]} -gt 0 ] || die "no case matches CASES='$CASES'"
cases=("${selected[@]}")

mkdir -p "$here/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
csv="$here/results/mandel-$stamp.csv"
echo "case,group,threads,ranks,run,wall_seconds,max_rss_kib,compute_min,compute_avg,compute_max,md5,thread_imbalance" >"$csv"
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "machine:   $(nproc) CPUs ($cpu_model), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "load:      $(cut -d' ' -f1-3 /proc/loadavg) at start"
echo "parkit:    $("$PK" --version), simd $("$PK" mandel --format pbm --size 8 -o "$tmp/x.pbm" --json | jq -r .simd)"
echo "cases:     PBM N=$PBM_N; zoom ${ZOOM_SIZE}^2 at $ZOOM_ITERATIONS iterations; images ${PNG_SIZE}^2; $RUNS runs"
# Compression alone deflates the picture the PNG runs compress, as a PPM.
if [[ " ${cases[*]} " == *" $DF "* ]]; then
    "$PK" mandel --size "$PNG_SIZE" --format ppm -t 2 -o "$tmp/pixels.ppm" || die "cannot write the PPM to deflate"
fi

# run_case ID GROUP THREADS RANKS CMD...: one timed run, appended to the CSV.
run_case() {
    local id=$1 group=$2 threads=$3 ranks=$4 run=$5
    shift 5
    local out=$tmp/out json=$tmp/json launcher=()
    [ "$ranks" -gt 1 ] && launcher=(mpirun -np "$ranks" --bind-to none -x OMP_NUM_THREADS=1 -x OMP_WAIT_POLICY)
    local jsonargs=()
    # parkit reports its per-rank compute in --json, which needs -o.
    [ "$1" = "$PK" ] && jsonargs=(-o "$tmp/image" --json)
    OMP_NUM_THREADS=$threads timeout "$BENCH_TIMEOUT" /usr/bin/time -f '%e %M' -o "$tmp/time" \
        "${launcher[@]}" "$@" "${jsonargs[@]}" >"$out" 2>"$tmp/err" || die "$id failed: $(tail -3 "$tmp/err")"
    local wall rss cmin="" cavg="" cmax="" sum imbalance=""
    read -r wall rss <"$tmp/time"
    # png-deflate times its compression alone, without reading the picture.
    [ "$1" = "$DF" ] && wall=$(cat "$out")
    if [ "$1" = "$PK" ]; then
        cmin=$(jq -r '.compute_seconds_per_rank.min' "$out")
        cavg=$(jq -r '.compute_seconds_per_rank.avg' "$out")
        cmax=$(jq -r '.compute_seconds_per_rank.max' "$out")
        imbalance=$(jq -r '.imbalance.threads' "$out")
        sum=$(md5sum <"$tmp/image" | cut -c1-32)
    else
        sum=$(md5sum <"$out" | cut -c1-32)
    fi
    echo "$id,$group,$threads,$ranks,$run,$wall,$rss,$cmin,$cavg,$cmax,$sum,$imbalance" >>"$csv"
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

# The textbook loop and parkit wrote the same bytes, case by case.
for group in pbm-t1 pbm-t2 zoom-t1 zoom-t2; do
    n=$(awk -F, -v g="$group" '$2 == g { print $11 }' "$csv" | sort -u | wc -l)
    [ "$n" -le 1 ] || die "$group: the textbook loop and parkit wrote different bytes (see $csv)"
done

echo
echo "| case | threads x ranks | wall min | wall median | busy max/mean over threads | compute max/mean over ranks | vs textbook (median) |"
echo "|---|---|---|---|---|---|---|"
stat() { # stat ID COLUMN: "min median"
    awk -F, -v id="$1" -v col="$2" '$1 == id { print $col }' "$csv" | sort -g |
        awk '{ v[NR] = $1 } END { printf "%s %s\n", v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'
}
for c in "${cases[@]}"; do
    # shellcheck disable=SC2086
    set -- $c
    read -r wmin wmed < <(stat "$1" 6)
    spread=$(awk -F, -v id="$1" '$1 == id && $9 > 0 { s += $10 / $9; n++ } END { if (n) printf "%.2f", s / n }' "$csv")
    threads_spread=$(awk -F, -v id="$1" '$1 == id && $12 != "" { s += $12; n++ } END { if (n) printf "%.2f", s / n }' "$csv")
    ratio=""
    case $1 in
    *-parkit-*)
        read -r _ tmed < <(stat "${1/parkit/textbook}" 6)
        ratio=$(awk -v a="$tmed" -v b="$wmed" 'BEGIN { printf "%.2fx", a / b }')
        ;;
    esac
    echo "| $1 | $3 x $4 | $wmin s | $wmed s | $threads_spread | $spread | $ratio |"
done
if grep -q '^deflate-alone,' "$csv" && grep -q '^ppm-file,' "$csv"; then
    read -r _ alone < <(stat deflate-alone 6)
    read -r _ ppm < <(stat ppm-file 6)
    echo
    for id in png-io0 png-io2; do
        grep -q "^$id," "$csv" || continue
        read -r _ png < <(stat "$id" 6)
        awk -v id="$id" -v png="$png" -v ppm="$ppm" -v alone="$alone" 'BEGIN {
            printf "%s: compression alone %.2f s on one thread; PNG - PPM %.2f s; hidden %.0f%% of it\n",
                id, alone, png - ppm, 100 * (1 - (png - ppm) / alone) }'
    done
fi
echo
echo "results: $csv"
