# SPDX-License-Identifier: GPL-2.0-or-later
#
# tests/: unit tests (GTest, TAP), integration tests (Python + real clients,
# TAP), fuzz targets (run over their corpus in make check; libFuzzer builds
# with --enable-fuzzing), ABI gate.

UNIT_LINK = core/ctl/libhermod-ctl.la core/hermodd/libhermod-hermodd.la $(HERMOD_CORE_LIBS)
UNIT_CC = $(AM_CFLAGS) -I$(top_srcdir)/core -I$(top_srcdir)/tests/unit $(GNUTLS_CFLAGS) $(SQLITE_CFLAGS) $(GMIME_CFLAGS) \
	$(GMODULE_CFLAGS)

# --- unit: core
# The connection tests' client: loopback or socketpair, lines, TLS, filters.
SOCK_CLIENT = tests/unit/core/sock-client.c tests/unit/core/sock-client.h
# net: loops, work pool, connections, listeners
TESTS += tests/unit/core/test-loop
check_PROGRAMS += tests/unit/core/test-loop
tests_unit_core_test_loop_CFLAGS = $(UNIT_CC)
tests_unit_core_test_loop_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-conn
check_PROGRAMS += tests/unit/core/test-conn
tests_unit_core_test_conn_SOURCES = tests/unit/core/test-conn.c $(SOCK_CLIENT)
tests_unit_core_test_conn_CFLAGS = $(UNIT_CC)
tests_unit_core_test_conn_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-netaddr
check_PROGRAMS += tests/unit/core/test-netaddr
tests_unit_core_test_netaddr_CFLAGS = $(UNIT_CC)
tests_unit_core_test_netaddr_LDADD = $(UNIT_LINK)
# conn-deflate (COMPRESS=DEFLATE transform, conn_may_start_tls)
TESTS += tests/unit/core/test-conn-deflate
check_PROGRAMS += tests/unit/core/test-conn-deflate
tests_unit_core_test_conn_deflate_SOURCES = tests/unit/core/test-conn-deflate.c $(SOCK_CLIENT)
tests_unit_core_test_conn_deflate_CFLAGS = $(UNIT_CC) $(ZLIB_CFLAGS)
tests_unit_core_test_conn_deflate_LDADD = $(UNIT_LINK) $(ZLIB_LIBS)
TESTS += tests/integration/test-no-starttls.py
EXTRA_DIST += tests/integration/test-no-starttls.py
TESTS += tests/integration/test-imap-compress.py
EXTRA_DIST += tests/integration/test-imap-compress.py
# IM: semaphore files through imsem and the hub, hermodctl im
TESTS += tests/integration/test-imsem.py tests/integration/test-webim.py \
	tests/integration/test-im-panel.py
EXTRA_DIST += tests/integration/test-imsem.py tests/integration/test-webim.py \
	tests/integration/test-im-panel.py tests/integration/cdp.py tests/integration/webimtest.py \
	tests/integration/im-panel/index.html tests/integration/im-panel/harness.js
# ABI 1.2 keeps 1.1 modules: a descriptor claiming 1.1 passes the loader.
check_LTLIBRARIES += tests/abi/minor-1-1.la
tests_abi_minor_1_1_la_SOURCES = tests/abi/abi2-module.c
tests_abi_minor_1_1_la_CPPFLAGS = $(AM_CPPFLAGS) -DCLAIM_MAJOR=1 -DCLAIM_MINOR=1 \
	-DCLAIM_NAME='"minor-1-1"'
tests_abi_minor_1_1_la_CFLAGS = $(HERMOD_MODULE_CC)
tests_abi_minor_1_1_la_LDFLAGS = $(ABI_TEST_LINK)
tests_abi_minor_1_1_la_LIBADD = $(GLIB_LIBS)

# config (config.c, config-value.c, [core] table)
TESTS += tests/unit/core/test-config
check_PROGRAMS += tests/unit/core/test-config
tests_unit_core_test_config_CFLAGS = $(UNIT_CC)
tests_unit_core_test_config_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-privdrop
check_PROGRAMS += tests/unit/core/test-privdrop
tests_unit_core_test_privdrop_CFLAGS = $(UNIT_CC)
tests_unit_core_test_privdrop_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-module-api
check_PROGRAMS += tests/unit/core/test-module-api
tests_unit_core_test_module_api_CFLAGS = $(UNIT_CC)
tests_unit_core_test_module_api_LDADD = $(UNIT_LINK)

