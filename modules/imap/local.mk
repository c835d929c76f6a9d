# SPDX-License-Identifier: GPL-2.0-or-later
#
# modules/imap/: the IMAP module.  Its protocol pieces (parser, mailbox-name
# codec) are a convenience library so that unit tests and fuzz targets link
# them without the module.

noinst_LTLIBRARIES += modules/imap/libimapproto.la
modules_imap_libimapproto_la_CFLAGS = $(HERMOD_MODULE_CC)
modules_imap_libimapproto_la_SOURCES = \
	modules/imap/parser.c modules/imap/parser.h \
	modules/imap/mutf7.c modules/imap/mutf7.h \
	modules/imap/seqset.c modules/imap/seqset.h

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
