# SPDX-License-Identifier: GPL-2.0-or-later
# modules/imsem/: IM-*.SEM semaphore files dropped by scripts, delivered
# through the IM hub (test-imsem.py; the parser: test-sem-parse,
# fuzz-sem-parse).

pkglib_LTLIBRARIES += modules/imsem.la
modules_imsem_la_SOURCES = modules/imsem/module.c modules/imsem/imsem.h \
	modules/imsem/drop.c modules/imsem/process.c \
	modules/imsem/sem-parse.c modules/imsem/sem-parse.h
modules_imsem_la_CFLAGS = $(HERMOD_MODULE_CC)
modules_imsem_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_imsem_la_LIBADD = $(GLIB_LIBS)

# The parser alone, as it is: its unit test and its fuzz target (see
# tests/local.mk's fuzz block).
SEM_PARSE = modules/imsem/sem-parse.c modules/imsem/sem-parse.h
TESTS += tests/unit/imsem/test-sem-parse
check_PROGRAMS += tests/unit/imsem/test-sem-parse
tests_unit_imsem_test_sem_parse_SOURCES = tests/unit/imsem/test-sem-parse.c $(SEM_PARSE)
tests_unit_imsem_test_sem_parse_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imsem
tests_unit_imsem_test_sem_parse_LDADD = $(GLIB_LIBS)
TESTS += tests/fuzz/corpus-sem-parse.sh
check_PROGRAMS += tests/fuzz/fuzz-sem-parse
tests_fuzz_fuzz_sem_parse_SOURCES = tests/fuzz/fuzz-sem-parse.c $(SEM_PARSE) $(FUZZ_DRIVER)
tests_fuzz_fuzz_sem_parse_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/imsem
tests_fuzz_fuzz_sem_parse_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_sem_parse_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_sem_parse_LDADD = $(GLIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus-sem-parse.sh tests/fuzz/corpus/sem-parse
