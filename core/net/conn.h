/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conn.h - one client connection as the core sees it.
 *
 * The public HermodConn handle (hermod/protocol.h) is this object.  The
 * functions here back the conn_* members of HermodApi one for one (see
 * module-api.c); their contracts are the ones written in hermod/api.h.
 */
#ifndef HERMOD_CORE_CONN_H
#define HERMOD_CORE_CONN_H

#include <glib.h>
#include <hermod/api.h>
#include "lib/loop.h"

G_BEGIN_DECLS

void hermod_conn_write(HermodConn *conn, const void *data, gsize len);
void hermod_conn_printf(HermodConn *conn, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void hermod_conn_vprintf(HermodConn *conn, const char *fmt, va_list ap);
gsize hermod_conn_output_pending(HermodConn *conn);
void hermod_conn_want_writable(HermodConn *conn);
void hermod_conn_start_tls(HermodConn *conn);
void hermod_conn_read_bytes(HermodConn *conn, gsize n);
/* HermodApi.conn_read_stream (ABI 1.11): all input to on_data from now on. */
void hermod_conn_read_stream(HermodConn *conn);
void hermod_conn_pause(HermodConn *conn);
void hermod_conn_resume(HermodConn *conn);
void hermod_conn_close(HermodConn *conn);
gboolean hermod_conn_is_closed(HermodConn *conn);
gboolean hermod_conn_is_tls(HermodConn *conn);
gboolean hermod_conn_is_implicit_tls(HermodConn *conn);
const char *hermod_conn_role(HermodConn *conn);
const char *hermod_conn_peer(HermodConn *conn);
const char *hermod_conn_session(HermodConn *conn);
const char *hermod_conn_tls_info(HermodConn *conn);
void hermod_conn_set_data(HermodConn *conn, gpointer data);
gpointer hermod_conn_get_data(HermodConn *conn);
void hermod_conn_set_timeout(HermodConn *conn, guint seconds);
gboolean hermod_conn_is_trusted(HermodConn *conn);
gboolean hermod_conn_may_start_tls(HermodConn *conn);
gboolean hermod_conn_start_deflate(HermodConn *conn);
gboolean hermod_conn_is_deflate(HermodConn *conn);
HermodLoop *hermod_conn_loop(HermodConn *conn);
/* Keep the object alive across a work-pool job. */
HermodConn *hermod_conn_ref(HermodConn *conn);
void hermod_conn_unref(HermodConn *conn);
/* Run work on the pool, then done(conn, data) on conn's loop (HermodApi.work_run). */
void hermod_conn_work_run(HermodConn *conn, HermodWorkFunc work, HermodDoneFunc done,
                          gpointer data);
/* On conn's loop: call fn(conn, data) the way the core calls a protocol's
 * callbacks, so that what fn writes is sent as it returns rather than a
 * loop round later.  Does nothing once conn has closed. */
void hermod_conn_dispatch(HermodConn *conn, HermodDoneFunc fn, gpointer data);

/* Hooks through which layers above net/ react to connections without net/
 * naming them (net/ is below the directory and the store). */

/* Called on conn's loop as conn closes, after the module's on_close.  At
 * most HERMOD_CONN_CLOSE_HOOKS hooks; each is registered once (a second
 * registration of the same function is ignored).  Any thread, any time:
 * a connection closing concurrently may or may not see a new hook. */
typedef void (*HermodConnCloseHook)(HermodConn *conn);
#define HERMOD_CONN_CLOSE_HOOKS 8
void hermod_conn_add_close_hook(HermodConnCloseHook hook);

/* hermod_conn_is_trusted asks check(peer ip); with none set nothing is
 * trusted.  The directory sets it when it applies [auth].  Any thread. */
typedef gboolean (*HermodTrustCheck)(const char *ip);
void hermod_conn_set_trust_check(HermodTrustCheck check);

G_END_DECLS

#endif
