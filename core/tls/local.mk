# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/tls/: the certificate store (SNI, reload), certificate loading and
# generation.  GnuTLS.  Includes lib/ and config/.

noinst_LTLIBRARIES += core/tls/libhermod-tls.la
core_tls_libhermod_tls_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_tls_libhermod_tls_la_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS)
core_tls_libhermod_tls_la_LIBADD = $(GNUTLS_LIBS)
core_tls_libhermod_tls_la_SOURCES = \
	core/tls/tls.c core/tls/tls.h core/tls/tls-cert.c core/tls/tls-cert.h \
	core/tls/tls-load.c core/tls/certgen.c core/tls/certgen.h
EXTRA_DIST += core/tls/README
