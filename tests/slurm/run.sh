#!/usr/bin/env bash
# The batch scripts in slurm/ as a cluster user would submit them: real
# sbatch jobs on a throw-away single-node Slurm cluster on localhost
# (tests/slurm/cluster.sh), checked for their answers, their output files and
# the exit codes Slurm records.  Needs root, slurm-wlm and munge.
#
#   tests/slurm/run.sh path/to/parkit
#
# The cluster is always stopped at the end.  Its directory (logs, job output)
# is removed after a clean run and kept, and named, after a failure or with
# PARKIT_SLURM_KEEP=1.  Every wait is bounded; the whole run takes 50-80 s
# on a 2-core machine: 20-30 s for the first batch of jobs (every script,
# with parkit primes arguments and with a job spec, JOB.ini [overrides];
# bounded by PARKIT_SLURM_JOB_TIMEOUT seconds, default 90), the rest the
# requeue test (primes-requeue.sbatch: jobs stopped by SIGUSR1, requeued,
# resumed from their checkpoints), which alone is bounded by
# PARKIT_SLURM_REQUEUE_TIMEOUT seconds (default 120).
set -u
P=${1:?usage: tests/slurm/run.sh path/to/parkit}
case $P in /*) ;; *) P=$PWD/$P ;; esac
[ -x "$P" ] || { echo "tests/slurm: $P is not an executable file"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
SCRIPTS=$ROOT/slurm
JOB_TIMEOUT=${PARKIT_SLURM_JOB_TIMEOUT:-90}
REQUEUE_TIMEOUT=${PARKIT_SLURM_REQUEUE_TIMEOUT:-120}

for b in munged slurmctld slurmd sbatch squeue scontrol srun; do
    command -v "$b" >/dev/null 2>&1 ||
        { echo "tests/slurm: $b not found: apt-get install slurm-wlm munge libpmix2"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "tests/slurm: must run as root (the test cluster's slurmd runs jobs)"; exit 1; }

# Nothing from a surrounding Slurm job or the caller's shell may steer the
# submissions: the scripts set threads themselves.
for v in $(compgen -e | grep -E '^(SLURM|SBATCH|SRUN|SALLOC)_'); do unset "$v"; done
unset OMP_NUM_THREADS PARKIT PARKIT_RESULTS PARKIT_INFO PARKIT_CHECKPOINT PARKIT_MAX_RESTARTS \
    PARKIT_WINDOWS PARKIT_DRY_RUN PARKIT_SCALING PARKIT_SRUN_OPTS

PASSED=0 FAILED=0 SKIPPED=0
START=$SECONDS
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $1"; shift; [ $# -eq 0 ] || printf '  %s\n' "$@"; }
pass() { PASSED=$((PASSED + 1)); echo "ok: $1"; }
skip() { SKIPPED=$((SKIPPED + 1)); echo "skip: $1"; }

# At any exit: stop the cluster, keep or remove its directory, and end on
# the summary line.
D=""
finish() {
    trap - EXIT INT TERM
    if [ -n "$D" ]; then
        cd / && "$HERE/cluster.sh" stop "$D" >/dev/null 2>&1
        if [ "$FAILED" = 0 ] && [ "${PARKIT_SLURM_KEEP:-0}" = 0 ]; then
            rm -rf "$D"
        else
            echo "tests/slurm: cluster directory kept: $D (logs in $D/log, job output in $D/jobs)"
        fi
    fi
    echo "tests/slurm: $((SECONDS - START)) s"
    if [ $SKIPPED -gt 0 ]; then
        echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
    else
        echo "$PASSED passed, $FAILED failed"
    fi
    [ "$FAILED" = 0 ] || exit 1
    exit 0
}
trap finish EXIT
trap 'echo "tests/slurm: interrupted"; FAILED=$((FAILED + 1)); exit 130' INT TERM

# ---- the cluster ------------------------------------------------------------
echo "== start a single-node cluster (tests/slurm/cluster.sh)"
D=$(mktemp -d "${TMPDIR:-/tmp}/parkit-slurm-test.XXXXXX") || { echo "tests/slurm: mktemp failed"; exit 1; }
if ! env_lines=$(timeout 60 "$HERE/cluster.sh" start "$D" 2>"$D/cluster-start.err"); then
    cat "$D/cluster-start.err"
    fail "cluster.sh start"
    exit 1
fi
eval "$(printf '%s\n' "$env_lines" | grep '^export SLURM_CONF=')"
if [ "${SLURM_CONF:-}" = "$D/slurm.conf" ] && "$HERE/cluster.sh" status "$D" >/dev/null 2>&1; then
    pass "cluster up in $((SECONDS - START)) s, status says so, prints export SLURM_CONF"
else
    fail "cluster.sh start printed no usable SLURM_CONF, or status says it is down" "$env_lines"
    exit 1
fi
J=$D/jobs
mkdir -p "$J"
cd "$J" || exit 1

# The README's examples for a real cluster ask for more than this one has:
# refused at submission (EnforcePartLimits=ALL), never left pending.
for request in "--nodes=4 primes-multinode" "--cpus-per-task=8 primes-count" "--ntasks=8 --cpus-per-task=4 primes-mpi"; do
    script=${request##* }
    request=${request% *}
    # shellcheck disable=SC2086 # the request is one or two sbatch options
    if id=$(timeout 20 sbatch --parsable $request "$SCRIPTS/$script.sbatch" 1e6 2>"$J/refused.err"); then
        timeout 10 scancel "${id%%;*}" 2>/dev/null
        fail "sbatch $request $script.sbatch on a 1-node, 4-CPU cluster: refused at submission" "it was queued as job $id"
    elif grep -q "Batch job submission failed" "$J/refused.err"; then
        pass "sbatch $request $script.sbatch is refused at submission: $(head -n 1 "$J/refused.err")"
    else
        fail "sbatch $request: refused, but not by Slurm's submission check" "$(cat "$J/refused.err")"
    fi
done

# ---- helpers -----------------------------------------------------------------
# submit NAME sbatch-args...: submit, remember the id as ID_<NAME>.
submit() {
    local name=$1 id
    shift
    if id=$(PARKIT=${SUBMIT_PARKIT-$P} timeout 20 sbatch --parsable "$@" 2>"$J/$name.sbatch.err"); then
        id=${id%%;*}
        eval "ID_$name=\$id"
        ALL_IDS="$ALL_IDS${ALL_IDS:+,}$id"
    else
        fail "$name: sbatch refused the job" "$(cat "$J/$name.sbatch.err")"
        eval "ID_$name="
    fi
}

# wait_all: poll squeue until none of the submitted jobs is queued or running.
wait_all() {
    local deadline=$((SECONDS + JOB_TIMEOUT)) out
    [ -n "$ALL_IDS" ] || return 0
    while :; do
        if out=$(timeout 10 squeue -h -j "$ALL_IDS" -o '%i %T' 2>&1) && [ -z "$out" ]; then
            return 0
        fi
        if [ $SECONDS -ge $deadline ]; then
            fail "jobs still queued or running after ${JOB_TIMEOUT}s" "$out" \
                "$(tail -n 5 "$D/log/slurmctld.log" 2>/dev/null)"
            local ids
            IFS=, read -r -a ids <<<"$ALL_IDS"
            timeout 10 scancel "${ids[@]}" 2>/dev/null
            return 1
        fi
        sleep 0.2
    done
}

# job_field ID FIELD: FIELD (e.g. ExitCode, JobState) of job ID from scontrol;
# for an array job, one line per array task.
job_field() { timeout 10 scontrol -o show job "$1" 2>/dev/null | grep -o " $2=[^ ]*" | cut -d= -f2-; }

# jobcomp_field ID FIELD: FIELD of job ID from the jobcomp/filetxt file
# (slurmctld writes it as the job ends: allow it a moment).
jobcomp_field() {
    local line
    for _ in $(seq 1 25); do
        line=$(grep "^JobId=$1 " "$D/jobcomp.txt" 2>/dev/null | tail -n 1)
        [ -n "$line" ] && break
        sleep 0.2
    done
    printf '%s\n' "$line" | grep -o " $2=[^ ]*" | head -n 1 | cut -d= -f2-
}

# expect_exit NAME ID CODE STATE: Slurm recorded exit code CODE:0 and STATE,
# in scontrol and in the jobcomp file.
expect_exit() {
    local name=$1 id=$2 code=$3 state=$4 sc st jc jst
    sc=$(job_field "$id" ExitCode) st=$(job_field "$id" JobState)
    jc=$(jobcomp_field "$id" ExitCode) jst=$(jobcomp_field "$id" JobState)
    if [ "$sc" = "$code:0" ] && [ "$st" = "$state" ] && [ "$jc" = "$code:0" ] && [ "$jst" = "$state" ]; then
        pass "$name: Slurm records ExitCode=$code:0 $state (scontrol and jobcomp)"
    else
        fail "$name: expected ExitCode=$code:0 JobState=$state" \
            "scontrol: ExitCode=$sc JobState=$st" "jobcomp: ExitCode=$jc JobState=$jst"
    fi
}

# expect_refused NAME ID CODE FILE PATTERN: the job exited CODE and its output
# FILE has a line matching PATTERN (the message that says why).
expect_refused() {
    local name=$1 id=$2 code=$3 file=$4 pattern=$5
    if [ "$(job_field "$id" ExitCode)" = "$code:0" ] && grep -q -- "$pattern" "$file" 2>/dev/null; then
        pass "$name: exit $code and '$pattern'"
    else
        fail "$name: expected exit $code and '$pattern'" "ExitCode=$(job_field "$id" ExitCode)" \
            "$(head -c 400 "$file" 2>&1)"
    fi
}

# ---- submit everything at once, then wait ------------------------------------
echo "== submit the jobs"
ALL_IDS=""
HAVE_MPI=0
"$P" info --json | grep -q '"mpi":true' && HAVE_MPI=1

submit count -o "$J/count.out" "$SCRIPTS/primes-count.sbatch" 1e9
if [ $HAVE_MPI = 1 ]; then
    submit mpi -o "$J/mpi.out" -e "$J/mpi.err" --ntasks=2 --cpus-per-task=2 "$SCRIPTS/primes-mpi.sbatch" 1e9
fi
ARRAY_BASE=1e12 ARRAY_WIDTH=1e8
PARKIT_RESULTS=$J/array-results submit array -o "$J/array-%a.out" --array=0-3 \
    "$SCRIPTS/primes-array.sbatch" "$ARRAY_WIDTH" "$ARRAY_BASE"
submit bad -o "$J/bad.out" "$SCRIPTS/primes-count.sbatch" 10 5
SUBMIT_PARKIT=/nonexistent/parkit submit nobin -o "$J/nobin.out" "$SCRIPTS/primes-count.sbatch" 1e6
# No $PARKIT, no parkit on PATH: the script finds ../build/parkit from the submit dir.
LOOKUP=0
if ! command -v parkit >/dev/null 2>&1; then
    LOOKUP=1
    mkdir -p "$J/proj/build" "$J/proj/sub"
    ln -sf "$P" "$J/proj/build/parkit"
    cd "$J/proj/sub" || exit 1
    SUBMIT_PARKIT="" submit lookup -o "$J/lookup.out" "$SCRIPTS/primes-count.sbatch" 1e6
    cd "$J" || exit 1
fi
# primes-requeue.sbatch refuses a --resume of one's own (it adds it itself).
submit rqbad -o "$J/rqbad.out" --cpus-per-task=1 "$SCRIPTS/primes-requeue.sbatch" count 1e6 --resume

# The same scripts given a job spec: a job file, relative to the submit
# directory as users give it (spec/slurm-test.ini: jobs/slurm-test.ini, the
# primes up to 1e8), and overrides.
SPEC=spec/slurm-test.ini SPEC_COUNT=5761455 # pi(10^8)
mkdir -p "$J/spec"
cp "$ROOT/jobs/slurm-test.ini" "$J/$SPEC"
submit ini -o "$J/ini.out" "$SCRIPTS/primes-count.sbatch" "$SPEC"
submit iniset -o "$J/iniset.out" "$SCRIPTS/primes-count.sbatch" "$SPEC" range.hi=1e9 --set count.pattern=twins
submit inibadarg -o "$J/inibadarg.out" "$SCRIPTS/primes-count.sbatch" "$SPEC" --time
submit inibadkey -o "$J/inibadkey.out" "$SCRIPTS/primes-count.sbatch" "$SPEC" range.hii=1e6
submit ininofile -o "$J/ininofile.out" "$SCRIPTS/primes-count.sbatch" spec/nonexistent.ini
PARKIT_RESULTS=$J/arrayini-results submit arrayini -o "$J/arrayini-%a.out" --array=0-3 \
    "$SCRIPTS/primes-array.sbatch" "$SPEC"
submit rqinibad -o "$J/rqinibad.out" --cpus-per-task=1 "$SCRIPTS/primes-requeue.sbatch" "$SPEC" \
    checkpoint.path=mine.ck
if [ $HAVE_MPI = 1 ]; then
    submit mpiini -o "$J/mpiini.out" -e "$J/mpiini.err" --ntasks=2 --cpus-per-task=2 \
        "$SCRIPTS/primes-mpi.sbatch" "$SPEC"
    # primes-multinode.sbatch asks for 2 nodes; this cluster has one.
    submit multi -o "$J/multi.out" -e "$J/multi.err" --nodes=1 "$SCRIPTS/primes-multinode.sbatch" "$SPEC"
    submit multihyb -o "$J/multihyb.out" -e "$J/multihyb.err" --nodes=1 --ntasks-per-node=2 \
        --cpus-per-task=2 "$SCRIPTS/primes-multinode.sbatch" "$SPEC" parallel.distribute=dynamic
    PARKIT_RESULTS=$J/scaling-results submit scaling -o "$J/scaling-%a.out" "$SCRIPTS/scaling-study.sbatch" "$SPEC"
fi
# Task 1: a pair bigger than the allocation (4 CPUs); task 2: no pair at all.
PARKIT_SCALING="1x1 8x1" PARKIT_RESULTS=$J/scalebad-results submit scalebad -o "$J/scalebad-%a.out" \
    --array=1-2 "$SCRIPTS/scaling-study.sbatch" "$SPEC"
echo "   submitted: $ALL_IDS"

# What the array's windows must add up to, computed while the jobs run.
UNION=$(OMP_NUM_THREADS=1 "$P" primes count "$ARRAY_BASE" "($ARRAY_BASE)+4*($ARRAY_WIDTH)-1" -q 2>&1)

echo "== wait for them (squeue, at most ${JOB_TIMEOUT}s)"
T0=$SECONDS
wait_all && echo "   all done after $((SECONDS - T0)) s"

# ---- check -------------------------------------------------------------------
echo "== check"
# 1. primes-count.sbatch 1e9
if [ -n "${ID_count:-}" ]; then
    if grep -qx 50847534 "$J/count.out" 2>/dev/null; then
        pass "primes-count.sbatch 1e9 writes 50847534 to its output file"
    else
        fail "primes-count.sbatch 1e9: no line 50847534 in count.out" "$(head -c 600 "$J/count.out" 2>&1)"
    fi
    if grep -q "(threads: 2)" "$J/count.out" 2>/dev/null; then
        pass "primes-count.sbatch runs OMP_NUM_THREADS=\$SLURM_CPUS_PER_TASK (2) threads"
    else
        fail "primes-count.sbatch: expected '(threads: 2)' in count.out" "$(head -n 2 "$J/count.out" 2>&1)"
    fi
    expect_exit "primes-count.sbatch 1e9" "$ID_count" 0 COMPLETED
fi

# 2. primes-mpi.sbatch, 2 tasks x 2 CPUs
if [ $HAVE_MPI = 0 ]; then
    skip "primes-mpi.sbatch: $P was built without MPI"
elif [ -n "${ID_mpi:-}" ]; then
    if [ "$(cat "$J/mpi.out" 2>/dev/null)" = 50847534 ]; then
        pass "primes-mpi.sbatch (2 tasks x 2 CPUs) 1e9 gives 50847534 on stdout"
    else
        fail "primes-mpi.sbatch: expected exactly 50847534 in mpi.out" \
            "mpi.out: $(head -c 300 "$J/mpi.out" 2>&1)" "mpi.err: $(tail -n 8 "$J/mpi.err" 2>&1)"
    fi
    if grep -Eq '^ +ranks +2 ' "$J/mpi.err" 2>/dev/null &&
       [ "$(grep -Ec '^ +[01] +[^ ]+ +[^ ]+ +2, from OMP_NUM_THREADS' "$J/mpi.err")" = 2 ]; then
        pass "parkit info under srun --mpi=pmix sees 2 ranks, 2 threads each"
    else
        fail "primes-mpi.sbatch: parkit info should show 2 ranks with 2 threads from OMP_NUM_THREADS" \
            "$(grep -A4 -E '^sees' "$J/mpi.err" 2>&1 | head -n 6)" "$(tail -n 4 "$J/mpi.err" 2>&1)"
    fi
    expect_exit "primes-mpi.sbatch" "$ID_mpi" 0 COMPLETED
fi

# 3. primes-array.sbatch, 4 windows
if [ -n "${ID_array:-}" ]; then
    sum=0 nfiles=0 contiguous=1 expect_lo="" first_lo="" last_hi="" bad=""
    for k in 0 1 2 3; do
        f=$J/array-results/window-$k.txt
        if read -r id lo hi count rest 2>/dev/null <"$f" && [ "$id" = "$k" ] && [ -z "$rest" ] &&
           [[ $count =~ ^[0-9]+$ ]]; then
            nfiles=$((nfiles + 1))
            sum=$((sum + count))
            [ -n "$first_lo" ] || first_lo=$lo
            [ -z "$expect_lo" ] || [ "$lo" = "$expect_lo" ] || contiguous=0
            expect_lo=$((hi + 1)) last_hi=$hi
        else
            bad="$bad${bad:+$'\n'}  window-$k.txt: '$(head -c 200 "$f" 2>/dev/null)'; task $k's log ends: $(tail -n 1 "$J/array-$k.out" 2>&1)"
        fi
    done
    if [ $nfiles = 4 ]; then
        pass "primes-array.sbatch --array=0-3 writes one result file per task"
    else
        fail "primes-array.sbatch: expected 4 result files 'K LO HI COUNT'" "$bad"
    fi
    if [ $nfiles = 4 ] && [ $contiguous = 1 ] && [ "$first_lo" = 1000000000000 ] &&
       [ "$last_hi" = 1000399999999 ]; then
        pass "the 4 windows are consecutive and cover [1e12, 1e12+4e8-1]"
    else
        fail "primes-array.sbatch: windows not consecutive from 1e12 to 1e12+4e8-1" \
            "$(cat "$J"/array-results/window-*.txt 2>/dev/null)"
    fi
    if [ $nfiles = 4 ] && [ "$sum" = "$UNION" ]; then
        pass "the windows' counts sum to the union's ($UNION, from parkit run directly)"
    else
        fail "primes-array.sbatch: windows sum to $sum, parkit primes count of the union says $UNION"
    fi
    codes=$(job_field "$ID_array" ExitCode | sort | uniq -c | tr -s ' ')
    if [ "$codes" = " 4 0:0" ]; then
        pass "all 4 array tasks exit 0"
    else
        fail "primes-array.sbatch: array task exit codes: $codes"
    fi
fi

# 4. a bad argument: exit 2 recorded by Slurm, parkit's message in the output
if [ -n "${ID_bad:-}" ]; then
    expect_exit "primes-count.sbatch 10 5" "$ID_bad" 2 FAILED
    if grep -q '^parkit: primes count: .*greater than' "$J/bad.out" 2>/dev/null; then
        pass "primes-count.sbatch 10 5: parkit's message is in the output file"
    else
        fail "primes-count.sbatch 10 5: no 'parkit: primes count: ...' message in bad.out" \
            "$(head -c 400 "$J/bad.out" 2>&1)"
    fi
fi

# 5. PARKIT pointing nowhere: exit 1 and a clear message
[ -n "${ID_nobin:-}" ] && expect_refused "PARKIT=/nonexistent/parkit" "$ID_nobin" 1 \
    "$J/nobin.out" 'PARKIT=/nonexistent/parkit is not an executable file'

# 6. no PARKIT, nothing on PATH: ../build/parkit from the submit directory
if [ $LOOKUP = 0 ]; then
    skip "binary lookup from the submit dir: a parkit on PATH would be found first"
elif [ -n "${ID_lookup:-}" ]; then
    if grep -qx 78498 "$J/lookup.out" 2>/dev/null && grep -qF "$J/proj/sub/../build/parkit" "$J/lookup.out"; then
        pass "without PARKIT the scripts find ../build/parkit relative to the submit dir"
    else
        fail "lookup of ../build/parkit from the submit dir" "$(head -c 400 "$J/lookup.out" 2>&1)"
    fi
fi

# 7. primes-requeue.sbatch given an option it adds itself: exit 2, a clear message
[ -n "${ID_rqbad:-}" ] && expect_refused "primes-requeue.sbatch count 1e6 --resume" "$ID_rqbad" 2 \
    "$J/rqbad.out" 'do not pass --resume'

# ---- the scripts given a job spec (JOB.ini [SECTION.KEY=VALUE ...]) ---------------
# 8. primes-count.sbatch spec/slurm-test.ini: parkit run, threads from Slurm
if [ -n "${ID_ini:-}" ]; then
    if grep -qx "$SPEC_COUNT" "$J/ini.out" 2>/dev/null &&
       grep -qF "run $SPEC (OMP_NUM_THREADS=2)" "$J/ini.out"; then
        pass "primes-count.sbatch $SPEC: parkit run gives $SPEC_COUNT, with OMP_NUM_THREADS=2 from --cpus-per-task"
    else
        fail "primes-count.sbatch $SPEC: expected $SPEC_COUNT and 'run $SPEC (OMP_NUM_THREADS=2)' in ini.out" \
            "$(head -c 600 "$J/ini.out" 2>&1)"
    fi
    expect_exit "primes-count.sbatch $SPEC" "$ID_ini" 0 COMPLETED
fi
# 9. overrides, in both spellings
if [ -n "${ID_iniset:-}" ]; then
    if grep -qx 3424506 "$J/iniset.out" 2>/dev/null &&
       grep -qF "run $SPEC --set range.hi=1e9 --set count.pattern=twins" "$J/iniset.out"; then
        pass "primes-count.sbatch $SPEC range.hi=1e9 --set count.pattern=twins: both become --set, 3424506 twins"
    else
        fail "primes-count.sbatch $SPEC range.hi=1e9 --set count.pattern=twins: expected 3424506" \
            "$(head -c 600 "$J/iniset.out" 2>&1)"
    fi
    expect_exit "primes-count.sbatch $SPEC range.hi=1e9 --set count.pattern=twins" "$ID_iniset" 0 COMPLETED
fi
# 10. an argument that is no override, an unknown key, a missing job file: exit 2
[ -n "${ID_inibadarg:-}" ] && expect_refused "primes-count.sbatch $SPEC --time" "$ID_inibadarg" 2 \
    "$J/inibadarg.out" "'--time': after a job file, the arguments are overrides SECTION.KEY=VALUE"
[ -n "${ID_inibadkey:-}" ] && expect_refused "primes-count.sbatch $SPEC range.hii=1e6" "$ID_inibadkey" 2 \
    "$J/inibadkey.out" "^parkit: run: --set range.hii=1e6: unknown key 'hii'"
[ -n "${ID_ininofile:-}" ] && expect_refused "primes-count.sbatch spec/nonexistent.ini" "$ID_ininofile" 2 \
    "$J/ininofile.out" "job file spec/nonexistent.ini: no such file"
# 11. primes-array.sbatch JOB.ini: the job's range [0, 1e8] in 4 windows
if [ -n "${ID_arrayini:-}" ]; then
    sum=0 nfiles=0 contiguous=1 expect_lo="" first_lo="" last_hi="" bad=""
    for k in 0 1 2 3; do
        f=$J/arrayini-results/window-$k.txt
        if read -r id lo hi count rest 2>/dev/null <"$f" && [ "$id" = "$k" ] && [ -z "$rest" ] &&
           [[ $count =~ ^[0-9]+$ ]]; then
            nfiles=$((nfiles + 1))
            sum=$((sum + count))
            [ -n "$first_lo" ] || first_lo=$lo
            [ -z "$expect_lo" ] || [ "$lo" = "$expect_lo" ] || contiguous=0
            expect_lo=$((hi + 1)) last_hi=$hi
        else
            bad="$bad${bad:+$'\n'}  window-$k.txt: '$(head -c 200 "$f" 2>/dev/null)'; task $k's log ends: $(tail -n 1 "$J/arrayini-$k.out" 2>&1)"
        fi
    done
    if [ $nfiles = 4 ] && [ $contiguous = 1 ] && [ "$first_lo" = 0 ] && [ "$last_hi" = 100000000 ] &&
       [ "$sum" = "$SPEC_COUNT" ]; then
        pass "primes-array.sbatch $SPEC: 4 consecutive windows of [0, 1e8], counts summing to $SPEC_COUNT"
    else
        fail "primes-array.sbatch $SPEC: expected 4 consecutive windows of [0, 1e8] summing to $SPEC_COUNT" \
            "sum $sum" "$(cat "$J"/arrayini-results/window-*.txt 2>&1)" "$bad"
    fi
    codes=$(job_field "$ID_arrayini" ExitCode | sort | uniq -c | tr -s ' ')
    if [ "$codes" = " 4 0:0" ]; then
        pass "primes-array.sbatch $SPEC: all 4 array tasks exit 0"
    else
        fail "primes-array.sbatch $SPEC: array task exit codes: $codes"
    fi
fi
# 12. the split itself, at the top of the 64-bit range (PARKIT_DRY_RUN: no
# Slurm needed): [2^64-10, 2^64-1] in 3 windows, [0, 2^64-1] in 4.
printf '[job]\nkernel = primes\ncommand = count\n[range]\nlo = 2^64-10   ; the top ten\nhi: 2^64-1\n' >"$J/top.ini"
windows() { # N [overrides]: the dry-run lines "K LO HI" of tasks 0..N-1, ';'-separated
    local n=$1 k
    shift
    for k in $(seq 0 $((n - 1))); do
        (cd "$J" && PARKIT=$P SLURM_ARRAY_TASK_ID=$k PARKIT_WINDOWS=$n PARKIT_DRY_RUN=1 \
            timeout 20 bash "$SCRIPTS/primes-array.sbatch" top.ini "$@" 2>>"$J/windows.err" | cut -d' ' -f1-3)
    done | tr '\n' ';'
}
got3=$(windows 3) got4=$(windows 4 range.lo=0)
if [ "$got3" = "0 18446744073709551606 18446744073709551609;1 18446744073709551610 18446744073709551612;2 18446744073709551613 18446744073709551615;" ] &&
   [ "$got4" = "0 0 4611686018427387903;1 4611686018427387904 9223372036854775807;2 9223372036854775808 13835058055282163711;3 13835058055282163712 18446744073709551615;" ]; then
    pass "primes-array.sbatch JOB.ini splits [2^64-10, 2^64-1] in 3 and [0, 2^64-1] in 4 exactly (PARKIT_DRY_RUN)"
else
    fail "primes-array.sbatch JOB.ini: wrong windows near 2^64" "3: $got3" "4: $got4" "$(tail -n 4 "$J/windows.err" 2>&1)"
fi
# 13. primes-requeue.sbatch JOB.ini checkpoint.path=...: exit 2
[ -n "${ID_rqinibad:-}" ] && expect_refused "primes-requeue.sbatch $SPEC checkpoint.path=mine.ck" "$ID_rqinibad" 2 \
    "$J/rqinibad.out" 'do not pass checkpoint.path=mine.ck'
# 14-17: MPI: primes-mpi.sbatch, primes-multinode.sbatch (per core, hybrid), scaling-study.sbatch
# info_ranks FILE RANKS THREADS: parkit info in FILE shows RANKS ranks with THREADS threads each.
info_ranks() {
    grep -Eq "^ +ranks +$2 " "$1" 2>/dev/null &&
        [ "$(grep -Ec "^ +[0-9]+ +[^ ]+ +[^ ]+ +$3, from OMP_NUM_THREADS" "$1")" = "$2" ]
}
if [ $HAVE_MPI = 0 ]; then
    skip "primes-mpi.sbatch, primes-multinode.sbatch and scaling-study.sbatch with a job spec: $P was built without MPI"
else
    if [ -n "${ID_mpiini:-}" ]; then
        if [ "$(cat "$J/mpiini.out" 2>/dev/null)" = "$SPEC_COUNT" ] && info_ranks "$J/mpiini.err" 2 2 &&
           grep -qF "run $SPEC" "$J/mpiini.err"; then
            pass "primes-mpi.sbatch $SPEC (2 tasks x 2 CPUs): srun parkit run gives $SPEC_COUNT"
        else
            fail "primes-mpi.sbatch $SPEC: expected exactly $SPEC_COUNT in mpiini.out, 2 ranks x 2 threads" \
                "mpiini.out: $(head -c 300 "$J/mpiini.out" 2>&1)" "mpiini.err: $(tail -n 8 "$J/mpiini.err" 2>&1)"
        fi
        expect_exit "primes-mpi.sbatch $SPEC" "$ID_mpiini" 0 COMPLETED
    fi
    if [ -n "${ID_multi:-}" ]; then
        if [ "$(cat "$J/multi.out" 2>/dev/null)" = "$SPEC_COUNT" ] && info_ranks "$J/multi.err" 4 1 &&
           grep -q "1 node(s) (.*) x 4 ranks per node x 1 threads = 4 ranks: .* run $SPEC" "$J/multi.err"; then
            pass "primes-multinode.sbatch --nodes=1 $SPEC: one rank per core (4 x 1, the default), $SPEC_COUNT"
        else
            fail "primes-multinode.sbatch --nodes=1 $SPEC: expected $SPEC_COUNT from 4 ranks x 1 thread" \
                "multi.out: $(head -c 300 "$J/multi.out" 2>&1)" "multi.err: $(grep -v '^ ' "$J/multi.err" 2>&1 | head -n 4)" \
                "$(grep -A6 '^sees' "$J/multi.err" 2>&1)"
        fi
        expect_exit "primes-multinode.sbatch --nodes=1 $SPEC" "$ID_multi" 0 COMPLETED
    fi
    if [ -n "${ID_multihyb:-}" ]; then
        if [ "$(cat "$J/multihyb.out" 2>/dev/null)" = "$SPEC_COUNT" ] && info_ranks "$J/multihyb.err" 2 2; then
            pass "primes-multinode.sbatch --nodes=1 --ntasks-per-node=2 --cpus-per-task=2 (hybrid) $SPEC parallel.distribute=dynamic: $SPEC_COUNT"
        else
            fail "primes-multinode.sbatch hybrid: expected $SPEC_COUNT from 2 ranks x 2 threads" \
                "multihyb.out: $(head -c 300 "$J/multihyb.out" 2>&1)" "$(grep -A4 '^sees' "$J/multihyb.err" 2>&1)" \
                "$(tail -n 3 "$J/multihyb.err" 2>&1)"
        fi
        expect_exit "primes-multinode.sbatch hybrid" "$ID_multihyb" 0 COMPLETED
    fi
    if [ -n "${ID_scaling:-}" ]; then
        lines="" answers="" bad=""
        for k in 0 1 2 3; do
            f=$J/scaling-results/task-$k.txt
            pair=$(echo 1x1 1x2 2x1 2x2 | cut -d' ' -f$((k + 1)))
            r=${pair%x*} t=${pair#*x}
            if read -r ranks threads secs answer rest 2>/dev/null <"$f" && [ -z "$rest" ] &&
               [ "$ranks $threads" = "$r $t" ] && [[ $secs =~ ^[0-9]+(\.[0-9]+)?$ ]] &&
               [ "$(wc -l <"$f")" = 1 ] && grep -q "\"ranks\":$r,\"threads\":$t," "$J/scaling-$k.out"; then
                lines="$lines$ranks $threads $secs $answer; "
                answers="$answers $answer"
            else
                bad="$bad${bad:+$'\n'}  task-$k.txt: '$(head -c 200 "$f" 2>/dev/null)'; log: $(tail -n 2 "$J/scaling-$k.out" 2>&1)"
            fi
        done
        if [ -z "$bad" ]; then
            pass "scaling-study.sbatch $SPEC: 4 array tasks, one line 'RANKS THREADS SECONDS ANSWER' each, run as 1x1 1x2 2x1 2x2 (JSON ranks, threads): $lines"
        else
            fail "scaling-study.sbatch $SPEC: expected task-K.txt with the pairs 1x1 1x2 2x1 2x2" "$bad"
        fi
        if [ "$answers" = " $SPEC_COUNT $SPEC_COUNT $SPEC_COUNT $SPEC_COUNT" ]; then
            pass "scaling-study.sbatch: the 4 answers are identical ($SPEC_COUNT)"
        else
            fail "scaling-study.sbatch: expected the answer $SPEC_COUNT 4 times, got:$answers"
        fi
        left=""
        for f in "$J"/scaling-results/* "$J"/scaling-results/.[!.]*; do
            [ -e "$f" ] || continue
            case ${f##*/} in task-[0-3].txt | task-[0-3].csv) ;; *) left="$left ${f##*/}" ;; esac
        done
        [ -z "$left" ] || fail "scaling-study.sbatch: left in the results directory: $left"
        # The task files read back by parkit bench: the study's table, points and report.
        "$P" bench --from "$J/scaling-results" -o "$J/scaling-report" >"$J/bench.out" 2>"$J/bench.err"
        rc=$?
        models=$(tail -n +2 "$J/scaling-report/points.csv" 2>/dev/null | cut -d, -f3-5 | tr '\n' ' ')
        if [ "$rc" = 0 ] && [ "$models" = "seq,1,1 omp,1,2 mpi,2,1 hybrid,2,2 " ] &&
            [ "$(awk -F, 'NR > 1 && $18 == "yes" && $11 > 0' "$J/scaling-report/points.csv" | grep -c .)" = 4 ] &&
            grep -q "^| primes | strong | hybrid | 2 | 2 |" "$J/scaling-report/report.md" &&
            grep -qE "^primes +strong +seq +1 +1 .* 1\.00 +1\.00 " "$J/bench.out"; then
            pass "parkit bench --from the scaling study's task-K.csv: its 4 points (seq, omp, mpi, hybrid), valid, in the table and report.md"
        else
            fail "parkit bench --from scaling-results: exit $rc, points: $models" "$(cat "$J/bench.err")" \
                "$(head -n 12 "$J/bench.out")"
        fi
        codes=$(job_field "$ID_scaling" ExitCode | sort | uniq -c | tr -s ' ')
        states=$(job_field "$ID_scaling" JobState | sort | uniq -c | tr -s ' ')
        if [ "$codes" = " 4 0:0" ] && [ "$states" = " 4 COMPLETED" ]; then
            pass "scaling-study.sbatch: all 4 array tasks COMPLETED, exit 0"
        else
            fail "scaling-study.sbatch: array tasks: exit codes $codes, states $states"
        fi
    fi
