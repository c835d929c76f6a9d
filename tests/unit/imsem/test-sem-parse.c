/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-sem-parse.c - the semaphore file format (modules/imsem/sem-parse.c):
 * names (SEM, LCK, dot-temporaries, everything else), a good file with LF
 * and with CRLF and a BOM, trailing blank lines, <> around addresses,
 * and every refusal with its reason.
 */
#include "autoconfig.h"

#include <string.h>

#include "sem-parse.h"

static void
test_names(void)
{
    static const struct {
        const char *name;
        SemNameKind kind;
        const char *id;
    } cases[] = {
        {"IM-1.SEM", SEM_NAME_SEM, "1"},     {"im-20261206-x_y.sem", SEM_NAME_SEM, "20261206-x_y"},
        {"IM-42.LCK", SEM_NAME_LCK, "42"},   {".IM-42.SEM.tmp", SEM_NAME_IGNORED, NULL},
        {"IM-.SEM", SEM_NAME_OTHER, NULL},   {"IM-a b.SEM", SEM_NAME_OTHER, NULL},
        {"IM-1.TXT", SEM_NAME_OTHER, NULL},  {"notes.txt", SEM_NAME_OTHER, NULL},
        {"IM-1.SEMX", SEM_NAME_OTHER, NULL},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *id = NULL;
        g_assert_cmpint(sem_name_kind(cases[i].name, &id), ==, cases[i].kind);
        g_assert_cmpstr(id, ==, cases[i].id);
    }
    g_autofree char *digits = g_strnfill(65, '7');
    g_autofree char *long_id = g_strdup_printf("IM-%s.SEM", digits);
    g_assert_cmpint(sem_name_kind(long_id, NULL), ==, SEM_NAME_OTHER);
}

static void
parse_ok(const char *data, gsize len, const char *to, const char *from, const char *text)
{
    g_autofree char *reason = NULL;
    SemIm im;

    g_assert_true(sem_parse(data, len, &im, &reason));
    g_assert_null(reason);
    g_assert_cmpstr(im.recipient, ==, to);
    g_assert_cmpstr(im.sender, ==, from);
    g_assert_cmpstr(im.text, ==, text);
    sem_im_clear(&im);
}

static void
test_good(void)
{
    static const char lf[] = "bob@example.test\nalice@example.test\n\nline one\nline two\n\n\n";
    static const char crlf[] = "\xef\xbb\xbf<bob@example.test>\r\n alice@example.test \r\n\r\n"
                               "line one\r\nline two\r\n";

    parse_ok(lf, strlen(lf), "bob@example.test", "alice@example.test", "line one\nline two");
    parse_ok(crlf, strlen(crlf), "bob@example.test", "alice@example.test", "line one\nline two");
    parse_ok("a@b\nc@d\n\nno newline", 19, "a@b", "c@d", "no newline");
}

static void
test_bad(void)
{
    static const struct {
        const char *data;
        gsize len;
        const char *reason;
    } cases[] = {
        {"", 0, "empty"},
        {"bob@example.test", 16, "no sender"},
        {"bob@example.test\nalice@example.test\n", 36, "no blank third line"},
        {"bob@example.test\nalice@example.test\ntext\n", 41, "not blank"},
        {"bob\nalice@example.test\n\ntext\n", 29, "recipient"},
        {"bob@example.test\nalice at example\n\ntext\n", 40, "sender"},
        {"bob@example.test\nalice@example.test\n\n \n\t\n", 41, "text is empty"},
        {"bob@example.test\nalice@example.test\n\nbad \xff\n", 42, "UTF-8"},
        {"bob@example.test\nalice@example.test\n\nnul \0 x\n", 44, "NUL"},
        {"a@b c\nd@e\n\nx", 12, "recipient"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *reason = NULL;
        SemIm im;
        g_assert_false(sem_parse(cases[i].data, cases[i].len, &im, &reason));
        g_assert_nonnull(reason);
        if (strstr(reason, cases[i].reason) == NULL)
            g_error("case %" G_GSIZE_FORMAT ": reason \"%s\" lacks \"%s\"", i, reason,
                    cases[i].reason);
        g_assert_null(im.recipient);
        g_assert_null(im.text);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/sem-parse/names", test_names);
    g_test_add_func("/sem-parse/good", test_good);
    g_test_add_func("/sem-parse/bad", test_bad);
    return g_test_run();
}
