/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conn-deflate.c - raw DEFLATE (RFC 1951) on a connection, as IMAP
 * COMPRESS=DEFLATE (RFC 4978) needs it.
 *
 * Owns the two zlib streams of a connection.  Output the module writes is
 * staged here, compressed into the connection's output buffer and ended
 * with a sync flush each time the state machine sends (so the peer never
 * waits for bytes held in zlib); TLS, if any, then encrypts what comes out
 * (compress, then encrypt).  Input read from the socket or the TLS session
 * is kept here and inflated into the input buffer at most one read's worth
 * at a time, only when the input code asks for more, so a small bomb of
 * compressed bytes cannot grow the input buffer past the line and literal
 * limits conn-input.c already enforces.  It never sees protocol commands:
 * the module decides when DEFLATE starts (hermod_conn_start_deflate).
 */
#include "autoconfig.h"

#include <errno.h>
#include <zlib.h>

#include "net/conn-private.h"
#include "lib/log.h"

/* Raw DEFLATE: no zlib header or checksum (negative window bits). */
#define WINDOW_BITS (-15)
#define MEM_LEVEL   8
/* Staged plaintext past this is compressed before the next send, so a
 * module that writes a large response in one callback holds it only once. */
#define STAGE_MAX (64 * 1024)
/* Output space handed to deflate per call, and compressed bytes read per
 * socket read. */
#define OUT_CHUNK 16384
#define RAW_CHUNK 16384

struct HermodConnDeflate {
    z_stream def;      /* output */
    z_stream inf;      /* input */
    GByteArray *stage; /* plaintext written since the last compression */
    gboolean is_dirty; /* deflate holds input that no flush has ended */
    GByteArray *raw;   /* compressed input; [raw_pos, len) not yet inflated */
    gsize raw_pos;
    gboolean has_more; /* inflate filled its output: it may hold more */
    gboolean is_ended; /* the peer ended its stream: EOF */
    guint64 plain_in;  /* bytes after inflate, for the close log */
    guint64 plain_out; /* bytes before deflate */
};

gboolean
hermod_conn_deflate_begin(HermodConn *conn)
{
    HermodConnDeflate *z = g_new0(HermodConnDeflate, 1);

    if (deflateInit2(&z->def, Z_DEFAULT_COMPRESSION, Z_DEFLATED, WINDOW_BITS, MEM_LEVEL,
                     Z_DEFAULT_STRATEGY) != Z_OK) {
        hermod_log(HERMOD_LOG_ERROR, conn->session, "DEFLATE: %s", "zlib deflateInit2 failed");
        g_free(z);
        return FALSE;
    }
    if (inflateInit2(&z->inf, WINDOW_BITS) != Z_OK) {
        hermod_log(HERMOD_LOG_ERROR, conn->session, "DEFLATE: %s", "zlib inflateInit2 failed");
        deflateEnd(&z->def);
        g_free(z);
        return FALSE;
    }
    z->stage = g_byte_array_new();
    z->raw = g_byte_array_new();
    /* What the peer sent after the command that started DEFLATE is already
     * compressed; it waits here instead of in the input buffer.  The
     * buffer only shrinks, so a pointer the running on_data got stays
     * valid. */
    g_byte_array_append(z->raw, conn->in->data + conn->in_pos, conn->in->len - conn->in_pos);
    g_byte_array_set_size(conn->in, (guint)conn->in_pos);
    conn->deflate = z;
    hermod_log(HERMOD_LOG_DEBUG, conn->session, "DEFLATE on (%u bytes already received)",
               z->raw->len);
    return TRUE;
}

/* Compress the staged bytes into out; mode Z_NO_FLUSH or Z_SYNC_FLUSH. */
static void
compress_stage(HermodConn *conn, int mode)
{
    HermodConnDeflate *z = conn->deflate;

    z->def.next_in = z->stage->data;
    z->def.avail_in = z->stage->len;
    do {
        guint old = conn->out->len;
        g_byte_array_set_size(conn->out, old + OUT_CHUNK);
        z->def.next_out = conn->out->data + old;
        z->def.avail_out = OUT_CHUNK;
        int ret = deflate(&z->def, mode);
        g_byte_array_set_size(conn->out, old + OUT_CHUNK - z->def.avail_out);
        if (ret == Z_STREAM_ERROR) {
            hermod_conn_fail(conn, "DEFLATE: zlib stream error");
            break;
        }
    } while (z->def.avail_out == 0 || z->def.avail_in > 0);
    z->plain_out += z->stage->len;
    g_byte_array_set_size(z->stage, 0);
    z->is_dirty = mode == Z_NO_FLUSH;
}

