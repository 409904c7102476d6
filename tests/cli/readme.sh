# shellcheck shell=bash
# Sourced by tests/cli/run.sh (its helpers, $P and $T): README.md's examples,
# run as written there, so that they cannot go stale.
#
# - A transcript block (``` without a language) runs each "$ COMMAND" and
#   compares what it printed with the lines under it: "parkit: ..." lines
#   are stderr, the rest stdout, "(exit code N)" the status.  Not compared:
#   measurements (numbers with a decimal point, and a JSON report's times,
#   memory and thread counts: its keys and answers are), the host's name,
#   and, on a machine without 2 CPUs, the counts of threads and CPUs.
# - A ```sh block runs each line that starts parkit (build/parkit ... or
#   mpirun ... build/parkit ...) with bash, in a scratch folder holding
#   build/parkit, a copy of jobs/ and docs/images/; it must exit 0.  A
#   trailing comment that is a number or a checksum is its expected first
#   word of output; a picture written into docs/images/ must be the one in
#   the repository, byte for byte.  They run as a user's shell would run
#   them: no OMP_NUM_THREADS, and mpirun without the tests'
#   oversubscription (an example must fit 2 cores).  Their stdin is
#   /dev/null (mpirun would read on).
# A build without OpenMP, libpng, GMP or libinih skips them all (CI runs them on
# the default build).  Not run here: make lines (make check and make demo are CI's steps),
# sbatch lines (tests/slurm/run.sh submits the README's single-node block),
# the sanitizer lines (.ci/run runs them).

# readme_normal FILE: FILE's lines as compared (stdin to stdout).
readme_normal() {
    local sed_args=(-E -e 's/[0-9]+\.[0-9]+/#.#/g' -e 's/host [^ ,]+/host H/g' -e 's/[[:space:]]+$//')
    [ "$(nproc)" = 2 ] || sed_args+=(-e 's/[0-9]+ (threads?|CPUs?|ranks?)/# \1/g' -e 's/PE=[0-9]+/PE=#/g' -e 's/-t [0-9]+/-t #/g')
    sed "${sed_args[@]}"
}

# readme_json EXPECTED ACTUAL: the same keys in the same order, and the same
# values but for measurements.
readme_json() {
    python3 - "$1" "$2" <<'PYEOF'
import json, sys
measured = ("seconds", "rss", "threads", "units", "imbalance", "openmp")
def flat(text):
    out = []
    def walk(v, path):
        if isinstance(v, dict):
            for k, x in v.items():
                walk(x, path + [k])
        else:
            out.append((".".join(path), None if any(m in ".".join(path) for m in measured) else v))
    walk(json.loads(text), [])
    return out
e, a = flat(sys.argv[1]), flat(sys.argv[2])
if [k for k, _ in e] != [k for k, _ in a]:
    print("keys: README", [k for k, _ in e], "now", [k for k, _ in a])
    sys.exit(1)
bad = [(k, x, y) for (k, x), (_, y) in zip(e, a) if x != y]
if bad:
    print("values (key, README, now):", bad)
    sys.exit(1)
PYEOF
}

