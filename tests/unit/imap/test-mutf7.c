/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-mutf7.c - modified UTF-7 round trips and the RFC 3501 examples.
 */
#include "autoconfig.h"

#include "mutf7.h"

static void
check_pair(const char *utf8, const char *mutf7)
{
    g_autofree char *enc = imap_mutf7_encode(utf8);
    g_autofree char *dec = imap_mutf7_decode(mutf7);

    g_assert_cmpstr(enc, ==, mutf7);
    g_assert_cmpstr(dec, ==, utf8);
}

static void
test_examples(void)
{
    check_pair("INBOX", "INBOX");
    check_pair("A&B", "A&-B");
    /* RFC 3501 5.1.3 */
    check_pair("~peter/mail/\xe5\x8f\xb0\xe5\x8c\x97/\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
               "~peter/mail/&U,BTFw-/&ZeVnLIqe-");
    check_pair("Entw\xc3\xbcrfe", "Entw&APw-rfe");
    check_pair("\xf0\x9f\x93\xa7 mail", "&2D3c5w- mail");
}

static void
test_rejects(void)
{
    const char *bad[] = {"&",      "&Jjo",  "&AGE-",    "&U,BTFw-&ZeVnLIqe-",
                         "&AP8=-", "a\x01", "\xc3\xa9", "&APw",
                         "&APx-",  "&AAA-"};

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *dec = imap_mutf7_decode(bad[i]);
        if (dec != NULL)
            g_error("accepted %s as %s", bad[i], dec);
    }
    g_assert_null(imap_mutf7_encode("\xff"));
    g_assert_null(imap_mutf7_encode("a\tb"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/mutf7/examples", test_examples);
    g_test_add_func("/imap/mutf7/rejects", test_rejects);
    return g_test_run();
}
