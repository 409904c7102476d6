#!/usr/bin/env bash
# A throw-away single-node Slurm cluster on localhost, entirely under one
# directory: its own munge key and munged, its own slurm.conf, slurmctld and
# slurmd as daemons with pid files.  Nothing under /etc, /run or /var is used.
# Needs root (slurmd runs jobs as their users) and Debian's slurm-wlm and munge.
#
#   tests/slurm/cluster.sh start  [DIR]   start (DIR: default a new mktemp -d);
#                                          prints "export SLURM_CONF=DIR/slurm.conf"
#   tests/slurm/cluster.sh status DIR     daemons and node state; exit 0 if up, 3 if not
#   tests/slurm/cluster.sh stop   DIR     cancel jobs, stop the daemons, wait for
#                                          them to exit; idempotent; keeps DIR (logs)
#
#   eval "$(tests/slurm/cluster.sh start)"   # then sbatch, squeue, ... use it
#
# Every wait is bounded (start: CLUSTER_START_TIMEOUT seconds, default 30;
# stop: about 15 s); nothing here can hang.  On a failed start the daemons
# are stopped again and the ends of their logs are printed.
set -u

NODE_CPUS=${CLUSTER_CPUS:-4}
START_TIMEOUT=${CLUSTER_START_TIMEOUT:-30}

say() { printf 'cluster.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

usage() {
    sed -n '/^#   tests/p;/^#   eval/p' "$0" | sed 's/^# *//' >&2
    exit 2
}

# ---- helpers ---------------------------------------------------------------
# pid_of NAME: the pid in DIR/run/NAME.pid if that process is alive and is
# ours (its command line or environment names DIR); else nothing.
pid_of() {
    local f="$DIR/run/$1.pid" pid
    [ -r "$f" ] || return 1
    pid=$(tr -dc 0-9 <"$f")
    [ -n "$pid" ] && [ -d "/proc/$pid" ] || return 1
    # Guard against a recycled pid: the process must belong to this cluster.
    if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qF -- "$DIR/" ||
       tr '\0' '\n' 2>/dev/null <"/proc/$pid/environ" | grep -qxF -- "PARKIT_TEST_CLUSTER=$DIR"; then
        echo "$pid"
        return 0
    fi
    return 1
}

# wait_gone PID SECONDS: wait until PID has exited (a zombie counts as gone).
wait_gone() {
    local pid=$1 deadline=$((SECONDS + $2))
    while [ -d "/proc/$pid" ] && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
        [ $SECONDS -ge $deadline ] && return 1
        sleep 0.1
    done
    return 0
}

# stop_daemon NAME: TERM, wait up to 10 s, then KILL (and wait 2 s more).
stop_daemon() {
    local pid
    pid=$(pid_of "$1") || { rm -f "$DIR/run/$1.pid"; return 0; }
    kill -TERM "$pid" 2>/dev/null
    if ! wait_gone "$pid" 10; then
        say "$1 (pid $pid) did not exit after SIGTERM within 10 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        wait_gone "$pid" 2 || say "$1 (pid $pid) is still there after SIGKILL"
    fi
    rm -f "$DIR/run/$1.pid"
}

# port_free PORT: nothing listens on PORT (TCP, any address).
port_free() {
    if command -v ss >/dev/null 2>&1; then
        [ -z "$(ss -Htln "sport = :$1" 2>/dev/null)" ]
    else
        ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
    fi
}

# pick_ports N: N distinct free TCP ports in 20000-39999, one per line.
pick_ports() {
    local p tries=0 picked=" " n=0
    while [ $n -lt "$1" ] && [ $tries -lt 400 ]; do
        tries=$((tries + 1))
        p=$((20000 + (RANDOM * 32768 + RANDOM) % 20000))
        case $picked in *" $p "*) continue ;; esac
        if port_free "$p"; then
            picked="$picked$p "
            n=$((n + 1))
            echo "$p"
        fi
    done
    [ $n -eq "$1" ]
}

# in_cluster CMD...: a Slurm client command against this cluster, bounded in time.
in_cluster() { SLURM_CONF="$DIR/slurm.conf" timeout 10 "$@"; }

show_logs() {
    local f
    for f in "$DIR/log/munged.log" "$DIR/log/slurmctld.log" "$DIR/log/slurmd.log"; do
        [ -s "$f" ] || continue
        echo "---- last lines of $f" >&2
        tail -n 15 "$f" >&2
    done
}

node_state() { in_cluster sinfo -h -N -n "$NODE" -o %T 2>/dev/null | head -n 1; }

