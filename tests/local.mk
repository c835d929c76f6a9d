# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/: unit tests (GTest, TAP), integration tests (Python + real clients,
# TAP), fuzz targets (run over their corpus in make check; libFuzzer builds
# with --enable-fuzzing), ABI gate.

UNIT_LINK = core/libhermodcore.la
UNIT_CC = $(core_libhermodcore_la_CFLAGS)

# --- unit: core
# net: loops, work pool, connections, listeners
TESTS += tests/unit/core/test-loop
check_PROGRAMS += tests/unit/core/test-loop
tests_unit_core_test_loop_CFLAGS = $(UNIT_CC)
tests_unit_core_test_loop_LDADD = $(UNIT_LINK)

# config (config.c, config-value.c, [core] table)
TESTS += tests/unit/core/test-config
check_PROGRAMS += tests/unit/core/test-config
tests_unit_core_test_config_CFLAGS = $(UNIT_CC)
tests_unit_core_test_config_LDADD = $(UNIT_LINK)

# directory, auth, store
TESTS += tests/unit/core/test-directory
check_PROGRAMS += tests/unit/core/test-directory
tests_unit_core_test_directory_CFLAGS = $(UNIT_CC)
tests_unit_core_test_directory_LDADD = $(UNIT_LINK)

# --- unit: smtp

# --- integration
EXTRA_DIST += tests/integration/hermodtest.py

# --- fuzz
# Every target tests/fuzz/fuzz-NAME.c defines LLVMFuzzerTestOneInput.  By
# default it links tests/fuzz/standalone.c, and make check runs it once
# over each file of tests/fuzz/corpus/NAME/ (tests/fuzz/corpus-NAME.sh calls
# run-corpus).  With --enable-fuzzing (CC=clang) it links libFuzzer instead:
#   ./tests/fuzz/fuzz-NAME ../tests/fuzz/corpus/NAME
# (configure with CFLAGS=-fsanitize=fuzzer-no-link to instrument the core).
# A new target adds its program and wrapper like config below.
if FUZZING
FUZZ_DRIVER =
FUZZ_FLAGS = -fsanitize=fuzzer
else
FUZZ_DRIVER = tests/fuzz/standalone.c
FUZZ_FLAGS =
endif
FUZZ_CC = $(UNIT_CC) $(FUZZ_FLAGS)
FUZZ_LINK = $(UNIT_LINK)
EXTRA_DIST += tests/fuzz/run-corpus tests/fuzz/standalone.c

# config (config.c)
TESTS += tests/fuzz/corpus-config.sh
check_PROGRAMS += tests/fuzz/fuzz-config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CC)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LINK)
EXTRA_DIST += tests/fuzz/corpus-config.sh tests/fuzz/corpus/config

# --- abi
