/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * retr.c - RETR and TOP: a stored message sent as a POP3 multi-line
 * response, streamed.
 *
 * The message comes from proto_message_bytes (modules/common: the store's
 * read_message, read into memory when small and mapped when big, or
 * open_message on a core older than ABI 1.3) and is sent in chunks of CHUNK
 * bytes: one chunk is dot-stuffed onto the connection,
 * then we wait for on_writable (pending output below the core's low-water
 * mark) before the next, so a 10 MB message never sits in the output
 * buffer at once.  Input is paused while a message streams, so pipelined
 * commands (RFC 2449 PIPELINING) wait their turn.  Bytes go out exactly as
 * stored; only '.' at a line start is doubled (RFC 1939 3) and a missing
 * final line end is added before the terminating ".".  A message that IMAP
 * expunged after our snapshot answers -ERR.
 */
#include "autoconfig.h"

#include "common/message-bytes.h"
#include "pop3.h"

#define CHUNK (64 * 1024)

struct Pop3Stream {
    GBytes *bytes;
    const char *data;
    gsize len;
    gsize pos;
    Pop3Stuffer stuffer;
};

void
pop3_stream_free(Pop3Stream *st)
{
    if (st == NULL)
        return;
    if (st->bytes != NULL)
        g_bytes_unref(st->bytes);
    g_free(st);
}

static void
finish(Pop3Session *s)
{
    g_autoptr(GString) out = g_string_new(NULL);
    pop3_stuffer_finish(&s->stream->stuffer, out);
    pop3_api->conn_write(s->conn, out->str, out->len);
    g_clear_pointer(&s->stream, pop3_stream_free);
    pop3_session_resume(s, POP3_STATE_TRANSACTION);
}

void
pop3_stream_writable(Pop3Session *s)
{
    Pop3Stream *st = s->stream;
    if (st == NULL)
        return;
    gsize n = MIN(CHUNK, st->len - st->pos);
    g_autoptr(GString) out = g_string_sized_new(n + n / 8 + 16);
    if (n > 0)
        st->pos += pop3_stuffer_feed(&st->stuffer, st->data + st->pos, n, out);
    pop3_api->conn_write(s->conn, out->str, out->len);
    if (st->pos >= st->len || st->stuffer.is_done)
        finish(s);
    else
        pop3_api->conn_want_writable(s->conn);
}

GBytes *
pop3_message_bytes(HermodMailStore *store, guint32 uid, GError **error)
{
    return proto_message_bytes(pop3_api->mail, store, "INBOX", uid, error);
}

void
pop3_send_message(Pop3Session *s, Pop3Msg *m, gint64 lines)
{
    g_autoptr(GError) error = NULL;
    GBytes *bytes = pop3_message_bytes(pop3_drop_store(s->drop), m->uid, &error);
    if (bytes == NULL) {
        if (g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE)) {
            pop3_err(s, NULL, "Message was removed by another session");
            return;
        }
        pop3_api->log(HERMOD_LOG_ERROR, pop3_api->conn_session(s->conn),
                      "pop3: cannot read UID %u of %s: %s", m->uid, s->account, error->message);
        pop3_err(s, "SYS/TEMP", "Cannot read the message");
        return;
    }
    Pop3Stream *st = g_new0(Pop3Stream, 1);
    st->bytes = bytes;
    st->data = g_bytes_get_data(bytes, &st->len);
    pop3_stuffer_init(&st->stuffer, lines);
    if (lines < 0) {
        m->is_read = TRUE;
        pop3_ok(s, "%" G_GUINT64_FORMAT " octets", m->size); /* as LIST says */
    } else {
        pop3_ok(s, "Top of message follows");
    }
    s->stream = st;
    pop3_session_set_state(s, POP3_STATE_SENDING);
    pop3_api->conn_pause(s->conn);
    pop3_stream_writable(s);
}
