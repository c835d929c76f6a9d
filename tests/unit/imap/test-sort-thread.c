/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-sort-thread.c - RFC 5256: base subjects, SORT on every criterion
 * (with REVERSE, ties and search keys), THREAD=ORDEREDSUBJECT and
 * THREAD=REFERENCES (reference chains, In-Reply-To, missing parents,
 * dummies, subject merging), and both failing alike on a message the
 * store cannot read.
 */
#include "autoconfig.h"

#include <glib/gstdio.h>
#include <string.h>

#include "mailbox-env.h"
#include "parser.h"
#include "sort.h"
#include "subject.h"
#include "thread.h"

static void
test_base_subject(void)
{
    struct {
        const char *in;
        const char *base;
        gboolean is_reply;
    } cases[] = {
        {"Re: apple", "apple", TRUE},
        {"[list] Fwd: Apple (fwd)", "Apple", TRUE},
        {"[fwd: Re: pear]", "pear", TRUE},
        {"re: re: RE:  x  ", "x", TRUE},
        {"[PATCH]", "[PATCH]", FALSE},
        {"[PATCH] fix", "fix", FALSE},
        {"Re[2]: hi", "hi", TRUE},
        {"  multiple   spaces\tthere ", "multiple spaces there", FALSE},
        {"Fwd:", "", TRUE},
        {"", "", FALSE},
        {"Reply to all", "Reply to all", FALSE},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        gboolean is_reply = FALSE;
        g_autofree char *base = imap_subject_base(cases[i].in, &is_reply);
        g_assert_cmpstr(base, ==, cases[i].base);
        g_assert_cmpint(is_reply, ==, cases[i].is_reply);
    }
    g_autofree char *pub = imap_base_subject("Re: x");
    g_assert_cmpstr(pub, ==, "x");
}

static GPtrArray *
args_of(const char *command, ImapCommand **out_cmd)
{
    g_autofree char *line = g_strdup_printf("A1 %s\r\n", command);
    *out_cmd = imap_parse_command(line, strlen(line), NULL, NULL);
    g_assert_nonnull(*out_cmd);
    return (*out_cmd)->args;
}

static MailboxEnv *
sort_mailbox(void)
{
    MailboxEnv *mb = mailbox_env_new(FALSE);
    g_autofree char *b1 = g_strnfill(300, 'x');
    g_autofree char *b2 = g_strnfill(100, 'x');
    g_autofree char *b3 = g_strnfill(200, 'x');
    g_autofree char *m1 = g_strdup_printf(
        "From: carol@x\r\nTo: bob@y\r\nCc: zed@z\r\nSubject: Re: apple\r\nDate: Wed, 1 Jan "
        "2020 10:00:00 +0000\r\n\r\n%s",
        b1);
    g_autofree char *m2 =
        g_strdup_printf("From: \"Zed\" <alice@x>\r\nTo: dave@y\r\nSubject: "
                        "banana\r\nDate: Wed, 1 Jan 2020 09:00:00 +0000\r\n\r\n%s",
                        b2);
    g_autofree char *m3 = g_strdup_printf(
        "From: Bob@x\r\nTo: ann@y\r\nCc: amy@z\r\nSubject: [list] Fwd: Apple (fwd)\r\nDate: Wed, "
        "1 Jan 2020 12:00:00 +0100\r\n\r\n%s",
        b3);

    mailbox_env_add(mb, m1, -1, 0, 300);
    mailbox_env_add(mb, m2, -1, 0, 200);
    mailbox_env_add(mb, m3, -1, 0, 100);
    mailbox_env_add(mb, "Subject: cherry\r\n\r\nshort", -1, 0, 1577836000);
    return mb;
}

static void
expect_sort(MailboxEnv *mb, const char *args, gboolean is_uid, const char *expected)
{
    g_autoptr(ImapCommand) cmd = NULL;
    g_autofree char *command = g_strdup_printf("SORT %s", args);
    GPtrArray *a = args_of(command, &cmd);
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapSort) sort = imap_sort_parse(a, 0, is_uid, &error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

    g_assert_no_error(error);
    g_assert_true(imap_sort_run(&mb->env, sort, mb->msgs, out, &error));
    g_autofree char *got = mailbox_env_join(out, NULL);
    if (g_strcmp0(got, expected) != 0)
        g_error("SORT %s: got %s, want %s", args, got, expected);
}

