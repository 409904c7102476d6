#!/usr/bin/env bash
# The MPI engine against the sequential engine: for -np 1..4 (oversubscribed
# on small machines) x OMP_NUM_THREADS 1 and 2, count, tuplets, nth, list
# (to stdout under block, cyclic and dynamic distribution, and to files) and
# check output, mandel images and heat fields, must equal what one process with one thread
# gives, on fixed ranges, random ranges, ranges near 2^64-1 and ranges with
# fewer numbers than ranks.  Also: errors reach every rank (exit 2, one
# message), and a rank killed mid-run ends the job quickly.
#
#   tests/mpi/run.sh path/to/parkit [quick]
set -u
P=${1:?usage: tests/mpi/run.sh path/to/parkit}
case $P in /*) ;; *) P=$PWD/$P ;; esac
MODE=${2:-full}

if ! "$P" info --json | grep -q '"mpi":true'; then
    echo "tests/mpi: $P was built without MPI; nothing to test"
    echo "0 passed, 0 failed, 1 skipped"
    exit 0
fi
command -v mpirun >/dev/null || { echo "tests/mpi: mpirun not found (apt-get install openmpi-bin)"; exit 1; }

# Root needs both variables; more ranks than cores needs oversubscription.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
# Oversubscribed ranks must not spin while waiting (see README, "MPI").
export OMP_WAIT_POLICY=passive
unset SLURM_CPUS_PER_TASK

T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
PASSED=0 FAILED=0
START=$(date +%s)

fail() { FAILED=$((FAILED + 1)); echo "FAIL: $1"; shift; printf '  %s\n' "$@"; }
pass() { PASSED=$((PASSED + 1)); }

# mpi NP THREADS args...: run parkit under mpirun; stdout in $T/out, stderr in $T/err.
mpi() {
    local np=$1 threads=$2
    shift 2
    timeout 120 mpirun -np "$np" --bind-to none -x OMP_NUM_THREADS="$threads" -x OMP_WAIT_POLICY \
        "$P" "$@" >"$T/out" 2>"$T/err"
}

# same NAME args...: the MPI runs' stdout equals the sequential run's.
same() {
    local name=$1
    shift
    OMP_NUM_THREADS=1 "$P" "$@" >"$T/expected" 2>"$T/expected.err" || {
        fail "$name: sequential run failed" "$(head -3 "$T/expected.err")"
        return
    }
    for np in $NPS; do
        for threads in 1 2; do
            if ! mpi "$np" "$threads" "$@"; then
                fail "$name (np=$np, threads=$threads)" "mpirun exited $?: $(head -3 "$T/err")"
            elif ! cmp -s "$T/expected" "$T/out"; then
                fail "$name (np=$np, threads=$threads)" "expected: $(head -c 200 "$T/expected")" \
                    "got:      $(head -c 200 "$T/out")"
            else
                pass
            fi
        done
    done
}

if [ "$MODE" = quick ]; then NPS="2 3"; else NPS="1 2 3 4"; fi
echo "== the wall around MPI, output in order, the grid layer: unit-tests comm, engine_ranks, answers, grid, heat on 1-4 ranks"
UNIT=$(dirname "$P")/unit-tests
if [ -x "$UNIT" ]; then
    for suite in comm engine_ranks answers grid heat; do
        for np in 1 2 3 4; do
            if timeout 120 mpirun -np "$np" --bind-to none "$UNIT" "$suite" >"$T/out" 2>"$T/err"; then pass; else
                fail "unit-tests $suite under mpirun -np $np" "$(grep -E 'FAILED|[0-9]\. ' "$T/out" | head -3)" \
                    "$(head -3 "$T/err")"
            fi
        done
    done
else
    fail "unit-tests under mpirun" "$UNIT is missing (make $UNIT)"
fi

echo "== answers equal the sequential engine's (np: $NPS; OMP_NUM_THREADS: 1 2)"
same "count 1e9" primes count 1e9 -q
same "count 1e9 dynamic" primes count 1e9 -q --distribute dynamic
same "twins 1e8" primes count 1e8 --twins -q
same "sextuplets 1e8" primes count 1e8 --sextuplets -q
same "count near 2^64-1" primes count 18446744073709551615-1e7 18446744073709551615 -q
same "tiny range, fewer numbers than ranks" primes count 5 7 -q
same "empty range" primes count 24 28 -q
same "trial, uneven units" primes count 1e6 --algo trial -q
same "trial dynamic" primes count 1e6 --algo trial --distribute dynamic -q
same "nth 1e7" primes nth 1e7 -q
same "nth 3" primes nth 3 -q
same "list 1e7 to stdout (dynamic)" primes list 1e7
same "list --triplets to stdout (dynamic)" primes list 1e11 1e11+2e7 --triplets
same "list --twins at the range's start, fewer numbers than ranks" primes list 0 43 --twins
same "list 1e7 to stdout, block" primes list 1e7 --distribute block
same "list 1e7 to stdout, cyclic" primes list 1e7 --distribute cyclic
same "list 2e6 --algo trial, cyclic" primes list 2e6 --algo trial --distribute cyclic
same "list tiny, cyclic" primes list 2 3 --distribute cyclic
same "list near 2^64" primes list 18446744073709551615-2e5 18446744073709551615
same "list tiny" primes list 2 3
same "check numbers" primes check 1 2 97 561 3825123056546413051 2^64-59 18446744073709551616
seq 1000000000000 1000000003000 > "$T/numbers.txt"
same "check a file" primes check "$T/numbers.txt"

RANDOM=$$
for i in 1 2 3; do
    lo=$((RANDOM * RANDOM * 7)) width=$((RANDOM * 300))
    same "random count [$lo, +$width]" primes count "$lo" "$lo+$width" -q
done

echo "== list -o FILE is byte-identical"
OMP_NUM_THREADS=1 "$P" primes list 1e8 -o "$T/seq.txt"
for np in $NPS; do
    rm -f "$T/mpi.txt"
    if mpi "$np" 2 primes list 1e8 -o "$T/mpi.txt" && cmp -s "$T/seq.txt" "$T/mpi.txt"; then
        pass
    else
        fail "list 1e8 -o (np=$np)" "$(head -3 "$T/err")"
    fi
    leftovers=$(ls "$T" | grep -c partial)
    [ "$leftovers" = 0 ] && pass || fail "list -o (np=$np) left a temporary file"
done

echo "== mandel: the same image bytes under every distribution, to a pipe and to a file"
for dist in block cyclic dynamic; do
    same "mandel ppm --distribute $dist (pipe)" mandel --size 301x157 --center -0.75,0.1 --zoom 1.5 --iterations 500 \
        --format ppm --distribute "$dist"
done
same "mandel pbm, the benchmarks game's bitmap (pipe)" mandel --format pbm --size 203
if "$P" info --json | grep -q '"png":true'; then
    # PNG bands are deflated where they were computed and joined in order on rank 0.
    same "mandel png (pipe)" mandel --size 301x157 --iterations 500 --format png --distribute cyclic
    OMP_NUM_THREADS=1 "$P" mandel --size 301x157 --iterations 500 -o "$T/seq.png"
    if mpi 3 2 mandel --size 301x157 --iterations 500 --distribute dynamic -o "$T/mpi.png" &&
        cmp -s "$T/seq.png" "$T/mpi.png"; then pass; else
        fail "mandel -o FILE.png (np=3, --distribute dynamic)" "$(head -3 "$T/err")"
    fi
    rm -f "$T/seq.png" "$T/mpi.png"
    # A PNG with a checkpoint goes by place in slots: stopped on 3 ranks, resumed on 2, joined: the same bytes.
    OMP_NUM_THREADS=1 "$P" mandel --size 1200x900 --iterations 3000 --center -0.7435,0.1314 --zoom 60 -o "$T/seq.png"
    rm -f "$T/mck.png" "$T/m.ck"
    mpirun -np 3 --bind-to none -x OMP_NUM_THREADS=1 "$P" mandel --size 1200x900 --iterations 3000 \
        --center -0.7435,0.1314 --zoom 60 -o "$T/mck.png" --checkpoint "$T/m.ck" --checkpoint-interval 0.05 \
        --distribute cyclic >/dev/null 2>&1 &
    job=$!
    # Signalled once it has saved (mpirun forwards SIGUSR1 to the ranks once they run).
    for _ in $(seq 200); do [ -s "$T/m.ck" ] && break; sleep 0.05; done
    kill -USR1 "$job"
    wait "$job"
    mpi 2 2 mandel --size 1200x900 --iterations 3000 --center -0.7435,0.1314 --zoom 60 -o "$T/mck.png" \
        --checkpoint "$T/m.ck" --resume
    if cmp -s "$T/seq.png" "$T/mck.png" && [ ! -e "$T/m.ck" ] && [ ! -e "$T/mck.png.partial" ]; then pass; else
        fail "mandel -o FILE.png --checkpoint: stopped on 3 ranks, resumed on 2, the same bytes" "$(head -3 "$T/err")"
    fi
    rm -f "$T/seq.png" "$T/mck.png"
fi
OMP_NUM_THREADS=1 "$P" mandel --size 640x360 --iterations 800 -o "$T/seq.raw"
for np in $NPS; do
    for dist in block cyclic dynamic; do
        rm -f "$T/mpi.raw"
        if mpi "$np" 2 mandel --size 640x360 --iterations 800 --distribute "$dist" -o "$T/mpi.raw" &&
            cmp -s "$T/seq.raw" "$T/mpi.raw"; then pass; else
            fail "mandel -o FILE.raw (np=$np, --distribute $dist)" "$(head -3 "$T/err")"
        fi
    done
done
rm -f "$T/seq.raw" "$T/mpi.raw"

echo "== heat: the same field under every rank count, tiling, halo mode and thread count"
for halo in sendrecv nonblocking neighbor; do
    same "heat --halo $halo" heat --size 203x131 --steps 150 --edges 10,0,5,0 --halo "$halo"
done
OMP_NUM_THREADS=1 "$P" heat --size 203x131 --steps 150 --edges 10,0,5,0 -o "$T/seq.field" >"$T/expected"
for tiles in 2x1:2 1x2:2 3x1:3 1x3:3 4x1:4 1x4:4 2x2:4; do
    np=${tiles#*:}
    for halo in sendrecv nonblocking neighbor; do
        # Step by step, and K = 4 steps at a time with halos 4 deep (corners through the tile beside).
        for block in 1 4; do
            rm -f "$T/mpi.field"
            if mpi "$np" 2 heat --size 203x131 --steps 150 --edges 10,0,5,0 --halo "$halo" --ranks-grid "${tiles%:*}" \
                --time-block "$block" -o "$T/mpi.field" && cmp -s "$T/expected" "$T/out" &&
                cmp -s "$T/seq.field" "$T/mpi.field"; then pass; else
                fail "heat -o FIELD (--ranks-grid ${tiles%:*}, --halo $halo, --time-block $block)" \
                    "$(head -c 300 "$T/out")" "$(head -3 "$T/err")"
            fi
        done
    done
done
if mpi 3 1 heat --size 96x80 --steps 500 --init sine && grep -q "^validated" "$T/out"; then pass; else
    fail "heat --init sine validates on 3 ranks" "$(cat "$T/out" "$T/err" | head -5)"
fi
if "$P" info --json | grep -q '"png":true'; then
    # The heat map: the bands gathered on rank 0 from every tile make the same picture.
    OMP_NUM_THREADS=1 "$P" heat --size 203x131 --steps 150 --edges 10,0,5,0 --png "$T/seq.png" >/dev/null
    if mpi 4 1 heat --size 203x131 --steps 150 --edges 10,0,5,0 --ranks-grid 2x2 --png "$T/mpi.png" &&
        cmp -s "$T/seq.png" "$T/mpi.png"; then pass; else
        fail "heat --png on 2x2 tiles is one process's picture" "$(head -3 "$T/err")"
    fi
    rm -f "$T/seq.png" "$T/mpi.png"
    # Snapshots on 3 ranks, K steps at a time: one process's pictures.
    mkdir -p "$T/seq" "$T/mpi"
    OMP_NUM_THREADS=1 "$P" heat --size 203x131 --steps 150 --edges 10,0,5,0 --snapshots "$T/seq/h" \
        --snapshot-every 40 >/dev/null
    if mpi 3 2 heat --size 203x131 --steps 150 --edges 10,0,5,0 --snapshots "$T/mpi/h" --snapshot-every 40 \
        --time-block 3 && [ "$(ls "$T/mpi" | wc -l)" = 4 ] && diff -r "$T/seq" "$T/mpi" >/dev/null; then pass; else
        fail "heat --snapshots on 3 ranks are one process's pictures" "$(ls "$T/mpi")" "$(head -3 "$T/err")"
    fi
    rm -rf "$T/seq" "$T/mpi"
fi
# A field written by 4 ranks is a first field for 3, and the same as one process's.
if mpi 3 2 heat --size 203x131 --steps 10 --edges 10,0,5,0 --init "$T/mpi.field" &&
    [ "$(sed -n 's/.*checksum \([0-9a-f]*\),.*/\1/p' "$T/out")" = \
        "$(OMP_NUM_THREADS=1 "$P" heat --size 203x131 --steps 160 --edges 10,0,5,0 | sed -n 's/.*checksum \([0-9a-f]*\),.*/\1/p')" ]; then
    pass
