#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the FETCH/SEARCH argument and sequence-set fuzz target over tests/fuzz/corpus/imap-args/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" imap-args
