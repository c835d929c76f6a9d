/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-search.c - every SEARCH key over five fixed messages in the fake
 * store, the SEARCH / ESEARCH replies, SAVE and "$", MODSEQ, CHARSET, the
 * full-text index path versus the decoding path, the header cache, and
 * parse errors.
 */
#include "autoconfig.h"

#include <string.h>

#include "mailbox-env.h"
#include "parser.h"
#include "search-cache.h"
#include "search.h"

static MailboxEnv *
mailbox(gboolean has_fts)
{
    MailboxEnv *mb = mailbox_env_new(has_fts);

    mailbox_env_add_file(mb, "single.eml", HERMOD_MAIL_FLAG_SEEN | HERMOD_MAIL_FLAG_ANSWERED,
                         760000000);
    HermodMsgInfo *mixed = mailbox_env_add_file(
        mb, "mixed.eml", HERMOD_MAIL_FLAG_FLAGGED | HERMOD_MAIL_FLAG_DELETED, 1646128800);
    mailbox_env_set_keywords(mb, mixed->uid, (const char *const[]){"$Important", NULL});
    mailbox_env_add_file(mb, "encoded.eml", HERMOD_MAIL_FLAG_DRAFT, 1646215200);
    mailbox_env_add_file(mb, "8bit.eml", 0, 1646305200);
    mailbox_env_add_file(mb, "nested.eml", HERMOD_MAIL_FLAG_SEEN, 1646400000);
    return mb;
}

static ImapSearch *
parse(const char *keys, gboolean is_uid, GError **error)
{
    g_autofree char *line = g_strdup_printf("A1 SEARCH %s\r\n", keys);
    g_autoptr(ImapCommand) cmd = imap_parse_command(line, strlen(line), NULL, NULL);

    g_assert_nonnull(cmd);
    return imap_search_parse(cmd->args, 0, is_uid, error);
}

static char *
run(MailboxEnv *mb, const char *keys, gboolean is_uid, GArray *previous, GArray **out_saved)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapSearch) s = parse(keys, is_uid, &error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

    g_assert_no_error(error);
    imap_search_set_tag(s, "A1");
    g_assert_true(imap_search_run(&mb->env, s, mb->msgs, previous, out, out_saved, &error));
    g_assert_no_error(error);
    return mailbox_env_join(out, NULL);
}

static void
expect(MailboxEnv *mb, const char *keys, const char *hits)
{
    g_autofree char *got = run(mb, keys, FALSE, NULL, NULL);
    g_autofree char *want = g_strdup_printf("* SEARCH%s%s\r\n", *hits ? " " : "", hits);
    if (g_strcmp0(got, want) != 0)
        g_error("SEARCH %s: got %s, want %s", keys, got, want);
}

