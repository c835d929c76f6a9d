# SPDX-License-Identifier: GPL-2.0-or-later
#
# modules/imap/: the IMAP module.  Its protocol pieces (parser, mailbox-name
# codec) are a convenience library so that unit tests and fuzz targets link
# them without the module.

noinst_LTLIBRARIES += modules/imap/libimapproto.la
modules_imap_libimapproto_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_imap_libimapproto_la_CFLAGS = $(HERMOD_MODULE_CC) $(GMIME_CFLAGS)
modules_imap_libimapproto_la_LIBADD = $(HERMOD_PROTO_LIB) $(GMIME_LIBS)
modules_imap_libimapproto_la_SOURCES = \
	modules/imap/parser.c modules/imap/parser.h \
	modules/imap/mutf7.c modules/imap/mutf7.h \
	modules/imap/seqset.c modules/imap/seqset.h
# FETCH / SEARCH / SORT / THREAD (imapfetch)
modules_imap_libimapproto_la_SOURCES += \
	modules/imap/fetch.h modules/imap/search.h modules/imap/sort.h modules/imap/thread.h \
	modules/imap/mime.c modules/imap/mime.h \
	modules/imap/quote.c modules/imap/quote.h \
	modules/imap/envelope.c modules/imap/envelope.h \
	modules/imap/addr-phrase.c modules/imap/addr-phrase.h \
	modules/imap/bodystructure.c modules/imap/bodystructure.h \
	modules/imap/section.c modules/imap/section.h \
	modules/imap/binary.c modules/imap/binary.h \
	modules/imap/msgdata.c modules/imap/msgdata.h \
	modules/imap/fetch-item.h modules/imap/fetch-spec.c modules/imap/fetch.c \
	modules/imap/search-key.h modules/imap/search-parse.c modules/imap/search-match.c \
	modules/imap/search-cache.c modules/imap/search-cache.h \
	modules/imap/search.c \
	modules/imap/subject.c modules/imap/subject.h \
	modules/imap/sortinfo.c modules/imap/sortinfo.h modules/imap/sort.c \
	modules/imap/thread-tree.c modules/imap/thread-tree.h modules/imap/thread.c

TESTS += tests/unit/imap/test-parser tests/unit/imap/test-mutf7 tests/unit/imap/test-seqset
check_PROGRAMS += tests/unit/imap/test-parser tests/unit/imap/test-mutf7 tests/unit/imap/test-seqset
tests_unit_imap_test_parser_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap
tests_unit_imap_test_parser_LDADD = modules/imap/libimapproto.la $(GLIB_LIBS)
tests_unit_imap_test_mutf7_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap
tests_unit_imap_test_mutf7_LDADD = modules/imap/libimapproto.la $(GLIB_LIBS)
tests_unit_imap_test_seqset_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap
tests_unit_imap_test_seqset_LDADD = modules/imap/libimapproto.la $(GLIB_LIBS)

