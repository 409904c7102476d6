# The `faults` section of tests/cli/run.sh (sourced by it; uses its helpers):
# faults and hostile input.  Each test reproduces a defect a fault audit
# found (a hang, a lost file, a silently wrong answer, a misleading message)
# and checks the fix: the right exit code, an exact message, no lost or
# wrong data, and every wait ended promptly by a signal or --timeout.

# timed_run CMD...: runs CMD (stdout $OUT, stderr $ERR, status $RC) and sets MS, its milliseconds.
timed_run() {
    local start
    start=$(now_ms)
    run "$@"
    MS=$(($(now_ms) - start))
}

# signal_after SECONDS SIGNAL CMD...: runs CMD in the background, sends SIGNAL
# after SECONDS; sets RC and MS (from the signal to the exit).
signal_after() {
    local delay=$1 signal=$2
    shift 2
    "$@" >"$OUT" 2>"$ERR" &
    local pid=$! start
    await_handler "$pid" "$signal"
    sleep "$delay"
    start=$(now_ms)
    kill "-$signal" "$pid" 2>/dev/null
    local waited=0
    while kill -0 "$pid" 2>/dev/null && [ "$waited" -lt 100 ]; do
        sleep 0.1
        waited=$((waited + 1))
    done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid"
    RC=$?
    MS=$(($(now_ms) - start))
}

