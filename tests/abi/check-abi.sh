#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-abi.sh - the ABI gate of make check (TAP).
#
#   1. a baseline exists for the version in hermod/version.h;
#   2. abidiff --harmless (so that even an added enumerator counts) of that
#      baseline against the probe built from plugin-api/
#      exits 0 (any change at all, even an append, fails until the version
#      is bumped and a new baseline is written: make update-abi-baseline);
#   3. abidiff of hermod-abi-1.0.xml against the probe built from the
#      frozen 1.0 headers exits 0 (the frozen copy really is 1.0);
#   4. each baseline is a pure append to the previous minor of its major
#      (check-append-only);
#   5. in a git checkout, no committed baseline differs from the version
#      first committed: baselines are never edited, a bump adds a file.
set -u
. "$HERMOD_BUILDDIR/tests/abi/abi-env.sh"
abi="$top_srcdir/tests/abi"
probe="$top_builddir/tests/abi/.libs/probe.so"
frozen="$top_builddir/tests/abi/frozen-1.0/.libs/probe.so"

if [ -z "$ABIDW" ] || [ -z "$ABIDIFF" ]; then
    echo "1..0 # SKIP abigail-tools (abidw, abidiff) not installed"
    exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

version_part() {
    sed -n "s/^#define HERMOD_ABI_$1 \([0-9][0-9]*\)\$/\1/p" "$top_srcdir/plugin-api/hermod/version.h"
}
major=$(version_part MAJOR)
minor=$(version_part MINOR)
baseline="$abi/hermod-abi-$major.$minor.xml"
# Baselines in version order: 1.0 1.1 ... 1.10 2.0
baselines=$(ls "$abi"/hermod-abi-*.xml | sed 's/.*hermod-abi-\(.*\)\.xml$/\1/' | sort -t. -k1,1n -k2,2n)
npairs=0
prev=
for v in $baselines; do
    [ -n "$prev" ] && [ "${prev%.*}" = "${v%.*}" ] && npairs=$((npairs + 1))
    prev=$v
done
nbase=$(echo $baselines | wc -w)
echo "1..$((3 + npairs + nbase))"

n=0
result() { # result STATUS DESCRIPTION [DIAGNOSTICS-FILE]
    n=$((n + 1))
    if [ "$1" = 0 ]; then
        echo "ok $n - $2"
    else
        echo "not ok $n - $2"
        [ -n "${3:-}" ] && sed 's/^/# /' "$3"
    fi
}
dump() {
    "$ABIDW" --no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed \
        --out-file "$2" "$1"
}

test -f "$baseline"
st=$?
echo "no $baseline: after bumping hermod/version.h run make update-abi-baseline" > "$tmp/msg"
result $st "baseline for ABI $major.$minor exists" "$tmp/msg"

# The baselines describe x86_64 (LP64) layouts; elsewhere 2 and 3 cannot hold.
arch() { sed -n "1s/.* architecture='\([^']*\)'.*/\1/p" "$1"; }
dump "$probe" "$tmp/current.xml"
if [ -f "$baseline" ] && [ -n "$(arch "$tmp/current.xml" 2>/dev/null)" ] &&
    [ "$(arch "$tmp/current.xml")" != "$(arch "$baseline")" ]; then
    skip="# SKIP the baselines are for $(arch "$baseline"), this is $(arch "$tmp/current.xml")"
    echo "ok 2 - plugin-api/ headers match the baseline $skip"
    echo "ok 3 - frozen-1.0 headers match the baseline $skip"
    n=3
else
    "$ABIDIFF" --harmless "$baseline" "$tmp/current.xml" > "$tmp/diff" 2>&1
    st=$?
    echo "abidiff exit $st: the public headers no longer match the ABI $major.$minor baseline." \
        "Append only, bump HERMOD_ABI_MINOR, run make update-abi-baseline; anything else needs a new major." >> "$tmp/diff"
    result $st "plugin-api/ headers match hermod-abi-$major.$minor.xml (abidiff)" "$tmp/diff"
    dump "$frozen" "$tmp/frozen.xml" && "$ABIDIFF" --harmless "$abi/hermod-abi-1.0.xml" "$tmp/frozen.xml" > "$tmp/diff" 2>&1
    result $? "frozen-1.0 headers match hermod-abi-1.0.xml (abidiff)" "$tmp/diff"
fi

prev=
for v in $baselines; do
    if [ -n "$prev" ] && [ "${prev%.*}" = "${v%.*}" ]; then
        "$PYTHON3" "$abi/check-append-only" "$abi/hermod-abi-$prev.xml" "$abi/hermod-abi-$v.xml" > "$tmp/guard" 2>&1
        result $? "ABI $v is a pure append to $prev" "$tmp/guard"
    fi
    prev=$v
done

for v in $baselines; do
    file="tests/abi/hermod-abi-$v.xml"
    first=$(git -C "$top_srcdir" log --first-parent --diff-filter=A --format=%H -- "$file" 2>/dev/null | tail -n 1)
    if [ -z "$first" ]; then
        n=$((n + 1))
        echo "ok $n - baseline $v unchanged since first commit # SKIP not committed or not a git checkout"
        continue
    fi
    git -C "$top_srcdir" show "$first:$file" > "$tmp/first.xml" &&
        "$ABIDIFF" --harmless "$tmp/first.xml" "$top_srcdir/$file" > "$tmp/diff" 2>&1
    st=$?
    echo "baselines are immutable: restore $file and bump the version instead" >> "$tmp/diff"
    result $st "baseline $v unchanged since first commit" "$tmp/diff"
done
