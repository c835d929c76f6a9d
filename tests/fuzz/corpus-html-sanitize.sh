#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the webmail's HTML sanitiser fuzz target over
# tests/fuzz/corpus/html-sanitize/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" html-sanitize
