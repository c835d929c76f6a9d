/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-smtp-auth.c - AUTH and submission against a fake core: PLAIN and
 * LOGIN with and without an initial response, cancel, bad base64,
 * failures, blocks, AUTH only after TLS, the envelope sender and From
 * header owned by the account, relaying after AUTH, pipelined commands
 * waiting for the verdict.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-smtp.h"

static HermodConn *
submission(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new("submission", FALSE);
    g_free(fake_take(c));
    fake_ehlo(c, TRUE);
    return c;
}

static HermodConn *
logged_in(void)
{
    HermodConn *c = submission();
    g_autofree char *plain = fake_plain("alice@example.org", "secret");
    g_autofree char *cmd = g_strdup_printf("AUTH PLAIN %s", plain);
    EXPECT(c, cmd, "235 2.7.0 ");
    return c;
}

static void
test_plain_ir(void)
{
    HermodConn *c = logged_in();
    EXPECT(c, "AUTH PLAIN AGEAYg==", "503 5.5.1 "); /* once only */
    EXPECT(c, "MAIL FROM:<alice@example.org>", "250 2.1.0 ");
    EXPECT(c, "RCPT TO:<friend@remote.test>", "250 2.1.5 "); /* relaying after AUTH */
    EXPECT(c, "RCPT TO:<nobody@example.org>", "550 5.1.1 ");
    fake_feed(c, "DATA\r\nFrom: Alice <alice@example.org>\r\nSubject: s\r\n\r\nhi\r\n.\r\n", -1);
    g_autofree char *out = fake_take(c);
    g_assert_nonnull(strstr(out, "250 2.0.0 Ok: queued as Q1"));
    g_assert_cmpuint(fake_submitted()->len, ==, 1);
    const FakeMessage *m = fake_submitted()->pdata[0];
    g_assert_cmpstr(m->auth, ==, "alice@example.org");
    g_assert_nonnull(strstr((char *)m->data->data, " with ESMTPSA id "));
    fake_conn_free(c);
}

/* While the directory cannot be read, a sender check answers 451 4.3.0
 * (MAIL FROM, and the From header after DATA) and nothing is submitted;
 * a 1.3 core without addr_check_owner gives addr_owned_by's refusal. */
static void
test_owner_directory_down(void)
{
    HermodConn *c = logged_in();
    fake_set_directory_down(TRUE);
    EXPECT(c, "MAIL FROM:<alice@example.org>", "451 4.3.0 <alice@example.org>: Temporary ");
    g_assert_nonnull(strstr(fake_log(), "cannot check that alice@example.org owns "
                                        "<alice@example.org>: fake directory is down"));
    fake_set_directory_down(FALSE);
    EXPECT(c, "MAIL FROM:<alice@example.org>", "250 2.1.0 ");
    EXPECT(c, "RCPT TO:<friend@remote.test>", "250 2.1.5 ");
    fake_set_directory_down(TRUE);
    fake_feed(c, "DATA\r\nFrom: Alice <alice@example.org>\r\nSubject: s\r\n\r\nhi\r\n.\r\n", -1);
    g_autofree char *out = fake_take(c);
    g_assert_nonnull(strstr(out, "451 4.3.0 From address <alice@example.org>: Temporary"));
    g_assert_cmpuint(fake_submitted()->len, ==, 0);
    fake_set_core_1_3(TRUE);
    EXPECT(c, "MAIL FROM:<alice@example.org>", "553 5.7.1 ");
    fake_conn_free(c);
}

static void
test_plain_challenge(void)
{
    HermodConn *c = submission();
    EXPECT(c, "AUTH PLAIN", "334 \r\n");
    g_autofree char *plain = fake_plain("Alice@Example.org", "secret");
    EXPECT(c, plain, "235 2.7.0 ");
    fake_conn_free(c);

    c = submission();
    EXPECT(c, "AUTH PLAIN", "334 ");
    EXPECT(c, "*", "501 5.0.0 ");
    EXPECT(c, "AUTH PLAIN", "334 ");
    EXPECT(c, "not base64!", "501 5.5.2 ");
    EXPECT(c, "AUTH PLAIN =", "501 5.5.2 ");
    EXPECT(c, "AUTH PLAIN YWJj", "501 5.5.2 "); /* "abc": no NULs */
    EXPECT(c, "AUTH PLAIN Ym9iAGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==", "535 5.7.8 "); /* authzid */
    EXPECT(c, "AUTH CRAM-MD5", "504 5.5.4 ");
    EXPECT(c, "NOOP", "250 2.0.0 ");
    fake_conn_free(c);
}

/* "AUTH PLAIN " + base64 of len raw bytes.  (transfer full) */
static char *
plain_cmd(const char *raw, gsize len)
{
    g_autofree char *b64 = g_base64_encode((const guchar *)raw, len);
    return g_strconcat("AUTH PLAIN ", b64, NULL);
}

#define RAW(s) s, sizeof(s) - 1

/* The cases where SMTP, IMAP and POP3 used to decode PLAIN differently
 * (modules/common/sasl-plain.c decides for all three now). */
