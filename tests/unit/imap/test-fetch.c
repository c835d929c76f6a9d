/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-fetch.c - FETCH items against the fake store: item parsing and its
 * errors, \Seen rules, sections (HEADER, HEADER.FIELDS[.NOT], TEXT, MIME,
 * nested part numbers), partials, BINARY decoding and literal8, the parse
 * cache, MODSEQ.
 */
#include "autoconfig.h"

#include <string.h>

#include "mailbox-env.h"
#include "fetch.h"
#include "parser.h"

static ImapFetchSpec *
spec_of(const char *items, gboolean is_uid, GError **error)
{
    g_autofree char *line = g_strdup_printf("A FETCH 1 %s\r\n", items);
    g_autoptr(ImapCommand) cmd = imap_parse_command(line, strlen(line), NULL, NULL);

    g_assert_nonnull(cmd);
    return imap_fetch_spec_parse(cmd->args, 1, is_uid, error);
}

/* The response for message seq of mb, or NULL with error. */
static char *
fetch(MailboxEnv *mb, const char *items, guint32 seq, gboolean is_uid, gsize *out_len,
      GError **error)
{
    g_autoptr(GError) parse_error = NULL;
    g_autoptr(ImapFetchSpec) spec = spec_of(items, is_uid, &parse_error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

    g_assert_no_error(parse_error);
    if (!imap_fetch_message(&mb->env, spec, seq, mb->msgs->pdata[seq - 1], out, error))
        return NULL;
    return mailbox_env_join(out, out_len);
}

static void
check(MailboxEnv *mb, const char *items, guint32 seq, const char *expected)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *got = fetch(mb, items, seq, FALSE, NULL, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(got, ==, expected);
}

static void
test_spec(void)
{
    const char *bad[] = {"BODY[FOO]",
                         "BODY[1.]",
                         "BODY[0]",
                         "BINARY[HEADER]",
                         "BODY[]<1.0>",
                         "BODY[]<1>",
                         "BINARY.SIZE[1]<0.2>",
                         "(FLAGS) (CHANGEDSINCE 0)",
                         "(FLAGS) (VANISHED)",
                         "(FLAGS) (FOO)",
                         "()",
                         "FOO",
                         "BODY[HEADER.FIELDS ()]",
                         "BODY[HEADER.FIELDS]",
                         "(FLAGS \"X\")",
                         "BODY[MIME]"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ImapFetchSpec) spec = spec_of(bad[i], FALSE, &error);
        g_assert_null(spec);
        g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX);
    }
    struct {
        const char *items;
        gboolean sets_seen;
    } seen[] = {{"BODY[]", TRUE},          {"BODY.PEEK[]", FALSE},    {"RFC822", TRUE},
                {"RFC822.TEXT", TRUE},     {"RFC822.HEADER", FALSE},  {"BINARY[1]", TRUE},
                {"BINARY.PEEK[1]", FALSE}, {"BINARY.SIZE[1]", FALSE}, {"ALL", FALSE}};
    for (guint i = 0; i < G_N_ELEMENTS(seen); i++) {
        g_autoptr(ImapFetchSpec) spec = spec_of(seen[i].items, FALSE, NULL);
        g_assert_nonnull(spec);
        g_assert_cmpint(imap_fetch_spec_sets_seen(spec), ==, seen[i].sets_seen);
    }
    g_autoptr(ImapFetchSpec) cs = spec_of("(FLAGS) (CHANGEDSINCE 12345 VANISHED)", TRUE, NULL);
    g_assert_nonnull(cs);
    g_assert_cmpuint(imap_fetch_spec_changedsince(cs), ==, 12345);
    g_assert_true(imap_fetch_spec_has_vanished(cs));
}

