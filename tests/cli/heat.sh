# shellcheck shell=bash
# Sourced by tests/cli/run.sh (its helpers, $P and $T): parkit heat from
# outside.  The sine mode validates against its exact decay; the field is
# the same bits under any thread count; the field file is the header and
# the cells row by row, and reads back as a first field (with its header or
# without); bad input is refused with exit 2 before any work and leaves no
# file; a run stopped by a signal resumes to exactly the uninterrupted file.

# checksum_of FILE: the checksum in a heat report on FILE.
checksum_of() { sed -n 's/.*checksum \([0-9a-f]*\),.*/\1/p' "$1" | head -n 1; }

section_heat() {
    echo "== heat"
    local d="$T/heat"
    mkdir -p "$d"

    expect_out_has "heat: the sine mode validates" "validated: the sine mode" \
        "$P" heat --size 48x40 --steps 200 --init sine
    run "$P" heat --size 48x40 --steps 200 --init sine --dt 1e-9
    if [ "$RC" = 0 ] && grep -q "^validated" "$OUT"; then pass; else
        fail "heat: a tiny time step validates too" "exit $RC" "$(cat "$OUT" "$ERR")"
    fi

    # The same bits under any thread count (the checksum covers every cell's bits).
    "$P" heat --size 150x97 --steps 120 --edges 10,0,5,0 -t 1 >"$d/t1" 2>&1
    local t sums=""
    for t in 2 3 4; do
        "$P" heat --size 150x97 --steps 120 --edges 10,0,5,0 -t "$t" >"$d/t$t" 2>&1
        [ "$(checksum_of "$d/t$t")" = "$(checksum_of "$d/t1")" ] || sums="$sums -t $t: $(checksum_of "$d/t$t")"
    done
    if [ -n "$(checksum_of "$d/t1")" ] && [ -z "$sums" ]; then pass; else
        fail "heat: the same field under 1-4 threads" "-t 1: $(checksum_of "$d/t1")$sums" "$(cat "$d/t1")"
    fi
    # Temporal blocking: K steps a block at a time, the same bits (blocks of K steps, and a rest; on
    # 900 x 333 cells, blocks of 64 x 256 cells at the grid's edges and inside it).
    "$P" heat --size 900x333 --steps 103 --edges 10,0,5,0 -t 1 >"$d/big1" 2>&1
    sums=""
    for t in "2 -t 1" "3 -t 2" "8 -t 2" "64 -t 3"; do
        # shellcheck disable=SC2086 # the options are words on purpose
        "$P" heat --size 900x333 --steps 103 --edges 10,0,5,0 --time-block $t >"$d/tb" 2>&1
        [ "$(checksum_of "$d/tb")" = "$(checksum_of "$d/big1")" ] || sums="$sums --time-block $t: $(checksum_of "$d/tb")"
    done
    if [ -n "$(checksum_of "$d/big1")" ] && [ -z "$sums" ]; then pass; else
        fail "heat --time-block: the same field" "step by step: $(checksum_of "$d/big1")$sums"
    fi
    run "$P" heat --size 64 --steps 100000 --tolerance 1e-3 --check-every 50 --time-block 8
    expect_eq "heat --time-block stops on the tolerance at the same step" \
        "$("$P" heat --size 64 --steps 100000 --tolerance 1e-3 --check-every 50 | head -n 1)" "$(head -n 1 "$OUT")" \
        "parkit heat --tolerance 1e-3 --check-every 50 --time-block 8"

    # The field file: 128 bytes of header, then NX x NY doubles row by row.
    expect_ok "heat -o writes the field and says nothing else on stderr" "$(cat "$d/t1")" \
        "$P" heat --size 150x97 --steps 120 --edges 10,0,5,0 -o "$d/f.field"
    expect_eq "heat: the field file's size" $((128 + 150 * 97 * 8)) "$(stat -c %s "$d/f.field")" "stat $d/f.field"
    if [ "$HAVE_PYTHON" = 1 ]; then
        expect_eq "heat: the field file's header and cells" "ok" "$(python3 -c '
import struct, sys
b = open(sys.argv[1], "rb").read()
assert b[:8] == b"PKHEAT01", b[:8]
nx, ny, step = struct.unpack_from("<3Q", b, 8)
alpha, dt, t = struct.unpack_from("<3d", b, 32)
top, bottom, left, right = struct.unpack_from("<4d", b, 56)
assert (nx, ny, step) == (150, 97, 120) and alpha == 1 and abs(t - 120 * dt) < 1e-15 * t, (nx, ny, step, t)
assert (top, bottom, left, right) == (10, 0, 5, 0)
cells = struct.unpack_from("<%dd" % (nx * ny), b, 128)
# The hot spot is at the centre; heat flows in from the top and left edges.
assert cells[48 * nx + 75] > 10 and 0 < cells[0] < 10 and cells[-1] < cells[0], (cells[48 * nx + 75], cells[0], cells[-1])
print("ok")' "$d/f.field" 2>&1)" "python3 reading $d/f.field"
    fi

    # The heat map: one valid PNG, as many rows and columns as the grid, hot where the field is.
    if "$P" info --json | grep -q '"png":true'; then
        expect_ok "heat --png writes the picture and says the answer" "$(cat "$d/t1")" \
            "$P" heat --size 150x97 --steps 120 --edges 10,0,5,0 --png "$d/f.png"
        if [ "$HAVE_PYTHON" = 1 ]; then
            expect_eq "heat --png: a valid PNG, hot in the middle, cold in the bottom corner" "ok" "$(python3 -c '
import sys, zlib
png = open(sys.argv[1], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat = 8, b""
while pos < len(png):
    n = int.from_bytes(png[pos:pos + 4], "big")
    kind, body = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + n]
    assert zlib.crc32(kind + body) == int.from_bytes(png[pos + 8 + n:pos + 12 + n], "big"), kind
    if kind == b"IHDR":
        w, h = int.from_bytes(body[:4], "big"), int.from_bytes(body[4:8], "big")
    if kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
assert (w, h) == (150, 97) and len(raw) == h * (1 + 3 * w), (w, h, len(raw))
def pixel(y, x):  # undo the Sub filter of row y
    row = bytearray(raw[y * (1 + 3 * w) + 1:(y + 1) * (1 + 3 * w)])
    assert raw[y * (1 + 3 * w)] == 1
    for i in range(3, len(row)):
        row[i] = (row[i] + row[i - 3]) & 255
    return tuple(row[3 * x:3 * x + 3])
assert sum(pixel(48, 75)) > 500 and sum(pixel(96, 149)) < 30, (pixel(48, 75), pixel(96, 149))
print("ok")' "$d/f.png" 2>&1)" "python3 reading $d/f.png"
        fi
        # Snapshots: the first field and every K steps, named by step, each a valid picture.
        mkdir -p "$d/frames"
        run "$P" heat --size 150x97 --steps 120 --edges 10,0,5,0 --snapshots "$d/frames/h" --snapshot-every 50 \
            --time-block 3
        expect_eq "heat --snapshots: the first field and every 50 steps" "h-000.png h-050.png h-100.png" \
            "$(cd "$d/frames" && echo *)" "parkit heat --steps 120 --snapshots $d/frames/h --snapshot-every 50"
        expect_eq "heat --snapshots: the answer is unchanged" "$(checksum_of "$d/t1")" "$(checksum_of "$OUT")" \
            "parkit heat --snapshots"
        if [ "$HAVE_PYTHON" = 1 ]; then
            expect_eq "heat --snapshots: valid pictures of the grid's size" "ok ok ok" "$(for f in "$d"/frames/*.png; do
                python3 -c '
import sys, zlib
png = open(sys.argv[1], "rb").read()
pos, idat = 8, b""
while pos < len(png):
    n = int.from_bytes(png[pos:pos + 4], "big")
    kind, body = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + n]
    assert zlib.crc32(kind + body) == int.from_bytes(png[pos + 8 + n:pos + 12 + n], "big"), kind
    if kind == b"IDAT":
        idat += body
    pos += 12 + n
