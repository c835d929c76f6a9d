#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the IMAP MIME fuzz target over tests/fuzz/corpus/imap-mime/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" imap-mime
