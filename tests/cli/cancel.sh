#!/usr/bin/env bash
# Stopping the I/O stage half-way, under a memory checker: SIGINT, SIGTERM and
# --timeout while reader, compute and writer threads are all busy.  Each run
# must end with the right exit code and message, leave no partial file, and
# the checker must find no error and no leak.
#
#   tests/cli/cancel.sh path/to/parkit asan       (a build made with SANITIZER=address)
#   tests/cli/cancel.sh path/to/parkit tsan       (SANITIZER=thread OPENMP=0: reader, writer
#                                                  and compute threads are all pthreads TSan sees)
#   tests/cli/cancel.sh path/to/parkit valgrind   (any build; needs valgrind)
#
# Under valgrind everything runs 20-50x slower, so the inputs are smaller and
# the signals come later; the 1 s deadline is checked by tests/cli/run.sh on
# the normal build.  The last line is "N passed, N failed".
set -u

if [ $# -ne 2 ] || { [ "$2" != asan ] && [ "$2" != tsan ] && [ "$2" != valgrind ]; }; then
    echo "usage: $0 path/to/parkit asan|tsan|valgrind" >&2
    exit 2
fi
P=$1
MODE=$2
case $P in /*) ;; *) P=$PWD/$P ;; esac
[ -x "$P" ] || { echo "$0: '$P' is not an executable" >&2; exit 2; }
if [ "$MODE" = valgrind ] && ! command -v valgrind >/dev/null; then
    echo "$0: valgrind is missing (apt-get install valgrind)" >&2
    exit 2
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/parkit-cancel.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
export OMP_NUM_THREADS=2 LC_ALL=C
# LeakSanitizer runs at exit whatever the exit code; any report fails.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export TSAN_OPTIONS=halt_on_error=0
PASSED=0
FAILED=0
pass() { PASSED=$((PASSED + 1)); }
fail() {
    FAILED=$((FAILED + 1))
    echo "FAIL: $1"
    shift
    for line in "$@"; do echo "  $line"; done
    sed 's/^/      | /' "$T/err" | head -20
}

# The checker's command line; the report goes to $T/err with parkit's stderr.
if [ "$MODE" = valgrind ]; then
    CHECKER=(valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite
        --errors-for-leak-kinds=definite)
    SCALE=1      # list ranges: SCALE e11
    NUMBERS=1000000 # per input file of check (six of them), enough to outlast DELAY under valgrind
    DELAY=4      # seconds before the signal
    TIMEOUT=3
elif [ "$MODE" = tsan ]; then
    CHECKER=()
    SCALE=2
    NUMBERS=2000000 # check got faster: 400,000 a file were all answered before DELAY
    DELAY=2
    TIMEOUT=1
else
    CHECKER=()
    SCALE=10
    NUMBERS=6000000 # six files: about 3.5 s under ASan, against DELAY
    DELAY=1
    TIMEOUT=0.5
fi

clean_report() {
    ! grep -qE "AddressSanitizer|LeakSanitizer|ThreadSanitizer|runtime error|definitely lost|Invalid (read|write)|uninitialised" "$T/err"
}

# run_signaled SIGNAL CMD...: runs CMD in the background, signals it after DELAY s; sets RC.
run_signaled() {
    local signal=$1
    shift
    "${CHECKER[@]}" "$@" >"$T/out" 2>"$T/err" &
    local pid=$!
    sleep "$DELAY"
    # The checker forwards the signal to parkit (valgrind runs it in-process).
    kill "-$signal" "$pid"
    wait "$pid"
    RC=$?
}

echo "== cancel ($MODE)"
mkdir -p "$T/list"
run_signaled INT "$P" primes list "$((SCALE))e11" -o "$T/list/primes.txt" --io-threads 2
if [ "$RC" = 130 ] && [ -z "$(ls -A "$T/list")" ] && grep -q "interrupted by signal 2" "$T/err" && clean_report; then
    pass
else
    fail "SIGINT during list -o: exit 130, no file, clean" "exit $RC, left: $(ls -A "$T/list")"
fi

run_signaled TERM "$P" primes list "$((SCALE))e11" --io-threads 2
if [ "$RC" = 130 ] && grep -q "interrupted by signal 15" "$T/err" && clean_report; then pass; else
    fail "SIGTERM during list to a pipe with writer threads: exit 130, clean" "exit $RC"
fi

seq 1000000000000000001 2 $((1000000000000000001 + 2 * (NUMBERS - 1))) >"$T/numbers.txt"
inputs=("$T/numbers.txt" "$T/numbers.txt" "$T/numbers.txt" "$T/numbers.txt" "$T/numbers.txt" "$T/numbers.txt")
run_signaled INT "$P" primes check "${inputs[@]}" --io-threads 3
if [ "$RC" = 130 ] && grep -q "interrupted by signal 2" "$T/err" && clean_report; then pass; else
    fail "SIGINT during check FILE with reader threads: exit 130, clean" "exit $RC"
fi

"${CHECKER[@]}" "$P" primes check "${inputs[@]}" --io-threads 2 --timeout "$TIMEOUT" >"$T/out" 2>"$T/err"
RC=$?
if [ "$RC" = 1 ] && grep -q "timed out after" "$T/err" && clean_report; then pass; else
    fail "--timeout during check FILE: exit 1, clean" "exit $RC"
fi

run_signaled TERM "$P" primes check "${inputs[@]}" --io-threads 2 --checkpoint "$T/check.ck" --checkpoint-interval 0.2
if [ "$RC" = 75 ] && [ -s "$T/check.ck" ] && clean_report; then pass; else
    fail "SIGTERM during check --checkpoint: exit 75 with a checkpoint, clean" "exit $RC"
fi

# A whole run, not stopped: every stage's threads start, hand over and finish.
printf '7\n2^61-1\n# note\n\n  13  \r\n' >"$T/small.txt"
"${CHECKER[@]}" "$P" primes check "$T/numbers.txt" "$T/small.txt" - --io-threads 3 <"$T/small.txt" >"$T/out" 2>"$T/err"
RC=$?
if [ "$RC" = 0 ] && [ "$(tail -n 1 "$T/out")" = "13 prime" ] && clean_report; then pass; else
    fail "a whole check FILE... - run with 3 reader threads: exit 0, clean" "exit $RC, last: $(tail -n 1 "$T/out")"
fi

# A resume that is refused (a checkpoint of another job) frees what it took.
"$P" primes count 1e6 --checkpoint "$T/other.ck" >/dev/null 2>&1
"$P" primes list 100 -o "$T/list.txt" --checkpoint "$T/other.ck" --checkpoint-interval 0.01 >/dev/null 2>&1 &
wait
printf 'parkit-checkpoint 2\ncommand count\nunits 1\nchecksum 0000000000000000\nend\n' >"$T/other.ck"
"${CHECKER[@]}" "$P" primes check "$T/small.txt" --checkpoint "$T/other.ck" --resume >"$T/out" 2>"$T/err"
RC=$?
if [ "$RC" != 0 ] && grep -q "cannot resume from" "$T/err" && clean_report; then pass; else
    fail "a refused check --resume: an error, clean" "exit $RC"
fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
