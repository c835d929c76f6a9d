/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-session.c - the IMAP module's session against a fake core and a fake
 * mail store: greeting and capabilities, STARTTLS, LOGIN/AUTHENTICATE,
 * literals and limits, bad input, mailbox commands, LIST, SELECT, APPEND,
 * STORE, COPY/MOVE, EXPUNGE, untagged updates, IDLE, QUOTA and output
 * back-pressure.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-imap.h"
#include "session.h"

static void
setup(void)
{
    fake_core_reset();
}

static void
test_greeting(void)
{
    setup();
    HermodConn *c = fake_conn_new(FALSE);
    g_autofree char *g = fake_take(c);
    g_assert_true(g_str_has_prefix(g, "* OK [CAPABILITY IMAP4rev1 IMAP4rev2 "));
    g_assert_nonnull(strstr(g, " STARTTLS"));
    g_assert_nonnull(strstr(g, " LOGINDISABLED"));
    g_assert_null(strstr(g, "AUTH=PLAIN"));
    EXPECT(c, "a1 LOGIN alice@example.org secret", "a1 NO [PRIVACYREQUIRED]");
    EXPECT(c, "a2 AUTHENTICATE PLAIN", "a2 NO [PRIVACYREQUIRED]");
    EXPECT(c, "a3 CAPABILITY", "a3 OK");
    fake_conn_free(c);
}

static void
test_trusted_plain_login(void)
{
    setup();
    HermodConn *c = fake_conn_new(FALSE);
    fake_set_trusted(c, TRUE);
    g_free(fake_take(c));
    EXPECT(c, "a1 CAPABILITY", "AUTH=PLAIN SASL-IR");
    EXPECT(c, "a2 LOGIN alice@example.org secret", "a2 OK [CAPABILITY");
    fake_conn_free(c);
}

static void
test_starttls(void)
{
    setup();
    HermodConn *c = fake_conn_new(FALSE);
    g_free(fake_take(c));
    /* The NOOP pipelined after STARTTLS must be dropped (no injection). */
    fake_feed(c, "a1 STARTTLS\r\na2 NOOP\r\n", -1);
    g_autofree char *r = fake_take(c);
    g_assert_cmpstr(r, ==, "a1 OK Begin TLS negotiation now\r\n");
    EXPECT(c, "a3 CAPABILITY", "AUTH=PLAIN");
    EXPECT(c, "a4 STARTTLS", "a4 BAD");
    g_autofree char *caps = fake_cmd(c, "a5 CAPABILITY");
    g_assert_null(strstr(caps, "STARTTLS"));
    g_assert_null(strstr(caps, "LOGINDISABLED"));
    fake_conn_free(c);
}

