/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * output.c - the session's output queue and response quoting.
 *
 * Responses are queued as GBytes chunks: small text gathers in a GString
 * and becomes a chunk when a big chunk (a message body, a slice of a mapped
 * file) is queued or the queue is flushed.  imap_flush hands chunks to
 * conn_write only while the core holds less than HIGH_WATER bytes, in
 * pieces of at most PIECE bytes, and asks for on_writable to go on, so a
 * 50 MB FETCH never sits whole in the core's buffer.  While output is
 * queued here, input is paused: a client that pipelines large FETCHes
 * without reading cannot make the server buffer without bound.
 */
#include "autoconfig.h"

#include <string.h>

#include "mutf7.h"
#include "session.h"

#define HIGH_WATER (256 * 1024)
#define PIECE      (64 * 1024)

struct ImapOutput {
    GString *text; /* small text not yet made a chunk */
    GQueue chunks; /* GBytes* */
    gsize offset;  /* bytes of the head chunk already written */
    gsize queued;  /* bytes in chunks, minus offset */
    gboolean is_paused_by_us;
};

ImapOutput *
imap_output_new(void)
{
    ImapOutput *out = g_new0(ImapOutput, 1);
    out->text = g_string_new(NULL);
    g_queue_init(&out->chunks);
    return out;
}

void
imap_output_free(ImapOutput *out)
{
    g_string_free(out->text, TRUE);
    g_queue_clear_full(&out->chunks, (GDestroyNotify)g_bytes_unref);
    g_free(out);
}

static void
text_to_chunk(ImapOutput *out)
{
    if (out->text->len == 0)
        return;
    gsize len = out->text->len;
    g_queue_push_tail(&out->chunks, g_string_free_to_bytes(out->text));
    out->queued += len;
    out->text = g_string_new(NULL);
}

void
imap_printf(ImapSession *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(s->out->text, fmt, ap);
    va_end(ap);
}

void
imap_write(ImapSession *s, const char *text, gsize len)
{
    g_string_append_len(s->out->text, text, len);
}

void
imap_write_bytes(ImapSession *s, GBytes *bytes)
{
    if (g_bytes_get_size(bytes) < 1024) {
        gsize len = 0;
        const char *data = g_bytes_get_data(bytes, &len);
        g_string_append_len(s->out->text, data, len);
        return;
    }
    text_to_chunk(s->out);
    s->out->queued += g_bytes_get_size(bytes);
    g_queue_push_tail(&s->out->chunks, g_bytes_ref(bytes));
}

gsize
imap_output_queued(ImapSession *s)
{
    return s->out->queued + s->out->text->len;
}

/* Write pieces while the core has room; TRUE when the queue is empty. */
static gboolean
drain(ImapSession *s)
{
    ImapOutput *out = s->out;
    while (!g_queue_is_empty(&out->chunks)) {
        if (imap_api->conn_is_closed(s->conn)) {
            g_queue_clear_full(&out->chunks, (GDestroyNotify)g_bytes_unref);
            out->queued = 0;
            out->offset = 0;
            return TRUE;
        }
        if (imap_api->conn_output_pending(s->conn) >= HIGH_WATER)
            return FALSE;
        GBytes *head = g_queue_peek_head(&out->chunks);
        gsize len = 0;
        const guint8 *data = g_bytes_get_data(head, &len);
        gsize n = MIN(len - out->offset, PIECE);
        imap_api->conn_write(s->conn, data + out->offset, n);
        out->offset += n;
        out->queued -= n;
        if (out->offset == len) {
            g_bytes_unref(g_queue_pop_head(&out->chunks));
            out->offset = 0;
        }
    }
    return TRUE;
}

void
imap_flush(ImapSession *s)
{
    ImapOutput *out = s->out;
    text_to_chunk(out);
    if (drain(s)) {
        if (out->is_paused_by_us) {
            out->is_paused_by_us = FALSE;
            if (s->input == IMAP_IN_COMMAND || s->input == IMAP_IN_IDLE)
                imap_api->conn_resume(s->conn);
        }
        return;
    }
    if (!out->is_paused_by_us && s->input != IMAP_IN_WAIT) {
        out->is_paused_by_us = TRUE;
        imap_api->conn_pause(s->conn);
    }
    imap_api->conn_want_writable(s->conn);
}

void
imap_output_on_writable(ImapSession *s)
{
    imap_flush(s);
    if (imap_output_queued(s) == 0 && s->on_drained != NULL) {
        void (*fn)(ImapSession *, gpointer) = s->on_drained;
        gpointer data = s->on_drained_data;
        s->on_drained = NULL;
        s->on_drained_data = NULL;
        s->on_drained_free = NULL;
        fn(s, data);
    }
}

static gboolean
needs_literal(const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '\r' || *p == '\n' || (guchar)*p >= 0x80)
            return TRUE;
    }
    return strlen(text) > 1000;
}

void
imap_append_string(GString *out, const char *text)
{
    if (needs_literal(text)) {
        g_string_append_printf(out, "{%zu}\r\n%s", strlen(text), text);
        return;
    }
    g_string_append_c(out, '"');
    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, *p);
    }
    g_string_append_c(out, '"');
}

char *
imap_quote_mailbox(ImapSession *s, const char *name)
{
    GString *out = g_string_new(NULL);
    if (s->is_utf8 || s->is_rev2) {
        /* UTF-8 names go as quoted strings (RFC 9051 quoted allows UTF-8). */
        g_string_append_c(out, '"');
        for (const char *p = name; *p != '\0'; p++) {
            if (*p == '"' || *p == '\\')
                g_string_append_c(out, '\\');
            g_string_append_c(out, *p);
        }
        g_string_append_c(out, '"');
        return g_string_free(out, FALSE);
    }
    g_autofree char *m = imap_mutf7_encode(name);
    imap_append_string(out, m != NULL ? m : name);
    return g_string_free(out, FALSE);
}