fi
# 18. scaling-study.sbatch: a pair too big for the allocation, a task with no pair: exit 2
if [ -n "${ID_scalebad:-}" ]; then
    codes=$(job_field "$ID_scalebad" ExitCode | sort | uniq -c | tr -s ' ')
    if [ "$codes" = " 2 2:0" ] &&
       grep -q "pair 8x1 needs 8 CPUs; the job has 4" "$J/scalebad-1.out" 2>/dev/null &&
       grep -q "array task 2 has no pair: PARKIT_SCALING has 2" "$J/scalebad-2.out" 2>/dev/null &&
       [ ! -e "$J/scalebad-results" ]; then
        pass "scaling-study.sbatch: a pair bigger than the job (8x1 of 4 CPUs) and a task with no pair exit 2"
    else
        fail "scaling-study.sbatch: expected exit 2 for 8x1 on 4 CPUs and for a task with no pair" \
            "exit codes: $codes" "$(cat "$J"/scalebad-*.out 2>&1 | head -c 600)"
    fi
fi

# ---- primes-requeue.sbatch: stopped by a signal, requeued, resumed --------------
# Two jobs at once (2 CPUs each; the node advertises 4): a count with the
# default checkpoint path ($SLURM_SUBMIT_DIR/parkit-ID.ck), and a list with
# PARKIT_CHECKPOINT (list sizes the whole range first, then writes it in
# about 2-3 s on this machine; with --checkpoint-interval 0.5 its first
# checkpoint comes after the first round of writing, well before the end).
# A third (1 CPU: it starts when one of them is done) is
# cancelled with plain 'scancel' once it has a checkpoint: it must stay
# cancelled (not requeue itself) and keep its checkpoint.  A fourth is a job
# spec (spec/slurm-test.ini range.hi=5e10 checkpoint.interval=1, 2 CPUs: it
# starts when CPUs are free): 'parkit run ... --set checkpoint.path=...
# --set checkpoint.resume=true'.  The first two and the fourth are driven
# through:
#   run       wait until it runs and its checkpoint exists (parkit saves one
#             every second or half second here), then 'scancel --batch --signal=USR1 ID':
#             deterministic, unlike --signal=B:USR1@N which Slurm may send
#             up to a minute early
#   stopping  the trap stops parkit (exit 75) and runs 'scontrol requeue'; wait
#             until squeue shows the job pending with Reason=BeginTime
#   held      a requeued job waits ~2-3 minutes for its BeginTime: 2 s later
#             (not in the same second as the requeue: that kills the job with
#             "Job credential revoked") 'scontrol update StartTime=now'
#   released  wait until it has left the queue
echo "== primes-requeue.sbatch: signal, requeue, resume (at most ${REQUEUE_TIMEOUT}s)"
RQ_COUNT_HI=1e11 RQ_COUNT=4118054813 # pi(10^11)
RQ_LIST_LO=1e16 RQ_LIST_HI=1e16+1e8  # 2.7 million primes, 49 MB of text
ALL_IDS=""
submit rqcount -o "$J/rqcount.out" --cpus-per-task=2 "$SCRIPTS/primes-requeue.sbatch" \
    count "$RQ_COUNT_HI" --checkpoint-interval 1