# ---- start -----------------------------------------------------------------
start() {
    local b
    [ "$(id -u)" = 0 ] || die "must run as root (slurmd starts jobs as their users)"
    for b in munged slurmctld slurmd sinfo sbatch; do
        command -v "$b" >/dev/null 2>&1 || die "$b not found: apt-get install slurm-wlm munge"
    done

    if [ -z "${DIR:-}" ]; then
        DIR=$(mktemp -d "${TMPDIR:-/tmp}/parkit-slurm.XXXXXX") || die "mktemp -d failed"
    fi
    mkdir -p "$DIR" || die "cannot create $DIR"
    DIR=$(cd "$DIR" && pwd -P)
    chmod 711 "$DIR"

    if [ -f "$DIR/slurm.conf" ] && pid_of slurmctld >/dev/null && pid_of slurmd >/dev/null &&
       pid_of munged >/dev/null; then
        NODE=$(sed -n 's/^NodeName=\([^ ]*\).*/\1/p' "$DIR/slurm.conf")
        say "already running in $DIR"
        print_env
        return 0
    fi
    # Leftovers of an earlier, half-started run in the same DIR.
    stop_all quiet

    NODE=$(hostname -s)
    [ -n "$NODE" ] || die "hostname -s printed nothing"
    mkdir -p "$DIR/munge" "$DIR/munge-socket" "$DIR/state" "$DIR/spool" "$DIR/tmp" "$DIR/log" "$DIR/run" "$DIR/jobs" ||
        die "cannot create the directories under $DIR"
    chmod 700 "$DIR/munge"
    chmod 711 "$DIR/munge-socket"   # munged refuses 700 ("Socket is inaccessible")
    chmod 1777 "$DIR/tmp"            # TmpFS, like /tmp
    export PARKIT_TEST_CLUSTER=$DIR  # marks the daemons (and their children) as ours

    # munge: a fresh random key, its own socket, pid, log and seed files.
    if [ ! -s "$DIR/munge/munge.key" ]; then
        (umask 077 && head -c 1024 /dev/urandom >"$DIR/munge/munge.key") || die "cannot write the munge key"
    fi
    chmod 400 "$DIR/munge/munge.key"
    local sock="$DIR/munge-socket/munge.socket"
    timeout 10 munged --key-file="$DIR/munge/munge.key" --socket="$sock" \
        --pid-file="$DIR/run/munged.pid" --log-file="$DIR/log/munged.log" \
        --seed-file="$DIR/munge/munged.seed" </dev/null >>"$DIR/log/munged.log" 2>&1 ||
        { show_logs; stop_all quiet; die "munged did not start (see above)"; }

    local ports ctld_port slurmd_port
    ports=$(pick_ports 2) || { stop_all quiet; die "no two free TCP ports found in 20000-39999"; }
    { read -r ctld_port; read -r slurmd_port; } <<<"$ports"

    local first_job_id=$(( (RANDOM * 32768 + RANDOM) % 50000000 + 1000 ))
    : >"$DIR/plugstack.conf"   # no SPANK plugins from /etc/slurm
    cat >"$DIR/slurm.conf" <<EOF
# Written by tests/slurm/cluster.sh: a single-node test cluster under $DIR
ClusterName=parkit-test
SlurmctldHost=$NODE(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$sock
CredType=cred/munge
# No cgroups (no systemd here): track processes by parentage, bind nothing.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
# The node may advertise more CPUs than the machine has without being drained.
SlurmdParameters=config_overrides
# Jobs start about 1 s apart instead of about 3 s.
SchedulerParameters=batch_sched_delay=0
# A request the cluster can never meet is refused at submission, not left pending.
EnforcePartLimits=ALL
# Job ids start at a random number: Open MPI and PMIx name their shared
# memory and session files after the job id, so two test clusters on one
# machine must not both run a job 2.
FirstJobId=$first_job_id
ReturnToService=2
KillWait=5
MinJobAge=600
MailProg=/bin/true
PlugStackConfig=$DIR/plugstack.conf
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
# Job-local temp space; also where mpi/pmix makes its per-step client
# directories (spmix_appdir_*), which would collide between clusters in /tmp.
TmpFS=$DIR/tmp
SlurmctldPidFile=$DIR/run/slurmctld.pid
SlurmdPidFile=$DIR/run/slurmd.pid
SlurmctldLogFile=$DIR/log/slurmctld.log
SlurmdLogFile=$DIR/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
JobCompType=jobcomp/filetxt
JobCompLoc=$DIR/jobcomp.txt
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
NodeName=$NODE NodeAddr=127.0.0.1 CPUs=$NODE_CPUS State=UNKNOWN
PartitionName=debug Nodes=$NODE Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF="$DIR/slurm.conf"

    # Both daemons fork into the background; their stdio must not hold a
    # caller's pipe open (eval "$(cluster.sh start)" would never return).
    timeout 20 slurmctld -c -f "$SLURM_CONF" </dev/null >>"$DIR/log/slurmctld.log" 2>&1 ||
        { show_logs; stop_all quiet; die "slurmctld did not start (see above)"; }
    timeout 20 slurmd -c -N "$NODE" -f "$SLURM_CONF" </dev/null >>"$DIR/log/slurmd.log" 2>&1 ||
        { show_logs; stop_all quiet; die "slurmd did not start (see above)"; }

    # Wait (bounded) until the node is idle.
    local deadline=$((SECONDS + START_TIMEOUT)) state=""
    while :; do
        state=$(node_state)
        case $state in idle) break ;; esac
        if [ $SECONDS -ge $deadline ]; then
            say "node $NODE is not idle after ${START_TIMEOUT}s (state: '${state:-no answer from slurmctld}')"
            show_logs
            stop_all quiet
            exit 1
        fi
        for b in munged slurmctld slurmd; do
            if ! pid_of $b >/dev/null && [ $SECONDS -gt 2 ]; then
                # the pid file may lag a moment behind the fork: give it 2 s
                sleep 1
                pid_of $b >/dev/null || { say "$b exited during start-up"; show_logs; stop_all quiet; exit 1; }
            fi
        done
        sleep 0.2
    done
    say "cluster up in $DIR: node $NODE ($NODE_CPUS CPUs) idle; ports $ctld_port (slurmctld), $slurmd_port (slurmd)"
    print_env
}

