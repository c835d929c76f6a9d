/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-semantics.c - RFC 9051 / RFC 3501 corner cases of the IMAP session
 * against the fake core and store: message sequence numbers past the end
 * of the mailbox (BAD, but "*" and UID sets stay lenient), the selected
 * mailbox deleted or renamed by another session (BYE on delete, followed
 * on rename), LSUB only before ENABLE IMAP4rev2, mailbox names in
 * modified UTF-7 and UTF-8, and state and syntax refusals.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-imap.h"
#include "session.h"

/* A logged-in connection with mailbox selected, holding n messages. */
static HermodConn *
selected_with(const char *mailbox, guint n)
{
    fake_core_reset();
    HermodConn *c = fake_login();
    if (strcmp(mailbox, "INBOX") != 0)
        EXPECT(c, "s0 CREATE Work", "s0 OK");
    for (guint i = 0; i < n; i++)
        fake_store_add(FAKE_ACCOUNT, mailbox, "Subject: m\r\n\r\nbody\r\n", -1, 0, 0);
    g_autofree char *line = g_strdup_printf("s1 SELECT %s", mailbox);
    EXPECT(c, line, "s1 OK [READ-WRITE]");
    return c;
}

static void
test_seq_past_end(void)
{
    HermodConn *c = selected_with("INBOX", 3);
    EXPECT(c, "a1 FETCH 5 FLAGS", "a1 BAD [CLIENTBUG] Message sequence number 5 is past");
    EXPECT(c, "a2 FETCH 2:7 FLAGS", "a2 BAD");
    EXPECT(c, "a3 STORE 9 +FLAGS (\\Flagged)", "a3 BAD");
    EXPECT(c, "a4 COPY 4 Sent", "a4 BAD");
    EXPECT(c, "a5 MOVE 1,4 Sent", "a5 BAD");
    EXPECT(c, "a6 SEARCH 7", "a6 BAD");
    EXPECT(c, "a7 SEARCH OR 1 NOT 3:8", "a7 BAD");
    /* Nothing was done by the refused commands. */
    EXPECT(c, "a8 FETCH 1:3 FLAGS", "* 3 FETCH (FLAGS ())\r\na8 OK");
    /* "*" and ranges ending in "*" are the last message; UIDs may miss. */
    EXPECT(c, "b1 FETCH 7:* FLAGS", "* 3 FETCH (FLAGS ())\r\nb1 OK");
    EXPECT(c, "b2 FETCH * FLAGS", "* 3 FETCH");
    EXPECT(c, "b3 UID FETCH 100 FLAGS", "b3 OK");
    EXPECT(c, "b4 UID STORE 50:60 +FLAGS (\\Seen)", "b4 OK");
    EXPECT(c, "b5 UID SEARCH UID 90", "b5 OK");
    EXPECT(c, "b6 SEARCH 1:3", "* SEARCH 1 2 3\r\nb6 OK");
    EXPECT(c, "b7 FETCH 0 FLAGS", "b7 BAD");
    fake_conn_free(c);
}

static void
test_seq_empty_mailbox(void)
{
    HermodConn *c = selected_with("INBOX", 0);
    EXPECT(c, "a1 FETCH 1:* FLAGS", "a1 OK");
    EXPECT(c, "a2 FETCH * FLAGS", "a2 OK");
    EXPECT(c, "a3 SEARCH 1:*", "a3 OK");
    EXPECT(c, "a4 FETCH 1 FLAGS", "a4 BAD");
    EXPECT(c, "a5 UID FETCH 1:* FLAGS", "a5 OK");
    EXPECT(c, "a6 STORE 1:* +FLAGS (\\Seen)", "a6 OK");
    fake_conn_free(c);
}

