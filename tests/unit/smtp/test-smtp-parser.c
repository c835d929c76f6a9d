/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-smtp-parser.c - the SMTP grammar and the From scanner on their own:
 * command lines, paths (routes, null path, Postmaster, SMTPUTF8, limits),
 * ESMTP parameters, xtext, numbers, HELO names, header pieces and
 * mailbox lists.
 */
#include "autoconfig.h"

#include <string.h>

#include "header.h"
#include "parser.h"

static SmtpLineResult
parse(const char *text, SmtpCommandLine *cl, char **out_buf)
{
    *out_buf = g_strdup(text);
    return smtp_parse_line(*out_buf, strlen(text), cl);
}

static void
test_line(void)
{
    SmtpCommandLine cl;
    g_autofree char *b1 = NULL, *b2 = NULL, *b3 = NULL, *b4 = NULL, *b5 = NULL;
    g_assert_cmpint(parse("mail   FROM:<a@b.example>  \r\n", &cl, &b1), ==, SMTP_LINE_OK);
    g_assert_cmpint(cl.cmd, ==, SMTP_CMD_MAIL);
    g_assert_cmpstr(cl.args, ==, "FROM:<a@b.example>");
    g_assert_cmpint(parse("StartTLS\n", &cl, &b2), ==, SMTP_LINE_OK);
    g_assert_cmpint(cl.cmd, ==, SMTP_CMD_STARTTLS);
    g_assert_cmpstr(cl.args, ==, "");
    g_assert_cmpint(parse("NOOP\tx\r\n", &cl, &b3), ==, SMTP_LINE_BAD_CHARS);
    g_assert_cmpint(parse("  \r\n", &cl, &b4), ==, SMTP_LINE_EMPTY);
    g_assert_cmpint(parse("MAILX FROM:<>\r\n", &cl, &b5), ==, SMTP_LINE_OK);
    g_assert_cmpint(cl.cmd, ==, SMTP_CMD_UNKNOWN);
    char nul[] = "NO\0OP\r\n";
    g_assert_cmpint(smtp_parse_line(nul, 7, &cl), ==, SMTP_LINE_BAD_CHARS);
}

static void
check_path(const char *in, gboolean allow_null, SmtpPathResult want, const char *addr,
           gboolean route, const char *rest)
{
    SmtpPath path;
    const char *p = in;
    SmtpPathResult r = smtp_parse_path(&p, allow_null, &path);
    if (r != want)
        g_error("%s: result %d, want %d", in, r, want);
    if (r == SMTP_PATH_OK) {
        g_assert_cmpstr(path.address, ==, addr);
        g_assert_cmpint(path.has_route, ==, route);
        g_assert_cmpstr(p, ==, rest);
    }
    g_free(path.address);
}

static void
test_path(void)
{
    check_path("<a@b.example> SIZE=1", FALSE, SMTP_PATH_OK, "a@b.example", FALSE, " SIZE=1");
    check_path("<>", TRUE, SMTP_PATH_OK, "", FALSE, "");
    check_path("<>", FALSE, SMTP_PATH_SYNTAX, NULL, FALSE, NULL);
    check_path("<PostMaster>", FALSE, SMTP_PATH_OK, "postmaster", FALSE, "");
    check_path("<@x.example,@y.example:u@z.example>", FALSE, SMTP_PATH_OK, "u@z.example", TRUE, "");
    check_path("<\"a b\\\"c\"@d.example>", FALSE, SMTP_PATH_OK, "\"a b\\\"c\"@d.example", FALSE,
               "");
    check_path("<u%v@w.example>", FALSE, SMTP_PATH_OK, "u%v@w.example", FALSE, "");
    check_path("<v!u@w.example>", FALSE, SMTP_PATH_OK, "v!u@w.example", FALSE, "");
    check_path("<u@[192.0.2.1]>", FALSE, SMTP_PATH_OK, "u@[192.0.2.1]", FALSE, "");
    check_path("<u@[IPv6:2001:db8::1]>", FALSE, SMTP_PATH_OK, "u@[IPv6:2001:db8::1]", FALSE, "");
    check_path("<j\xc3\xb6rg@b\xc3\xbc.example>", FALSE, SMTP_PATH_OK,
               "j\xc3\xb6rg@b\xc3\xbc.example", FALSE, "");
    check_path("<j\xc3rg@b.example>", FALSE, SMTP_PATH_BAD_UTF8, NULL, FALSE, NULL);
    for (const char *const *bad =
             (const char *const[]){
                 "a@b.example", "<a@b.example", "<a@>", "<@b.example>", "<a..b@c.example>",
                 "<.a@c.example>", "<a@-b.example>", "<a@b-.example>", "<a@b..example>",
                 "<a b@c.example>", "<a@b.example.>", "<\"a@b.example>", "<a@[1.2.3.4>",
                 "<@x.example:>", "<@:a@b.example>", "<a@b@c.example>", "<>", NULL};
         *bad != NULL; bad++)
        check_path(*bad, FALSE, SMTP_PATH_SYNTAX, NULL, FALSE, NULL);
    g_autofree char *local = g_strnfill(250, 'l');
    g_autofree char *longer = g_strdup_printf("<%s@example.org>", local);
    check_path(longer, FALSE, SMTP_PATH_TOO_LONG, NULL, FALSE, NULL);
    g_autofree char *label = g_strnfill(64, 'd');
    g_autofree char *long_label = g_strdup_printf("<a@%s.example>", label);
    check_path(long_label, FALSE, SMTP_PATH_SYNTAX, NULL, FALSE, NULL);
}

