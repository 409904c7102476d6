#!/usr/bin/env bash
# What every test suite needs (tests/packages): installed when missing, as
# root with apt-get, saying what; otherwise the one apt-get line that would
# enable the suites that will be SKIPPED.  Fails only when CUnit, which every
# unit test needs, is missing and cannot be installed.
set -u
cd "$(dirname "$0")/.."
if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "make check: not a Debian system: install the equivalents of tests/packages yourself"
    exit 0
fi
missing=()
while read -r package; do
    case $package in '' | '#'*) continue ;; esac
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "ok installed" || missing+=("$package")
done <tests/packages
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "make check: installing what the tests need: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
        { apt-get update -q >/dev/null 2>&1 &&
            apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1; }; then
        exit 0
    fi
    echo "make check: apt-get could not install them all; the suites that need them will be SKIPPED" >&2
else
    echo "make check: some suites will be SKIPPED; to run them all: sudo apt-get install ${missing[*]}"
fi
case " ${missing[*]} " in
*" libcunit1-dev "*)
    printf '\043include <CUnit/Basic.h>\n' | ${CC:-cc} -E -x c - >/dev/null 2>&1 && exit 0
    echo "make check: CUnit is missing; run: sudo apt-get install libcunit1-dev" >&2
    exit 1
    ;;
esac
exit 0
