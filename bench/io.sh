#!/usr/bin/env bash
# The I/O stage, measured in one run on this machine:
#   (a) `parkit primes list 1e9 -o FILE` against `primesieve 1e9 -p > FILE`
#       (time, peak RSS, and that the bytes are the same);
#   (b) `check` of a large file of 64-bit numbers, end to end against the
#       compute alone (the same numbers already in memory, tested by
#       build/check-compute-only), with --io-threads 0 (the compute side
#       reads and writes) and with reader and writer threads; then again
#       with one core left to the I/O stage (compute on one thread fewer);
#   (c) many small files read by 1 against 4 reader threads.
#
#   bench/io.sh [path/to/parkit] [check-file-MB] [runs]
#
# Files are made in a temporary directory (about check-file-MB plus 0.5 GB)
# and removed at the end.  Results also go to bench/results/io-<date>.csv.
set -euo pipefail

BIN=$(cd "$(dirname "${1:-build/parkit}")" && pwd)/$(basename "${1:-build/parkit}")
MB=${2:-1000}
RUNS=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
command -v primesieve >/dev/null || { echo "bench: primesieve is missing: apt-get install primesieve" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing: apt-get install time" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench: no parkit binary at '$BIN' (run make first)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/parkit-bench-io.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$here/results"
csv="$here/results/io-$(date -u +%Y%m%dT%H%M%SZ).csv"
echo "case,tool,run,seconds,max_rss_kib" >"$csv"

echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "parkit:  $("$BIN" --version), $(primesieve --version | sed -n 1p)"
echo "runs:    $RUNS per case, alternating; minimum (and median) seconds shown"
echo

# timed CASE TOOL cmd...: prints "seconds max_rss_kib", records a CSV row.
timed() {
    local case=$1 tool=$2 index=$3
    shift 3
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >/dev/null 2>"$work/stderr"
    local seconds rss
    read -r seconds rss <"$work/time"
    echo "$case,$tool,$index,$seconds,$rss" >>"$csv"
    echo "$seconds $rss"
}
min_of() { sort -n | sed -n 1p; }

median_of() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# Every run writes a new file after the previous one is on disk (rm, sync),
# so neither tool pays for the other's write-back.
fresh() { rm -f "$work/parkit.txt" "$work/primesieve.txt"; sync; }

echo "(a) list 1e9 to a file"
pk_times=() ps_times=() pk_rss=0 ps_rss=0
for ((i = 1; i <= RUNS; i++)); do
    fresh
    read -r s r < <(timed list-1e9 parkit "$i" "$BIN" primes list 1e9 -o "$work/parkit.txt")
    pk_times+=("$s"); pk_rss=$r
    cp "$work/parkit.txt" "$work/parkit.kept"
    fresh
    read -r s r < <(timed list-1e9 primesieve "$i" sh -c "primesieve 1e9 -p > '$work/primesieve.txt'")
    ps_times+=("$s"); ps_rss=$r
done
pk=$(printf '%s\n' "${pk_times[@]}" | min_of) ps=$(printf '%s\n' "${ps_times[@]}" | min_of)
pk_med=$(printf '%s\n' "${pk_times[@]}" | median_of) ps_med=$(printf '%s\n' "${ps_times[@]}" | median_of)
same=$(cmp -s "$work/parkit.kept" "$work/primesieve.txt" && echo "identical bytes" || echo "BYTES DIFFER")
printf '    min:    parkit %6.2f s %7d KiB   primesieve %6.2f s %7d KiB   speed-up %.2fx   %s\n' \
    "$pk" "$pk_rss" "$ps" "$ps_rss" "$(echo "$ps $pk" | awk '{ print $1 / $2 }')" "$same"
printf '    median: parkit %6.2f s               primesieve %6.2f s               speed-up %.2fx\n' \
    "$pk_med" "$ps_med" "$(echo "$ps_med $pk_med" | awk '{ print $1 / $2 }')"
rm -f "$work/parkit.txt" "$work/primesieve.txt" "$work/parkit.kept"

echo "(b) check a ${MB} MB file of 64-bit numbers (odd numbers from 1e18), answers to /dev/null"
lines=$((MB * 1000000 / 20))
seq 1000000000000000001 2 $((1000000000000000001 + 2 * (lines - 1))) >"$work/numbers.txt"
echo "    $(wc -l <"$work/numbers.txt") numbers, $(du -m "$work/numbers.txt" | cut -f1) MB"
# The reference: the same numbers already in memory, tested on the same
# threads by pk_primes_check (bench/check_compute_only.c).  Each round times
# the reference once and then parkit in every configuration, so a ratio
# compares runs minutes apart at most: this host's speed drifts by 10-30%,
# and a reference taken once, in a fast moment, skewed every ratio.
# Built from the tree the binary was built in (an older checkout, for a
# before/after comparison), never from this script's.
reference=$(dirname "$BIN")/check-compute-only
tree=$(git -C "$(dirname "$BIN")" rev-parse --show-toplevel 2>/dev/null || pwd)
make -s -C "$tree" "$reference" BUILD="$(dirname "$BIN")" >/dev/null
compute_threads=$(($(nproc) - 1)) # the last configuration leaves a core to the I/O stage
configs=("--io-threads 0" "--io-threads 1" "--io-threads 2")
[ "$compute_threads" -ge 1 ] && configs+=("-t $compute_threads --io-threads 1")
declare -A seconds ratios rss
ref_all=() spare_all=()
for ((i = 1; i <= RUNS; i++)); do
    read -r compute _ ref_primes < <("$reference" "$work/numbers.txt" 1)
    echo "check,compute-only,$i,$compute," >>"$csv"
    ref_all+=("$compute")
    if [ "$compute_threads" -ge 1 ]; then
        read -r spare _ _ < <(OMP_NUM_THREADS=$compute_threads "$reference" "$work/numbers.txt" 1)
        echo "check,compute-only-${compute_threads}t,$i,$spare," >>"$csv"
        spare_all+=("$spare")
    fi
    for config in "${configs[@]}"; do
        # shellcheck disable=SC2086 # config is words on purpose
        /usr/bin/time -f '%e %M' -o "$work/time" "$BIN" primes check "$work/numbers.txt" $config \
            >/dev/null 2>"$work/stderr"
        read -r s r <"$work/time"
        echo "check-${MB}MB $config,parkit,$i,$s,$r" >>"$csv"
        ref=$compute
        [[ $config == -t* ]] && ref=$spare
        seconds[$config]+="$s " ratios[$config]+="$(echo "$ref $s" | awk '{ print $1 / $2 }') "
        rss[$config]=$r
    done
done
printf '    compute only (numbers in memory): %6.2f s (median %6.2f s), %d primes\n' \
    "$(printf '%s\n' "${ref_all[@]}" | min_of)" "$(printf '%s\n' "${ref_all[@]}" | median_of)" "$ref_primes"
[ "$compute_threads" -ge 1 ] && printf '    compute only on %d thread(s):     %6.2f s (median %6.2f s)\n' "$compute_threads" \
    "$(printf '%s\n' "${spare_all[@]}" | min_of)" "$(printf '%s\n' "${spare_all[@]}" | median_of)"
for config in "${configs[@]}"; do
    # shellcheck disable=SC2086
    best=$(printf '%s\n' ${seconds[$config]} | min_of) median=$(printf '%s\n' ${seconds[$config]} | median_of)
    # shellcheck disable=SC2086
    printf '    %-26s end to end %6.2f s (median %6.2f s) -> %.2fx of the compute-only rate (median of rounds; best %.2fx), %d KiB\n' \
        "$config:" "$best" "$median" "$(printf '%s\n' ${ratios[$config]} | median_of)" \
        "$(printf '%s\n' ${ratios[$config]} | sort -n | tail -1)" "${rss[$config]}"
done
primes=$("$BIN" primes check "$work/numbers.txt" | grep -c ' prime$' || true)
[ "$primes" = "$ref_primes" ] || echo "    ANSWERS DIFFER: $primes primes end to end, $ref_primes in memory"
rm -f "$work/numbers.txt"

echo "(c) 2000 small files of 500 numbers each"
mkdir -p "$work/small"
for f in $(seq 1 2000); do seq $((f * 1000000000000)) 7 $((f * 1000000000000 + 3493)) >"$work/small/$f.txt"; done
# Warm: the files are in the page cache, so there is no latency to hide.
# Cold (root only): the cache is dropped before each run, so the files come
# from the disk, and reader threads can wait for several of them at once.
cold=0
[ -w /proc/sys/vm/drop_caches ] && cold=1
for io in 1 4; do
    times=() cold_times=()
    for ((i = 1; i <= RUNS; i++)); do
        read -r s r < <(timed small-files-io$io parkit "$i" "$BIN" primes check "$work"/small/*.txt --io-threads "$io")
        times+=("$s")
        if [ "$cold" = 1 ]; then
            sync
            echo 3 >/proc/sys/vm/drop_caches
            read -r s r < <(timed small-files-cold-io$io parkit "$i" "$BIN" primes check "$work"/small/*.txt \
                --io-threads "$io")
            cold_times+=("$s")
        fi
    done
    if [ "$cold" = 1 ]; then
        printf '    --io-threads %d: %6.2f s warm, %6.2f s cold (page cache dropped)\n' "$io" \
            "$(printf '%s\n' "${times[@]}" | min_of)" "$(printf '%s\n' "${cold_times[@]}" | min_of)"
    else
        printf '    --io-threads %d: %6.2f s (warm; run as root to also measure a cold cache)\n' "$io" \
            "$(printf '%s\n' "${times[@]}" | min_of)"
    fi
done
echo
echo "raw runs: $csv"
