/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/protocol.h - a protocol as a set of connection event callbacks.
 *
 * The core owns the socket, TLS and buffering and turns bytes into events;
 * the module owns the grammar.  Every callback runs on the connection's loop
 * thread, one at a time per connection, and must not block: blocking work
 * goes through HermodApi.work_run.  Any callback except on_close may be
 * NULL.
 */
#ifndef HERMOD_PROTOCOL_H
#define HERMOD_PROTOCOL_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct HermodConn HermodConn; /* opaque: one client connection */

typedef struct {
    guint32 struct_size; /* sizeof (HermodProtocol) at build time */
    /* A client connected (after the TLS handshake on implicit-TLS listeners).
     * The module typically allocates its state and writes a greeting. */
    void (*on_connect)(HermodConn *conn);
    /* One input line.  line points at len bytes including the terminator
     * exactly as received ("\r\n", or a bare "\n"); a line longer than the
     * core's line limit arrives in pieces with is_partial TRUE on all but
     * the last.  line is NUL-terminated for convenience but may contain
     * NUL bytes.  Transfer none. */
    void (*on_line)(HermodConn *conn, const char *line, gsize len, gboolean is_partial);
    /* Counted bytes asked for by conn_read_bytes, in one or more pieces;
     * is_last marks the final piece.  Transfer none. */
    void (*on_data)(HermodConn *conn, const guint8 *data, gsize len, gboolean is_last);
    /* Pending output dropped below the low-water mark after conn_want_writable. */
    void (*on_writable)(HermodConn *conn);
    /* STARTTLS handshake finished; the module resets its session state. */
    void (*on_tls_ready)(HermodConn *conn);
    /* The idle timeout expired.  The module may write a last reply; the core
     * closes the connection after this returns.  NULL: just close. */
    void (*on_timeout)(HermodConn *conn);
    /* The daemon is shutting down; the module may write a farewell.  The
     * core closes the connection after the drain time.  Nullable. */
    void (*on_shutdown)(HermodConn *conn);
    /* The connection is gone; free the module's state.  Required. */
    void (*on_close)(HermodConn *conn);
    /* ABI 1.5.  The reply the core writes, with its line end, to a client
     * it refuses at accept ([limits] max_connections_per_ip or
     * max_connections reached) before closing, e.g. "421 4.7.0 Too many
     * connections from your address\r\n".  Static storage.  Written on
     * plain-text listeners only (an implicit-TLS one closes without a
     * word: no handshake is spent on a refused client).  NULL, or a module
     * built before 1.5: closed without a word. */
    const char *busy_reply;
} HermodProtocol;

G_END_DECLS

#endif
