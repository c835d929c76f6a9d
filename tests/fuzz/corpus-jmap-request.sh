#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the jmap-request fuzz target over tests/fuzz/corpus/jmap-request/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" jmap-request
