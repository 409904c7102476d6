# shellcheck shell=bash
# Sourced by tests/cli/run.sh (its helpers, $P and $T): parkit mandel from
# outside.  The benchmarks game's bitmap matches its known checksum on every
# SIMD path the CPU has; every format is the same bytes whatever the
# threads, schedule, I/O threads and destination (file or pipe), and a PNG
# made of bands deflated apart is one valid file with the PPM's pixels; bad input
# is refused with exit 2 before any work, and leaves no file; a checkpointed
# run stopped by a signal resumes to exactly the uninterrupted file.

# The benchmarks game's mandelbrot output for N = 200 (../shared/reference/known-values.md).
MANDEL_PBM_200_MD5=cc65e64bd553ed18896de1dfe7fae3e5

section_mandel() {
    echo "== mandel"
    MANDEL_PNG=0
    "$P" info --json | grep -q '"png":true' && MANDEL_PNG=1
    local d="$T/mandel" simd paths="" f
    mkdir -p "$d"
    for simd in scalar vec2 avx2 avx512; do
        if "$P" mandel --format pbm --size 8 --simd "$simd" >/dev/null 2>&1; then paths="$paths $simd"; fi
    done
    case " $paths " in *" scalar vec2 "*) pass ;; *) fail "mandel: the scalar and vec2 paths run anywhere" "paths:$paths" ;; esac
    for simd in $paths; do
        "$P" mandel --format pbm --size 200 --simd "$simd" >"$d/b.pbm" 2>"$d/err"
        expect_eq "mandel: benchmarks game N=200 bitmap, --simd $simd" "$MANDEL_PBM_200_MD5" \
            "$(md5sum <"$d/b.pbm" | cut -d' ' -f1)" "parkit mandel --format pbm --size 200 --simd $simd"
    done

    # Every format: the same bytes under every path, thread count, schedule and destination.
    local formats="pbm ppm raw"
    [ "$MANDEL_PNG" = 1 ] && formats="$formats png"
    for f in $formats; do
        "$P" mandel --size 203x61 --iterations 300 --center -0.5,0.3 --zoom 3 --format "$f" --simd scalar -t 1 \
            --schedule static >"$d/ref.$f"
        local variant got same=1 tried=""
        for variant in "-t 1" "-t 2 --schedule static" "-t 3 -q --schedule dynamic" "-t 2 --schedule guided,2" \
            "-t 2 --io-threads 0" "-t 2 --io-threads 3"; do
            for simd in $paths; do
                # shellcheck disable=SC2086 # the variant is words on purpose
                "$P" mandel --size 203x61 --iterations 300 --center -0.5,0.3 --zoom 3 --format "$f" --simd "$simd" \
                    $variant | cmp -s - "$d/ref.$f" || { same=0; tried="$tried | $variant --simd $simd (pipe)"; }
                # shellcheck disable=SC2086
                "$P" mandel --size 203x61 --iterations 300 --center -0.5,0.3 --zoom 3 --simd "$simd" $variant \
                    -o "$d/file.$f" && cmp -s "$d/file.$f" "$d/ref.$f" || { same=0; tried="$tried | $variant --simd $simd (-o)"; }
            done
        done
        if [ "$same" = 1 ]; then pass; else fail "mandel --format $f: the same bytes every way" "differs:$tried"; fi
    done
    if [ "$MANDEL_PNG" = 1 ] && [ "$HAVE_PYTHON" = 1 ]; then
        # Each band deflated on its own, joined: one valid PNG (every CRC, the
        # zlib checksum) whose pixels are the PPM's.
        expect_eq "mandel: the PNG holds the PPM's pixels" "ok" "$(python3 -c '
import sys, zlib
png, ppm = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
assert png[:8] == b"\x89PNG\r\n\x1a\n"
pos, idat, chunks = 8, b"", []
while pos < len(png):
    n = int.from_bytes(png[pos:pos + 4], "big")
    kind, body = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + n]
    assert zlib.crc32(kind + body) == int.from_bytes(png[pos + 8 + n:pos + 12 + n], "big"), kind
    chunks.append(kind)
    idat += body if kind == b"IDAT" else b""
    pos += 12 + n
assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND"
w, h = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
raw, out = zlib.decompress(idat), bytearray()
for y in range(h):
    row = bytearray(raw[y * (1 + 3 * w):(y + 1) * (1 + 3 * w)])
    assert row[0] in (0, 1)
    if row[0] == 1:
        for i in range(4, len(row)):
            row[i] = (row[i] + row[i - 3]) & 255
    out += row[1:]
