/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conn-tls.c - a connection's GnuTLS session, driven without blocking.
 *
 * Gets a server session from the certificate store (tls.c), runs the
 * handshake one step per wake-up in the direction GnuTLS asks for, and
 * wraps record reads and writes so that conn.c and conn-input.c see them
 * like recv and send (EAGAIN included).  Certificates, priorities and SNI
 * are tls.c's business, not this file's.
 */
#include "autoconfig.h"

#include <errno.h>
#include <sys/epoll.h>

#include "net/conn-private.h"
#include "lib/log.h"
#include "tls/tls.h"

gboolean
hermod_conn_tls_begin(HermodConn *conn)
{
    g_autoptr(GError) error = NULL;

    conn->tls = hermod_tls_server_session_new(&error);
    if (conn->tls == NULL) {
        hermod_log(HERMOD_LOG_ERROR, conn->session, "TLS: %s", error->message);
        hermod_conn_fail(conn, "no TLS session");
        return FALSE;
    }
    gnutls_transport_set_int(conn->tls, conn->fd);
    conn->tls_state = CONN_TLS_HANDSHAKE;
    hermod_conn_touch(conn);
    return TRUE;
}

gboolean
hermod_conn_tls_step(HermodConn *conn)
{
    int ret;

    do
        ret = gnutls_handshake(conn->tls);
    while (ret < 0 && ret != GNUTLS_E_AGAIN && !gnutls_error_is_fatal(ret));
    if (ret == GNUTLS_E_AGAIN)
        return FALSE;
    if (ret < 0) {
        hermod_log(HERMOD_LOG_INFO, conn->session, "TLS handshake failed: %s",
                   gnutls_strerror(ret));
        hermod_conn_fail(conn, "TLS handshake failed");
        return FALSE;
    }
    conn->tls_state = CONN_TLS_UP;
    conn->tls_info = hermod_tls_session_info(conn->tls);
    hermod_log(HERMOD_LOG_INFO, conn->session, "TLS: %s", conn->tls_info);
    hermod_conn_touch(conn);
    return TRUE;
}

guint32
hermod_conn_tls_wait_events(HermodConn *conn)
{
    return gnutls_record_get_direction(conn->tls) ? EPOLLOUT : EPOLLIN;
}

gssize
hermod_conn_tls_recv(HermodConn *conn, void *buf, gsize len)
{
    for (;;) {
        gssize n = gnutls_record_recv(conn->tls, buf, len);
        conn->tls_recv_wants_out = FALSE;
        if (n >= 0)
            return n;
        if (n == GNUTLS_E_AGAIN && gnutls_record_check_pending(conn->tls) > 0)
            continue; /* a post-handshake message was eaten; records remain */
        if (n == GNUTLS_E_AGAIN) {
            conn->tls_recv_wants_out = gnutls_record_get_direction(conn->tls) == 1;
            errno = EAGAIN;
            return -1;
        }
        if (n == GNUTLS_E_PREMATURE_TERMINATION)
            return 0; /* the peer closed without close_notify: plain EOF */
        if (n == GNUTLS_E_REHANDSHAKE) {
            /* Renegotiation is refused; the session goes on as it is. */
            gnutls_alert_send(conn->tls, GNUTLS_AL_WARNING, GNUTLS_A_NO_RENEGOTIATION);
            continue;
        }
        if (gnutls_error_is_fatal((int)n)) {
            hermod_conn_fail(conn, gnutls_strerror((int)n));
            errno = EIO;
            return -1;
        }
    }
}

gssize
hermod_conn_tls_send(HermodConn *conn, const void *buf, gsize len)
{
    for (;;) {
        /* After GNUTLS_E_AGAIN the record is already inside GnuTLS: repeat
         * with no data and it reports the original length. */
        gboolean is_retry = conn->tls_send_len > 0;
        gssize n = is_retry ? gnutls_record_send(conn->tls, NULL, 0)
                            : gnutls_record_send(conn->tls, buf, len);
        if (n >= 0) {
            if (is_retry)
                n = (gssize)conn->tls_send_len;
            conn->tls_send_len = 0;
            return n;
        }
        if (n == GNUTLS_E_AGAIN) {
            if (!is_retry)
                conn->tls_send_len = len;
            errno = EAGAIN;
            return -1;
        }
        if (gnutls_error_is_fatal((int)n)) {
            hermod_conn_fail(conn, gnutls_strerror((int)n));
            errno = EIO;
            return -1;
        }
    }
}

void
hermod_conn_tls_end(HermodConn *conn)
{
    if (conn->tls != NULL)
        hermod_tls_session_free(conn->tls);
    conn->tls = NULL;
}