# directory, auth, store
EXTRA_DIST += tests/unit/tmpdir.h
TESTS += tests/unit/core/test-directory
check_PROGRAMS += tests/unit/core/test-directory
tests_unit_core_test_directory_CFLAGS = $(UNIT_CC)
tests_unit_core_test_directory_LDADD = $(UNIT_LINK) $(SQLITE_LIBS)
TESTS += tests/unit/core/test-directory-scram
check_PROGRAMS += tests/unit/core/test-directory-scram
tests_unit_core_test_directory_scram_CFLAGS = $(UNIT_CC) $(GNUTLS_CFLAGS)
tests_unit_core_test_directory_scram_LDADD = $(UNIT_LINK) $(GNUTLS_LIBS)
TESTS += tests/unit/core/test-store
check_PROGRAMS += tests/unit/core/test-store
tests_unit_core_test_store_CFLAGS = $(UNIT_CC)
tests_unit_core_test_store_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-store-imap
check_PROGRAMS += tests/unit/core/test-store-imap
tests_unit_core_test_store_imap_CFLAGS = $(UNIT_CC)
tests_unit_core_test_store_imap_LDADD = $(UNIT_LINK)
# a broken database is never "not found" or a short list (dbfault.h)
EXTRA_DIST += tests/unit/core/dbfault.h
TESTS += tests/unit/core/test-directory-faults
check_PROGRAMS += tests/unit/core/test-directory-faults
tests_unit_core_test_directory_faults_CFLAGS = $(UNIT_CC)
tests_unit_core_test_directory_faults_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-store-faults
check_PROGRAMS += tests/unit/core/test-store-faults
tests_unit_core_test_store_faults_CFLAGS = $(UNIT_CC)
tests_unit_core_test_store_faults_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-store-watch
check_PROGRAMS += tests/unit/core/test-store-watch
tests_unit_core_test_store_watch_SOURCES = tests/unit/core/test-store-watch.c $(SOCK_CLIENT)
tests_unit_core_test_store_watch_CFLAGS = $(UNIT_CC)
tests_unit_core_test_store_watch_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-im
check_PROGRAMS += tests/unit/core/test-im
tests_unit_core_test_im_CFLAGS = $(UNIT_CC)
tests_unit_core_test_im_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-store-commit
check_PROGRAMS += tests/unit/core/test-store-commit
tests_unit_core_test_store_commit_CFLAGS = $(UNIT_CC)
tests_unit_core_test_store_commit_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-auth
check_PROGRAMS += tests/unit/core/test-auth
tests_unit_core_test_auth_CFLAGS = $(UNIT_CC)
tests_unit_core_test_auth_LDADD = $(UNIT_LINK)
TESTS += tests/unit/core/test-auth-async
check_PROGRAMS += tests/unit/core/test-auth-async
tests_unit_core_test_auth_async_CFLAGS = $(UNIT_CC)
tests_unit_core_test_auth_async_LDADD = $(UNIT_LINK)

# the mail store table (HermodMailApi) through the table
TESTS += tests/unit/core/test-mailapi
check_PROGRAMS += tests/unit/core/test-mailapi
tests_unit_core_test_mailapi_SOURCES = tests/unit/core/test-mailapi.c $(SOCK_CLIENT)
tests_unit_core_test_mailapi_CFLAGS = $(UNIT_CC)
tests_unit_core_test_mailapi_LDADD = $(UNIT_LINK)

# --- unit: core/tls, certgen
TESTS += tests/unit/core/test-certgen tests/unit/core/test-tls tests/unit/core/test-tls-load
check_PROGRAMS += tests/unit/core/test-certgen tests/unit/core/test-tls \
	tests/unit/core/test-tls-load
tests_unit_core_test_certgen_CFLAGS = $(UNIT_CC)
tests_unit_core_test_certgen_LDADD = $(UNIT_LINK)
tests_unit_core_test_tls_CFLAGS = $(UNIT_CC)
tests_unit_core_test_tls_LDADD = $(UNIT_LINK)
tests_unit_core_test_tls_load_CFLAGS = $(UNIT_CC)
tests_unit_core_test_tls_load_LDADD = $(UNIT_LINK)

# message submission, outbound queue, SMTP client, DSN (against aiosmtpd)
TESTS += tests/unit/core/test-queue tests/unit/core/test-message \
	tests/unit/core/test-queue-route
check_PROGRAMS += tests/unit/core/test-queue tests/unit/core/test-message \
	tests/unit/core/test-queue-route
tests_unit_core_test_queue_SOURCES = tests/unit/core/test-queue.c \
	tests/unit/core/queue-peer.c tests/unit/core/queue-peer.h
tests_unit_core_test_queue_CFLAGS = $(UNIT_CC)
tests_unit_core_test_queue_LDADD = $(UNIT_LINK)
tests_unit_core_test_message_SOURCES = tests/unit/core/test-message.c \
	tests/unit/core/queue-peer.c tests/unit/core/queue-peer.h
tests_unit_core_test_message_CFLAGS = $(UNIT_CC)
tests_unit_core_test_message_LDADD = $(UNIT_LINK)
tests_unit_core_test_queue_route_CFLAGS = $(UNIT_CC)
tests_unit_core_test_queue_route_LDADD = $(UNIT_LINK)
EXTRA_DIST += tests/unit/core/smtp-peer.py

# --- unit: the one fake core (an in-memory HermodApi) of the unit tests:
# the protocol modules' (smtp, imap, pop3; each adds its own part in
# tests/unit/PROTO/), the FETCH/SEARCH tests' and the loader's (abi below).
FAKE_CORE = tests/unit/fake-core.c tests/unit/fake-core.h
# The one fake mail store (an in-memory HermodMailApi) of the imap and pop3
# tests, full or as an older core's shorter table.
FAKE_STORE = tests/unit/fake-store.c tests/unit/fake-store-api.c tests/unit/fake-store.h \
	tests/unit/fake-store-private.h tests/unit/tmpdir.h

