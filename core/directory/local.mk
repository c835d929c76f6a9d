# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/directory/: domains, accounts, aliases, authentication and dynamic
# screening.  SQLite, libxcrypt, GnuTLS (SCRAM's PBKDF2 and HMAC).

noinst_LTLIBRARIES += core/directory/libhermod-directory.la
core_directory_libhermod_directory_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_directory_libhermod_directory_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(GNUTLS_CFLAGS)
core_directory_libhermod_directory_la_LIBADD = $(SQLITE_LIBS) $(LIBCRYPT_LIBS) $(GNUTLS_LIBS)
core_directory_libhermod_directory_la_SOURCES = \
	core/directory/directory.c core/directory/directory.h \
	core/directory/directory-private.h core/directory/directory-accounts.c \
	core/directory/directory-addr.c core/directory/directory-alias.c \
	core/directory/directory-screening.c core/directory/directory-scram.c \
	core/directory/directory-credcache.c \
	core/directory/auth-scram.c \
	core/directory/auth.c core/directory/auth.h core/directory/auth-async.c
EXTRA_DIST += core/directory/README