# Fuzz target for the command parser (see tests/local.mk's fuzz block).
TESTS += tests/fuzz/corpus-imap-cmd.sh
check_PROGRAMS += tests/fuzz/fuzz-imap-cmd
tests_fuzz_fuzz_imap_cmd_SOURCES = tests/fuzz/fuzz-imap-cmd.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_imap_cmd_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap
tests_fuzz_fuzz_imap_cmd_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_cmd_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_cmd_LDADD = modules/imap/libimapproto.la $(GLIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus-imap-cmd.sh tests/fuzz/corpus/imap-cmd

# FETCH / SEARCH / SORT / THREAD tests (imapfetch); data in tests/data/imap.
IMAP_FETCH_TESTS = tests/unit/imap/test-envelope tests/unit/imap/test-bodystructure \
	tests/unit/imap/test-fetch tests/unit/imap/test-search tests/unit/imap/test-sort-thread
TESTS += $(IMAP_FETCH_TESTS)
check_PROGRAMS += $(IMAP_FETCH_TESTS)
IMAP_FETCH_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap -I$(top_srcdir)/tests/unit \
	-DIMAP_TEST_DATA=\"$(abs_top_srcdir)/tests/data/imap\"
IMAP_FETCH_TEST_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
IMAP_FETCH_TEST_LDADD = modules/imap/libimapproto.la $(GMIME_LIBS) $(GLIB_LIBS)
tests_unit_imap_test_envelope_SOURCES = tests/unit/imap/test-envelope.c tests/unit/imap/imap-test-util.h
tests_unit_imap_test_envelope_CPPFLAGS = $(IMAP_FETCH_TEST_CPPFLAGS)
tests_unit_imap_test_envelope_CFLAGS = $(IMAP_FETCH_TEST_CFLAGS)
tests_unit_imap_test_envelope_LDADD = $(IMAP_FETCH_TEST_LDADD)
tests_unit_imap_test_bodystructure_SOURCES = tests/unit/imap/test-bodystructure.c tests/unit/imap/imap-test-util.h
tests_unit_imap_test_bodystructure_CPPFLAGS = $(IMAP_FETCH_TEST_CPPFLAGS)
tests_unit_imap_test_bodystructure_CFLAGS = $(IMAP_FETCH_TEST_CFLAGS)
tests_unit_imap_test_bodystructure_LDADD = $(IMAP_FETCH_TEST_LDADD)
# FETCH / SEARCH / SORT on an INBOX of the shared fake store.
IMAP_FAKE = tests/unit/imap/mailbox-env.c tests/unit/imap/mailbox-env.h \
	tests/unit/imap/imap-test-util.h $(FAKE_CORE) $(FAKE_STORE)
tests_unit_imap_test_fetch_SOURCES = tests/unit/imap/test-fetch.c $(IMAP_FAKE)
tests_unit_imap_test_fetch_CPPFLAGS = $(IMAP_FETCH_TEST_CPPFLAGS)
tests_unit_imap_test_fetch_CFLAGS = $(IMAP_FETCH_TEST_CFLAGS)
tests_unit_imap_test_fetch_LDADD = $(IMAP_FETCH_TEST_LDADD)
tests_unit_imap_test_search_SOURCES = tests/unit/imap/test-search.c $(IMAP_FAKE)
tests_unit_imap_test_search_CPPFLAGS = $(IMAP_FETCH_TEST_CPPFLAGS)
tests_unit_imap_test_search_CFLAGS = $(IMAP_FETCH_TEST_CFLAGS)
tests_unit_imap_test_search_LDADD = $(IMAP_FETCH_TEST_LDADD)
tests_unit_imap_test_sort_thread_SOURCES = tests/unit/imap/test-sort-thread.c $(IMAP_FAKE)
tests_unit_imap_test_sort_thread_CPPFLAGS = $(IMAP_FETCH_TEST_CPPFLAGS)
tests_unit_imap_test_sort_thread_CFLAGS = $(IMAP_FETCH_TEST_CFLAGS)
tests_unit_imap_test_sort_thread_LDADD = $(IMAP_FETCH_TEST_LDADD)
EXTRA_DIST += tests/data/imap

# The module itself.  IMAP_SOURCES is listed once so that the unit tests
# (tests/unit/imap/test-session) build the same files against a fake core.
# One file per command (with its twins: SELECT/EXAMINE, COPY/MOVE, ...),
# named after it; args.c and msgop.c hold what several of them share.
IMAP_SOURCES = \
	modules/imap/session.h \
	modules/imap/module.c \
	modules/imap/session.c \
	modules/imap/output.c \
	modules/imap/selected.c \
	modules/imap/args.c \
	modules/imap/msgop.c modules/imap/msgop.h \
	modules/imap/cmd-capability.c modules/imap/cmd-noop.c modules/imap/cmd-logout.c \
	modules/imap/cmd-id.c modules/imap/cmd-namespace.c modules/imap/cmd-starttls.c \
	modules/imap/cmd-compress.c modules/imap/cmd-login.c \
	modules/imap/cmd-select.c modules/imap/cmd-create.c modules/imap/cmd-list.c \
	modules/imap/cmd-status.c modules/imap/cmd-append.c modules/imap/cmd-idle.c \
	modules/imap/cmd-quota.c \
	modules/imap/cmd-store.c modules/imap/cmd-copy.c modules/imap/cmd-expunge.c \
	modules/imap/cmd-close.c modules/imap/cmd-fetch.c modules/imap/cmd-search.c

pkglib_LTLIBRARIES += modules/imap.la
modules_imap_la_SOURCES = $(IMAP_SOURCES)
modules_imap_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_imap_la_CFLAGS = $(HERMOD_MODULE_CC) $(GMIME_CFLAGS)
modules_imap_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_imap_la_LIBADD = modules/imap/libimapproto.la $(GLIB_LIBS) $(GMIME_LIBS) $(ZLIB_LIBS)

# Session tests: the module's sources against a fake core and mail store.
check_LTLIBRARIES += tests/unit/imap/libimapfake.la
tests_unit_imap_libimapfake_la_SOURCES = $(IMAP_SOURCES) $(FAKE_CORE) \
	tests/unit/imap/fake-imap.c tests/unit/imap/fake-imap.h $(FAKE_STORE)
tests_unit_imap_libimapfake_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS) -I$(top_srcdir)/modules/imap \
	-I$(top_srcdir)/tests/unit
