#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the SEM file fuzz target over tests/fuzz/corpus/sem-parse/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" sem-parse
