#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the SMTP command fuzz target over tests/fuzz/corpus/smtp-cmd/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" smtp-cmd
