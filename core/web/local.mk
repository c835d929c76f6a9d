# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/web/: the web server on libmicrohttpd: HTTP and HTTPS listeners in
# four modes, TLS from tls/, mounts for modules, static files, the ACME
# webroot, web sessions.  libmicrohttpd, zlib, SQLite.  Includes lib/ ..
# store/ (config, tls, net's listeners, the directory's auth).

noinst_LTLIBRARIES += core/web/libhermod-web.la
core_web_libhermod_web_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_web_libhermod_web_la_CFLAGS = $(AM_CFLAGS) $(MHD_CFLAGS) $(GNUTLS_CFLAGS) $(ZLIB_CFLAGS) \
	$(SQLITE_CFLAGS)
core_web_libhermod_web_la_LIBADD = $(MHD_LIBS) $(GNUTLS_LIBS) $(ZLIB_LIBS) $(SQLITE_LIBS)
core_web_libhermod_web_la_SOURCES = \
	core/web/web.c core/web/web.h core/web/web-private.h core/web/web-settings.c \
	core/web/web-conn.c core/web/web-request.c core/web/web-response.c \
	core/web/web-mount.c core/web/web-static.c core/web/web-reqapi.c core/web/web-sse.c \
	core/web/web-auth.c core/web/web-session.c core/web/web-tlsio.c core/web/web-accept.c \
	core/web/web-reuse.c
EXTRA_DIST += core/web/README
