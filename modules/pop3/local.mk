# SPDX-License-Identifier: GPL-2.0-or-later
# modules/pop3/: the POP3 module (RFC 1939, CAPA, STLS, SASL PLAIN), its
# unit tests on a fake core, its fuzz target and its integration test.
#
# The sources are listed once in POP3_SOURCES so that the unit tests
# (tests/unit/pop3) build the same files against a fake core.

POP3_SOURCES = \
	modules/pop3/pop3.h \
	modules/pop3/module.c \
	modules/pop3/session.c \
	modules/pop3/commands.c \
	modules/pop3/auth.c \
	modules/pop3/maildrop.c \
	modules/pop3/retr.c \
	modules/pop3/parser.c modules/pop3/parser.h

pkglib_LTLIBRARIES += modules/pop3.la
modules_pop3_la_SOURCES = $(POP3_SOURCES)
modules_pop3_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_pop3_la_CFLAGS = $(HERMOD_MODULE_CC)
modules_pop3_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_pop3_la_LIBADD = $(HERMOD_PROTO_LIB) $(GLIB_LIBS)

# Unit tests: the module's sources on an in-memory HermodApi + HermodMailApi.
check_LTLIBRARIES += tests/unit/pop3/libpop3fake.la
tests_unit_pop3_libpop3fake_la_SOURCES = $(POP3_SOURCES) $(FAKE_CORE) $(FAKE_STORE) \
	tests/unit/pop3/fake-pop3.c tests/unit/pop3/fake-pop3.h
tests_unit_pop3_libpop3fake_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS) -I$(top_srcdir)/modules/pop3 \
	-I$(top_srcdir)/tests/unit
tests_unit_pop3_libpop3fake_la_LIBADD = $(HERMOD_PROTO_LIB)
POP3_UNIT_LINK = tests/unit/pop3/libpop3fake.la $(GLIB_LIBS)
POP3_UNIT_CC = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/pop3 -I$(top_srcdir)/tests/unit/pop3 \
	-I$(top_srcdir)/tests/unit
TESTS += tests/unit/pop3/test-pop3
check_PROGRAMS += tests/unit/pop3/test-pop3
tests_unit_pop3_test_pop3_CPPFLAGS = $(POP3_UNIT_CC)
tests_unit_pop3_test_pop3_LDADD = $(POP3_UNIT_LINK)

# Fuzz target: grammar, dot-stuffing and sessions on the fake core (see
# tests/local.mk's fuzz block).
TESTS += tests/fuzz/corpus-pop3-cmd.sh
check_PROGRAMS += tests/fuzz/fuzz-pop3-cmd
tests_fuzz_fuzz_pop3_cmd_SOURCES = tests/fuzz/fuzz-pop3-cmd.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_pop3_cmd_CPPFLAGS = $(POP3_UNIT_CC)
tests_fuzz_fuzz_pop3_cmd_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_pop3_cmd_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_pop3_cmd_LDADD = $(POP3_UNIT_LINK)
EXTRA_DIST += tests/fuzz/corpus-pop3-cmd.sh tests/fuzz/corpus/pop3-cmd

# Integration: poplib, curl and fetchmail against the real daemon.
TESTS += tests/integration/test-pop3.py
EXTRA_DIST += tests/integration/test-pop3.py
