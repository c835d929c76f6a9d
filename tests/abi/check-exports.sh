#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-exports.sh - every module built here exports only its descriptor
# and needs nothing from the core (TAP).
#
# Principle 2 of STYLE.md: modules are built -fvisibility=hidden and linked
# -Wl,-z,defs, so the dynamic symbol table of NAME.so defines exactly
# hermod_module_descriptor, and every symbol it uses resolves from its own
# DT_NEEDED libraries (ldd -r reports none undefined), never from hermodd.
# Symbols the sanitizers add (__odr_asan.*, __asan_*, __ubsan_*) are allowed.
# Checked: the in-tree modules (modules/**/.libs/*.so), the out-of-tree
# example and the frozen-1.0 test module.
set -u
. "$HERMOD_BUILDDIR/tests/abi/abi-env.sh"
mods=$(find "$top_builddir/modules" -path '*/.libs/*.so' 2>/dev/null | sort)
mods="$mods $top_builddir/tests/abi/example/hello.so $top_builddir/tests/abi/.libs/old-module.so"
echo "1..$(echo $mods | wc -w)"
n=0
for so in $mods; do
    n=$((n + 1))
    name=${so#"$top_builddir"/}
    extra=$(nm -D --defined-only "$so" 2>&1 | awk '{ print $NF }' |
        grep -v -e '^hermod_module_descriptor$' -e '^__odr_asan\.' -e '^__asan_' -e '^__ubsan_')
    undef=$(ldd -r "$so" 2>&1 | grep 'undefined symbol')
    if [ -z "$extra" ] && [ -z "$undef" ]; then
        echo "ok $n - $name exports only hermod_module_descriptor"
    else
        echo "not ok $n - $name exports only hermod_module_descriptor"
        [ -n "$extra" ] && echo "$extra" | sed 's/^/# also exported: /'
        [ -n "$undef" ] && echo "$undef" | sed 's/^/# /'
    fi
done
