/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-smtp-cmd.c - fuzz target: arbitrary bytes as SMTP client input.
 *
 * Every line of the input goes through the command-line grammar
 * (modules/smtp/parser.c: verb split, paths, ESMTP parameters, xtext,
 * numbers, HELO names) and the From scanner (header.c).  Then the whole
 * input is fed, as a client would send it, to a session on each role of
 * the real module running on the in-memory fake core of the unit tests
 * (tests/unit/smtp/fake-core.c), in two line-limit settings, so that the
 * state machine, DATA/BDAT and AUTH see hostile input too.  Replies are
 * expected; crashes, hangs, leaks and undefined behaviour are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-smtp.h"
#include "header.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
parse_args(const char *args)
{
    const char *colon = strchr(args, ':');
    const char *p = colon != NULL ? colon + 1 : args;
    while (*p == ' ')
        p++;
    SmtpPath path;
    if (smtp_parse_path(&p, TRUE, &path) == SMTP_PATH_OK) {
        g_free(path.address);
        GPtrArray *params = smtp_parse_params(p);
        if (params != NULL)
            g_ptr_array_unref(params);
    }
    char *decoded = NULL;
    if (smtp_xtext_decode(args, &decoded))
        g_free(decoded);
    guint64 n;
    (void)smtp_parse_number(args, &n);
    (void)smtp_is_helo_name(args);
    g_strfreev(smtp_from_addresses(args));
}

static void
parse_lines(const char *text, gsize len)
{
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *nl = memchr(p, '\n', end - p);
        gsize n = nl != NULL ? (gsize)(nl - p) + 1 : (gsize)(end - p);
        g_autofree char *line = g_strndup(p, n); /* stops at a NUL: that is fine */
        SmtpCommandLine cl;
        if (smtp_parse_line(line, strlen(line), &cl) == SMTP_LINE_OK)
            parse_args(cl.args);
        p += n;
    }
    SmtpHeaders *h = smtp_headers_new();
    smtp_headers_feed(h, text, len);
    smtp_headers_finish(h);
    if (smtp_headers_from(h) != NULL)
        g_strfreev(smtp_from_addresses(smtp_headers_from(h)));
    smtp_headers_free(h);
}

static void
run_session(const char *role, gboolean implicit, const char *data, gsize size, gsize limit)
{
    HermodConn *c = fake_conn_new(role, implicit);
    fake_set_line_limit(c, limit);
    /* In two writes, so that a line may straddle them. */
    fake_feed(c, data, size / 2);
    fake_feed(c, data + size / 2, size - size / 2);
    g_free(fake_take(c));
    fake_conn_free(c);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    const char *text = (const char *)data;
    parse_lines(text, size);
    fake_core_reset();
    fake_set_setting("max_message_size", "4K");
    fake_set_setting("max_errors", "1000");
    run_session("mx", FALSE, text, size, 4096);
    run_session("submission", FALSE, text, size, 16);
    fake_set_setting("require_tls_for_auth", "no");
    fake_set_setting("mx_auth", "yes");
    run_session("smtps", TRUE, text, size, 4096);
    run_session("mx", FALSE, text, size, 7);
    return 0;
}
