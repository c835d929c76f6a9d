/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-smtp-data.c - message content against a fake core: DATA byte for
 * byte with dot-unstuffing and the Received header, SMTP smuggling
 * variants, bare CR/LF, long lines, size limits, BDAT chunks, the submit
 * hand-over (paused input, error mapping, a peer that leaves meanwhile).
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-smtp.h"

/* A connection with MAIL and one RCPT done. */
static HermodConn *
ready(void)
{
    HermodConn *c = fake_conn_new("mx", FALSE);
    g_free(fake_take(c));
    fake_ehlo(c, FALSE);
    EXPECT(c, "MAIL FROM:<sender@remote.test>", "250 2.1.0 ");
    EXPECT(c, "RCPT TO:<alice@example.org>", "250 2.1.5 ");
    return c;
}

static const FakeMessage *
only_message(void)
{
    g_assert_cmpuint(fake_submitted()->len, ==, 1);
    return fake_submitted()->pdata[0];
}

/* The stored bytes after our Received header (transfer full; NUL added,
 * *out_len without it). */
static char *
content_len(const FakeMessage *m, gsize *out_len)
{
    const char *d = (const char *)m->data->data;
    const char *stop = d + m->data->len;
    g_assert_true(g_str_has_prefix(d, "Received: "));
    const char *end = g_strstr_len(d, stop - d, "\r\n\tby ");
    g_assert_nonnull(end);
    end = g_strstr_len(end, stop - end, "; ");
    end = g_strstr_len(end, stop - end, "\r\n") + 2;
    *out_len = stop - end;
    char *copy = g_malloc(*out_len + 1);
    memcpy(copy, end, *out_len);
    copy[*out_len] = '\0';
    return copy;
}

static char *
content_of(const FakeMessage *m)
{
    gsize len;
    return content_len(m, &len);
}

static void
test_data_byte_exact(void)
{
    fake_core_reset();
    HermodConn *c = ready();
    EXPECT(c, "DATA", "354 ");
    fake_feed(c,
              "From: Sender <sender@remote.test>\r\nSubject: t\r\n\r\n"
              "..leading dot\r\n\r\n"
              "..\r\ntrailing   \r\n\ttab\r\n\x80\xff 8bit\r\n.\r\n",
              -1);
    EXPECT_OUTPUT(c, "250 2.0.0 Ok: queued as Q1\r\n");
    const FakeMessage *m = only_message();
    g_autofree char *content = content_of(m);
    g_assert_cmpstr(content, ==,
                    "From: Sender <sender@remote.test>\r\nSubject: t\r\n\r\n"
                    ".leading dot\r\n\r\n"
                    ".\r\ntrailing   \r\n\ttab\r\n\x80\xff 8bit\r\n");
    g_assert_cmpstr(m->sender, ==, "sender@remote.test");
    g_assert_cmpstr(m->rcpts->pdata[0], ==, "alice@example.org 0 -");
    g_assert_null(m->auth);
    const char *d = (const char *)m->data->data;
    g_assert_true(g_str_has_prefix(d, "Received: from client.example.net ([" FAKE_PEER "])\r\n"
                                      "\tby " FAKE_HOSTNAME " (Hermod) with ESMTP id " FAKE_SESSION
                                      "\r\n\tfor <alice@example.org>; "));
    /* Back to commands, with the command timeout. */
    g_assert_cmpuint(fake_timeout(c), ==, 300);
    EXPECT(c, "RCPT TO:<alice@example.org>", "503 5.5.1 ");
    fake_conn_free(c);
}

static void
test_received_variants(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new("mx", FALSE);
    fake_ehlo(c, TRUE);
    EXPECT(c, "MAIL FROM:<sender@remote.test> SMTPUTF8", "250 ");
    EXPECT(c, "RCPT TO:<alice@example.org>", "250 ");
    EXPECT(c, "RCPT TO:<bob@example.org>", "250 ");
    fake_feed(c, "DATA\r\nSubject: x\r\n\r\n.\r\n", -1);
    const char *d = (const char *)only_message()->data->data;
    g_assert_nonnull(strstr(d, "\t(using TLS1.3 AES-256-GCM)\r\n"));
    g_assert_nonnull(strstr(d, "with UTF8SMTPS id"));
    g_assert_null(strstr(d, "for <")); /* two recipients: no "for" */
    g_assert_cmpuint(only_message()->flags, ==, HERMOD_MSG_SMTPUTF8);
    fake_conn_free(c);
}

