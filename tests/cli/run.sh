#!/usr/bin/env bash
# parkit command-line tests: the binary seen from outside (answers, exit
# codes, messages, files, thread choice, help).
#
#   tests/cli/run.sh path/to/parkit [SECTION...]
#
# SECTIONS: answers agree errors files threads help io checkpoint jobs mandel heat bench faults readme (default: all of them).
# PARKIT_TEST_SEED=N fixes the random ranges of 'agree' (the seed is printed).
# The last line is always "N passed, N failed[, N skipped]"; the exit status is
# 0 only when nothing failed.

set -u

if [ $# -lt 1 ]; then
    echo "usage: $0 path/to/parkit [answers|agree|errors|files|threads|help|io|checkpoint|jobs|mandel|heat|bench|faults|readme]..." >&2
    exit 2
fi
P=$1
shift
case $P in /*) ;; *) P=$PWD/$P ;; esac
# A build without OpenMP runs one thread whatever the environment says.
if "$P" info --json 2>/dev/null | grep -q '"openmp":"none"'; then HAVE_OPENMP=0; else HAVE_OPENMP=1; fi
if [ ! -x "$P" ] || [ -d "$P" ]; then
    echo "$0: '$1' is not an executable" >&2
    exit 2
fi
SECTIONS=${*:-answers agree errors files threads help io checkpoint jobs mandel heat bench faults readme}
for s in $SECTIONS; do
    case $s in
    answers | agree | errors | files | threads | help | io | checkpoint | jobs | mandel | heat | bench | faults | readme) ;;
    *) echo "$0: unknown section '$s' (answers agree errors files threads help io checkpoint jobs mandel heat bench faults readme)" >&2; exit 2 ;;
    esac
done

T=$(mktemp -d "${TMPDIR:-/tmp}/parkit-cli.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 130' INT TERM

# A known environment: nothing inherited decides the thread count, and two
# threads unless a test says otherwise.
unset SLURM_CPUS_PER_TASK OMP_THREAD_LIMIT OMP_DYNAMIC OMP_SCHEDULE OMP_PROC_BIND OMP_PLACES GOMP_CPU_AFFINITY
export OMP_NUM_THREADS=2
export LC_ALL=C
umask 022

PASSED=0
FAILED=0
SKIPPED=0

have() { command -v "$1" >/dev/null 2>&1; }
HAVE_PRIMESIEVE=0; have primesieve && HAVE_PRIMESIEVE=1
HAVE_PYTHON=0; have python3 && python3 -c 'import json' >/dev/null 2>&1 && HAVE_PYTHON=1

# Every command runs under a time limit, so a hang is a failure, not a stuck suite.
LIMIT=${PARKIT_TEST_TIMEOUT:-60}
TIMEOUT=()
if have timeout; then
    # -k: a command that ignores SIGTERM (a hang) is killed 5 s later.
    if timeout --foreground -k 5 1 true >/dev/null 2>&1; then
        TIMEOUT=(timeout --foreground -k 5 "$LIMIT")
    else
        TIMEOUT=(timeout -k 5 "$LIMIT")
    fi
fi

OUT=$T/stdout
ERR=$T/stderr
RC=0

show_cmd() { printf '%q ' "$@" | sed 's/ $//'; }

# run CMD... : runs it, leaving stdout in $OUT, stderr in $ERR, status in $RC.
# The checks run 3 and 4 threads whatever the machine's CPUs, so the warning
# that threads will share cores (its own section, "threads", tests it) is
# taken out of their stderr; CROWDING=keep leaves it in.
run() {
    "${TIMEOUT[@]}" "$@" >"$OUT" 2>"$ERR"
    RC=$?
    if [ "${CROWDING:-}" != keep ] && grep -q '^parkit: warning: .*threads will share cores' "$ERR"; then
        grep -v '^parkit: warning: .*threads will share cores' "$ERR" >"$ERR.kept"
        mv "$ERR.kept" "$ERR"
    fi
}

pass() { PASSED=$((PASSED + 1)); }

# fail NAME COMMAND-TEXT DETAIL...
fail() {
    FAILED=$((FAILED + 1))
    local name=$1 cmd=$2
    shift 2
    printf 'FAIL: %s\n  command: %s\n' "$name" "$cmd"
    local line
    for line in "$@"; do
        printf '  %s\n' "$line"
    done
    if { [ "$RC" = 124 ] || [ "$RC" = 137 ]; } && [ ${#TIMEOUT[@]} -gt 0 ]; then
        printf '  (timed out after %s s)\n' "$LIMIT"
    fi
}

skip() {
    SKIPPED=$((SKIPPED + 1))
    printf 'SKIP: %s (%s)\n' "$1" "$2"
}

indent() { sed 's/^/      | /' "$1" | head -n "${2:-15}"; }

# expect_ok NAME EXPECTED_STDOUT CMD...
# Exit 0, stdout equal to EXPECTED (an empty EXPECTED means no output at all)
# and, unless STDERR_OK=1, nothing on stderr.
expect_ok() {
    local name=$1 expected=$2
    shift 2
    run "$@"
    local got problems=()
    got=$(cat "$OUT")
    [ "$RC" = 0 ] || problems+=("exit status: expected 0, got $RC")
    if [ -z "$expected" ]; then
        [ ! -s "$OUT" ] || problems+=("stdout: expected nothing, got $(wc -c <"$OUT") bytes")
    elif [ "$got" != "$expected" ]; then
        problems+=("stdout: expected '$(printf '%s' "$expected" | head -n 5 | tr '\n' '|')'" \
            "        got      '$(printf '%s' "$got" | head -n 5 | tr '\n' '|')'")
    fi
    if [ "${STDERR_OK:-0}" != 1 ] && [ -s "$ERR" ]; then
        problems+=("stderr: expected nothing, got:")
    fi
    if [ ${#problems[@]} -eq 0 ]; then
        pass
    else
        fail "$name" "$(show_cmd "$@")" "${problems[@]}"
        [ -s "$ERR" ] && indent "$ERR"
    fi
}

# expect_out_has NAME SUBSTRING CMD... : exit 0 and SUBSTRING in stdout.
expect_out_has() {
    local name=$1 needle=$2
    shift 2
    run "$@"
    local problems=()
    [ "$RC" = 0 ] || problems+=("exit status: expected 0, got $RC")
    grep -qF -- "$needle" "$OUT" || problems+=("stdout: expected to contain '$needle', got:")
    if [ ${#problems[@]} -eq 0 ]; then
        pass
    else
        fail "$name" "$(show_cmd "$@")" "${problems[@]}"
        indent "$OUT" 5
        [ -s "$ERR" ] && { echo "  stderr:"; indent "$ERR"; }
    fi
}

# expect_fail NAME EXIT_CODE STDERR_SUBSTRING CMD...
# The exit status is EXIT_CODE, stderr holds a 'parkit: <what>: <why>' line
# containing the substring, and stdout is empty (or, with EXPECT_STDOUT set,
# equal to it).
expect_fail() {
    local name=$1 code=$2 needle=$3
    shift 3
    run "$@"
    local problems=() got
    [ "$RC" = "$code" ] || problems+=("exit status: expected $code, got $RC")
    if grep -F -- "$needle" "$ERR" | grep -qE '^parkit: [^:]+: '; then
        :
    else
        problems+=("stderr: expected a 'parkit: <what>: <why>' line containing '$needle', got:")
    fi
    if [ -n "${EXPECT_STDOUT+set}" ]; then
        got=$(cat "$OUT")
        [ "$got" = "$EXPECT_STDOUT" ] ||
            problems+=("stdout: expected '$(printf '%s' "$EXPECT_STDOUT" | tr '\n' '|')', got '$(printf '%s' "$got" | head -n 5 | tr '\n' '|')'")
    elif [ -s "$OUT" ]; then
        problems+=("stdout: expected nothing, got '$(head -c 200 "$OUT" | tr '\n' '|')'")
    fi
    if [ ${#problems[@]} -eq 0 ]; then
        pass
    else
        fail "$name" "$(show_cmd "$@")" "${problems[@]}"
        indent "$ERR"
    fi
}

# expect_eq NAME EXPECTED GOT WHAT : a plain comparison of two strings.
expect_eq() {
    if [ "$2" = "$3" ]; then
        pass
    else
        fail "$1" "$4" "expected: '$(printf '%s' "$2" | tr '\n' '|')'" \
            "got:      '$(printf '%s' "$3" | head -c 300 | tr '\n' '|')'"
    fi
}

# json_get FILE KEY : the value of a top-level scalar KEY, quotes removed.
json_get() {
    grep -o "\"$2\":\(\"[^\"]*\"\|[^,}]*\)" "$1" | head -n 1 | cut -d: -f2- | tr -d '"'
}

# expect_json NAME FILE : FILE holds valid JSON (checked only with python3).
expect_json() {
    if [ "$HAVE_PYTHON" = 1 ]; then
        if python3 -m json.tool "$2" >/dev/null 2>"$T/json.err"; then
            pass
        else
            fail "$1" "python3 -m json.tool < output" "not valid JSON: $(cat "$T/json.err")" "output: $(head -c 300 "$2")"
        fi
    fi
}

# sieve LO HI [ARGS] : primesieve's count, the reference.
sieve() { primesieve "$@" -q; }

# listing DIR : the names in DIR, hidden ones too, on one line.
listing() {
    # shellcheck disable=SC2012
    ls -A "$1" | tr '\n' ' ' | sed 's/ $//'
}

want() { case " $SECTIONS " in *" $1 "*) return 0 ;; esac; return 1; }

# ============================================================================
# 1. Correct answers
# ============================================================================
section_answers() {
    echo "== answers"
    # The self-check: every known value and cross-check passes, and it says so in one line.
    expect_out_has "primes test passes on this machine" "18 of 18 checks passed" "$P" primes test
    run "$P" primes test -q --json
    expect_eq "primes test --json: no check failed" "0" "$(json_get "$OUT" failed)" "parkit primes test -q --json"
    expect_fail "primes test takes no numbers" 2 "unexpected argument '5'" "$P" primes test 5
    expect_fail "primes test has no checkpoint" 2 "--checkpoint is not an option of 'test'" \
        "$P" primes test --checkpoint "$T/never.ck"
    expect_ok "count 1e6" 78498 "$P" primes count 1e6
    expect_ok "count 1e9" 50847534 "$P" primes count 1e9
    expect_ok "count 0 100" 25 "$P" primes count 0 100
    expect_ok "count 100 100 (100 is not prime)" 0 "$P" primes count 100 100
    expect_ok "count 2 2" 1 "$P" primes count 2 2
    expect_ok "count 0 0" 0 "$P" primes count 0 0
    expect_ok "count 0 1" 0 "$P" primes count 0 1
    expect_ok "count 97 97" 1 "$P" primes count 97 97
    expect_ok "count 10^2" 25 "$P" primes count 10^2
    expect_ok "count 2^10" 172 "$P" primes count 2^10
    expect_ok "count 1e3+3" 168 "$P" primes count 1e3+3
    expect_ok "count 97*1" 25 "$P" primes count '97*1'
    expect_ok "count -- 100" 25 "$P" primes count -- 100
    if [ "$HAVE_PRIMESIEVE" = 1 ]; then
        expect_ok "count 1e12 1e12+1e7" "$(sieve 1e12 1e12+1e7)" "$P" primes count 1e12 1e12+1e7
    else
        skip "count 1e12 1e12+1e7" "primesieve not installed"
    fi
    expect_ok "count the last prime below 2^64" 1 "$P" primes count 18446744073709551557 2^64-1

    expect_ok "twins to 1e6" 8169 "$P" primes count 1e6 --twins
    expect_ok "triplets to 1e6" 2837 "$P" primes count 1e6 --triplets
    expect_ok "quadruplets to 1e6" 166 "$P" primes count 1e6 --quadruplets
    expect_ok "quintuplets to 1000" 5 "$P" primes count 1000 --quintuplets
    expect_ok "sextuplets to 1000" 2 "$P" primes count 1000 --sextuplets
    expect_ok "twins in [0,5] is (3,5)" 1 "$P" primes count 0 5 --twins
    expect_ok "twins in [6,7]: (5,7) sticks out" 0 "$P" primes count 6 7 --twins
    if [ "$HAVE_PRIMESIEVE" = 1 ]; then
        expect_ok "quintuplets to 1e6" "$(sieve 1e6 -c5)" "$P" primes count 1e6 --quintuplets
        expect_ok "sextuplets to 1e6" "$(sieve 1e6 -c6)" "$P" primes count 1e6 --sextuplets
    else
        skip "quintuplets/sextuplets to 1e6" "primesieve not installed"
    fi

    expect_ok "list 100" "$(printf '%s\n' 2 3 5 7 11 13 17 19 23 29 31 37 41 43 47 53 59 61 67 71 73 79 83 89 97)" \
        "$P" primes list 100
    expect_ok "list 10 10 prints nothing" "" "$P" primes list 10 10
    expect_ok "list 24 28 prints nothing" "" "$P" primes list 24 28
    expect_ok "list up to 2^64-1 stops at the top" \
        "$(printf '%s\n' 18446744073709551521 18446744073709551533 18446744073709551557)" \
        "$P" primes list 2^64-100 2^64-1

    expect_ok "check strong pseudoprime to the first 12 prime bases" "3825123056546413051 composite" \
        "$P" primes check 3825123056546413051
    expect_ok "check 2^64-59" "18446744073709551557 prime" "$P" primes check 2^64-59
    expect_ok "check 0 1 2" "$(printf '0 composite\n1 composite\n2 prime')" "$P" primes check 0 1 2
    expect_ok "check pseudoprimes and 32-bit primes" \
        "$(printf '2047 composite\n3215031751 composite\n4294967291 prime\n18446744030759878681 composite\n561 composite')" \
        "$P" primes check 2047 3215031751 4294967291 '4294967291*4294967291' 561
    expect_ok "check 2^64-1" "18446744073709551615 composite" "$P" primes check 2^64-1

    printf '7\r\n\r\n# a comment\r\n  11  # inline comment\r\n12\r\n\n#last\n' >"$T/crlf.txt"
    expect_ok "check FILE with blank lines, comments, CRLF" "$(printf '7 prime\n11 prime\n12 composite')" \
        "$P" primes check "$T/crlf.txt"
    printf '5\n6\n' >"$T/stdin.txt"
    expect_ok "check - reads stdin" "$(printf '5 prime\n6 composite')" "$P" primes check - <"$T/stdin.txt"
    expect_ok "check N - N keeps argument order" "$(printf '3 prime\n5 prime\n6 composite\n4 composite')" \
        "$P" primes check 3 - 4 <"$T/stdin.txt"
    printf '13' >"$T/nonl.txt"
    expect_ok "check FILE without final newline" "13 prime" "$P" primes check "$T/nonl.txt"
    printf '# nothing\n\n' >"$T/empty.txt"
    expect_ok "check FILE of comments only" "" "$P" primes check "$T/empty.txt"

    # More numbers than one batch: order kept, verdicts agree with list.
    seq 0 199999 >"$T/many.txt"
    run "$P" primes check "$T/many.txt"
    if [ "$RC" = 0 ] && cut -d' ' -f1 "$OUT" | cmp -s - "$T/many.txt" &&
        grep ' prime$' "$OUT" | cut -d' ' -f1 >"$T/many.primes" &&
        "$P" primes list 199999 | cmp -s - "$T/many.primes"; then
        pass
    else
        fail "check 200000 numbers from a file" "$(show_cmd "$P" primes check "$T/many.txt")" \
            "expected the numbers in order, the primes equal to 'list 199999' (exit $RC)"
    fi

    if [ "$(json_get <("$P" info --json) gmp)" = true ]; then
        expect_ok "check above 2^64 (GMP build)" \
            "$(printf '18446744073709551629 probable-prime\n18446744073709551617 composite')" \
            "$P" primes check 18446744073709551629 18446744073709551617
    else
        expect_fail "check above 2^64 needs GMP" 2 "need GMP" "$P" primes check 18446744073709551629
    fi

    expect_ok "nth 1" 2 "$P" primes nth 1
    expect_ok "nth 25" 97 "$P" primes nth 25
    expect_ok "nth 1e6" 15485863 "$P" primes nth 1e6
    expect_ok "nth 1e8" 2038074743 "$P" primes nth 1e8

    expect_ok "count -q" 78498 "$P" primes count 1e6 -q
    expect_ok "nth -q" 97 "$P" primes nth 25 -q
    expect_ok "check -q prints only verdicts" "$(printf 'prime\ncomposite')" "$P" primes check -q 7 8
    STDERR_OK=1 expect_ok "--progress leaves stdout alone" 78498 "$P" primes count 1e6 --progress
    STDERR_OK=1 expect_ok "--time leaves stdout alone" 78498 "$P" primes count 1e6 --time
    run "$P" primes count 1e6 --time
    if grep -qE '^parkit: primes count: .* s' "$ERR"; then pass; else
        fail "--time reports on stderr" "$(show_cmd "$P" primes count 1e6 --time)" "stderr:"; indent "$ERR"
    fi

    expect_out_has "count --json" '"count":78498' "$P" primes count 1e6 --json
    cp "$OUT" "$T/count.json"
    expect_json "count --json is valid JSON" "$T/count.json"
    expect_eq "count --json has one line" 1 "$(wc -l 2>/dev/null <"$T/count.json" | tr -d ' ')" "wc -l"
    expect_out_has "count --twins --json names the pattern" '"pattern":"twins","count":8169' \
        "$P" primes count 1e6 --twins --json
    expect_out_has "nth --json" '"prime":97' "$P" primes nth 25 --json
    cp "$OUT" "$T/nth.json"
    expect_json "nth --json is valid JSON" "$T/nth.json"
    expect_out_has "check --json" '"tested":3,"primes":2' "$P" primes check --json 7 9 2^64-59
    cp "$OUT" "$T/check.json"
    expect_json "check --json is valid JSON" "$T/check.json"
    expect_out_has "list -o --json" '"count":25' "$P" primes list 100 -o "$T/list.json.txt" --json
    cp "$OUT" "$T/list.json"
    expect_json "list --json is valid JSON" "$T/list.json"
}

# ============================================================================
# 2. Agreement: with primesieve, across threads, schedules and algorithms
# ============================================================================
section_agree() {
    echo "== agree"
    local seed=${PARKIT_TEST_SEED:-$(( $(date +%s) % 100000 ))}
    echo "   random ranges with PARKIT_TEST_SEED=$seed"
    if [ "$HAVE_PRIMESIEVE" = 1 ]; then
        local lo hi tail x
        # Seven ranges below 1e10, up to 1e7 wide.
        while read -r lo hi; do
            expect_ok "count $lo $hi = primesieve" "$(sieve "$lo" "$hi")" "$P" primes count "$lo" "$hi"
        done < <(awk -v seed="$seed" 'BEGIN { srand(seed);
            for (i = 0; i < 7; i++) { lo = int(rand() * 1e10); w = int(rand() * 1e7);
                printf "%.0f %.0f\n", lo, lo + w } }')
        # Three ranges 1e6 wide just below 2^64: LO = 2^64-1 - x, written out
        # exactly (2^64-1 = 1844674407|3709551615, and x keeps the tail positive).
        for x in $(awk -v seed="$seed" 'BEGIN { srand(seed + 1);
            for (i = 0; i < 3; i++) printf "%.0f\n", 1000000 + int(rand() * 3000000000) }'); do
            tail=$((3709551615 - x))
            lo=$(printf '1844674407%010d' "$tail")
            hi=$(printf '1844674407%010d' $((tail + 1000000)))
            expect_ok "count $lo $hi = primesieve (near 2^64)" "$(sieve "$lo" "$hi")" "$P" primes count "$lo" "$hi"
        done
        expect_ok "twins 1e9 1e9+1e7 = primesieve" "$(sieve 1e9 1e9+1e7 -c2)" "$P" primes count 1e9 1e9+1e7 --twins
        expect_ok "sextuplets 0 1e9 = primesieve" "$(sieve 1e9 -c6)" "$P" primes count 1e9 --sextuplets
        primesieve 1e6 -p >"$T/ref.txt"
        "$P" primes list 1e6 -o "$T/list1e6.txt"
        expect_eq "list 1e6 -o FILE = primesieve 1e6 -p" same \
            "$(cmp -s "$T/list1e6.txt" "$T/ref.txt" && echo same || echo different)" \
            "cmp <(parkit primes list 1e6 -o FILE) <(primesieve 1e6 -p)"
        # k-tuplets listed as primesieve -p2..-p6 lists them: random ranges
        # (edges through tuplets), ranges around the off-wheel 3 and 5, to a
        # file as to stdout, on 1 to 3 threads.
        local k opt lo w names=(x x --twins --triplets --quadruplets --quintuplets --sextuplets) bad=""
        for k in 2 3 4 5 6; do
            opt=${names[$k]}
            for lo in $(awk -v seed="$seed" -v k="$k" 'BEGIN { srand(seed + k);
                for (i = 0; i < 3; i++) printf "%.0f\n", int(rand() * 1e9) }') 0 3 5 6; do
                w=$((lo < 10 ? 30 : 3000000))
                cmp -s <("$P" primes list "$lo" "$((lo + w))" "$opt" -t $((1 + lo % 3))) \
                    <(primesieve "$lo" "$((lo + w))" -p"$k") || bad="$bad $opt [$lo, $((lo + w))];"
            done
        done
        # Ranges that end inside the byte of 30 where a tuplet starts and ends.
        local r
        for k in 2 3 4 5 6; do
            for r in 0:13 7:23 11:19 40:43 100:109 0:19 97:103; do
                cmp -s <("$P" primes list "${r%:*}" "${r#*:}" "${names[$k]}") <(primesieve "${r%:*}" "${r#*:}" -p"$k") ||
                    bad="$bad ${names[$k]} [${r%:*}, ${r#*:}];"
            done
        done
        expect_eq "list --twins .. --sextuplets = primesieve -p2 .. -p6" "" "$bad" "parkit primes list LO HI --PATTERN"
        "$P" primes list 1e12 1e12+3e7 --quadruplets -o "$T/quads.txt"
        expect_eq "list --quadruplets -o FILE = primesieve -p4" same \
            "$(primesieve 1e12 1e12+3e7 -p4 | cmp -s - "$T/quads.txt" && echo same || echo different)" \
            "cmp <(primesieve 1e12 1e12+3e7 -p4) FILE"
        expect_eq "list --twins near 2^64: as many lines as count --twins" "$("$P" primes count 2^64-1e8 2^64-1 --twins -q)" \
            "$("$P" primes list 2^64-1e8 2^64-1 --twins | wc -l)" "list --twins | wc -l"
        primesieve 1e12 1e12+1e5 -p >"$T/ref2.txt"
        "$P" primes list 1e12 1e12+1e5 -t 3 -q >"$T/list2.txt"
        expect_eq "list 1e12 1e12+1e5 = primesieve -p" same \
            "$(cmp -s "$T/list2.txt" "$T/ref2.txt" && echo same || echo different)" \
            "cmp <(parkit primes list 1e12 1e12+1e5 -t 3) <(primesieve 1e12 1e12+1e5 -p)"
    else
        skip "agreement with primesieve" "primesieve not installed"
    fi

    # The answer does not depend on threads or schedule (references known
    # in advance, so a binary that prints nothing cannot pass).
    local range ref twins opts
    for range in "1e10 1e10+1e7 434650 24942" "0 1e8 5761455 440312" "12345 6789012 461714 41883"; do
        # shellcheck disable=SC2086
        set -- $range
        range="$1 $2" ref=$3 twins=$4
        for opts in "" "--threads 1" "--threads 3" "-t 4" "--schedule static" "--schedule dynamic,1" \
            "--schedule guided" "--schedule static,3 -t 3" "--schedule guided,2 -t 4"; do
            # shellcheck disable=SC2086
            expect_ok "count $range $opts" "$ref" "$P" primes count $range $opts
        done
        # shellcheck disable=SC2086
        expect_ok "count $range --twins -t 1 static" "$twins" "$P" primes count $range --twins -t 1 --schedule static
        # shellcheck disable=SC2086
        expect_ok "count $range --twins -t 3 dynamic,1" "$twins" "$P" primes count $range --twins -t 3 --schedule dynamic,1
    done
    expect_ok "nth 1e7 -t 1" 179424673 "$P" primes nth 1e7 -t 1
    expect_ok "nth 1e7 -t 3 guided" 179424673 "$P" primes nth 1e7 -t 3 --schedule guided

    # Trial division and the sieve agree.
    expect_ok "sieve on 1e6 1e6+1e5" 7216 "$P" primes count 1e6 1e6+1e5 --algo sieve
    expect_ok "trial on 1e6 1e6+1e5" 7216 "$P" primes count 1e6 1e6+1e5 --algo trial
    expect_ok "sieve on twins 1e6 1e6+1e5" 725 "$P" primes count 1e6 1e6+1e5 --twins
    expect_ok "trial on twins 1e6 1e6+1e5" 725 "$P" primes count 1e6 1e6+1e5 --twins --algo trial
    expect_ok "trial on quadruplets 0 1e5" 38 "$P" primes count 1e5 --quadruplets --algo trial
    "$P" primes list 2e4 >"$T/sieve2e4.txt"
    expect_eq "list 2e4 has 2262 primes" 2262 "$(wc -l 2>/dev/null <"$T/sieve2e4.txt" | tr -d ' ')" "parkit primes list 2e4 | wc -l"
    expect_ok "trial = sieve for list 0 2e4" "$(cat "$T/sieve2e4.txt")" "$P" primes list 2e4 --algo trial
    expect_ok "trial for nth 1e4" 104729 "$P" primes nth 1e4 --algo trial
    # nth --from X: counting starts at X (X itself the first when prime).
    expect_ok "nth 1 --from 1e12" 1000000000039 "$P" primes nth 1 --from 1e12
    expect_ok "nth 3 --from 4" 11 "$P" primes nth 3 --from 4
    expect_ok "nth 1 --from a prime is that prime" 18446744073709551557 "$P" primes nth 1 --from 2^64-59
    expect_ok "nth 1e6 --from 1e18 (the count up to it is 1e6)" 1000000 "$P" primes count 1e18 \
        "$("$P" primes nth 1e6 --from 1e18)"
    expect_fail "nth past the last prime below 2^64" 2 "fewer than 2 primes from 18446744073709551557" \
        "$P" primes nth 2 --from 2^64-59
    expect_fail "nth --from garbage" 2 "bad --from 'x'" "$P" primes nth 1 --from x
    expect_fail "--from is nth's" 2 "--from is not an option of 'count'" "$P" primes count 100 --from 5

    # list: byte-identical whatever the threads.
    "$P" primes list 1e7 1e7+2e6 -t 1 >"$T/l1.txt"
    "$P" primes list 1e7 1e7+2e6 -t 4 -q --schedule dynamic,1 >"$T/l4.txt"
    "$P" primes list 1e7 1e7+2e6 -t 3 -q --schedule guided -o "$T/l3.txt"
    expect_eq "list -t 1 = list -t 4 (stdout)" same \
        "$(cmp -s "$T/l1.txt" "$T/l4.txt" && echo same || echo different)" "cmp list -t 1 vs -t 4"
    expect_eq "list -t 1 = list -t 3 -o FILE" same \
        "$(cmp -s "$T/l1.txt" "$T/l3.txt" && echo same || echo different)" "cmp list -t 1 vs -t 3 -o"
    expect_eq "list 1e7 1e7+2e6 has 123481 lines" 123481 "$(wc -l 2>/dev/null <"$T/l1.txt" | tr -d ' ')" \
        "parkit primes list 1e7 1e7+2e6 -t 1 | wc -l"
}

# ============================================================================
# 3. Bad input: exit code and message
# ============================================================================
section_errors() {
    echo "== errors"
    local c=(primes count)
    expect_fail "garbage HI" 2 "bad HI 'abc'" "$P" "${c[@]}" abc
    expect_fail "trailing garbage" 2 "bad HI '12abc'" "$P" "${c[@]}" 12abc
    expect_fail "garbage LO" 2 "bad LO 'x1'" "$P" "${c[@]}" x1 100
    expect_fail "empty HI" 2 "bad HI ''" "$P" "${c[@]}" ''
    expect_fail "hex is not a number here" 2 "bad HI '0x10'" "$P" "${c[@]}" 0x10
    expect_fail "fraction" 2 "bad HI '1.5'" "$P" "${c[@]}" 1.5
    expect_fail "1e20 overflows" 2 "exceeds 2^64-1" "$P" "${c[@]}" 1e20
    expect_fail "2^64 overflows" 2 "exceeds 2^64-1" "$P" "${c[@]}" 2^64
    expect_fail "2^64 in digits overflows" 2 "exceeds 2^64-1" "$P" "${c[@]}" 18446744073709551616
    expect_fail "2^64-1+1 overflows" 2 "exceeds 2^64-1" "$P" "${c[@]}" 2^64-1+1
    expect_fail "dangling +" 2 "bad HI '1e6+'" "$P" "${c[@]}" 1e6 1e6+
    expect_fail "negative HI" 2 "negative" "$P" "${c[@]}" -5
    expect_fail "negative after --" 2 "negative" "$P" "${c[@]}" 10 -- -5
    expect_fail "LO > HI" 2 "LO (10) is greater than HI (5)" "$P" "${c[@]}" 10 5
    expect_fail "too many arguments" 2 "too many arguments" "$P" "${c[@]}" 1 2 3
    expect_fail "missing HI" 2 "missing HI" "$P" "${c[@]}"
    expect_fail "missing HI with an option" 2 "missing HI" "$P" "${c[@]}" --twins
    expect_fail "list missing HI" 2 "missing HI" "$P" primes list
    expect_fail "unknown subcommand" 2 "unknown subcommand 'foo'" "$P" primes foo
    expect_fail "unknown command" 2 "parkit: frobnicate: unknown command" "$P" frobnicate
    expect_fail "unknown option" 2 "unknown option '--frob'" "$P" "${c[@]}" 100 --frob
    expect_fail "--threads 0" 2 "bad --threads '0'" "$P" "${c[@]}" 100 --threads 0
    expect_fail "--threads too many" 2 "bad --threads '100000'" "$P" "${c[@]}" 100 --threads 100000
    expect_fail "--threads abc" 2 "bad --threads 'abc'" "$P" "${c[@]}" 100 --threads abc
    expect_fail "--threads 2.5" 2 "bad --threads '2.5'" "$P" "${c[@]}" 100 --threads 2.5
    expect_fail "--threads without value" 2 "'--threads' needs a value" "$P" "${c[@]}" 100 --threads
    expect_fail "-t without value" 2 "'-t' needs a value" "$P" "${c[@]}" 100 -t
    expect_fail "--schedule weird" 2 "bad --schedule 'weird'" "$P" "${c[@]}" 100 --schedule weird
    expect_fail "--schedule dynamic,0" 2 "bad --schedule 'dynamic,0'" "$P" "${c[@]}" 100 --schedule dynamic,0
    expect_fail "--schedule static,abc" 2 "bad --schedule 'static,abc'" "$P" "${c[@]}" 100 --schedule static,abc
    expect_fail "--algo magic" 2 "bad --algo 'magic'" "$P" "${c[@]}" 100 --algo magic
    expect_fail "--twins with --format binary" 2 "--format binary lists primes (8 bytes each); k-tuplets are listed as text" \
        "$P" primes list 100 --twins --format binary
    expect_fail "--twins on check" 2 "--twins is not an option of 'check'" "$P" primes check 7 --twins
    expect_fail "-o on count" 2 "--output is not an option of 'count'" "$P" "${c[@]}" 100 -o "$T/never.txt"
    expect_fail "--algo on check" 2 "--algo is not an option of 'check'" "$P" primes check 7 --algo trial
    expect_fail "two tuplet options" 2 "choose one of --twins" "$P" "${c[@]}" 100 --twins --triplets
    expect_fail "nth 0" 2 "bad N '0'" "$P" primes nth 0
    expect_fail "nth 1e19" 2 "only 425656284035217743 primes below 2^64" "$P" primes nth 1e19
    expect_fail "nth pi(2^64)+1" 2 "only 425656284035217743 primes" "$P" primes nth 425656284035217744
    expect_fail "nth missing N" 2 "missing N" "$P" primes nth
    expect_fail "nth two numbers" 2 "too many arguments" "$P" primes nth 1 2
    expect_fail "check nothing" 2 "missing numbers" "$P" primes check
    expect_fail "check abc" 2 "bad N 'abc'" "$P" primes check abc
    expect_fail "check 2^70" 2 "bad N '2^70': exceeds 2^64-1" "$P" primes check 2^70
    expect_fail "check fails before printing" 2 "bad N 'oops'" "$P" primes check 7 11 oops
    expect_fail "check ./nope.txt" 2 "no file of that name exists" "$P" primes check "./nope-$$.txt"
    expect_fail "check -5" 2 "negative" "$P" primes check -5
    if [ "$HAVE_OPENMP" = 1 ]; then
        expect_fail "OMP_NUM_THREADS=abc" 2 "OMP_NUM_THREADS='abc'" env OMP_NUM_THREADS=abc "$P" "${c[@]}" 100
        expect_fail "OMP_NUM_THREADS=0" 2 "OMP_NUM_THREADS='0'" env OMP_NUM_THREADS=0 "$P" "${c[@]}" 100
        expect_fail "SLURM_CPUS_PER_TASK=abc" 2 "SLURM_CPUS_PER_TASK='abc'" \
            env -u OMP_NUM_THREADS SLURM_CPUS_PER_TASK=abc "$P" "${c[@]}" 100
        expect_fail "info with OMP_NUM_THREADS=abc" 2 "OMP_NUM_THREADS='abc'" env OMP_NUM_THREADS=abc "$P" info
    else
        # Without OpenMP the thread variables mean nothing to parkit.
        expect_ok "OMP_NUM_THREADS=abc ignored without OpenMP" "25" env OMP_NUM_THREADS=abc "$P" "${c[@]}" 100
        skip "thread-variable errors" "built without OpenMP"
    fi
    expect_fail "list --json without -o" 2 "--json needs -o FILE" "$P" primes list 100 --json
    expect_fail "info --bogus" 2 "parkit: info: unknown argument '--bogus'" "$P" info --bogus

    # A bad line in a file: exit 1, FILE:LINE named, earlier answers kept.
    printf '7\n# comment\n\n8\nxyz\n13\n' >"$T/nums.txt"
    EXPECT_STDOUT=$(printf '7 prime\n8 composite') \
        expect_fail "check FILE with a bad line" 1 "nums.txt:5: 'xyz'" "$P" primes check "$T/nums.txt"
    printf '7\r\n2^70\r\n' >"$T/big.txt"
    EXPECT_STDOUT="7 prime" \
        expect_fail "check FILE with 2^70 (CRLF)" 1 "big.txt:2: '2^70'" "$P" primes check "$T/big.txt"
    printf '5\nfive\n' >"$T/stdin-bad.txt"
    EXPECT_STDOUT="5 prime" \
        expect_fail "check - with a bad line" 1 "<stdin>:2:" "$P" primes check - <"$T/stdin-bad.txt"
    printf '3\n\0\n' >"$T/nul.txt"
    EXPECT_STDOUT="3 prime" \
        expect_fail "check FILE with a NUL byte" 1 "nul.txt:2: contains a NUL byte" "$P" primes check "$T/nul.txt"

    # No arguments at all: usage on stderr, exit 2.
    run "$P"
    if [ "$RC" = 2 ] && [ ! -s "$OUT" ] && grep -q '^usage: parkit' "$ERR"; then pass; else
        fail "parkit without arguments" "$(show_cmd "$P")" "expected exit 2, usage on stderr, empty stdout; got exit $RC"
    fi
    run "$P" primes
    if [ "$RC" = 2 ] && [ ! -s "$OUT" ] && grep -q '^usage: parkit primes' "$ERR"; then pass; else
        fail "parkit primes without arguments" "$(show_cmd "$P" primes)" \
            "expected exit 2, usage on stderr, empty stdout; got exit $RC"
    fi
}

# ============================================================================
# 4. Output files: atomic, complete or absent
# ============================================================================
section_files() {
    echo "== files"
    local d=$T/out
    mkdir -p "$d"
    expect_ok "list 1e6 -o FILE prints nothing on stdout" "" "$P" primes list 1e6 -o "$d/out.txt"
    expect_eq "list 1e6 -o FILE has 78498 lines" 78498 "$(wc -l 2>/dev/null <"$d/out.txt" | tr -d ' ')" \
        "wc -l $d/out.txt"
    expect_eq "list -o leaves only the output file" "out.txt" "$(listing "$d")" "ls -A $d"
    expect_eq "list -o file mode follows umask 022" 644 "$(stat -c %a "$d/out.txt" 2>/dev/null)" "stat -c %a $d/out.txt"
    "$P" primes list 1e6 | cmp -s - "$d/out.txt"
    expect_eq "list -o FILE = list to stdout" 0 "$?" "cmp <(parkit primes list 1e6) FILE"

    # Replacing an existing file is a rename: a hard link to the old file
    # keeps the old content, the name gets a new, complete file.
    echo old >"$d/out.txt"
    ln "$d/out.txt" "$d/link.txt"
    expect_ok "list -o replaces an existing file" "" "$P" primes list 100 -o "$d/out.txt"
    expect_eq "replaced file is complete" 25 "$(wc -l 2>/dev/null <"$d/out.txt" | tr -d ' ')" "wc -l $d/out.txt"
    expect_eq "replaced by rename, not rewritten in place" old "$(cat "$d/link.txt")" "cat $d/link.txt"
    rm -f "$d/link.txt"

    expect_fail "list -o into a missing directory" 1 "nodir/out.txt" "$P" primes list 100 -o "$T/nodir/out.txt"
    expect_eq "nothing created for a missing directory" no "$([ -e "$T/nodir" ] && echo yes || echo no)" "ls $T/nodir"
    mkdir "$d/adir"
    expect_fail "list -o onto a directory" 1 "adir" "$P" primes list 100 -o "$d/adir"
    expect_eq "no temporary file left after a failed rename" "adir out.txt" \
        "$(listing "$d")" "ls -A $d"
    expect_eq "the directory is untouched" "" "$(ls -A "$d/adir")" "ls -A $d/adir"

    # Interrupted: exit 130, the old file intact, no temporary left behind.
    local sig pid rc
    for sig in INT TERM; do
        rm -rf "$d" && mkdir -p "$d" && echo old >"$d/out.txt"
        "$P" primes list 1e13 -o "$d/out.txt" 2>"$T/sig.err" &
        pid=$!
        for _ in $(seq 100); do
            compgen -G "$d/out.txt.partial-*" >/dev/null && break
            sleep 0.05
        done
        sleep 0.2
        kill -"$sig" "$pid" 2>/dev/null
        for _ in $(seq 100); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill -KILL "$pid" 2>/dev/null
        fi
        wait "$pid"
        rc=$?
        RC=$rc
        if [ "$rc" = 130 ] && grep -q "^parkit: primes list: interrupted by signal" "$T/sig.err"; then pass; else
            fail "SIG$sig during list -o: exit 130 and a message" "parkit primes list 1e13 -o FILE & kill -$sig" \
                "exit $rc, stderr: $(cat "$T/sig.err")"
        fi
        expect_eq "SIG$sig during list -o keeps the old file" old "$(cat "$d/out.txt" 2>&1)" "cat $d/out.txt"
        expect_eq "SIG$sig during list -o leaves no temporary" out.txt "$(listing "$d")" \
            "ls -A $d"
    done

    # A reader that goes away stops the writer.
    run bash -c "'$P' primes list 1e13 | head -n 2"
    expect_eq "list into a closed pipe stops" "$(printf '2\n3')" "$(cat "$OUT")" "parkit primes list 1e13 | head -n 2"

    # Write errors on stdout are runtime failures with a message.
    if [ -c /dev/full ]; then
        local args
        for args in "primes list 1e5" "primes count 100" "primes count 100 --json" "primes nth 5" \
            "primes check 7" "info" "info --json"; do
            # shellcheck disable=SC2086
            run bash -c "exec '$P' $args >/dev/full"
            if [ "$RC" = 1 ] && grep -qE '^parkit: [^:]+: .*No space left on device' "$ERR"; then pass; else
                fail "write error on stdout: $args" "parkit $args >/dev/full" \
                    "expected exit 1 and 'parkit: ...: No space left on device' on stderr" \
                    "got exit $RC, stderr: '$(head -c 200 "$ERR")'"
            fi
        done
    else
        skip "write errors on stdout" "/dev/full is missing"
    fi

    # JSON stays valid whatever the file name.
    mkdir -p "$d"
    local weird="$d/a\"b\\c.txt"
    run "$P" primes list 100 -o "$weird" --json
    cp "$OUT" "$T/weird.json"
    if [ "$HAVE_PYTHON" = 1 ]; then
        if [ "$RC" = 0 ] && python3 -c 'import json, sys
d = json.load(open(sys.argv[1]))
sys.exit(0 if d["output"] == sys.argv[2] and d["count"] == 25 else 1)' "$T/weird.json" "$weird" 2>/dev/null; then
            pass
        else
            fail "list --json escapes the file name" "$(show_cmd "$P" primes list 100 -o "$weird" --json)" \
                "expected valid JSON with \"output\" equal to the file name" "got: $(cat "$T/weird.json")"
        fi
    else
        if [ "$RC" = 0 ] && grep -qF '"output":"'"$d"'/a\"b\\c.txt"' "$T/weird.json"; then pass; else
            fail "list --json escapes the file name" "$(show_cmd "$P" primes list 100 -o "$weird" --json)" \
                "expected \"output\":\"...a\\\"b\\\\c.txt\"" "got: $(cat "$T/weird.json")"
        fi
    fi
}

# ============================================================================
# 5. Thread count: --threads > OMP_NUM_THREADS > SLURM_CPUS_PER_TASK > affinity
# ============================================================================
# threads_of CMD... : "THREADS from SOURCE" from a --json report.
threads_of() {
    run "$@"
    if [ "$RC" != 0 ]; then
        echo "exit $RC: $(head -c 200 "$ERR")"
        return
    fi
    echo "$(json_get "$OUT" threads) from $(json_get "$OUT" threads_source)"
}

section_threads() {
    echo "== threads"
    local clean=(env -u OMP_NUM_THREADS -u SLURM_CPUS_PER_TASK -u OMP_THREAD_LIMIT)
    if [ "$HAVE_OPENMP" != 1 ]; then
        expect_eq "info: one thread without OpenMP" "1 from a build without OpenMP" \
            "$(threads_of "${clean[@]}" OMP_NUM_THREADS=3 "$P" info --json)" "OMP_NUM_THREADS=3 parkit info --json"
        expect_eq "primes: one thread without OpenMP" "1 from a build without OpenMP" \
            "$(threads_of "${clean[@]}" "$P" primes count 1e6 --threads 2 --json)" "parkit primes count 1e6 --threads 2 --json"
        skip "thread-count precedence" "built without OpenMP"
        return
    fi
    expect_eq "info: OMP_NUM_THREADS=3" "3 from OMP_NUM_THREADS" \
        "$(threads_of "${clean[@]}" OMP_NUM_THREADS=3 "$P" info --json)" "OMP_NUM_THREADS=3 parkit info --json"
    # Where the threads may run: unbound, every thread shares the mask; bound close to cores, one CPU each.
    expect_out_has "info: the threads' binding" "binding    every thread: " "${clean[@]}" OMP_NUM_THREADS=2 "$P" info
    if [ "$(nproc)" -ge 2 ]; then
        expect_out_has "info: OMP_PROC_BIND=close OMP_PLACES=cores binds a thread a core" "binding    0: 0, 1: 1" \
            "${clean[@]}" OMP_NUM_THREADS=2 OMP_PROC_BIND=close OMP_PLACES=cores "$P" info
        expect_out_has "info: it says what OMP_PROC_BIND and OMP_PLACES are" "OMP_PROC_BIND=close, OMP_PLACES=cores" \
            "${clean[@]}" OMP_NUM_THREADS=2 OMP_PROC_BIND=close OMP_PLACES=cores "$P" info
    fi
    expect_eq "info: SLURM_CPUS_PER_TASK=5" "5 from SLURM_CPUS_PER_TASK" \
        "$(threads_of "${clean[@]}" SLURM_CPUS_PER_TASK=5 "$P" info --json)" "SLURM_CPUS_PER_TASK=5 parkit info --json"
    expect_eq "info: OMP_NUM_THREADS beats SLURM_CPUS_PER_TASK" "3 from OMP_NUM_THREADS" \
        "$(threads_of "${clean[@]}" OMP_NUM_THREADS=3 SLURM_CPUS_PER_TASK=5 "$P" info --json)" \
        "OMP_NUM_THREADS=3 SLURM_CPUS_PER_TASK=5 parkit info --json"
    local ncpu
    ncpu=$("${clean[@]}" nproc 2>/dev/null || getconf _NPROCESSORS_ONLN)
    expect_eq "info: neither set -> the affinity mask" "$ncpu from affinity mask" \
        "$(threads_of "${clean[@]}" "$P" info --json)" "env -u OMP_NUM_THREADS -u SLURM_CPUS_PER_TASK parkit info --json"
    expect_eq "info: cpus_available = nproc" "$ncpu" "$(json_get "$OUT" cpus_available)" "parkit info --json"
    expect_eq "info: OMP_NUM_THREADS list takes the first level" "4 from OMP_NUM_THREADS" \
        "$(threads_of "${clean[@]}" OMP_NUM_THREADS=4,2 "$P" info --json)" "OMP_NUM_THREADS=4,2 parkit info --json"
    if have taskset && taskset -c 0 true 2>/dev/null; then
        expect_eq "info: taskset -c 0 -> 1 thread" "1 from affinity mask" \
            "$(threads_of "${clean[@]}" taskset -c 0 "$P" info --json)" "taskset -c 0 parkit info --json"
        expect_eq "info: taskset -c 0 -> cpu_list 0" "0" "$(json_get "$OUT" cpu_list)" "taskset -c 0 parkit info --json"
    else
        skip "taskset -c 0 parkit info" "taskset missing or not permitted"
    fi
    run "$P" info
    if [ "$RC" = 0 ] && grep -q '^  threads ' "$OUT"; then pass; else
        fail "info (human)" "$(show_cmd "$P" info)" "expected exit 0 and a 'threads' line, got exit $RC"
    fi
    expect_json "info --json is valid JSON" <("$P" info --json)

    expect_eq "primes: --threads beats OMP_NUM_THREADS" "2 from --threads" \
        "$(threads_of "${clean[@]}" OMP_NUM_THREADS=3 "$P" primes count 1e6 --threads 2 --json)" \
        "OMP_NUM_THREADS=3 parkit primes count 1e6 --threads 2 --json"
    expect_eq "primes: the answer with --threads 2" 78498 "$(json_get "$OUT" count)" "json count"
    expect_eq "primes: OMP_NUM_THREADS=3" "3 from OMP_NUM_THREADS" \
        "$(threads_of "${clean[@]}" OMP_NUM_THREADS=3 SLURM_CPUS_PER_TASK=5 "$P" primes count 1e6 --json)" \
        "OMP_NUM_THREADS=3 SLURM_CPUS_PER_TASK=5 parkit primes count 1e6 --json"
    expect_eq "primes: SLURM_CPUS_PER_TASK=5" "5 from SLURM_CPUS_PER_TASK" \
        "$(threads_of "${clean[@]}" SLURM_CPUS_PER_TASK=5 "$P" primes nth 1000 --json)" \
        "SLURM_CPUS_PER_TASK=5 parkit primes nth 1000 --json"
    expect_eq "primes: -t 1 beats SLURM_CPUS_PER_TASK" "1 from --threads" \
        "$(threads_of "${clean[@]}" SLURM_CPUS_PER_TASK=5 "$P" primes check 7 -t 1 --json)" \
        "SLURM_CPUS_PER_TASK=5 parkit primes check 7 -t 1 --json"
    expect_eq "primes: --schedule in the report" "static,7" \
        "$("$P" primes count 1e5 --schedule static,7 --json | json_get /dev/stdin schedule)" \
        "parkit primes count 1e5 --schedule static,7 --json"
    expect_fail "--threads is not an option of info" 2 "unknown argument '--threads'" "$P" info --threads 2

    # One warning when threads will share cores, the same whichever way the
    # count was given and whichever kernel runs; -q silences it.
    if have taskset && taskset -c 0 true 2>/dev/null; then
        local warned="threads (from %s) on 1 CPU of the affinity mask: threads will share cores" how
        for how in "--threads|-t 2" "OMP_NUM_THREADS|OMP_NUM_THREADS=2" "SLURM_CPUS_PER_TASK|SLURM_CPUS_PER_TASK=2"; do
            local source=${how%%|*} given=${how#*|} env_given=() opt_given=()
            case $given in -t*) read -ra opt_given <<<"$given" ;; *) env_given=("$given") ;; esac
            CROWDING=keep run "${clean[@]}" "${env_given[@]}" taskset -c 0 "$P" primes count 1e6 "${opt_given[@]}"
            expect_eq "crowding: primes count, 2 threads from $source on 1 CPU" \
                "0|78498|parkit: warning: 2 $(printf "$warned" "$source")" "$RC|$(cat "$OUT")|$(cat "$ERR")" \
                "${env_given[*]} taskset -c 0 parkit primes count 1e6 ${opt_given[*]}"
        done
        CROWDING=keep run "${clean[@]}" taskset -c 0 "$P" mandel --size 64 --format pbm -t 3 -o "$T/crowd.pbm"
        expect_eq "crowding: mandel says it alike" "0|parkit: warning: 3 $(printf "$warned" --threads)" \
            "$RC|$(cat "$ERR")" "taskset -c 0 parkit mandel --size 64 --format pbm -t 3 -o FILE"
        CROWDING=keep run "${clean[@]}" OMP_NUM_THREADS=2 taskset -c 0 "$P" heat --size 64 --steps 2
        expect_eq "crowding: heat says it alike" "0|parkit: warning: 2 $(printf "$warned" OMP_NUM_THREADS)" \
            "$RC|$(grep warning "$ERR")" "OMP_NUM_THREADS=2 taskset -c 0 parkit heat --size 64 --steps 2"
        CROWDING=keep run "${clean[@]}" taskset -c 0 "$P" primes count 1e6 -t 2 -q
        expect_eq "crowding: -q silences it" "0|78498|" "$RC|$(cat "$OUT")|$(cat "$ERR")" \
            "taskset -c 0 parkit primes count 1e6 -t 2 -q"
        CROWDING=keep run "${clean[@]}" taskset -c 0 "$P" primes count 1e6 -t 1
        expect_eq "crowding: none with a thread a CPU" "0|78498|" "$RC|$(cat "$OUT")|$(cat "$ERR")" \
            "taskset -c 0 parkit primes count 1e6 -t 1"
    else
        skip "the warning that threads will share cores" "taskset missing or not permitted"
    fi
}

# ============================================================================
# 6. Help
# ============================================================================
section_help() {
    echo "== help"
    local args
    for args in "--help" "-h" "help" "primes --help" "primes -h" "primes count --help" "primes list --help" \
        "primes check --help" "primes nth -h" "primes count 100 --help" "info --help" "run --help" \
        "run jobs/demo.ini --help" "run jobs/demo.ini --set range.hi=1e6 -h"; do
        # shellcheck disable=SC2086
        run "$P" $args
        if [ "$RC" = 0 ] && grep -q '^usage: parkit' "$OUT" && [ ! -s "$ERR" ]; then pass; else
            fail "parkit $args" "parkit $args" "expected exit 0, usage on stdout, empty stderr; got exit $RC" \
                "stdout: $(head -c 100 "$OUT" | tr '\n' '|')" "stderr: $(head -c 100 "$ERR" | tr '\n' '|')"
        fi
    done
    expect_out_has "primes --help names every subcommand" "parkit primes nth" "$P" primes --help
    expect_out_has "primes --help documents --threads" "--threads" "$P" primes count --help
    # Each command's --help is about that command: its own options, not the others'.
    local only
    for only in "count:--twins:--on-error" "list:--io-threads:--from" "check:--on-error:--twins" \
        "nth:--from:--checkpoint" "test:self-check:--algo"; do
        IFS=: read -r cmd has lacks <<<"$only"
        run "$P" primes "$cmd" --help
        if [ "$RC" = 0 ] && grep -q -- "$has" "$OUT" && ! grep -q -- "$lacks" "$OUT" &&
            grep -q "^usage: parkit primes $cmd" "$OUT"; then pass; else
            fail "primes $cmd --help: its own options ($has, not $lacks)" "exit $RC" "$(head -5 "$OUT")"
        fi
    done
    for args in "mandel --help" "heat --help" "run --help"; do
        # shellcheck disable=SC2086
        run "$P" $args
        if [ "$RC" = 0 ] && grep -q '^usage: parkit' "$OUT"; then pass; else fail "parkit $args" "exit $RC"; fi
    done
    expect_out_has "--version" "parkit " "$P" --version
    run "$P" -v
    if [ "$RC" = 0 ] && grep -Eq '^parkit [0-9]+\.[0-9]+\.[0-9]+ \([^)]+\)$' "$OUT"; then pass; else
        fail "-v: a semantic version and the revision" "exit $RC: $(cat "$OUT")"
    fi
}

START=$(date +%s)
# ============================================================================
# 7. The I/O side: formats, --on-error, --timeout, prompt stops, backpressure
# ============================================================================
now_ms() { date +%s%3N; }

# await_handler PID SIGNAL: waits (up to 10 s) until process PID catches
# SIGNAL, so a test's signal reaches parkit's handler, never a shell that
# has not yet exec'd it on a loaded machine (such a signal is lost there).
await_handler() {
    local pid=$1 bit waited=0 caught
    bit=$(($(kill -l "$2") - 1))
    while [ "$waited" -lt 200 ]; do
        caught=$(awk '/^SigCgt:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 0
        [ -n "$caught" ] || return 0
        (((0x$caught >> bit) & 1)) && return 0
        sleep 0.05
        waited=$((waited + 1))
    done
}

section_io() {
    echo "== io"
    local d="$T/io"
    mkdir -p "$d"

    # --format binary: 8 little-endian bytes per prime, same bytes to a file and to stdout.
    run "$P" primes list 1e6 --format binary -o "$d/p.bin"
    expect_eq "list --format binary: 8 bytes per prime" $((78498 * 8)) "$(wc -c <"$d/p.bin")" "wc -c p.bin"
    expect_eq "list --format binary: first prime is 2" "2" "$(od -A n -t u8 -N 8 "$d/p.bin" | tr -d ' ')" "od p.bin"
    expect_eq "list --format binary: last prime is 999983" "999983" \
        "$(tail -c 8 "$d/p.bin" | od -A n -t u8 | tr -d ' ')" "tail -c 8 p.bin | od"
    "$P" primes list 1e6 --format binary >"$d/p2.bin"
    if cmp -s "$d/p.bin" "$d/p2.bin"; then pass; else fail "list --format binary: file == stdout" "cmp"; fi
    expect_fail "--format binary is not for check" 2 "bad --format 'binary'" "$P" primes check 7 --format binary
    expect_fail "--format xml" 2 "bad --format 'xml': expected text or binary" "$P" primes list 10 --format xml
    expect_fail "--format on count" 2 "--format is not an option of 'count'" "$P" primes count 10 --format text

    # Writer threads: the same bytes whatever their number (0 = compute threads write).
    "$P" primes list 1e7 --io-threads 0 >"$d/io0.txt"
    local n
    for n in 1 2 4; do
        "$P" primes list 1e7 --io-threads "$n" >"$d/io$n.txt"
        if cmp -s "$d/io0.txt" "$d/io$n.txt"; then pass; else fail "list --io-threads $n == --io-threads 0" "cmp"; fi
    done
    # Reader threads: many files and one large file split into blocks give the
    # same answers, in input order, whatever their number; a bad line deep in
    # a large file is named by its exact line number.
    seq 1 3 200000 >"$d/r1.txt"
    seq 1000000000000 7 1000002000000 | sed 's/$/\r/' >"$d/r2.txt"
    printf '# header\n\n97\n' >"$d/r3.txt"
    "$P" primes check "$d/r1.txt" "$d/r2.txt" "$d/r3.txt" 2^61-1 "$d/r1.txt" --io-threads 0 >"$d/rd0.txt"
    for n in 1 2 4; do
        "$P" primes check "$d/r1.txt" "$d/r2.txt" "$d/r3.txt" 2^61-1 "$d/r1.txt" --io-threads "$n" >"$d/rd$n.txt"
        if cmp -s "$d/rd0.txt" "$d/rd$n.txt"; then pass; else fail "check --io-threads $n == --io-threads 0" "cmp"; fi
    done
    cat "$d/r1.txt" "$d/r2.txt" | "$P" primes check - --io-threads 2 >"$d/rds.txt"
    "$P" primes check "$d/r1.txt" "$d/r2.txt" --io-threads 0 >"$d/rds0.txt"
    if cmp -s "$d/rds0.txt" "$d/rds.txt"; then pass; else fail "check - with reader threads" "cmp"; fi
    # Lines after the bad one, in the same block: answered meanwhile by
    # other threads, never written.
    { seq 1 250000; echo oops; seq 1 100000; } >"$d/r4.txt"
    for n in 0 3; do
        run "$P" primes check "$d/r4.txt" --io-threads "$n"
        if [ "$RC" = 1 ] && grep -q "r4.txt:250001: 'oops': not a number" "$ERR" && [ "$(wc -l <"$OUT")" = 250000 ]; then
            pass
        else
            fail "check --io-threads $n: a bad line deep in a large file" "exit $RC, $(wc -l <"$OUT") answers, $(cat "$ERR")"
        fi
    done
    # --on-error skip: bad lines throughout a large file, each named by its
    # own line number, the others all answered.
    { seq 1 70000; echo bad1; seq 1 90000; echo 'bad2 # two'; seq 1 3; echo '12 13'; seq 1 200000; } >"$d/r5.txt"
    run "$P" primes check "$d/r5.txt" --on-error skip --io-threads 2
    if [ "$RC" = 0 ] && grep -q "r5.txt:70001: 'bad1'" "$ERR" && grep -q "r5.txt:160002: 'bad2'" "$ERR" &&
        grep -q "r5.txt:160006: '12 13'" "$ERR" && grep -q "skipped 3 bad lines" "$ERR" &&
        [ "$(wc -l <"$OUT")" = 360003 ]; then
        pass
    else
        fail "check --on-error skip: bad lines deep in a large file" "exit $RC, $(wc -l <"$OUT") answers, $(cat "$ERR")"
    fi
    # --json, where the first answers come after a long run of comments.
    { for i in $(seq 1 3000); do echo "# comment line $i of a long header"; done; seq 1 5000; } >"$d/r6.txt"
    for n in 0 2; do
        run "$P" primes check "$d/r6.txt" --json --io-threads "$n"
        cp "$OUT" "$d/late.json"
        expect_json "check --json --io-threads $n after a long header is valid JSON" "$d/late.json"
    done
    # --json over many blocks: one array, a comma between every two answers.
    run "$P" primes check "$d/r1.txt" "$d/r1.txt" --json --io-threads 2
    cp "$OUT" "$d/many.json"
    expect_json "check --json over many blocks is valid JSON" "$d/many.json"
    expect_eq "check --json over many blocks: every answer" $((2 * $(wc -l <"$d/r1.txt"))) \
        "$(grep -o '"verdict"' "$d/many.json" | wc -l)" "answers in the JSON"
    # list -o: the same file whatever the number of I/O threads.
    "$P" primes list 1e7 -o "$d/lo0.txt" --io-threads 0
    for n in 1 4; do
        "$P" primes list 1e7 -o "$d/lo$n.txt" --io-threads "$n"
        if cmp -s "$d/lo0.txt" "$d/lo$n.txt"; then pass; else fail "list -o --io-threads $n == --io-threads 0" "cmp"; fi
    done
    # check: a reader of our answers that does not read stalls parkit (the
    # writer's queue and the reader slots are bounded) instead of growing it.
    seq 1000000000000000001 2 1000000000010000001 >"$d/big.txt" # 5,000,001 numbers, 100 MB
    "$P" primes check "$d/big.txt" --io-threads 2 2>/dev/null | (sleep 3; head -c 100 >/dev/null) &
    sleep 2
    local cpid chwm=""
    cpid=$(pgrep -n -f "$P primes check $d/big.txt")
    [ -n "$cpid" ] && chwm=$(awk '/VmHWM/ {print $2}' "/proc/$cpid/status" 2>/dev/null)
    wait
    if [ -n "$chwm" ] && [ "$chwm" -lt $((64 * 1024)) ]; then pass; else
        fail "check into a stalled pipe stays under 64 MiB" "peak RSS ${chwm:-unknown} KiB"
    fi
    # check: SIGINT stops readers, compute and writer within 1 s.
    "$P" primes check "$d/big.txt" "$d/big.txt" "$d/big.txt" "$d/big.txt" --io-threads 2 >/dev/null 2>"$d/sigint.err" &
    cpid=$!
    await_handler "$cpid" INT
    sleep 0.5
    local cstart crc celapsed
    cstart=$(now_ms)
    kill -INT "$cpid"
    wait "$cpid"
    crc=$?
    celapsed=$(($(now_ms) - cstart))
    if [ "$crc" = 130 ] && [ "$celapsed" -lt 1000 ] && grep -q "interrupted by signal 2" "$d/sigint.err"; then pass; else
        fail "SIGINT during check FILE: exit 130 within 1 s" "exit $crc after ${celapsed} ms: $(cat "$d/sigint.err")"
    fi
    # --timeout: the answers given so far stay (whole lines, in order), exit 1.
    run "$P" primes check "$d/big.txt" "$d/big.txt" "$d/big.txt" "$d/big.txt" --timeout 0.3
    if [ "$RC" = 1 ] && grep -q "timed out after 0.3 s" "$ERR" && [ -s "$OUT" ] &&
        [ "$(tail -c 1 "$OUT" | od -A n -c | tr -d ' ')" = '\n' ] &&
        cmp -s "$OUT" <(head -n "$(wc -l <"$OUT")" <("$P" primes check "$d/big.txt")); then
        pass
    else
        fail "check FILE --timeout 0.3: exit 1, a prefix of the answers" "exit $RC, $(wc -l <"$OUT") lines, $(cat "$ERR")"
    fi
    rm -f "$d/big.txt"
    expect_fail "--io-threads on count" 2 "--io-threads is not an option of 'count'" "$P" primes count 10 --io-threads 2
    expect_fail "--io-threads 65" 2 "bad --io-threads '65': at most 64" "$P" primes list 10 --io-threads 65

    # check --format jsonl and --on-error skip.
    printf '7\nxyz\n8\n2^70\n13\n' >"$d/bad.txt"
    expect_ok "check --format jsonl" "$(printf '{"n":"7","verdict":"prime"}\n{"n":"8","verdict":"composite"}')" \
        "$P" primes check 7 8 --format jsonl
    run "$P" primes check "$d/bad.txt" --on-error skip
    expect_eq "check --on-error skip answers the good lines" "$(printf '7 prime\n8 composite\n13 prime')" \
        "$(cat "$OUT")" "parkit primes check bad.txt --on-error skip"
    expect_eq "check --on-error skip exits 0" 0 "$RC" "exit status"
    if grep -q "skipped 2 bad lines" "$ERR" && grep -q "bad.txt:2: 'xyz'" "$ERR"; then pass; else
        fail "check --on-error skip reports what it skipped" "stderr: $(cat "$ERR")"
    fi
    # Each skipped line keeps its own reason (the parser's phrase is copied
    # on the reader thread, before its next error rewrites it).
    printf '1x\n7\n2y\n' >"$d/reasons.txt"
    run "$P" primes check "$d/reasons.txt" --on-error skip --io-threads 2
    if grep -q "reasons.txt:1: '1x': unexpected 'x'" "$ERR" && grep -q "reasons.txt:3: '2y': unexpected 'y'" "$ERR"; then
        pass
    else
        fail "check --on-error skip names each line's own reason" "stderr: $(cat "$ERR")"
    fi
    run "$P" primes check "$d/bad.txt" --on-error fail
    if [ "$RC" = 1 ] && [ "$(cat "$OUT")" = "7 prime" ] && grep -q "bad.txt:2: 'xyz'" "$ERR"; then pass; else
        fail "check --on-error fail stops at line 2, keeping line 1's answer" "exit $RC, stdout $(cat "$OUT")"
    fi
    expect_fail "--on-error maybe" 2 "bad --on-error 'maybe'" "$P" primes check 7 --on-error maybe
    expect_fail "--on-error on list" 2 "--on-error is not an option of 'list'" "$P" primes list 10 --on-error skip
    expect_fail "--json with --format jsonl" 2 "choose one of --json and --format jsonl" \
        "$P" primes check 7 --json --format jsonl

    # --timeout: exit 1 and a message, nothing left behind, on time.
    local start elapsed
    start=$(now_ms)
    expect_fail "count --timeout 0.5" 1 "timed out after 0.5 s" "$P" primes count 1e14 --timeout 0.5
    elapsed=$(($(now_ms) - start))
    [ "$elapsed" -lt 1500 ] && pass || fail "--timeout 0.5 stops within 1 s of the deadline" "took ${elapsed} ms"
    rm -rf "$d/t" && mkdir -p "$d/t"
    expect_fail "list -o --timeout" 1 "timed out" "$P" primes list 1e13 -o "$d/t/out.txt" --timeout 0.3
    expect_eq "list -o --timeout leaves nothing" "" "$(listing "$d/t")" "ls -A"
    expect_fail "--timeout abc" 2 "bad --timeout 'abc'" "$P" primes count 10 --timeout abc
    expect_fail "--timeout 0" 2 "bad --timeout '0'" "$P" primes count 10 --timeout 0

    # Ctrl-C stops a long list within 1 s and leaves no file.
    rm -rf "$d/c" && mkdir -p "$d/c"
    "$P" primes list 1e13 -o "$d/c/primes.txt" 2>/dev/null &
    local pid=$!
    await_handler "$pid" INT
    sleep 0.5
    start=$(now_ms)
    kill -INT "$pid"
    wait "$pid"
    local rc=$?
    elapsed=$(($(now_ms) - start))
    if [ "$rc" = 130 ] && [ "$elapsed" -lt 1000 ] && [ -z "$(listing "$d/c")" ]; then pass; else
        fail "SIGINT during list -o: exit 130 within 1 s, no file" "exit $rc after ${elapsed} ms, left: $(listing "$d/c")"
    fi

    # Backpressure: a reader that does not read must stall parkit, not grow it.
    "$P" primes list 1e12 2>/dev/null | (sleep 3; head -c 100 >/dev/null) &
    sleep 2
    pid=$(pgrep -n -f "$P primes list 1e12")
    local hwm=""
    [ -n "$pid" ] && hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null)
    wait
    if [ -n "$hwm" ] && [ "$hwm" -lt $((64 * 1024)) ]; then pass; else
        fail "list into a stalled pipe stays under 64 MiB" "peak RSS ${hwm:-unknown} KiB"
    fi
}

# ============================================================================
# 8. Checkpoint and resume: killed at random points, resumed, same answer
# ============================================================================
# kill_and_resume NAME SIGNAL EXPECTED_FILE_OR_ANSWER args...: start the job with a
# checkpoint, kill it after a random delay, resume until it finishes, compare.
random_delay() { awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.2 + (r % 60) / 100 }'; }

section_checkpoint() {
    echo "== checkpoint"
    local d="$T/ck" expected_count expected_list
    mkdir -p "$d"
    expected_count=$("$P" primes count 5e9 -q)
    "$P" primes list 3e8 -o "$d/expected.txt"
    local i sig delay rc
    for i in $(seq 1 10); do
        if [ $((i % 2)) = 0 ]; then sig=KILL; else sig=TERM; fi
        delay=$(random_delay)

        rm -f "$d/count.ck"
        "$P" primes count 5e9 --checkpoint "$d/count.ck" --checkpoint-interval 0.05 -q >"$d/out" 2>"$d/err" &
        local pid=$!
        sleep "$delay"
        kill -"$sig" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        if [ "$sig" = TERM ] && [ "$rc" != 75 ] && [ "$rc" != 0 ]; then
            fail "count: SIGTERM after ${delay}s exits 75 with a checkpoint" "exit $rc: $(cat "$d/err")"
        fi
        run "$P" primes count 5e9 --checkpoint "$d/count.ck" --resume -q
        if [ "$RC" = 0 ] && [ "$(cat "$OUT")" = "$expected_count" ] && [ ! -e "$d/count.ck" ]; then pass; else
            fail "count: SIG$sig after ${delay}s, then --resume" "exit $RC, got '$(cat "$OUT")', expected $expected_count" \
                "$(cat "$ERR")"
        fi

        rm -f "$d/list.ck" "$d/list.txt" "$d/list.txt.partial"
        "$P" primes list 3e8 -o "$d/list.txt" --checkpoint "$d/list.ck" --checkpoint-interval 0.05 2>"$d/err" &
        pid=$!
        sleep "$delay"
        kill -"$sig" "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        if [ "$rc" != 0 ] && [ -e "$d/list.txt" ]; then
            fail "list: a stopped run left the final name" "exit $rc, $(listing "$d")"
        fi
        run "$P" primes list 3e8 -o "$d/list.txt" --checkpoint "$d/list.ck" --resume
        if [ "$RC" = 0 ] && cmp -s "$d/list.txt" "$d/expected.txt" && [ ! -e "$d/list.txt.partial" ]; then pass; else
            fail "list: SIG$sig after ${delay}s, then --resume" "exit $RC, $(cat "$ERR"), files: $(listing "$d")"
        fi
    done

    # check: SIGTERM answers what was read, saves how many; the resume answers the rest, each once.
    seq 1000000000000000000 1000000000001500000 >"$d/nums.txt"
    "$P" primes check "$d/nums.txt" >"$d/check.expected"
    for i in 1 2 3; do
        rm -f "$d/check.ck"
        "$P" primes check "$d/nums.txt" --checkpoint "$d/check.ck" --checkpoint-interval 0.01 >"$d/check.out" 2>/dev/null &
        pid=$!
        await_handler "$pid" TERM
        sleep "$(random_delay)"
        kill -TERM "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        rc=$?
        # A run that finished before the signal needs no resume.
        [ "$rc" = 0 ] || "$P" primes check "$d/nums.txt" --checkpoint "$d/check.ck" --resume >>"$d/check.out" 2>/dev/null
        if cmp -s "$d/check.out" "$d/check.expected" && [ ! -e "$d/check.ck" ]; then pass; else
            fail "check: SIGTERM, then --resume answers every number once" "$(wc -l <"$d/check.out") lines"
        fi
    done

    # --resume with no checkpoint starts afresh and says so; finished jobs leave no checkpoint.
    rm -f "$d/none.ck"
    run "$P" primes count 1e6 --checkpoint "$d/none.ck" --resume
    expect_eq "--resume without a checkpoint: the answer" 78498 "$(cat "$OUT")" "count 1e6 --resume"
    if grep -q "no checkpoint at .*: starting afresh" "$ERR"; then pass; else
        fail "--resume without a checkpoint says so" "stderr: $(cat "$ERR")"
    fi
    # A checkpoint of another job, or of no job at all, is refused.
    "$P" primes count 3e10 --checkpoint "$d/other.ck" --checkpoint-interval 0.05 -q >/dev/null 2>&1 &
    pid=$!
    await_handler "$pid" TERM
    sleep 0.5
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    if [ -e "$d/other.ck" ]; then
        expect_fail "a checkpoint of another range is refused, in words" 2 \
            "belongs to another job: its range end (HI) is 30000000000, this job's is 20000000000" \
            "$P" primes count 2e10 --checkpoint "$d/other.ck" --resume
        expect_fail "a checkpoint of another pattern is refused, in words" 2 "its pattern is primes, this job's is twins" \
            "$P" primes count 3e10 --twins --checkpoint "$d/other.ck" --resume
    else
        skip "checkpoint of another range" "the job finished before the signal"
    fi
    echo "not a checkpoint" >"$d/bad.ck"
    expect_fail "a damaged checkpoint is refused" 2 "not a parkit checkpoint" \
        "$P" primes count 1e9 --checkpoint "$d/bad.ck" --resume
    expect_fail "--resume needs --checkpoint" 2 "--resume needs --checkpoint FILE" "$P" primes count 10 --resume
    expect_fail "list --checkpoint needs -o" 2 "--checkpoint needs -o FILE" "$P" primes list 10 --checkpoint "$d/x.ck"
    expect_fail "--checkpoint on nth" 2 "--checkpoint is not an option of 'nth'" \
        "$P" primes nth 10 --checkpoint "$d/x.ck"
}

# ============================================================================
# 9. Job files: parkit run JOB.ini [--set section.key=value]
# ============================================================================
section_jobs() {
    echo "== jobs"
    local repo d="$T/jobs"
    repo=$(cd "$(dirname "$0")/../.." && pwd)
    mkdir -p "$d"
    if ! "$P" run --help >/dev/null 2>&1; then
        fail "parkit run --help" "exit $?"
        return
    fi
    pass
    if "$P" run "$repo/jobs/demo.ini" 2>&1 | grep -q "no libinih"; then
        expect_fail "run without libinih says how to get it" 1 "apt-get install libinih-dev" "$P" run "$repo/jobs/demo.ini"
        skip "job files" "built without libinih"
        return
    fi
    expect_ok "run jobs/demo.ini" 50847534 "$P" run "$repo/jobs/demo.ini" --set output.time=false
    # The common options after the file override it, as --set would.
    run "$P" run "$repo/jobs/demo.ini" --json --threads 1 --no-progress --set output.time=false
    expect_eq "run JOB.ini --json --threads 1: JSON with one thread" "50847534 1" \
        "$(json_get "$OUT" count) $(json_get "$OUT" threads)" "parkit run jobs/demo.ini --json --threads 1"
    expect_ok "run JOB.ini -q --time=... (the = form)" 50847534 "$P" run "$repo/jobs/demo.ini" -q --threads=2 \
        --set output.time=false
    expect_fail "run JOB.ini --threads 0 says so in the option's words" 2 "--threads 0: bad value '0'" \
        "$P" run "$repo/jobs/demo.ini" --threads 0
    expect_fail "run JOB.ini --timeout without a value" 2 "--timeout needs a value" "$P" run "$repo/jobs/demo.ini" \
        --timeout
    expect_fail "run JOB.ini with an unknown option" 2 "unknown argument '--bogus'" "$P" run "$repo/jobs/demo.ini" \
        --bogus
    expect_ok "run jobs/twins.ini --set range.hi=1e6" 8169 "$P" run "$repo/jobs/twins.ini" --set range.hi=1e6 \
        --set output.time=false
    expect_ok "run: the same answer as the command line" "$("$P" primes count 1e5 1e7 --triplets)" \
        "$P" run "$repo/jobs/twins.ini" --set range.lo=1e5 --set range.hi=1e7 --set count.pattern=triplets \
        --set output.time=false
    cat >"$d/list.ini" <<EOF2
[job]
kernel = primes
command = list
[range]
hi = 1e6
[output]
path = $d/primes.txt
EOF2
    run "$P" run "$d/list.ini"
    if [ "$RC" = 0 ] && cmp -s "$d/primes.txt" <("$P" primes list 1e6); then pass; else
        fail "run list.ini writes the list" "exit $RC: $(cat "$ERR")"
    fi
    cat >"$d/bad.ini" <<EOF2
[job]
kernel = primes
command = count
[range]
hi = 1e6
hgh = 7
EOF2
    expect_fail "run: unknown key, with file and line" 2 "bad.ini:6: unknown key 'hgh' in section [range]" \
        "$P" run "$d/bad.ini"
    printf '[job]\nkernel = primes\n' >"$d/missing.ini"
    expect_fail "run: missing required key" 2 "missing required key job.command" "$P" run "$d/missing.ini"
    expect_fail "run: no such file" 2 "cannot open" "$P" run "$d/nope.ini"
    expect_fail "run: bad --set" 2 "unknown section [foo]" "$P" run "$repo/jobs/twins.ini" --set foo.bar=1
    expect_fail "run: bad number in the file, reported like the CLI" 2 "bad HI 'abc'" \
        "$P" run "$repo/jobs/twins.ini" --set range.hi=abc
    expect_fail "run: stray argument" 2 "unknown argument 'extra'" "$P" run "$repo/jobs/twins.ini" extra

    # A checkpointed job from a file: stopped, resumed by running the same file again.
    cat >"$d/ck.ini" <<EOF2
[job]
kernel = primes
command = count
[range]
hi = 5e9
[checkpoint]
path = $d/job.ck
interval = 0.05
resume = yes
EOF2
    "$P" run "$d/ck.ini" >/dev/null 2>&1 &
    local pid=$!
    await_handler "$pid" TERM
    sleep 0.5
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
    run "$P" run "$d/ck.ini"
    expect_eq "run: a checkpointed job resumes to the same answer" "$("$P" primes count 5e9 -q)" "$(cat "$OUT")" \
        "parkit run ck.ini (after SIGTERM)"
}

want answers && section_answers
want agree && section_agree
want errors && section_errors
want files && section_files
want threads && section_threads
want help && section_help
want io && section_io
want checkpoint && section_checkpoint
want jobs && section_jobs
# 10. parkit mandel: tests/cli/mandel.sh
. "$(dirname "$0")/mandel.sh"
want mandel && section_mandel
# 11. parkit heat: tests/cli/heat.sh
. "$(dirname "$0")/heat.sh"
want heat && section_heat
# 12. parkit bench: tests/cli/bench.sh
. "$(dirname "$0")/bench.sh"
want bench && section_bench
# 13. Faults and hostile input: tests/cli/faults.sh
. "$(dirname "$0")/faults.sh"
want faults && section_faults
# 14. README.md's examples as written: tests/cli/readme.sh
. "$(dirname "$0")/readme.sh"
want readme && section_readme
echo "   ($(($(date +%s) - START)) s)"

if [ "$SKIPPED" -gt 0 ]; then
    echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
    echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ]
