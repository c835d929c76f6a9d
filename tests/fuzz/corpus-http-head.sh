#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the image proxy's response-head fuzz target over
# tests/fuzz/corpus/http-head/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" http-head
