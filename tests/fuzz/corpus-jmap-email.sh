#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the jmap-email fuzz target over tests/fuzz/corpus/jmap-email/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" jmap-email
