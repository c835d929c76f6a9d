/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-seqset.c - sequence sets: parsing, "*", merging, membership, and
 * the check against the mailbox size.
 */
#include "autoconfig.h"

#include "seqset.h"

static char *
roundtrip(const char *text, guint32 max)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapSeqSet) set = imap_seqset_parse(text, &error);

    g_assert_no_error(error);
    g_autoptr(GArray) r = imap_seqset_resolve(set, max);
    return imap_seqset_format(r);
}

static void
test_resolve(void)
{
    struct {
        const char *in;
        guint32 max;
        const char *out;
    } cases[] = {
        {"1", 10, "1"},
        {"1:3,5", 10, "1:3,5"},
        {"4:2", 10, "2:4"},
        {"*", 10, "10"},
        {"5:*", 3, "3:5"},
        {"1:*", 0, ""},
        {"3,1,2", 10, "1:3"},
        {"1:5,3:9,11", 20, "1:9,11"},
        {"4294967294", 1, "4294967294"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *out = roundtrip(cases[i].in, cases[i].max);
        g_assert_cmpstr(out, ==, cases[i].out);
    }
}

static void
test_bad(void)
{
    const char *bad[] = {"", "0", "1:0", "a", "1,", ",1", "1::2", "4294967296", "1 2", "-1"};

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ImapSeqSet) set = imap_seqset_parse(bad[i], &error);
        g_assert_null(set);
        g_assert_nonnull(error);
    }
}

static void
test_contains_and_compress(void)
{
    g_autoptr(ImapSeqSet) set = imap_seqset_parse("2:4,8,10:*", NULL);
    g_autoptr(GArray) r = imap_seqset_resolve(set, 12);
    guint32 in[] = {2, 3, 4, 8, 10, 11, 12}, out[] = {1, 5, 7, 9, 13};

    for (gsize i = 0; i < G_N_ELEMENTS(in); i++)
        g_assert_true(imap_seqset_contains(r, in[i]));
    for (gsize i = 0; i < G_N_ELEMENTS(out); i++)
        g_assert_false(imap_seqset_contains(r, out[i]));

    guint32 uids[] = {1, 2, 3, 7, 9, 10};
    g_autofree char *text = imap_seqset_from_sorted(uids, G_N_ELEMENTS(uids));
    g_assert_cmpstr(text, ==, "1:3,7,9:10");
}

static void
test_check_max(void)
{
    struct {
        const char *in;
        guint32 max;
        gboolean ok;
    } cases[] = {
        {"1:3", 3, TRUE}, {"3:1", 3, TRUE},  {"4", 3, FALSE}, {"1,2:4", 3, FALSE},
        {"5:*", 3, TRUE}, {"*:9", 3, TRUE},  {"*", 0, TRUE},  {"1:*", 0, TRUE},
        {"1", 0, FALSE},  {"2,*", 1, FALSE},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(ImapSeqSet) set = imap_seqset_parse(cases[i].in, NULL);
        gboolean ok = imap_seqset_check_max(set, cases[i].max, &error);
        g_assert_cmpint(ok, ==, cases[i].ok);
        g_assert_true(ok == (error == NULL));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/seqset/resolve", test_resolve);
    g_test_add_func("/imap/seqset/bad", test_bad);
    g_test_add_func("/imap/seqset/contains-compress", test_contains_and_compress);
    g_test_add_func("/imap/seqset/check-max", test_check_max);
    return g_test_run();
}
