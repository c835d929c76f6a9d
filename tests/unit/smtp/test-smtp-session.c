/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-smtp-session.c - the SMTP session against a fake core: greeting,
 * EHLO per role and TLS state, command order, envelope policy (relay
 * tricks, unknown users, postmaster, limits, ESMTP parameters), garbage,
 * overlong lines, error limits, timeouts, STARTTLS and shutdown.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-smtp.h"

static HermodConn *
connect_role(const char *role, gboolean implicit)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new(role, implicit);
    EXPECT_OUTPUT(c, "220 " FAKE_HOSTNAME " ESMTP Hermod\r\n");
    return c;
}

static gboolean
has_line(const char *reply, const char *line)
{
    g_autofree char *a = g_strdup_printf("250-%s\r\n", line);
    g_autofree char *b = g_strdup_printf("250 %s\r\n", line);
    return strstr(reply, a) != NULL || strstr(reply, b) != NULL;
}

static void
test_ehlo_mx(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    g_autofree char *r = fake_cmd(c, "EHLO client.example.net");
    g_assert_true(g_str_has_prefix(r, "250-" FAKE_HOSTNAME "\r\n"));
    g_assert_true(g_str_has_suffix(r, "250 HELP\r\n"));
    for (const char *const *cap =
             (const char *const[]){"PIPELINING", "SIZE 26214400", "8BITMIME", "ENHANCEDSTATUSCODES",
                                   "SMTPUTF8", "CHUNKING", "DSN", "STARTTLS", NULL};
         *cap != NULL; cap++)
        g_assert_true(has_line(r, *cap));
    g_assert_null(strstr(r, "AUTH"));
    EXPECT(c, "STARTTLS", "220 2.0.0 ");
    g_assert_true(fake_is_tls(c));
    g_autofree char *r2 = fake_cmd(c, "EHLO client.example.net");
    g_assert_null(strstr(r2, "STARTTLS"));
    g_assert_null(strstr(r2, "AUTH")); /* mx_auth = no */
    EXPECT(c, "STARTTLS", "503 5.5.1 ");
    fake_conn_free(c);
}

static void
test_ehlo_mx_auth(void)
{
    fake_core_reset();
    fake_set_setting("mx_auth", "yes");
    HermodConn *c = fake_conn_new("mx", FALSE);
    g_free(fake_take(c));
    g_autofree char *r = fake_cmd(c, "EHLO client.example.net");
    g_assert_null(strstr(r, "AUTH")); /* never before TLS */
    fake_ehlo(c, TRUE);
    g_autofree char *r2 = fake_cmd(c, "EHLO client.example.net");
    g_assert_true(has_line(r2, "AUTH PLAIN LOGIN"));
    fake_conn_free(c);
}

static void
test_ehlo_submission_and_smtps(void)
{
    HermodConn *c = connect_role("submission", FALSE);
    g_autofree char *r = fake_cmd(c, "EHLO client.example.net");
    g_assert_true(has_line(r, "STARTTLS"));
    g_assert_null(strstr(r, "AUTH"));
    EXPECT(c, "STARTTLS", "220 2.0.0 ");
    g_autofree char *r2 = fake_cmd(c, "EHLO client.example.net");
    g_assert_true(has_line(r2, "AUTH PLAIN LOGIN"));
    g_assert_null(strstr(r2, "STARTTLS"));
    fake_conn_free(c);

    c = connect_role("smtps", TRUE);
    g_autofree char *r3 = fake_cmd(c, "EHLO client.example.net");
    g_assert_true(has_line(r3, "AUTH PLAIN LOGIN"));
    g_assert_null(strstr(r3, "STARTTLS"));
    EXPECT(c, "STARTTLS", "503 5.5.1 ");
    fake_conn_free(c);
}

