#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-append-only.sh - does check-append-only tell appends from breaks?
#
# Builds the probe against edited copies of today's public headers and runs
# the guard on (today, edited).  Appends (a member at the end of a struct,
# an enumerator at the end of an enum, a new type) must pass; removing,
# reordering, retyping, renaming a member, renumbering an enumerator and
# retargeting a typedef must each fail.  So must an append to an array
# element type: HermodSetting, which the guard knows by name, and a struct
# that the old dump shows as an array element (compared against an edited
# base that first adds such an array).  Every append must still make
# abidiff exit non-zero, so that no change slips past the baseline unseen.
set -u
. "$HERMOD_BUILDDIR/tests/abi/abi-env.sh"
if [ -z "$ABIDW" ] || [ -z "$ABIDIFF" ]; then
    echo "1..0 # SKIP abigail-tools (abidw, abidiff) not installed"
    exit 0
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
h="$top_srcdir/plugin-api/hermod"

# build NAME FILE SED-SCRIPT: probe against headers with FILE edited.
build() {
    mkdir -p "$tmp/$1/hermod"
    cp "$h"/*.h "$tmp/$1/hermod/"
    if [ -n "$2" ]; then
        sed -i "$3" "$tmp/$1/hermod/$2"
        if cmp -s "$h/$2" "$tmp/$1/hermod/$2"; then
            echo "the edit of $2 did not apply: the header changed, update this test"
            return 1
        fi
    fi
    printf '#define PACKAGE_VERSION "0"\n' > "$tmp/$1/autoconfig.h"
    $CC -g -O0 -fPIC -shared -I"$tmp/$1" $GLIB_CFLAGS -o "$tmp/$1/probe.so" \
        "$top_srcdir/tests/abi/probe.c" &&
        "$ABIDW" --no-corpus-path --no-comp-dir-path --no-show-locs --no-elf-needed \
            --out-file "$tmp/$1.xml" "$tmp/$1/probe.so"
}

n=0
base=base # the dump the guard compares against: $tmp/$base.xml
# expect pass|fail NAME FILE SED-SCRIPT [TEXT]: with TEXT, a refusal must
# say TEXT (so that it fails for the reason the case is about).
expect() {
    n=$((n + 1))
    if ! build "$2" "$3" "$4" > "$tmp/log" 2>&1; then
        echo "not ok $n - $2: could not build the probe"
        sed 's/^/# /' "$tmp/log"
        return
    fi
    "$PYTHON3" "$top_srcdir/tests/abi/check-append-only" "$tmp/$base.xml" "$tmp/$2.xml" > "$tmp/log" 2>&1
    st=$?
    "$ABIDIFF" --harmless "$tmp/$base.xml" "$tmp/$2.xml" > /dev/null 2>&1
    ad=$?
    said=0
    [ -z "${5:-}" ] || grep -qF -- "$5" "$tmp/log" || said=1
    if { [ "$1" = pass ] && [ $st = 0 ] && [ $ad != 0 ]; } ||
        { [ "$1" = fail ] && [ $st = 1 ] && [ $said = 0 ]; }; then
        echo "ok $n - $2: guard says $([ $st = 0 ] && echo append || echo break)"
    else
        echo "not ok $n - $2: expected $1${5:+ saying \"$5\"}, guard exit $st, abidiff exit $ad"
        sed 's/^/# /' "$tmp/log"
    fi
}

echo "1..14"
build base "" "" > "$tmp/log" 2>&1 || { sed 's/^/# /' "$tmp/log"; echo "Bail out! cannot build the probe"; exit 1; }
expect pass append-api-member api.h \
    '/^struct HermodApi {/,/^};/s|^};|    gboolean (*selftest_member)(HermodConn *conn);\n};|'
expect pass append-protocol-member protocol.h \
    's|^} HermodProtocol;|    void (*selftest_event)(HermodConn *conn);\n&|'
expect pass append-enumerator api.h 's|^} HermodLogLevel;|    HERMOD_LOG_SELFTEST = 99,\n&|'
expect fail remove-member protocol.h '/^    void (\*on_writable)(HermodConn \*conn);/d'
expect fail reorder-members module.h \
    's|^    const char \*name; |    const char *name_tmp; |;s|^    const char \*version; |    const char *name; |;s|^    const char \*name_tmp; |    const char *version; |'
expect fail retype-member protocol.h 's|^    guint32 struct_size;|    guint64 struct_size;|'
expect fail rename-member setting.h 's|^    const char \*help; |    const char *help_text; |'
expect fail insert-member-in-middle api.h \
    's|^    const char \*(\*hostname)(void);|    gboolean (*inserted)(void);\n&|'
expect fail renumber-enumerator setting.h 's|^    HERMOD_SETTING_STRING = 1,|    HERMOD_SETTING_STRING = 0,|'
expect fail retarget-typedef api.h \
    's|^typedef void (\*HermodWorkFunc)(gpointer data);|typedef void (*HermodWorkFunc)(gpointer data, int extra);|'
# Array element types never change within a major, not even by an append.
frozen="is read as an array with the reader's element size"
expect fail grow-setting setting.h \
    's|^    const char \*help; .*$|&\n    const char *selftest_extra;|' "HermodSetting: $frozen"
expect fail grow-setting-padding setting.h \
    's|^    const char \*help; .*$|&\n    int selftest_flag;|' "HermodSetting: $frozen"
array='s|^} HermodMailApi;|    HermodMsgInfo selftest_infos[2];\n&|'
expect pass append-array-member mailstore.h "$array"
base=append-array-member
expect fail grow-array-element mailstore.h \
    "$array;"'s|^} HermodMsgInfo;|    guint32 selftest_more;\n&|' "HermodMsgInfo: $frozen"
