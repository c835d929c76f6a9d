#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the DAV XML fuzz target over tests/fuzz/corpus/dav-xml/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" dav-xml