static void
test_sort(void)
{
    MailboxEnv *mb = sort_mailbox();
    const char *cases[][2] = {
        {"(SIZE) UTF-8 ALL", "* SORT 4 2 3 1\r\n"},
        {"(ARRIVAL) UTF-8 ALL", "* SORT 3 2 1 4\r\n"},
        {"(DATE) UTF-8 ALL", "* SORT 4 2 1 3\r\n"},
        {"(FROM) UTF-8 ALL", "* SORT 4 2 3 1\r\n"},
        {"(TO) UTF-8 ALL", "* SORT 4 3 1 2\r\n"},
        {"(CC) UTF-8 ALL", "* SORT 2 4 3 1\r\n"},
        {"(SUBJECT) UTF-8 ALL", "* SORT 1 3 2 4\r\n"},
        {"(REVERSE SUBJECT) UTF-8 ALL", "* SORT 4 2 1 3\r\n"},
        {"(SUBJECT REVERSE DATE) UTF-8 ALL", "* SORT 3 1 2 4\r\n"},
        {"(SUBJECT) US-ASCII NOT FROM bob", "* SORT 1 2 4\r\n"},
        {"(DATE) UTF-8 NEW", "* SORT\r\n"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++)
        expect_sort(mb, cases[i][0], FALSE, cases[i][1]);
    expect_sort(mb, "(ARRIVAL) UTF-8 2:4", TRUE, "* SORT 3 2 4\r\n");

    const char *bad[] = {"() UTF-8 ALL", "(FOO) UTF-8 ALL", "(REVERSE) UTF-8 ALL",
                         "(DATE)",       "(DATE) UTF-8",    "DATE UTF-8 ALL"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(ImapCommand) cmd = NULL;
        g_autofree char *command = g_strdup_printf("SORT %s", bad[i]);
        g_autoptr(GError) error = NULL;
        g_autoptr(ImapSort) sort = imap_sort_parse(args_of(command, &cmd), 0, FALSE, &error);
        g_assert_null(sort);
        g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX);
    }
    g_autoptr(ImapCommand) cmd = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapSort) koi =
        imap_sort_parse(args_of("SORT (DATE) KOI8-R ALL", &cmd), 0, FALSE, &error);
    g_assert_null(koi);
    g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_BADCHARSET);
    mailbox_env_free(mb);
}

static MailboxEnv *
thread_mailbox(void)
{
    static const char *const msgs[][4] = {
        /* id, references header, subject, date second */
        {"<a>", "", "topic", "1"},
        {"<b>", "References: <a>\r\n", "Re: topic", "2"},
        {"<c>", "In-Reply-To: <a>\r\n", "Re: topic", "3"},
        {"<d>", "References: <a> <b>\r\n", "Re: topic", "4"},
        {"<e>", "", "other", "5"},
        {"<f>", "", "Re: other", "6"},
        {"<g>", "References: <missing>\r\n", "lonely", "7"},
        {"<h>", "References: <missing2>\r\n", "x1", "8"},
        {"<i>", "References: <missing2>\r\n", "x2", "9"},
    };
    MailboxEnv *mb = mailbox_env_new(FALSE);

    for (guint i = 0; i < G_N_ELEMENTS(msgs); i++) {
        g_autofree char *m = g_strdup_printf(
            "Message-ID: %s\r\n%sSubject: %s\r\nDate: Wed, 1 Jan 2020 00:00:0%s +0000\r\n\r\nx\r\n",
            msgs[i][0], msgs[i][1], msgs[i][2], msgs[i][3]);
        mailbox_env_add(mb, m, -1, 0, 0);
    }
    return mb;
}

static char *
run_thread(MailboxEnv *mb, const char *args, gboolean is_uid)
{
    g_autoptr(ImapCommand) cmd = NULL;
    g_autofree char *command = g_strdup_printf("THREAD %s", args);
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapThread) thread = imap_thread_parse(args_of(command, &cmd), 0, is_uid, &error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);

    g_assert_no_error(error);
    g_assert_true(imap_thread_run(&mb->env, thread, mb->msgs, out, &error));
    return mailbox_env_join(out, NULL);
}

