/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-pop3.c - the POP3 module on the fake core: CAPA and login policy
 * per listener, USER/PASS and AUTH PLAIN, STAT/LIST/UIDL, RETR and TOP
 * byte for byte (dot-stuffing, streaming of a large message), DELE/RSET
 * and the UPDATE state, the in-use lock, messages expunged meanwhile, and
 * hostile input.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-pop3.h"
#include "parser.h"

#define ALICE "alice@example.org"

static const char msg1[] = "Subject: one\r\n\r\nbody one\r\n";
static const char msg2[] = "Subject: two\r\nX: y\r\n\r\n.dot line\r\nline 2\r\n..two dots\r\n";
static const char msg3[] = "Subject: three\r\n\r\nno final newline";
/* msg3 as RETR sends it ends with the CRLF it lacks (RFC 1939 11 sizes). */
#define WIRE3 (strlen(msg3) + 2)

static guint32 uid1, uid2, uid3;

static void
setup(void)
{
    fake_core_reset();
    uid1 = fake_store_add(ALICE, "INBOX", msg1, strlen(msg1), 0, 0);
    uid2 = fake_store_add(ALICE, "INBOX", msg2, strlen(msg2), 0, 0);
    uid3 = fake_store_add(ALICE, "INBOX", msg3, strlen(msg3), 0, 0);
}

static HermodConn *
logged_in(void)
{
    HermodConn *c = fake_conn_new(TRUE);
    fake_login(c, ALICE, "secret");
    return c;
}