print_env() {
    echo "# parkit test cluster in $DIR; stop it with: tests/slurm/cluster.sh stop $DIR"
    echo "export SLURM_CONF=$DIR/slurm.conf"
}

# ---- stop ------------------------------------------------------------------
stop_all() {
    local quiet=${1:-}
    # Cancel what is still queued or running, while slurmctld can still do it,
    # and give slurmd a moment (bounded) to end the job steps.
    if pid_of slurmctld >/dev/null && [ -f "$DIR/slurm.conf" ]; then
        local ids deadline=$((SECONDS + 8))
        mapfile -t ids < <(in_cluster squeue -h -o %A 2>/dev/null)
        if [ ${#ids[@]} -gt 0 ]; then
            in_cluster scancel "${ids[@]}" >/dev/null 2>&1
            while [ $SECONDS -lt $deadline ] && [ -n "$(in_cluster squeue -h -o %A 2>/dev/null)" ]; do
                sleep 0.2
            done
        fi
    fi
    stop_daemon slurmd
    stop_daemon slurmctld
    stop_daemon munged
    kill_leftover_steps
    rm -f "$DIR/munge-socket/munge.socket" "$DIR/munge-socket/munge.socket.lock"
    [ -n "$quiet" ] || say "stopped (state and logs kept in $DIR)"
}

# A slurmstepd left behind (slurmctld gone before it could cancel the jobs)
# works in DIR/log or holds DIR/log/slurmd.log open (its environment is
# overwritten by its process title): kill it and the job processes under it.
# Reads /proc only (procps may be missing).
kill_leftover_steps() {
    local f fd p comm st ppid victims="" changed=1 all=""
    for f in /proc/[0-9]*/comm; do
        p=${f#/proc/}; p=${p%/comm}
        read -r comm 2>/dev/null <"$f" || continue
        [ "$comm" = slurmstepd ] || continue
        case $(readlink "/proc/$p/cwd" 2>/dev/null) in
        "$DIR"/*) victims="$victims $p " ;;
        *) for fd in /proc/"$p"/fd/*; do
               case $(readlink "$fd" 2>/dev/null) in
               "$DIR"/*) victims="$victims $p "; break ;;
               esac
           done ;;
        esac
    done
    [ -n "$victims" ] || return 0
    # pid:ppid of every process, then the descendants of the victims.
    for f in /proc/[0-9]*/stat; do
        read -r st 2>/dev/null <"$f" || continue
        p=${st%% *}; st=${st##*) }; st=${st#* }; ppid=${st%% *}
        all="$all $p:$ppid"
    done
    while [ $changed = 1 ]; do
        changed=0
        for f in $all; do
            case $victims in *" ${f%%:*} "*) continue ;; esac
            case $victims in *" ${f#*:} "*) victims="$victims ${f%%:*} "; changed=1 ;; esac
        done
    done
    say "killing processes left by the cluster's job steps:$(echo "$victims" | tr -s ' ')"
    for p in $victims; do kill -KILL "$p" 2>/dev/null; done
}

# ---- status ----------------------------------------------------------------
status() {
    local b pid up=0
    for b in munged slurmctld slurmd; do
        if pid=$(pid_of $b); then
            printf '%-10s running (pid %s)\n' "$b" "$pid"
        else
            printf '%-10s not running\n' "$b"
            up=3
        fi
    done
    if [ $up = 0 ]; then
        in_cluster sinfo -N -o '%N %T %c' 2>&1 || up=3
    fi
    return $up
}

# ---- main ------------------------------------------------------------------
CMD=${1:-}
DIR=${2:-}
case $CMD in
start) start ;;
stop | status)
    [ -n "$DIR" ] || { say "$CMD needs the cluster's directory"; usage; }
    [ -d "$DIR" ] || { [ "$CMD" = stop ] && exit 0; say "no such directory: $DIR"; exit 3; }
    DIR=$(cd "$DIR" && pwd -P)
    if [ "$CMD" = stop ]; then stop_all; else status; fi
    ;;
*) usage ;;
esac