# --- unit: smtp
# The module's sources against an in-memory fake core (no libhermodcore:
# the module must not need it).
check_LTLIBRARIES += tests/unit/smtp/libsmtpfake.la
tests_unit_smtp_libsmtpfake_la_SOURCES = $(SMTP_SOURCES) $(FAKE_CORE) \
	tests/unit/smtp/fake-smtp.c tests/unit/smtp/fake-smtp.h
tests_unit_smtp_libsmtpfake_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS) -I$(top_srcdir)/modules/smtp \
	-I$(top_srcdir)/tests/unit
tests_unit_smtp_libsmtpfake_la_LIBADD = $(HERMOD_PROTO_LIB)
SMTP_UNIT_LINK = tests/unit/smtp/libsmtpfake.la $(GLIB_LIBS)
SMTP_UNIT_CC = $(AM_CPPFLAGS) -I$(top_srcdir)/modules/smtp -I$(top_srcdir)/tests/unit
SMTP_UNIT_TESTS = tests/unit/smtp/test-smtp-parser tests/unit/smtp/test-smtp-session \
	tests/unit/smtp/test-smtp-data tests/unit/smtp/test-smtp-auth
TESTS += $(SMTP_UNIT_TESTS)
check_PROGRAMS += $(SMTP_UNIT_TESTS)
tests_unit_smtp_test_smtp_parser_CPPFLAGS = $(SMTP_UNIT_CC)
tests_unit_smtp_test_smtp_parser_LDADD = $(SMTP_UNIT_LINK)
tests_unit_smtp_test_smtp_session_CPPFLAGS = $(SMTP_UNIT_CC)
tests_unit_smtp_test_smtp_session_LDADD = $(SMTP_UNIT_LINK)
tests_unit_smtp_test_smtp_data_CPPFLAGS = $(SMTP_UNIT_CC)
tests_unit_smtp_test_smtp_data_LDADD = $(SMTP_UNIT_LINK)
tests_unit_smtp_test_smtp_auth_CPPFLAGS = $(SMTP_UNIT_CC)
tests_unit_smtp_test_smtp_auth_LDADD = $(SMTP_UNIT_LINK)

# --- integration
# Python scripts that start hermodd on free loopback ports and drive it with
# real clients; hermodtest.py is their harness (TAP, bounded, temp folders).
EXTRA_DIST += tests/integration/hermodtest.py tests/integration/storecheck.py
# hermodctl domain, user, alias, mail (store)
TESTS += tests/integration/test-ctl-store.py
EXTRA_DIST += tests/integration/test-ctl-store.py
# hermodd start-up, reload, shutdown; hermodctl usage (config)
TESTS += tests/integration/test-daemon.py
EXTRA_DIST += tests/integration/test-daemon.py
# end to end with real clients: config, MX, submission, outbound, SNI, crash (itest)
TESTS += tests/integration/test-config.py tests/integration/test-smtp-mx.py \
	tests/integration/test-smtp-submission.py tests/integration/test-smtp-outbound.py \
	tests/integration/test-tls-sni.py tests/integration/test-crash.py
EXTRA_DIST += tests/integration/test-config.py tests/integration/test-smtp-mx.py \
	tests/integration/test-smtp-submission.py tests/integration/test-smtp-outbound.py \
	tests/integration/test-tls-sni.py tests/integration/test-crash.py

# --- fuzz
# Every target tests/fuzz/fuzz-NAME.c defines LLVMFuzzerTestOneInput.  By
# default it links tests/fuzz/standalone.c, and make check runs it once
# over each file of tests/fuzz/corpus/NAME/ (tests/fuzz/corpus-NAME.sh calls
# run-corpus).  With --enable-fuzzing (CC=clang) it links libFuzzer instead:
#   ./tests/fuzz/fuzz-NAME ../tests/fuzz/corpus/NAME
# (configure with CFLAGS=-fsanitize=fuzzer-no-link to instrument the core).
# A new target adds its program and wrapper like config below.  Long runs:
# TMPDIR on a tmpfs for imap-session (its fake store writes files), and
# ASAN_OPTIONS=quarantine_size_mb=8 for conn-framing and inflate (zlib's
# large buffers otherwise cost a page fault each).  tests/fuzz/make-corpora.py
# regenerates the captured seeds (cap-*) from a build tree's hermodd.
if FUZZING
FUZZ_DRIVER =
FUZZ_FLAGS = -fsanitize=fuzzer
else
FUZZ_DRIVER = tests/fuzz/standalone.c
FUZZ_FLAGS =
endif
FUZZ_CC = $(UNIT_CC) $(FUZZ_FLAGS)
FUZZ_LINK = $(UNIT_LINK)
EXTRA_DIST += tests/fuzz/run-corpus tests/fuzz/standalone.c tests/fuzz/make-corpora.py

# config (config.c)
TESTS += tests/fuzz/corpus-config.sh
check_PROGRAMS += tests/fuzz/fuzz-config
tests_fuzz_fuzz_config_SOURCES = tests/fuzz/fuzz-config.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_config_CFLAGS = $(FUZZ_CC)
tests_fuzz_fuzz_config_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_config_LDADD = $(FUZZ_LINK)
EXTRA_DIST += tests/fuzz/corpus-config.sh tests/fuzz/corpus/config