section_faults() {
    echo "== faults"
    local d="$T/faults" n
    mkdir -p "$d"

    # 1. A read error behind blocks still being read: exit 1 and the error, no
    #    hang, whatever the number of reader threads; the same answers before it.
    seq 1 1500000 >"$d/long.txt"
    head -c $((2 << 20)) /dev/zero | tr '\0' 7 >>"$d/long.txt"
    echo >>"$d/long.txt"
    "$P" primes check "$d/long.txt" --io-threads 0 >"$d/long0.out" 2>/dev/null
    for n in 1 2 4; do
        PARKIT_TEST_TIMEOUT=20 timed_run "$P" primes check "$d/long.txt" --io-threads "$n"
        if [ "$RC" = 1 ] && grep -q "^parkit: primes check: cannot read .*long.txt: a line is longer than 1 MiB$" "$ERR" &&
            cmp -s "$OUT" "$d/long0.out"; then
            pass
        else
            fail "faults 1: check --io-threads $n, a 2 MiB line after 1.5 M lines: exit 1, cannot read" \
                "exit $RC after $MS ms, $(wc -l <"$OUT") answers (--io-threads 0: $(wc -l <"$d/long0.out"))" "$(head -c 300 "$ERR")"
        fi
    done
    # ... and under a signal while the reader is blocked behind the error.
    signal_after 0.3 TERM "$P" primes check "$d/long.txt" "$d/long.txt" --io-threads 4
    if [ "$RC" != 0 ] && [ "$MS" -lt 1500 ]; then pass; else
        fail "faults 1: SIGTERM during check --io-threads 4 of a failing file ends it" "exit $RC after $MS ms"
    fi

    # 9. A file cut short while it is read: said as such, not "Input/output error".
    # Primes near 1e18 take the whole test: about 2.5 s on one thread.
    "$P" primes list 1e18 1e18+2e7 >"$d/primes.txt"
    cat "$d/primes.txt" "$d/primes.txt" "$d/primes.txt" "$d/primes.txt" >"$d/shrinking.txt"
    local size
    size=$(wc -c <"$d/shrinking.txt")
    "$P" primes check "$d/shrinking.txt" --io-threads 2 -t 1 >/dev/null 2>"$ERR" &
    local pid=$!
    sleep 0.3
    truncate -s 1000000 "$d/shrinking.txt"
    wait "$pid"
    RC=$?
    if [ "$RC" = 1 ] && grep -q "cannot read .*shrinking.txt: the file shrank while it was read (from $size to 1000000 bytes)" "$ERR"; then
        pass
    else
        fail "faults 9: a file truncated while check reads it: exit 1, it shrank" "exit $RC: $(head -c 300 "$ERR")"
    fi
    rm -f "$d/shrinking.txt" "$d/primes.txt"

    # 7. Blocked input: a FIFO with no writer, a pipe with no data.  A signal
    #    or --timeout ends the run within about a second, with any --io-threads.
    rm -f "$d/fifo"
    mkfifo "$d/fifo"
    for n in 0 1 3; do
        timed_run "$P" primes check "$d/fifo" --timeout 0.5 --io-threads "$n"
        if [ "$RC" = 1 ] && grep -q "timed out after 0.5 s" "$ERR" && [ "$MS" -lt 1500 ]; then pass; else
            fail "faults 7: check FIFO-without-writer --timeout 0.5 --io-threads $n: exit 1 in time" \
                "exit $RC after $MS ms: $(head -c 300 "$ERR")"
        fi
        signal_after 0.3 TERM "$P" primes check "$d/fifo" --io-threads "$n"
        if [ "$RC" = 130 ] && grep -q "interrupted by signal 15" "$ERR" && [ "$MS" -lt 1000 ]; then pass; else
            fail "faults 7: SIGTERM to check FIFO-without-writer --io-threads $n: exit 130 within 1 s" \
                "exit $RC after $MS ms: $(head -c 300 "$ERR")"
        fi
    done
    # A pipe that stays open with no data (sleep holds its write end).
    local start
    start=$(now_ms)
    sleep 5 | "$P" primes check - --timeout 0.5 --io-threads 0 >"$OUT" 2>"$ERR" &
    local pipeline=$!
    local waited=0
    while ! grep -q "timed out" "$ERR" 2>/dev/null && [ "$waited" -lt 40 ]; do sleep 0.1; waited=$((waited + 1)); done
    MS=$(($(now_ms) - start))
    if grep -q "timed out after 0.5 s" "$ERR" && [ "$MS" -lt 1500 ]; then pass; else
        fail "faults 7: sleep 5 | check - --timeout 0.5 --io-threads 0 ends on time" "after $MS ms: $(head -c 300 "$ERR")"
    fi
    wait "$pipeline" 2>/dev/null
    # With --checkpoint, a signal while waiting for input saves the checkpoint: exit 75.
    rm -f "$d/fifo.ck"
    signal_after 0.3 TERM "$P" primes check "$d/fifo" --checkpoint "$d/fifo.ck"
    if [ "$RC" = 75 ] && [ -s "$d/fifo.ck" ] && grep -q "checkpoint saved to" "$ERR"; then pass; else
        fail "faults 7: SIGTERM to check FIFO --checkpoint: exit 75 and a checkpoint" "exit $RC: $(head -c 300 "$ERR")"
    fi
    rm -f "$d/fifo" "$d/fifo.ck" "$d/long.txt" "$d/long0.out"
    # ... and inside long units: near 2^64 one unit takes tens of seconds.
    local args
    for args in "primes count 1e19" "primes count 1e19-1e12 1e19" "primes nth 425656284035217743" \
        "primes count 1e15 --algo trial" "primes list 2^64-1e11 2^64-1 -o $d/top.txt"; do
        # shellcheck disable=SC2086
        signal_after 1.5 TERM "$P" $args
        if [ "$RC" = 130 ] && grep -q "interrupted by signal 15" "$ERR" && [ "$MS" -lt 1000 ] && [ ! -e "$d/top.txt" ]; then
            pass
        else
            fail "faults 7: SIGTERM inside a long unit of '$args': exit 130 within 1 s" "exit $RC after $MS ms: $(head -c 300 "$ERR")"
        fi
    done

    section_faults_checkpoints
    section_faults_outputs
    section_faults_low
}

