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
# PARKIT_SLURM_KEEP=1.  Every wait is bounded; the whole run takes about 10 s.
set -u
P=${1:?usage: tests/slurm/run.sh path/to/parkit}
case $P in /*) ;; *) P=$PWD/$P ;; esac
[ -x "$P" ] || { echo "tests/slurm: $P is not an executable file"; exit 1; }
HERE=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
SCRIPTS=$ROOT/slurm
JOB_TIMEOUT=${PARKIT_SLURM_JOB_TIMEOUT:-60}

for b in munged slurmctld slurmd sbatch squeue scontrol srun; do
    command -v "$b" >/dev/null 2>&1 ||
        { echo "tests/slurm: $b not found: apt-get install slurm-wlm munge libpmix2"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "tests/slurm: must run as root (the test cluster's slurmd runs jobs)"; exit 1; }

# Nothing from a surrounding Slurm job or the caller's shell may steer the
# submissions: the scripts set threads themselves.
for v in $(compgen -e | grep -E '^(SLURM|SBATCH|SRUN|SALLOC)_'); do unset "$v"; done
unset OMP_NUM_THREADS PARKIT PARKIT_RESULTS PARKIT_INFO

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
if [ -n "${ID_nobin:-}" ]; then
    if [ "$(job_field "$ID_nobin" ExitCode)" = 1:0 ] &&
       grep -q 'PARKIT=/nonexistent/parkit is not an executable file' "$J/nobin.out" 2>/dev/null; then
        pass "PARKIT=/nonexistent/parkit: exit 1 and a clear message"
    else
        fail "PARKIT=/nonexistent/parkit: expected exit 1 and 'is not an executable file'" \
            "ExitCode=$(job_field "$ID_nobin" ExitCode)" "$(head -c 400 "$J/nobin.out" 2>&1)"
    fi
fi

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

# ---- stop --------------------------------------------------------------------
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
