#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-layers.sh - the build's boundaries hold, and their checks can fail.
#
# 1. core/ follows tests/layers/layers.txt (check-layers over the tree).
# 2-3. check-layers fails on a copy of core/ with a planted upward include
#    (net/ including the store) and with a .c file directly in core/.
# 4. A module compiled with the modules' flags builds against plugin-api/.
# 5-6. It fails to build when it includes a core header, by folder path or
#    by bare name (modules get no -I core).
. ./tests/layers/layers-env.sh
check="$top_srcdir/tests/layers/check-layers"
layers="$top_srcdir/tests/layers/layers.txt"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
n=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; sed 's/^/# /' "$tmp/out"; }
echo "1..6"

if "$PYTHON3" "$check" "$top_srcdir/core" "$layers" >"$tmp/out" 2>&1; then
    ok "core/ keeps its layers"
else
    not_ok "core/ keeps its layers"
fi

cp -R "$top_srcdir/core" "$tmp/core"
printf '#include "store/store.h"\n' >>"$tmp/core/net/conn.c"
if ! "$PYTHON3" "$check" "$tmp/core" "$layers" >"$tmp/out" 2>&1 &&
    grep -q "core/net/conn.c:.*net/ is below store/" "$tmp/out"; then
    ok "an upward include (net/ -> store/) is refused"
else
    not_ok "an upward include (net/ -> store/) is refused"
fi
rm -rf "$tmp/core" && cp -R "$top_srcdir/core" "$tmp/core"
printf 'int x;\n' >"$tmp/core/stray.c"
if ! "$PYTHON3" "$check" "$tmp/core" "$layers" >"$tmp/out" 2>&1 &&
    grep -q "core/stray.c: no source file sits directly in core/" "$tmp/out"; then
    ok "a file directly in core/ is refused"
else
    not_ok "a file directly in core/ is refused"
fi

module() { # $1 = the lines of a module source: compile it as modules are
    printf '%s\nconst int probe_value = 1;\n' "$1" >"$tmp/probe.c"
    # shellcheck disable=SC2086 # the flags are word lists
    (cd "$top_builddir" && $CC $MODULE_CPPFLAGS $MODULE_CFLAGS -c "$tmp/probe.c" \
        -o "$tmp/probe.o") >"$tmp/out" 2>&1
}
if module '#include <hermod/hermod.h>'; then
    ok "a module builds against plugin-api/"
else
    not_ok "a module builds against plugin-api/"
fi
if ! module '#include <hermod/hermod.h>
#include "net/conn.h"' && grep -q "net/conn.h" "$tmp/out"; then
    ok "a module including net/conn.h fails to build"
else
    not_ok "a module including net/conn.h fails to build"
fi
if ! module '#include "store.h"' && grep -q "store.h" "$tmp/out"; then
    ok "a module including store.h fails to build"
else
    not_ok "a module including store.h fails to build"
fi
