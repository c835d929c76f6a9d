#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the DEFLATE input fuzz target over tests/fuzz/corpus/inflate/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" inflate