static void
test_capa_cleartext(void)
{
    setup();
    HermodConn *c = fake_conn_new(FALSE);
    g_autofree char *greeting = fake_take(c);
    g_assert_cmpstr(greeting, ==, "+OK Hermod POP3 ready\r\n");
    g_autofree char *capa = fake_cmd(c, "CAPA");
    g_assert_true(g_str_has_prefix(capa, "+OK"));
    g_assert_nonnull(strstr(capa, "\r\nSTLS\r\n"));
    g_assert_nonnull(strstr(capa, "\r\nTOP\r\n"));
    g_assert_nonnull(strstr(capa, "\r\nUIDL\r\n"));
    g_assert_nonnull(strstr(capa, "\r\nRESP-CODES\r\n"));
    g_assert_nonnull(strstr(capa, "\r\nAUTH-RESP-CODE\r\n"));
    g_assert_null(strstr(capa, "USER"));
    g_assert_null(strstr(capa, "SASL"));
    g_assert_true(g_str_has_suffix(capa, "\r\n.\r\n"));
    EXPECT(c, "USER " ALICE, "-ERR [AUTH] ");
    EXPECT(c, "PASS secret", "-ERR [AUTH] ");
    EXPECT(c, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==", "-ERR [AUTH] ");
    EXPECT_EXACT(c, "AUTH", "+OK\r\n.\r\n");
    EXPECT(c, "STAT", "-ERR ");
    EXPECT_EXACT(c, "STLS", "+OK Begin TLS negotiation\r\n");
    g_assert_true(fake_is_tls(c));
    g_autofree char *capa2 = fake_cmd(c, "CAPA");
    g_assert_nonnull(strstr(capa2, "\r\nUSER\r\n"));
    g_assert_nonnull(strstr(capa2, "\r\nSASL PLAIN\r\n"));
    g_assert_null(strstr(capa2, "STLS"));
    EXPECT(c, "STLS", "-ERR ");
    EXPECT_EXACT(c, "AUTH", "+OK\r\nPLAIN\r\n.\r\n");
    EXPECT_EXACT(c, "USER " ALICE, "+OK Send PASS\r\n");
    EXPECT(c, "PASS secret", "+OK Logged in, 3 messages");
    fake_conn_free(c);
}

static void
test_stls_drops_pipelined(void)
{
    setup();
    HermodConn *c = fake_conn_new(FALSE);
    g_free(fake_take(c));
    fake_feed(c, "STLS\r\nUSER " ALICE "\r\n", -1);
    g_autofree char *out = fake_take(c);
    g_assert_cmpstr(out, ==, "+OK Begin TLS negotiation\r\n");
    EXPECT(c, "PASS secret", "-ERR Send USER first");
    fake_conn_free(c);
}

static void
test_trusted_and_pop3s(void)
{
    setup();
    HermodConn *c = fake_conn_new(FALSE);
    fake_set_trusted(c, TRUE);
    g_free(fake_take(c));
    EXPECT_EXACT(c, "USER " ALICE, "+OK Send PASS\r\n");
    EXPECT(c, "PASS secret", "+OK Logged in, 3 messages");
    EXPECT(c, "QUIT", "+OK");
    fake_conn_free(c);

    c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    g_autofree char *capa = fake_cmd(c, "CAPA");
    g_assert_null(strstr(capa, "STLS"));
    g_assert_nonnull(strstr(capa, "\r\nSASL PLAIN\r\n"));
    EXPECT(c, "STLS", "-ERR ");
    fake_conn_free(c);
}

static void
test_auth_plain(void)
{
    setup();
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    EXPECT_EXACT(c, "AUTH PLAIN", "+ \r\n");
    EXPECT(c, "*", "-ERR Authentication cancelled");
    EXPECT(c, "AUTH PLAIN !!!!", "-ERR Invalid base64");
    EXPECT(c, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHdyb25n", "-ERR [AUTH] ");
    EXPECT(c, "AUTH CRAM-MD5", "-ERR ");
    /* "bob@example.org\0alice...": acting for someone else. */
    EXPECT(c,
           "AUTH PLAIN Ym9iQGV4YW1wbGUub3JnAGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==", "-ERR [AUTH] ");
    EXPECT_EXACT(c, "AUTH PLAIN", "+ \r\n");
    fake_hold_jobs(c, TRUE);
    g_autofree char *r = fake_cmd(c, "AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==");
    g_assert_cmpstr(r, ==, "");
    g_assert_true(fake_is_paused(c));
    fake_run_jobs(c);
    g_autofree char *ok = fake_take(c);
    g_assert_cmpstr(ok, ==, "+OK Logged in, 3 messages\r\n");
    g_assert_false(fake_is_paused(c));
    fake_conn_free(c);

    c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    EXPECT(c, "AUTH PLAIN AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==", "+OK Logged in, 3 messages");
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

/* The PLAIN edge cases modules/common decides for SMTP, IMAP and POP3. */
static void
test_auth_plain_rfc4616(void)
{
    setup();
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    g_autofree char *same = plain_cmd(RAW("ALICE@example.org\0alice@example.org\0secret"));
    EXPECT(c, same, "+OK Logged in");
    fake_conn_free(c);

    c = fake_conn_new(TRUE);
    g_free(fake_take(c));
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
        EXPECT(c, cmd, "-ERR Malformed PLAIN response");
    }
    EXPECT(c, "AUTH PLAIN AGFsaWNl!QGV4YW1wbGUub3JnAHNlY3JldA==", "-ERR Invalid base64");
    EXPECT(c, "AUTH PLAIN =", "-ERR Malformed PLAIN response");
    EXPECT_EXACT(c, "AUTH PLAIN", "+ \r\n");
    EXPECT(c, "=", "-ERR Invalid base64");
    /* A password past the field limit is refused before any check. */
    g_autofree char *raw = g_strnfill(19 + 1025, 'p');
    memcpy(raw, "\0alice@example.org\0", 19);
    g_autofree char *too_long = plain_cmd(raw, 19 + 1025);
    EXPECT(c, too_long, "-ERR PLAIN response field too long");
    g_autofree char *at_limit = plain_cmd(raw, 19 + 1024);
    EXPECT(c, at_limit, "-ERR [AUTH] ");
    fake_conn_free(c);
}

static void
test_auth_blocked_tempfail(void)
{
    setup();
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    EXPECT(c, "USER tempfail", "+OK");
    EXPECT(c, "PASS x", "-ERR [SYS/TEMP] ");
    g_assert_false(fake_is_closed(c));
    EXPECT(c, "USER blocked", "+OK");
    EXPECT(c, "PASS x", "-ERR [SYS/TEMP] ");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_stat_list_uidl(void)
{
    setup();
    guint32 uv = fake_store_uidvalidity(ALICE, "INBOX");
    HermodConn *c = logged_in();
    g_autofree char *stat = g_strdup_printf("+OK 3 %zu\r\n", strlen(msg1) + strlen(msg2) + WIRE3);
    EXPECT_EXACT(c, "STAT", stat);
    g_autofree char *list =
        g_strdup_printf("+OK 3 messages (%zu octets)\r\n1 %zu\r\n2 %zu\r\n3 %zu\r\n.\r\n",
                        strlen(msg1) + strlen(msg2) + WIRE3, strlen(msg1), strlen(msg2), WIRE3);
    EXPECT_EXACT(c, "LIST", list);
    g_autofree char *l2 = g_strdup_printf("+OK 2 %zu\r\n", strlen(msg2));
    EXPECT_EXACT(c, "LIST 2", l2);
    g_autofree char *uidl =
        g_strdup_printf("+OK 3 messages (%zu octets)\r\n1 %u.%u\r\n2 %u.%u\r\n3 %u.%u\r\n.\r\n",
                        strlen(msg1) + strlen(msg2) + WIRE3, uv, uid1, uv, uid2, uv, uid3);
    EXPECT_EXACT(c, "UIDL", uidl);
    g_autofree char *u3 = g_strdup_printf("+OK 3 %u.%u\r\n", uv, uid3);
    EXPECT_EXACT(c, "uidl 3", u3);
    EXPECT(c, "LIST 4", "-ERR No such message");
    EXPECT(c, "LIST 0", "-ERR Invalid message number");
    EXPECT(c, "LIST -1", "-ERR Invalid message number");
    EXPECT(c, "LIST 99999999999999999999999", "-ERR Invalid message number");
    EXPECT(c, "USER x", "-ERR Not allowed after login");
    EXPECT_EXACT(c, "NOOP", "+OK Ok\r\n");
    fake_conn_free(c);

    /* The same unique ids in a later session. */
    c = logged_in();
    EXPECT_EXACT(c, "UIDL 3", u3);
    fake_conn_free(c);
}

static void
test_retr_top(void)
{
    setup();
    HermodConn *c = logged_in();
    g_autofree char *r1 = g_strdup_printf("+OK %zu octets\r\n%s.\r\n", strlen(msg1), msg1);
    EXPECT_EXACT(c, "RETR 1", r1);
    g_autofree char *r2 = g_strdup_printf("+OK %zu octets\r\nSubject: two\r\nX: y\r\n\r\n"
                                          "..dot line\r\nline 2\r\n...two dots\r\n.\r\n",
                                          strlen(msg2));
    EXPECT_EXACT(c, "RETR 2", r2);
    g_autofree char *r3 = g_strdup_printf("+OK %zu octets\r\n%s\r\n.\r\n", WIRE3, msg3);
    EXPECT_EXACT(c, "RETR 3", r3);
    EXPECT_EXACT(c, "TOP 2 0", "+OK Top of message follows\r\nSubject: two\r\nX: y\r\n\r\n.\r\n");
    EXPECT_EXACT(c, "TOP 2 1",
                 "+OK Top of message follows\r\nSubject: two\r\nX: y\r\n\r\n..dot line\r\n.\r\n");
    EXPECT_EXACT(c, "TOP 3 5",
                 "+OK Top of message follows\r\nSubject: three\r\n\r\nno final newline\r\n.\r\n");
    EXPECT(c, "TOP 2", "-ERR Syntax");
    EXPECT(c, "TOP 2 x", "-ERR Syntax");
    EXPECT(c, "RETR 9", "-ERR No such message");
    fake_conn_free(c);
}

static void
test_retr_streams(void)
{
    setup();
    /* 4 MB of 100-byte lines, every tenth starting with a dot. */
    g_autoptr(GString) big = g_string_new("Subject: big\r\n\r\n");
    g_autoptr(GString) want = g_string_new(NULL);
    for (guint i = 0; big->len < 4 * 1024 * 1024; i++)
        g_string_append_printf(big, "%c%097u\r\n", i % 10 == 0 ? '.' : 'x', i);
    guint32 uid = fake_store_add(ALICE, "INBOX", big->str, big->len, 0, 0);
    g_string_append_printf(want, "+OK %zu octets\r\n", big->len);
    for (const char *p = big->str; *p != '\0';) {
        const char *nl = strchr(p, '\n');
        if (*p == '.')
            g_string_append_c(want, '.');
        g_string_append_len(want, p, nl + 1 - p);
        p = nl + 1;
    }
    g_string_append(want, ".\r\n+OK Ok\r\n");
    HermodConn *c = logged_in();
    /* Pipelined: NOOP waits until the message is out. */
    fake_feed(c, "RETR 4\r\nNOOP\r\n", -1);
    g_autofree char *got = fake_take(c);
    g_assert_cmpuint(strlen(got), ==, want->len);
    g_assert_true(strcmp(got, want->str) == 0);
    g_assert_cmpuint(fake_max_write(c), <=, 200 * 1024);
    EXPECT(c, "QUIT", "+OK");
    g_assert_cmpuint(fake_store_flags(ALICE, "INBOX", uid) & HERMOD_MAIL_FLAG_SEEN, !=, 0);
    fake_conn_free(c);
}

/* \Seen is written at QUIT only for messages that lacked it at login. */
static void
test_seen_once(void)
{
    setup();
    HermodConn *c = logged_in();
    EXPECT(c, "RETR 1", "+OK");
    EXPECT(c, "QUIT", "+OK");
    fake_conn_free(c);
    g_assert_cmpuint(fake_store_calls("update_flags"), ==, 1);
    c = logged_in();
    EXPECT(c, "RETR 1", "+OK");
    EXPECT(c, "QUIT", "+OK");
    fake_conn_free(c);
    g_assert_cmpuint(fake_store_calls("update_flags"), ==, 1);
    c = logged_in();
    EXPECT(c, "RETR 1", "+OK");
    EXPECT(c, "RETR 2", "+OK");
    EXPECT(c, "QUIT", "+OK");
    fake_conn_free(c);
    g_assert_cmpuint(fake_store_calls("update_flags"), ==, 2);
}

static void
test_dele_rset_quit(void)
{
    setup();
    fake_store_set_flags(ALICE, "INBOX", uid1, HERMOD_MAIL_FLAG_FLAGGED); /* by an IMAP session */
    HermodConn *c = logged_in();
    EXPECT(c, "DELE 1", "+OK");
    EXPECT(c, "DELE 1", "-ERR Message 1 already deleted");
    EXPECT(c, "RETR 1", "-ERR");
    EXPECT_EXACT(c, "LIST 1", "-ERR Message 1 already deleted\r\n");
    g_autofree char *stat = g_strdup_printf("+OK 2 %zu\r\n", strlen(msg2) + WIRE3);
    EXPECT_EXACT(c, "STAT", stat);
    EXPECT(c, "RSET", "+OK 3 ");
    EXPECT(c, "DELE 2", "+OK");
    EXPECT(c, "TOP 3 0", "+OK");
    EXPECT(c, "RETR 1", "+OK");
    /* Nothing is removed before QUIT. */
    g_autoptr(GArray) before = fake_store_uids(ALICE, "INBOX");
    g_assert_cmpuint(before->len, ==, 3);
    EXPECT(c, "QUIT", "+OK " FAKE_HOSTNAME " POP3 server signing off (1 messages deleted)");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
    g_autoptr(GArray) after = fake_store_uids(ALICE, "INBOX");
    g_assert_cmpuint(after->len, ==, 2);
    g_assert_cmpuint(g_array_index(after, guint32, 0), ==, uid1);
    g_assert_cmpuint(g_array_index(after, guint32, 1), ==, uid3);
    /* RETR added \Seen; the other flags stay as they were. */
    g_assert_cmpuint(fake_store_flags(ALICE, "INBOX", uid1), ==,
                     HERMOD_MAIL_FLAG_SEEN | HERMOD_MAIL_FLAG_FLAGGED);
    g_assert_cmpuint(fake_store_flags(ALICE, "INBOX", uid3) & HERMOD_MAIL_FLAG_SEEN, ==,
                     0); /* TOP only */

    /* A session that ends without QUIT deletes nothing. */
    c = logged_in();
    EXPECT(c, "DELE 1", "+OK");
    fake_conn_free(c);
    g_autoptr(GArray) still = fake_store_uids(ALICE, "INBOX");
    g_assert_cmpuint(still->len, ==, 2);
    /* QUIT with nothing deleted makes no expunge call. */
    guint calls = fake_store_calls("expunge");
    c = logged_in();
    EXPECT(c, "QUIT", "+OK");
    fake_conn_free(c);
    g_assert_cmpuint(fake_store_calls("expunge"), ==, calls);
}

static void
test_expunge_fails(void)
{
    setup();
    HermodConn *c = logged_in();
    EXPECT(c, "DELE 2", "+OK");
    fake_store_fail("expunge", HERMOD_MAIL_ERROR_IO);
    EXPECT(c, "QUIT", "-ERR [SYS/TEMP] ");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
    g_autoptr(GArray) uids = fake_store_uids(ALICE, "INBOX");
    g_assert_cmpuint(uids->len, ==, 3);
}

static void
test_in_use(void)
{
    setup();
    HermodConn *a = logged_in();
    HermodConn *b = fake_conn_new(TRUE);
    g_free(fake_take(b));
    EXPECT(b, "USER ALICE@example.org", "+OK");
    EXPECT(b, "PASS secret", "-ERR [IN-USE] ");
    g_assert_false(fake_is_closed(b));
    /* Another account is not affected. */
    HermodConn *other = fake_conn_new(TRUE);
    fake_login(other, "bob@example.org", "secret2");
    fake_conn_free(other);
    EXPECT(a, "QUIT", "+OK");
    EXPECT(b, "USER " ALICE, "+OK");
    EXPECT(b, "PASS secret", "+OK Logged in");
    fake_conn_free(a);
    fake_conn_free(b);
    /* A dropped connection frees the lock too. */
    HermodConn *d = logged_in();
    fake_conn_free(d);
}

static void
test_expunged_meanwhile(void)
{
    setup();
    HermodConn *c = logged_in();
    fake_store_expunge(ALICE, "INBOX", uid2); /* by an IMAP session */
    EXPECT(c, "RETR 2", "-ERR Message was removed");
    EXPECT(c, "TOP 2 0", "-ERR Message was removed");
    EXPECT(c, "LIST 2", "+OK 2 ");
    EXPECT(c, "DELE 2", "+OK");
    EXPECT(c, "QUIT", "+OK");
    fake_conn_free(c);
}

static void
test_bad_input(void)
{
    setup();
    fake_set_setting("max_errors", "5");
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    EXPECT(c, "HELO x", "-ERR Unknown command");
    EXPECT(c, "", "-ERR Empty command");
    EXPECT(c, "US\001ER", "-ERR Invalid characters");
    EXPECT(c, "APOP alice 0123", "-ERR APOP");
    g_autofree char *lng = g_strnfill(600, 'A');
    g_autofree char *cmd = g_strconcat("USER ", lng, NULL);
    EXPECT(c, cmd, "-ERR Line too long");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);

    /* A line far past the core's limit arrives in pieces: one error. */
    setup();
    c = fake_conn_new(TRUE);
    fake_set_line_limit(c, 64);
    g_free(fake_take(c));
    g_autofree char *huge = g_strnfill(20000, 'x');
    EXPECT_EXACT(c, huge, "-ERR Line too long\r\n");
    EXPECT(c, "NOOP", "-ERR");
    EXPECT(c, "QUIT", "+OK");
    fake_conn_free(c);
}

static void
test_pipelining(void)
{
    setup();
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    fake_feed(c, "USER " ALICE "\r\nPASS secret\r\nSTAT\r\nTOP 1 0\r\nQUIT\r\n", -1);
    g_autofree char *out = fake_take(c);
    g_autofree char *want =
        g_strdup_printf("+OK Send PASS\r\n+OK Logged in, 3 messages\r\n+OK 3 %zu\r\n"
                        "+OK Top of message follows\r\nSubject: one\r\n\r\n.\r\n"
                        "+OK " FAKE_HOSTNAME " POP3 server signing off (0 messages deleted)\r\n",
                        strlen(msg1) + strlen(msg2) + WIRE3);
    g_assert_cmpstr(out, ==, want);
    fake_conn_free(c);
}

static void
test_stuffer_pieces(void)
{
    /* Any split of the input gives the same bytes. */
    const char *in = "H: v\r\n\r\n.a\r\nb\n.\r\n..\r\nlast";
    gsize len = strlen(in);
    for (gint64 lines = -1; lines < 6; lines++) {
        g_autoptr(GString) whole = g_string_new(NULL);
        Pop3Stuffer st;
        pop3_stuffer_init(&st, lines);
        pop3_stuffer_feed(&st, in, len, whole);
        pop3_stuffer_finish(&st, whole);
        for (gsize cut = 0; cut <= len; cut++) {
            g_autoptr(GString) out = g_string_new(NULL);
            pop3_stuffer_init(&st, lines);
            gsize n = pop3_stuffer_feed(&st, in, cut, out);
            if (!st.is_done)
                pop3_stuffer_feed(&st, in + n, len - n, out);
            pop3_stuffer_finish(&st, out);
            g_assert_cmpstr(out->str, ==, whole->str);
        }
        if (lines < 0)
            g_assert_cmpstr(whole->str, ==, "H: v\r\n\r\n..a\r\nb\r\n..\r\n...\r\nlast\r\n.\r\n");
        if (lines == 2)
            g_assert_cmpstr(whole->str, ==, "H: v\r\n\r\n..a\r\nb\r\n.\r\n");
    }
}

static void
test_wire_size(void)
{
    g_assert_cmpuint(pop3_wire_size("", 0), ==, 0);
    g_assert_cmpuint(pop3_wire_size("a\r\n", 3), ==, 3);
    g_assert_cmpuint(pop3_wire_size("a", 1), ==, 3);
    g_assert_cmpuint(pop3_wire_size("\n", 1), ==, 2);
    g_assert_cmpuint(pop3_wire_size("a\nb\r\rc\r\r\n.\r\nx\r", 13), ==, 16);
    /* The stuffer sends exactly that, plus dot-stuffing and the end. */
    const char *in = "H: v\n\r\n.a\rb\n\n..\r\nlast";
    g_autoptr(GString) out = g_string_new(NULL);
    Pop3Stuffer st;
    pop3_stuffer_init(&st, -1);
    pop3_stuffer_feed(&st, in, strlen(in), out);
    pop3_stuffer_finish(&st, out);
    g_assert_cmpuint(pop3_wire_size(in, strlen(in)), ==, out->len - 2 - 3);
}

/* LIST, STAT and the RETR reply count a bare LF as CRLF. */
static void
test_list_bare_lf(void)
{
    setup();
    static const char bare[] = "Subject: bare\n\nline\nlast";
    fake_store_add(ALICE, "INBOX", bare, strlen(bare), 0, 0);
    /* A big one, whose size also goes to the store's parse cache. */
    g_autoptr(GString) big = g_string_new("Subject: big\r\n\r\n");
    gsize big_wire = 0;
    for (; big->len < 300 * 1024; big_wire++) /* each bare LF goes out as CRLF */
        g_string_append(big, "a line with a bare LF\n");
    fake_store_add(ALICE, "INBOX", big->str, big->len, 0, 0);
    big_wire += big->len;
    for (int round = 0; round < 2; round++) { /* the second from the cache */
        HermodConn *c = logged_in();
        g_autofree char *l4 = g_strdup_printf("+OK 4 %zu\r\n", strlen(bare) + 3 + 2);
        EXPECT_EXACT(c, "LIST 4", l4);
        g_autofree char *r4 = g_strdup_printf(
            "+OK %zu octets\r\nSubject: bare\r\n\r\nline\r\nlast\r\n.\r\n", strlen(bare) + 5);
        EXPECT_EXACT(c, "RETR 4", r4);
        g_autofree char *l5 = g_strdup_printf("+OK 5 %zu\r\n", big_wire);
        EXPECT_EXACT(c, "LIST 5", l5);
        EXPECT(c, "QUIT", "+OK");
        fake_conn_free(c);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/pop3/capa-cleartext", test_capa_cleartext);
    g_test_add_func("/pop3/stls-drops-pipelined", test_stls_drops_pipelined);
    g_test_add_func("/pop3/trusted-and-pop3s", test_trusted_and_pop3s);
    g_test_add_func("/pop3/auth-plain", test_auth_plain);
    g_test_add_func("/pop3/auth-plain-rfc4616", test_auth_plain_rfc4616);
    g_test_add_func("/pop3/auth-blocked-tempfail", test_auth_blocked_tempfail);
    g_test_add_func("/pop3/stat-list-uidl", test_stat_list_uidl);
    g_test_add_func("/pop3/retr-top", test_retr_top);
    g_test_add_func("/pop3/retr-streams", test_retr_streams);
    g_test_add_func("/pop3/dele-rset-quit", test_dele_rset_quit);
    g_test_add_func("/pop3/seen-once", test_seen_once);
    g_test_add_func("/pop3/expunge-fails", test_expunge_fails);
    g_test_add_func("/pop3/in-use", test_in_use);
    g_test_add_func("/pop3/expunged-meanwhile", test_expunged_meanwhile);
    g_test_add_func("/pop3/bad-input", test_bad_input);
    g_test_add_func("/pop3/pipelining", test_pipelining);
    g_test_add_func("/pop3/stuffer-pieces", test_stuffer_pieces);
    g_test_add_func("/pop3/wire-size", test_wire_size);
    g_test_add_func("/pop3/list-bare-lf", test_list_bare_lf);
    return g_test_run();
}