PARKIT_CHECKPOINT=$J/rqlist.ck submit rqlist -o "$J/rqlist.out" --cpus-per-task=2 \
    "$SCRIPTS/primes-requeue.sbatch" list "$RQ_LIST_LO" "$RQ_LIST_HI" -o "$J/rqlist.txt" --checkpoint-interval 0.5
submit rqcancel -o "$J/rqcancel.out" --cpus-per-task=1 "$SCRIPTS/primes-requeue.sbatch" \
    count "$RQ_COUNT_HI" --checkpoint-interval 1
# A job spec: parkit run JOB.ini ... --set checkpoint.path=... --set checkpoint.resume=true
RQ_INI_HI=5e10 RQ_INI_COUNT=2119654578 # pi(5*10^10)
submit rqini -o "$J/rqini.out" --cpus-per-task=2 "$SCRIPTS/primes-requeue.sbatch" \
    "$SPEC" range.hi=$RQ_INI_HI checkpoint.interval=1
CK_rqcount=$J/parkit-${ID_rqcount:-none}.ck
CK_rqlist=$J/rqlist.ck
CK_rqcancel=$J/parkit-${ID_rqcancel:-none}.ck
CK_rqini=$J/parkit-${ID_rqini:-none}.ck
echo "   submitted: $ALL_IDS"

