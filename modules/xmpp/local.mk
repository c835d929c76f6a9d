# SPDX-License-Identifier: GPL-2.0-or-later
# modules/xmpp/: the XMPP client-to-server module (RFC 6120/6121, SASL
# PLAIN and SCRAM, carbons, archive) on the core's IM hub; its stream
# parser's fuzz target and its integration tests (slixmpp).
#
# The XML stream parser (xml-stream.c, node.c) has no HermodApi
# dependency and is listed apart so that the fuzz target links it alone.

XMPP_XML_SOURCES = \
	modules/xmpp/xml-stream.c modules/xmpp/xml-stream.h \
	modules/xmpp/node.c modules/xmpp/node.h

pkglib_LTLIBRARIES += modules/xmpp.la
modules_xmpp_la_SOURCES = $(XMPP_XML_SOURCES) \
	modules/xmpp/xmpp.h \
	modules/xmpp/module.c \
	modules/xmpp/session.c \
	modules/xmpp/sasl.c \
	modules/xmpp/iq.c \
	modules/xmpp/presence.c \
	modules/xmpp/message.c \
	modules/xmpp/mam.c \
	modules/xmpp/jid.c
modules_xmpp_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_xmpp_la_CFLAGS = $(HERMOD_MODULE_CC) $(XML_CFLAGS)
modules_xmpp_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_xmpp_la_LIBADD = $(HERMOD_PROTO_LIB) $(GLIB_LIBS) $(XML_LIBS)

# Unit test: the stream parser alone.
TESTS += tests/unit/xmpp/test-xml-stream
check_PROGRAMS += tests/unit/xmpp/test-xml-stream
tests_unit_xmpp_test_xml_stream_SOURCES = tests/unit/xmpp/test-xml-stream.c $(XMPP_XML_SOURCES)
tests_unit_xmpp_test_xml_stream_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/xmpp
tests_unit_xmpp_test_xml_stream_CFLAGS = $(AM_CFLAGS) $(XML_CFLAGS)
tests_unit_xmpp_test_xml_stream_LDADD = $(GLIB_LIBS) $(XML_LIBS)

# Unit tests: the module's sources on the fake core with a fake IM hub.
XMPP_MODULE_SOURCES = $(modules_xmpp_la_SOURCES)
check_LTLIBRARIES += tests/unit/xmpp/libxmppfake.la
tests_unit_xmpp_libxmppfake_la_SOURCES = $(XMPP_MODULE_SOURCES) $(FAKE_CORE) \
	tests/unit/xmpp/fake-xmpp.c tests/unit/xmpp/fake-xmpp.h
tests_unit_xmpp_libxmppfake_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS) -I$(top_srcdir)/modules/xmpp \
	-I$(top_srcdir)/tests/unit
tests_unit_xmpp_libxmppfake_la_CFLAGS = $(AM_CFLAGS) $(XML_CFLAGS)
tests_unit_xmpp_libxmppfake_la_LIBADD = $(HERMOD_PROTO_LIB) $(XML_LIBS)
XMPP_UNIT_LINK = tests/unit/xmpp/libxmppfake.la $(GLIB_LIBS)
XMPP_UNIT_CC = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/xmpp -I$(top_srcdir)/tests/unit/xmpp \
	-I$(top_srcdir)/tests/unit
TESTS += tests/unit/xmpp/test-xmpp-session
check_PROGRAMS += tests/unit/xmpp/test-xmpp-session
tests_unit_xmpp_test_xmpp_session_CPPFLAGS = $(XMPP_UNIT_CC)
tests_unit_xmpp_test_xmpp_session_LDADD = $(XMPP_UNIT_LINK)

# Fuzz target: the stream parser with its limits (see tests/local.mk's
# fuzz block).
TESTS += tests/fuzz/corpus-xmpp-stream.sh
check_PROGRAMS += tests/fuzz/fuzz-xmpp-stream
tests_fuzz_fuzz_xmpp_stream_SOURCES = tests/fuzz/fuzz-xmpp-stream.c $(XMPP_XML_SOURCES) \
	$(FUZZ_DRIVER)
tests_fuzz_fuzz_xmpp_stream_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/xmpp
tests_fuzz_fuzz_xmpp_stream_CFLAGS = $(AM_CFLAGS) $(XML_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_xmpp_stream_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_xmpp_stream_LDADD = $(GLIB_LIBS) $(XML_LIBS)
EXTRA_DIST += tests/fuzz/corpus-xmpp-stream.sh tests/fuzz/corpus/xmpp-stream

# Fuzz target: whole sessions of the module on the fake core and hub.
TESTS += tests/fuzz/corpus-xmpp-session.sh
check_PROGRAMS += tests/fuzz/fuzz-xmpp-session
tests_fuzz_fuzz_xmpp_session_SOURCES = tests/fuzz/fuzz-xmpp-session.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_xmpp_session_CPPFLAGS = $(XMPP_UNIT_CC)
tests_fuzz_fuzz_xmpp_session_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_xmpp_session_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_xmpp_session_LDADD = $(XMPP_UNIT_LINK)
EXTRA_DIST += tests/fuzz/corpus-xmpp-session.sh tests/fuzz/corpus/xmpp-session

# Integration: slixmpp and profanity against the real daemon, and XMPP
# meeting the webmail's IM API (modules/webim) in the hub.
TESTS += tests/integration/test-xmpp.py tests/integration/test-xmpp-webim.py
EXTRA_DIST += tests/integration/test-xmpp.py tests/integration/test-xmpp-webim.py \
	tests/integration/xmpptest.py