tests_unit_imap_libimapfake_la_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS)
tests_unit_imap_libimapfake_la_LIBADD = modules/imap/libimapproto.la $(GLIB_LIBS) $(GMIME_LIBS)
TESTS += tests/unit/imap/test-session
check_PROGRAMS += tests/unit/imap/test-session
tests_unit_imap_test_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap \
	-I$(top_srcdir)/tests/unit
tests_unit_imap_test_session_LDADD = tests/unit/imap/libimapfake.la $(GLIB_LIBS)
TESTS += tests/unit/imap/test-semantics
check_PROGRAMS += tests/unit/imap/test-semantics
tests_unit_imap_test_semantics_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap \
	-I$(top_srcdir)/tests/unit
tests_unit_imap_test_semantics_LDADD = tests/unit/imap/libimapfake.la $(GLIB_LIBS)
# COMPRESS and STARTTLS advertising (compress)
TESTS += tests/unit/imap/test-compress
check_PROGRAMS += tests/unit/imap/test-compress
tests_unit_imap_test_compress_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap \
	-I$(top_srcdir)/tests/unit
tests_unit_imap_test_compress_LDADD = tests/unit/imap/libimapfake.la $(GLIB_LIBS)

# Integration: the module in the real daemon, driven by Python's imaplib.
TESTS += tests/integration/test-imap.py tests/integration/test-imap-mail.py
EXTRA_DIST += tests/integration/test-imap.py tests/integration/test-imap-mail.py
TESTS += tests/integration/test-imap-conformance.py
EXTRA_DIST += tests/integration/test-imap-conformance.py

# Fuzz target for the message side of FETCH (imapfetch).
TESTS += tests/fuzz/corpus-imap-mime.sh
check_PROGRAMS += tests/fuzz/fuzz-imap-mime
tests_fuzz_fuzz_imap_mime_SOURCES = tests/fuzz/fuzz-imap-mime.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_imap_mime_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap
tests_fuzz_fuzz_imap_mime_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_mime_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_mime_LDADD = modules/imap/libimapproto.la $(GMIME_LIBS) $(GLIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus-imap-mime.sh tests/fuzz/corpus/imap-mime

# Fuzz target for FETCH and SEARCH arguments and sequence sets, parsed
# directly (imapfetch, seqset).
TESTS += tests/fuzz/corpus-imap-args.sh
check_PROGRAMS += tests/fuzz/fuzz-imap-args
tests_fuzz_fuzz_imap_args_SOURCES = tests/fuzz/fuzz-imap-args.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_imap_args_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap
tests_fuzz_fuzz_imap_args_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_args_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_args_LDADD = modules/imap/libimapproto.la $(GMIME_LIBS) $(GLIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus-imap-args.sh tests/fuzz/corpus/imap-args

# Fuzz target for whole sessions of the module on the fake core and store
# (the session tests' library above).
TESTS += tests/fuzz/corpus-imap-session.sh
check_PROGRAMS += tests/fuzz/fuzz-imap-session
tests_fuzz_fuzz_imap_session_SOURCES = tests/fuzz/fuzz-imap-session.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_imap_session_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imap \
	-I$(top_srcdir)/tests/unit -I$(top_srcdir)/tests/unit/imap
tests_fuzz_fuzz_imap_session_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_session_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_imap_session_LDADD = tests/unit/imap/libimapfake.la $(GLIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus-imap-session.sh tests/fuzz/corpus/imap-session