static void
test_helo(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    EXPECT(c, "HELO", "501 5.5.4 ");
    EXPECT(c, "HELO bad(name)", "501 5.5.4 ");
    EXPECT(c, "HELO client.example.net", "250 " FAKE_HOSTNAME "\r\n");
    EXPECT(c, "MAIL FROM:<a@remote.test> SIZE=10", "555 5.5.4 ");
    EXPECT(c, "MAIL FROM:<a@remote.test>", "250 2.1.0 ");
    fake_conn_free(c);
}

static void
test_order_errors(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    EXPECT(c, "MAIL FROM:<a@remote.test>", "503 5.5.1 ");
    EXPECT(c, "RCPT TO:<alice@example.org>", "503 5.5.1 ");
    EXPECT(c, "DATA", "503 5.5.1 ");
    EXPECT(c, "BDAT 0 LAST", "503 5.5.1 ");
    fake_ehlo(c, FALSE);
    EXPECT(c, "RCPT TO:<alice@example.org>", "503 5.5.1 ");
    EXPECT(c, "MAIL FROM:<a@remote.test>", "250 2.1.0 ");
    EXPECT(c, "MAIL FROM:<a@remote.test>", "503 5.5.1 ");
    EXPECT(c, "DATA", "554 5.5.1 ");
    EXPECT(c, "RSET", "250 2.0.0 ");
    EXPECT(c, "RCPT TO:<alice@example.org>", "503 5.5.1 ");
    EXPECT(c, "RSET now", "501 5.5.4 ");
    fake_conn_free(c);
}