# store-headers (core/store: the header block scan, the header summary)
TESTS += tests/fuzz/corpus-store-headers.sh
check_PROGRAMS += tests/fuzz/fuzz-store-headers
tests_fuzz_fuzz_store_headers_SOURCES = tests/fuzz/fuzz-store-headers.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_store_headers_CFLAGS = $(FUZZ_CC)
tests_fuzz_fuzz_store_headers_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_store_headers_LDADD = $(FUZZ_LINK)
EXTRA_DIST += tests/fuzz/corpus-store-headers.sh tests/fuzz/corpus/store-headers

# smtp-cmd (modules/smtp: parser, From scanner, sessions on the fake core)
TESTS += tests/fuzz/corpus-smtp-cmd.sh
check_PROGRAMS += tests/fuzz/fuzz-smtp-cmd
tests_fuzz_fuzz_smtp_cmd_SOURCES = tests/fuzz/fuzz-smtp-cmd.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_smtp_cmd_CPPFLAGS = $(SMTP_UNIT_CC) -I$(top_srcdir)/tests/unit/smtp
tests_fuzz_fuzz_smtp_cmd_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_smtp_cmd_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_smtp_cmd_LDADD = $(SMTP_UNIT_LINK)
EXTRA_DIST += tests/fuzz/corpus-smtp-cmd.sh tests/fuzz/corpus/smtp-cmd

# web-request (core/web: request target, Host, smuggling counts, MIME)
TESTS += tests/fuzz/corpus-web-request.sh
check_PROGRAMS += tests/fuzz/fuzz-web-request
tests_fuzz_fuzz_web_request_SOURCES = tests/fuzz/fuzz-web-request.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_web_request_CFLAGS = $(FUZZ_CC) $(MHD_CFLAGS)
tests_fuzz_fuzz_web_request_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_web_request_LDADD = $(FUZZ_LINK)
EXTRA_DIST += tests/fuzz/corpus-web-request.sh tests/fuzz/corpus/web-request

# conn-framing and inflate (core/net: conn-input.c, conn-deflate.c) on real
# connections over a socketpair (conn-harness.c: the client, the "frame"
# protocol, the model of the framing rules).
FUZZ_CONN = tests/fuzz/conn-harness.c tests/fuzz/conn-harness.h $(FUZZ_DRIVER)
TESTS += tests/fuzz/corpus-conn-framing.sh tests/fuzz/corpus-inflate.sh
check_PROGRAMS += tests/fuzz/fuzz-conn-framing tests/fuzz/fuzz-inflate
tests_fuzz_fuzz_conn_framing_SOURCES = tests/fuzz/fuzz-conn-framing.c $(FUZZ_CONN)
tests_fuzz_fuzz_conn_framing_CFLAGS = $(FUZZ_CC)
tests_fuzz_fuzz_conn_framing_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_conn_framing_LDADD = $(FUZZ_LINK)
tests_fuzz_fuzz_inflate_SOURCES = tests/fuzz/fuzz-inflate.c $(FUZZ_CONN)
tests_fuzz_fuzz_inflate_CFLAGS = $(FUZZ_CC) $(ZLIB_CFLAGS)
tests_fuzz_fuzz_inflate_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_inflate_LDADD = $(FUZZ_LINK) $(ZLIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus-conn-framing.sh tests/fuzz/corpus/conn-framing \
	tests/fuzz/corpus-inflate.sh tests/fuzz/corpus/inflate

# --- abi
# Test modules and the probe are shared objects though never installed:
# -rpath makes libtool build them as such instead of convenience archives.
ABI_TEST_LINK = $(HERMOD_MODULE_LINK) -rpath /nowhere
ABI_TEST_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/tests/abi -I$(top_srcdir)/tests/unit \
	-DHERMOD_TEST_BUILDDIR=\"$(abs_top_builddir)\"

# A module built against the frozen 1.0 headers only (not plugin-api/).
check_LTLIBRARIES += tests/abi/old-module.la
tests_abi_old_module_la_SOURCES = tests/abi/old-module.c
tests_abi_old_module_la_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir)/tests/abi/frozen-1.0
tests_abi_old_module_la_CFLAGS = $(HERMOD_MODULE_CC)
tests_abi_old_module_la_LDFLAGS = $(ABI_TEST_LINK)
tests_abi_old_module_la_LIBADD = $(GLIB_LIBS)

# Modules the loader must refuse: ABI 2.0, ABI 1.(minor+1), short descriptor,
# a bad settings table.
check_LTLIBRARIES += tests/abi/abi2.la tests/abi/future-minor.la tests/abi/short-struct.la
tests_abi_abi2_la_SOURCES = tests/abi/abi2-module.c
tests_abi_abi2_la_CFLAGS = $(HERMOD_MODULE_CC)
tests_abi_abi2_la_LDFLAGS = $(ABI_TEST_LINK)
tests_abi_abi2_la_LIBADD = $(GLIB_LIBS)
tests_abi_future_minor_la_SOURCES = tests/abi/abi2-module.c
tests_abi_future_minor_la_CPPFLAGS = $(AM_CPPFLAGS) -DCLAIM_MAJOR=HERMOD_ABI_MAJOR \
	-DCLAIM_MINOR='(HERMOD_ABI_MINOR + 1)' -DCLAIM_NAME='"future-minor"'