else
    fail "heat --init a field written by 4 ranks, on 3" "$(head -3 "$T/out" "$T/err")"
fi
# Stopped with 4 ranks (SIGUSR1 to mpirun), resumed with 1 and with 3: the uninterrupted file.
OMP_NUM_THREADS=2 "$P" heat --size 1536 --steps 1500 -o "$T/whole.field" >/dev/null
rm -f "$T/heat.ck"
mpirun -np 4 --bind-to none -x OMP_NUM_THREADS=1 "$P" heat --size 1536 --steps 1500 -o "$T/part.field" \
    --checkpoint "$T/heat.ck" --checkpoint-interval 0.1 >"$T/out" 2>"$T/err" &
job=$!
(sleep 90 && kill -9 "$job" 2>/dev/null) &
watchdog=$!
for _ in $(seq 400); do [ -s "$T/heat.ck" ] && break; sleep 0.05; done # once it has saved
kill -USR1 "$job"
wait "$job"
rc=$?
kill "$watchdog" 2>/dev/null
if [ "$rc" = 75 ] && [ -s "$T/heat.ck" ] && [ ! -e "$T/part.field" ]; then
    pass
    cp "$T/heat.ck" "$T/heat3.ck"
    for resume in "1 heat.ck" "3 heat3.ck"; do
        np=${resume% *}
        rm -f "$T/part.field"
        if mpi "$np" 2 heat --size 1536 --steps 1500 -o "$T/part.field" --checkpoint "$T/${resume#* }" --resume &&
            grep -q "resumed from" "$T/err" && cmp -s "$T/part.field" "$T/whole.field" && [ ! -e "$T/${resume#* }" ]; then
            pass
        else
            fail "heat: a 4-rank checkpoint resumed on $np rank(s) writes the uninterrupted field" "$(head -3 "$T/err")"
        fi
    done