static void
test_plain_rfc4616(void)
{
    /* An authzid naming the authcid in another case is the same user. */
    HermodConn *c = submission();
    g_autofree char *same = plain_cmd(RAW("ALICE@example.org\0alice@example.org\0secret"));
    EXPECT(c, same, "235 2.7.0 ");
    fake_conn_free(c);

    c = submission();
    const struct {
        const char *raw;
        gsize len;
    } bad[] = {
        {RAW("\0\0secret")},                        /* empty authcid */
        {RAW("\0alice@example.org\0")},             /* empty password */
        {RAW("\0alice@example.org\0se\0cret")},     /* a third NUL */
        {RAW("\0alice@example.org\0s\xc3\x28ret")}, /* not UTF-8 */
    };
    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *cmd = plain_cmd(bad[i].raw, bad[i].len);
        EXPECT(c, cmd, "501 5.5.2 ");
    }
    /* A password past the field limit; one at it is checked (and wrong). */
    g_autofree char *raw = g_strnfill(19 + 1025, 'p');
    memcpy(raw, "\0alice@example.org\0", 19);
    g_autofree char *too_long = plain_cmd(raw, 19 + 1025);
    EXPECT(c, too_long, "501 5.5.2 ");
    g_autofree char *at_limit = plain_cmd(raw, 19 + 1024);
    EXPECT(c, at_limit, "535 5.7.8 ");
    /* Strict base64: a stray character is refused, not skipped. */
    EXPECT(c, "AUTH PLAIN AGFsaWNl!QGV4YW1wbGUub3JnAHNlY3JldA==", "501 5.5.2 ");
    EXPECT(c, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA", "501 5.5.2 ");
    /* "=" is the empty response only as the initial response. */
    EXPECT(c, "AUTH PLAIN", "334 \r\n");
    EXPECT(c, "=", "501 5.5.2 Invalid base64");
    EXPECT(c, "AUTH PLAIN", "334 \r\n");
    EXPECT(c, "", "501 5.5.2 Malformed PLAIN");
    EXPECT(c, "NOOP", "250 2.0.0 ");
    fake_conn_free(c);
}

static void
test_login(void)
{
    HermodConn *c = submission();
    EXPECT(c, "AUTH LOGIN", "334 VXNlcm5hbWU6\r\n");
    EXPECT(c, "YWxpY2VAZXhhbXBsZS5vcmc=", "334 UGFzc3dvcmQ6\r\n");
    EXPECT(c, "c2VjcmV0", "235 2.7.0 ");
    fake_conn_free(c);

    c = submission();
    EXPECT(c, "AUTH LOGIN YWxpY2VAZXhhbXBsZS5vcmc=", "334 UGFzc3dvcmQ6\r\n");
    EXPECT(c, "d3Jvbmc=", "535 5.7.8 ");
    EXPECT(c, "AUTH LOGIN", "334 VXNlcm5hbWU6\r\n");
    EXPECT(c, "*", "501 5.0.0 ");
    EXPECT(c, "AUTH LOGIN YWxpY2VAZXhhbXBsZS5vcmc=", "334 UGFzc3dvcmQ6\r\n");
    EXPECT(c, "*", "501 5.0.0 ");
    EXPECT(c, "AUTH LOGIN AA==", "501 5.5.2 "); /* a NUL in the user name */
    EXPECT(c, "MAIL FROM:<alice@example.org>", "530 5.7.0 ");
    g_assert_nonnull(strstr(fake_log(), "AUTH"));
    fake_conn_free(c);
}

