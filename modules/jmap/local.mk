# SPDX-License-Identifier: GPL-2.0-or-later
#
# modules/jmap/: JMAP (RFC 8620, 8621) on the web core, over the mail
# store.  The request parser and result references are a convenience
# library so that the fuzz target links them without the module.

noinst_LTLIBRARIES += modules/jmap/libjmapproto.la
modules_jmap_libjmapproto_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_jmap_libjmapproto_la_CFLAGS = $(HERMOD_MODULE_CC) $(JSON_CFLAGS) $(GMIME_CFLAGS)
modules_jmap_libjmapproto_la_LIBADD = $(JSON_LIBS) $(GMIME_LIBS) $(GLIB_LIBS)
modules_jmap_libjmapproto_la_SOURCES = modules/jmap/request.c modules/jmap/request.h \
	modules/jmap/resultref.c modules/jmap/email-parse.c modules/jmap/email-header.c \
	modules/jmap/email-parse.h

pkglib_LTLIBRARIES += modules/jmap.la
modules_jmap_la_SOURCES = modules/jmap/module.c modules/jmap/jmap.h modules/jmap/jmap-http.h \
	modules/jmap/jmap-util.h modules/jmap/jmap-email.h modules/jmap/jmap-blob.h \
	modules/jmap/http.c modules/jmap/session.c modules/jmap/api.c modules/jmap/args.c \
	modules/jmap/ids.c modules/jmap/util.c modules/jmap/core.c \
	modules/jmap/mailbox.c modules/jmap/mailbox-set.c modules/jmap/thread.c \
	modules/jmap/email-get.c modules/jmap/email-query.c modules/jmap/email-set.c \
	modules/jmap/email-build.c \
	modules/jmap/blob.c modules/jmap/push.c modules/jmap/jmap-submit.h \
	modules/jmap/identity.c modules/jmap/submission.c modules/jmap/vacation.c \
	modules/jmap/email-import.c modules/jmap/snippet.c
modules_jmap_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_jmap_la_CFLAGS = $(HERMOD_MODULE_CC) $(GMIME_CFLAGS) $(JSON_CFLAGS)
modules_jmap_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_jmap_la_LIBADD = modules/jmap/libjmapproto.la $(GMIME_LIBS) $(JSON_LIBS) $(GLIB_LIBS)

# Fuzz targets: the request parser with result references, and the
# message view (tests/fuzz/fuzz-jmap-*.c).
TESTS += tests/fuzz/corpus-jmap-request.sh tests/fuzz/corpus-jmap-email.sh
check_PROGRAMS += tests/fuzz/fuzz-jmap-request tests/fuzz/fuzz-jmap-email
tests_fuzz_fuzz_jmap_request_SOURCES = tests/fuzz/fuzz-jmap-request.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_jmap_request_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules
tests_fuzz_fuzz_jmap_request_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_jmap_request_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_jmap_request_LDADD = modules/jmap/libjmapproto.la $(JSON_LIBS) $(GLIB_LIBS)
tests_fuzz_fuzz_jmap_email_SOURCES = tests/fuzz/fuzz-jmap-email.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_jmap_email_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules
tests_fuzz_fuzz_jmap_email_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(GMIME_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_jmap_email_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_jmap_email_LDADD = modules/jmap/libjmapproto.la $(GMIME_LIBS) $(JSON_LIBS) \
	$(GLIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus-jmap-request.sh tests/fuzz/corpus-jmap-email.sh \
	tests/fuzz/corpus/jmap-request tests/fuzz/corpus/jmap-email