tests_abi_future_minor_la_CFLAGS = $(HERMOD_MODULE_CC)
tests_abi_future_minor_la_LDFLAGS = $(ABI_TEST_LINK)
tests_abi_future_minor_la_LIBADD = $(GLIB_LIBS)
tests_abi_short_struct_la_SOURCES = tests/abi/abi2-module.c
tests_abi_short_struct_la_CPPFLAGS = $(AM_CPPFLAGS) -DCLAIM_MAJOR=HERMOD_ABI_MAJOR \
	-DCLAIM_MINOR=0 -DCLAIM_SIZE=12 -DCLAIM_NAME='"short-struct"'
tests_abi_short_struct_la_CFLAGS = $(HERMOD_MODULE_CC)
tests_abi_short_struct_la_LDFLAGS = $(ABI_TEST_LINK)
tests_abi_short_struct_la_LIBADD = $(GLIB_LIBS)
check_LTLIBRARIES += tests/abi/bad-settings.la
tests_abi_bad_settings_la_SOURCES = tests/abi/abi2-module.c
tests_abi_bad_settings_la_CPPFLAGS = $(AM_CPPFLAGS) -DCLAIM_MAJOR=HERMOD_ABI_MAJOR \
	-DCLAIM_MINOR=0 -DCLAIM_NAME='"bad-settings"' -DCLAIM_BAD_SETTINGS
tests_abi_bad_settings_la_CFLAGS = $(HERMOD_MODULE_CC)
tests_abi_bad_settings_la_LDFLAGS = $(ABI_TEST_LINK)
tests_abi_bad_settings_la_LIBADD = $(GLIB_LIBS)

# The ABI probe, with debug info for abidw: against plugin-api/ and against
# the frozen 1.0 headers (same file name, so the same soname).
check_LTLIBRARIES += tests/abi/probe.la tests/abi/frozen-1.0/probe.la
tests_abi_probe_la_SOURCES = tests/abi/probe.c
tests_abi_probe_la_CFLAGS = $(HERMOD_MODULE_CC) -g
tests_abi_probe_la_LDFLAGS = $(ABI_TEST_LINK)
tests_abi_probe_la_LIBADD = $(GLIB_LIBS)
tests_abi_frozen_1_0_probe_la_SOURCES = tests/abi/probe.c
tests_abi_frozen_1_0_probe_la_CPPFLAGS = -I$(top_builddir) -I$(top_srcdir)/tests/abi/frozen-1.0
tests_abi_frozen_1_0_probe_la_CFLAGS = $(HERMOD_MODULE_CC) -g
tests_abi_frozen_1_0_probe_la_LDFLAGS = $(ABI_TEST_LINK)
tests_abi_frozen_1_0_probe_la_LIBADD = $(GLIB_LIBS)

# The loader tests run modules on the unit tests' fake core.
ABI_FAKE = $(FAKE_CORE) tests/abi/module-copy.h tests/unit/tmpdir.h

check_PROGRAMS += tests/unit/core/test-module
TESTS += tests/unit/core/test-module
tests_unit_core_test_module_SOURCES = tests/unit/core/test-module.c $(ABI_FAKE)
tests_unit_core_test_module_CPPFLAGS = $(ABI_TEST_CPPFLAGS)
tests_unit_core_test_module_CFLAGS = $(UNIT_CC)
tests_unit_core_test_module_LDADD = $(UNIT_LINK)

check_PROGRAMS += tests/abi/test-abi
TESTS += tests/abi/test-abi
tests_abi_test_abi_SOURCES = tests/abi/test-abi.c $(ABI_FAKE)
tests_abi_test_abi_CPPFLAGS = $(ABI_TEST_CPPFLAGS)
tests_abi_test_abi_CFLAGS = $(UNIT_CC)
tests_abi_test_abi_LDADD = $(UNIT_LINK)
EXTRA_tests_abi_test_abi_DEPENDENCIES = tests/abi/example/hello.so tests/abi/abi-env.sh

# The example module, built the way a third party builds it: install the
# headers, the guide and hermod.pc into a temporary prefix (the install
# rules make install runs for them), check that the guide landed beside the
# headers, copy the example's sources out of the tree, run its own Makefile
# with PKG_CONFIG_PATH pointing there.
ABI_EXAMPLE = $(srcdir)/plugin-api/examples/hello/hello.c \
	$(srcdir)/plugin-api/examples/hello/Makefile