static void
test_simple_items(void)
{
    MailboxEnv *mb = mailbox_env_new(FALSE);
    mailbox_env_add_file(mb, "single.eml", HERMOD_MAIL_FLAG_SEEN | HERMOD_MAIL_FLAG_FLAGGED,
                         760000000);

    check(mb, "(UID FLAGS INTERNALDATE RFC822.SIZE)", 1,
          "* 1 FETCH (UID 1 FLAGS (\\Seen \\Flagged) INTERNALDATE \"31-Jan-1994 07:06:40 +0000\" "
          "RFC822.SIZE 326)\r\n");
    check(mb, "FAST", 1,
          "* 1 FETCH (FLAGS (\\Seen \\Flagged) INTERNALDATE \"31-Jan-1994 07:06:40 +0000\" "
          "RFC822.SIZE 326)\r\n");
    g_autoptr(GError) error = NULL;
    g_autofree char *uid = fetch(mb, "FLAGS", 1, TRUE, NULL, &error);
    g_assert_cmpstr(uid, ==, "* 1 FETCH (UID 1 FLAGS (\\Seen \\Flagged))\r\n");
    mb->env.is_condstore = TRUE;
    check(mb, "FLAGS", 1, "* 1 FETCH (FLAGS (\\Seen \\Flagged) MODSEQ (11))\r\n");
    check(mb, "(MODSEQ FLAGS)", 1, "* 1 FETCH (MODSEQ (11) FLAGS (\\Seen \\Flagged))\r\n");
    mailbox_env_free(mb);
}

static void
test_sections(void)
{
    MailboxEnv *mb = mailbox_env_new(FALSE);
    mailbox_env_add_file(mb, "single.eml", 0, 0);

    check(mb, "BODY.PEEK[TEXT]", 1,
          "* 1 FETCH (BODY[TEXT] {55}\r\nHello Joe, do you think we can meet at 3:30 "
          "tomorrow?\r\n)\r\n");
    check(mb, "BODY.PEEK[1]", 1,
          "* 1 FETCH (BODY[1] {55}\r\nHello Joe, do you think we can meet at 3:30 "
          "tomorrow?\r\n)\r\n");
    check(mb, "BODY.PEEK[HEADER.FIELDS (subject \"TO\")]", 1,
          "* 1 FETCH (BODY[HEADER.FIELDS (subject \"TO\")] {66}\r\nSubject: afternoon "
          "meeting\r\nTo: mooch@owatagu.siam.edu.example\r\n\r\n)\r\n");
    check(mb, "BODY.PEEK[HEADER.FIELDS.NOT (Date From Subject To Message-Id)]", 1,
          "* 1 FETCH (BODY[HEADER.FIELDS.NOT (Date From Subject To Message-Id)] {65}\r\n"
          "MIME-Version: 1.0\r\nContent-Type: TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n)\r\n");
    check(mb, "BODY.PEEK[]<0.5>", 1, "* 1 FETCH (BODY[]<0> {5}\r\nDate:)\r\n");
    check(mb, "BODY.PEEK[]<320.100>", 1, "* 1 FETCH (BODY[]<320> {6}\r\nrow?\r\n)\r\n");
    check(mb, "BODY.PEEK[]<400.10>", 1, "* 1 FETCH (BODY[]<400> {0}\r\n)\r\n");
    check(mb, "BODY.PEEK[2]", 1, "* 1 FETCH (BODY[2] NIL)\r\n");
    /* Without .PEEK the session sets \Seen and FLAGS comes along. */
    check(mb, "RFC822.HEADER", 1,
          "* 1 FETCH (RFC822.HEADER {271}\r\nDate: Mon, 7 Feb 1994 21:52:25 -0800 (PST)\r\nFrom: "
          "Fred Foobar <foobar@Blurdybloop.example>\r\nSubject: afternoon meeting\r\nTo: "
          "mooch@owatagu.siam.edu.example\r\nMessage-Id: "
          "<B27397-0100000@Blurdybloop.example>\r\nMIME-Version: 1.0\r\nContent-Type: "
          "TEXT/PLAIN; CHARSET=US-ASCII\r\n\r\n)\r\n");
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    g_autofree char *whole = fetch(mb, "BODY[]", 1, FALSE, &len, &error);
    g_assert_true(g_str_has_prefix(whole, "* 1 FETCH (BODY[] {326}\r\nDate: "));
    g_assert_true(g_str_has_suffix(whole, "tomorrow?\r\n FLAGS ())\r\n"));
    mailbox_env_free(mb);
}