print("ok" if bytes(out) == ppm.split(b"\n", 3)[3] else "pixels differ")
' "$d/ref.png" "$d/ref.ppm" 2>&1 | tail -1)" "decode ref.png"
    fi
    expect_eq "mandel: a PPM is its header and 3 bytes a pixel" $((14 + 203 * 61 * 3)) "$(wc -c <"$d/ref.ppm")" \
        "wc -c ref.ppm"
    expect_eq "mandel: a PBM row is padded to whole bytes" $((10 + 26 * 61)) "$(wc -c <"$d/ref.pbm")" "wc -c ref.pbm"
    # Pixel 0 is c = 0 (never escapes: 0), pixel 1 is c = 2 (|z|^2 = 4, then 36: escapes at 2).
    "$P" mandel --size 2x1 --region 0,4,-1,0 --format raw | od -An -tu4 | tr -s ' ' >"$d/raw.txt"
    expect_eq "mandel --format raw: escape iterations, 0 inside" " 0 2" "$(cat "$d/raw.txt")" \
        "parkit mandel --size 2x1 --region 0,4,-1,0 --format raw | od"

    # The report.
    run "$P" mandel --size 64 --format ppm -o "$d/r.ppm" --json
    expect_json "mandel --json is valid JSON" "$OUT"
    expect_eq "mandel --json: the size" "64" "$(json_get "$OUT" width)" "mandel --json"
    expect_eq "mandel --json: the bytes written" "$(wc -c <"$d/r.ppm")" "$(json_get "$OUT" bytes)" "mandel --json"
    # The load balance: each thread's busy seconds, and most over mean (at least 1).
    local threads=2
    [ "$HAVE_OPENMP" = 1 ] || threads=1
    if [ "$HAVE_PYTHON" = 1 ]; then
        run "$P" mandel --size 300 -t 2 --format raw -o "$d/r.raw" --json
        expect_eq "mandel --json: a busy time per thread, and the imbalance" "$threads ok" "$(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
