#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# make check: the XMPP session fuzz target over tests/fuzz/corpus/xmpp-session/.
exec "$HERMOD_SRCDIR/tests/fuzz/run-corpus" xmpp-session
