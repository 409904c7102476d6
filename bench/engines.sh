#!/usr/bin/env bash
# Shared memory against distributed memory, in one run, on this machine (issue #3).
#
#   bench/engines.sh [path/to/parkit] [runs]
#
# Two workloads: `primes count 1e10` (segmented sieve, even cost per unit) and
# `primes count 1e7 --algo trial` (trial division, cost grows with n: uneven),
# the latter also with `--distribute dynamic` for the multi-rank variants.
# Each runs under these engine configurations:
#
#   seq      1 process x 1 thread, plain                      (the baseline)
#   omp      1 process x 2 threads, plain                     (shared memory)
#   mpi      mpirun -np 2, 1 thread each, Open MPI's default binding
#            (one core per rank)                              (distributed memory)
#   hyb1x2   mpirun -np 1 --bind-to none, 2 threads           (hybrid, 1 rank)
#   hyb2x1   mpirun -np 2 --bind-to none, 1 thread each: the same work as
#            `mpi`, launched unbound, so the cost of binding shows
#   hyb2x2   mpirun -np 2 --bind-to none, 2 threads each: 4 threads, labelled
#            OVERSUBSCRIBED when that is more than the CPUs here (BENCH_OVERSUB=0
#            leaves it out)
#
# Under mpirun the thread count is passed as OMP_NUM_THREADS with -x; plain runs
# use --threads.  Wall time is /usr/bin/time around the whole command (for
# mpirun runs that includes mpirun's start-up, as a user sees it); peak RSS,
# ranks, threads and the per-rank compute/communication split come from
# parkit's --json report.  Each cell is the minimum and median of RUNS runs
# (default 3); configurations alternate within each run, in forward order on
# odd runs and backward on even ones, so all see the same machine conditions.
# Speedup and efficiency are computed from medians against `seq`.
#
# Every run goes to bench/results/engines-<UTC timestamp>.csv; a markdown table
# is printed at the end.  Exit status: 0 when every run succeeded and all
# answers agree, 1 otherwise (a missed speed target is reported, not an error).
#
# Environment: SIEVE_N (default 1e10), TRIAL_N (default 1e7), BENCH_OVERSUB
# (default 1), BENCH_TIMEOUT seconds per run (default 900).
set -euo pipefail

BIN=${1:-build/parkit}
RUNS=${2:-3}
SIEVE_N=${SIEVE_N:-1e10}
TRIAL_N=${TRIAL_N:-1e7}
BENCH_OVERSUB=${BENCH_OVERSUB:-1}
BENCH_TIMEOUT=${BENCH_TIMEOUT:-900}
here=$(cd "$(dirname "$0")" && pwd)

die() { echo "bench: $*" >&2; exit 1; }
need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    die "'$1' is missing; install it with: apt-get install $2"
}

case $RUNS in '' | *[!0-9]* | 0) die "runs must be a positive integer, not '$RUNS'" ;; esac
case $BENCH_TIMEOUT in '' | *[!0-9]* | 0) die "BENCH_TIMEOUT must be a positive integer, not '$BENCH_TIMEOUT'" ;; esac
[ -x /usr/bin/time ] || die "/usr/bin/time is missing; install it with: apt-get install time"
need jq jq
need timeout coreutils
{ [ -f "$BIN" ] && [ -x "$BIN" ]; } || die "no parkit binary at '$BIN' (run make first)"
command -v mpirun >/dev/null 2>&1 ||
    die "mpirun is missing; install Open MPI with: apt-get install openmpi-bin libopenmpi-dev (then rebuild parkit with make)"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/parkit-engines.XXXXXX")