static void
test_flags_and_sizes(void)
{
    MailboxEnv *mb = mailbox(FALSE);
    const char *cases[][2] = {
        {"ALL", "1 2 3 4 5"},
        {"ANSWERED", "1"},
        {"UNANSWERED", "2 3 4 5"},
        {"DELETED", "2"},
        {"UNDELETED", "1 3 4 5"},
        {"DRAFT", "3"},
        {"UNDRAFT", "1 2 4 5"},
        {"FLAGGED", "2"},
        {"UNFLAGGED", "1 3 4 5"},
        {"SEEN", "1 5"},
        {"UNSEEN", "2 3 4"},
        {"NEW", ""},
        {"RECENT", ""},
        {"OLD", "1 2 3 4 5"},
        {"UNRECENT", "1 2 3 4 5"},
        {"KEYWORD $Important", "2"},
        {"UNKEYWORD $important", "1 3 4 5"},
        {"LARGER 400", "2 5"},
        {"SMALLER 300", "4"},
        {"LARGER 326", "2 5"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        expect(mb, cases[i][0], cases[i][1]);
    mailbox_env_free(mb);
}

static void
test_dates(void)
{
    MailboxEnv *mb = mailbox(FALSE);
    const char *cases[][2] = {
        {"BEFORE 1-Mar-2022", "1"},
        {"ON 2-Mar-2022", "3"},
        {"SINCE 2-Mar-2022", "3 4 5"},
        {"SINCE \"02-Mar-2022\"", "3 4 5"},
        {"SENTBEFORE 1-Jan-2000", "1"},
        {"SENTON 2-Mar-2022", "3"},
        /* nested.eml has no Date: its internal date (4 Mar) stands in */
        {"SENTSINCE 3-Mar-2022", "4 5"},
        {"SENTON 7-Feb-1994", "1"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        expect(mb, cases[i][0], cases[i][1]);
    mailbox_env_free(mb);
}

static void
test_headers(void)
{
    MailboxEnv *mb = mailbox(FALSE);
    const char *cases[][2] = {
        {"FROM jane", "2"},
        {"FROM \"J\xc3\x98RN\"", "3"}, /* RFC 2047 decoded, case-folded */
        {"TO ann", "3"},
        {"CC dave", "2"},
        {"BCC dave", ""},
        {"SUBJECT \"CAF\xc3\x89\"", "3"},
        {"SUBJECT \"gr\xc3\xbc\xc3\x9f\x65\"", "4"}, /* 8-bit header */
        {"HEADER Message-ID m1@", "2"},
        {"HEADER In-Reply-To \"\"", "5"},
        {"HEADER X-Nothing \"\"", ""},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        expect(mb, cases[i][0], cases[i][1]);
    mailbox_env_free(mb);
}

/* With an account, a second header SEARCH is answered from search-cache.c
 * without the files; another UIDVALIDITY does not see those values. */
static void
test_header_cache(void)
{
    static const char *const cases[][2] = {
        {"FROM jane", "2"},
        {"FROM \"J\xc3\x98RN\"", "3"},
        {"TO ann", "3"},
        {"CC dave", "2"},
        {"BCC dave", ""},
        {"SUBJECT \"CAF\xc3\x89\"", "3"},
        {"HEADER Message-ID m1@", "2"},
        {"HEADER X-Nothing \"\"", ""},
    };
    MailboxEnv *mb = mailbox(FALSE);

    imap_search_cache_clear();
    mb->env.account = "cache@example.test";
    mb->env.uidvalidity = 7;
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        expect(mb, cases[i][0], cases[i][1]);
    for (guint i = 0; i < mb->msgs->len; i++)
        mailbox_env_lose(mb, i + 1);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        expect(mb, cases[i][0], cases[i][1]);
    /* A message that arrives later is decoded once, then cached too. */
    mailbox_env_add_file(mb, "mixed.eml", 0, 1646500000);
    expect(mb, "FROM jane", "2 6");
    mailbox_env_lose(mb, 6);
    expect(mb, "FROM jane", "2 6");
    expect(mb, "CC dave", "2 6");

    mb->env.uidvalidity = 8;
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapSearch) s = parse("FROM jane", FALSE, &error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_assert_false(imap_search_run(&mb->env, s, mb->msgs, NULL, out, NULL, &error));
    g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_FAILED);
    imap_search_cache_clear();
    mailbox_env_free(mb);
}

static void
test_body_text(void)
{
    MailboxEnv *mb = mailbox(FALSE);
    const char *cases[][2] = {
        {"BODY \"inner plain\"", "5"}, /* inside message/rfc822 */
        {"BODY \"the REPORT.\"", "2"}, /* QP decoded */
        {"BODY \"report.=0A\"", ""},   /* ... so the raw form is not there */
        {"BODY \"PDF-1.4\"", ""},      /* not a text part */
        {"BODY \"sch\xc3\xb6ne\"", "4"}, {"BODY keld", ""}, {"TEXT keld", "3"},
        {"TEXT \"fwd:\"", "5"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        expect(mb, cases[i][0], cases[i][1]);
    mailbox_env_free(mb);

    /* With the store's index: its answer is used (the fake matches raw words). */
    mb = mailbox(TRUE);
    expect(mb, "BODY \"report.=0A\"", "2");
    expect(mb, "TEXT \"inner plain\"", "5");
    g_assert_cmpuint(fake_store_calls("search_text"), ==, 2);
    mailbox_env_free(mb);
}

static void
test_sets_and_logic(void)
{
    MailboxEnv *mb = mailbox(FALSE);
    const char *cases[][2] = {
        {"2,4", "2 4"},
        {"4:*", "4 5"},
        {"*", "5"},
        {"UID 2:3", "2 3"},
        {"UID 4:*", "4 5"},
        {"NOT SEEN", "2 3 4"},
        {"OR DRAFT FLAGGED", "2 3"},
        {"(SEEN ANSWERED)", "1"},
        {"NOT (SEEN ANSWERED)", "2 3 4 5"},
        {"SEEN 2:5", "5"},
        {"OR (SEEN ANSWERED) (DRAFT NOT FLAGGED)", "1 3"},
        {"CHARSET UTF-8 SEEN", "1 5"},
        {"CHARSET us-ascii UNSEEN", "2 3 4"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        expect(mb, cases[i][0], cases[i][1]);
    g_autofree char *modseq = run(mb, "MODSEQ 14", FALSE, NULL, NULL);
    g_assert_cmpstr(modseq, ==, "* SEARCH 4 5 (MODSEQ 15)\r\n");
    g_autofree char *entry = run(mb, "MODSEQ \"/flags/\\\\draft\" all 12", FALSE, NULL, NULL);
    g_assert_cmpstr(entry, ==, "* SEARCH 2 3 4 5 (MODSEQ 15)\r\n");
    mailbox_env_free(mb);
}

static void
test_esearch_and_saved(void)
{
    MailboxEnv *mb = mailbox(FALSE);
    g_autoptr(GArray) saved = NULL;

    g_autofree char *a = run(mb, "RETURN (MIN MAX COUNT) UNSEEN", FALSE, NULL, NULL);
    g_assert_cmpstr(a, ==, "* ESEARCH (TAG \"A1\") MIN 2 MAX 4 COUNT 3\r\n");
    g_autofree char *b = run(mb, "RETURN () ALL", TRUE, NULL, NULL);
    g_assert_cmpstr(b, ==, "* ESEARCH (TAG \"A1\") UID ALL 1:5\r\n");
    g_autofree char *c = run(mb, "RETURN (COUNT) NEW", FALSE, NULL, NULL);
    g_assert_cmpstr(c, ==, "* ESEARCH (TAG \"A1\") COUNT 0\r\n");
    mb->env.is_rev2 = TRUE;
    g_autofree char *d = run(mb, "SEEN", TRUE, NULL, NULL);
    g_assert_cmpstr(d, ==, "* ESEARCH (TAG \"A1\") UID ALL 1,5\r\n");
    /* SAVE alone: no reply, "$" = the hits (UIDs). */
    g_autofree char *e = run(mb, "RETURN (SAVE) UNDELETED", FALSE, NULL, &saved);
    g_assert_cmpstr(e, ==, "");
    g_assert_cmpuint(saved->len, ==, 4);
    g_assert_cmpuint(g_array_index(saved, guint32, 0), ==, 1);
    g_assert_cmpuint(g_array_index(saved, guint32, 3), ==, 5);
    g_autofree char *f = run(mb, "$ SEEN", FALSE, saved, NULL);
    g_assert_cmpstr(f, ==, "* ESEARCH (TAG \"A1\") ALL 1,5\r\n");
    g_autofree char *g = run(mb, "UID $", TRUE, saved, NULL);
    g_assert_cmpstr(g, ==, "* ESEARCH (TAG \"A1\") UID ALL 1,3:5\r\n");
    g_autofree char *h = run(mb, "$", FALSE, NULL, NULL);
    g_assert_cmpstr(h, ==, "* ESEARCH (TAG \"A1\")\r\n");
    /* SAVE with MIN/MAX only keeps those. */
    g_autoptr(GArray) ends = NULL;
    g_autofree char *i = run(mb, "RETURN (SAVE MIN MAX) UNDELETED", FALSE, NULL, &ends);
    g_assert_cmpstr(i, ==, "* ESEARCH (TAG \"A1\") MIN 1 MAX 5\r\n");
    g_assert_cmpuint(ends->len, ==, 2);
    mailbox_env_free(mb);
}

static void
test_errors(void)
{
    const char *bad[] = {"FOO",
                         "SINCE 32-Jan-2020",
                         "SINCE 1-Foo-2020",
                         "OR SEEN",
                         "UID x",
                         "LARGER -1",
                         "KEYWORD",
                         "RETURN (BOGUS) ALL",
                         "RETURN ALL",
                         "()",
                         "HEADER Subject",
                         "NOT",
                         "MODSEQ x",
                         "MODSEQ \"/flags/x\" bad 3",
                         ""};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ImapSearch) s = parse(bad[i], FALSE, &error);
        if (s != NULL)
            g_error("accepted: %s", bad[i]);
        g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX);
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapSearch) s = parse("CHARSET ISO-8859-1 ALL", FALSE, &error);
    g_assert_null(s);
    g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_BADCHARSET);
    g_assert_true(g_str_has_prefix(error->message, "[BADCHARSET (UTF-8 US-ASCII)]"));
    g_autoptr(GString) deep = g_string_new(NULL);
    for (guint i = 0; i < 200; i++)
        g_string_append(deep, "NOT ");
    g_string_append(deep, "SEEN");
    g_clear_error(&error);
    g_autoptr(ImapSearch) d = parse(deep->str, FALSE, &error);
    g_assert_null(d);
    g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/search/flags-sizes", test_flags_and_sizes);
    g_test_add_func("/imap/search/dates", test_dates);
    g_test_add_func("/imap/search/headers", test_headers);
    g_test_add_func("/imap/search/header-cache", test_header_cache);
    g_test_add_func("/imap/search/body-text", test_body_text);
    g_test_add_func("/imap/search/sets-logic", test_sets_and_logic);
    g_test_add_func("/imap/search/esearch-saved", test_esearch_and_saved);
    g_test_add_func("/imap/search/errors", test_errors);
    return g_test_run();
}
