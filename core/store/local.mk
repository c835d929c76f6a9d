# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/store/: each account's mail store: the SQLite index (FTS5) and the
# immutable message files, watches for IDLE.  SQLite, GMime.

noinst_LTLIBRARIES += core/store/libhermod-store.la
core_store_libhermod_store_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_store_libhermod_store_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(GMIME_CFLAGS)
core_store_libhermod_store_la_LIBADD = $(SQLITE_LIBS) $(GMIME_LIBS)
core_store_libhermod_store_la_SOURCES = \
	core/store/store.c core/store/store.h core/store/store-private.h \
	core/store/store-append.c core/store/store-copy.c core/store/store-file.c \
	core/store/store-flags.c core/store/store-index.c core/store/store-mailbox.c \
	core/store/store-read.c core/store/store-search.c core/store/store-share.c \
	core/store/store-watch.c core/store/store-thread.c core/store/store-headers.c core/store/store-jmap.c core/store/store-page.c \
	core/store/store-record.c \
	core/store/store-blob.c core/store/store-vacation.c core/store/store-im.c core/store/store-im.h \
	core/store/store-dav.c core/store/store-dav.h core/store/store-dav-object.c core/store/store-reminder.c
EXTRA_DIST += core/store/README