static void
test_params(void)
{
    g_autoptr(GPtrArray) p = smtp_parse_params("  size=10 SMTPUTF8 body=8BITMIME");
    g_assert_nonnull(p);
    g_assert_cmpuint(p->len, ==, 3);
    SmtpParam *first = p->pdata[0], *second = p->pdata[1];
    g_assert_cmpstr(first->keyword, ==, "SIZE");
    g_assert_cmpstr(first->value, ==, "10");
    g_assert_null(second->value);
    g_autoptr(GPtrArray) empty = smtp_parse_params("");
    g_assert_cmpuint(empty->len, ==, 0);
    g_assert_null(smtp_parse_params("SIZE=")); /* empty value */
    g_assert_null(smtp_parse_params("x"));     /* no blank after the path */
    g_assert_null(smtp_parse_params(" -X"));
    g_assert_null(smtp_parse_params(" A=b=c"));
}

static void
test_xtext_number_helo(void)
{
    g_autofree char *d = NULL;
    g_assert_true(smtp_xtext_decode("a+2Bb+3Dc", &d));
    g_assert_cmpstr(d, ==, "a+b=c");
    char *bad = NULL;
    g_assert_false(smtp_xtext_decode("a+2", &bad));
    g_assert_false(smtp_xtext_decode("a=b", &bad));
    g_assert_false(smtp_xtext_decode("a b", &bad));
    g_assert_null(bad);
    guint64 n = 0;
    g_assert_true(smtp_parse_number("18446744073709551", &n));
    g_assert_cmpuint(n, ==, G_GUINT64_CONSTANT(18446744073709551));
    g_assert_false(smtp_parse_number("99999999999999999999", &n));
    g_assert_false(smtp_parse_number("-1", &n));
    g_assert_false(smtp_parse_number("", &n));
    g_assert_false(smtp_parse_number("1x", &n));
    g_assert_true(smtp_is_helo_name("mail.example.org"));
    g_assert_true(smtp_is_helo_name("[IPv6:::1]"));
    g_assert_false(smtp_is_helo_name("a b"));
    g_assert_false(smtp_is_helo_name("a(b)"));
    g_assert_false(smtp_is_helo_name(""));
}

/* Feed text to a scanner one byte at a time. */
static SmtpHeaders *
scan_bytewise(const char *text)
{
    SmtpHeaders *h = smtp_headers_new();
    for (const char *c = text; *c != '\0'; c++)
        smtp_headers_feed(h, c, 1);
    smtp_headers_finish(h);
    return h;
}

static void
test_headers(void)
{
    SmtpHeaders *h = scan_bytewise("Subject: x\r\nfrom: A\r\n <a@b.example>\r\n\tx\r\n"
                                   "To: c@d.example\r\n\r\nFrom: body@e.example\r\n");
    g_assert_cmpuint(smtp_headers_from_count(h), ==, 1);
    g_assert_cmpstr(smtp_headers_from(h), ==, " A <a@b.example>\tx");
    smtp_headers_free(h);

    h = scan_bytewise("Subject: x\r\nnot a header\r\nFrom: a@b.example\r\n");
    g_assert_cmpuint(smtp_headers_from_count(h), ==, 0);
    g_assert_null(smtp_headers_from(h));
    smtp_headers_free(h);

    h = scan_bytewise("From: a@b.example"); /* no terminator at all */
    g_assert_cmpstr(smtp_headers_from(h), ==, " a@b.example");
    smtp_headers_free(h);

    h = smtp_headers_new();
    g_autofree char *huge = g_strnfill(SMTP_FROM_MAX + 10, 'x');
    smtp_headers_feed(h, "From: ", 6);
    smtp_headers_feed(h, huge, strlen(huge));
    smtp_headers_feed(h, "\r\n\r\n", 4);
    g_assert_cmpuint(smtp_headers_from_count(h), ==, 1);
    g_assert_null(smtp_headers_from(h));
    smtp_headers_free(h);
}

static void
check_from(const char *value, const char *const *want)
{
    g_auto(GStrv) got = smtp_from_addresses(value);
    if (want == NULL) {
        if (got != NULL)
            g_error("%s: parsed as %s", value, got[0]);
        return;
    }
    if (got == NULL)
        g_error("%s: not parsed", value);
    g_assert_cmpstrv(got, want);
}

static void
test_from_addresses(void)
{
    check_from(" a@b.example", (const char *const[]){"a@b.example", NULL});
    check_from("\"Doe, J. <x@y>\" <j@d.example>", (const char *const[]){"j@d.example", NULL});
    check_from("A (c, <x@y>) <a@b.example>, c@d.example (C)",
               (const char *const[]){"a@b.example", "c@d.example", NULL});
    check_from("<@r.example:a@b.example>", (const char *const[]){"a@b.example", NULL});
    check_from("\"a b\"@c.example", (const char *const[]){"\"a b\"@c.example", NULL});
    check_from("G: a@b.example, <c@d.example>;, ,",
               (const char *const[]){"a@b.example", "c@d.example", NULL});
    check_from("u@[IPv6:::1]", (const char *const[]){"u@[IPv6:::1]", NULL});
    check_from("", NULL);
    check_from("Name only", NULL);
    check_from("<a@b.example", NULL);
    check_from("<a@b.example> <c@d.example>", NULL);
    check_from("(unterminated a@b.example", NULL);
    check_from("\"unterminated a@b.example", NULL);
    check_from("a@", NULL);
    check_from("<>", NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/smtp/parser/line", test_line);
    g_test_add_func("/smtp/parser/path", test_path);
    g_test_add_func("/smtp/parser/params", test_params);
    g_test_add_func("/smtp/parser/xtext-number-helo", test_xtext_number_helo);
    g_test_add_func("/smtp/header/scan", test_headers);
    g_test_add_func("/smtp/header/from-addresses", test_from_addresses);
    return g_test_run();
}
