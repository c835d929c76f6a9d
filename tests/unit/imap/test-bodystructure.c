/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-bodystructure.c - BODYSTRUCTURE and BODY of fixed messages, byte
 * for byte.  The expected strings follow the RFC 9051 body grammar; sizes
 * and line counts were counted on the raw files (CRLF line ends, the CRLF
 * before a boundary belongs to the boundary).
 */
#include "autoconfig.h"

#include <string.h>

#include "bodystructure.h"
#include "imap-test-util.h"
#include "mime.h"

static char *
structure_of(const char *file, gboolean extended)
{
    g_autoptr(GBytes) bytes = imap_test_load(file);
    gsize len = 0;
    const char *data = g_bytes_get_data(bytes, &len);
    g_autoptr(ImapMimePart) root = imap_mime_parse(data, len);
    GString *out = g_string_new(NULL);

    imap_bodystructure_append(out, data, root, extended);
    return g_string_free(out, FALSE);
}

static void
check(const char *file, gboolean extended, const char *expected)
{
    g_autofree char *got = structure_of(file, extended);
    g_assert_cmpstr(got, ==, expected);
}

static void
test_single(void)
{
    check("single.eml", TRUE,
          "(\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 55 1 NIL NIL NIL NIL)");
    check("single.eml", FALSE,
          "(\"text\" \"plain\" (\"charset\" \"US-ASCII\") NIL NIL \"7bit\" 55 1)");
}

static void
test_mixed(void)
{
    check("mixed.eml", TRUE,
          "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 27 2 NIL NIL "
          "(\"en\") NIL)(\"application\" \"pdf\" (\"name\" \"r.pdf\") \"<part2@example.org>\" "
          "\"The report\" \"base64\" 34 \"Q2hlY2sgSW50ZWdyaXR5IQ==\" (\"attachment\" "
          "(\"filename\" \"r.pdf\")) NIL \"http://example.org/r.pdf\") \"mixed\" (\"boundary\" "
          "\"XX\") NIL NIL NIL)");
    check("mixed.eml", FALSE,
          "((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 27 2)"
          "(\"application\" \"pdf\" (\"name\" \"r.pdf\") \"<part2@example.org>\" \"The report\" "
          "\"base64\" 34) \"mixed\")");
}

static void
test_alternative(void)
{
    check("alternative.eml", TRUE,
          "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 10 1 NIL NIL NIL "
          "NIL)(\"text\" \"html\" "
          "(\"charset\" \"utf-8\") NIL NIL \"8bit\" 11 1 NIL NIL NIL NIL) \"alternative\" "
          "(\"boundary\" \"b1\") NIL (\"en\" \"de\") NIL)");
}

static void
test_nested(void)
{
    check("nested.eml", TRUE,
          "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 9 1 NIL NIL NIL "
          "NIL)(\"message\" \"rfc822\" "
          "NIL NIL NIL \"7bit\" 230 (NIL \"inner\" ((NIL NIL \"inner\" \"example.com\")) ((NIL "
          "NIL \"inner\" \"example.com\")) ((NIL NIL \"inner\" \"example.com\")) ((NIL NIL "
          "\"outer\" \"example.com\")) NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" "
          "\"us-ascii\") NIL NIL \"7bit\" "
          "11 1 NIL NIL NIL NIL)(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 "
          "1 NIL NIL NIL NIL) "
          "\"alternative\" (\"boundary\" \"inner\") NIL NIL NIL) 14 NIL NIL NIL NIL) \"mixed\" "
          "(\"boundary\" \"outer\") NIL NIL NIL)");
    check("nested.eml", FALSE,
          "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 9 1)(\"message\" "
          "\"rfc822\" NIL NIL NIL "
          "\"7bit\" 230 (NIL \"inner\" ((NIL NIL \"inner\" \"example.com\")) ((NIL NIL \"inner\" "
          "\"example.com\")) ((NIL NIL \"inner\" \"example.com\")) ((NIL NIL \"outer\" "
          "\"example.com\")) NIL NIL NIL NIL) ((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL "
          "NIL \"7bit\" 11 1)"
          "(\"text\" \"html\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 12 1) \"alternative\") "
          "14) \"mixed\")");
}

static void
test_defaults(void)
{
    /* No Content-Type: the RFC 2045 default, charset us-ascii; an
     * unterminated last line still counts. */
    check("missing.eml", TRUE,
          "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 23 1 NIL NIL NIL NIL)");
    check("encoded.eml", FALSE,
          "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 6 1)");
    check("8bit.eml", TRUE,
          "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"8bit\" 17 1 NIL NIL NIL NIL)");
}

static void
test_edge(void)
{
    struct {
        const char *msg;
        const char *expected;
    } cases[] = {
        /* multipart without boundary parameter: one empty part */
        {"Content-Type: multipart/mixed\r\n\r\nx\r\n",
         "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0) \"mixed\")"},
        /* no close delimiter: the last part runs to the end; LF-only lines */
        {"Content-Type: multipart/mixed; boundary=z\n\n--z\n\nab\ncd",
         "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 5 2) \"mixed\")"},
        /* a boundary prefix with other text after it is not a delimiter */
        {"Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\n\r\n--zz\r\n--z--\r\n",
         "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 4 1) \"mixed\")"},
        /* no header at all */
        {"", "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 0 0)"},
        /* quoting: a quote in a parameter, 8-bit parameter as literal */
        {"Content-Type: text/plain; name=\"a\\\"b\"; x=\"\xc3\xa9\"\r\n\r\n",
         "(\"text\" \"plain\" (\"charset\" \"us-ascii\" \"name\" \"a\\\"b\" \"x\" {2}\r\n\xc3\xa9) "
         "NIL NIL \"7bit\" 0 0)"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        gsize len = strlen(cases[i].msg);
        g_autoptr(ImapMimePart) root = imap_mime_parse(cases[i].msg, len);
        g_autoptr(GString) out = g_string_new(NULL);
        imap_bodystructure_append(out, cases[i].msg, root, FALSE);
        g_assert_cmpstr(out->str, ==, cases[i].expected);
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/imap/bodystructure/single", test_single);
    g_test_add_func("/imap/bodystructure/mixed", test_mixed);
    g_test_add_func("/imap/bodystructure/alternative", test_alternative);
    g_test_add_func("/imap/bodystructure/nested", test_nested);
    g_test_add_func("/imap/bodystructure/defaults", test_defaults);
    g_test_add_func("/imap/bodystructure/edge", test_edge);
    return g_test_run();
}
