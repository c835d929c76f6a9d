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

# --- unit: smtp

# --- integration
EXTRA_DIST += tests/integration/hermodtest.py

# --- fuzz

# --- abi