now_ms() { local t=${EPOCHREALTIME/[.,]/}; echo $((t / 1000)); }
declare -A PHASE SINCE NOTE
RQ_NAMES=""
for name in rqcount rqlist rqcancel rqini; do
    eval "id=\${ID_$name:-}"
    [ -n "$id" ] || continue
    RQ_NAMES="$RQ_NAMES $name"
    PHASE[$name]=run SINCE[$name]=$(now_ms) NOTE[$name]=""
done
T0=$(now_ms)
deadline=$((SECONDS + REQUEUE_TIMEOUT))
while :; do
    busy=0
    for name in $RQ_NAMES; do
        eval "id=\$ID_$name ck=\$CK_$name"
        t=$(( $(now_ms) - T0 ))
        state=$(timeout 10 squeue -h -j "$id" -o '%T %r' 2>/dev/null)
        case ${PHASE[$name]} in
        run)
            if [ -z "$state" ]; then
                PHASE[$name]=early
                NOTE[$name]="it ended before it could be signalled (after $t ms): too little work?"
            elif [ "${state%% *}" = RUNNING ] && [ -s "$ck" ] && [ $name = rqcancel ]; then
                if timeout 10 scancel "$id" 2>"$J/$name.scancel.err"; then
                    PHASE[$name]=released
                    NOTE[$name]="checkpoint after $t ms: scancel;"
                else
                    PHASE[$name]=error NOTE[$name]="scancel failed: $(cat "$J/$name.scancel.err")"
                fi
            elif [ "${state%% *}" = RUNNING ] && [ -s "$ck" ]; then
                if timeout 10 scancel --batch --signal=USR1 "$id" 2>"$J/$name.scancel.err"; then
                    PHASE[$name]=stopping
                    NOTE[$name]="checkpoint after $t ms: sent USR1;"
                else
                    PHASE[$name]=error NOTE[$name]="scancel --batch --signal=USR1 failed: $(cat "$J/$name.scancel.err")"
                fi
            fi
            ;;
        stopping)
            case $state in
            '') PHASE[$name]=error NOTE[$name]="${NOTE[$name]} the job ended instead of being requeued" ;;
            *BeginTime*)
                PHASE[$name]=held SINCE[$name]=$(now_ms)
                NOTE[$name]="${NOTE[$name]} pending (BeginTime) after $t ms;"
                ;;
            esac
            ;;
        held)
            if [ $(( $(now_ms) - ${SINCE[$name]} )) -ge 2000 ]; then
                if timeout 10 scontrol update JobId="$id" StartTime=now 2>"$J/$name.update.err"; then
                    PHASE[$name]=released NOTE[$name]="${NOTE[$name]} released at $t ms;"
                else
                    PHASE[$name]=error
                    NOTE[$name]="${NOTE[$name]} scontrol update StartTime=now failed: $(cat "$J/$name.update.err")"
                fi
            fi
            ;;
        released)
            [ -n "$state" ] || { PHASE[$name]="done" NOTE[$name]="${NOTE[$name]} done at $t ms"; }
            ;;
        esac
        case ${PHASE[$name]} in run | stopping | held | released) busy=1 ;; esac
    done
    [ $busy = 1 ] || break
    if [ $SECONDS -ge $deadline ]; then
        for name in $RQ_NAMES; do
            case ${PHASE[$name]} in
            run | stopping | held | released)
                eval "id=\$ID_$name"
                NOTE[$name]="${NOTE[$name]} still '${PHASE[$name]}' after ${REQUEUE_TIMEOUT}s: $(timeout 10 squeue -h -j "$id" -o '%T %r' 2>&1)"
                PHASE[$name]=timeout
                timeout 10 scancel "$id" 2>/dev/null
                ;;
            esac
        done
        break
    fi
    sleep 0.2
