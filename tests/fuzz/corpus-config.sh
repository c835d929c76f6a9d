#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the config fuzz target over tests/fuzz/corpus/config/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" config
