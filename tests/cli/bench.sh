# shellcheck shell=bash
# Sourced by tests/cli/run.sh (its helpers, $P and $T): parkit bench from
# outside, without MPI (tests/mpi runs it with ranks).  A quick study
# writes every run and point, valid JSON, a report that shows each kernel,
# and (with gnuplot) valid PNG plots; --from reads the runs back to the same
# points; bad options and bad files are refused; an interrupted study keeps
# the runs it finished.

# csv_rows FILE: its lines after the header.
csv_rows() { tail -n +2 "$1" 2>/dev/null | grep -c . || true; }

# valid_png FILE: a PNG whose every chunk's CRC holds, ending in IEND, at
# least 600x400 pixels.
valid_png() {
    python3 - "$1" <<'EOF'
import struct, sys, zlib
data = open(sys.argv[1], 'rb').read()
assert data[:8] == b'\x89PNG\r\n\x1a\n', 'no PNG signature'
at, kinds = 8, []
while at < len(data):
    length, kind = struct.unpack('>I4s', data[at:at + 8])
    body = data[at + 8:at + 8 + length]
    crc, = struct.unpack('>I', data[at + 8 + length:at + 12 + length])
    assert zlib.crc32(kind + body) == crc, 'bad CRC in ' + kind.decode()
    if kind == b'IHDR':
        width, height = struct.unpack('>II', body[:8])
        assert width >= 600 and height >= 400, 'too small: %dx%d' % (width, height)
    kinds.append(kind)
    at += 12 + length
assert kinds[0] == b'IHDR' and kinds[-1] == b'IEND' and b'IDAT' in kinds, 'chunks: %r' % kinds
EOF
}