static void
test_thread(void)
{
    MailboxEnv *mb = thread_mailbox();
    g_autofree char *refs = run_thread(mb, "REFERENCES UTF-8 ALL", FALSE);
    g_assert_cmpstr(refs, ==, "* THREAD (1 (2 4)(3))(5 6)(7)((8)(9))\r\n");
    g_autofree char *ordered = run_thread(mb, "ORDEREDSUBJECT UTF-8 ALL", TRUE);
    g_assert_cmpstr(ordered, ==, "* THREAD (1 (2)(3)(4))(5 6)(7)(8)(9)\r\n");
    /* Only some messages: 4's parent 2 is not selected, 1 is. */
    g_autofree char *some = run_thread(mb, "REFERENCES UTF-8 1,3:4", FALSE);
    g_assert_cmpstr(some, ==, "* THREAD (1 (3)(4))\r\n");
    g_autofree char *none = run_thread(mb, "REFERENCES UTF-8 NEW", FALSE);
    g_assert_cmpstr(none, ==, "* THREAD\r\n");

    g_autoptr(ImapCommand) cmd = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapThread) bad =
        imap_thread_parse(args_of("THREAD FOO UTF-8 ALL", &cmd), 0, FALSE, &error);
    g_assert_null(bad);
    g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX);
    mailbox_env_free(mb);
}

static void
test_thread_loops(void)
{
    /* References that point at each other (and at the message itself)
     * must not create a loop. */
    MailboxEnv *mb = mailbox_env_new(FALSE);
    mailbox_env_add(mb, "Message-ID: <p>\r\nReferences: <q> <p>\r\nSubject: s\r\n\r\n", -1, 0, 1);
    mailbox_env_add(mb, "Message-ID: <q>\r\nReferences: <p> <q>\r\nSubject: s\r\n\r\n", -1, 0, 2);
    mailbox_env_add(mb, "Message-ID: <p>\r\nSubject: dup\r\n\r\n", -1, 0, 3);
    g_autofree char *got = run_thread(mb, "REFERENCES UTF-8 ALL", FALSE);
    g_assert_true(g_str_has_prefix(got, "* THREAD ("));
    for (guint n = 1; n <= 3; n++) {
        g_autofree char *digit = g_strdup_printf("%u", n);
        g_assert_nonnull(strstr(got, digit));
    }
    mailbox_env_free(mb);
}

/* A hit the store cannot read fails SORT and THREAD alike (they share
 * imap_sort_info_search), with what was loaded before it released. */
static void
test_unreadable(void)
{
    MailboxEnv *fake = sort_mailbox();
    mailbox_env_lose(fake, 3);
    const char *commands[] = {"SORT (DATE) UTF-8 ALL", "THREAD REFERENCES UTF-8 ALL",
                              "THREAD ORDEREDSUBJECT UTF-8 ALL"};
    for (guint i = 0; i < G_N_ELEMENTS(commands); i++) {
        g_autoptr(ImapCommand) cmd = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
        GPtrArray *args = args_of(commands[i], &cmd);
        gboolean ok;
        if (i == 0) {
            g_autoptr(ImapSort) sort = imap_sort_parse(args, 0, FALSE, &error);
            g_assert_no_error(error);
            ok = imap_sort_run(&fake->env, sort, fake->msgs, out, &error);
        } else {
            g_autoptr(ImapThread) thread = imap_thread_parse(args, 0, FALSE, &error);
            g_assert_no_error(error);
            ok = imap_thread_run(&fake->env, thread, fake->msgs, out, &error);
        }
        g_assert_false(ok);
        g_assert_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_FAILED);
        g_assert_cmpuint(out->len, ==, 0);
    }
    /* Messages the keys leave out are never read. */
    expect_sort(fake, "(DATE) UTF-8 1:2,4", FALSE, "* SORT 4 2 1\r\n");
    mailbox_env_free(fake);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/sort/base-subject", test_base_subject);
    g_test_add_func("/imap/sort/criteria", test_sort);
    g_test_add_func("/imap/thread/algorithms", test_thread);
    g_test_add_func("/imap/thread/loops", test_thread_loops);
    g_test_add_func("/imap/sort-thread/unreadable", test_unreadable);
    return g_test_run();
}