/* Send text after DATA; expect no reply until the real end, then want. */
static void
smuggle(const char *text, const char *want)
{
    fake_core_reset();
    HermodConn *c = ready();
    EXPECT(c, "DATA", "354 ");
    fake_feed(c, text, -1);
    EXPECT_OUTPUT(c, "");
    fake_feed(c, "\r\n.\r\n", -1);
    g_autofree char *out = fake_take(c);
    if (!g_str_has_prefix(out, want))
        g_error("after %s: got %s, want %s", g_strescape(text, NULL), out, want);
    g_assert_true(strstr(out, "\r\n") + 2 == out + strlen(out)); /* one reply only */
    EXPECT(c, "NOOP", "250 2.0.0 ");
    fake_conn_free(c);
}

static void
test_smuggling(void)
{
    static const char *const variants[] = {
        "Subject: a\r\n\r\nbody\n.\nMAIL FROM:<x@remote.test>\r\nRCPT TO:<bob@example.org>\r\n",
        "Subject: a\r\n\r\nbody\r.\rMAIL FROM:<x@remote.test>\r\n",
        "Subject: a\r\n\r\nbody\r\n.\nMAIL FROM:<x@remote.test>\r\n",
        "Subject: a\r\n\r\nbody\n.\r\nMAIL FROM:<x@remote.test>\r\n",
        "Subject: a\r\n\r\nbody\r\n.\r.\r\nQUIT\r\n",
        "Subject: a\r\n\r\nbody\r\n\r.\r\nQUIT\r\n",
        "Subject: a\r\n\r\nbody\r\n.\r\r\nQUIT\r\n",
    };
    for (gsize i = 0; i < G_N_ELEMENTS(variants); i++) {
        smuggle(variants[i], "550 5.6.0 ");
        g_assert_cmpuint(fake_submitted()->len, ==, 0);
    }
    /* Clean CRLF text that only looks like commands is just content. */
    smuggle("Subject: a\r\n\r\nMAIL FROM:<x@remote.test>\r\n..\r\nQUIT", "250 2.0.0 ");
    g_autofree char *content = content_of(only_message());
    g_assert_cmpstr(content, ==, "Subject: a\r\n\r\nMAIL FROM:<x@remote.test>\r\n.\r\nQUIT\r\n");
}

static void
test_partial_lines(void)
{
    fake_core_reset();
    HermodConn *c = ready();
    fake_set_line_limit(c, 7);
    /* A CR at the end of a piece before a non-LF is bare. */
    fake_feed(c, "DATA\r\nSubjec\rt: x\r\n\r\n.\r\n", -1);
    g_autofree char *out = fake_take(c);
    g_assert_true(g_str_has_prefix(out, "354 "));
    g_assert_nonnull(strstr(out, "550 5.6.0 "));
    g_assert_cmpuint(fake_submitted()->len, ==, 0);
    EXPECT(c, "MAIL FROM:<a@remote.test>", "250 ");
    EXPECT(c, "RCPT TO:<alice@example.org>", "250 ");
    /* Long lines in pieces, and a CRLF split across two pieces. */
    fake_feed(c, "DATA\r\nSubject: 1234567\r\n\r\nabcdef\r\n.\r\n", -1);
    g_autofree char *out2 = fake_take(c);
    g_assert_nonnull(strstr(out2, "250 2.0.0 Ok"));
    g_autofree char *content = content_of(only_message());
    g_assert_cmpstr(content, ==, "Subject: 1234567\r\n\r\nabcdef\r\n");
    fake_conn_free(c);
}

static void
test_long_lines(void)
{
    fake_core_reset();
    HermodConn *c = ready();
    g_autofree char *l998 = g_strnfill(998, 'x');
    g_autofree char *msg = g_strdup_printf("DATA\r\n%s\r\n.%s\r\n.\r\n", l998, l998);
    fake_feed(c, msg, -1);
    g_autofree char *out = fake_take(c);
    g_assert_nonnull(strstr(out, "250 2.0.0 "));
    fake_conn_free(c);

    fake_core_reset();
    c = ready();
    g_autofree char *msg2 = g_strdup_printf("DATA\r\nx%s\r\n.\r\n", l998);
    fake_feed(c, msg2, -1);
    g_autofree char *out2 = fake_take(c);
    g_assert_nonnull(strstr(out2, "550 5.6.0 Message has lines longer than 998"));
    g_assert_cmpuint(fake_submitted()->len, ==, 0);
    fake_conn_free(c);
}

