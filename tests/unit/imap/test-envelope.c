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
    /* Date, subject and names raw (RFC 9051 7.5.2): encoded words exactly
     * as stored, never decoded and re-encoded. */
    const char *keld = "=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=";
    const char *jorg = "=?UTF-8?B?SsO2cmc=?=";
    g_autofree char *expected = g_strdup_printf(
        "(\"Wed, 2 Mar 2022 11:00:00 +0100\" \"=?UTF-8?Q?caf=C3=A9_=22ok=22?=\" ((\"%s\" NIL "
        "\"keld\" \"example.dk\")) ((\"%s\" NIL \"keld\" \"example.dk\")) ((\"%s\" NIL \"joerg\" "
        "\"example.de\")) ((NIL NIL \"A Group\" NIL)(NIL NIL \"ed\" \"example.com\")(\"Ann\" NIL "
        "\"ann\" \"example.com\")(NIL NIL NIL NIL)(NIL NIL \"undisclosed-recipients\" NIL)(NIL "
        "NIL NIL NIL)) NIL NIL NIL \"<enc@example.dk>\")",
        keld, keld, jorg);

    g_assert_cmpstr(got, ==, expected);
}

/* The address lists of one header, as ENVELOPE writes them. */
static char *
addresses_of(const char *header)
{
    g_autofree char *text = g_strdup_printf("%s\r\nSubject: x\r\n\r\nbody\r\n", header);
    g_autoptr(GString) out = g_string_new(NULL);
    ImapMimePart *root = imap_mime_parse(text, strlen(text));
    imap_envelope_append(out, text, root);
    imap_mime_part_free(root);
    /* (date subject FROM ...: the third element */
    const char *from = strstr(out->str, "\"x\" ") + 4;
    const char *end = strstr(from, ") ((") != NULL ? strstr(from, ") ((") + 1 : from;
    return g_strndup(from, end - from);
}

static void
test_raw_names(void)
{
    static const struct {
        const char *header, *want;
    } cases[] = {
        /* The case: a q-encoded name keeps its words. */
        {"From: =?utf-8?q?J=C3=B6rg_Example?= <joerg@example.org>",
         "((\"=?utf-8?q?J=C3=B6rg_Example?=\" NIL \"joerg\" \"example.org\"))"},
        /* An encoded word beside plain words, and a quoted string. */
        {"From: Dr. =?utf-8?b?SsO2cmc=?= Ex <j@example.org>, \"Doe, \\\"J\\\"\" <d@example.org>",
         "((\"Dr. =?utf-8?b?SsO2cmc=?= Ex\" NIL \"j\" \"example.org\")(\"Doe, \\\"J\\\"\" NIL "
         "\"d\" \"example.org\"))"},
        /* A comment name (obsolete form) and a comment in a phrase. */
        {"From: a@example.org (=?utf-8?q?Ann_=C3=89?=), Bo (x) Bo <b@example.org>",
         "((\"=?utf-8?q?Ann_=C3=89?=\" NIL \"a\" \"example.org\")(\"Bo Bo\" NIL \"b\" "
         "\"example.org\"))"},
        /* A source route, and an encoded group name. */
        {"From: =?utf-8?q?Gr=C3=BCppe?=: R <@relay.example:r@example.org>;",
         "((NIL NIL \"=?utf-8?q?Gr=C3=BCppe?=\" NIL)(\"R\" NIL \"r\" \"example.org\")(NIL NIL NIL "
         "NIL))"},
        /* No name at all. */
        {"From: <bare@example.org>", "((NIL NIL \"bare\" \"example.org\"))"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = addresses_of(cases[i].header);
        g_assert_cmpstr(got, ==, cases[i].want);
    }
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
    g_test_add_func("/imap/envelope/raw-names", test_raw_names);
    g_test_add_func("/imap/envelope/missing", test_missing);
    g_test_add_func("/imap/envelope/8bit", test_8bit);
    return g_test_run();
}