static void
test_blocked_and_tempfail(void)
{
    HermodConn *c = submission();
    g_autofree char *p1 = fake_plain("tempfail", "x");
    g_autofree char *p2 = fake_plain("blocked", "x");
    g_autofree char *temp = g_strdup_printf("AUTH PLAIN %s", p1);
    EXPECT(c, temp, "454 4.7.0 ");
    g_autofree char *blocked = g_strdup_printf("AUTH PLAIN %s", p2);
    EXPECT(c, blocked, "421 4.7.0 ");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_auth_needs_tls(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new("submission", FALSE);
    g_free(fake_take(c));
    EXPECT(c, "EHLO client.example.net", "250-");
    EXPECT(c, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==", "530 5.7.0 ");
    EXPECT(c, "MAIL FROM:<alice@example.org>", "530 5.7.0 Must issue a STARTTLS");
    fake_conn_free(c);

    c = fake_conn_new("mx", FALSE);
    g_free(fake_take(c));
    fake_ehlo(c, TRUE);
    EXPECT(c, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==", "502 5.5.1 ");
    fake_conn_free(c);

    c = submission();
    EXPECT(c, "MAIL FROM:<alice@example.org>", "530 5.7.0 Authentication required");
    fake_conn_free(c);
}

static void
test_smtps(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new("smtps", TRUE);
    g_free(fake_take(c));
    fake_ehlo(c, FALSE);
    EXPECT(c, "MAIL FROM:<alice@example.org>", "530 5.7.0 Authentication required");
    EXPECT(c, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==", "235 2.7.0 ");
    EXPECT(c, "MAIL FROM:<al@example.org>", "250 2.1.0 ");
    fake_conn_free(c);
}

static void
test_sender_owned(void)
{
    HermodConn *c = logged_in();
    EXPECT(c, "MAIL FROM:<bob@example.org>", "553 5.7.1 ");
    EXPECT(c, "MAIL FROM:<boss@remote.test>", "553 5.7.1 ");
    EXPECT(c, "MAIL FROM:<>", "553 5.7.1 ");
    EXPECT(c, "MAIL FROM:<AL@example.org>", "250 2.1.0 ");
    fake_conn_free(c);
}

/* Submit a message with this header block; return the final reply. */
static char *
submit_with_headers(const char *headers)
{
    HermodConn *c = logged_in();
    EXPECT(c, "MAIL FROM:<alice@example.org>", "250 ");
    EXPECT(c, "RCPT TO:<friend@remote.test>", "250 ");
    EXPECT(c, "DATA", "354 ");
    fake_feed(c, headers, -1);
    fake_feed(c, "\r\nbody\r\n.\r\n", -1);
    char *out = fake_take(c);
    fake_conn_free(c);
    return out;
}

static void
test_from_header(void)
{
    static const struct {
        const char *headers;
        const char *want;
    } cases[] = {
        {"From: alice@example.org\r\n", "250 2.0.0 "},
        {"FROM :\r\n \"Smith, Alice (home)\" <al@example.org> (comment)\r\n", "250 2.0.0 "},
        {"From: Alice\r\n\t<alice@example.org>\r\nX-Other: <bob@example.org>\r\n", "250 2.0.0 "},
        {"From: friends: alice@example.org, al@example.org;\r\n", "250 2.0.0 "},
        {"From: Bob <bob@example.org>\r\n", "553 5.7.1 "},
        {"From: alice@example.org, bob@example.org\r\n", "553 5.7.1 "},
        {"From: \"alice@example.org\" <bob@example.org>\r\n", "553 5.7.1 "},
        {"From: <alice@example.org> <bob@example.org>\r\n", "550 5.6.0 "},
        {"From: (alice@example.org) bob@example.org\r\n", "553 5.7.1 "},
        {"Subject: no from\r\n", "550 5.6.0 "},
        {"From: alice@example.org\r\nFrom: alice@example.org\r\n", "550 5.6.0 "},
        {"From: \"unterminated <alice@example.org>\r\n", "550 5.6.0 "},
        {"From: <>\r\n", "550 5.6.0 "},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = submit_with_headers(cases[i].headers);
        if (!g_str_has_prefix(out, cases[i].want))
            g_error("From case %zu: got %s, want %s", i, out, cases[i].want);
    }
    g_autofree char *bdat = NULL;
    HermodConn *c = logged_in();
    fake_feed(c,
              "MAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.org>\r\n"
              "BDAT 25\r\nFrom: bob@example.org\r\n\r\nBDAT 0 LAST\r\n",
              -1);
    bdat = fake_take(c);
    g_assert_nonnull(strstr(bdat, "553 5.7.1 From address <bob@example.org>"));
    fake_conn_free(c);
}

static void
test_pipelined_auth_waits(void)
{
    HermodConn *c = submission();
    fake_hold_jobs(c, TRUE);
    g_autofree char *plain = fake_plain("alice@example.org", "secret");
    g_autofree char *cmd =
        g_strdup_printf("AUTH PLAIN %s\r\nMAIL FROM:<alice@example.org>\r\n", plain);
    fake_feed(c, cmd, -1);
    g_assert_true(fake_is_paused(c));
    EXPECT_OUTPUT(c, "");
    fake_run_jobs(c);
    EXPECT_OUTPUT(c, "235 2.7.0 Authentication successful\r\n250 2.1.0 Ok\r\n");
    fake_conn_free(c);

    /* The peer leaves while the check runs. */
    c = submission();
    fake_hold_jobs(c, TRUE);
    fake_feed(c, cmd, -1);
    fake_conn_drop(c);
    fake_run_jobs(c);
    fake_conn_free(c);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smtp/auth/plain-ir", test_plain_ir);
    g_test_add_func("/smtp/auth/owner-directory-down", test_owner_directory_down);
    g_test_add_func("/smtp/auth/plain-challenge", test_plain_challenge);
    g_test_add_func("/smtp/auth/plain-rfc4616", test_plain_rfc4616);
    g_test_add_func("/smtp/auth/login", test_login);
    g_test_add_func("/smtp/auth/blocked-tempfail", test_blocked_and_tempfail);
    g_test_add_func("/smtp/auth/needs-tls", test_auth_needs_tls);
    g_test_add_func("/smtp/auth/smtps", test_smtps);
    g_test_add_func("/smtp/submission/sender-owned", test_sender_owned);
    g_test_add_func("/smtp/submission/from-header", test_from_header);
    g_test_add_func("/smtp/auth/pipelined-waits", test_pipelined_auth_waits);
    return g_test_run();
}