elif [ "$rc" = 0 ]; then
    echo "   (the 4-rank heat run finished before the signal: nothing to resume)"
else
    fail "heat: SIGUSR1 to a 4-rank run saves a checkpoint and exits 75" "exit $rc: $(head -3 "$T/err")"
fi
mpi 4 1 heat --size 100x20 --ranks-grid 1x4 --time-block 6
if [ $? = 2 ] && [ "$(grep -c "thinner than --time-block 6" "$T/err")" = 1 ]; then pass; else
    fail "heat: tiles thinner than the --time-block halo are refused once, exit 2" "$(head -3 "$T/err")"
fi
mpi 3 1 heat --size 2x100 --ranks-grid 3x1
if [ $? = 2 ] && [ "$(grep -c "smaller than its halo" "$T/err")" = 1 ]; then pass; else
    fail "heat: tiles smaller than their halo are refused once, exit 2" "$(head -3 "$T/err")"
fi
rm -f "$T"/*.field "$T"/*.ck

echo "== checkpoint under MPI: stopped with 3 ranks, resumed with 2, the same answer"
rm -f "$T/mpi.ck"
timeout -s TERM 2 mpirun -np 3 --bind-to none -x OMP_NUM_THREADS=1 "$P" primes count 5e10 \
    --checkpoint "$T/mpi.ck" --checkpoint-interval 0.05 -q >"$T/out" 2>"$T/err"
stopped=$?
pkill -9 -f "primes count 5e10 --checkpoint" 2>/dev/null
if [ "$stopped" = 0 ]; then
    echo "   (the 3-rank count finished before the signal: nothing to resume)"
elif [ -e "$T/mpi.ck" ]; then
    mpi 2 1 primes count 5e10 --checkpoint "$T/mpi.ck" --resume
    if [ "$(cat "$T/out")" = 2119654578 ] && grep -q "resumed from" "$T/err" && [ ! -e "$T/mpi.ck" ]; then pass; else
        fail "resume with 2 ranks of a 3-rank checkpoint" "got '$(cat "$T/out")': $(head -3 "$T/err")"
    fi
else
    fail "a 3-rank run stopped by SIGTERM left a checkpoint" "exit $stopped: $(head -3 "$T/err")"
fi
rm -f "$T/list.txt" "$T/list.ck"
timeout -s TERM 1.5 mpirun -np 2 --bind-to none -x OMP_NUM_THREADS=1 "$P" primes list 2e9 -o "$T/list.txt" \
    --checkpoint "$T/list.ck" --checkpoint-interval 0.1 >/dev/null 2>&1
pkill -9 -f "primes list 2e9 -o" 2>/dev/null
mpi 3 1 primes list 2e9 -o "$T/list.txt" --checkpoint "$T/list.ck" --resume
OMP_NUM_THREADS=2 "$P" primes list 2e9 -o "$T/list-seq.txt"
if cmp -s "$T/list.txt" "$T/list-seq.txt" && [ ! -e "$T/list.txt.partial" ]; then pass; else
    fail "list -o stopped with 2 ranks, resumed with 3: the same bytes" "$(head -3 "$T/err")"
fi
rm -f "$T/list.txt" "$T/list-seq.txt"

echo "== signals to mpirun: SIGUSR1 checkpoints and exits 75; SIGTERM and SIGINT (Ctrl-C) checkpoint, mpirun exits 1 (README)"
for sig in USR1 TERM INT; do
    rm -f "$T/sig.ck"
    mpirun -np 2 --bind-to none -x OMP_NUM_THREADS=1 "$P" primes count 5e10 --checkpoint "$T/sig.ck" \
        --checkpoint-interval 0.05 -q >"$T/out" 2>"$T/err" &
    job=$!
    (sleep 90 && kill -9 "$job" 2>/dev/null) & # a hang is a failure, not a stuck suite
    watchdog=$!
    sleep 2
    kill "-$sig" "$job"
    wait "$job"
    rc=$?
    kill "$watchdog" 2>/dev/null
    if [ "$sig" = USR1 ]; then expected=75; else expected=1; fi
    if [ "$rc" = "$expected" ] && [ -s "$T/sig.ck" ] && grep -q "checkpoint saved to" "$T/err"; then pass; else
        fail "SIG$sig to mpirun: exit $expected with a checkpoint" "exit $rc: $(grep parkit "$T/err" | head -2)"
    fi
done

echo "== progress under mpirun: on when mpirun's stderr is a terminal, as for one process; off when redirected"
if have_script=$(command -v script); then
    # script(1) gives mpirun a terminal, as a user's shell does.
    timeout 60 "$have_script" -qec "mpirun -np 2 --bind-to none -x OMP_NUM_THREADS=1 $P primes count 2e10" /dev/null \
        >"$T/tty.out" 2>&1 </dev/null
    rc=$?
    if [ "$rc" = 0 ] && grep -q '882206716' "$T/tty.out" && grep -qE 'parkit: +[0-9.]+%' "$T/tty.out"; then pass; else
        fail "progress on mpirun's terminal" "exit $rc: $(tr '\r' '\n' <"$T/tty.out" | head -5)"
    fi
    mpirun -np 2 --bind-to none -x OMP_NUM_THREADS=1 "$P" primes count 2e10 >"$T/out" 2>"$T/err"
    rc=$?
    if [ "$rc" = 0 ] && [ ! -s "$T/err" ]; then pass; else
        fail "no progress when mpirun's stderr is a file" "exit $rc: $(head -c 300 "$T/err")"
    fi
else
    fail "progress under mpirun" "script(1) is missing: apt-get install util-linux"
fi

echo "== errors are agreed: one message, exit 2 on all ranks"
mpi 3 1 primes count 10 5
rc=$?
messages=$(grep -c "parkit: primes count: LO (10) is greater than HI (5)" "$T/err")
if [ "$rc" = 2 ] && [ "$messages" = 1 ]; then pass; else
    fail "bad range under mpirun" "exit $rc (expected 2), $messages messages (expected 1)"
fi
mpi 2 1 primes check 7 "$T/no-such-file"
rc=$?
if [ "$rc" = 2 ] && grep -q "no file of that name" "$T/err"; then pass; else
    fail "check of a missing file under mpirun" "exit $rc: $(head -2 "$T/err")"
fi
mpi 2 1 primes list 1e6 -o "$T"
rc=$?
if [ "$rc" = 1 ] && grep -q "is a directory" "$T/err"; then pass; else
    fail "list -o DIR under mpirun" "exit $rc: $(head -2 "$T/err")"
fi

echo "== a rank that fails before the first collective: exit 2 at once, its message with its number"
# mpmd NAME EXIT PATTERN mpirun-args...: the job ends with EXIT within 15 s and
# stderr has PATTERN (an extended regex).
mpmd() {
    local name=$1 code=$2 pattern=$3
    shift 3
    local start
    start=$(date +%s)
    timeout -k 5 60 mpirun --bind-to none "$@" >"$T/out" 2>"$T/err"
    local rc=$? elapsed=$(($(date +%s) - start))
    if [ "$rc" = "$code" ] && [ "$elapsed" -le 15 ] && grep -qE "$pattern" "$T/err"; then pass; else
        fail "$name" "exit $rc after ${elapsed}s (expected $code within 15 s), stderr:" "$(grep parkit "$T/err" | head -3)"
    fi
}
mpmd "OMP_NUM_THREADS=0 on rank 1 only" 2 "^parkit: primes count \(rank 1\): OMP_NUM_THREADS='0' is not a thread count" \
    -np 1 -x OMP_NUM_THREADS=2 "$P" primes count 1e9 : -np 1 -x OMP_NUM_THREADS=0 "$P" primes count 1e9
mpmd "SLURM_CPUS_PER_TASK=0 on rank 2 only" 2 "^parkit: primes count \(rank 2\): SLURM_CPUS_PER_TASK='0'" \
    -np 2 "$P" primes count 1e9 : -np 1 -x SLURM_CPUS_PER_TASK=0 "$P" primes count 1e9
mkdir -p "$T/node1" "$T/node2"
printf '[job]\nkernel = primes\ncommand = count\n[range]\nhi = 1e7\n' >"$T/node1/job.ini"
mpmd "a job file missing on one node" 2 "^parkit: run \(rank 1\): job.ini: cannot open: No such file or directory" \
    -np 1 -wdir "$T/node1" "$P" run job.ini : -np 1 -wdir "$T/node2" "$P" run job.ini
printf '[job]\nkernel = primes\ncommand = count\n[range]\nhi = 1e8\n' >"$T/node2/job.ini"
mpmd "a job file that differs on one node" 2 "^parkit: mpirun: the ranks must run the same job, but rank 1's arguments or job file differ" \
    -np 1 -wdir "$T/node1" "$P" run job.ini : -np 1 -wdir "$T/node2" "$P" run job.ini
mpmd "MPMD arguments that differ" 2 "^parkit: mpirun: the ranks must run the same job, but rank 2's .*'parkit primes count abc'" \
    -np 2 "$P" primes count 1e9 : -np 1 "$P" primes count abc
mpmd "--help on one rank only" 2 "rank 1's arguments or job file differ" \
    -np 1 "$P" primes count 1e9 : -np 1 "$P" primes --help
# Ranks with other thread counts plan alike (and agree on chunks and
# batches): the same bytes as one process, under every distribution.
OMP_NUM_THREADS=1 "$P" primes list 1e7 >"$T/expected"
for distribute in dynamic cyclic block; do
    timeout 60 mpirun --bind-to none -np 1 -x OMP_NUM_THREADS=1 "$P" primes list 1e7 --distribute $distribute : \
        -np 2 -x OMP_NUM_THREADS=2 "$P" primes list 1e7 --distribute $distribute >"$T/out" 2>"$T/err"
    if cmp -s "$T/out" "$T/expected"; then pass; else
        fail "ranks with 1, 2 and 2 threads list 1e7 --distribute $distribute as one process does" "$(head -3 "$T/err")"
    fi
done

echo "== primes test, the self-check, on 3 ranks x 2 threads"
if mpi 3 2 primes test -q && grep -q "18 of 18 checks passed" "$T/out"; then pass; else
    fail "primes test under mpirun -np 3" "$(cat "$T/out" "$T/err" | head -5)"
fi

echo "== info under mpirun shows every rank"
mpi 3 2 info
if [ "$(grep -cE '^  [0-2] ' "$T/out")" = 3 ]; then pass; else fail "info under mpirun" "$(cat "$T/out")"; fi

echo "== threads that will share cores: said once, by rank 0, with the advice that fits the binding"
# crowd NAME EXPECTED-REGEX|none mpirun-args...: parkit primes count 1e6 under
# mpirun with those arguments (then PARKIT_ARGS): exit 0, the right count,
# and exactly one warning matching EXPECTED-REGEX (or none at all).
crowd() {
    local name=$1 expected=$2
    shift 2
    env -u OMP_NUM_THREADS -u SLURM_CPUS_PER_TASK timeout 60 mpirun "$@" "$P" primes count 1e6 ${PARKIT_ARGS:-} >"$T/out" 2>"$T/err"
    local rc=$? warnings
    warnings=$(grep -c '^parkit: warning: .*threads will share cores' "$T/err")
    if [ "$rc" = 0 ] && [ "$(cat "$T/out")" = 78498 ] &&
        if [ "$expected" = none ]; then [ "$warnings" = 0 ]; else
            [ "$warnings" = 1 ] && grep -qE "$expected" "$T/err"; fi; then
        pass
    else
        fail "$name" "exit $rc, $warnings warnings, expected ${expected}:" "$(head -c 600 "$T/err")"
    fi
}
cpus=$(nproc)
# --bind-to none: each rank takes every CPU of the host by default; binding is no cure.
crowd "2 unbound ranks x every CPU" "^parkit: warning: $((2 * cpus)) threads on the $cpus CPUs of host [^ ]+ \(2 ranks x $cpus threads, from affinity mask\): threads will share cores; give each rank $((cpus / 2 > 0 ? cpus / 2 : 1)) threads? \(-t [0-9]+\)$" \
    -np 2 --bind-to none
crowd "3 unbound ranks x 2 threads" "^parkit: warning: 6 threads on the $cpus CPUs .*\(3 ranks x 2 threads, from OMP_NUM_THREADS\)" \
    -np 3 --bind-to none -x OMP_NUM_THREADS=2
crowd "2 unbound ranks x 1 thread: none" none -np 2 --bind-to none -x OMP_NUM_THREADS=1
crowd "4 ranks x 1 thread on $cpus CPUs: mpirun's oversubscription, not said again" none -np 4 --bind-to none -x OMP_NUM_THREADS=1
PARKIT_ARGS="-t 3" crowd "--threads on every rank, said alike" "\(2 ranks x 3 threads, from --threads\)" -np 2 --bind-to none
PARKIT_ARGS="-t 3 -q" crowd "-q: none" none -np 2 --bind-to none
if [ "$cpus" -ge 2 ]; then
    # mpirun's own binding (a core a rank, as with np <= 2): the host has the CPUs, the rank does not.
    crowd "1 rank bound to a core with 2 threads" "^parkit: warning: 2 threads on host [^ ]+, whose ranks are bound to 1 of its $cpus CPUs \(1 rank x 2 threads, from OMP_NUM_THREADS\): threads will share cores; give each rank its cores with mpirun --map-by slot:PE=2, or --bind-to none$" \
        -np 1 --bind-to core -x OMP_NUM_THREADS=2
fi

echo "== no one-sided windows (Open MPI's osc components turned off, as osc/ucx fails over TCP): dynamic runs as cyclic, same answers, said once"
"$P" primes list 1e9 1e9+2e6 -t 1 >"$T/expected"
timeout 120 mpirun -np 3 --bind-to none --mca osc ^sm,pt2pt,rdma,ucx -x OMP_NUM_THREADS=2 "$P" primes list 1e9 1e9+2e6 --time \
    >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && cmp -s "$T/expected" "$T/out" && grep -q "3 ranks (cyclic)" "$T/err" &&
    [ "$(grep -c "^parkit: MPI: MPI_Win_allocate: .*: --distribute dynamic ran as cyclic" "$T/err")" = 1 ]; then
    pass
else
    fail "list without one-sided windows: the same primes, cyclic, one note" "exit $rc, $(wc -l <"$T/out") lines" "$(head -c 400 "$T/err")"
fi

echo "== bench: every model, ranks started by bench's own mpirun, 4 processors (oversubscribed), validated"
timeout 600 "$P" bench --quick --kernels primes,heat --max-procs 4 --oversubscribe --repeat 1 -o "$T/bench" \
    >"$T/out" 2>"$T/err"
rc=$?
# Per kernel, strong: seq, mpi 1x1, omp 1x2, mpi 2x1, omp 1x4, mpi 4x1, hybrid 2x2; weak: the five of P > 1.
points=$(tail -n +2 "$T/bench/points.csv" 2>/dev/null | grep -c .)
valid=$(awk -F, 'NR > 1 && $18 == "yes"' "$T/bench/points.csv" 2>/dev/null | grep -c .)
models=$(tail -n +2 "$T/bench/points.csv" 2>/dev/null | cut -d, -f3 | sort -u | tr '\n' ' ')
if [ "$rc" = 0 ] && [ "$points" = 24 ] && [ "$valid" = 24 ] && [ "$models" = "hybrid mpi omp seq " ]; then pass; else
    fail "bench --quick --max-procs 4: 24 valid points of every model" "exit $rc, $points points, $valid valid, models: $models" \
        "$(head -c 400 "$T/err")"
fi
if grep -q '"latency":[0-9.e-]*[1-9]' "$T/bench/machine.json" && grep -q '"bandwidth":[0-9.e+]*[1-9]' "$T/bench/machine.json" &&
    grep -q '"messages_priced":true' "$T/bench/bench.json" && grep -qE "^heat +strong +hybrid +2 +2 " "$T/out"; then
    pass
else
    fail "bench: the ping-pong's latency and bandwidth price the model's messages" "$(cat "$T/bench/machine.json")" \
        "$(grep hybrid "$T/out" | head -3)"
fi
timeout 60 mpirun -np 2 "$P" bench --quick >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 2 ] && grep -q "^parkit: bench: parkit bench starts its own runs (mpirun for ranks): run it without mpirun" "$T/err"; then
    pass
else
    fail "bench under mpirun is refused: exit 2" "exit $rc: $(head -c 300 "$T/err")"
fi
# No mpirun on PATH: said; asked for MPI alone, a failure; by default the other models still run.
timeout 60 env PATH=/nonexistent "$P" bench --quick --models mpi >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 1 ] && grep -q "^parkit: bench: --models mpi: no MPI here (none: mpirun is not on PATH)" "$T/err"; then pass; else
    fail "bench --models mpi without mpirun: exit 1, said" "exit $rc: $(head -c 300 "$T/err")"
fi
timeout 120 env PATH=/nonexistent "$P" bench --quick --kernels primes --repeat 1 >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" = 0 ] && grep -q "MPI and hybrid points left out: none: mpirun is not on PATH" "$T/err" &&
    grep -q "^primes  strong  seq" "$T/out" && ! grep -q " mpi " "$T/out"; then
    pass
else
    fail "bench without mpirun: the other models run, the missing one said" "exit $rc: $(head -c 300 "$T/err")"
fi

echo "== a rank killed mid-run ends the job"
start=$(date +%s)
timeout 60 mpirun -np 3 --bind-to none -x OMP_NUM_THREADS=1 "$P" primes count 1e13 -q >"$T/out" 2>"$T/err" &
job=$!
sleep 2
victim=$(pgrep -f "parkit primes count 1e13" | tail -1)
[ -n "$victim" ] && kill -9 "$victim"
wait "$job"
rc=$?
elapsed=$(($(date +%s) - start))
if [ "$rc" != 0 ] && [ "$rc" != 124 ] && [ "$elapsed" -le 30 ]; then pass; else
    fail "killed rank" "exit $rc after ${elapsed}s (expected non-zero, not a timeout, within 30 s)"
fi
pkill -9 -f "parkit primes count 1e13" 2>/dev/null

echo "   ($(( $(date +%s) - START )) s)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