tests/abi/example/hello.so: $(ABI_EXAMPLE) $(hermodinclude_HEADERS) $(hermodinclude_DATA) \
		$(srcdir)/plugin-api/hermod.pc.in
	$(AM_V_GEN)set -e; tmp=`mktemp -d`; trap 'rm -rf "$$tmp"' EXIT; \
	$(MAKE) $(AM_MAKEFLAGS) -s install-hermodincludeHEADERS install-hermodincludeDATA \
	    install-hermod-pc prefix="$$tmp/p" exec_prefix="$$tmp/p" libdir="$$tmp/p/lib" \
	    includedir="$$tmp/p/include" DESTDIR= >/dev/null; \
	test -f "$$tmp/p/include/hermod/hermod.h"; \
	test -f "$$tmp/p/include/hermod/GUIDE.md" || \
	    { echo "make install did not put GUIDE.md beside the headers" >&2; exit 1; }; \
	mkdir "$$tmp/src"; cp $(ABI_EXAMPLE) "$$tmp/src/"; \
	PKG_CONFIG_PATH="$$tmp/p/lib/pkgconfig" $(MAKE) -s -C "$$tmp/src" \
	    CC="$(CC)" CFLAGS="-O2 -g -Werror" PKG_CONFIG="$(PKG_CONFIG)" >/dev/null; \
	$(MKDIR_P) tests/abi/example; cp "$$tmp/src/hello.so" $@
CLEANFILES += tests/abi/example/hello.so

# Tools and paths for the shell tests of the ABI gate.
tests/abi/abi-env.sh: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/abi; { \
	echo "CC='$(CC)'"; echo "ABIDW='$(ABIDW)'"; echo "ABIDIFF='$(ABIDIFF)'"; \
	echo "PYTHON3='$(PYTHON3)'"; echo "GLIB_CFLAGS='$(GLIB_CFLAGS)'"; \
	echo "top_srcdir='$(abs_top_srcdir)'"; echo "top_builddir='$(abs_top_builddir)'"; \
	} > $@
CLEANFILES += tests/abi/abi-env.sh

# abidiff against the committed baselines, append-only guard, frozen headers.
TESTS += tests/abi/check-abi.sh tests/abi/test-append-only.sh tests/abi/check-exports.sh
EXTRA_DIST += tests/abi/check-abi.sh tests/abi/test-append-only.sh tests/abi/check-exports.sh \
	tests/abi/check-append-only tests/abi/update-baseline tests/abi/hermod-abi-1.0.xml \
	tests/abi/hermod-abi-1.1.xml tests/abi/hermod-abi-1.2.xml tests/abi/hermod-abi-1.3.xml \
	tests/abi/hermod-abi-1.4.xml tests/abi/hermod-abi-1.5.xml \
	tests/abi/hermod-abi-1.6.xml tests/abi/hermod-abi-1.7.xml tests/abi/hermod-abi-1.8.xml \
	tests/abi/hermod-abi-1.9.xml tests/abi/hermod-abi-1.10.xml tests/abi/hermod-abi-1.11.xml \
	tests/abi/hermod-abi-1.12.xml tests/abi/hermod-abi-1.13.xml \
	tests/abi/hermod-abi-1.14.xml tests/abi/hermod-abi-1.15.xml

# hermodd loads the example module and talks over TCP; refuses a group-
# writable module and an ABI 2.0 one.
TESTS += tests/integration/test-module-hello.py
EXTRA_DIST += tests/integration/test-module-hello.py

# After bumping HERMOD_ABI_MINOR (append) or HERMOD_ABI_MAJOR (anything else):
# write tests/abi/hermod-abi-MAJOR.MINOR.xml from the probe.
.PHONY: update-abi-baseline
update-abi-baseline: tests/abi/probe.la tests/abi/abi-env.sh
	$(SHELL) $(srcdir)/tests/abi/update-baseline tests/abi/.libs/probe.so

EXTRA_DIST += tests/abi/frozen-1.0/hermod/hermod.h tests/abi/frozen-1.0/hermod/version.h \
	tests/abi/frozen-1.0/hermod/setting.h tests/abi/frozen-1.0/hermod/protocol.h \
	tests/abi/frozen-1.0/hermod/module.h tests/abi/frozen-1.0/hermod/api.h

# --- integration: round trips and concurrency
# SMTP -> IMAP/POP3 byte-exact round trips (HERMOD_TEST_BIG_MB sets the
# attachment size, default 10).
TESTS += tests/integration/test-roundtrip.py
EXTRA_DIST += tests/integration/test-roundtrip.py
# A 50 MB message streamed to slow IMAP/POP3 readers, hermodd's memory
# checked (HERMOD_TEST_HUGE_MB; 16 and no memory checks under ASan).
TESTS += tests/integration/test-bigstream.py
EXTRA_DIST += tests/integration/test-bigstream.py
# IDLE wake-ups, two IMAP sessions on one mailbox, POP3 beside IMAP, rev1/rev2.
TESTS += tests/integration/test-imap-concurrency.py
EXTRA_DIST += tests/integration/test-imap-concurrency.py
# A quota set with hermodctl while hermodd runs: GETQUOTAROOT, APPEND and
# COPY answer NO [OVERQUOTA], SMTP 452 4.2.2, nothing refused is stored.
TESTS += tests/integration/test-quota.py
EXTRA_DIST += tests/integration/test-quota.py
# Databases broken while hermodd runs: RCPT 451 4.3.0 (not 550), IMAP
# NO [UNAVAILABLE], POP3 -ERR [SYS/TEMP], and all well again after the repair.
TESTS += tests/integration/test-db-faults.py
EXTRA_DIST += tests/integration/test-db-faults.py