csv_part=
cleanup() {
    rm -rf "$tmp"
    [ -z "$csv_part" ] || rm -f "$csv_part"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Run a private copy, so a rebuild of build/parkit in the middle of the
# benchmark cannot mix two binaries into one table.
cp "$BIN" "$tmp/parkit"
PK=$tmp/parkit

info=$("$PK" info --json 2>"$tmp/err") || die "'$BIN info --json' failed: $(cat "$tmp/err")"
jq -e . >/dev/null 2>&1 <<<"$info" || die "'$BIN info --json' did not print valid JSON: $info"
[ "$(jq -r '.mpi' <<<"$info")" = true ] ||
    die "'$BIN' was built without MPI (info --json has \"mpi\":$(jq -c '.mpi' <<<"$info")); install libopenmpi-dev and rebuild with make"

ncpu=$(nproc)
if [ "$(id -u)" = 0 ]; then
    export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
# Two ranks on fewer than two CPUs needs permission; set it only then, so the
# default binding of the `mpi` configuration stays what Open MPI does by itself.
if [ "$ncpu" -lt 2 ]; then
    export OMPI_MCA_rmaps_base_oversubscribe=1
fi

# Does mpirun work here at all, and how does it bind?  The per-rank CPU lists
# from `parkit info --json` show it.
binding() { # binding MPIRUN-ARGS...: "rank 0: cpus L0, rank 1: cpus L1"
    local out
    out=$(OMP_NUM_THREADS=1 mpirun "$@" -x OMP_NUM_THREADS "$PK" info --json 2>"$tmp/err") ||
        die "mpirun $* $BIN info --json failed: $(tail -5 "$tmp/err")"
    jq -r '[.ranks[] | "rank \(.rank): cpus \(.cpu_list)"] | join(", ")' <<<"$out" 2>/dev/null ||
        die "mpirun $* $BIN info --json printed odd JSON: $out"
}
bind_default=$(binding -np 2)
bind_none=$(binding -np 2 --bind-to none)

# configurations: id ranks threads launcher(plain|mpirun) bind(default|none) label
configs=(
    "seq    1 1 plain  -       sequential (baseline)"
    "omp    1 2 plain  -       OpenMP 1 proc x 2 threads"
    "mpi    2 1 mpirun default MPI 2 ranks x 1 thread (default binding)"
    "hyb1x2 1 2 mpirun none    hybrid 1 rank x 2 threads (--bind-to none)"
    "hyb2x1 2 1 mpirun none    hybrid 2 ranks x 1 thread (= MPI 2x1 but --bind-to none)"
)
if [ "$BENCH_OVERSUB" != 0 ]; then
    if [ 4 -gt "$ncpu" ]; then
        configs+=("hyb2x2 2 2 mpirun none    hybrid 2 ranks x 2 threads (--bind-to none; OVERSUBSCRIBED: 4 threads on $ncpu CPUs)")
    else
        configs+=("hyb2x2 2 2 mpirun none    hybrid 2 ranks x 2 threads (--bind-to none)")
    fi
fi
# workloads: id answer-group multi-rank-only parkit-args
workloads=(
    "sieve     sieve 0 primes count $SIEVE_N"
    "trial     trial 0 primes count $TRIAL_N --algo trial"
    "trial-dyn trial 1 primes count $TRIAL_N --algo trial --distribute dynamic"
)

mkdir -p "$here/results"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
csv="$here/results/engines-$stamp.csv"
csv_part="$here/results/.engines-$stamp.csv.part"
echo "workload,group,config,label,ranks,threads,launcher,bind,run,order,wall_seconds,parkit_seconds,compute_min,compute_avg,compute_max,comm_min,comm_avg,comm_max,peak_rss_kib_total,time_max_rss_kib,json_ranks,json_threads,threads_source,distribute,answer,validated,exit_code,note" > "$csv_part"

load() { cut -d' ' -f1-3 /proc/loadavg; }
cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
echo "machine:   $ncpu CPUs ($cpu_model), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "load:      $(load) at start"
echo "busiest:   $(ps -eo pcpu=,comm= --sort=-pcpu 2>/dev/null | sed -n 1,3p | awk '{ printf "%s%s %s%%", (NR > 1 ? ", " : ""), $2, $1 }')"
echo "parkit:    $("$PK" --version) ($(jq -r '"\(.compiler), \(.openmp), mpi=\(.mpi)"' <<<"$info")), binary $BIN"
echo "mpirun:    $(mpirun --version 2>&1 | sed -n 1p)"
echo "binding:   mpirun -np 2:               $bind_default"
echo "           mpirun -np 2 --bind-to none: $bind_none"
echo "runs:      $RUNS per configuration, alternating; min and median wall seconds"
echo

# run_one WORKLOAD GROUP CONFIG-LINE RUN ORDER ARGS...: time one run, append it to the CSV.
failed=0
run_one() {
    local wl=$1 group=$2 cfg=$3 index=$4 order=$5
    shift 5
    local id ranks threads launcher bind label
    read -r id ranks threads launcher bind label <<<"$cfg"
    local cmd=()
    if [ "$launcher" = plain ]; then
        cmd=("$PK" "$@" --threads "$threads" --json)
    else
        cmd=(mpirun -np "$ranks")
        [ "$bind" = none ] && cmd+=(--bind-to none)
        cmd+=(-x OMP_NUM_THREADS "$PK" "$@" --json)
    fi
    local rc=0
    OMP_NUM_THREADS=$threads /usr/bin/time -f '%e %M' -o "$tmp/time" \
        timeout --foreground -k 10 "$BENCH_TIMEOUT" "${cmd[@]}" >"$tmp/out" 2>"$tmp/err" </dev/null || rc=$?
    local wall maxrss note=""
    read -r wall maxrss < <(tail -n 1 "$tmp/time")
    case $wall in '' | *[!0-9.]*) wall=NA maxrss=NA ;; esac
    local json nj
    nj=$(grep -c '^{' "$tmp/out" || true)
    json=$(grep -m1 '^{' "$tmp/out" || true)
    [ "$nj" -le 1 ] || note="$nj JSON documents on stdout;"
    [ "$rc" = 124 ] && note="$note timed out after ${BENCH_TIMEOUT}s;"
    [ "$rc" = 0 ] || note="$note exit $rc: $({ grep -m1 '^parkit:' "$tmp/err" || tail -n 1 "$tmp/err"; } | tr -d '\n' | tr ',' ';')"
    local fields
    if [ -n "$json" ] && fields=$(jq -r '[
            (.seconds // "NA"),
            (.compute_seconds_per_rank.min // "NA"), (.compute_seconds_per_rank.avg // "NA"), (.compute_seconds_per_rank.max // "NA"),
            (.comm_seconds_per_rank.min // "NA"), (.comm_seconds_per_rank.avg // "NA"), (.comm_seconds_per_rank.max // "NA"),
            (.peak_rss_kib_total // "NA"), (.ranks // "NA"), (.threads // "NA"),
            (.threads_source // "NA"), (.distribute // "NA"), (.count // "NA"), (.validated // "NA")
        ] | map(tostring | gsub("[, ]"; "_")) | join(" ")' <<<"$json" 2>/dev/null); then
        :
    else
        fields="NA NA NA NA NA NA NA NA NA NA NA NA NA NA"
        [ "$rc" != 0 ] || note="$note no valid JSON report on stdout;"
    fi
    local psec cmin cavg cmax mmin mavg mmax rss jr jt tsrc dist answer valid
    read -r psec cmin cavg cmax mmin mavg mmax rss jr jt tsrc dist answer valid <<<"$fields"
    if [ "$rc" = 0 ]; then
        [ "$jr" = "$ranks" ] || note="$note JSON says ranks=$jr;"
        [ "$jt" = "$threads" ] || note="$note JSON says threads=$jt;"
        [ "$valid" = true ] || note="$note validated=$valid;"
        [ "$answer" != NA ] || note="$note no count in JSON;"
        for f in "$psec" "$cmin" "$cavg" "$cmax" "$mmin" "$mavg" "$mmax" "$rss"; do
            [ "$f" != NA ] || { note="$note JSON lacks a field;"; break; }
        done
    fi
    [ "$rc" = 0 ] || failed=1
    echo "$wl,$group,$id,$label,$ranks,$threads,$launcher,$bind,$index,$order,$wall,$psec,$cmin,$cavg,$cmax,$mmin,$mavg,$mmax,$rss,$maxrss,$jr,$jt,$tsrc,$dist,$answer,$valid,$rc,${note# }" >> "$csv_part"
    printf '  run %d  %-9s %-7s %7s s  %s%s\n' "$index" "$wl" "$id" "$wall" "$answer" "${note:+  WARNING: ${note# }}"
}

for ((i = 1; i <= RUNS; i++)); do
    order=0
    for w in "${workloads[@]}"; do
        read -r wl group multi args <<<"$w"
        # shellcheck disable=SC2206 # the parkit arguments are meant to split
        argv=($args)
        if ((i % 2)); then idx=$(seq 0 $((${#configs[@]} - 1))); else idx=$(seq $((${#configs[@]} - 1)) -1 0); fi
        for c in $idx; do
            cfg=${configs[$c]}
            read -r _ ranks _ <<<"$cfg"
            [ "$multi" = 1 ] && [ "$ranks" -lt 2 ] && continue
            order=$((order + 1))
            run_one "$wl" "$group" "$cfg" "$i" "$order" "${argv[@]}"
        done
    done
done

load_end=$(load)
mv "$csv_part" "$csv"
csv_part=

echo
echo "load:      $load_end at end"
echo
summary=$(awk -F, -v ncpu="$ncpu" '
    function num(v, fmt) { return (v == "NA" || v == "") ? "NA" : sprintf(fmt, v) }
    # byval(KEY, N): r[1..N] = the run numbers 1..N ordered by wall time (insertion sort)
    function byval(key, n,    i, j, t) {
        for (i = 1; i <= n; i++) r[i] = i
        for (i = 2; i <= n; i++) { t = r[i]; for (j = i - 1; j >= 1 && wall[key, r[j]] > wall[key, t]; j--) r[j + 1] = r[j]; r[j + 1] = t }
    }
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
        key = $col["workload"] SUBSEP $col["config"]
        if (!(key in seen)) { seen[key] = 1; keys[++nk] = key; wl[key] = $col["workload"]; cf[key] = $col["config"]
            label[key] = $col["label"]; rt[key] = $col["ranks"] "x" $col["threads"]; nth[key] = $col["ranks"] * $col["threads"]; grp[key] = $col["group"] }
        total[key]++
        if ($col["exit_code"] != 0 || $col["wall_seconds"] == "NA") { bad[key]++; next }
        n = ++ok[key]; wall[key, n] = $col["wall_seconds"] + 0; psec[key, n] = $col["parkit_seconds"]
        cmin[key, n] = $col["compute_min"]; cmax[key, n] = $col["compute_max"]; mmax[key, n] = $col["comm_max"]
        if ($col["peak_rss_kib_total"] + 0 > rss[key]) rss[key] = $col["peak_rss_kib_total"] + 0
        a = $col["answer"]; g = grp[key]
        if (!((key, a) in ans_seen)) { ans_seen[key, a] = 1; nans[key]++; answers[key] = (nans[key] > 1) ? answers[key] " / " a : a }
        if (!(g in ref_answer)) ref_answer[g] = a
        else if (a != ref_answer[g]) { mismatch[g] = 1; differs[key] = 1 }
        if ($col["validated"] != "true") notvalid[key] = 1
    }
    END {
        for (k = 1; k <= nk; k++) {
            key = keys[k]; n = ok[key]
            if (n == 0) { mn[key] = "NA"; md[key] = "NA"; continue }
            # order the runs by wall time; the median run supplies the per-rank split
            byval(key, n)
            mn[key] = wall[key, r[1]]
            md[key] = (n % 2) ? wall[key, r[(n + 1) / 2]] : (wall[key, r[n / 2]] + wall[key, r[n / 2 + 1]]) / 2
            mr[key] = r[int((n + 1) / 2)]
        }
        print "| workload | configuration | ranks x threads | ok runs | min s | median s | speedup | efficiency | parkit s (median run) | compute/rank min-max s | comm/rank max s | peak RSS total KiB | answer |"
        print "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
        for (k = 1; k <= nk; k++) {
            key = keys[k]; w0 = wl[key]
            base = (w0 == "trial-dyn") ? "trial" : w0
            bkey = base SUBSEP "seq"
            if (md[key] != "NA" && (bkey in md) && md[bkey] != "NA" && md[key] > 0) {
                sp = sprintf("%.2fx", md[bkey] / md[key]); ef = sprintf("%.0f%%", 100 * md[bkey] / md[key] / nth[key])
            } else { sp = "NA"; ef = "NA" }
            if (ok[key] > 0) { m = mr[key]; split_s = num(cmin[key, m], "%.2f") "-" num(cmax[key, m], "%.2f"); comm = num(mmax[key, m], "%.3f"); ps = num(psec[key, m], "%.2f")
                mins = sprintf("%.2f", mn[key]); meds = sprintf("%.2f", md[key]) }
            else { split_s = "NA"; comm = "NA"; ps = "NA"; mins = "NA"; meds = "NA" }
            a = answers[key]
            if (key in differs) a = a " **DIFFERS from " ref_answer[grp[key]] "**"
            if (key in notvalid) a = a " (not validated)"
            if (key in bad) a = a " **" bad[key] " FAILED RUN(S)**"
            printf "| %s | %s | %s | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", w0, label[key], rt[key], ok[key], total[key], mins, meds, sp, ef, ps, split_s, comm, (ok[key] ? rss[key] : "NA"), a
        }
        # machine-readable lines after the table, for the shell
        for (g in mismatch) printf "MISMATCH %s\n", g
        so = "sieve" SUBSEP "omp"; sm = "sieve" SUBSEP "mpi"; su = "sieve" SUBSEP "hyb2x1"
        if ((so in md) && (sm in md) && md[so] != "NA" && md[sm] != "NA" && md[sm] > 0 && mn[sm] > 0)
            printf "TARGET %.3f %.3f %.3f %.3f %.3f\n", md[so], md[sm], md[so] / md[sm], mn[so] / mn[sm], ((su in md) && md[su] != "NA" && md[su] > 0) ? md[so] / md[su] : -1
        else print "TARGET NA"
    }' "$csv")

grep -v -e '^MISMATCH ' -e '^TARGET ' <<<"$summary"
echo
mismatch=0
while read -r _ group; do
    mismatch=1
    echo "!!!!!!!! WARNING: the '$group' workloads gave DIFFERENT ANSWERS across configurations (see the answer column and $csv) !!!!!!!!"
done < <(grep '^MISMATCH ' <<<"$summary" || true)

read -r _ omp_med mpi_med ratio ratio_min ratio_unbound < <(grep '^TARGET ' <<<"$summary")
if [ "$omp_med" = NA ]; then
    echo "target: MPI 2 ranks >= 0.95x the OpenMP rate on the sieve: NOT MEASURED (runs failed)"
else
    verdict=$(awk -v r="$ratio" 'BEGIN { print (r >= 0.95) ? "PASS" : "FAIL" }')
    echo "target: MPI 2 ranks reaches >= 0.95x the OpenMP rate on the sieve:"
    echo "        OpenMP-time / MPI-time = $omp_med / $mpi_med = $ratio (medians) -> $verdict"
    echo "        (with minimum times: $ratio_min; MPI 2x1 launched --bind-to none: $(awk -v r="$ratio_unbound" 'BEGIN { print (r < 0) ? "NA" : r }'))"
    # The same with parkit's own clock (from argument parsing to the answer):
    # the engines' rates without mpirun's start-up, which is paid once per job.
    read -r omp_own mpi_own < <(awk -F, 'NR > 1 && $1 == "sieve" && ($3 == "omp" || $3 == "mpi") && $27 == 0 {
            n[$3]++; v[$3, n[$3]] = $12 + 0 }
        function median(c,   i, j, t, k) {
            k = n[c]; for (i = 1; i <= k; i++) a[i] = v[c, i]
            for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
            return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2 }
        END { print median("omp"), median("mpi") }' "$csv")
    own=$(awk -v o="$omp_own" -v m="$mpi_own" 'BEGIN { printf "%.3f", (m > 0) ? o / m : 0 }')
    echo "        engine rate, parkit's own seconds: OpenMP $omp_own s / MPI $mpi_own s = $own ->" \
        "$(awk -v r="$own" 'BEGIN { print (r >= 0.95) ? "PASS" : "FAIL" }') (the wall-clock ratio above also pays mpirun's start-up)"
fi
echo
echo "raw runs: $csv"
[ "$failed" = 0 ] || echo "bench: some runs failed; see the note column of $csv" >&2
[ "$failed" = 0 ] && [ "$mismatch" = 0 ]
