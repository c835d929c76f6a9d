/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conn-input.c - a connection's input: reading, lines and counted data.
 *
 * Reads the socket (or the TLS session) into the input buffer and turns the
 * bytes into on_line and on_data events.  Lines keep their terminator
 * exactly as received; a line longer than [limits] line_max is handed over
 * in is_partial pieces, so the buffer never holds more than line_max plus
 * one read.  Counted data (conn_read_bytes) is delivered as it arrives and
 * never collected whole; in stream mode (conn_read_stream, for XMPP) every
 * byte is counted data that never ends.  Under COMPRESS=DEFLATE the bytes come from
 * conn-deflate.c instead of the socket, one read's worth at a time.
 * Reading stops while the module is paused, while output is above the
 * high-water mark and around STARTTLS; the state machine in conn.c decides
 * when to call in here.  When counted data ends with nothing after it, the
 * kernel is asked to acknowledge it at once (ack_now).
 *
 * Slow clients: the idle timer only asks for some progress, so a client
 * dripping one byte every few seconds would hold a connection forever.
 * Two deadlines close that: a line must be complete within line_timeout of
 * its first byte, and counted data must average data_min_rate once
 * data_grace has passed (hermod_conn_input_deadline; conn.c's timer
 * enforces it through the protocol's on_timeout, which replies first).
 */
#include "autoconfig.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "net/conn-private.h"

#define READ_CHUNK 16384
/* Events delivered per call, so that one busy client cannot hold a loop. */
#define EVENT_BUDGET 64

gboolean
hermod_conn_input_ready(HermodConn *conn)
{
    return !conn->is_closed && !conn->is_closing && !conn->is_failed && !conn->is_paused &&
           (conn->tls_state == CONN_TLS_NONE || conn->tls_state == CONN_TLS_UP) &&
           hermod_conn_output_pending(conn) < HERMOD_CONN_HIGH_WATER;
}

void
hermod_conn_input_discard(HermodConn *conn)
{
    conn->in_pos = conn->in->len;
}

/* Counted data ended and nothing after it has arrived.  A client that
 * writes the rest of its command separately (imaplib sends an IMAP
 * literal's closing CRLF on its own) holds that small write under Nagle's
 * algorithm until its data is acknowledged, while the kernel holds our
 * acknowledgement back to piggyback it on a reply that cannot come before
 * the rest arrives: 40 ms lost per APPEND.  TCP_QUICKACK sends the pending
 * acknowledgement now.  Not a TCP socket (a test's socketpair): no-op. */
static void
ack_now(HermodConn *conn)
{
    int one = 1;

    (void)setsockopt(conn->fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
}

static void
note_line_clock(HermodConn *conn)
{
    if (conn->is_counted || conn->is_stream || conn->in_pos >= conn->in->len)
        conn->line_started = 0;
    else if (conn->line_started == 0)
        conn->line_started = g_get_monotonic_time();
}

void
hermod_conn_input_clock_start(HermodConn *conn)
{
    conn->count_started = conn->is_counted ? g_get_monotonic_time() : 0;
    conn->count_got = 0;
    if (conn->line_started != 0)
        conn->line_started = g_get_monotonic_time();
}

gint64
hermod_conn_input_deadline(HermodConn *conn, const char **out_what)
{
    const HermodConnLimits *lim = hermod_conn_limits();
    gint64 line = 0, data = 0;

    if (!hermod_conn_input_ready(conn)) {
        hermod_conn_input_clock_start(conn);
        return 0;
    }
    if (conn->line_started != 0 && lim->line_timeout != 0)
        line = conn->line_started + (gint64)lim->line_timeout * G_USEC_PER_SEC;
    if (conn->is_counted && conn->count_started != 0 && lim->data_min_rate != 0)
        data = conn->count_started + (gint64)lim->data_grace * G_USEC_PER_SEC +
               (gint64)(conn->count_got * G_USEC_PER_SEC / lim->data_min_rate);
    if (out_what != NULL)
        *out_what = data != 0 && (line == 0 || data < line)
                        ? "counted data below data_min_rate"
                        : "line not complete within line_timeout";
    return line == 0 ? data : data == 0 ? line : MIN(line, data);
}

/* The next piece of counted data, or the empty last piece of a zero count. */
static gboolean
deliver_counted(HermodConn *conn, gsize avail)
{
    const guint8 *data = conn->in->data + conn->in_pos;
    gsize n = MIN(avail, conn->count_left);

    if (n == 0 && conn->count_left > 0)
        return FALSE;
    conn->count_left -= n;
    conn->in_pos += n;
    conn->count_got += n;
    gboolean is_last = conn->count_left == 0;
    if (is_last) {
        conn->is_counted = FALSE;
        conn->count_started = 0;
    }
    if (is_last && n > 0 && conn->in_pos == conn->in->len)
        ack_now(conn);
    /* The pointer stays valid: nothing reads into or compacts the buffer
     * while a callback runs. */
    if (conn->proto->on_data != NULL) {
        conn->depth++;
        conn->proto->on_data(conn, n > 0 ? data : (const guint8 *)"", n, is_last);
        conn->depth--;
    }
    return TRUE;
}

/* Stream mode: whatever has arrived, as one piece. */
static gboolean
deliver_stream(HermodConn *conn, gsize avail)
{
    const guint8 *data = conn->in->data + conn->in_pos;

    if (avail == 0)
        return FALSE;
    conn->in_pos += avail;
    if (conn->proto->on_data != NULL) {
        conn->depth++;
        conn->proto->on_data(conn, data, avail, FALSE);
        conn->depth--;
    }
    return TRUE;
}

static gboolean
deliver_line(HermodConn *conn, gsize avail)
{
    const guint8 *start = conn->in->data + conn->in_pos;
    const guint8 *nl = memchr(start, '\n', avail);
    gsize len = nl != NULL ? (gsize)(nl - start) + 1 : avail;
    gboolean is_partial = nl == NULL;

    if (len > hermod_conn_limits()->line_max) {
        len = hermod_conn_limits()->line_max;
        is_partial = TRUE;
    } else if (is_partial) {
        return FALSE; /* wait for the rest */
    }
    g_byte_array_set_size(conn->line, 0);
    g_byte_array_append(conn->line, start, (guint)len);
    g_byte_array_append(conn->line, (const guint8 *)"", 1);
    conn->in_pos += len;
    conn->line_started = 0; /* the next line's clock starts with its bytes */
    if (conn->proto->on_line != NULL) {
        conn->depth++;
        conn->proto->on_line(conn, (const char *)conn->line->data, len, is_partial);
        conn->depth--;
    }
    return TRUE;
}

/* One event from the buffer; FALSE if the buffer has none ready. */
static gboolean
deliver_one(HermodConn *conn)
{
    gsize avail = conn->in->len - conn->in_pos;

    if (conn->is_stream)
        return deliver_stream(conn, avail);
    if (conn->is_counted)
        return deliver_counted(conn, avail);
    return avail > 0 && deliver_line(conn, avail);
}

static void
in_compact(HermodConn *conn)
{
    if (conn->in_pos == conn->in->len) {
        g_byte_array_set_size(conn->in, 0);
        conn->in_pos = 0;
    } else if (conn->in_pos > 0) {
        g_byte_array_remove_range(conn->in, 0, (guint)conn->in_pos);
        conn->in_pos = 0;
    }
}

gssize
hermod_conn_recv(HermodConn *conn, void *buf, gsize len)
{
    gssize n;

    do {
        if (conn->tls_state == CONN_TLS_UP)
            n = hermod_conn_tls_recv(conn, buf, len);
        else
            n = recv(conn->fd, buf, len, 0);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        hermod_conn_fail(conn, g_strerror(errno));
    if (n > 0) {
        conn->bytes_in += (guint64)n;
        hermod_conn_touch(conn);
    }
    return n;
}

/* Read once into the buffer: bytes read, 0 at EOF, -1 for "not now" (or a
 * failure, then the connection is marked failed).  Under DEFLATE one read
 * adds at most READ_CHUNK decompressed bytes, like a plain read. */
static gssize
read_some(HermodConn *conn)
{
    in_compact(conn);
    if (conn->deflate != NULL)
        return hermod_conn_deflate_read(conn, READ_CHUNK);
    guint old = conn->in->len;
    g_byte_array_set_size(conn->in, old + READ_CHUNK);
    gssize n = hermod_conn_recv(conn, conn->in->data + old, READ_CHUNK);
    g_byte_array_set_size(conn->in, old + (guint)MAX(n, 0));
    return n;
}

gboolean
hermod_conn_input_run(HermodConn *conn)
{
    gboolean did = FALSE;

    for (guint i = 0; i < EVENT_BUDGET; i++) {
        if (!hermod_conn_input_ready(conn))
            return did;
        gboolean is_delivered = deliver_one(conn);
        note_line_clock(conn);
        if (is_delivered) {
            did = TRUE;
            continue;
        }
        if (conn->is_eof) {
            /* A last line without its terminator is dropped: no protocol
             * acts on half a command. */
            conn->is_closing = TRUE;
            return TRUE;
        }
        gssize n = read_some(conn);
        note_line_clock(conn);
        if (n == 0)
            conn->is_eof = TRUE;
        if (n < 0)
            return did || conn->is_failed;
        did = TRUE;
    }
    return TRUE; /* budget spent; the caller's round limit yields */
}
