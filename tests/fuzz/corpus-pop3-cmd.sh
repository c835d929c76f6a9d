#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the POP3 command fuzz target over tests/fuzz/corpus/pop3-cmd/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" pop3-cmd
