#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the IMAP command fuzz target over tests/fuzz/corpus/imap-cmd/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" imap-cmd
