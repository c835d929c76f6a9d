#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the connection framing fuzz target over tests/fuzz/corpus/conn-framing/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" conn-framing
