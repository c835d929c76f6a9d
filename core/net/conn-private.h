/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conn-private.h - the connection object shared by conn.c (life cycle,
 * output, the state machine), conn-input.c (reading, lines, counted data),
 * conn-tls.c (the GnuTLS session) and conn-deflate.c (COMPRESS=DEFLATE),
 * and the entry points listener.c uses.  Nothing outside those files includes it.
 *
 * Threads: every function here runs on the connection's loop thread,
 * except hermod_conn_new's caller, which posts to that loop.
 */
#ifndef HERMOD_CORE_CONN_PRIVATE_H
#define HERMOD_CORE_CONN_PRIVATE_H

#include <gnutls/gnutls.h>

#include "net/conn.h"

G_BEGIN_DECLS

/* Per-connection limits, from [limits]; see listener.c for the table. */
typedef struct {
    gsize line_max;          /* longer lines arrive in is_partial pieces */
    guint idle_timeout;      /* seconds without input or output progress */
    guint handshake_timeout; /* seconds for a TLS handshake */
    /* Slow clients (one byte every few seconds keeps the idle timer happy): */
    guint line_timeout;  /* seconds a line may take from its first byte; 0: no limit */
    gsize data_min_rate; /* counted data: bytes per second it must average... */
    guint data_grace;    /* ...once this many seconds have passed; rate 0: no limit */
} HermodConnLimits;

/* What a listener hands each of its connections.  Strings are copied. */
typedef struct {
    const char *listener; /* listener name, for the log */
    const HermodProtocol *proto;
    const char *role;
    gboolean is_implicit_tls;
    gboolean is_starttls; /* tls = starttls: the protocol may offer STARTTLS */
    const char *protocol; /* the listener's protocol name, for metrics; nullable */
} HermodConnOrigin;

/* Pending output above this stops input (backpressure); on_writable fires
 * once output is below the low-water mark. */
#define HERMOD_CONN_HIGH_WATER (256 * 1024)
#define HERMOD_CONN_LOW_WATER  (32 * 1024)

typedef enum {
    CONN_TLS_NONE,      /* plaintext */
    CONN_TLS_WANTED,    /* start once output is flushed */
    CONN_TLS_HANDSHAKE, /* handshake in progress */
    CONN_TLS_UP,        /* records flow */
} ConnTlsState;

/* The DEFLATE streams of a connection (conn-deflate.c); NULL while off. */
typedef struct HermodConnDeflate HermodConnDeflate;

struct HermodConn {
    gint refs;
    int fd;
    HermodLoop *loop;
    const HermodProtocol *proto;
    char *listener;
    char *protocol;
    char *role;
    char *peer;
    char *session;
    gpointer data;
    gboolean is_implicit_tls;
    gboolean is_starttls;
    gint64 started; /* monotonic, for the close log line */
    guint64 bytes_in;
    guint64 bytes_out;

    /* input: bytes [in_pos, in->len) are not yet delivered */
    GByteArray *in;
    gsize in_pos;
    GByteArray *line; /* NUL-terminated copy handed to on_line */
    gsize count_left; /* counted mode while > 0 or is_counted */
    gboolean is_counted;
    gboolean is_stream; /* conn_read_stream: every byte to on_data as it comes */
    gboolean is_paused;
    gboolean is_eof;

    /* output: bytes [out_pos, out->len) are not yet sent */
    GByteArray *out;
    gsize out_pos;
    gsize tls_send_len;          /* > 0: a gnutls_record_send waits to be repeated */
    gsize tls_mark;              /* STARTTLS: output before this offset goes out in plaintext */
    gboolean tls_recv_wants_out; /* a TLS read waits for the socket to be writable */
    gboolean wants_writable;

    /* TLS */
    ConnTlsState tls_state;
    gnutls_session_t tls;
    char *tls_info;

    /* COMPRESS=DEFLATE: set, writes are staged there and compressed into
     * out, reads are inflated from there into in */
    HermodConnDeflate *deflate;

    /* life cycle */
    gboolean is_closing;   /* conn_close: flush, then close */
    gboolean is_closed;    /* socket gone, on_close ran or runs now */
    gboolean is_failed;    /* I/O error: close without flushing */
    gboolean is_connected; /* on_connect ran */
    guint depth;           /* > 0 while a protocol callback runs */
    gboolean is_kicked;    /* an update is posted */
    guint32 events;        /* epoll interest currently registered */

    /* deadlines for slow clients (conn-input.c), monotonic, 0: none runs */
    gint64 line_started;  /* the first byte of the line not yet complete */
    gint64 count_started; /* conn_read_bytes, or the last resume */
    guint64 count_got;    /* counted bytes since count_started */

