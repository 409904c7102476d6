#!/usr/bin/env bash
# Every performance target of the project, in one run, on this machine:
#   make bench            (or bench/targets.sh [path/to/parkit] [runs])
#
# parkit against primesieve (same run, alternating, min and median of RUNS
# runs, default 3): count to 1e10 at 1 and 2 threads, the windows
# [1e15, 1e15+1e10], [1e18, 1e18+1e9], [1e19, 1e19+1e9] and
# [2^64-1e10, 2^64-1] with peak RSS, twin primes to 1e10,
# and the textbook trial division to 1e7 beside the sieve; then primality
# throughput against FLINT's n_is_prime (needs libflint-dev, for the bench
# only).  Writes bench/results/targets-<date>.csv and .md (a markdown table).
set -euo pipefail

BIN=${1:-build/parkit}
RUNS=${2:-3}
here=$(cd "$(dirname "$0")" && pwd)
command -v primesieve >/dev/null || { echo "bench: primesieve is missing: apt-get install primesieve" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "bench: /usr/bin/time is missing: apt-get install time" >&2; exit 1; }
[ -x "$BIN" ] || { echo "bench: no parkit binary at '$BIN' (run make first)" >&2; exit 1; }
case $RUNS in '' | *[!0-9]* | 0) echo "bench: runs must be a positive integer" >&2; exit 1 ;; esac

mkdir -p "$here/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
csv="$here/results/targets-$stamp.csv" md="$here/results/targets-$stamp.md"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "case,tool,run,seconds,max_rss_kib,answer" >"$csv"

conditions="$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), load $(cut -d' ' -f1-3 /proc/loadavg); $("$BIN" --version); $(primesieve --version | sed -n 1p)"
{
    echo "# parkit performance targets, $stamp"
    echo
    echo "Machine: $conditions. $RUNS runs per case, parkit and primesieve alternating."
    echo
    echo "| case | parkit min / median s | primesieve min / median s | ratio (median) | target | RSS parkit / primesieve KiB | answers |"
    echo "|---|---|---|---|---|---|---|"
} >"$md"
echo "machine: $conditions"

once() { # once CASE TOOL RUN cmd... -> "seconds rss answer"
    local case=$1 tool=$2 run=$3
    shift 3
    /usr/bin/time -f '%e %M' -o "$work/time" "$@" >"$work/out" 2>/dev/null
    local s r a
    read -r s r <"$work/time"
    a=$(tr -d '\n' <"$work/out")
    echo "$case,$tool,$run,$s,$r,$a" >>"$csv"
    echo "$s $r $a"
}
stats() { sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f", v[1], m }'; }

compare() { # compare CASE TARGET "parkit args" "primesieve args"
    local case=$1 target=$2 pk_args=$3 ps_args=$4
    : >"$work/pk" && : >"$work/ps"
    local pk_rss=0 ps_rss=0 pk_answer ps_answer s r
    for ((i = 1; i <= RUNS; i++)); do
        read -r s r pk_answer < <(once "$case" parkit "$i" "$BIN" primes $pk_args -q)
        echo "$s" >>"$work/pk"; pk_rss=$r
        read -r s r ps_answer < <(once "$case" primesieve "$i" primesieve $ps_args -q)
        echo "$s" >>"$work/ps"; ps_rss=$r
    done
    local pk ps ratio verdict answers
    pk=$(stats <"$work/pk") ps=$(stats <"$work/ps")
    ratio=$(echo "$pk $ps" | awk '{ printf "%.2f", $2 / $4 }')
    verdict=$(awk -v r="$ratio" -v t="$target" 'BEGIN { print (r <= t) ? "met" : "MISSED" }')
    answers=$([ "$pk_answer" = "$ps_answer" ] && echo "equal ($pk_answer)" || echo "DIFFER: $pk_answer vs $ps_answer")
    printf '%-34s parkit %s  primesieve %s  ratio %sx  (target <= %sx: %s)  RSS %s / %s KiB  %s\n' \
        "$case" "${pk/ //}" "${ps/ //}" "$ratio" "$target" "$verdict" "$pk_rss" "$ps_rss" "$answers"
    echo "| $case | ${pk/ / / } | ${ps/ / / } | ${ratio}x | <= ${target}x: $verdict | $pk_rss / $ps_rss | $answers |" >>"$md"
}

compare "count 1e10, 1 thread" 1.25 "count 1e10 --threads 1" "1e10 --threads=1"
compare "count 1e10, 2 threads" 1.25 "count 1e10 --threads 2" "1e10 --threads=2"
# The bucket tier's windows (issue 18: at most 1.05x primesieve's time, RSS at or below its own).
compare "count [1e15, 1e15+1e10]" 1.05 "count 1e15 1e15+1e10" "1e15 1e15+1e10"
compare "count [1e18, 1e18+1e9]" 1.05 "count 1e18 1e18+1e9" "1e18 1e18+1e9"
compare "count [1e19, 1e19+1e9]" 1.05 "count 1e19 1e19+1e9" "1e19 1e19+1e9"
compare "count [2^64-1e10, 2^64-1]" 1.05 "count 2^64-1e10 2^64-1" "2^64-1e10 2^64-1"
compare "twins to 1e10" 1.5 "count 1e10 --twins" "1e10 -c2"

# The textbook baseline beside the sieve: what the algorithm buys, what threads buy.
trial1=$(for ((i = 1; i <= RUNS; i++)); do once "trial 1e7" parkit-1-thread "$i" "$BIN" primes count 1e7 --algo trial --threads 1 -q | cut -d' ' -f1; done | stats)
trial2=$(for ((i = 1; i <= RUNS; i++)); do once "trial 1e7" parkit-2-threads "$i" "$BIN" primes count 1e7 --algo trial --threads 2 -q | cut -d' ' -f1; done | stats)
sieve=$("$BIN" primes count 1e7 --threads 1 --json | sed 's/.*"compute_seconds":\([0-9.]*\).*/\1/')
line=$(echo "${trial1#* } ${trial2#* } $sieve" | awk '{ printf "trial division to 1e7: %.2f s on 1 thread, %.2f s on 2 threads (%.2fx); the sieve: %.4f s on 1 thread (%.0fx faster than trial)", $1, $2, $1 / $2, $3, $1 / $3 }')
echo "$line"
{ echo; echo "$line (medians)."; } >>"$md"

if printf '#include <flint/ulong_extras.h>\n' | cc -E -x c - >/dev/null 2>&1; then
    make -s "$(dirname "$BIN")/primality-vs-flint" BUILD="$(dirname "$BIN")" >/dev/null
    echo "primality (targets: >= 1x FLINT per core, >= 1.9x FLINT on 2 threads):"
    out=$("$(dirname "$BIN")/primality-vs-flint" 10000000)
    echo "$out" | sed 's/^/    /'
    { echo; echo "Primality, 10^7 numbers per set (targets: >= 1x FLINT per core, >= 1.9x on 2 threads):"; echo;
      echo '```'; echo "$out"; echo '```'; } >>"$md"
else
    echo "primality against FLINT: skipped (apt-get install libflint-dev)"
    { echo; echo "Primality against FLINT: skipped (libflint-dev not installed)."; } >>"$md"
fi
echo
echo "results: $md and $csv"
