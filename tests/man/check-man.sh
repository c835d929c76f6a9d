#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
#
# check-man.sh - the generated manual pages (man/local.mk): each formats
# with no warning under `man --warnings -l`, and each covers what its
# program knows: hermod.conf(5) every key of every section that
# `hermodd --dump-settings` lists (the tables --check-config uses),
# hermodctl(8) every row of `hermodctl --dump-commands`, hermodd(8) and
# hermodctl(8) every long option of their --help.  TAP.
set -u
b=${HERMOD_BUILDDIR:?}
n=0
fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=1; echo "not ok $n - $1"; [ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/# /'; }

if ! command -v man >/dev/null 2>&1; then
    echo "1..0 # SKIP man (man-db) is not installed"
    exit 0
fi
echo "1..6"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for page in hermodd.8 hermodctl.8 hermod.conf.5; do
    if [ ! -s "$b/man/$page" ]; then
        notok "man --warnings -l $page" "not built"
        continue
    fi
    LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$b/man/$page" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    if [ $rc -eq 0 ] && [ ! -s "$tmp/err" ] && [ -s "$tmp/out" ]; then
        ok "man --warnings -l $page"
    else
        notok "man --warnings -l $page" "exit $rc: $(cat "$tmp/err")"
    fi
done

# Rendered text, one word per line, to look keys and commands up in.
render() { LC_ALL=C.UTF-8 MANWIDTH=200 man -l "$b/man/$1" 2>/dev/null; }

render hermod.conf.5 >"$tmp/conf.txt"
missing=$("$b/core/hermodd/hermodd" -c "$HERMOD_SRCDIR/config/hermod.conf" --dump-settings |
    awk -F'\t' -v txt="$tmp/conf.txt" '
        BEGIN { while ((getline l < txt) > 0) { page = page "\n" l } }
        $2 == "free" { next }
        {
            head = ($2 == "named") ? "[" $1 " NAME]" : "[" $1 "]"
            i = index(page, "\n   " head "\n")
            if (i == 0) { print "section " head; next }
            rest = substr(page, i + 1)
            j = index(substr(rest, 2), "\n   [")
            body = j > 0 ? substr(rest, 1, j) : rest
            if (index(body, "\n       " $3 "\n") == 0 && index(body, "\n       " $3 " ") == 0)
                print head " " $3
        }')
[ -z "$missing" ] && ok "hermod.conf(5) has every key of --dump-settings" ||
    notok "hermod.conf(5) has every key of --dump-settings" "missing: $missing"

render hermodctl.8 | tr -s ' \n' ' ' >"$tmp/ctl.txt"
missing=$("$b/core/ctl/hermodctl" --dump-commands | while IFS="$(printf '\t')" read -r noun verb usage help; do
    grep -qF "hermodctl $noun $verb" "$tmp/ctl.txt" || echo "$noun $verb"
done)
[ -z "$missing" ] && ok "hermodctl(8) has every command of --dump-commands" ||
    notok "hermodctl(8) has every command of --dump-commands" "missing: $missing"

missing=
for prog in hermodd:core/hermodd/hermodd:hermodd.8 hermodctl:core/ctl/hermodctl:hermodctl.8; do
    bin=$(echo "$prog" | cut -d: -f2)
    page=$(echo "$prog" | cut -d: -f3)
    render "$page" >"$tmp/page.txt"
    for opt in $(LC_ALL=C "$b/$bin" --help | sed -n 's/^ *\(-., \)\{0,1\}\(--[a-z-]*\).*/\2/p' |
        grep -v '^--help$'); do
        grep -q -- "$opt" "$tmp/page.txt" || missing="$missing $page:$opt"
    done
done
[ -z "$missing" ] && ok "hermodd(8) and hermodctl(8) have every option of --help" ||
    notok "hermodd(8) and hermodctl(8) have every option of --help" "missing:$missing"
exit $fail