# --- integration: sync clients
# Real clients against hermodd: mbsync pulls and pushes a large mailbox
# (HERMOD_SYNC_MESSAGES, default 10000, 2000 under ASan) and a folder
# hierarchy; mutt sends through submission and reads over IMAPS on a pty;
# curl's imap:// and imaps:// URLs (LIST, UID fetch, SEARCH, APPEND,
# STARTTLS).  Each skips only when its client is not installed.
TESTS += tests/integration/test-mbsync.py tests/integration/test-mutt.py \
	tests/integration/test-curl-imap.py
EXTRA_DIST += tests/integration/test-mbsync.py tests/integration/test-mutt.py \
	tests/integration/test-curl-imap.py

# IMAP SEARCH BODY/TEXT right after a burst of SMTP deliveries, before the
# search indexer (which waits for the burst to end) has run.
TESTS += tests/integration/test-search-fresh.py
EXTRA_DIST += tests/integration/test-search-fresh.py

# --- integration: the web server (core/web/) with curl, openssl s_client,
# gnutls-cli and Python's http.client; webtest.py is their shared part.
EXTRA_DIST += tests/integration/webtest.py
# webprobe: a module that drives every member of HermodWebApi (test-web-api.py).
check_LTLIBRARIES += tests/modules/webprobe.la
tests_modules_webprobe_la_SOURCES = tests/modules/webprobe.c
tests_modules_webprobe_la_CFLAGS = $(HERMOD_MODULE_CC)
tests_modules_webprobe_la_LDFLAGS = $(ABI_TEST_LINK)
tests_modules_webprobe_la_LIBADD = $(GLIB_LIBS)
TESTS += tests/integration/test-web-api.py tests/integration/test-web-modules.py
EXTRA_DIST += tests/integration/test-web-api.py tests/integration/test-web-modules.py
TESTS += tests/integration/test-web-modes.py tests/integration/test-web-tls.py \
	tests/integration/test-web-http.py tests/integration/test-web-handshake.py
EXTRA_DIST += tests/integration/test-web-modes.py tests/integration/test-web-tls.py \
	tests/integration/test-web-http.py tests/integration/test-web-handshake.py

# --- layers: core/'s include rules and "modules see only plugin-api/"
TESTS += tests/layers/test-layers.sh
EXTRA_DIST += tests/layers/test-layers.sh tests/layers/check-layers tests/layers/layers.txt
check_DATA = tests/layers/layers-env.sh
tests/layers/layers-env.sh: Makefile
	$(AM_V_GEN)$(MKDIR_P) tests/layers; { \
	echo "CC='$(CC)'"; echo "PYTHON3='$(PYTHON3)'"; \
	echo "MODULE_CPPFLAGS='$(AM_CPPFLAGS)'"; echo "MODULE_CFLAGS='$(HERMOD_MODULE_CC)'"; \
	echo "top_srcdir='$(abs_top_srcdir)'"; echo "top_builddir='$(abs_top_builddir)'"; \
	} > $@
CLEANFILES += tests/layers/layers-env.sh

# --- SMTP conformance regressions (Received folding, bare Postmaster)
TESTS += tests/integration/test-smtp-conformance.py
EXTRA_DIST += tests/integration/test-smtp-conformance.py
# IMAP ENVELOPE strings are the raw header text (imaplib)
TESTS += tests/integration/test-imap-envelope.py
EXTRA_DIST += tests/integration/test-imap-envelope.py
# Slow clients (line_timeout, data_min_rate) answered and closed
TESTS += tests/integration/test-slow-clients.py
EXTRA_DIST += tests/integration/test-slow-clients.py
# Dynamic screening across protocols and restarts
TESTS += tests/integration/test-screening.py
EXTRA_DIST += tests/integration/test-screening.py
# Connection caps: refused clients told why; only live connections count
TESTS += tests/integration/test-conn-limits.py
EXTRA_DIST += tests/integration/test-conn-limits.py

# --- packaging: hermodctl config show, man pages, systemd, install
TESTS += tests/integration/test-ctl-config.py
EXTRA_DIST += tests/integration/test-ctl-config.py
# The generated manual pages: man --warnings, every key, command, option.
TESTS += tests/man/check-man.sh
EXTRA_DIST += tests/man/check-man.sh
# sd_notify, SIGUSR1 log reopen, logrotate, systemd-analyze verify/security
TESTS += tests/integration/test-systemd.py
EXTRA_DIST += tests/integration/test-systemd.py
# hermodctl import maildir|mbox|imap (a private Dovecot when root)
TESTS += tests/integration/test-import.py
EXTRA_DIST += tests/integration/test-import.py
# make distcheck: what the tests need that no rule above ships
EXTRA_DIST += tests/run-unit
# hermodctl cert create reloads a running hermodd (pid_file)
TESTS += tests/integration/test-cert-reload.py
EXTRA_DIST += tests/integration/test-cert-reload.py