section_bench() {
    echo "== bench"
    local d="$T/bench" k
    mkdir -p "$d"
    # Two processors whatever this machine has: the points do not depend on it.
    local study=(--quick --max-procs 2 --oversubscribe --models seq,omp --repeat 2)
    local points=4 runs=8 per_kernel=1
    if [ "$HAVE_OPENMP" = 1 ]; then
        points=12 runs=24 per_kernel=3 # seq, omp 1x2 strong, omp 1x2 weak
    fi

    run "$P" bench "${study[@]}" -o "$d/study"
    if [ "$RC" = 0 ] && [ -s "$d/study/runs.csv" ]; then pass; else
        fail "bench --quick -o DIR: exit 0" "exit $RC" "$(head -c 600 "$ERR")"
    fi
    expect_eq "bench: a row of runs.csv per run" "$runs" "$(csv_rows "$d/study/runs.csv")" "runs.csv"
    expect_eq "bench: a row of points.csv per point" "$points" "$(csv_rows "$d/study/points.csv")" "points.csv"
    expect_eq "bench: every run has the 22 columns and is valid" "$runs" \
        "$(awk -F, 'NR > 1 && NF == 22 && $16 == "yes"' "$d/study/runs.csv" | grep -c .)" "runs.csv"
    expect_eq "bench: each point repeated twice" "1 2" \
        "$(tail -n +2 "$d/study/runs.csv" | cut -d, -f7 | sort -u | tr '\n' ' ' | sed 's/ $//')" "repeat column"
    for k in primes check mandel heat; do
        expect_eq "bench: $k has its points in the table" "$per_kernel" \
            "$(grep -cE "^$k +(strong|weak) " "$OUT")" "parkit bench table, rows of $k"
        # One answer per kernel and size, whatever the model.
        expect_eq "bench: $k answers the same on every model" "$([ "$HAVE_OPENMP" = 1 ] && echo 2 || echo 1)" \
            "$(awk -F, -v k="$k" '$1 == k { print $6, $15 }' "$d/study/runs.csv" | sort -u | grep -c .)" \
            "distinct (size, answer) pairs of $k"
    done
    expect_eq "bench: primes count of 2e9 is primesieve's" "$(sieve 0 2e9)" \
        "$(awk -F, '$1 == "primes" && $6 == 2000000000 { print $15; exit }' "$d/study/runs.csv")" "runs.csv answer"
    expect_eq "bench: the sequential point is its own reference (speedup 1)" "1.0000 1.0000" \
        "$(awk -F, '$1 == "heat" && $3 == "seq" { print $11, $12 }' "$d/study/points.csv")" "points.csv"
    grep -q "^fitted serial fraction" "$OUT" && pass ||
        fail "bench: the table ends with the fits and predictions" "$(tail -n 8 "$OUT")"
    if [ "$HAVE_PYTHON" = 1 ]; then
        expect_json "bench: bench.json is JSON" "$d/study/bench.json"
        expect_eq "bench: bench.json holds every run, point and fit" "$runs $points 4" \
            "$(python3 -c 'import json,sys; b=json.load(open(sys.argv[1])); print(len(b["runs"]), len(b["points"]), len(b["fits"]))' "$d/study/bench.json")" \
            "bench.json"
        expect_json "bench: machine.json is JSON" "$d/study/machine.json"
    fi
    for k in primes check mandel heat; do
        grep -q "^### $k" "$d/study/report.md" && pass || fail "bench: report.md explains $k" "no '### $k'"
    done
    expect_eq "bench: report.md has a table row per point" "$points" \
        "$(grep -cE '^\| (primes|check|mandel|heat) \|' "$d/study/report.md")" "report.md"
    if command -v gnuplot >/dev/null && [ "$HAVE_PYTHON" = 1 ]; then
        for k in speedup efficiency split; do
            if valid_png "$d/study/$k.png" 2>"$d/png.err"; then pass; else
                fail "bench: $k.png is a valid PNG" "$(cat "$d/png.err")"
            fi
            grep -qF "![" "$d/study/report.md" && grep -qF "($k.png)" "$d/study/report.md" && pass ||
                fail "bench: report.md shows $k.png" "$(grep -F png "$d/study/report.md")"
        done
    else
        skip "bench: the plots are valid PNGs" "gnuplot or python3 is not installed"
    fi
    expect_eq "bench: no work directory left" "" "$(ls -A "$d/study" | grep -v -E '^(runs|points)\.csv$|\.(json|gp|dat|png|md)$')" \
        "ls -A the results"

    # --from: the same points from the runs alone, in another folder or in place.
    run "$P" bench --from "$d/study" -o "$d/again"
    if [ "$RC" = 0 ] && cmp -s "$d/study/points.csv" "$d/again/points.csv" && cmp -s "$d/study/runs.csv" "$d/again/runs.csv"; then
        pass
    else
        fail "bench --from DIR -o OTHER: the same runs and points" "exit $RC" "$(diff "$d/study/points.csv" "$d/again/points.csv" | head -5)" "$(head -c 300 "$ERR")"
    fi
    # In place, among files of runs of another name (a Slurm array's task
    # files): no runs.csv is added to be read a second time.
    mkdir -p "$d/tasks"
    cp "$d/study/runs.csv" "$d/tasks/task-0.csv"
    "$P" bench --from "$d/tasks" >/dev/null 2>&1
    run "$P" bench --from "$d/tasks"
    expect_eq "bench --from DIR twice in place: the runs are not counted twice" "task-0.csv" \
        "$(cd "$d/tasks" && ls -- *.csv | grep -v '^points.csv$' | tr '\n' ' ' | sed 's/ $//')" "the .csv files of runs"
    cmp -s "$d/study/points.csv" "$d/tasks/points.csv" && pass ||
        fail "bench --from in place: the same points" "$(diff "$d/study/points.csv" "$d/tasks/points.csv" | head -5)"

    # --machine: the messages priced with another machine's figures.
    echo '{"ranks":2,"latency":2e-05,"bandwidth":1e+09,"memory_bandwidth":1e+10,"triad_threads":2}' >"$d/net.json"
    run "$P" bench --from "$d/study" --machine "$d/net.json" -o "$d/priced"
    if [ "$RC" = 0 ] && grep -q '"messages_priced":true' "$d/priced/bench.json" && grep -q '"latency":2e-05' "$d/priced/machine.json"; then
        pass
    else
        fail "bench --from --machine FILE: the model priced with FILE's figures" "exit $RC: $(head -c 300 "$ERR")"
    fi
    expect_fail "bench --machine: a file without figures" 1 "--machine $d/study/points.csv: cannot read a latency and a bandwidth" \
        "$P" bench --from "$d/study" --machine "$d/study/points.csv"

    # Bad runs files are refused with where and why; a run that failed validation fails the study.
    mkdir -p "$d/bad" "$d/invalid" "$d/empty"
    { cat "$d/study/runs.csv"; echo "primes,strong,seq,1,1"; } >"$d/bad/runs.csv"
    expect_fail "bench --from: a cut row" 1 "runs.csv line $((runs + 2)): not a run" "$P" bench --from "$d/bad"
    sed '2s/,yes,/,no,/' "$d/study/runs.csv" >"$d/invalid/runs.csv"
    run "$P" bench --from "$d/invalid"
    if [ "$RC" = 1 ] && grep -q "^parkit: bench: 1 point of $points failed validation" "$ERR" && grep -q " NO$" "$OUT"; then
        pass
    else
        fail "bench --from: a run that failed validation: exit 1, said, NO in the table" "exit $RC: $(cat "$ERR")"
    fi
    expect_fail "bench --from: a folder without runs" 1 "no runs" "$P" bench --from "$d/empty"
    expect_fail "bench --from: no such folder" 1 "cannot read the runs of $d/nowhere" "$P" bench --from "$d/nowhere"

    # --row: another study's report (slurm/scaling-study.sbatch) as a row that --from reads.
    mkdir -p "$d/rows"
    "$P" primes count 1e8 -t 1 --json >"$d/count.json"
    run "$P" bench --row --repeat 2 <"$d/count.json"
    cp "$OUT" "$d/rows/task-0.csv"
    expect_eq "bench --row: a primes count report as a row of runs.csv" "primes,strong,seq,1,1,100000000,2,5761455,yes" \
        "$(tail -n 1 "$OUT" | cut -d, -f1-7,15,16)" "parkit bench --row < count.json"
    "$P" primes count 1e8 -t 2 --json | "$P" bench --row >"$d/rows/task-1.csv"
    run "$P" bench --from "$d/rows"
    if [ "$RC" = 0 ] && grep -qE "^primes +strong +seq +1 +1 " "$OUT" && grep -qE "^primes +strong +(omp|seq) +1 +[12] " "$OUT"; then
        pass
    else
        fail "bench --from the rows of --row" "exit $RC" "$(cat "$OUT" "$ERR" | head -8)"
    fi
    "$P" primes nth 100 --json >"$d/nth.json"
    EXPECT_STDOUT="" expect_fail "bench --row: a report of another command" 2 \
        "--row: standard input: not the JSON report of primes count, primes check, mandel or heat (it is primes nth's)" \
        "$P" bench --row <"$d/nth.json"
    expect_fail "bench --row --scaling both" 2 "--row: --scaling strong or weak" "$P" bench --row --scaling both

    # Options.
    expect_fail "bench --kernels with an unknown kernel" 2 "--kernels: unknown name 'fft'" "$P" bench --kernels primes,fft
    expect_fail "bench --models with an unknown model" 2 "--models: unknown name 'gpu'" "$P" bench --models gpu
    expect_fail "bench --quick --size" 2 "choose one of --quick and --size" "$P" bench --quick --size 2
    expect_fail "bench --size 0" 2 "bad --size '0'" "$P" bench --size 0
    expect_fail "bench --repeat 1.5" 2 "bad --repeat '1.5'" "$P" bench --repeat 1.5
    expect_fail "bench --scaling sideways" 2 "bad --scaling 'sideways'" "$P" bench --scaling sideways
    expect_fail "bench --max-procs above the CPUs" 2 "add --oversubscribe" "$P" bench --max-procs 4096
    expect_fail "bench --max-procs 0" 2 "bad --max-procs '0'" "$P" bench --max-procs 0
    expect_fail "bench: an unknown option" 2 "unknown option '--fast'" "$P" bench --fast
    expect_fail "bench -o without a folder" 2 "-o needs a value" "$P" bench -o

    # A run that takes too long is stopped and said; the study fails.
    run "$P" bench --quick --kernels primes --models seq --repeat 1 --run-timeout 0.001
    if [ "$RC" = 1 ] && grep -q "no answer after 0.001 s" "$ERR"; then pass; else
        fail "bench --run-timeout: the run is stopped and said" "exit $RC: $(head -c 300 "$ERR")"
    fi

    # Ctrl-C: exit 130, the finished runs kept whole, the table of them printed.
    "$P" bench --quick --kernels primes,heat --models seq --repeat 20 -o "$d/stopped" >"$d/stopped.out" 2>"$d/stopped.err" &
    local pid=$! waited=0
    await_handler "$pid" INT
    while [ "$(csv_rows "$d/stopped/runs.csv")" -lt 3 ] && [ "$waited" -lt 300 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -INT "$pid"
    wait "$pid"
    local rc=$?
    local kept
    kept=$(csv_rows "$d/stopped/runs.csv")
    if [ "$rc" = 130 ] && grep -q "interrupted by signal 2" "$d/stopped.err" && [ "$kept" -ge 3 ] &&
        [ "$(awk -F, 'NR > 1 && NF != 22' "$d/stopped/runs.csv" | grep -c .)" = 0 ] &&
        grep -q "^primes  strong  seq" "$d/stopped.out" && [ ! -e "$d/stopped/.work" ]; then
        pass
    else
        fail "bench: SIGINT keeps the finished runs, prints their table, exits 130" \
            "exit $rc, $kept runs kept, work dir: $(ls -A "$d/stopped")" "$(cat "$d/stopped.err")"
    fi
    if pgrep -f "^$P (primes count 0|heat --size)" >/dev/null; then
        fail "bench: SIGINT leaves no run behind" "$(pgrep -af "^$P (primes|heat)")"
    else
        pass
    fi
}