static void
test_data_size_limit(void)
{
    fake_core_reset();
    fake_set_setting("max_message_size", "2K");
    HermodConn *c = ready();
    EXPECT(c, "DATA", "354 ");
    g_autofree char *line = g_strnfill(98, 'y');
    for (int i = 0; i < 30; i++) {
        fake_feed(c, line, -1);
        fake_feed(c, "\r\n", -1);
    }
    EXPECT_OUTPUT(c, "");
    EXPECT(c, ".", "552 5.3.4 ");
    EXPECT(c, "NOOP", "250 2.0.0 ");
    g_assert_cmpuint(fake_submitted()->len, ==, 0);
    fake_conn_free(c);
}

static void
test_bdat(void)
{
    fake_core_reset();
    HermodConn *c = ready();
    static const char part1[] = "Subject: b\r\n\r\nfirst\r\n";
    static const char part2[] = ".dot\r\n\0binary\nbare lf\r\n";
    g_autofree char *cmd1 = g_strdup_printf("BDAT %zu\r\n", sizeof(part1) - 1);
    g_autofree char *cmd2 = g_strdup_printf("BDAT %zu LAST\r\n", sizeof(part2) - 1);
    fake_feed(c, cmd1, -1);
    fake_feed(c, part1, sizeof(part1) - 1);
    EXPECT_OUTPUT(c, "250 2.0.0 21 octets received\r\n");
    EXPECT(c, "DATA", "503 5.5.1 ");
    EXPECT(c, "RCPT TO:<bob@example.org>", "503 5.5.1 ");
    fake_feed(c, cmd2, -1);
    fake_feed(c, part2, sizeof(part2) - 1);
    EXPECT_OUTPUT(c, "250 2.0.0 Ok: queued as Q1\r\n");
    gsize clen;
    g_autofree char *content = content_len(only_message(), &clen);
    g_assert_cmpuint(clen, ==, sizeof(part1) - 1 + sizeof(part2) - 1);
    g_assert_cmpmem(content, clen, "Subject: b\r\n\r\nfirst\r\n.dot\r\n\0binary\nbare lf\r\n",
                    clen);
    fake_conn_free(c);
}

static void
test_bdat_pipelined_and_refused(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new("mx", FALSE);
    fake_ehlo(c, FALSE);
    /* Refused chunks are still read: "NOOP" inside them is content. */
    fake_feed(c,
              "BDAT 6\r\nNOOP\r\nBDAT 0 LAST\r\nMAIL FROM:<a@remote.test>\r\n"
              "RCPT TO:<alice@example.org>\r\nBDAT 4\r\nab\r\nBDAT 3 LAST\r\ncd\n",
              -1);
    g_autofree char *out = fake_take(c);
    g_assert_cmpstr(out, ==,
                    "503 5.5.1 Need MAIL command\r\n503 5.5.1 Need MAIL command\r\n"
                    "250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n250 2.0.0 4 octets received\r\n"
                    "250 2.0.0 Ok: queued as Q1\r\n");
    g_autofree char *content = content_of(only_message());
    g_assert_cmpstr(content, ==, "ab\r\ncd\n");
    fake_conn_free(c);
}

static void
test_bdat_size_limit(void)
{
    fake_core_reset();
    fake_set_setting("max_message_size", "1K");
    HermodConn *c = ready();
    g_autofree char *chunk = g_strnfill(600, 'z');
    fake_feed(c, "BDAT 600\r\n", -1);
    fake_feed(c, chunk, -1);
    EXPECT_OUTPUT(c, "250 2.0.0 600 octets received\r\n");
    fake_feed(c, "BDAT 600\r\n", -1);
    fake_feed(c, chunk, -1);
    EXPECT_OUTPUT(c, "552 5.3.4 Message size exceeds fixed limit of 1024\r\n");
    fake_feed(c, "BDAT 3 LAST\r\nabc", -1);
    EXPECT_OUTPUT(c, "503 5.5.1 Need MAIL command\r\n");
    EXPECT(c, "NOOP", "250 ");
    g_assert_cmpuint(fake_submitted()->len, ==, 0);
    fake_conn_free(c);
}