    /* idle timer */
    guint timeout;      /* conn_set_timeout, 0: the default */
    gint64 last_active; /* monotonic */
    guint timer_id;
    gint64 timer_due;
};

/* Set the limits new connections use.  Main thread, before the loops run
 * connections (listener.c, at bind). */
void hermod_conn_set_limits(const HermodConnLimits *limits);
const HermodConnLimits *hermod_conn_limits(void);

/* On conn's loop: adopt fd (non-blocking, connected), register it, log the
 * connection and start the protocol (or the implicit TLS handshake).  The
 * registry already counted the connection; it is released when the
 * connection closes.  peer is the address string.  Transfers fd. */
void hermod_conn_new(HermodLoop *loop, int fd, const char *peer, const HermodConnOrigin *origin);
/* On conn's loop: on_shutdown, then the connection goes on until it
 * closes or is killed. */
void hermod_conn_shutdown(HermodConn *conn);
/* On conn's loop: close now, dropping pending output. */
void hermod_conn_kill(HermodConn *conn);

/* Internal steps (conn.c). */
void hermod_conn_update(HermodConn *conn);
void hermod_conn_fail(HermodConn *conn, const char *why);
void hermod_conn_touch(HermodConn *conn);
void hermod_conn_call(HermodConn *conn, void (*cb)(HermodConn *));

/* conn-input.c: deliver buffered input and read more while the module can
 * take it.  Returns FALSE if it stopped with input left to process later
 * (a budget ran out), TRUE otherwise. */
gboolean hermod_conn_input_run(HermodConn *conn);
/* Drop everything received but not delivered (STARTTLS). */
void hermod_conn_input_discard(HermodConn *conn);
/* Can input events be delivered now? */
gboolean hermod_conn_input_ready(HermodConn *conn);
/* The time by which the line or counted data now arriving must be done
 * (line_timeout, data_min_rate), or 0.  While input is not read (paused,
 * backpressure, TLS) the clocks restart instead: a client is not blamed
 * for our waiting.  *out_what (nullable) names the limit, for the log. */
gint64 hermod_conn_input_deadline(HermodConn *conn, const char **out_what);
/* conn_read_bytes and conn_resume: restart the counted-data clock. */
void hermod_conn_input_clock_start(HermodConn *conn);
/* Read the socket (or the TLS session) once into buf, counting the bytes
 * and retrying EINTR: bytes, 0 at EOF, -1 with errno EAGAIN or a failure
 * (the connection was marked failed). */
gssize hermod_conn_recv(HermodConn *conn, void *buf, gsize len);

/* conn-tls.c */
/* Create the session and start the handshake; FALSE: the connection failed. */
gboolean hermod_conn_tls_begin(HermodConn *conn);
/* One handshake step; TRUE once the handshake finished. */
gboolean hermod_conn_tls_step(HermodConn *conn);
/* epoll direction the handshake waits for. */
guint32 hermod_conn_tls_wait_events(HermodConn *conn);
/* Like recv/send: bytes, 0 at EOF, -1 with errno EAGAIN or a failure
 * (errno EIO, and the connection was marked failed). */
gssize hermod_conn_tls_recv(HermodConn *conn, void *buf, gsize len);
gssize hermod_conn_tls_send(HermodConn *conn, const void *buf, gsize len);
void hermod_conn_tls_end(HermodConn *conn);

/* conn-deflate.c */
/* Start both streams; buffered input past in_pos becomes compressed input.
 * FALSE: zlib could not start (logged), nothing changed. */
gboolean hermod_conn_deflate_begin(HermodConn *conn);
/* Queue plaintext output for compression. */
void hermod_conn_deflate_write(HermodConn *conn, const void *data, gsize len);
/* Plaintext queued and not yet compressed. */
gsize hermod_conn_deflate_pending(HermodConn *conn);
/* Compress everything queued into out and end it with a sync flush, so
 * that the peer can decompress all of it now. */
void hermod_conn_deflate_sync(HermodConn *conn);
/* Append at most max decompressed bytes to in, reading the socket only
 * when zlib has nothing left: like hermod_conn_recv (bytes, 0 at EOF or
 * at the end of the peer's stream, -1 EAGAIN or failure). */
gssize hermod_conn_deflate_read(HermodConn *conn, gsize max);
/* Free the streams (conn closes). */
void hermod_conn_deflate_end(HermodConn *conn);

G_END_DECLS

#endif
