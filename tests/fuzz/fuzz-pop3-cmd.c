/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-pop3-cmd.c - fuzz target: arbitrary bytes as POP3 client input.
 *
 * Every line of the input goes through the command grammar
 * (modules/pop3/parser.c: keyword split, message numbers, TOP's count)
 * and the whole input through the dot-stuffing encoder, as a stored
 * message, whole and with TOP limits.  Then the input is fed, as a client
 * would send it, to sessions of the real module on the fake core of the
 * unit tests (tests/unit/fake-core.c, the store of tests/unit/fake-store.c): in clear text, after
 * login on implicit TLS, and with a tiny core line limit, so that the state machine, AUTH and the
 * maildrop commands see hostile input too.  Replies are expected; crashes, hangs, leaks and
 * undefined behaviour are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-pop3.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
parse_lines(const char *text, gsize len)
{
    const char *end = text + len;
    for (const char *p = text; p < end;) {
        const char *nl = memchr(p, '\n', end - p);
        gsize n = nl != NULL ? (gsize)(nl - p) + 1 : (gsize)(end - p);
        g_autofree char *line = g_strndup(p, n); /* stops at a NUL: that is fine */
        Pop3CommandLine cl;
        if (pop3_parse_line(line, strlen(line), &cl) == POP3_LINE_OK) {
            guint32 num;
            gint64 count;
            (void)pop3_parse_msgnum(cl.args, &num);
            (void)pop3_parse_count(cl.args, &count);
            char *a, *b;
            (void)pop3_split2((char *)cl.args, &a, &b);
        }
        p += n;
    }
}

static void
stuff(const char *text, gsize len, gint64 lines)
{
    g_autoptr(GString) out = g_string_new(NULL);
    Pop3Stuffer st;
    pop3_stuffer_init(&st, lines);
    gsize half = pop3_stuffer_feed(&st, text, len / 2, out);
    if (!st.is_done)
        pop3_stuffer_feed(&st, text + half, len - half, out);
    pop3_stuffer_finish(&st, out);
    /* Every body ends in CRLF before the terminator. */
    g_assert_true(out->len == 3 ||
                  (out->len >= 5 && memcmp(out->str + out->len - 5, "\r\n.\r\n", 5) == 0));
}

static void
run_session(gboolean implicit, gboolean login, const char *data, gsize size, gsize limit)
{
    HermodConn *c = fake_conn_new(implicit);
    fake_set_line_limit(c, limit);
    if (login)
        fake_login(c, "alice@example.org", "secret");
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
    stuff(text, size, -1);
    stuff(text, size, 0);
    stuff(text, size, 3);
    fake_core_reset();
    fake_set_setting("max_errors", "1000");
    static const char m1[] = "Subject: a\r\n\r\n.x\r\nbody\r\n";
    static const char m2[] = "Subject: b\r\n\r\nno newline";
    fake_store_add("alice@example.org", "INBOX", m1, -1, 0, 0);
    fake_store_add("alice@example.org", "INBOX", m2, -1, 0, 0);
    run_session(FALSE, FALSE, text, size, 4096);
    run_session(TRUE, TRUE, text, size, 4096);
    run_session(TRUE, FALSE, text, size, 7);
    return 0;
}