static void
test_login(void)
{
    setup();
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    EXPECT(c, "a1 LOGIN alice@example.org wrong", "a1 NO [AUTHENTICATIONFAILED]");
    EXPECT(c, "a2 LOGIN tempfail x", "a2 NO [UNAVAILABLE]");
    EXPECT(c, "a3 LOGIN onlyuser", "a3 BAD");
    EXPECT(c, "a4 SELECT INBOX", "a4 BAD [CLIENTBUG] Log in first");
    EXPECT(c, "a5 LOGIN \"alice@example.org\" {6}", "+ Ready");
    EXPECT(c, "secret", "a5 OK [CAPABILITY IMAP4rev1");
    EXPECT(c, "a6 LOGIN alice@example.org secret", "a6 BAD");
    EXPECT(c, "a7 LOGOUT", "* BYE");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_authenticate(void)
{
    setup();
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    /* "\0alice@example.org\0secret" */
    const char *ir = "AGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==";
    EXPECT(c, "a1 AUTHENTICATE CRAM-MD5", "a1 NO [CANNOT]");
    EXPECT(c, "a2 AUTHENTICATE PLAIN", "+ \r\n");
    EXPECT(c, "*", "a2 BAD");
    EXPECT(c, "a3 AUTHENTICATE PLAIN", "+ ");
    EXPECT(c, "!!!", "a3 BAD");
    EXPECT(c, "a4 AUTHENTICATE PLAIN", "+ ");
    EXPECT(c, ir, "a4 OK [CAPABILITY");
    fake_conn_free(c);
    c = fake_conn_new(TRUE);
    g_autofree char *line = g_strdup_printf("a1 AUTHENTICATE PLAIN %s", ir);
    EXPECT(c, line, "a1 OK");
    fake_conn_free(c);
    c = fake_conn_new(TRUE);
    /* authzid "bob" acting for alice */
    EXPECT(c, "a1 AUTHENTICATE PLAIN Ym9iAGFsaWNlQGV4YW1wbGUub3JnAHNlY3JldA==",
           "a1 NO [AUTHORIZATIONFAILED]");
    fake_conn_free(c);
}

/* "a1 AUTHENTICATE PLAIN " + base64 of len raw bytes.  (transfer full) */
static char *
authenticate_cmd(const char *raw, gsize len)
{
    g_autofree char *b64 = g_base64_encode((const guchar *)raw, len);
    return g_strconcat("a1 AUTHENTICATE PLAIN ", b64, NULL);
}

#define RAW(s) s, sizeof(s) - 1

/* The cases where IMAP decoded PLAIN unlike SMTP and POP3 (lenient
 * base64, empty fields, authzid case); modules/common decides now. */
static void
test_authenticate_rfc4616(void)
{
    setup();
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    g_autofree char *same = authenticate_cmd(RAW("ALICE@example.org\0alice@example.org\0secret"));
    EXPECT(c, same, "a1 OK [CAPABILITY");
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
        g_autofree char *cmd = authenticate_cmd(bad[i].raw, bad[i].len);
        EXPECT(c, cmd, "a1 BAD [CLIENTBUG] Malformed PLAIN response");
    }
    /* Strict base64: a stray character is refused, not skipped. */
    EXPECT(c, "a2 AUTHENTICATE PLAIN AGFsaWNl!QGV4YW1wbGUub3JnAHNlY3JldA==",
           "a2 BAD [CLIENTBUG] Invalid base64");
    EXPECT(c, "a3 AUTHENTICATE PLAIN NIL", "a3 BAD [CLIENTBUG] Invalid base64");
    EXPECT(c, "a4 AUTHENTICATE PLAIN =", "a4 BAD [CLIENTBUG] Malformed PLAIN response");
    /* In a continuation "=" is not base64; the empty line is empty. */
    EXPECT(c, "a5 AUTHENTICATE PLAIN", "+ \r\n");
    EXPECT(c, "=", "a5 BAD [CLIENTBUG] Invalid base64");
    EXPECT(c, "a6 AUTHENTICATE PLAIN", "+ \r\n");
    EXPECT(c, "", "a6 BAD [CLIENTBUG] Malformed PLAIN response");
    EXPECT(c, "a7 NOOP", "a7 OK");
    fake_conn_free(c);
}

