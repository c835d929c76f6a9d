/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-compress.c - the IMAP module's COMPRESS (RFC 4978) and STARTTLS
 * advertising against the fake core: COMPRESS=DEFLATE only after login,
 * OK with DEFLATE started right after the tagged OK (also when the OK had
 * to wait for the core's buffer), NO [COMPRESSIONACTIVE] the second time,
 * BAD for other mechanisms and bad syntax, refused before login; no
 * STARTTLS offered or accepted where the listener has no TLS.  The bytes
 * themselves are compressed by the core (tests/unit/core/test-conn-deflate).
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-imap.h"
#include "session.h"

static void
test_capabilities(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new(TRUE);
    g_autofree char *greeting = fake_take(c);
    g_assert_null(strstr(greeting, "COMPRESS"));
    g_autofree char *before = fake_cmd(c, "a1 CAPABILITY");
    g_assert_null(strstr(before, "COMPRESS"));
    g_autofree char *login = fake_cmd(c, "a2 LOGIN alice@example.org secret");
    g_assert_nonnull(strstr(login, " COMPRESS=DEFLATE"));
    EXPECT(c, "a3 CAPABILITY", " COMPRESS=DEFLATE");
    fake_conn_free(c);
}

static void
test_compress(void)
{
    fake_core_reset();
    HermodConn *c = fake_login();

    EXPECT(c, "c1 COMPRESS", "c1 BAD");
    EXPECT(c, "c2 COMPRESS GZIP", "c2 BAD");
    EXPECT(c, "c3 COMPRESS DEFLATE extra", "c3 BAD");
    g_assert_cmpint(fake_deflate_mark(c), ==, -1);
    fake_feed(c, "c4 COMPRESS DEFLATE\r\n", -1);
    /* Everything up to and with the tagged OK goes out plain. */
    g_assert_cmpint(fake_deflate_mark(c), ==, strlen("c4 OK DEFLATE active\r\n"));
    g_autofree char *ok = fake_take(c);
    g_assert_cmpstr(ok, ==, "c4 OK DEFLATE active\r\n");
    EXPECT(c, "c5 COMPRESS DEFLATE", "c5 NO [COMPRESSIONACTIVE]");
    EXPECT(c, "c6 NOOP", "c6 OK");
    EXPECT(c, "c7 SELECT INBOX", "c7 OK");
    EXPECT(c, "c8 COMPRESS DEFLATE", "c8 NO [COMPRESSIONACTIVE]");
    fake_conn_free(c);
}

/* The core's buffer is full: the OK waits in the session's queue, input
 * waits, and DEFLATE starts only once the OK was handed over. */
static void
test_compress_waits_for_output(void)
{
    fake_core_reset();
    HermodConn *c = fake_login();

    fake_set_pending_extra(c, 1024 * 1024);
    fake_feed(c, "c1 COMPRESS DEFLATE\r\nc2 NOOP\r\n", -1);
    g_assert_cmpint(fake_deflate_mark(c), ==, -1);
    g_assert_true(fake_is_paused(c));
    g_autofree char *nothing = fake_take(c);
    g_assert_cmpstr(nothing, ==, "");
    fake_set_pending_extra(c, 0);
    g_autofree char *sent = fake_drain(c); /* runs on_writable */
    g_assert_cmpstr(sent, ==, "");
    g_assert_cmpint(fake_deflate_mark(c), ==, strlen("c1 OK DEFLATE active\r\n"));
    g_autofree char *out = fake_take(c);
    g_assert_true(g_str_has_prefix(out, "c1 OK DEFLATE active\r\nc2 OK"));
    fake_conn_free(c);
}

static void
test_compress_needs_login(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    g_autofree char *r = fake_cmd(c, "a1 COMPRESS DEFLATE");
    g_assert_null(strstr(r, "a1 OK"));
    g_assert_cmpint(fake_deflate_mark(c), ==, -1);
    fake_conn_free(c);
}

/* A listener with tls = none: no STARTTLS in CAPABILITY, STARTTLS is BAD. */
static void
test_no_starttls_without_tls(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new(FALSE);
    g_free(fake_take(c));
    fake_set_no_tls(c);
    g_autofree char *caps = fake_cmd(c, "a1 CAPABILITY");
    g_assert_null(strstr(caps, "STARTTLS"));
    g_assert_nonnull(strstr(caps, "LOGINDISABLED"));
    EXPECT(c, "a2 STARTTLS", "a2 BAD");
    EXPECT(c, "a3 NOOP", "a3 OK");
    fake_conn_free(c);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/compress/capabilities", test_capabilities);
    g_test_add_func("/imap/compress/deflate", test_compress);
    g_test_add_func("/imap/compress/waits-for-output", test_compress_waits_for_output);
    g_test_add_func("/imap/compress/needs-login", test_compress_needs_login);
    g_test_add_func("/imap/starttls/not-on-tls-none", test_no_starttls_without_tls);
    return g_test_run();
}
