#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the web request glue fuzz target over tests/fuzz/corpus/web-request/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" web-request