static void
test_selected_deleted(void)
{
    HermodConn *c = selected_with("Work", 2);
    fake_store_delete(FAKE_ACCOUNT, "Work");
    g_autofree char *r = fake_cmd(c, "a1 FETCH 1 FLAGS");
    g_assert_true(g_str_has_prefix(r, "* BYE "));
    g_assert_null(strstr(r, "a1 "));
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_selected_deleted_while_idle(void)
{
    HermodConn *c = selected_with("Work", 1);
    EXPECT(c, "a1 IDLE", "+ idling");
    fake_store_delete(FAKE_ACCOUNT, "Work");
    fake_pump(c);
    g_autofree char *r = fake_take(c);
    g_assert_true(g_str_has_prefix(r, "* BYE "));
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_selected_replaced(void)
{
    /* Deleted and created again: same name, new UIDVALIDITY, other UIDs. */
    HermodConn *c = selected_with("Work", 2);
    fake_store_delete(FAKE_ACCOUNT, "Work");
    fake_store_create(FAKE_ACCOUNT, "Work", NULL);
    fake_store_add(FAKE_ACCOUNT, "Work", "Subject: other\r\n\r\nx\r\n", -1, 0, 0);
    g_autofree char *r = fake_cmd(c, "a1 NOOP");
    g_assert_true(g_str_has_prefix(r, "* BYE "));
    g_assert_true(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_selected_renamed(void)
{
    HermodConn *c = selected_with("Work", 2);
    /* By another session: the view follows the mailbox. */
    fake_store_rename(FAKE_ACCOUNT, "Work", "Play");
    EXPECT(c, "a1 FETCH 2 (UID FLAGS)", "* 2 FETCH (UID 2 FLAGS ())\r\na1 OK");
    EXPECT(c, "a2 STORE 1 +FLAGS (\\Flagged)", "a2 OK");
    EXPECT(c, "a3 STATUS Play (MESSAGES)", "* STATUS \"Play\" (MESSAGES 2)");
    /* By this session. */
    EXPECT(c, "a4 RENAME Play Games", "a4 OK");
    EXPECT(c, "a5 FETCH 1 FLAGS", "* 1 FETCH (FLAGS (\\Flagged))\r\na5 OK");
    fake_store_add(FAKE_ACCOUNT, "Games", "Subject: new\r\n\r\nx\r\n", -1, 0, 0);
    EXPECT(c, "a6 NOOP", "* 3 EXISTS");
    EXPECT(c, "a7 DELETE Games", "a7 NO [INUSE]");
    g_assert_false(fake_is_closed(c));
    fake_conn_free(c);
}

static void
test_selected_gone_before_watch(void)
{
    /* The command arrives before the store's notification. */
    HermodConn *c = selected_with("Work", 1);
    fake_store_rename(FAKE_ACCOUNT, "Work", "Play");
    fake_store_drop_watches();
    EXPECT(c, "a1 FETCH 1 (UID BODY[])", "* 1 FETCH (UID 1 BODY[] {");
    fake_store_delete(FAKE_ACCOUNT, "Play");
    fake_store_drop_watches();
    g_autofree char *r = fake_cmd(c, "a2 FETCH 1 FLAGS");
    g_assert_true(g_str_has_prefix(r, "* BYE "));
    fake_conn_free(c);
}

static void
test_lsub_rev1_only(void)
{
    fake_core_reset();
    HermodConn *c = fake_login();
    EXPECT(c, "a1 LSUB \"\" *", "a1 OK");
    EXPECT(c, "a2 ENABLE IMAP4rev2", "* ENABLED IMAP4rev2");
    EXPECT(c, "a3 LSUB \"\" *", "a3 BAD");
    EXPECT(c, "a4 LIST (SUBSCRIBED) \"\" *", "a4 OK");
    fake_conn_free(c);
}

static void
test_names_utf8(void)
{
    fake_core_reset();
    HermodConn *c = fake_login();
    /* Raw 8-bit names are not IMAP4rev1 without UTF8=ACCEPT. */
    EXPECT(c,
           "a1 CREATE \"K\xc3\xbc"
           "che\"",
           "a1 BAD");
    EXPECT(c, "a2 CREATE \"K&APw-che/Kr&AOQ-uter\"", "a2 OK");
    EXPECT(c, "a3 LIST \"\" \"K*\"", "\"K&APw-che/Kr&AOQ-uter\"");
    EXPECT(c, "a4 STATUS \"K&APw-che\" (MESSAGES)", "* STATUS \"K&APw-che\" (MESSAGES 0)");
    EXPECT(c, "a5 CREATE \"Tom & Jerry\"", "a5 BAD");
    EXPECT(c, "a6 CREATE \"Tom &- Jerry\"", "a6 OK");
    EXPECT(c, "a7 LIST \"\" \"Tom*\"", "\"Tom &- Jerry\"");
    EXPECT(c, "a8 ENABLE IMAP4rev2", "* ENABLED IMAP4rev2");
    EXPECT(c, "a9 LIST \"\" \"K*\"",
           "\"K\xc3\xbc"
           "che/Kr\xc3\xa4"
           "uter\"");
    EXPECT(c, "b1 LIST \"\" \"Tom*\"", "\"Tom & Jerry\"");
    EXPECT(c,
           "b2 SELECT \"K\xc3\xbc"
           "che/Kr\xc3\xa4"
           "uter\"",
           "* LIST () \"/\" \"K\xc3\xbc"
           "che/Kr\xc3\xa4"
           "uter\"");
    EXPECT(c, "b3 CREATE \"bad\xff\"", "b3 BAD");
    fake_conn_free(c);
}

static void
test_states_and_syntax(void)
{
    fake_core_reset();
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    EXPECT(c, "a1 FETCH 1 FLAGS", "a1 BAD [CLIENTBUG] Log in first");
    EXPECT(c, "a2 ENABLE IMAP4rev2", "a2 BAD");
    EXPECT(c, "a3 NOPE", "a3 BAD [CLIENTBUG] Unknown command");
    EXPECT(c, "a4 UID LOGIN", "a4 BAD");
    fake_conn_free(c);
    c = fake_login();
    EXPECT(c, "b1 FETCH 1 FLAGS", "b1 BAD [CLIENTBUG] Select a mailbox first");
    EXPECT(c, "b2 LOGIN a b", "b2 BAD [CLIENTBUG] Not allowed in this state");
    EXPECT(c, "b3 CLOSE", "b3 BAD");
    EXPECT(c, "b4 SELECT", "b4 BAD");
    EXPECT(c, "b5 STATUS INBOX", "b5 BAD");
    EXPECT(c, "b6 SELECT INBOX", "b6 OK");
    EXPECT(c, "b7 STORE 1", "b7 BAD");
    EXPECT(c, "b8 FETCH", "b8 BAD");
    EXPECT(c, "b9 COPY 1", "b9 BAD");
    EXPECT(c, "c1 NOOP now", "c1 BAD [CLIENTBUG] This command takes no arguments");
    EXPECT(c, "c2 CHECK 1", "c2 BAD");
    EXPECT(c, "c3 EXPUNGE 1", "c3 BAD");
    EXPECT(c, "c4 UID EXPUNGE", "c4 BAD");
    EXPECT(c, "c5 LOGOUT now", "c5 BAD");
    fake_conn_free(c);
}

static void
test_overlong_line_tagged(void)
{
    /* One line past max_line, delivered whole: the BAD carries its tag. */
    fake_core_reset();
    HermodConn *c = fake_login();
    fake_set_line_limit(c, 1 << 20);
    g_autofree char *pad = g_strnfill(70 * 1024, 'x');
    g_autofree char *line = g_strdup_printf("a1 NOOP %s", pad);
    EXPECT(c, line, "a1 BAD [TOOBIG]");
    EXPECT(c, "a2 NOOP", "a2 OK");
    fake_conn_free(c);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/semantics/seq-past-end", test_seq_past_end);
    g_test_add_func("/imap/semantics/seq-empty-mailbox", test_seq_empty_mailbox);
    g_test_add_func("/imap/semantics/selected-deleted", test_selected_deleted);
    g_test_add_func("/imap/semantics/selected-deleted-idle", test_selected_deleted_while_idle);
    g_test_add_func("/imap/semantics/selected-replaced", test_selected_replaced);
    g_test_add_func("/imap/semantics/selected-renamed", test_selected_renamed);
    g_test_add_func("/imap/semantics/selected-gone-before-watch", test_selected_gone_before_watch);
    g_test_add_func("/imap/semantics/lsub-rev1-only", test_lsub_rev1_only);
    g_test_add_func("/imap/semantics/names-utf8", test_names_utf8);
    g_test_add_func("/imap/semantics/states-and-syntax", test_states_and_syntax);
    g_test_add_func("/imap/semantics/overlong-line-tagged", test_overlong_line_tagged);
    return g_test_run();
}
