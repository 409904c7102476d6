#!/usr/bin/env bash
# parkit across hosts: three hosts made of network namespaces on this
# machine (tests/hosts/hosts.sh), ranks spread over them by mpirun, messages
# over TCP.  Every kernel's answers and files equal one process's; a
# distribution without one-sided windows (Open MPI's osc/ucx over TCP) runs
# as cyclic and says so; bad input is agreed across hosts; a host lost
# mid-run ends the job with an error and no file under the final name; and
# the log gives what the network costs: a ping-pong over TCP between hosts
# against shared memory within one, and heat's halo share across hosts.
#
#   tests/hosts/run.sh path/to/parkit        (as root; make hosts-tests)
set -u
P=${1:?usage: tests/hosts/run.sh path/to/parkit}
case $P in /*) ;; *) P=$PWD/$P ;; esac
. "$(dirname "$0")/hosts.sh"

if ! "$P" info --json | grep -q '"mpi":true'; then
    echo "SKIPPED: tests/hosts: $P was built without MPI"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
why=$(hosts_unavailable)
if [ -n "$why" ]; then
    echo "SKIPPED: tests/hosts: $why"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
command -v mpirun >/dev/null || { echo "tests/hosts: mpirun not found (apt-get install openmpi-bin)"; exit 1; }

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
export OMP_WAIT_POLICY=passive LC_ALL=C
unset SLURM_CPUS_PER_TASK

T=$(mktemp -d)
trap 'hosts_down; rm -rf "$T"' EXIT
trap 'exit 130' INT TERM
PASSED=0 FAILED=0
START=$(date +%s)
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $1"; shift; printf '  %s\n' "$@"; }
pass() { PASSED=$((PASSED + 1)); }

hosts_up 3 || { echo "tests/hosts: cannot make the hosts"; exit 1; }

# on3 NP THREADS ARGS...: parkit on NP ranks spread over the 3 hosts (one a
# host in turn), THREADS threads each, one-sided windows on (osc/ucx off);
# stdout $T/out, stderr $T/err.
on3() {
    local np=$1 threads=$2
    shift 2
    timeout 120 "$HOSTS_DIR/mpirun" -np "$np" --map-by node --mca osc ^ucx -x OMP_NUM_THREADS="$threads" -x OMP_WAIT_POLICY \
        "$P" "$@" >"$T/out" 2>"$T/err"
}

section_start=$(date +%s)
# took: the seconds since the last call (each section says what it cost).
took() {
    local now
    now=$(date +%s)
    echo "   ($((now - section_start)) s)"
    section_start=$now
}

echo "== 3 hosts: $HOSTS_NAMES on $HOSTS_SUBNET; parkit info under their mpirun"
on3 3 1 info
cat "$T/out"
if [ "$(grep -cE '^  [0-2] +pkhost[1-3] ' "$T/out")" = 3 ] &&
    [ "$(grep -oE '^  [0-2] +pkhost[1-3]' "$T/out" | awk '{print $2}' | sort -u | grep -c .)" = 3 ]; then
    pass
else
    fail "info: each of 3 ranks on its own host" "$(head -c 400 "$T/err")"
fi

took
echo "== answers and files across hosts equal one process's (3 ranks x 2 threads, 6 ranks x 1 thread)"
seq 1000000000000000000 7 1000000000000350000 >"$T/numbers.txt"
# same NAME ARGS...: stdout of the ranks equals one process's.
same() {
    local name=$1 np threads
    shift
    OMP_NUM_THREADS=1 "$P" "$@" >"$T/expected" 2>/dev/null || { fail "$name: one process failed"; return; }
    for run in 3x2 6x1; do
        np=${run%x*} threads=${run#*x}
        if ! on3 "$np" "$threads" "$@"; then
            fail "$name (np $np, threads $threads)" "exit: $(head -c 300 "$T/err")"
        elif ! cmp -s "$T/expected" "$T/out"; then
            fail "$name (np $np, threads $threads)" "expected: $(head -c 100 "$T/expected")" "got: $(head -c 100 "$T/out")"
        else
            pass
        fi
    done
}
same "count 1e10" primes count 1e10
same "count twins near 2^64" primes count 2^64-1e9 2^64-1 --twins
same "nth 1e7" primes nth 1e7
for d in dynamic cyclic block; do
    same "list, $d" primes list 1e12 1e12+1e6 --distribute "$d"
done
same "check a file" primes check "$T/numbers.txt"
same "heat checksum" heat --size 301x203 --steps 150 --edges 10,0,5,0 -q

# Files written by every rank in place (pwrite): the same bytes as one process's.
OMP_NUM_THREADS=1 "$P" primes list 1e12 1e12+5e6 -o "$T/list1.txt"
OMP_NUM_THREADS=1 "$P" mandel --size 640x480 --iterations 500 -o "$T/m1.ppm"
for np in 3 6; do
    rm -f "$T/list.txt" "$T/m.ppm"
    if on3 "$np" 2 primes list 1e12 1e12+5e6 -o "$T/list.txt" && cmp -s "$T/list1.txt" "$T/list.txt"; then pass; else
        fail "list -o across hosts (np $np): the same file" "$(head -c 300 "$T/err")"
    fi
    if on3 "$np" 2 mandel --size 640x480 --iterations 500 -o "$T/m.ppm" && cmp -s "$T/m1.ppm" "$T/m.ppm"; then pass; else
        fail "mandel -o across hosts (np $np): the same image" "$(head -c 300 "$T/err")"
    fi
done

took
echo "== no one-sided windows over TCP (Open MPI picks osc/ucx): dynamic runs as cyclic, the same answer, said"
timeout 120 "$HOSTS_DIR/mpirun" -np 3 --map-by node -x OMP_NUM_THREADS=1 \
    "$P" primes count 1e10 --time >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = 455052511 ] && grep -q "3 ranks (cyclic)" "$T/err" &&
    grep -q "^parkit: MPI: MPI_Win_allocate: .*ran as cyclic.*--mca osc ^ucx" "$T/err"; then
    pass
elif [ "$rc" = 0 ] && [ "$(cat "$T/out")" = 455052511 ] && grep -q "3 ranks (dynamic)" "$T/err"; then
    pass # this MPI has windows over TCP
else
    fail "count across hosts without osc settings: the answer, cyclic, said" "exit $rc: $(head -c 400 "$T/err")"
fi

took
echo "== bad input is agreed across hosts: exit 2, one message"
on3 3 1 primes count 10 5
rc=$?
if [ "$rc" = 2 ] && [ "$(grep -c "^parkit: primes count: LO (10) is greater than HI (5)" "$T/err")" = 1 ]; then pass; else
    fail "count 10 5 on 3 hosts: exit 2, one message" "exit $rc: $(head -c 300 "$T/err")"
fi

took
echo "== a host lost mid-run: the job ends with an error, no file under the final name"
mkdir -p "$T/lost"
start=$(date +%s)
on3 3 1 primes list 1e13 1e13+1e12 -o "$T/lost/primes.txt" &
job=$!
# Wait until host 3 runs its rank, then take the whole host away.
for _ in $(seq 1 100); do
    pids=$(host_pids 3)
    [ -n "$pids" ] && pgrep -f "parkit primes list 1e13" >/dev/null && break
    sleep 0.1
done
sleep 1
pids=$(host_pids 3)
[ -n "$pids" ] && kill -9 $pids
wait "$job"
rc=$?
elapsed=$(($(date +%s) - start))
left=$(ls -A "$T/lost")
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$elapsed" -le 40 ] && [ ! -e "$T/lost/primes.txt" ]; then pass; else
    fail "host 3 killed during list -o: an error within 40 s, no primes.txt" \
        "exit $rc after ${elapsed}s; left in the folder: ${left:-nothing}" "$(tail -n 3 "$T/err")"
fi
pkill -9 -f "parkit primes list 1e13" 2>/dev/null
rm -rf "$T/lost"

took
echo "== what the network costs: a ping-pong over TCP between two hosts, and in shared memory on one"
on3 2 1 bench --probe
tcp=$(cat "$T/out")
timeout 60 "$HOSTS_DIR/on-host" 1 mpirun -np 2 --bind-to none "$P" bench --probe >"$T/out" 2>"$T/err"
shm=$(cat "$T/out")
field() { printf '%s\n' "$1" | grep -o "\"$2\":[0-9.e+-]*" | cut -d: -f2; }
lt=$(field "$tcp" latency) bt=$(field "$tcp" bandwidth) ls=$(field "$shm" latency) bs=$(field "$shm" bandwidth)
printf '   TCP between hosts:      latency %s s, bandwidth %s B/s\n' "${lt:-?}" "${bt:-?}"
printf '   shared memory, 1 host:  latency %s s, bandwidth %s B/s\n' "${ls:-?}" "${bs:-?}"
if [ -n "$lt" ] && [ -n "$ls" ] && [ -n "$bt" ] && [ -n "$bs" ] &&
    awk -v t="$lt" -v s="$ls" -v b="$bt" 'BEGIN { exit !(t > s && s > 0 && b > 0) }'; then
    pass
else
    fail "ping-pong: TCP between hosts slower to start than shared memory" "TCP: $tcp" "shared memory: $shm $(head -c 200 "$T/err")"
fi
# The cost model priced with each: the same runs (heat, 1 process and 2
# ranks), predicted with TCP's figures and with shared memory's.
mkdir -p "$T/study"
printf '%s\n' "$tcp" >"$T/tcp.json"
printf '%s\n' "$shm" >"$T/shm.json"
"$P" heat --size 2048 --steps 100 --init sine -t 1 --json | "$P" bench --row >"$T/study/one.csv"
timeout 60 "$HOSTS_DIR/on-host" 1 mpirun -np 2 --bind-to none -x OMP_NUM_THREADS=1 "$P" heat --size 2048 --steps 100 \
    --init sine --json 2>/dev/null | "$P" bench --row >"$T/study/two.csv"
predicted() { grep -o '"ranks":1024,"strong_efficiency":[0-9.e+-]*' "$1" | head -n 1 | cut -d: -f3; }
"$P" bench --from "$T/study" --machine "$T/tcp.json" -o "$T/by-tcp" >/dev/null 2>"$T/err"
"$P" bench --from "$T/study" --machine "$T/shm.json" -o "$T/by-shm" >/dev/null 2>>"$T/err"
et=$(predicted "$T/by-tcp/bench.json") es=$(predicted "$T/by-shm/bench.json")
printf '   heat 2048x2048, predicted efficiency on 1024 ranks: %s with TCP figures, %s with shared memory'"'"'s\n' "${et:-?}" "${es:-?}"
if [ -n "$et" ] && [ -n "$es" ] && awk -v t="$et" -v s="$es" 'BEGIN { exit !(t < s) }'; then pass; else
    fail "bench --machine: TCP's figures predict a lower efficiency for heat than shared memory's" \
        "TCP: ${et:-none}, shared memory: ${es:-none}" "$(head -c 300 "$T/err")"
fi
# heat's halos across hosts: blocking against nonblocking, the same field.
sums=""
for halo in sendrecv nonblocking; do
    on3 3 1 heat --size 3000x600 --steps 100 --halo "$halo" --json
    share=$(awk -F'"halo_seconds_per_rank":' 'NF > 1 { split($2, a, /[:,}]/); print a[4] }' "$T/out")
    seconds=$(grep -o '"seconds":[0-9.]*' "$T/out" | head -n 1 | cut -d: -f2)
    sums="$sums $(grep -o '"checksum":"[0-9a-f]*"' "$T/out")"
    printf '   heat 3000x600, 100 steps, 3 hosts, --halo %-11s %s s, halo wait %s s a rank at most\n' \
        "$halo" "${seconds:-?}" "${share:-?}"
done
if [ "$(echo "$sums" | tr ' ' '\n' | grep . | sort -u | grep -c .)" = 1 ]; then pass; else
    fail "heat across hosts: the same field under both halo modes" "$sums"
fi

took
echo "   (all: $(($(date +%s) - START)) s)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
