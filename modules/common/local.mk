# SPDX-License-Identifier: GPL-2.0-or-later
#
# modules/common/: libhermod-proto, the code the protocol modules share
# (SASL responses and PLAIN, wiping secrets, a message's bytes from any 1.x
# core).  Compiled with the modules' flags (plugin-api/ only, hidden
# visibility) and linked into each module, which still exports only its
# descriptor (tests/abi/check-exports.sh).  Modules include it by folder:
# #include "common/sasl-plain.h" (HERMOD_MODULE_CPPFLAGS).

noinst_LTLIBRARIES += modules/common/libhermod-proto.la
modules_common_libhermod_proto_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_common_libhermod_proto_la_CFLAGS = $(HERMOD_MODULE_CC)
modules_common_libhermod_proto_la_LIBADD = $(GLIB_LIBS)
modules_common_libhermod_proto_la_SOURCES = \
	modules/common/wipe.c modules/common/wipe.h \
	modules/common/sasl-plain.c modules/common/sasl-plain.h \
	modules/common/message-bytes.c modules/common/message-bytes.h
HERMOD_PROTO_LIB = modules/common/libhermod-proto.la
EXTRA_DIST += modules/common/README

# Unit tests: the library alone, no fake core needed.
PROTO_UNIT_TESTS = tests/unit/common/test-sasl-plain tests/unit/common/test-message-bytes
TESTS += $(PROTO_UNIT_TESTS)
check_PROGRAMS += $(PROTO_UNIT_TESTS)
tests_unit_common_test_sasl_plain_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
tests_unit_common_test_sasl_plain_LDADD = $(HERMOD_PROTO_LIB) $(GLIB_LIBS)
tests_unit_common_test_message_bytes_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
tests_unit_common_test_message_bytes_LDADD = $(HERMOD_PROTO_LIB) $(GLIB_LIBS)