done
echo "   requeue jobs done after $(( ($(now_ms) - T0) / 1000 )) s"

# The list to compare with, from parkit run directly (after the jobs: no
# competition for the CPUs while they ran).
RQ_REF=$J/rqlist-ref.txt
if [ -n "${ID_rqlist:-}" ]; then
    OMP_NUM_THREADS=2 timeout 60 "$P" primes list "$RQ_LIST_LO" "$RQ_LIST_HI" -o "$RQ_REF" 2>"$J/rqlist-ref.err" ||
        fail "parkit primes list $RQ_LIST_LO $RQ_LIST_HI run directly failed" "$(cat "$J/rqlist-ref.err")"
fi

# jobcomp has a PENDING line for the requeue, then the final one: wait for it.
jobcomp_final() {
    for _ in $(seq 1 25); do
        [ "$(grep -c "^JobId=$1 " "$D/jobcomp.txt" 2>/dev/null)" -ge 2 ] && return 0
        sleep 0.2
    done
    return 1
}

for name in $RQ_NAMES; do
    eval "id=\$ID_$name ck=\$CK_$name"
    log=$J/$name.out
    if [ $name = rqcancel ]; then
        what="primes-requeue.sbatch count $RQ_COUNT_HI, then scancel"
        st=$(job_field "$id" JobState) restarts=$(job_field "$id" Restarts)
        if [ "${PHASE[$name]}" = "done" ] && [ "$st" = CANCELLED ] && [ "$restarts" = 0 ] &&
           grep -q "^primes-requeue.sbatch: job $id is being cancelled: not requeueing it" "$log" &&
           ! grep -q "requeued" "$log"; then
            pass "$what: stays cancelled (JobState=CANCELLED, Restarts=0, 'not requeueing it'): ${NOTE[$name]}"
        else
            fail "$what: expected JobState=CANCELLED, Restarts=0 and 'is being cancelled: not requeueing it'" \
                "${NOTE[$name]}; JobState=$st Restarts=$restarts" "log: $(tail -n 6 "$log" 2>&1)"
        fi
        # parkit gets Slurm's SIGTERM itself, and SIGUSR1 from the script.
        if [ -s "$ck" ] && grep -Eq "stopped by signal (10|15); checkpoint saved" "$log" &&
           grep -qF "to continue: PARKIT_CHECKPOINT='$ck' sbatch" "$log"; then
            pass "$what: parkit saved its checkpoint, which is kept, and the log says how to continue"
        else
            fail "$what: expected a saved and kept checkpoint $ck and a 'to continue: PARKIT_CHECKPOINT=...' line" \
                "$(ls -la "$ck" 2>&1)" "log: $(tail -n 6 "$log" 2>&1)"
        fi
        continue
    fi
    case $name in
    rqcount) what="primes-requeue.sbatch count $RQ_COUNT_HI" ;;
    rqini) what="primes-requeue.sbatch $SPEC range.hi=$RQ_INI_HI" ;;
    *) what="primes-requeue.sbatch list $RQ_LIST_LO $RQ_LIST_HI -o FILE" ;;
    esac
    if [ "${PHASE[$name]}" = "done" ]; then
        pass "$what: running, signalled (scancel --batch --signal=USR1), requeued (BeginTime), released, finished: ${NOTE[$name]}"
    else
        fail "$what: did not go through signal, requeue, release, finish" "${NOTE[$name]}" \
            "log: $(tail -n 6 "$log" 2>&1)"
        continue
    fi
    # The answer.
    if [ $name = rqcount ]; then
        if grep -qx "$RQ_COUNT" "$log" 2>/dev/null; then
            pass "$what: the log holds the answer $RQ_COUNT"
        else
            fail "$what: no line $RQ_COUNT in the log" "$(tail -n 8 "$log" 2>&1)"
        fi
    elif [ $name = rqini ]; then
        n=$(grep -cF -- "run $SPEC --set range.hi=$RQ_INI_HI --set checkpoint.interval=1 --set checkpoint.path=$ck --set checkpoint.resume=true" "$log")
        if grep -qx "$RQ_INI_COUNT" "$log" 2>/dev/null && [ "$n" = 2 ]; then
            pass "$what: both runs are 'parkit run $SPEC ... --set checkpoint.path=CK --set checkpoint.resume=true'; the log holds the answer $RQ_INI_COUNT"
        else
            fail "$what: expected 2 runs of parkit run ... --set checkpoint.path=$ck --set checkpoint.resume=true and $RQ_INI_COUNT in the log" \
                "runs: $n" "$(grep -F "run $SPEC" "$log" 2>&1 | head -n 2)" "$(tail -n 8 "$log" 2>&1)"
        fi
    else
        if [ -f "$J/rqlist.txt" ] && [ -s "$RQ_REF" ] && cmp -s "$J/rqlist.txt" "$RQ_REF"; then
            pass "$what: the output file is identical (cmp) to parkit primes list run directly"
        else
            fail "$what: the output file differs from parkit primes list run directly" \
                "$(cmp "$J/rqlist.txt" "$RQ_REF" 2>&1 | head -n 2)" "$(ls -la "$J"/rqlist* 2>&1)"
        fi
    fi
    # Two runs in the one log (--open-mode=append): restart count 0, then 1.
    runs=$(grep -o 'run [0-9]* (SLURM_RESTART_COUNT=[0-9]*)' "$log" 2>/dev/null | tr '\n' ';')
    if [ "$runs" = "run 1 (SLURM_RESTART_COUNT=0);run 2 (SLURM_RESTART_COUNT=1);" ] &&
       grep -q '^primes-requeue.sbatch: got SIGUSR1' "$log" &&
       grep -q "stopped by signal 10; checkpoint saved" "$log" &&
       grep -q "^primes-requeue.sbatch: job $id requeued" "$log"; then
        pass "$what: the log shows both runs (SLURM_RESTART_COUNT=0, then 1), the signal, the checkpoint and the requeue"
    else
        fail "$what: expected two runs (restart count 0 and 1), 'got SIGUSR1', 'checkpoint saved', 'requeued' in the log" \
            "runs: $runs" "$(head -c 1500 "$log" 2>&1)"
    fi
    # The second run resumed from the checkpoint, with some units done.
    resumed=$(sed -n '/run 2 (SLURM_RESTART_COUNT=1)/,$p' "$log" 2>/dev/null |
              grep -E '^parkit: primes (count|list): resumed from .*: [1-9][0-9]* of [1-9][0-9]* units were done$')
    if [ -n "$resumed" ]; then
        pass "$what: the second run resumed (${resumed##*: })"
    else
        fail "$what: the second run did not say 'resumed from ... N of M units were done' (N > 0)" \
            "$(sed -n '/run 2 (SLURM_RESTART_COUNT=1)/,$p' "$log" 2>&1 | head -n 6)"
    fi
    # Nothing left behind: no checkpoint, no temporary checkpoint, no partial output.
    left=$(ls -d "$ck" "$ck".tmp-* "$J"/rqlist.txt.partial* 2>/dev/null)
    if [ -z "$left" ]; then
        pass "$what: no checkpoint (or partial output) is left"
    else
        fail "$what: left behind: $left"
    fi
    # Slurm's view: one restart, completed, exit 0.
    jobcomp_final "$id"
    restarts=$(job_field "$id" Restarts)
    if [ "$restarts" = 1 ]; then
        pass "$what: scontrol shows Restarts=1"
    else
        fail "$what: scontrol shows Restarts=$restarts, expected 1"
    fi
    expect_exit "$what" "$id" 0 COMPLETED