/* An older core's table (no read_message) is read through open_message;
 * the full table through read_message, never open_message. */
static void
test_read_paths(void)
{
    const char *want = "* 1 FETCH (BODY[TEXT] {55}\r\nHello Joe, do you think we can meet at "
                       "3:30 tomorrow?\r\n)\r\n";

    for (int has_full = 0; has_full < 2; has_full++) {
        MailboxEnv *mb = mailbox_env_new(has_full);
        mailbox_env_add_file(mb, "single.eml", 0, 0);
        check(mb, "BODY.PEEK[TEXT]", 1, want);
        g_assert_cmpuint(fake_store_calls("read_message"), ==, has_full ? 1 : 0);
        g_assert_cmpuint(fake_store_calls("open_message"), ==, has_full ? 0 : 1);
        mailbox_env_free(mb);
    }
}

static void
test_nested_sections(void)
{
    MailboxEnv *mb = mailbox_env_new(FALSE);
    mailbox_env_add_file(mb, "nested.eml", 0, 0);
    mailbox_env_add_file(mb, "mixed.eml", 0, 0);

    check(mb, "BODY.PEEK[1]", 1, "* 1 FETCH (BODY[1] {9}\r\nsee below)\r\n");
    check(mb, "BODY.PEEK[2.HEADER]", 1,
          "* 1 FETCH (BODY[2.HEADER] {121}\r\nFrom: inner@example.com\r\nTo: "
          "outer@example.com\r\nSubject: inner\r\nContent-Type: multipart/alternative; "
          "boundary=\"inner\"\r\n\r\n)\r\n");
    check(mb, "BODY.PEEK[2.1]", 1, "* 1 FETCH (BODY[2.1] {11}\r\ninner plain)\r\n");
    check(mb, "BODY.PEEK[2.2.MIME]", 1,
          "* 1 FETCH (BODY[2.2.MIME] {27}\r\nContent-Type: text/html\r\n\r\n)\r\n");
    check(mb, "BODY.PEEK[2.HEADER.FIELDS (SUBJECT)]", 1,
          "* 1 FETCH (BODY[2.HEADER.FIELDS (SUBJECT)] {18}\r\nSubject: inner\r\n\r\n)\r\n");
    check(mb, "BODY.PEEK[1.HEADER]", 1, "* 1 FETCH (BODY[1.HEADER] NIL)\r\n");
    check(mb, "BODY.PEEK[2.3]", 1, "* 1 FETCH (BODY[2.3] NIL)\r\n");
    check(mb, "BODY.PEEK[2.1]<6.3>", 1, "* 1 FETCH (BODY[2.1]<6> {3}\r\npla)\r\n");
    check(mb, "BODY.PEEK[1]", 2, "* 2 FETCH (BODY[1] {27}\r\nHere is the report.=0A\r\nBye)\r\n");
    mailbox_env_free(mb);
}

