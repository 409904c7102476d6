#!/usr/bin/env bash
# The installed library as a user meets it: `make install` into a scratch
# prefix, then a small program that runs a job on the engine (MPI symbols
# and all, in an MPI build) is built with a plain cc and pkg-config, linked
# to the shared library and, with --static, to libparkit.a, and run.
#
#   tests/install.sh [BUILD]     (make install-tests)
set -u
cd "$(dirname "$0")/.."
BUILD=${1:-build}
T=$(mktemp -d "${TMPDIR:-/tmp}/parkit-install.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
PASSED=0 FAILED=0
pass() { PASSED=$((PASSED + 1)); }
fail() { FAILED=$((FAILED + 1)); echo "FAIL: $1"; shift; printf '  %s\n' "$@"; }
command -v pkg-config >/dev/null || { echo "tests/install: pkg-config is missing (apt-get install pkg-config)"; exit 1; }

echo "== make install into a scratch prefix"
if make --no-print-directory -s BUILD="$BUILD" install PREFIX="$T/prefix" >"$T/log" 2>&1; then pass; else
    fail "make install PREFIX=$T/prefix" "$(tail -5 "$T/log")"
    echo "$PASSED passed, $FAILED failed"
    exit 1
fi
export PKG_CONFIG_PATH="$T/prefix/lib/pkgconfig"
version=$(sed -n 's/^#define PK_VERSION "\(.*\)"/\1/p' include/parkit/version.h)
if [ "$(pkg-config --modversion parkit)" = "$version" ] && pkg-config --atleast-version=0.1 parkit &&
    ! pkg-config --atleast-version="$((${version%%.*} + 1)).0" parkit; then pass; else
    fail "pkg-config: version $version, comparable" "got '$(pkg-config --modversion parkit 2>&1)'"
fi
for f in bin/parkit lib/libparkit.a lib/libparkit.so "lib/libparkit.so.${version%%.*}" include/parkit/engine.h \
    share/parkit/jobs/README.md share/man/man1/parkit.1; do
    [ -e "$T/prefix/$f" ] || fail "make install put $f in place" "$(ls -R "$T/prefix" | head -20)"
done
pass
# The manual page: every command's options, as the binary's --help says them, and it renders.
if grep -q '^\.SS parkit primes nth' "$T/prefix/share/man/man1/parkit.1" &&
    grep -q -- '--time-block K' "$T/prefix/share/man/man1/parkit.1" &&
    { ! command -v groff >/dev/null || [ -z "$(groff -man -Tutf8 -ww "$T/prefix/share/man/man1/parkit.1" 2>&1 >/dev/null)" ]; }; then
    pass
else
    fail "make install: the manual page, complete and clean" "$(head -5 "$T/prefix/share/man/man1/parkit.1")"
fi

cat >"$T/prog.c" <<'PROG'
/* Counts the units of a job on the engine, as any parkit program does. */
#include <stdio.h>
#include <string.h>

#include <parkit/engine.h>
#include <parkit/version.h>

static int count_unit(void *state, void *worker, uint64_t unit, uint64_t counters[])
{
    (void)state, (void)worker;
    counters[0] += unit;
    return 0;
}

int main(void)
{
    pk_job job = {.units = 1000, .run_unit = count_unit};
    pk_engine_options options = {.threads = 2, .schedule = {PK_SCHEDULE_DYNAMIC, 0}};
    uint64_t counters[PK_JOB_MAX_COUNTERS];
    if (pk_engine_run(&options, &job, counters, NULL) != 0 || strcmp(pk_version(), PK_VERSION) != 0)
        return 1;
    printf("%llu %s\n", (unsigned long long)counters[0], pk_version());
    return 0;
}
PROG
echo "== a program built with plain cc and pkg-config, shared and static"
# shellcheck disable=SC2046 # pkg-config's flags are words
if cc -std=c11 -o "$T/prog" "$T/prog.c" $(pkg-config --cflags --libs parkit) 2>"$T/err" &&
    [ "$(LD_LIBRARY_PATH="$T/prefix/lib" "$T/prog")" = "499500 $version" ]; then pass; else
    fail "cc prog.c \$(pkg-config --cflags --libs parkit), run against libparkit.so" "$(head -5 "$T/err")"
fi
if readelf -d "$T/prog" 2>/dev/null | grep -q "libparkit.so.${version%%.*}"; then pass; else
    fail "the program needs libparkit.so.${version%%.*} (the soname)" "$(readelf -d "$T/prog" | grep NEEDED)"
fi
# shellcheck disable=SC2046
if cc -std=c11 -o "$T/prog-static" "$T/prog.c" $(pkg-config --cflags parkit) "$T/prefix/lib/libparkit.a" \
    $(pkg-config --static --libs-only-other --libs-only-l parkit | sed 's/-lparkit//') 2>"$T/err" &&
    [ "$("$T/prog-static")" = "499500 $version" ] && ! readelf -d "$T/prog-static" | grep -q libparkit; then pass; else
    fail "cc prog.c libparkit.a \$(pkg-config --static --libs parkit)" "$(head -5 "$T/err")"
fi

echo "== make uninstall leaves nothing of parkit"
make --no-print-directory -s BUILD="$BUILD" uninstall PREFIX="$T/prefix" >/dev/null 2>&1
left=$(find "$T/prefix" -name '*parkit*' | head -5)
if [ -z "$left" ]; then pass; else fail "make uninstall" "left: $left"; fi

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
