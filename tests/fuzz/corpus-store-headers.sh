#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the header block fuzz target over tests/fuzz/corpus/store-headers/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" store-headers
