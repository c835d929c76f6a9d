#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the IMAP session fuzz target over tests/fuzz/corpus/imap-session/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" imap-session
