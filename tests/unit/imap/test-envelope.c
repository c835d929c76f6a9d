/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-envelope.c - ENVELOPE of fixed messages, byte for byte (RFC 9051
 * 7.5.2): raw date/subject/ids, Sender and Reply-To defaulting to From,
 * groups, missing headers, 8-bit values as literals.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>
#include <string.h>

#include "envelope.h"
#include "imap-test-util.h"
#include "mime.h"

static char *
envelope_of(const char *file)
{
    g_autoptr(GBytes) bytes = imap_test_load(file);
    gsize len = 0;
    const char *data = g_bytes_get_data(bytes, &len);
    g_autoptr(ImapMimePart) root = imap_mime_parse(data, len);
    GString *out = g_string_new(NULL);

    imap_envelope_append(out, data, root);
    return g_string_free(out, FALSE);
}

static void
test_rfc_example(void)
{
    /* The RFC 9051 7.5.2 FETCH example's message. */
    g_autofree char *got = envelope_of("single.eml");
    g_assert_cmpstr(got, ==,
                    "(\"Mon, 7 Feb 1994 21:52:25 -0800 (PST)\" \"afternoon meeting\" "
                    "((\"Fred Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((\"Fred "
                    "Foobar\" NIL \"foobar\" \"Blurdybloop.example\")) ((\"Fred Foobar\" NIL "
                    "\"foobar\" \"Blurdybloop.example\")) ((NIL NIL \"mooch\" "
                    "\"owatagu.siam.edu.example\")) NIL NIL NIL "
                    "\"<B27397-0100000@Blurdybloop.example>\")");
}

static void
test_lists(void)
{
    g_autofree char *got = envelope_of("mixed.eml");
    g_assert_cmpstr(got, ==,
                    "(\"Tue, 1 Mar 2022 10:00:00 +0000\" \"report\" ((\"Doe, Jane\" NIL \"jane\" "
                    "\"example.org\")) ((\"Doe, Jane\" NIL \"jane\" \"example.org\")) ((\"Doe, "
                    "Jane\" NIL \"jane\" \"example.org\")) ((NIL NIL \"bob\" \"example.com\")"
                    "(\"Carol\" NIL \"carol\" \"example.net\")) ((NIL NIL \"dave\" "
                    "\"example.com\")) NIL NIL \"<m1@example.org>\")");
    g_autofree char *nested = envelope_of("nested.eml");
    g_assert_cmpstr(nested, ==,
                    "(NIL \"Fwd: inner\" ((NIL NIL \"outer\" \"example.com\")) ((NIL NIL "
                    "\"outer\" \"example.com\")) ((NIL NIL \"outer\" \"example.com\")) ((NIL NIL "
                    "\"list\" \"example.com\")) NIL NIL \"<x@y>\" NIL)");
}

static void
test_encoded_and_groups(void)
{
    g_autofree char *got = envelope_of("encoded.eml");
    /* Date and subject raw.  Names: GMime decodes the phrase; a non-ASCII
     * one goes back out RFC 2047 encoded (its charset GMime's choice), so
     * the words are checked by decoding them. */
    const char *keld = "Keld =?UTF-8?b?SsO4cm4=?= Simonsen";
    const char *jorg = "=?UTF-8?b?SsO2cmc=?=";
    g_autofree char *expected = g_strdup_printf(
        "(\"Wed, 2 Mar 2022 11:00:00 +0100\" \"=?UTF-8?Q?caf=C3=A9_=22ok=22?=\" ((\"%s\" NIL "
        "\"keld\" \"example.dk\")) ((\"%s\" NIL \"keld\" \"example.dk\")) ((\"%s\" NIL \"joerg\" "
        "\"example.de\")) ((NIL NIL \"A Group\" NIL)(NIL NIL \"ed\" \"example.com\")(\"Ann\" NIL "
        "\"ann\" \"example.com\")(NIL NIL NIL NIL)(NIL NIL \"undisclosed-recipients\" NIL)(NIL "
        "NIL NIL NIL)) NIL NIL NIL \"<enc@example.dk>\")",
        keld, keld, jorg);
    g_autofree char *keld_text = g_mime_utils_header_decode_phrase(NULL, keld);
    g_autofree char *jorg_text = g_mime_utils_header_decode_phrase(NULL, jorg);

    g_assert_cmpstr(got, ==, expected);
    g_assert_cmpstr(keld_text, ==, "Keld J\xc3\xb8rn Simonsen");
    g_assert_cmpstr(jorg_text, ==, "J\xc3\xb6rg");
}

static void
test_missing(void)
{
    g_autofree char *got = envelope_of("missing.eml");
    g_assert_cmpstr(got, ==, "(NIL \"no from\" NIL NIL NIL NIL NIL NIL NIL NIL)");
}

static void
test_8bit(void)
{
    g_autofree char *got = envelope_of("8bit.eml");
    g_autofree char *from_lit =
        g_strdup("(({13}\r\nJ\xc3\xb6rg M\xc3\xbcller NIL \"joerg\" \"example.de\"))");

    g_autofree char *expected = g_strdup_printf(
        "(\"Thu, 3 Mar 2022 12:00:00 +0100\" {17}\r\nGr\xc3\xbc\xc3\x9f"
        "e aus K\xc3\xb6ln %s %s %s (({4}\r\nZo\xc3\xab NIL \"zoe\" \"example.com\")) NIL NIL "
        "NIL NIL)",
        from_lit, from_lit, from_lit);
    g_assert_cmpstr(got, ==, expected);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    imap_mime_init();
    g_test_add_func("/imap/envelope/rfc-example", test_rfc_example);
    g_test_add_func("/imap/envelope/lists", test_lists);
    g_test_add_func("/imap/envelope/encoded-groups", test_encoded_and_groups);
    g_test_add_func("/imap/envelope/missing", test_missing);
    g_test_add_func("/imap/envelope/8bit", test_8bit);
    return g_test_run();
}
