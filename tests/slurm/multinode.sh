#!/usr/bin/env bash
# The batch scripts in slurm/ across nodes: a Slurm cluster of three nodes
# on this machine, each node a host made of network namespaces
# (tests/hosts/hosts.sh: its own hostname and address) running its own
# slurmd, with slurmctld on the first.  Each slurmd has a node-local TmpFS
# (its own folder mounted over the shared name, in a mount namespace of its
# own), the way compute nodes have their own /tmp; the job folder is shared,
# as a cluster's home or scratch file system is.  tests/slurm/run.sh keeps
# the single-node cluster for what needs one node.
#
#   tests/slurm/multinode.sh path/to/parkit     (as root; make slurm-nodes-tests)
#
# Checked: srun --mpi=pmix across the nodes (primes-multinode.sbatch, one
# rank a core and hybrid: the answer, every node's ranks in parkit info),
# list -o and mandel -o written by ranks on three nodes (the same bytes as
# one process), heat's field across nodes, a job array spread over the
# nodes (its windows add up), a rank killed on one node mid-job (the job
# ends, no file under the final name), and primes-requeue.sbatch stopped by
# SIGUSR1 on one node, requeued, and resumed from its checkpoint on another.  Every wait is bounded.
set -u
P=${1:?usage: tests/slurm/multinode.sh path/to/parkit}
case $P in /*) ;; *) P=$PWD/$P ;; esac
HERE=$(cd "$(dirname "$0")" && pwd -P)
ROOT=$(cd "$HERE/../.." && pwd -P)
SCRIPTS=$ROOT/slurm
. "$ROOT/tests/hosts/hosts.sh"

for b in munged slurmctld slurmd sbatch squeue scontrol srun; do
    command -v "$b" >/dev/null 2>&1 ||
        { echo "tests/slurm/multinode: $b not found: apt-get install slurm-wlm munge libpmix2"; exit 1; }
done
why=$(hosts_unavailable)
[ -z "$why" ] || { echo "tests/slurm/multinode: $why"; exit 1; }
"$P" info --json | grep -q '"mpi":true' || { echo "tests/slurm/multinode: $P was built without MPI"; exit 1; }

for v in $(compgen -e | grep -E '^(SLURM|SBATCH|SRUN|SALLOC)_'); do unset "$v"; done
unset OMP_NUM_THREADS PARKIT_RESULTS PARKIT_WINDOWS PARKIT_SCALING PARKIT_SRUN_OPTS
export PARKIT=$P LC_ALL=C
# Open MPI as root in the jobs; its one-sided windows over TCP (see README, "Across hosts").
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_osc=^ucx OMP_WAIT_POLICY=passive

PASSED=0 FAILED=0
START=$SECONDS
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $1"; shift; [ $# -eq 0 ] || printf '  %s\n' "$@"; }
pass() { PASSED=$((PASSED + 1)); echo "ok: $1"; }

D=""
# stop: jobs cancelled, daemons ended (TERM, then hosts_down kills what is
# left on the hosts), munged ended; the folder kept after a failure.
finish() {
    trap - EXIT INT TERM
    if [ -n "$D" ]; then
        on_host 1 timeout 10 scancel --quiet --user=root 2>/dev/null
        local f pid
        for f in "$D"/run/slurmd-*.pid "$D/run/slurmctld.pid" "$D/run/munged.pid"; do
            [ -r "$f" ] || continue
            pid=$(tr -dc 0-9 <"$f")
            [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null
        done
        sleep 1
        hosts_down
        [ -r "$D/run/munged.pid" ] && kill -KILL "$(tr -dc 0-9 <"$D/run/munged.pid")" 2>/dev/null
        if [ "$FAILED" = 0 ] && [ "${PARKIT_SLURM_KEEP:-0}" = 0 ]; then
            rm -rf "$D"
        else
            echo "tests/slurm/multinode: cluster folder kept: $D (logs in $D/log, job output in $D/jobs)"
        fi
    else
        hosts_down
    fi
    echo "tests/slurm/multinode: $((SECONDS - START)) s"
    echo "$PASSED passed, $FAILED failed"
    [ "$FAILED" = 0 ] || exit 1
    exit 0
}
trap finish EXIT
trap 'echo "tests/slurm/multinode: interrupted"; FAILED=$((FAILED + 1)); exit 130' INT TERM

echo "== three hosts, a node each: slurmctld on pkhost1, a slurmd on every host"
hosts_up 3 || { fail "hosts_up 3"; exit 1; }
D=$(mktemp -d "${TMPDIR:-/tmp}/parkit-slurm-nodes.XXXXXX") || exit 1
chmod 711 "$D"
mkdir -p "$D/munge" "$D/munge-socket" "$D/state" "$D/log" "$D/run" "$D/jobs" "$D/tmp"
chmod 700 "$D/munge"
chmod 711 "$D/munge-socket"
chmod 1777 "$D/tmp"
for k in 1 2 3; do
    mkdir -p "$D/node$k/tmp"
    chmod 1777 "$D/node$k/tmp"
done
(umask 077 && head -c 1024 /dev/urandom >"$D/munge/munge.key") && chmod 400 "$D/munge/munge.key"
# munged in the machine's own namespaces: its socket is a file every host sees.
timeout 10 munged --key-file="$D/munge/munge.key" --socket="$D/munge-socket/munge.socket" \
    --pid-file="$D/run/munged.pid" --log-file="$D/log/munged.log" --seed-file="$D/munge/munged.seed" \
    </dev/null >>"$D/log/munged.log" 2>&1 || { fail "munged did not start" "$(tail -n 5 "$D/log/munged.log")"; exit 1; }
: >"$D/plugstack.conf"
{
    cat <<EOF
# Written by tests/slurm/multinode.sh: three nodes, each a host of network namespaces
ClusterName=parkit-nodes
SlurmctldHost=pkhost1(10.213.7.11)
SlurmctldPort=6817
SlurmdPort=6818
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$D/munge-socket/munge.socket
CredType=cred/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
SlurmdParameters=config_overrides
SchedulerParameters=batch_sched_delay=0
EnforcePartLimits=ALL
ReturnToService=2
KillWait=5
MinJobAge=600
MailProg=/bin/true
PlugStackConfig=$D/plugstack.conf
StateSaveLocation=$D/state
SlurmdSpoolDir=$D/spool-%n
TmpFS=$D/tmp
SlurmctldPidFile=$D/run/slurmctld.pid
SlurmdPidFile=$D/run/slurmd-%n.pid
SlurmctldLogFile=$D/log/slurmctld.log
SlurmdLogFile=$D/log/slurmd-%n.log
JobCompType=jobcomp/filetxt
JobCompLoc=$D/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
EOF
    for k in 1 2 3; do
        echo "NodeName=pkhost$k NodeAddr=10.213.7.$((10 + k)) CPUs=2 State=UNKNOWN"
    done
    echo "PartitionName=debug Nodes=pkhost[1-3] Default=YES MaxTime=INFINITE State=UP"
} >"$D/slurm.conf"
export SLURM_CONF=$D/slurm.conf
on_host 1 timeout 20 slurmctld -c -f "$SLURM_CONF" </dev/null >>"$D/log/slurmctld.out" 2>&1 ||
    { fail "slurmctld did not start" "$(tail -n 5 "$D/log/slurmctld.log")"; exit 1; }
for k in 1 2 3; do
    on_host "$k" timeout 20 unshare --mount --propagation private sh -c \
        "mount --bind '$D/node$k/tmp' '$D/tmp' && exec slurmd -c -N pkhost$k -f '$SLURM_CONF'" \
        </dev/null >>"$D/log/slurmd.out" 2>&1 || { fail "slurmd on pkhost$k did not start" "$(cat "$D/log/slurmd.out")"; exit 1; }
done
nodes=""
for _ in $(seq 1 100); do
    nodes=$(on_host 1 timeout 10 sinfo -h -N -o '%N %T' 2>/dev/null | tr '\n' ' ')
    case $nodes in "pkhost1 idle pkhost2 idle pkhost3 idle ") break ;; esac
    sleep 0.3
done
if [ "$nodes" = "pkhost1 idle pkhost2 idle pkhost3 idle " ]; then pass "3 nodes idle: $nodes"; else
    fail "the nodes are not idle after 30 s: '$nodes'" "$(tail -n 5 "$D/log/slurmctld.log")"
    exit 1
fi

cd "$D/jobs" || exit 1
cp "$ROOT/jobs/slurm-test.ini" spec.ini
SPEC_COUNT=5761455 # pi(10^8)
# submit NAME SBATCH-ARGS...: the job id in ID_NAME.
submit() {
    local name=$1 id
    shift
    if id=$(on_host 1 timeout 10 sbatch --parsable "$@" 2>"$name.submit.err"); then
        printf -v "ID_$name" '%s' "${id%%;*}"
    else
        fail "sbatch $name" "$(cat "$name.submit.err")"
    fi
}
# wait_all SECONDS: until no job of ours is queued or running.
wait_all() {
    local deadline=$((SECONDS + $1))
    while [ -n "$(on_host 1 timeout 10 squeue -h -o %A 2>/dev/null)" ]; do
        [ $SECONDS -lt "$deadline" ] || { fail "jobs still queued or running after $1 s" "$(on_host 1 squeue)"; return 1; }
        sleep 0.5
    done
}
# record ID FIELD: a field of the job's jobcomp record (the last one).
record() { grep "JobId=$1 " "$D/jobcomp.txt" | tail -n 1 | grep -o "$2=[^ ]*" | cut -d= -f2; }
# hosts_of FILE: the distinct hosts of the ranks in a parkit info listing.
hosts_of() { grep -oE '^  [0-9]+ +pkhost[1-3] ' "$1" | awk '{print $2}' | sort -u | tr '\n' ' '; }

echo "== srun --mpi=pmix across nodes (primes-multinode.sbatch), files written from three nodes, heat"
"$P" primes list 1e12 1e12+3e6 -t 1 >list1.txt
"$P" mandel --size 600x400 --iterations 400 -t 1 -o m1.ppm
heat_one=$("$P" heat --size 301x203 --steps 150 --edges 10,0,5,0 -t 1 --json | grep -o '"checksum":"[0-9a-f]*"')
submit percore -N 3 --ntasks-per-node=2 -o percore.out -e percore.err "$SCRIPTS/primes-multinode.sbatch" spec.ini
submit hybrid -N 3 --ntasks-per-node=1 --cpus-per-task=2 -o hybrid.out -e hybrid.err \
    "$SCRIPTS/primes-multinode.sbatch" spec.ini parallel.distribute=dynamic
submit files -N 3 --ntasks-per-node=1 --cpus-per-task=2 -o files.out -e files.err --wrap \
    "srun --mpi=pmix '$P' primes list 1e12 1e12+3e6 -o list.txt && srun --mpi=pmix '$P' mandel --size 600x400 --iterations 400 -o m.ppm && srun --mpi=pmix '$P' heat --size 301x203 --steps 150 --edges 10,0,5,0 --json"
# Array tasks of a whole node's 2 CPUs each: three run at once, one a node.
PARKIT_RESULTS=$D/jobs/array-results submit array --array=0-2 --cpus-per-task=2 -o "array-%a.out" \
    "$SCRIPTS/primes-array.sbatch" 1e8
wait_all 180

for name in percore hybrid; do
    id=$(eval echo "\${ID_$name:-}")
    [ -n "$id" ] || continue
    want=6
    [ $name = hybrid ] && want=3
    if [ "$(cat $name.out 2>/dev/null)" = "$SPEC_COUNT" ] && [ "$(grep -cE '^  [0-9]+ +pkhost[1-3] ' $name.err)" = "$want" ] &&
        [ "$(hosts_of $name.err)" = "pkhost1 pkhost2 pkhost3 " ] && [ "$(record "$id" JobState)" = COMPLETED ]; then
        pass "primes-multinode.sbatch $name: $SPEC_COUNT from $want ranks on pkhost1-3"
    else
        fail "primes-multinode.sbatch $name: expected $SPEC_COUNT from $want ranks on 3 nodes" \
            "out: $(head -c 200 $name.out 2>&1)" "hosts: $(hosts_of $name.err)" "$(grep -v '^ ' $name.err | tail -n 3)"
    fi
done
if [ -n "${ID_files:-}" ] && [ "$(record "$ID_files" JobState)" = COMPLETED ] && cmp -s list1.txt list.txt &&
    cmp -s m1.ppm m.ppm && grep -qF "$heat_one" files.out; then
    pass "list -o, mandel -o and heat by ranks on 3 nodes: the same bytes and field as one process"
else
    fail "files from 3 nodes" "state $(record "${ID_files:-0}" JobState); list same: $(cmp -s list1.txt list.txt && echo yes || echo no); image same: $(cmp -s m1.ppm m.ppm && echo yes || echo no); heat: $heat_one" \
        "$(tail -n 3 files.out)"
fi
if [ -n "${ID_array:-}" ]; then
    sum=0 nodes=""
    for k in 0 1 2; do
        n=$(awk '{print $NF}' "array-results/window-$k.txt" 2>/dev/null)
        sum=$((sum + ${n:-0}))
        nodes="$nodes $(grep "JobId=${ID_array}_$k \|ArrayJobId=$ID_array ArrayTaskId=$k " "$D/jobcomp.txt" | grep -o "NodeList=[^ ]*" | tail -n 1)"
    done
    expected=$("$P" primes count 0 3e8-1 -q)
    distinct=$(echo "$nodes" | tr ' ' '\n' | grep . | sort -u | grep -c .)
    if [ "$sum" = "$expected" ] && [ "$distinct" -ge 2 ]; then
        pass "primes-array.sbatch over the nodes: windows add up to $expected; tasks on:$nodes"
    else
        fail "primes-array.sbatch over the nodes: sum $sum (expected $expected), tasks on:$nodes" \
            "$(ls array-results 2>&1)" "$(tail -n 2 array-0.out 2>&1)"
    fi
fi

echo "== a rank's node fails it mid-job (its process killed): the job ends, no file under the final name"
submit lost -N 3 --ntasks-per-node=1 -o lost.out --wrap "srun --mpi=pmix --kill-on-bad-exit=1 '$P' primes list 1e13 1e13+1e12 -o lost.txt"
# job_pids K: the job's rank on host K (/proc: procps may be missing).
job_pids() {
    local pid
    for pid in $(host_pids "$1"); do
        tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF "$P primes list 1e13" && echo "$pid"
    done
}
for _ in $(seq 1 100); do
    [ "$(on_host 1 timeout 10 squeue -h -j "${ID_lost:-0}" -o %T 2>/dev/null)" = RUNNING ] &&
        job_pids 3 | grep -q . && break
    sleep 0.2
done
sleep 1
start=$SECONDS
victims=$(job_pids 3)
[ -z "$victims" ] || kill -9 $victims
wait_all 120
elapsed=$((SECONDS - start))
state=$(record "${ID_lost:-0}" JobState)
if [ -n "$state" ] && [ "$state" != COMPLETED ] && [ "$elapsed" -le 90 ] && [ ! -e lost.txt ]; then
    pass "the rank on pkhost3 killed: the job ended ($state) within ${elapsed} s, no lost.txt"
else
    fail "a node lost mid-job: state '${state:-none}' after ${elapsed} s; lost.txt: $(ls lost.txt 2>&1)" "$(tail -n 3 lost.out 2>&1)"
fi

echo "== primes-requeue.sbatch: signalled on one node, requeued, resumed on another"
RQ_COUNT=4118054813 # pi(10^11)
submit rq --cpus-per-task=2 -o rq.out "$SCRIPTS/primes-requeue.sbatch" count 1e11 --checkpoint-interval 1
id=${ID_rq:-0}
ck=$D/jobs/parkit-$id.ck
phase=run first="" note=""
deadline=$((SECONDS + 150))
while [ $SECONDS -lt $deadline ]; do
    state=$(on_host 1 timeout 10 squeue -h -j "$id" -o '%T %r %N' 2>/dev/null)
    case $phase in
    run)
        if [ -z "$state" ]; then phase=early; break; fi
        if [ "${state%% *}" = RUNNING ] && [ -s "$ck" ]; then
            first=${state##* }
            on_host 1 timeout 10 scancel --batch --signal=USR1 "$id" && phase=stopping note="ran on $first, USR1;"
        fi
        ;;
    stopping)
        [ -n "$state" ] || { phase=ended; break; }
        case $state in *BeginTime*)
            phase=held note="$note requeued;"
            # Not in the same second as the requeue (that revokes the job's credential).
            sleep 2
            # The next run anywhere but where the first one ran.
            on_host 1 timeout 10 scontrol update JobId="$id" ExcNodeList="$first" StartTime=now &&
                phase=released note="$note released, not on $first;"
            ;;
        esac
        ;;
    released)
        [ -n "$state" ] || { phase=done; break; }
        ;;
    esac
    sleep 0.2
done
# Every run of the job in jobcomp: its node each time.
runs=$(grep "JobId=$id " "$D/jobcomp.txt" | grep -o "NodeList=[^ ]*" | cut -d= -f2 | grep -v None | tr '\n' ' ')
last=$(echo "$runs" | awk '{print $NF}')
if [ "$phase" = done ] && grep -qx "$RQ_COUNT" rq.out && [ -n "$first" ] && [ -n "$last" ] && [ "$last" != "$first" ] &&
    grep -qi "resum" rq.out; then
    pass "primes-requeue.sbatch count 1e11: $note resumed on $last from its checkpoint; $RQ_COUNT"
else
    fail "primes-requeue.sbatch across nodes: phase '$phase' ($note), runs on: $runs" "$(tail -n 6 rq.out 2>&1)"
    [ "$phase" = done ] || on_host 1 timeout 10 scancel "$id" 2>/dev/null
fi