assert len(zlib.decompress(idat)) == 97 * (1 + 3 * 150)
print("ok")' "$f" 2>&1; done | tr '\n' ' ' | sed 's/ $//')" "python3 reading $d/frames/*.png"
        fi
        expect_fail "heat: --snapshots without --snapshot-every" 2 "--snapshots needs --snapshot-every" \
            "$P" heat --snapshots "$d/frames/x"
        expect_fail "heat: --snapshots where nothing can be written" 2 "cannot write in $d/none" \
            "$P" heat --snapshots "$d/none/x" --snapshot-every 10
        expect_fail "heat: --png over -o" 2 "give the picture and the field two names" \
            "$P" heat --size 64 -o "$d/same" --png "$d/same"
    else
        expect_fail "heat: --png without libpng" 2 "--png needs libpng" "$P" heat --size 64 --png "$d/f.png"
    fi

    # A field read back as a first field: 120 + 30 steps is 150 steps.
    "$P" heat --size 150x97 --steps 150 --edges 10,0,5,0 >"$d/t150" 2>&1
    run "$P" heat --size 150x97 --steps 30 --edges 10,0,5,0 --init "$d/f.field"
    expect_eq "heat --init FIELD goes on where the field left off" "$(checksum_of "$d/t150")" "$(checksum_of "$OUT")" \
        "parkit heat --steps 30 --init $d/f.field"
    tail -c +129 "$d/f.field" >"$d/bare"
    run "$P" heat --size 150x97 --steps 30 --edges 10,0,5,0 --init "$d/bare"
    expect_eq "heat --init takes bare doubles too" "$(checksum_of "$d/t150")" "$(checksum_of "$OUT")" \
        "parkit heat --steps 30 --init $d/bare"

    # --json: valid, with the same checksum and a rate.
    run "$P" heat --size 150x97 --steps 120 --edges 10,0,5,0 --json
    expect_json "heat --json is valid JSON" "$OUT"
    expect_eq "heat --json: the checksum" "$(checksum_of "$d/t1")" "$(json_get "$OUT" checksum)" "parkit heat --json"
    case $(json_get "$OUT" mlups) in '' | 0 | 0.000) fail "heat --json: a rate" "$(cat "$OUT")" ;; *) pass ;; esac
    run "$P" heat --size 64 --steps 100000 --tolerance 1e-3 --check-every 50
    if [ "$RC" = 0 ] && grep -q "converged" "$OUT" && ! grep -q "100000 steps" "$OUT"; then pass; else
        fail "heat --tolerance stops once the field settles" "exit $RC" "$(cat "$OUT" "$ERR")"
    fi
    STDERR_OK=1 expect_out_has "heat --time reports MLUP/s" "checksum" "$P" heat --size 64 --steps 10 --time
    grep -q "MLUP/s" "$ERR" && pass || fail "heat --time: MLUP/s on stderr" "$(cat "$ERR")"

    # Bad input: exit 2, the reason, before any work; no file left.
    expect_fail "heat: --size 0" 2 "bad --size '0'" "$P" heat --size 0
    expect_fail "heat: an unstable --dt gives the limit" 2 "the explicit scheme needs dt <= 5.91716e-05" \
        "$P" heat --size 64 --dt 1e-4
    expect_fail "heat: --alpha -1" 2 "bad --alpha '-1'" "$P" heat --alpha -1
    expect_fail "heat: --alpha nan" 2 "bad --alpha 'nan'" "$P" heat --alpha nan
    expect_fail "heat: --steps 0" 2 "bad --steps '0'" "$P" heat --steps 0
    expect_fail "heat: --edges with two numbers" 2 "bad --edges '1,2'" "$P" heat --edges 1,2
    expect_fail "heat: the sine mode with edges" 2 "leave out --edges" "$P" heat --init sine --edges 1
    expect_fail "heat: --halo unknown" 2 "bad --halo 'tcp'" "$P" heat --halo tcp
    expect_fail "heat: --time-block 0" 2 "bad --time-block '0'" "$P" heat --time-block 0
    expect_fail "heat: --time-block 65" 2 "bad --time-block '65': expected a whole number of steps from 1 to 64" \
        "$P" heat --time-block 65
    expect_fail "heat: --ranks-grid for ranks there are not" 2 "3x1 tiles need 3 ranks, but there are 1" \
        "$P" heat --ranks-grid 3x1
    expect_fail "heat: a grid larger than memory" 2 "GiB available" "$P" heat --size 1000000000x1000000
    expect_fail "heat: --init a missing file" 2 "the built-in fields are hotspot and sine" \
        "$P" heat --init "$d/sinee"
    expect_fail "heat: --init a field of another size" 2 "a field of 150 x 97 cells, but the grid is 64 x 64" \
        "$P" heat --size 64 --init "$d/f.field"
    expect_fail "heat: --init bare doubles of another size" 2 "neither a heat field file nor 64 x 64 doubles" \
        "$P" heat --size 64 --init "$d/bare"
    expect_fail "heat: -o in a missing directory" 2 "cannot write in $d/none" "$P" heat -o "$d/none/f"
    expect_fail "heat: -o a directory" 2 "not a regular file" "$P" heat -o "$d"
    expect_fail "heat: --schedule is the unit engine's" 2 "--schedule is not an option" "$P" heat --schedule static
    expect_fail "heat: --io-threads" 2 "--io-threads is not an option" "$P" heat --io-threads 2
    expect_fail "heat: a positional argument" 2 "unexpected argument '100'" "$P" heat 100
    expect_fail "heat: --checkpoint over the first field" 2 "it is the --init field" \
        "$P" heat --size 150x97 --init "$d/f.field" --checkpoint "$d/f.field"
    expect_fail "heat: --checkpoint over a file that is no checkpoint" 2 "not a parkit checkpoint" \
        "$P" heat --size 64 --checkpoint "$d/t1"
    expect_fail "heat: --resume without --checkpoint" 2 "--resume needs --checkpoint" "$P" heat --resume
    expect_fail "heat: --timeout" 1 "timed out" "$P" heat --size 1024 --steps 100000000 --timeout 0.3 -o "$d/late"
    [ ! -e "$d/late" ] && pass || fail "heat: a run timed out left its -o file" "$(listing "$d")"

    # A job file gives the command line's field.
    local repo
    repo=$(cd "$(dirname "$0")/../.." && pwd)
    run "$P" run "$repo/jobs/heat-hotspot.ini" --set grid.size=150x97 --set grid.steps=120 --set grid.edges=10,0,5,0 \
        --set output.path="$d/job.field"
    if grep -q "no libinih" "$ERR"; then
        skip "heat: jobs/heat-hotspot.ini" "built without libinih"
    else
        expect_eq "heat: jobs/heat-hotspot.ini gives the command line's field" "$(checksum_of "$d/t1")" \
            "$(checksum_of "$OUT")" "parkit run jobs/heat-hotspot.ini"
    fi

    # Stopped by a signal, resumed (with other threads, K steps at a time): exactly the uninterrupted file.
    "$P" heat --size 2048 --steps 400 -o "$d/whole.field" >/dev/null
    local i sig pid rc
    for i in 1 2 3 4; do
        if [ $((i % 2)) = 0 ]; then sig=KILL; else sig=TERM; fi
        rm -f "$d/ck.field" "$d/h.ck"
        "$P" heat --size 2048 --steps 400 -o "$d/ck.field" --checkpoint "$d/h.ck" --checkpoint-interval 0.05 \
            >/dev/null 2>"$d/err" &
        pid=$!
        sleep "$(random_delay)"
        kill -"$sig" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        if [ "$rc" != 0 ] && [ -e "$d/ck.field" ]; then
            fail "heat: a stopped run left the final name" "exit $rc, $(listing "$d")"
        fi
        if [ "$sig" = TERM ] && { [ "$rc" != 75 ] || [ ! -s "$d/h.ck" ]; }; then
            fail "heat: SIGTERM saves a checkpoint and exits 75" "exit $rc, $(listing "$d")" "$(cat "$d/err")"
        fi
        run "$P" heat --size 2048 --steps 400 -o "$d/ck.field" --checkpoint "$d/h.ck" --resume -t 1 --time-block "$i"
        if [ "$RC" = 0 ] && cmp -s "$d/ck.field" "$d/whole.field" && [ ! -e "$d/h.ck" ]; then pass; else
            fail "heat: SIG$sig, then --resume writes the uninterrupted file" "exit $RC, $(listing "$d")" \
                "$(cat "$ERR")"
        fi
    done
}