done

# ---- stop --------------------------------------------------------------------
# ---- the README's single-node examples, as written there ---------------------------
# The block after "the same scripts run as:" in README.md: each sbatch line is
# submitted as it stands (from a folder with jobs/ and slurm/ as in the
# project), and its last line, parkit bench --from the scaling study, runs
# on what that study wrote.  A README line that stops working fails here.
echo "== the README's examples for a single node (README.md, \"Running on a cluster\")"
mkdir -p "$J/readme"
ln -sfn "$ROOT/jobs" "$J/readme/jobs"
ln -sfn "$ROOT/slurm" "$J/readme/slurm"
mapfile -t README_LINES < <(awk '/the same scripts run as:/ { on = 1; next } on && /^```sh/ { code = 1; next }
    code && /^```/ { exit } code { print }' "$ROOT/README.md")
if [ ${#README_LINES[@]} -lt 5 ]; then
    fail "README: no block of single-node examples after 'the same scripts run as:'" "${README_LINES[*]}"
fi
ALL_IDS=""
README_SCALING=""
README_DONE=()
for line in "${README_LINES[@]}"; do
    line=${line%%#*}
    case $line in
    sbatch\ *)
        if id=$(cd "$J/readme" && PARKIT=$P timeout 20 bash -c "${line/sbatch /sbatch --parsable }" 2>"$J/readme/sbatch.err"); then
            id=${id%%;*}
            ALL_IDS="$ALL_IDS${ALL_IDS:+,}$id"
            README_DONE+=("$id ${line% }")
            case $line in *scaling-study.sbatch*) README_SCALING=$id ;; esac
        else
            fail "README example refused: $line" "$(cat "$J/readme/sbatch.err")"
        fi
        ;;
    esac
done
wait_all
for entry in "${README_DONE[@]}"; do
    id=${entry%% *}
    states=$(job_field "$id" JobState | sort -u | tr '\n' ' ')
    codes=$(job_field "$id" ExitCode | sort -u | tr '\n' ' ')
    if [ "$states" = "COMPLETED " ] && [ "$codes" = "0:0 " ]; then
        pass "README example ran: ${entry#* }"
    else
        fail "README example: ${entry#* }: states $states, exit codes $codes" \
            "$(tail -n 3 "$J"/readme/*"$id"*.out 2>/dev/null)"
    fi
done
for line in "${README_LINES[@]}"; do
    case $line in
    parkit\ bench\ *)
        line=${line%%#*}
        line=${line%"${line##*[! ]}"}
        line=${line//<jobid>/$README_SCALING}
        if (cd "$J/readme" && eval "\"\$P\" ${line#parkit }") >"$J/readme/bench.out" 2>&1 &&
            [ -s "$J/readme/scaling-$README_SCALING/report/report.md" ] &&
            grep -qE "^primes +strong +hybrid +2 +2 " "$J/readme/bench.out"; then
            pass "README example ran: $line (the study's table and report.md)"
        else
            fail "README example: $line" "$(tail -n 5 "$J/readme/bench.out")"
        fi
        ;;
    esac
done

echo "== stop the cluster"
pids=$(cat "$D"/run/*.pid 2>/dev/null | tr '\n' ' ')
"$HERE/cluster.sh" stop "$D" >/dev/null 2>&1
"$HERE/cluster.sh" stop "$D" >/dev/null 2>&1
rc2=$?
"$HERE/cluster.sh" status "$D" >/dev/null 2>&1
rc3=$?
alive=""
for p in $pids; do
    [ -d "/proc/$p" ] && [ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ] && alive="$alive $p"
done
if [ -n "$pids" ] && [ -z "$alive" ] && [ $rc2 = 0 ] && [ $rc3 = 3 ]; then
    pass "cluster.sh stop ends munged, slurmctld and slurmd; a second stop is a no-op; status then exits 3"
else
    fail "cluster.sh stop" "pids: $pids; still alive: ${alive:-none}; second stop exit $rc2; status exit $rc3"
fi
# finish (the EXIT trap) prints the summary.