static void
test_simple_commands(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    EXPECT(c, "NOOP", "250 2.0.0 ");
    EXPECT(c, "noop with args", "250 2.0.0 ");
    EXPECT(c, "VRFY alice", "252 2.5.0 ");
    EXPECT(c, "VRFY", "501 5.5.4 ");
    EXPECT(c, "EXPN staff", "502 5.5.1 ");
    EXPECT(c, "HELP", "214 2.0.0 ");
    EXPECT(c, "TURN", "502 5.5.1 ");
    EXPECT(c, "XYZZY", "500 5.5.2 ");
    EXPECT(c, "", "500 5.5.2 ");
    EXPECT(c, "QUIT", "221 2.0.0 ");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_envelope(HermodConn *c)
{
    fake_ehlo(c, FALSE);
    EXPECT(c, "MAIL FROM:<a@remote.test>", "250 2.1.0 ");
}

static void
test_relay_refused(void)
{
    static const char *const tricks[][2] = {
        {"RCPT TO:<friend@remote.test>", "554 5.7.1 "},
        {"RCPT TO:<friend%remote.test@example.org>", "553 5.1.3 "},
        {"RCPT TO:<@example.org:friend@remote.test>", "550 5.7.1 "},
        {"RCPT TO:<@a.example,@example.org:alice@example.org>", "550 5.7.1 "},
        {"RCPT TO:<remote.test!friend@example.org>", "553 5.1.3 "},
        {"RCPT TO:<\"friend@remote.test\"@example.org>", "553 5.1.3 "},
        {"RCPT TO:<friend@[192.0.2.7]>", "554 5.7.1 "},
        {"RCPT TO:friend@remote.test", "501 5.1.3 "},
        {"RCPT TO:<friend@remote.test>>", "501 5.5.4 "},
        {"RCPT TO:<>", "501 5.1.3 "},
    };
    HermodConn *c = connect_role("mx", FALSE);
    test_envelope(c);
    for (gsize i = 0; i < G_N_ELEMENTS(tricks); i++)
        EXPECT(c, tricks[i][0], tricks[i][1]);
    EXPECT(c, "DATA", "554 5.5.1 ");
    g_assert_nonnull(strstr(fake_log(), "Relay access denied"));
    fake_conn_free(c);
}

static void
test_recipients(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    test_envelope(c);
    EXPECT(c, "RCPT TO:<nobody@example.org>", "550 5.1.1 ");
    EXPECT(c, "RCPT TO:<postmaster@example.org>", "250 2.1.5 ");
    EXPECT(c, "RCPT TO:<Postmaster>", "250 2.1.5 ");
    EXPECT(c, "RCPT TO:<alice+tag@example.org>", "250 2.1.5 ");
    EXPECT(c, "RCPT TO: <bob@example.org>", "250 2.1.5 ");
    EXPECT(c, "rcpt to:<BOB@example.org>", "250 2.1.5 "); /* duplicate, kept once */
    EXPECT(c, "RCPT TO:<bob@example.org> FOO=BAR", "555 5.5.4 ");
    EXPECT(c, "RCPT TO:<j\xc3\xb6rg@example.org>", "553 5.6.7 ");
    fake_conn_free(c);
}

/* A directory that cannot be read: 451 4.3.0, logged with the reason,
 * never 550; once it is back the same RCPT is accepted.  Without
 * addr_lookup (a 1.3 core) the module falls back to addr_classify, which
 * folds the failure into UNKNOWN. */
static void
test_directory_down(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    test_envelope(c);
    fake_set_directory_down(TRUE);
    EXPECT(c, "RCPT TO:<alice@example.org>",
           "451 4.3.0 <alice@example.org>: Temporary lookup failure; try again later\r\n");
    EXPECT(c, "RCPT TO:<nobody@example.org>", "451 4.3.0 ");
    EXPECT(c, "RCPT TO:<friend@remote.test>", "554 5.7.1 "); /* no lookup: still relaying */
    g_assert_nonnull(
        strstr(fake_log(), "cannot look up recipient <alice@example.org>: fake directory is down"));
    g_assert_null(strstr(fake_log(), "550 5.1.1"));
    fake_set_directory_down(FALSE);
    EXPECT(c, "RCPT TO:<alice@example.org>", "250 2.1.5 ");
    fake_set_core_1_3(TRUE);
    EXPECT(c, "RCPT TO:<bob@example.org>", "250 2.1.5 ");
    fake_set_directory_down(TRUE);
    EXPECT(c, "RCPT TO:<postmaster@example.org>", "550 5.1.1 ");
    fake_conn_free(c);
}

static void
test_max_recipients(void)
{
    fake_core_reset();
    fake_set_setting("max_recipients", "2");
    HermodConn *c = fake_conn_new("mx", FALSE);
    test_envelope(c);
    EXPECT(c, "RCPT TO:<alice@example.org>", "250 2.1.5 ");
    EXPECT(c, "RCPT TO:<bob@example.org>", "250 2.1.5 ");
    EXPECT(c, "RCPT TO:<postmaster@example.org>", "452 4.5.3 ");
    fake_conn_free(c);
}

static void
test_mail_params(void)
{
    fake_core_reset();
    fake_set_setting("max_message_size", "10K");
    HermodConn *c = fake_conn_new("mx", FALSE);
    fake_ehlo(c, FALSE);
    EXPECT(c, "MAIL FROM:<a@remote.test> SIZE=10241", "552 5.3.4 ");
    EXPECT(c, "MAIL FROM:<a@remote.test> SIZE=99999999999999999999999", "501 5.5.4 ");
    EXPECT(c, "MAIL FROM:<a@remote.test> BODY=BINARYMIME", "555 5.5.4 ");
    EXPECT(c, "MAIL FROM:<a@remote.test> SIZE=1 SIZE=2", "501 5.5.4 ");
    EXPECT(c, "MAIL FROM:<a@remote.test> ENVID=bad=", "501 5.5.4 ");
    EXPECT(c, "MAIL FROM:<a@remote.test> RET=ALL", "501 5.5.4 ");
    EXPECT(c, "MAIL FROM:<a@remote.test> X-FOO", "555 5.5.4 ");
    EXPECT(c, "MAIL FROM:<j\xc3\xb6rg@remote.test>", "553 5.6.7 ");
    EXPECT(c, "MAIL FROM:<j\xc3\xb6rg@remote.test> SMTPUTF8 BODY=8BITMIME SIZE=10240",
           "250 2.1.0 ");
    EXPECT(c,
           "RCPT TO:<b\xc3\xb6"
           "b@example.org>",
           "550 5.1.1 ");
    EXPECT(c, "RSET", "250 2.0.0 ");
    EXPECT(c, "MAIL FROM:<> RET=HDRS ENVID=abc+2Bdef AUTH=<>", "250 2.1.0 ");
    EXPECT(c, "RCPT TO:<alice@example.org> NOTIFY=NEVER,SUCCESS", "501 5.5.4 ");
    EXPECT(c, "RCPT TO:<alice@example.org> NOTIFY=WHENEVER", "501 5.5.4 ");
    EXPECT(c, "RCPT TO:<alice@example.org> ORCPT=rfc822", "501 5.5.4 ");
    EXPECT(c, "RCPT TO:<alice@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;a+2Bb@example.org",
           "250 2.1.5 ");
    EXPECT(c, "MAIL FROM:<postmaster>", "503 5.5.1 ");
    fake_conn_free(c);
}

static void
test_bad_input(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    fake_feed(c, "NO\0OP\r\n", 7);
    EXPECT_OUTPUT(c, "500 5.5.2 Invalid characters in command\r\n");
    fake_feed(c, "\xff\xfe\x01\x02\r\n", -1);
    EXPECT_OUTPUT(c, "500 5.5.2 Invalid characters in command\r\n");
    fake_feed(c, "\xc3\xa9t\xc3\xa9\r\n", -1);
    EXPECT_OUTPUT(c, "500 5.5.2 Command unrecognized\r\n");
    g_autofree char *long_cmd = g_strnfill(600, 'A');
    EXPECT(c, long_cmd, "500 5.5.2 Line too long");
    /* 100 KB in pieces of 4 KB: one reply, and the session goes on. */
    g_autofree char *huge = g_strnfill(100 * 1024, 'B');
    g_autofree char *mail = g_strdup_printf("MAIL FROM:<%s@remote.test>", huge);
    EXPECT(c, mail, "500 5.5.2 Line too long\r\n");
    EXPECT(c, "NOOP", "250 2.0.0 ");
    g_assert_false(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_garbage_until_close(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new("mx", FALSE);
    GRand *rand = g_rand_new_with_seed(42);
    for (guint i = 0; i < 200 && !fake_is_closed(c); i++) {
        char buf[512];
        for (gsize j = 0; j < sizeof(buf); j++)
            buf[j] = (char)g_rand_int_range(rand, 0, 256);
        fake_feed(c, buf, sizeof(buf));
    }
    g_rand_free(rand);
    g_assert_true(fake_is_closed(c));
    g_autofree char *out = fake_take(c);
    g_assert_nonnull(strstr(out, "421 4.7.0 " FAKE_HOSTNAME " Too many errors"));
    fake_conn_free(c);
}

static void
test_max_errors(void)
{
    fake_core_reset();
    fake_set_setting("max_errors", "3");
    HermodConn *c = fake_conn_new("mx", FALSE);
    g_free(fake_take(c));
    EXPECT(c, "FOO", "500 5.5.2 ");
    EXPECT(c, "NOOP", "250 2.0.0 ");
    EXPECT(c, "MAIL FROM:<a@b.example>", "503 5.5.1 ");
    g_autofree char *r = fake_cmd(c, "BAR");
    g_assert_cmpstr(r, ==,
                    "500 5.5.2 Command unrecognized\r\n"
                    "421 4.7.0 " FAKE_HOSTNAME " Too many errors, closing connection\r\n");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_pipelining(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    fake_feed(c,
              "EHLO client.example.net\r\nMAIL FROM:<a@remote.test>\r\n"
              "RCPT TO:<nobody@example.org>\r\nRCPT TO:<alice@example.org>\r\nDATA\r\n"
              "Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n",
              -1);
    g_autofree char *out = fake_take(c);
    g_auto(GStrv) lines = g_strsplit(strstr(out, "250 HELP\r\n") + 10, "\r\n", 0);
    g_assert_true(g_str_has_prefix(lines[0], "250 2.1.0 "));
    g_assert_true(g_str_has_prefix(lines[1], "550 5.1.1 "));
    g_assert_true(g_str_has_prefix(lines[2], "250 2.1.5 "));
    g_assert_true(g_str_has_prefix(lines[3], "354 "));
    g_assert_cmpstr(lines[4], ==, "250 2.0.0 Ok: queued as Q1");
    g_assert_true(g_str_has_prefix(lines[5], "221 2.0.0 "));
    g_assert_cmpuint(fake_submitted()->len, ==, 1);
    fake_conn_free(c);
}

static void
test_starttls_drops_pipelined_input(void)
{
    HermodConn *c = connect_role("submission", FALSE);
    fake_feed(c, "EHLO client.example.net\r\nSTARTTLS\r\nMAIL FROM:<evil@remote.test>\r\n", -1);
    g_autofree char *out = fake_take(c);
    g_assert_true(g_str_has_suffix(out, "220 2.0.0 Ready to start TLS\r\n"));
    g_assert_true(fake_is_tls(c));
    /* State is reset: the client must EHLO again. */
    EXPECT(c, "MAIL FROM:<alice@example.org>", "503 5.5.1 ");
    fake_conn_free(c);
}

static void
test_timeouts(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    g_assert_cmpuint(fake_timeout(c), ==, 300);
    test_envelope(c);
    EXPECT(c, "RCPT TO:<alice@example.org>", "250 ");
    EXPECT(c, "DATA", "354 ");
    g_assert_cmpuint(fake_timeout(c), ==, 600);
    fake_protocol()->on_timeout(c);
    EXPECT_OUTPUT(c, "421 4.4.2 " FAKE_HOSTNAME " Error: timeout exceeded\r\n");
    fake_conn_free(c);
    g_assert_cmpuint(fake_submitted()->len, ==, 0);
}

static void
test_shutdown_and_http(void)
{
    HermodConn *c = connect_role("mx", FALSE);
    fake_protocol()->on_shutdown(c);
    EXPECT_OUTPUT(c, "421 4.3.2 " FAKE_HOSTNAME " Service shutting down\r\n");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);

    c = connect_role("mx", FALSE);
    fake_feed(c, "POST / HTTP/1.1\r\nHost: x\r\n\r\n", -1);
    EXPECT_OUTPUT(c, "421 4.7.0 " FAKE_HOSTNAME " This is an SMTP server, not HTTP\r\n");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smtp/session/ehlo-mx", test_ehlo_mx);
    g_test_add_func("/smtp/session/ehlo-mx-auth", test_ehlo_mx_auth);
    g_test_add_func("/smtp/session/ehlo-submission-smtps", test_ehlo_submission_and_smtps);
    g_test_add_func("/smtp/session/helo", test_helo);
    g_test_add_func("/smtp/session/order", test_order_errors);
    g_test_add_func("/smtp/session/simple-commands", test_simple_commands);
    g_test_add_func("/smtp/session/relay-refused", test_relay_refused);
    g_test_add_func("/smtp/session/recipients", test_recipients);
    g_test_add_func("/smtp/session/directory-down", test_directory_down);
    g_test_add_func("/smtp/session/max-recipients", test_max_recipients);
    g_test_add_func("/smtp/session/mail-params", test_mail_params);
    g_test_add_func("/smtp/session/bad-input", test_bad_input);
    g_test_add_func("/smtp/session/garbage", test_garbage_until_close);
    g_test_add_func("/smtp/session/max-errors", test_max_errors);
    g_test_add_func("/smtp/session/pipelining", test_pipelining);
    g_test_add_func("/smtp/session/starttls-pipelined", test_starttls_drops_pipelined_input);
    g_test_add_func("/smtp/session/timeouts", test_timeouts);
    g_test_add_func("/smtp/session/shutdown-http", test_shutdown_and_http);
    return g_test_run();
}