busy = r["thread_busy_seconds"]
print(len(busy), "ok" if all(b > 0 for b in busy) and r["imbalance"]["threads"] >= 1 and r["imbalance"]["ranks"] >= 1 else r)
' "$OUT")" "mandel -t 2 --json"
    fi
    run "$P" mandel --size 300 -t 2 --format raw -o "$d/r.raw" --time
    if [ "$threads" = 1 ]; then
        skip "mandel --time: the threads' imbalance" "built without OpenMP: one thread"
    elif grep -q "threads busy .* s, imbalance [0-9.]* (max/mean)" "$ERR"; then pass; else
        fail "mandel --time shows the threads' busy time and imbalance" "$(cat "$ERR")"
    fi

    # Bad input: exit 2 (1 for what only running can tell), a message, no file.
    local bad="$d/bad.ppm"
    expect_fail "mandel: a zero size" 2 "bad --size '0'" "$P" mandel --size 0 -o "$bad"
    expect_fail "mandel: a zero height" 2 "bad --size '10x0'" "$P" mandel --size 10x0 -o "$bad"
    expect_fail "mandel: a size past the limit" 2 "1000000" "$P" mandel --size 2000000 -o "$bad"
    expect_fail "mandel: a size that is no number" 2 "bad --size 'big'" "$P" mandel --size big -o "$bad"
    expect_fail "mandel: an inverted region" 2 "XMIN < XMAX" "$P" mandel --region 1,0,0,1 -o "$bad"
    expect_fail "mandel: an empty region" 2 "bad --region" "$P" mandel --region 0,0,0,1 -o "$bad"
    expect_fail "mandel: three numbers for a region" 2 "bad --region" "$P" mandel --region 0,1,0 -o "$bad"
    expect_fail "mandel: a region that is not finite" 2 "bad --region 'nan" "$P" mandel --region nan,1,0,1 -o "$bad"
    expect_fail "mandel: an infinite centre" 2 "bad --center" "$P" mandel --center inf,0 -o "$bad"
    expect_fail "mandel: zero iterations" 2 "bad --iterations '0'" "$P" mandel --iterations 0 -o "$bad"
    expect_fail "mandel: a zoom of 0" 2 "bad --zoom '0'" "$P" mandel --zoom 0 -o "$bad"
    expect_fail "mandel: a zoom past double precision" 2 "too small for double precision" \
        "$P" mandel --zoom 1e16 -o "$bad"
    expect_fail "mandel: region and centre both" 2 "choose one of region and center/zoom" \
        "$P" mandel --region -2,1,-1,1 --center 0,0 -o "$bad"
    expect_fail "mandel: an unknown format" 2 "bad --format 'gif'" "$P" mandel --format gif -o "$bad"
    expect_fail "mandel: an unknown extension" 2 "cannot tell the format of" "$P" mandel -o "$d/x.bmp"
    if [ "$MANDEL_PNG" != 1 ]; then
        expect_fail "mandel: PNG in a build without libpng says how to get it" 2 "apt-get install libpng-dev" \
            "$P" mandel -o "$d/x.png"
    fi
    expect_fail "mandel: a name that says another format" 2 "named for pbm, but --format says ppm" \
        "$P" mandel --format ppm -o "$d/x.pbm"
    expect_fail "mandel: standard output needs --format" 2 "--format png|ppm|pbm|raw" "$P" mandel
    expect_fail "mandel: --json needs -o" 2 "--json needs -o FILE" "$P" mandel --format ppm --json
    expect_fail "mandel: --checkpoint needs -o" 2 "--checkpoint needs -o FILE" "$P" mandel --format ppm \
        --checkpoint "$d/x.ck"
    expect_fail "mandel: an unknown SIMD path" 2 "bad --simd 'sse9'" "$P" mandel --simd sse9 -o "$bad"
    expect_fail "mandel: a positional argument" 2 "unexpected argument '100'" "$P" mandel 100 -o "$bad"
    expect_fail "mandel: an option of primes" 2 "unknown option '--twins'" "$P" mandel --twins -o "$bad"
    expect_fail "mandel: an image bigger than the free space" 2 "free" "$P" mandel --size 1000000 -o "$bad"
    expect_fail "mandel: an unwritable directory" 1 "cannot write" "$P" mandel --size 8 -o "$d/no/such/dir.ppm"
    if [ -e "$bad" ] || ls "$d" | grep -q partial; then
        fail "mandel: refused runs leave no file" "$(listing "$d")"
    else
        pass
    fi
    run "$P" mandel --size 6000 --iterations 5000 -o "$d/slow.ppm" --timeout 0.3
    if [ "$RC" = 1 ] && [ ! -e "$d/slow.ppm" ] && grep -q "timed out" "$ERR" && ! ls "$d" | grep -q partial; then pass; else
        fail "mandel --timeout: exit 1, no file" "exit $RC, files: $(listing "$d")" "$(cat "$ERR")"
    fi

    # A job file gives the command line's bytes.
    local repo
    repo=$(cd "$(dirname "$0")/../.." && pwd)
    "$P" mandel --size 320x180 --center -0.7435,0.1314 --zoom 200 --iterations 2000 -o "$d/cli.ppm"
    run "$P" run "$repo/jobs/mandel-seahorse.ini" --set image.size=320x180 --set output.path="$d/job.ppm"
    if grep -q "no libinih" "$ERR"; then
        skip "mandel: jobs/mandel-seahorse.ini" "built without libinih"
    elif [ "$RC" = 0 ] && cmp -s "$d/cli.ppm" "$d/job.ppm"; then pass; else
        fail "mandel: jobs/mandel-seahorse.ini gives the command line's image" "exit $RC" "$(cat "$ERR")"
    fi

    # Stopped by a signal, resumed: exactly the uninterrupted file, PPM by place and PNG in slots
    # joined at the end (a PNG with a checkpoint: the same bytes as the one written in order).
    "$P" mandel --size 1200x900 --iterations 3000 --center -0.7435,0.1314 --zoom 60 -o "$d/whole.ppm"
    local i sig pid rc f formats=ppm
    [ "$MANDEL_PNG" = 1 ] && formats="ppm png" &&
        "$P" mandel --size 1200x900 --iterations 3000 --center -0.7435,0.1314 --zoom 60 -o "$d/whole.png"
    for f in $formats; do
    for i in 1 2 3 4; do
        if [ $((i % 2)) = 0 ]; then sig=KILL; else sig=TERM; fi
        rm -f "$d/ck.$f" "$d/ck.$f.partial" "$d/m.ck"
        "$P" mandel --size 1200x900 --iterations 3000 --center -0.7435,0.1314 --zoom 60 -o "$d/ck.$f" \
            --checkpoint "$d/m.ck" --checkpoint-interval 0.05 2>"$d/err" &
        pid=$!
        sleep "$(random_delay)"
        kill -"$sig" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        if [ "$rc" != 0 ] && [ -e "$d/ck.$f" ]; then
            fail "mandel: a stopped run left the final name" "exit $rc, $(listing "$d")"
        fi
        run "$P" mandel --size 1200x900 --iterations 3000 --center -0.7435,0.1314 --zoom 60 -o "$d/ck.$f" \
            --checkpoint "$d/m.ck" --resume -t 1
        if [ "$RC" = 0 ] && cmp -s "$d/ck.$f" "$d/whole.$f" && [ ! -e "$d/m.ck" ] && [ ! -e "$d/ck.$f.partial" ]; then
            pass
        else
            fail "mandel: SIG$sig, then --resume writes the uninterrupted $f file" "exit $RC, $(listing "$d")" \
                "$(cat "$ERR")"
        fi
    done
    done
}
