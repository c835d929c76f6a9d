# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/net/: listeners, connections (TLS layer, DEFLATE, line framing),
# per-IP limits.  GnuTLS, zlib.  Knows nothing above it: the store and the
# directory hook in from above (hermod_conn_add_close_hook,
# hermod_conn_set_trust_check).

noinst_LTLIBRARIES += core/net/libhermod-net.la
core_net_libhermod_net_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_net_libhermod_net_la_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS) $(ZLIB_CFLAGS)
core_net_libhermod_net_la_LIBADD = $(GNUTLS_LIBS) $(ZLIB_LIBS)
core_net_libhermod_net_la_SOURCES = \
	core/net/conn.c core/net/conn.h core/net/conn-input.c core/net/conn-tls.c \
	core/net/conn-private.h core/net/conn-deflate.c core/net/conntrack.c \
	core/net/conntrack.h core/net/listener.c core/net/listener.h \
	core/net/net-settings.c
EXTRA_DIST += core/net/README