static void
test_submit_pauses_input(void)
{
    fake_core_reset();
    HermodConn *c = ready();
    fake_hold_jobs(c, TRUE);
    fake_feed(c, "DATA\r\nSubject: p\r\n\r\n.\r\nNOOP\r\n", -1);
    g_assert_true(fake_is_paused(c));
    EXPECT_OUTPUT(c, "354 End data with <CR><LF>.<CR><LF>\r\n");
    fake_run_jobs(c);
    EXPECT_OUTPUT(c, "250 2.0.0 Ok: queued as Q1\r\n250 2.0.0 Ok\r\n");
    g_assert_false(fake_is_paused(c));
    fake_conn_free(c);
}

static void
test_peer_leaves_during_submit(void)
{
    fake_core_reset();
    HermodConn *c = ready();
    fake_hold_jobs(c, TRUE);
    fake_feed(c, "DATA\r\nSubject: p\r\n\r\n.\r\n", -1);
    fake_conn_drop(c); /* on_close frees the session before the job ends */
    fake_run_jobs(c);
    g_assert_cmpuint(fake_submitted()->len, ==, 1);
    fake_conn_free(c);
}

static void
test_shutdown_waits_for_submit(void)
{
    fake_core_reset();
    HermodConn *c = ready();
    fake_hold_jobs(c, TRUE);
    fake_feed(c, "DATA\r\nSubject: p\r\n\r\n.\r\n", -1);
    g_free(fake_take(c));
    fake_protocol()->on_shutdown(c);
    EXPECT_OUTPUT(c, "");
    g_assert_false(fake_is_closed(c));
    fake_run_jobs(c);
    EXPECT_OUTPUT(c, "250 2.0.0 Ok: queued as Q1\r\n421 4.3.2 " FAKE_HOSTNAME
                     " Service shutting down\r\n");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_ehlo_resets_transaction(void)
{
    fake_core_reset();
    HermodConn *c = ready();
    fake_ehlo(c, FALSE);
    EXPECT(c, "DATA", "503 5.5.1 ");
    EXPECT(c, "MAIL FROM:<a@remote.test>", "250 2.1.0 ");
    fake_conn_free(c);
}

static void
test_submit_errors(void)
{
    static const struct {
        int code;
        const char *want;
    } cases[] = {
        {HERMOD_SUBMIT_ERROR_TEMP, "451 4.3.0 "},
        {HERMOD_SUBMIT_ERROR_QUOTA, "452 4.2.2 "},
        {HERMOD_SUBMIT_ERROR_TOO_BIG, "552 5.3.4 "},
        {HERMOD_SUBMIT_ERROR_REJECTED, "554 5.6.0 "},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        fake_core_reset();
        fake_set_submit_error(cases[i].code);
        HermodConn *c = ready();
        EXPECT(c, "DATA", "354 ");
        EXPECT(c, "Subject: e\r\n\r\nx\r\n.", cases[i].want);
        g_assert_nonnull(strstr(fake_log(), "message not accepted"));
        EXPECT(c, "RCPT TO:<alice@example.org>", "503 5.5.1 ");
        fake_conn_free(c);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smtp/data/byte-exact", test_data_byte_exact);
    g_test_add_func("/smtp/data/received-variants", test_received_variants);
    g_test_add_func("/smtp/data/smuggling", test_smuggling);
    g_test_add_func("/smtp/data/partial-lines", test_partial_lines);
    g_test_add_func("/smtp/data/long-lines", test_long_lines);
    g_test_add_func("/smtp/data/size-limit", test_data_size_limit);
    g_test_add_func("/smtp/bdat/chunks", test_bdat);
    g_test_add_func("/smtp/bdat/pipelined-refused", test_bdat_pipelined_and_refused);
    g_test_add_func("/smtp/bdat/size-limit", test_bdat_size_limit);
    g_test_add_func("/smtp/submit/pauses-input", test_submit_pauses_input);
    g_test_add_func("/smtp/submit/peer-leaves", test_peer_leaves_during_submit);
    g_test_add_func("/smtp/submit/errors", test_submit_errors);
    g_test_add_func("/smtp/submit/shutdown-waits", test_shutdown_waits_for_submit);
    g_test_add_func("/smtp/data/ehlo-resets", test_ehlo_resets_transaction);
    return g_test_run();
}