# reseal FILE: rewrites a checkpoint's checksum line to match its edited
# contents (FNV-1a 64 of everything before it), as a deliberate forger would.
reseal() {
    local body hash=-3750763034362895579 byte
    body=$(sed '/^checksum /,$d' "$1")
    for byte in $(printf '%s\n' "$body" | od -A n -t u1 -v); do
        hash=$(((hash ^ byte) * 1099511628211))
    done
    { printf '%s\n' "$body"; printf 'checksum %016x\nend\n' "$hash"; } >"$1.resealed"
    mv "$1.resealed" "$1"
}

# stop_with_checkpoint SECONDS CMD...: starts CMD, SIGTERMs it after SECONDS.
stop_with_checkpoint() {
    local delay=$1
    shift
    "$@" >/dev/null 2>&1 &
    local pid=$!
    await_handler "$pid" TERM
    sleep "$delay"
    kill -TERM "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# MOUNTED: tmpfs mounts of this section, unmounted on the way out.
MOUNTED=()
unmount_all() {
    local m
    for m in "${MOUNTED[@]}"; do umount "$m" 2>/dev/null; done
    MOUNTED=()
}
# small_fs DIR SIZE [ro]: a tmpfs of SIZE at DIR (root only); false when it cannot.
small_fs() {
    mkdir -p "$1"
    [ "$(id -u)" = 0 ] && mount -t tmpfs -o "size=$2${3:+,$3}" tmpfs "$1" 2>/dev/null || return 1
    MOUNTED+=("$1")
}

section_faults_checkpoints() {
    local d="$T/faults/ck"
    mkdir -p "$d"
    trap 'unmount_all; rm -rf "$T"' EXIT

    # 2. --checkpoint never takes a file that is not a checkpoint, nor the job's input or output.
    echo "my notes" >"$d/notes.txt"
    expect_fail "faults 2: --checkpoint on a file of the user's is refused" 2 \
        "--checkpoint $d/notes.txt: it exists and is not a parkit checkpoint (refusing to overwrite it)" \
        "$P" primes count 1e6 --checkpoint "$d/notes.txt"
    expect_eq "faults 2: ... and the file is untouched" "my notes" "$(cat "$d/notes.txt" 2>&1)" "cat notes.txt"
    seq 1 1000 >"$d/in.txt"
    expect_fail "faults 2: check --checkpoint on its own input is refused" 2 \
        "--checkpoint $d/in.txt: it is the input $d/in.txt, which it would destroy" \
        "$P" primes check "$d/in.txt" --checkpoint "$d/in.txt"
    expect_eq "faults 2: ... and the input is untouched" 1000 "$(wc -l <"$d/in.txt" 2>&1)" "wc -l in.txt"
    expect_fail "faults 2: list -o X --checkpoint X.partial is refused" 2 \
        "--checkpoint $d/X.partial: it is the partial output of -o $d/X, which it would destroy" \
        "$P" primes list 1e6 -o "$d/X" --checkpoint "$d/X.partial"
    expect_fail "faults 2: list -o X --checkpoint X is refused" 2 "it is the output of -o" \
        "$P" primes list 1e6 -o "$d/X" --checkpoint "$d/../ck/X"
    expect_eq "faults 2: ... and nothing was written" "in.txt notes.txt" "$(listing "$d" | tr '\n' ' ' | sed 's/ $//')" "ls"
    # 9. A directory as checkpoint: said as such.
    expect_fail "faults 9: --checkpoint DIR says it is a directory" 2 "--checkpoint $d: it is a directory" \
        "$P" primes count 1e6 --checkpoint "$d" --resume

    # 3. Resuming list -o when the partial file is gone or cut short: refused, no zeros under the final name.
    local expected
    expected=$("$P" primes list 3e9 2>/dev/null | md5sum)
    local attempt
    for attempt in missing short; do
        rm -f "$d/list.txt" "$d/list.txt.partial" "$d/list.ck"
        stop_with_checkpoint 1 "$P" primes list 3e9 -o "$d/list.txt" --checkpoint "$d/list.ck" --checkpoint-interval 0.05
        if [ ! -s "$d/list.ck" ] || ! grep -q '^done ' "$d/list.ck"; then
            skip "faults 3: resume list -o with the partial file $attempt" "no unit was done before the signal"
            continue
        fi
        if [ "$attempt" = missing ]; then rm -f "$d/list.txt.partial"; else truncate -s -1000 "$d/list.txt.partial"; fi
        run "$P" primes list 3e9 -o "$d/list.txt" --checkpoint "$d/list.ck" --resume
        if [ "$RC" = 2 ] && grep -q "cannot resume from $d/list.ck: the partial output $d/list.txt.partial does not hold" "$ERR" &&
            [ ! -e "$d/list.txt" ]; then
            pass
        else
            fail "faults 3: resume list -o with the partial file $attempt: refused, no final file" \
                "exit $RC: $(head -c 300 "$ERR")" "files: $(listing "$d" | tr '\n' ' ')"
        fi
        # Without the checkpoint, a fresh run makes the right file.
        rm -f "$d/list.ck"
        run "$P" primes list 3e9 -o "$d/list.txt" --checkpoint "$d/list.ck"
        expect_eq "faults 3: after removing the checkpoint, list -o is whole ($attempt)" "$expected" \
            "$(md5sum <"$d/list.txt")" "md5sum list.txt"
    done
    # A partial file from another run of the same job (same size, another inode): refused.
    rm -f "$d/list.txt" "$d/list.txt.partial" "$d/list.ck"
    stop_with_checkpoint 1 "$P" primes list 3e9 -o "$d/list.txt" --checkpoint "$d/list.ck" --checkpoint-interval 0.05
    if grep -q '^done ' "$d/list.ck" 2>/dev/null; then
        cp "$d/list.txt.partial" "$d/copy" && mv "$d/copy" "$d/list.txt.partial"
        expect_fail "faults 3: resume list -o onto a copy of the partial file is refused" 2 "another file than the one recorded" \
            "$P" primes list 3e9 -o "$d/list.txt" --checkpoint "$d/list.ck" --resume
    else
        skip "faults 3: resume onto a copy" "no unit was done before the signal"
    fi
    rm -f "$d/list.txt" "$d/list.txt.partial" "$d/list.ck"

    # 4. A checkpoint's contents are not trusted: an edited count is refused with the path and why.
    rm -f "$d/count.ck"
    local window="1e12 1e12+2e10" answer
    answer=$("$P" primes count $window -q)
    stop_with_checkpoint 0.7 "$P" primes count $window --checkpoint "$d/count.ck" --checkpoint-interval 0.05
    local unit_line
    unit_line=$(grep -m 1 '^done ' "$d/count.ck" 2>/dev/null)
    if [ -n "$unit_line" ]; then
        local unit=${unit_line#done } value
        value=${unit#* }
        unit=${unit%% *}
        cp "$d/count.ck" "$d/count.orig"
        sed -i "s/^done $unit $value\$/done $unit $((value + 1))/" "$d/count.ck"
        expect_fail "faults 4: a checkpoint with an edited count is refused" 1 \
            "cannot resume from $d/count.ck: damaged (its checksum does not match its contents: edited or corrupted)" \
            "$P" primes count $window --checkpoint "$d/count.ck" --resume
        for value in -5 99999999999999 18446744073709551616 1e3; do
            cp "$d/count.orig" "$d/count.ck"
            sed -i "s/^done $unit [0-9]*\$/done $unit $value/" "$d/count.ck"
            reseal "$d/count.ck"
            run "$P" primes count $window --checkpoint "$d/count.ck" --resume
            if [ "$RC" = 1 ] && grep -qE "cannot resume from $d/count.ck: damaged( line 'done $unit $value'|: unit $unit records $value, more than it can hold)" "$ERR" &&
                [ ! -s "$OUT" ]; then
                pass
            else
                fail "faults 4: a resealed checkpoint with count $value is refused" "exit $RC, stdout '$(cat "$OUT")'" \
                    "$(head -c 300 "$ERR")"
            fi
        done
        cp "$d/count.orig" "$d/count.ck"
        expect_ok "faults 4: the untouched checkpoint resumes to the right answer" "$answer" \
            "$P" primes count $window --checkpoint "$d/count.ck" --resume -q
    else
        skip "faults 4: edited checkpoints" "no unit was done before the signal"
    fi

    # 5. A checkpoint that cannot be saved: said at the start, or at the save, with path and cause.
    local ro="$d/ro" full="$d/full"
    if small_fs "$ro" 1m ro; then
        expect_fail "faults 5: check --checkpoint in a read-only directory fails at the start" 1 \
            "--checkpoint $ro/check.ck: cannot create a file beside it: Read-only file system" \
            "$P" primes check "$d/in.txt" --checkpoint "$ro/check.ck"
        expect_fail "faults 5: count --checkpoint in a read-only directory fails at the start" 1 \
            "--checkpoint $ro/count.ck: cannot create a file beside it: Read-only file system" \
            "$P" primes count 1e9 --checkpoint "$ro/count.ck"
    else
        skip "faults 5: read-only checkpoint directory" "needs root to mount a tmpfs"
    fi
    if small_fs "$full" 64k; then
        # Full to the last block: creating an empty file still works, the first save does not.
        dd if=/dev/zero of="$full/filler" bs=4k >/dev/null 2>&1
        expect_fail "faults 5: count, a save on a full file system fails with the cause" 1 \
            "cannot save the checkpoint to $full/count.ck: No space left on device" \
            "$P" primes count 3e10 --checkpoint "$full/count.ck" --checkpoint-interval 0.05
        seq 1000000000000000000 1000000000000300000 >"$d/nums.txt"
        run "$P" primes check "$d/nums.txt" --checkpoint "$full/check.ck" --checkpoint-interval 0.01
        if [ "$RC" = 1 ] && grep -q "cannot save the checkpoint to $full/check.ck: No space left on device" "$ERR" &&
            ! grep -q "checkpoint saved" "$ERR"; then
            pass
        else
            fail "faults 5: check, a save on a full file system fails with the cause" "exit $RC: $(head -c 300 "$ERR")"
        fi
        rm -f "$d/fifo"
        mkfifo "$d/fifo"
        signal_after 0.5 TERM "$P" primes check "$d/nums.txt" "$d/fifo" --checkpoint "$full/check.ck" --checkpoint-interval 100
        if [ "$RC" = 1 ] && grep -q "cannot save the checkpoint to $full/check.ck: No space left on device" "$ERR" &&
            ! grep -q "checkpoint saved" "$ERR"; then
            pass
        else
            fail "faults 5: check stopped by SIGTERM, the save fails: exit 1, not 'checkpoint saved'" \
                "exit $RC: $(head -c 300 "$ERR")"
        fi
    else
        skip "faults 5: full file system" "needs root to mount a tmpfs"
    fi
    unmount_all

    # 10. check --checkpoint killed with SIGKILL, resumed into the same file: every answer once, no torn line.
    # Primes near 1e18 take the whole test each: about 2.5 s on one thread.
    "$P" primes list 1e18 1e18+2e7 >"$d/primes.txt"
    cat "$d/primes.txt" "$d/primes.txt" "$d/primes.txt" "$d/primes.txt" >"$d/nums.txt"
    "$P" primes check "$d/nums.txt" >"$d/check.expected"
    local i
    for i in 1 2; do
        rm -f "$d/check.ck" "$d/check.out"
        "$P" primes check "$d/nums.txt" --checkpoint "$d/check.ck" --checkpoint-interval 0.01 -t 1 >>"$d/check.out" 2>/dev/null &
        local pid=$!
        sleep 0.$((3 + i * 2))
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
        "$P" primes check "$d/nums.txt" --checkpoint "$d/check.ck" --resume >>"$d/check.out" 2>"$ERR"
        if cmp -s "$d/check.out" "$d/check.expected"; then pass; else
            fail "faults 10: check killed (SIGKILL) and resumed into the same file answers every number once" \
                "$(wc -l <"$d/check.out") lines, expected $(wc -l <"$d/check.expected"): $(head -c 200 "$ERR")" \
                "first difference: $(cmp "$d/check.out" "$d/check.expected" 2>&1 | head -1)"
        fi
    done
    rm -rf "$d"
}

section_faults_outputs() {
    local d="$T/faults/out"
    mkdir -p "$d"
    trap 'unmount_all; rm -rf "$T"' EXIT

    # 8. -o through a symbolic link: a link to an open file is written in
    #    place; a link to a file name makes that file; the link stays a link.
    ln -s /proc/self/fd/1 "$d/stdout-link"
    "$P" primes list 100 -o "$d/stdout-link" >"$d/file" 2>"$ERR"
    RC=$?
    if [ "$RC" = 0 ] && [ "$(wc -l <"$d/file")" = 25 ] && [ -L "$d/stdout-link" ]; then pass; else
        fail "faults 8: -o a link to /proc/self/fd/1 writes to stdout and keeps the link" \
            "exit $RC, $(wc -l <"$d/file") lines, $(ls -l "$d/stdout-link")" "$(head -c 200 "$ERR")"
    fi
    # As /dev/stdout is, but ours: a binary with the defect must not replace
    # the machine's /dev/stdout (as root it could).
    ln -s /proc/self/fd/1 "$d/dev-stdout"
    echo "kept" >"$d/appended"
    "$P" primes list 10 -o "$d/dev-stdout" >>"$d/appended" 2>"$ERR"
    expect_eq "faults 8: -o a /dev/stdout link appends where >> says" "$(printf 'kept\n2\n3\n5\n7')" "$(cat "$d/appended")" \
        "parkit primes list 10 -o dev-stdout >> appended"
    mkdir -p "$d/elsewhere"
    ln -s elsewhere/real.txt "$d/name-link"
    run "$P" primes list 100 -o "$d/name-link"
    if [ "$RC" = 0 ] && [ -L "$d/name-link" ] && [ "$(wc -l <"$d/elsewhere/real.txt")" = 25 ] &&
        [ -z "$(ls -A "$d/elsewhere" | grep -v '^real.txt$')" ]; then
        pass
    else
        fail "faults 8: -o a link to a file name writes that file, keeps the link, leaves no temporary" \
            "exit $RC: $(ls -lA "$d" "$d/elsewhere" | tr '\n' ' ')"
    fi
    rm -f "$d/fifo"
    mkfifo "$d/fifo"
    timed_run "$P" primes list 100 -o "$d/fifo" --timeout 0.5
    if [ "$RC" = 1 ] && grep -q "timed out after 0.5 s" "$ERR" && [ "$MS" -lt 1500 ] && [ -p "$d/fifo" ]; then pass; else
        fail "faults 8: -o a FIFO nobody reads: --timeout ends the wait, the FIFO stays" "exit $RC after $MS ms: $(head -c 200 "$ERR")"
    fi

    # 9. Messages name the real cause: a full disk, a closed pipe (once each), a
    #    negative number in a file.
    local args
    seq 1 200000 >"$d/in.txt"
    for args in "primes list 1e7" "primes list 1e7 --io-threads 0" "primes check $d/in.txt" \
        "primes check $d/in.txt --io-threads 0"; do
        # shellcheck disable=SC2086
        run bash -c "exec '$P' $args >/dev/full"
        if [ "$RC" = 1 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q "writing standard output: No space left on device" "$ERR"; then
            pass
        else
            fail "faults 9: $args >/dev/full: one message, No space left on device" "exit $RC: $(head -c 300 "$ERR")"
        fi
        # shellcheck disable=SC2086
        run bash -c "trap '' PIPE; '$P' $args | head -n 1 >/dev/null; exit \${PIPESTATUS[0]}"
        if [ "$RC" = 1 ] && [ "$(wc -l <"$ERR")" = 1 ] && grep -q "writing standard output: Broken pipe" "$ERR"; then
            pass
        else
            fail "faults 9: $args | head -1 (SIGPIPE ignored): one message, Broken pipe" "exit $RC: $(head -c 300 "$ERR")"
        fi
    done
    if small_fs "$d/full" 256k; then
        expect_fail "faults 9: list -o on a full file system says so" 1 \
            "writing $d/full/primes.txt: No space left on device" "$P" primes list 1e7 -o "$d/full/primes.txt"
        expect_eq "faults 9: ... and leaves nothing" "" "$(ls -A "$d/full")" "ls -A full"
    else
        skip "faults 9: list -o on a full file system" "needs root to mount a tmpfs"
    fi
    unmount_all
    printf '7\n-11\n' >"$d/negative.txt"
    EXPECT_STDOUT="7 prime" expect_fail "faults 9: -11 in a file is negative, not too big" 1 \
        "negative.txt:2: '-11': negative numbers are not allowed" "$P" primes check "$d/negative.txt"
    rm -rf "$d"
}

section_faults_low() {
    local d="$T/faults/low"
    mkdir -p "$d"
    # 10. Job files: bounded in size, no NUL byte.
    printf '[job]\nkernel = primes\ncommand = count\n[range]\nhi = 1e6\0\nlo = 5\n' >"$d/nul.ini"
    if "$P" run "$d/nul.ini" 2>&1 | grep -q "no libinih"; then
        skip "faults 10: job files of /dev/zero and with a NUL byte" "built without libinih"
    else
        expect_fail "faults 10: parkit run /dev/zero is refused, not read forever" 2 \
            "/dev/zero: larger than 1024 KiB: not a job file" "$P" run /dev/zero
        expect_fail "faults 10: a NUL byte in a job file is refused with its line" 2 "nul.ini:5: contains a NUL byte" \
            "$P" run "$d/nul.ini"
    fi
    # SIGHUP (the terminal closed) stops list -o as SIGTERM does: no partial file.
    mkdir -p "$d/hup"
    signal_after 0.5 HUP "$P" primes list 1e13 -o "$d/hup/out.txt"
    if [ "$RC" = 130 ] && grep -q "interrupted by signal 1" "$ERR" && [ -z "$(ls -A "$d/hup")" ]; then pass; else
        fail "faults 10: SIGHUP during list -o: exit 130, no partial file" "exit $RC, left: $(ls -A "$d/hup")"
    fi
    # Control bytes of the input are escaped in messages.
    printf '7\n\033[31mred\r\n12\010x\n' >"$d/ctl.txt"
    run "$P" primes check "$d/ctl.txt" --on-error skip
    if [ "$RC" = 0 ] && ! grep -q "$(printf '\033')" "$ERR" && ! grep -q "$(printf '\010')" "$ERR" &&
        grep -qF "'\x1b[31mred': unexpected byte 0x1b" "$ERR" && grep -qF "'12\x08x'" "$ERR"; then
        pass
    else
        fail "faults 10: control bytes of the input are escaped in messages" "stderr: $(cat -v "$ERR")"
    fi
    # Repeated options: the same value twice is fine, two values are refused, for every option alike.
    expect_ok "faults 10: --twins --twins is --twins" 35 "$P" primes count 1e3 --twins --twins
    expect_ok "faults 10: -t 2 --threads 2 is -t 2" 168 "$P" primes count 1e3 -t 2 --threads 2
    expect_fail "faults 10: -t 1 -t 2 is refused" 2 "--threads given twice, as '1' and as '2': say it once" \
        "$P" primes count 1e3 -t 1 -t 2
    expect_fail "faults 10: --twins --triplets is refused" 2 "choose one of --twins, --triplets" \
        "$P" primes count 1e3 --twins --triplets
    rm -rf "$d"
}