void
hermod_conn_deflate_write(HermodConn *conn, const void *data, gsize len)
{
    HermodConnDeflate *z = conn->deflate;

    g_byte_array_append(z->stage, data, (guint)len);
    if (z->stage->len >= STAGE_MAX)
        compress_stage(conn, Z_NO_FLUSH);
}

gsize
hermod_conn_deflate_pending(HermodConn *conn)
{
    return conn->deflate == NULL ? 0 : conn->deflate->stage->len;
}

void
hermod_conn_deflate_sync(HermodConn *conn)
{
    HermodConnDeflate *z = conn->deflate;

    if (z != NULL && (z->stage->len > 0 || z->is_dirty))
        compress_stage(conn, Z_SYNC_FLUSH);
}

/* Inflate buffered compressed input into at most max bytes appended to
 * in: bytes produced (0: zlib needs more input), or -1 on bad data. */
static gssize
inflate_some(HermodConn *conn, gsize max)
{
    HermodConnDeflate *z = conn->deflate;
    guint old = conn->in->len;

    g_byte_array_set_size(conn->in, old + (guint)max);
    z->inf.next_in = z->raw->data + z->raw_pos;
    z->inf.avail_in = (uInt)(z->raw->len - z->raw_pos);
    z->inf.next_out = conn->in->data + old;
    z->inf.avail_out = (uInt)max;
    int ret = inflate(&z->inf, Z_SYNC_FLUSH);
    gsize produced = max - z->inf.avail_out;
    g_byte_array_set_size(conn->in, old + (guint)produced);
    z->raw_pos = z->raw->len - z->inf.avail_in;
    z->has_more = z->inf.avail_out == 0;
    if (ret == Z_STREAM_END) {
        z->is_ended = TRUE;
    } else if (ret != Z_OK && ret != Z_BUF_ERROR) {
        hermod_log(HERMOD_LOG_INFO, conn->session, "DEFLATE: bad compressed input: %s",
                   z->inf.msg != NULL ? z->inf.msg : "zlib error");
        hermod_conn_fail(conn, "bad compressed input");
        errno = EIO;
        return -1;
    }
    z->plain_in += produced;
    return (gssize)produced;
}

gssize
hermod_conn_deflate_read(HermodConn *conn, gsize max)
{
    HermodConnDeflate *z = conn->deflate;

    for (;;) {
        if (z->is_ended)
            return 0;
        if (z->raw_pos == z->raw->len && !z->has_more) {
            g_byte_array_set_size(z->raw, RAW_CHUNK);
            z->raw_pos = 0;
            gssize n = hermod_conn_recv(conn, z->raw->data, RAW_CHUNK);
            g_byte_array_set_size(z->raw, (guint)MAX(n, 0));
            if (n <= 0)
                return n;
        }
        gssize n = inflate_some(conn, max);
        if (n != 0)
            return n;
        /* Nothing came out although there was room: zlib consumed every
         * buffered byte (a flush marker, a block header); read on. */
        if (z->raw_pos < z->raw->len && !z->is_ended) {
            hermod_conn_fail(conn, "DEFLATE: inflate made no progress");
            errno = EIO;
            return -1;
        }
    }
}

void
hermod_conn_deflate_end(HermodConn *conn)
{
    HermodConnDeflate *z = conn->deflate;

    if (z == NULL)
        return;
    hermod_log(HERMOD_LOG_DEBUG, conn->session,
               "DEFLATE: %" G_GUINT64_FORMAT " bytes in after inflate, %" G_GUINT64_FORMAT
               " bytes out before deflate",
               z->plain_in, z->plain_out);
    deflateEnd(&z->def);
    inflateEnd(&z->inf);
    g_byte_array_unref(z->stage);
    g_byte_array_unref(z->raw);
    g_free(z);
    conn->deflate = NULL;
}
