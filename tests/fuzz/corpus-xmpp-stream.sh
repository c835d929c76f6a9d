#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the XMPP stream parser fuzz target over tests/fuzz/corpus/xmpp-stream/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" xmpp-stream
