# SPDX-License-Identifier: GPL-2.0-or-later
# modules/webmail/: the webmail module (themes, login, sanitised message
# bodies, image proxy) and its pure parts (the HTML sanitiser, the proxy's
# response-head parser and address filter), a convenience library of its
# own so that the unit tests and the fuzzers run them alone (libgumbo is linked into the
# webmail only, not into every module as modules/common/ would be).

noinst_LTLIBRARIES += modules/webmail/libwm-sanitize.la
modules_webmail_libwm_sanitize_la_SOURCES = modules/webmail/html-sanitize.c \
	modules/webmail/html-sanitize.h modules/webmail/http-head.c modules/webmail/http-head.h \
	modules/webmail/addr-check.c modules/webmail/addr-check.h \
	modules/webmail/totp.c modules/webmail/totp.h
modules_webmail_libwm_sanitize_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_webmail_libwm_sanitize_la_CFLAGS = $(HERMOD_MODULE_CC) $(GUMBO_CFLAGS) $(OATH_CFLAGS) \
	$(QRENCODE_CFLAGS)
modules_webmail_libwm_sanitize_la_LIBADD = $(GUMBO_LIBS) $(OATH_LIBS) $(QRENCODE_LIBS) $(GLIB_LIBS)

pkglib_LTLIBRARIES += modules/webmail.la
modules_webmail_la_SOURCES = modules/webmail/module.c modules/webmail/webmail.h \
	modules/webmail/router.c modules/webmail/files.c modules/webmail/account.c \
	modules/webmail/body.c modules/webmail/proxy.c modules/webmail/settings.c \
	modules/webmail/message-html.c modules/webmail/message-html.h
modules_webmail_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS) \
	-DHERMOD_THEMES_DIR=\"$(pkgdatadir)/themes\"
modules_webmail_la_CFLAGS = $(HERMOD_MODULE_CC) $(GMIME_CFLAGS) $(JSON_CFLAGS)
modules_webmail_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_webmail_la_LIBADD = modules/webmail/libwm-sanitize.la $(HERMOD_PROTO_LIB) \
	$(GMIME_LIBS) $(JSON_LIBS) $(GUMBO_LIBS) $(OATH_LIBS) $(QRENCODE_LIBS) $(GLIB_LIBS)

# Unit tests: the sanitiser against an XSS corpus; the translations.
WEBMAIL_UNIT_TESTS = tests/unit/webmail/test-html-sanitize tests/unit/webmail/test-image-proxy \
	tests/unit/webmail/test-totp
TESTS += $(WEBMAIL_UNIT_TESTS) tests/unit/webmail/test-i18n.py
EXTRA_DIST += tests/unit/webmail/test-i18n.py
check_PROGRAMS += $(WEBMAIL_UNIT_TESTS)
tests_unit_webmail_test_html_sanitize_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
tests_unit_webmail_test_html_sanitize_LDADD = modules/webmail/libwm-sanitize.la $(GLIB_LIBS)
tests_unit_webmail_test_image_proxy_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
tests_unit_webmail_test_image_proxy_LDADD = modules/webmail/libwm-sanitize.la $(GLIB_LIBS)
tests_unit_webmail_test_totp_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
tests_unit_webmail_test_totp_LDADD = modules/webmail/libwm-sanitize.la $(GLIB_LIBS)

# Fuzz target: the sanitiser on arbitrary bytes (tests/fuzz/corpus/html-sanitize).
TESTS += tests/fuzz/corpus-html-sanitize.sh
check_PROGRAMS += tests/fuzz/fuzz-html-sanitize
tests_fuzz_fuzz_html_sanitize_SOURCES = tests/fuzz/fuzz-html-sanitize.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_html_sanitize_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
tests_fuzz_fuzz_html_sanitize_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_html_sanitize_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_html_sanitize_LDADD = modules/webmail/libwm-sanitize.la $(GLIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus-html-sanitize.sh tests/fuzz/corpus/html-sanitize

# Fuzz target: the image proxy's reading of a remote response head.
TESTS += tests/fuzz/corpus-http-head.sh
check_PROGRAMS += tests/fuzz/fuzz-http-head
tests_fuzz_fuzz_http_head_SOURCES = tests/fuzz/fuzz-http-head.c $(FUZZ_DRIVER)
tests_fuzz_fuzz_http_head_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
tests_fuzz_fuzz_http_head_CFLAGS = $(AM_CFLAGS) $(FUZZ_FLAGS)
tests_fuzz_fuzz_http_head_LDFLAGS = $(FUZZ_FLAGS)
tests_fuzz_fuzz_http_head_LDADD = modules/webmail/libwm-sanitize.la $(GLIB_LIBS)
EXTRA_DIST += tests/fuzz/corpus-http-head.sh tests/fuzz/corpus/http-head


# Integration tests: the module with curl and http.client.
# The browser tests: headless Chromium (tests/browser/, npm ci there).
TESTS += tests/integration/test-webmail.py tests/integration/test-webmail-browser.py
EXTRA_DIST += tests/integration/test-webmail.py tests/integration/test-webmail-browser.py \
	tests/browser/package.json tests/browser/package-lock.json tests/browser/webmail.mjs