static void
test_binary(void)
{
    MailboxEnv *mb = mailbox_env_new(FALSE);
    mailbox_env_add_file(mb, "mixed.eml", 0, 0);
    mailbox_env_add(mb,
                    "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: "
                    "BASE64\r\n\r\nAAEC\r\n",
                    -1, 0, 0);
    mailbox_env_add(mb, "Content-Transfer-Encoding: x-rot13\r\n\r\nuryyb\r\n", -1, 0, 0);

    check(mb, "BINARY.PEEK[1]", 1,
          "* 1 FETCH (BINARY[1] {25}\r\nHere is the report.\n\r\nBye)\r\n");
    check(mb, "BINARY.SIZE[2]", 1, "* 1 FETCH (BINARY.SIZE[2] 23)\r\n");
    check(mb, "BINARY.PEEK[2]<0.8>", 1, "* 1 FETCH (BINARY[2]<0> {8}\r\n%PDF-1.4)\r\n");
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    g_autofree char *nul = fetch(mb, "BINARY.PEEK[1]", 2, FALSE, &len, &error);
    g_assert_no_error(error);
    static const char want[] = "* 2 FETCH (BINARY[1] ~{3}\r\n\0\1\2)\r\n";
    g_assert_cmpmem(nul, len, want, sizeof(want) - 1);
    g_autofree char *cte = fetch(mb, "BINARY.PEEK[1]", 3, FALSE, NULL, &error);
    g_assert_null(cte);
    g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_UNKNOWN_CTE);
    g_assert_true(g_str_has_prefix(error->message, "[UNKNOWN-CTE] "));
    mailbox_env_free(mb);
}

static void
test_cache(void)
{
    MailboxEnv *mb = mailbox_env_new(FALSE);
    mailbox_env_add_file(mb, "missing.eml", 0, 0);
    mailbox_env_add_file(mb, "single.eml", 0, 0);
    const char *env = "* 1 FETCH (ENVELOPE (NIL \"no from\" NIL NIL NIL NIL NIL NIL NIL NIL))\r\n";

    check(mb, "ENVELOPE", 1, env);
    g_assert_cmpuint(fake_store_calls("cache_set"), ==, 1);
    check(mb, "ENVELOPE", 1, env);
    g_assert_cmpuint(fake_store_calls("cache_set"), ==, 1);
    /* A cached value is used as it is, without opening the message. */
    fake_store_cache_put(MAILBOX_ENV_ACCOUNT, "INBOX", 2, "bodystructure", "(CACHED)");
    check(mb, "BODYSTRUCTURE", 2, "* 2 FETCH (BODYSTRUCTURE (CACHED))\r\n");
    check(mb, "(BODY FLAGS)", 1,
          "* 1 FETCH (BODY (\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 23 1) "
          "FLAGS ())\r\n");
    mailbox_env_free(mb);
}

static void
test_missing_message(void)
{
    MailboxEnv *mb = mailbox_env_new(FALSE);
    mailbox_env_add_file(mb, "single.eml", 0, 0);
    g_autoptr(GError) error = NULL;

    mailbox_env_lose(mb, 1);
    g_autofree char *got = fetch(mb, "BODY.PEEK[]", 1, FALSE, NULL, &error);
    g_assert_null(got);
    g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_FAILED);

    /* A failure after a first literal leaves out as it was. */
    mailbox_env_add_file(mb, "mixed.eml", 0, 0);
    mailbox_env_add(mb, "Content-Transfer-Encoding: x-rot13\r\n\r\nuryyb\r\n", -1, 0, 0);
    g_autoptr(ImapFetchSpec) spec = spec_of("(BODY.PEEK[1] BINARY.PEEK[1])", FALSE, NULL);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_clear_error(&error);
    g_assert_true(imap_fetch_message(&mb->env, spec, 2, mb->msgs->pdata[1], out, &error));
    guint before = out->len;
    g_assert_false(imap_fetch_message(&mb->env, spec, 3, mb->msgs->pdata[2], out, &error));
    g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_UNKNOWN_CTE);
    g_assert_cmpuint(out->len, ==, before);
    mailbox_env_free(mb);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/fetch/spec", test_spec);
    g_test_add_func("/imap/fetch/simple-items", test_simple_items);
    g_test_add_func("/imap/fetch/sections", test_sections);
    g_test_add_func("/imap/fetch/read-paths", test_read_paths);
    g_test_add_func("/imap/fetch/nested-sections", test_nested_sections);
    g_test_add_func("/imap/fetch/binary", test_binary);
    g_test_add_func("/imap/fetch/cache", test_cache);
    g_test_add_func("/imap/fetch/missing-message", test_missing_message);
    return g_test_run();
}
