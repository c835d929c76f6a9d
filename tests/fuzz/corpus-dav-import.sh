#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the iCalendar/vCard import fuzz target over tests/fuzz/corpus/dav-import/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" dav-import
