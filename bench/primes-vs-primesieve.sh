#!/usr/bin/env bash
# parkit against primesieve, in one run, on this machine.
#
#   bench/primes-vs-primesieve.sh [path/to/parkit] [runs]
#
# For 1 and 2 threads: `primes count 1e10` against `primesieve 1e10`, and the
# textbook `--algo trial` on 1e7 beside the sieve on 1e7, so what the
# algorithm buys and what parallelism buys can be read apart.  Then the
# peak RSS of `count 1e15 1e15+1e9` against primesieve on the same range.
# Each timing is the minimum and median of RUNS runs (default 3), parkit and
# primesieve alternating so both see the same machine conditions.  Results
# go to stdout and to bench/results/primes-vs-primesieve-<date>.csv.
set -euo pipefail

BIN=${1:-build/parkit}
RUNS=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "bench: '$1' is missing; install it with: apt-get install $2" >&2
    exit 1
}
need primesieve primesieve
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing; install it with: apt-get install time" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench: no parkit binary at '$BIN' (run make first)" >&2; exit 1; }

mkdir -p "$here/results"
csv="$here/results/primes-vs-primesieve-$(date -u +%Y%m%dT%H%M%SZ).csv"
echo "case,threads,tool,run,seconds,max_rss_kib,answer" > "$csv"

# run CASE THREADS TOOL RUN cmd...: time one command, record it, print its seconds.
run() {
    local case=$1 threads=$2 tool=$3 index=$4
    shift 4
    local out err
    out=$(mktemp) err=$(mktemp)
    /usr/bin/time -f '%e %M' -o "$err" "$@" > "$out"
    local seconds rss answer
    read -r seconds rss < "$err"
    answer=$(tr -d '\n' < "$out")
    rm -f "$out" "$err"
    echo "$case,$threads,$tool,$index,$seconds,$rss,$answer" >> "$csv"
    echo "$seconds $rss $answer"
}

# stats FILE: "min median" of the first column.
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f", v[1], m }'
}

echo "machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "parkit:  $("$BIN" --version), primesieve: $(primesieve --version | sed -n 1p)"
echo "runs:    $RUNS per case, alternating; min and median seconds"
echo

printf '%-34s %7s %16s %16s %14s\n' "case" "threads" "parkit min/med" "reference min/med" "ratio (median)"
compare() { # compare LABEL THREADS "parkit args" "reference cmd"
    local label=$1 threads=$2 parkit_args=$3 reference=$4
    local pk_times ref_times pk_answer ref_answer
    pk_times=$(mktemp) ref_times=$(mktemp)
    for ((i = 1; i <= RUNS; i++)); do
        read -r s _ pk_answer < <(run "$label" "$threads" parkit "$i" "$BIN" primes $parkit_args --threads "$threads" -q)
        echo "$s" >> "$pk_times"
        read -r s _ ref_answer < <(run "$label" "$threads" reference "$i" $reference)
        echo "$s" >> "$ref_times"
    done
    local pk ref
    pk=$(stats "$pk_times") ref=$(stats "$ref_times")
    rm -f "$pk_times" "$ref_times"
    local ratio
    ratio=$(echo "$pk $ref" | awk '{ printf "%.2f", ($4 > 0) ? $2 / $4 : 0 }')
    printf '%-34s %7s %16s %16s %14s' "$label" "$threads" "${pk/ //}" "${ref/ //}" "${ratio}x"
    [ "$pk_answer" = "$ref_answer" ] || printf '  ANSWERS DIFFER: %s vs %s' "$pk_answer" "$ref_answer"
    echo
}

for t in 1 2; do
    compare "count 1e10 vs primesieve" "$t" "count 1e10" "primesieve 1e10 -q --threads=$t"
done
# The algorithm against the parallelism: trial division at 1 and 2 threads,
# and the sieve on the same range, timed by parkit itself (--json), since it
# is below the 10 ms resolution of /usr/bin/time.
echo
trial_times=()
for t in 1 2; do
    times=$(mktemp)
    for ((i = 1; i <= RUNS; i++)); do
        read -r s _ _ < <(run "trial 1e7" "$t" parkit "$i" "$BIN" primes count 1e7 --algo trial --threads "$t" -q)
        echo "$s" >>"$times"
    done
    trial_times+=("$(stats "$times" | cut -d' ' -f2)")
    rm -f "$times"
done
sieve=$("$BIN" primes count 1e7 --threads 1 --json | sed 's/.*"compute_seconds":\([0-9.]*\).*/\1/')
echo "count 1e7, textbook trial division: ${trial_times[0]} s at 1 thread, ${trial_times[1]} s at 2 threads (median)"
echo "$sieve ${trial_times[0]} ${trial_times[1]}" | awk '{
    printf "    parallel speed-up of trial division, 1 -> 2 threads: %.2fx\n", $2 / $3
    printf "    the sieve on one thread, compute only:                %.4f s, %.0fx faster than trial division on one thread\n", $1, $2 / $1 }'

echo
echo "peak RSS of count [1e15, 1e15+1e9] (2 threads):"
read -r s_pk rss_pk ans_pk < <(run "rss 1e15+1e9" 2 parkit 1 "$BIN" primes count 1e15 1e15+1e9 --threads 2 -q)
read -r s_ps rss_ps ans_ps < <(run "rss 1e15+1e9" 2 reference 1 primesieve 1e15 1e15+1e9 -q --threads=2)
printf '  parkit     %8d KiB  %6.2f s  %s\n' "$rss_pk" "$s_pk" "$ans_pk"
printf '  primesieve %8d KiB  %6.2f s  %s\n' "$rss_ps" "$s_ps" "$ans_ps"
echo "$rss_pk $rss_ps" | awk '{ printf "  ratio      %.2fx (parkit / primesieve)\n", $1 / $2 }'
echo
echo "raw runs: $csv"