static void
test_bad_input(void)
{
    setup();
    fake_set_setting("max_bad_commands", "4");
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    EXPECT(c, "", "* BAD");
    EXPECT(c, "a1 FROB", "a1 BAD [CLIENTBUG] Unknown command");
    EXPECT(c, "a2 UID LOGIN", "a2 BAD");
    g_assert_false(fake_is_closed(c));
    EXPECT(c, "a3 (", "* BYE Too many invalid commands");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_literal_limits(void)
{
    setup();
    fake_set_setting("max_literal", "2K");
    fake_set_setting("max_line", "1K");
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    EXPECT(c, "a1 LOGIN {5000}", "a1 NO [TOOBIG]");
    EXPECT(c, "a2 NOOP", "a2 OK");
    /* A line longer than max_line, delivered by the core in pieces. */
    fake_set_line_limit(c, 100);
    g_autofree char *junk = g_strnfill(3000, 'x');
    g_autofree char *line = g_strdup_printf("a3 NOOP %s", junk);
    EXPECT(c, line, "a3 BAD [TOOBIG]");
    EXPECT(c, "a4 NOOP", "a4 OK");
    /* Non-synchronising: no "+", and too big ends the session. */
    fake_feed(c, "a5 ID {3+}\r\nNIL\r\n", -1);
    g_autofree char *r = fake_take(c);
    g_assert_null(strstr(r, "+ Ready"));
    g_assert_nonnull(strstr(r, "a5 "));
    EXPECT(c, "a6 LOGIN {5000+}", "* BYE [TOOBIG]");
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_mailboxes(void)
{
    setup();
    HermodConn *c = fake_login();
    EXPECT(c, "a1 CREATE Work/Projects", "a1 OK");
    EXPECT(c, "a2 CREATE Work", "a2 NO [ALREADYEXISTS]");
    EXPECT(c, "a3 LIST \"\" \"*\"", "* LIST (\\HasChildren) \"/\" \"Work\"");
    EXPECT(c, "a4 LIST \"\" \"%\"", "* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent\"");
    g_autofree char *pct = fake_cmd(c, "a5 LIST \"\" \"%\"");
    g_assert_null(strstr(pct, "Projects"));
    EXPECT(c, "a6 LIST \"\" \"\"", "* LIST (\\Noselect) \"/\" \"\"");
    EXPECT(c, "a7 LIST Work/ %", "\"Work/Projects\"");
    EXPECT(c, "a8 RENAME Work Job", "a8 OK");
    EXPECT(c, "a9 LIST \"\" \"Job/*\"", "\"Job/Projects\"");
    EXPECT(c, "b1 DELETE Nope", "b1 NO [NONEXISTENT]");
    EXPECT(c, "b2 DELETE INBOX", "b2 NO [CANNOT]");
    EXPECT(c, "b3 SUBSCRIBE Job", "b3 OK");
    EXPECT(c, "b4 LSUB \"\" \"*\"", "* LSUB (\\HasChildren \\Subscribed) \"/\" \"Job\"");
    EXPECT(c, "b5 LIST (SUBSCRIBED) \"\" \"*\" RETURN (STATUS (MESSAGES UIDNEXT))",
           "* STATUS \"Job\" (MESSAGES 0 UIDNEXT 1)");
    EXPECT(c, "b6 LIST (SPECIAL-USE) \"\" \"*\"", "\\Sent) \"/\" \"Sent\"");
    EXPECT(c, "b7 LIST (RECURSIVEMATCH) \"\" \"*\"", "b7 BAD");
    EXPECT(c, "b8 STATUS INBOX (MESSAGES UNSEEN SIZE DELETED APPENDLIMIT)",
           "* STATUS \"INBOX\" (MESSAGES 0 UNSEEN 0 SIZE 0 DELETED 0 APPENDLIMIT 52428800)");
    EXPECT(c, "b9 STATUS INBOX (BOGUS)", "b9 BAD");
    EXPECT(c, "c1 NAMESPACE", "* NAMESPACE ((\"\" \"/\")) NIL NIL");
    fake_conn_free(c);
}

static void
test_mailbox_names(void)
{
    setup();
    HermodConn *c = fake_login();
    /* Modified UTF-7 for a rev1 client, stored as UTF-8. */
    EXPECT(c, "a1 CREATE \"Entw&APw-rfe\"", "a1 OK");
    EXPECT(c, "a2 LIST \"\" \"Entw*\"", "\"Entw&APw-rfe\"");
    EXPECT(c, "a3 CREATE \"bad&-&\"", "a3 BAD");
    EXPECT(c, "a4 ENABLE UTF8=ACCEPT", "* ENABLED UTF8=ACCEPT");
    EXPECT(c, "a5 LIST \"\" \"Entw*\"",
           "\"Entw\xc3\xbc"
           "rfe\"");
    EXPECT(c, "a6 select inbox", "a6 OK [READ-WRITE]");
    fake_conn_free(c);
}

static void
test_select_append(void)
{
    setup();
    HermodConn *c = fake_login();
    fake_store_add(FAKE_ACCOUNT, "INBOX", "Subject: one\r\n\r\nhi\r\n", -1, HERMOD_MAIL_FLAG_SEEN,
                   0);
    fake_store_add(FAKE_ACCOUNT, "INBOX", "Subject: two\r\n\r\nhi\r\n", -1, 0, 0);
    g_autofree char *r = fake_cmd(c, "a1 SELECT INBOX");
    g_assert_nonnull(strstr(r, "* 2 EXISTS\r\n"));
    g_assert_nonnull(strstr(r, "* OK [UNSEEN 2]"));
    g_assert_nonnull(strstr(r, "* OK [UIDNEXT 3]"));
    g_assert_nonnull(strstr(r, "* OK [UIDVALIDITY "));
    g_assert_nonnull(strstr(r, "a1 OK [READ-WRITE]"));
    EXPECT(c, "a2 APPEND INBOX (\\Flagged $Work) \"22-Nov-2026 10:00:00 +0100\" {10}", "+ Ready");
    EXPECT(c, "Hi there\r\n", "a2 OK [APPENDUID ");
    /* The selected mailbox learns of its own APPEND as EXISTS. */
    EXPECT(c, "a3 NOOP", "a3 OK");
    EXPECT(c, "a4 APPEND Nope {2+}\r\nhi", "a4 NO [TRYCREATE]");
    EXPECT(c, "a5 APPEND INBOX \"not a date\" {2+}\r\nhi", "a5 BAD");
    fake_store_set_quota(FAKE_ACCOUNT, 10);
    EXPECT(c, "a6 APPEND INBOX {20+}\r\n0123456789012345678", "a6 NO [OVERQUOTA]");
    EXPECT(c, "a7 EXAMINE INBOX", "a7 OK [READ-ONLY]");
    EXPECT(c, "a8 STORE 1 +FLAGS (\\Deleted)", "a8 NO [READ-ONLY]");
    EXPECT(c, "a9 UNSELECT", "a9 OK");
    EXPECT(c, "b1 STORE 1 +FLAGS (\\Deleted)", "b1 BAD");
    fake_conn_free(c);
}

static void
test_append_big_literal(void)
{
    setup();
    fake_set_setting("max_literal", "2K");
    HermodConn *c = fake_login();
    g_autofree char *body = g_strnfill(100000, 'a');
    g_autofree char *cmd = g_strdup_printf("a1 APPEND INBOX {%zu+}\r\n%s", strlen(body), body);
    EXPECT(c, cmd, "a1 OK [APPENDUID");
    EXPECT(c, "a2 STATUS INBOX (SIZE)", "(SIZE 100000)");
    fake_conn_free(c);
}

static void
test_store(void)
{
    setup();
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m1", -1, 0, 0);
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m2", -1, 0, 0);
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m3", -1, 0, 0);
    HermodConn *c = fake_login();
    g_free(fake_cmd(c, "a1 SELECT INBOX"));
    EXPECT(c, "a2 STORE 1:2 +FLAGS (\\Seen $Todo)", "* 2 FETCH (UID 2 FLAGS (\\Seen $Todo))");
    g_autofree char *silent = fake_cmd(c, "a3 STORE 3 FLAGS.SILENT (\\Flagged)");
    g_assert_cmpstr(silent, ==, "a3 OK STORE completed\r\n");
    EXPECT(c, "a4 UID STORE 3 -FLAGS \\Flagged", "* 3 FETCH (UID 3 FLAGS ())");
    EXPECT(c, "a5 STORE 1 (UNCHANGEDSINCE 1) +FLAGS (\\Answered)", "a5 OK [MODIFIED 1]");
    EXPECT(c, "a6 STORE 1 +FLAGS (\\Bogus)", "a6 BAD");
    EXPECT(c, "a7 STORE x +FLAGS (\\Seen)", "a7 BAD");
    EXPECT(c, "a8 STORE 1 FLAGS", "a8 BAD");
    fake_conn_free(c);
}

static void
test_copy_move_expunge(void)
{
    setup();
    for (int i = 0; i < 4; i++)
        fake_store_add(FAKE_ACCOUNT, "INBOX", "msg", -1, 0, 0);
    HermodConn *c = fake_login();
    g_free(fake_cmd(c, "a1 SELECT INBOX"));
    EXPECT(c, "a2 COPY 1:2 Sent", "a2 OK [COPYUID ");
    EXPECT(c, "a3 COPY 1 Nope", "a3 NO [TRYCREATE]");
    g_autofree char *mv = fake_cmd(c, "a4 MOVE 2 Sent");
    g_assert_nonnull(strstr(mv, "* OK [COPYUID "));
    g_assert_nonnull(strstr(mv, "* 2 EXPUNGE\r\n"));
    g_assert_nonnull(strstr(mv, "a4 OK MOVE completed"));
    /* Now UIDs 1,3,4 at seq 1..3. */
    g_free(fake_cmd(c, "a5 STORE 1:2 +FLAGS.SILENT (\\Deleted)"));
    g_autofree char *ue = fake_cmd(c, "a6 UID EXPUNGE 1:2");
    g_assert_cmpstr(ue, ==, "* 1 EXPUNGE\r\na6 OK EXPUNGE completed\r\n");
    g_autofree char *ex = fake_cmd(c, "a7 EXPUNGE");
    g_assert_cmpstr(ex, ==, "* 1 EXPUNGE\r\na7 OK EXPUNGE completed\r\n");
    g_free(fake_cmd(c, "a8 STORE 1 +FLAGS.SILENT (\\Deleted)"));
    g_autofree char *cl = fake_cmd(c, "a9 CLOSE");
    g_assert_cmpstr(cl, ==, "a9 OK CLOSE completed\r\n");
    EXPECT(c, "b1 STATUS INBOX (MESSAGES)", "(MESSAGES 0)");
    EXPECT(c, "b2 STATUS Sent (MESSAGES)", "(MESSAGES 3)");
    fake_conn_free(c);
}

static void
test_updates(void)
{
    setup();
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m1", -1, 0, 0);
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m2", -1, 0, 0);
    HermodConn *c = fake_login();
    g_free(fake_cmd(c, "a1 SELECT INBOX"));
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m3", -1, 0, 0);
    fake_store_set_flags(FAKE_ACCOUNT, "INBOX", 2, HERMOD_MAIL_FLAG_FLAGGED);
    g_autofree char *r = fake_cmd(c, "a2 NOOP");
    g_assert_nonnull(strstr(r, "* 2 FETCH (UID 2 FLAGS (\\Flagged))"));
    g_assert_nonnull(strstr(r, "* 3 EXISTS"));
    /* No EXPUNGE after a STORE by sequence number (RFC 9051 7.5.3)... */
    fake_store_expunge(FAKE_ACCOUNT, "INBOX", 1);
    g_autofree char *st = fake_cmd(c, "a3 STORE 3 +FLAGS (\\Seen)");
    g_assert_null(strstr(st, "EXPUNGE"));
    g_assert_nonnull(strstr(st, "* 3 FETCH"));
    /* ...but after NOOP. */
    EXPECT(c, "a4 NOOP", "* 1 EXPUNGE\r\na4 OK");
    fake_conn_free(c);
}

/* A UID command or NOOP with no expunge since the last report must not read
 * the mailbox status (O(mailbox) in the real store): mbsync sends one UID
 * FETCH per message.  Expunges by others are still reported. */
static void
test_sync_without_status(void)
{
    setup();
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m1", -1, 0, 0);
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m2", -1, 0, 0);
    HermodConn *c = fake_login();
    g_free(fake_cmd(c, "a1 SELECT INBOX"));
    guint before = fake_store_calls("mailbox_status");
    EXPECT(c, "a2 UID FETCH 1 (FLAGS)", "* 1 FETCH (UID 1 FLAGS ())\r\na2 OK");
    EXPECT(c, "a3 NOOP", "a3 OK");
    EXPECT(c, "a4 UID FETCH 1:* (UID)", "a4 OK");
    g_assert_cmpuint(fake_store_calls("mailbox_status"), ==, before);
    fake_store_expunge(FAKE_ACCOUNT, "INBOX", 1);
    fake_store_drop_watches(); /* the fake's watch says "some mailbox changed" */
    EXPECT(c, "a5 UID FETCH 2 (FLAGS)", "* 2 FETCH (UID 2 FLAGS ())\r\n* 1 EXPUNGE\r\na5 OK");
    EXPECT(c, "a6 NOOP", "a6 OK");
    g_assert_cmpuint(fake_store_calls("mailbox_status"), ==, before + 1);
    fake_conn_free(c);
}

static void
test_qresync(void)
{
    setup();
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m1", -1, 0, 0);
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m2", -1, 0, 0);
    fake_store_add(FAKE_ACCOUNT, "INBOX", "m3", -1, 0, 0);
    HermodConn *c = fake_login();
    g_autofree char *sel = fake_cmd(c, "a1 SELECT INBOX");
    const char *uv = strstr(sel, "[UIDVALIDITY ") + 13;
    guint32 uidvalidity = (guint32)g_ascii_strtoull(uv, NULL, 10);
    g_free(fake_cmd(c, "a2 UNSELECT"));
    fake_store_expunge(FAKE_ACCOUNT, "INBOX", 2);
    fake_store_set_flags(FAKE_ACCOUNT, "INBOX", 3, HERMOD_MAIL_FLAG_SEEN);
    EXPECT(c, "a3 ENABLE QRESYNC", "* ENABLED QRESYNC");
    g_autofree char *line = g_strdup_printf("a4 SELECT INBOX (QRESYNC (%u 3))", uidvalidity);
    g_autofree char *r = fake_cmd(c, line);
    g_assert_nonnull(strstr(r, "* VANISHED (EARLIER) 2\r\n"));
    g_assert_nonnull(strstr(r, "* 2 FETCH (UID 3 FLAGS (\\Seen) MODSEQ ("));
    fake_store_expunge(FAKE_ACCOUNT, "INBOX", 1);
    EXPECT(c, "a5 NOOP", "* VANISHED 1\r\n");
    fake_conn_free(c);
}

static void
test_idle(void)
{
    setup();
    HermodConn *c = fake_login();
    g_free(fake_cmd(c, "a1 SELECT INBOX"));
    EXPECT(c, "a2 IDLE", "+ idling\r\n");
    fake_store_add(FAKE_ACCOUNT, "INBOX", "new", -1, 0, 0);
    fake_pump(c);
    g_autofree char *pushed = fake_take(c);
    g_assert_cmpstr(pushed, ==, "* 1 EXISTS\r\n");
    EXPECT(c, "DONE", "a2 OK IDLE terminated");
    EXPECT(c, "a3 IDLE", "+ idling");
    EXPECT(c, "NOPE", "a3 BAD");
    fake_conn_free(c);
}

static void
test_quota(void)
{
    setup();
    HermodConn *c = fake_login();
    EXPECT(c, "a1 GETQUOTAROOT INBOX", "* QUOTAROOT \"INBOX\"\r\na1 OK");
    EXPECT(c, "a2 GETQUOTA \"\"", "a2 NO [NONEXISTENT]");
    fake_store_add(FAKE_ACCOUNT, "INBOX", "0123456789", -1, 0, 0);
    fake_store_set_quota(FAKE_ACCOUNT, 10 * 1024);
    EXPECT(c, "a3 GETQUOTAROOT INBOX", "* QUOTA \"\" (STORAGE 1 10)");
    EXPECT(c, "a4 GETQUOTA \"\"", "* QUOTA \"\" (STORAGE 1 10)");
    fake_conn_free(c);
}

static void
test_backpressure(void)
{
    setup();
    HermodConn *c = fake_login();
    for (int i = 0; i < 6000; i++) {
        g_autofree char *name = g_strdup_printf("Folder-%05d-with-a-long-name", i);
        fake_store_create(FAKE_ACCOUNT, name, NULL);
    }
    fake_set_backpressure(c, TRUE);
    fake_feed(c, "a1 LIST \"\" \"*\"\r\na2 NOOP\r\n", -1);
    g_assert_true(fake_is_paused(c));
    GString *all = g_string_new(NULL);
    for (int round = 0; round < 100 && strstr(all->str, "a2 OK") == NULL; round++) {
        g_autofree char *piece = fake_drain(c);
        g_assert_cmpuint(strlen(piece), <=, 256 * 1024 + 64 * 1024);
        g_string_append(all, piece);
    }
    g_assert_nonnull(strstr(all->str, "Folder-05999-with-a-long-name"));
    g_assert_nonnull(strstr(all->str, "a1 OK LIST completed\r\na2 OK"));
    g_assert_cmpuint(all->len, >, 300000);
    g_string_free(all, TRUE);
    fake_conn_free(c);
}

static void
test_fetch_search(void)
{
    setup();
    fake_store_add(FAKE_ACCOUNT, "INBOX",
                   "Subject: alpha\r\nFrom: a@example.org\r\n\r\nfirst body\r\n", -1, 0, 0);
    fake_store_add(FAKE_ACCOUNT, "INBOX",
                   "Subject: beta\r\nFrom: b@example.org\r\n\r\nsecond body\r\n", -1,
                   HERMOD_MAIL_FLAG_SEEN, 0);
    HermodConn *c = fake_login();
    g_free(fake_cmd(c, "a1 SELECT INBOX"));
    EXPECT(c, "a2 FETCH 1:2 (UID FLAGS)", "* 2 FETCH (");
    EXPECT(c, "a3 UID FETCH 2 (BODY.PEEK[HEADER.FIELDS (SUBJECT)])", "Subject: beta");
    /* BODY[] without PEEK sets \Seen in the store. */
    g_autofree char *r = fake_cmd(c, "a4 FETCH 1 BODY[TEXT]");
    g_assert_nonnull(strstr(r, "first body"));
    g_assert_nonnull(strstr(r, "\\Seen"));
    g_assert_nonnull(strstr(r, "a4 OK"));
    EXPECT(c, "a5 STATUS INBOX (UNSEEN)", "(UNSEEN 0)");
    EXPECT(c, "a6 SEARCH SUBJECT beta", "* SEARCH 2\r\n");
    EXPECT(c, "a7 UID SEARCH RETURN (SAVE) FROM a@example.org", "a7 OK");
    EXPECT(c, "a8 FETCH $ (UID)", "* 1 FETCH (UID 1)");
    EXPECT(c, "a9 FETCH 1 (BOGUS)", "a9 BAD");
    EXPECT(c, "b1 SORT (SUBJECT) UTF-8 ALL", "* SORT 1 2");
    EXPECT(c, "b2 THREAD ORDEREDSUBJECT UTF-8 ALL", "* THREAD (1)(2)");
    fake_conn_free(c);
}

/* A FETCH bigger than the core's buffer goes out in batches as the client
 * reads, with input paused meanwhile. */
static void
test_fetch_streams(void)
{
    setup();
    g_autofree char *big = g_strnfill(300000, 'x');
    for (int i = 0; i < 4; i++) {
        g_autofree char *msg = g_strdup_printf("Subject: %d\r\n\r\n%s\r\n", i, big);
        fake_store_add(FAKE_ACCOUNT, "INBOX", msg, -1, 0, 0);
    }
    HermodConn *c = fake_login();
    g_free(fake_cmd(c, "a1 SELECT INBOX"));
    fake_set_backpressure(c, TRUE);
    fake_feed(c, "a2 FETCH 1:4 BODY.PEEK[]\r\na3 NOOP\r\n", -1);
    GString *all = g_string_new(NULL);
    for (int round = 0; round < 200 && strstr(all->str, "a3 OK") == NULL; round++) {
        g_autofree char *piece = fake_drain(c);
        g_assert_cmpuint(strlen(piece), <=, 4 * 320000);
        g_string_append(all, piece);
    }
    g_assert_nonnull(strstr(all->str, "* 4 FETCH"));
    g_assert_nonnull(strstr(all->str, "a2 OK FETCH completed\r\na3 OK"));
    g_assert_cmpuint(all->len, >, 4 * 300000);
    g_string_free(all, TRUE);
    fake_conn_free(c);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/session/greeting", test_greeting);
    g_test_add_func("/imap/session/trusted-plain-login", test_trusted_plain_login);
    g_test_add_func("/imap/session/starttls", test_starttls);
    g_test_add_func("/imap/session/login", test_login);
    g_test_add_func("/imap/session/authenticate", test_authenticate);
    g_test_add_func("/imap/session/authenticate-rfc4616", test_authenticate_rfc4616);
    g_test_add_func("/imap/session/bad-input", test_bad_input);
    g_test_add_func("/imap/session/literal-limits", test_literal_limits);
    g_test_add_func("/imap/mailbox/commands", test_mailboxes);
    g_test_add_func("/imap/mailbox/names", test_mailbox_names);
    g_test_add_func("/imap/message/select-append", test_select_append);
    g_test_add_func("/imap/message/append-big-literal", test_append_big_literal);
    g_test_add_func("/imap/message/store", test_store);
    g_test_add_func("/imap/message/copy-move-expunge", test_copy_move_expunge);
    g_test_add_func("/imap/selected/updates", test_updates);
    g_test_add_func("/imap/selected/qresync", test_qresync);
    g_test_add_func("/imap/selected/sync-without-status", test_sync_without_status);
    g_test_add_func("/imap/idle", test_idle);
    g_test_add_func("/imap/quota", test_quota);
    g_test_add_func("/imap/output/backpressure", test_backpressure);
    g_test_add_func("/imap/fetch/fetch-search", test_fetch_search);
    g_test_add_func("/imap/fetch/streams", test_fetch_streams);
    return g_test_run();
}
