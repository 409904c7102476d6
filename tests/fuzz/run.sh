#!/usr/bin/env bash
# Runs every libFuzzer harness of tests/fuzz/ for a bounded time, from the
# committed seeds plus what earlier runs found (kept under the build
# directory, never committed).  Fails on any crash, hang (an input taking
# more than 10 s), leak or sanitizer report: libFuzzer then exits non-zero
# and leaves the input as crash-*, timeout-* or leak-* in the build directory.
#
#   tests/fuzz/run.sh BUILD_DIR [SECONDS]     (make fuzz-run does it)
set -u
BUILD=${1:?usage: tests/fuzz/run.sh BUILD_DIR [SECONDS]}
SECONDS_EACH=${2:-60}
HERE=$(cd "$(dirname "$0")" && pwd)
failed=0
for harness in numexpr jobfile; do
    binary=$BUILD/fuzz-$harness
    corpus=$BUILD/corpus-$harness
    mkdir -p "$corpus"
    echo "== fuzz $harness for $SECONDS_EACH s"
    # -rss_limit_mb: the parsers need little; more is a leak or a bomb.
    if "$binary" -max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1 \
        -artifact_prefix="$BUILD/" "$corpus" "$HERE/seeds/$harness" >"$BUILD/$harness.log" 2>&1; then
        grep -E '^stat::number_of_executed_units|^Done' "$BUILD/$harness.log" | tr '\n' ' '
        echo
    else
        failed=$((failed + 1))
        echo "FAIL: fuzz $harness (log: $BUILD/$harness.log)"
        grep -E 'ERROR|SUMMARY|Test unit written|deadly signal|timeout' "$BUILD/$harness.log" | head -10
    fi
done
[ "$failed" = 0 ] && echo "fuzz: every harness ran clean" || echo "fuzz: $failed harness(es) failed"
[ "$failed" = 0 ]