# JMAP (modules/jmap): conformance with http.client (test-jmap.py), push
# and cross-protocol (test-jmap-push.py), submission, identities and
# vacation (test-jmap-submit.py), the v5 -> v6 store upgrade
# (test-jmap-upgrade.py), the paged Email/query against the general one
# (test-jmap-page.py), identities and submissions kept in the store across
# restarts and SIGKILL (test-jmap-identity.py), and jmap-jam from npm (test-jmap-client.py).
EXTRA_DIST += tests/integration/jmaptest.py
TESTS += tests/integration/test-jmap.py tests/integration/test-jmap-submit.py \
	tests/integration/test-jmap-push.py tests/integration/test-jmap-upgrade.py \
	tests/integration/test-jmap-client.py tests/integration/test-jmap-page.py \
	tests/integration/test-jmap-identity.py
EXTRA_DIST += tests/integration/test-jmap-page.py tests/integration/test-jmap-identity.py
EXTRA_DIST += tests/integration/test-jmap.py tests/integration/test-jmap-submit.py \
	tests/integration/test-jmap-push.py tests/integration/test-jmap-upgrade.py \
	tests/integration/test-jmap-client.py tests/jmap-client/package.json \
	tests/jmap-client/package-lock.json tests/jmap-client/jam-test.mjs
# --- integration: CalDAV/CardDAV (modules/dav)
TESTS += tests/integration/test-dav.py tests/integration/test-dav-access.py \
	tests/integration/test-dav-clients.py tests/integration/test-dav-recurrence.py \
	tests/integration/test-dav-schedule.py tests/integration/test-dav-litmus.py \
	tests/integration/test-dav-imip-delivery.py tests/integration/test-dav-upgrade.py
EXTRA_DIST += tests/integration/davtest.py tests/integration/test-dav.py \
	tests/integration/test-dav-access.py tests/integration/test-dav-clients.py \
	tests/integration/test-dav-recurrence.py tests/integration/test-dav-schedule.py \
	tests/integration/test-dav-litmus.py tests/integration/test-dav-imip-delivery.py \
	tests/integration/test-dav-upgrade.py
# The webmail's calendar and invitation card in Chromium (needs dav, jmap,
# webmail; tests/browser/calendar.mjs), checked with python3-caldav.
# Its iCalendar module (themes/default/js/ical.js) under node.
TESTS += tests/integration/test-webmail-calendar.py tests/unit/webmail/test-ical.py
EXTRA_DIST += tests/integration/test-webmail-calendar.py tests/browser/calendar.mjs \
	tests/unit/webmail/test-ical.py tests/unit/webmail/ical-check.mjs
# --- integration: calendar reminders (modules/dav remind*.c, core/calendar)
TESTS += tests/integration/test-reminders.py
EXTRA_DIST += tests/integration/test-reminders.py
# --- integration: the IM panel in the webmail page (Chromium, slixmpp)
TESTS += tests/integration/test-webmail-im.py
EXTRA_DIST += tests/integration/test-webmail-im.py tests/browser/webmail-im.mjs \
	tests/browser/webmail.mjs tests/browser/run-steps.mjs tests/browser/launch.mjs

# dav-xml and dav-import (modules/dav: XML reader, property changes, paths,
# filters; iCalendar and vCard checks, core/calendar on what passes)
DAV_FUZZ_SOURCES = tests/fuzz/dav-harness.c modules/dav/xml.c modules/dav/path.c \
	modules/dav/filter.c modules/dav/vcard.c modules/dav/ical.c modules/dav/resource.c \
	modules/dav/proppatch.c modules/dav/response.c modules/dav/props.c modules/dav/plain.c \
	modules/dav/locks.c $(FUZZ_DRIVER)
DAV_FUZZ_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/modules -I$(top_srcdir)/modules/dav
DAV_FUZZ_CC = $(FUZZ_CC) $(XML_CFLAGS) $(ICAL_CFLAGS)
TESTS += tests/fuzz/corpus-dav-xml.sh tests/fuzz/corpus-dav-import.sh
check_PROGRAMS += tests/fuzz/fuzz-dav-xml tests/fuzz/fuzz-dav-import
tests_fuzz_fuzz_dav_xml_SOURCES = tests/fuzz/fuzz-dav-xml.c $(DAV_FUZZ_SOURCES)
tests_fuzz_fuzz_dav_xml_CPPFLAGS = $(DAV_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_dav_xml_CFLAGS = $(DAV_FUZZ_CC)
tests_fuzz_fuzz_dav_xml_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_dav_xml_LDADD = $(FUZZ_LINK) $(XML_LIBS) $(ICAL_LIBS)
tests_fuzz_fuzz_dav_import_SOURCES = tests/fuzz/fuzz-dav-import.c $(DAV_FUZZ_SOURCES)
tests_fuzz_fuzz_dav_import_CPPFLAGS = $(DAV_FUZZ_CPPFLAGS)
tests_fuzz_fuzz_dav_import_CFLAGS = $(DAV_FUZZ_CC)
tests_fuzz_fuzz_dav_import_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_dav_import_LDADD = $(FUZZ_LINK) $(XML_LIBS) $(ICAL_LIBS)
EXTRA_DIST += tests/fuzz/corpus-dav-xml.sh tests/fuzz/corpus/dav-xml \
	tests/fuzz/corpus-dav-import.sh tests/fuzz/corpus/dav-import