# readme_transcript NAME COMMAND EXPECTED-LINES-FILE
readme_transcript() {
    local name=$1 cmd=$2 expected=$3 code=0
    if grep -qE '\(exit code [0-9]+\)[[:space:]]*$' "$expected"; then
        code=$(sed -nE 's/.*\(exit code ([0-9]+)\)[[:space:]]*$/\1/p' "$expected" | head -1)
        sed -i -E 's/[[:space:]]*\(exit code [0-9]+\)[[:space:]]*$//' "$expected"
    fi
    grep '^parkit:' "$expected" | readme_normal >"$T/readme/want.err"
    grep -v '^parkit:' "$expected" | readme_normal >"$T/readme/want.out"
    cd "$T/readme/work" || return
    CROWDING=keep run env -u OMP_NUM_THREADS bash -c "$cmd" </dev/null
    cd - >/dev/null || return
    local problems=()
    [ "$RC" = "$code" ] || problems+=("exit status: README says $code, got $RC")
    if grep -q '^{' "$T/readme/want.out"; then
        if [ "$HAVE_PYTHON" = 1 ]; then
            local why
            why=$(readme_json "$(grep '^{' "$expected")" "$(grep '^{' "$OUT")" 2>&1) || problems+=("JSON: $why")
        fi
    elif ! readme_normal <"$OUT" | cmp -s - "$T/readme/want.out"; then
        problems+=("stdout: README has '$(tr '\n' '|' <"$T/readme/want.out")'" "        got        '$(readme_normal <"$OUT" | tr '\n' '|')'")
    fi
    if ! readme_normal <"$ERR" | cmp -s - "$T/readme/want.err"; then
        problems+=("stderr: README has '$(tr '\n' '|' <"$T/readme/want.err")'" "        got        '$(readme_normal <"$ERR" | tr '\n' '|')'")
    fi
    if [ ${#problems[@]} -eq 0 ]; then pass; else fail "README: $name" "$cmd" "${problems[@]}"; fi
}

section_readme() {
    echo "== readme"
    local repo readme
    repo=$(cd "$(dirname "$0")/../.." && pwd)
    readme=$repo/README.md
    # The README shows the default build: OpenMP, libpng, GMP, libinih.
    local missing=""
    "$P" info --json | grep -q '"openmp":"none"' && missing="$missing OpenMP"
    "$P" info --json | grep -q '"png":false' && missing="$missing libpng"
    "$P" info --json | grep -q '"gmp":false' && missing="$missing GMP"
    "$P" run "$repo/jobs/demo.ini" --set range.hi=10 2>&1 | grep -q "no libinih" && missing="$missing libinih"
    if [ -n "$missing" ]; then
        skip "README's examples" "they need the default build; this one has no$missing"
        return
    fi
    local work=$T/readme/work
    # The examples run for up to a minute each on 2 busy cores (bench --quick).
    local -a TIMEOUT=(timeout -k 5 "$((LIMIT > 300 ? LIMIT : 300))")
    mkdir -p "$work/build" "$work/docs/images"
    ln -s "$P" "$work/build/parkit"
    cp -r "$repo/jobs" "$work/jobs"
    local mpi=0
    if "$P" info --json | grep -q '"mpi":true' && have mpirun; then
        mpi=1
        [ "$(id -u)" = 0 ] && export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
    fi

    # The README's code, one record a line: "T<n>|text" in transcript block n, "S|text" in a sh block.
    local records=$T/readme/records
    awk '/^```/ { if (inside) { inside = 0; next } inside = 1; kind = ($0 == "```sh") ? "S" : ($0 == "```" ? "T" : "");
                  n++; next }
         inside && kind == "T" { print "T" n "|" $0 }
         inside && kind == "S" { print "S|" $0 }' "$readme" >"$records"

    # Transcripts: each "$ " line and the lines under it, up to a blank line or the next "$ ".
    local cmd="" block="" line text ran=0
    : >"$T/readme/expected"
    flush() {
        [ -n "$cmd" ] || return 0
        ran=$((ran + 1))
        case $cmd in
        mpirun*) if [ "$mpi" = 0 ]; then skip "README: $cmd" "not an MPI build, or no mpirun"; cmd=""; return 0; fi ;;
        esac
        readme_transcript "$cmd" "$cmd" "$T/readme/expected"
        cmd=""
        : >"$T/readme/expected"
    }
    while IFS= read -r line; do
        case $line in T*) ;; *) continue ;; esac
        text=${line#*|}
        if [ "${line%%|*}" != "$block" ]; then flush; block=${line%%|*}; fi
        case $text in
        '$ '*) flush; cmd=${text#\$ } ;;
        '') flush ;;
        *) [ -n "$cmd" ] && printf '%s\n' "$text" >>"$T/readme/expected" ;;
        esac
    done <"$records"
    flush
    [ "$ran" -ge 10 ] || fail "README: fewer transcript commands than expected" "found $ran"

    # Commands of sh blocks.
    local bench_out="" count=0
    while IFS= read -r line; do
        case $line in S*) ;; *) continue ;; esac
        text=${line#S|}
        case $text in
        build/parkit\ * | mpirun\ *build/parkit\ *) ;;
        *) continue ;;
        esac
        count=$((count + 1))
        local want="" comment=""
        case $text in *'  #'*) comment=${text#*  #}; comment=${comment# } ;; esac
        [[ $comment =~ ^[0-9a-f]+$ ]] && want=$comment
        case $text in
        mpirun*) if [ "$mpi" = 0 ]; then skip "README: $text" "not an MPI build, or no mpirun"; continue; fi ;;
        esac
        cd "$work" || return
        CROWDING=keep run env -u OMP_NUM_THREADS bash -c "$text" </dev/null
        cd - >/dev/null || return
        local problems=()
        [ "$RC" = 0 ] || problems+=("exit status $RC: $(head -c 300 "$ERR")")
        if [ -n "$want" ] && [ "$(awk '{ print $1; exit }' "$OUT")" != "$want" ]; then
            problems+=("README says $want, got '$(head -c 100 "$OUT")'")
        fi
        if grep -q '^parkit: warning' "$ERR"; then problems+=("a warning: $(grep '^parkit: warning' "$ERR")"); fi
        local picture
        for picture in $(grep -oE 'docs/images/[A-Za-z0-9_.-]+' <<<"$text"); do
            cmp -s "$work/$picture" "$repo/$picture" || problems+=("$picture is not the repository's picture")
        done
        case $text in *"bench --quick"*) bench_out=$(cat "$OUT") ;; esac
        if [ ${#problems[@]} -eq 0 ]; then pass; else fail "README: $text" "$text" "${problems[@]}"; fi
    done <"$records"
    [ "$count" -ge 15 ] || fail "README: fewer commands in sh blocks than expected" "found $count"

    # The sample of bench's table has the columns bench prints now.
    local header
    header=$(grep -m1 '^kernel  scaling model' "$readme")
    if [ -z "$bench_out" ]; then
        fail "README: no 'bench --quick' example ran" "$header"
    elif grep -qxF "$header" <<<"$bench_out"; then
        pass
    else
        fail "README: the sample of bench's table has other columns than bench prints" "README: $header" \
            "now:    $(grep -m1 '^kernel' <<<"$bench_out")"
    fi
}
