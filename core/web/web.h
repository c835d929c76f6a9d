/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web.h - the web server: HTTP and HTTPS listeners (protocol = http) on
 * libmicrohttpd in one of four [web] modes, TLS from the core's
 * certificate store, mounts for modules, static files, the ACME webroot,
 * web sessions.
 *
 * Life cycle (main thread): hermod_web_check validates [web] and the
 * http listeners of a config; hermod_web_prepare takes the bound sockets
 * of those listeners from net/ (before modules init, so that they count
 * as attached) and closes the ones the mode does not serve; modules mount
 * during their init; hermod_web_start starts one daemon per socket;
 * hermod_web_reload applies a new config's [web] values; hermod_web_stop
 * ends every stream and stops the daemons.
 */
#ifndef HERMOD_CORE_WEB_H
#define HERMOD_CORE_WEB_H

#include <glib.h>
#include <hermod/api.h>
#include <hermod/web.h>

#include "config/config.h"
#include "net/listener.h"

G_BEGIN_DECLS

#define HERMOD_WEB_ERROR (hermod_web_error_quark())
GQuark hermod_web_error_quark(void);
typedef enum {
    HERMOD_WEB_ERROR_CONFIG, /* a bad [web] value or http listener */
    HERMOD_WEB_ERROR_START,  /* libmicrohttpd would not start */
    HERMOD_WEB_ERROR_MOUNT,  /* a bad or duplicate mount */
    HERMOD_WEB_ERROR_DB,     /* the session store */
} HermodWebError;

/* The [web] table (web-settings.c). */
extern const HermodSetting hermod_web_settings[];

/* Check cfg's [web] and its protocol = http listeners (tls none or
 * implicit; redirect and https modes need an HTTPS listener). */
gboolean hermod_web_check(HermodConfig *cfg, GError **error);
/* Take the http listeners' sockets and apply [web]; the sockets the mode
 * does not serve are closed (nothing answers there). */
gboolean hermod_web_prepare(HermodConfig *cfg, GError **error);
/* Start serving (after modules mounted).  Does nothing without listeners. */
gboolean hermod_web_start(GError **error);
/* SIGHUP: [web] values that need no new socket (HSTS, timeouts, limits of
 * new requests, sessions).  Certificates come from the TLS store's own
 * reload.  Mode and threads change on restart. */
gboolean hermod_web_reload(HermodConfig *cfg, GError **error);
/* End event streams, stop the daemons, close the sockets. */
void hermod_web_stop(void);

/* Mount a module's handler, or a folder of static files (dir NULL for
 * a handler).  Before hermod_web_start only. */
gboolean hermod_web_mount(const char *module, const HermodWebMount *mount, GError **error);
gboolean hermod_web_mount_static(const char *module, const char *prefix, const char *dir,
                                 const char *csp, GError **error);

/* Requests answered so far, by status (Prometheus text, for metrics). */
void hermod_web_metrics_write(GString *out);

/* --- What HermodWebApi's members call (core/plugin/web-api.c wires them;
 * the contracts are those written in hermod/web.h).  Web thread unless
 * hermod/web.h says "any thread". */
const char *hermod_web_req_method(HermodHttpRequest *req);
const char *hermod_web_req_path(HermodHttpRequest *req);
const char *hermod_web_req_query(HermodHttpRequest *req);
const char *hermod_web_req_query_arg(HermodHttpRequest *req, const char *name);
const char *hermod_web_req_header(HermodHttpRequest *req, const char *name);
const char *hermod_web_req_cookie(HermodHttpRequest *req, const char *name);
const char *hermod_web_req_peer(HermodHttpRequest *req);
gboolean hermod_web_req_is_tls(HermodHttpRequest *req);
const char *hermod_web_req_host(HermodHttpRequest *req);
const guint8 *hermod_web_req_body(HermodHttpRequest *req, gsize *out_len);
const char *hermod_web_req_session(HermodHttpRequest *req);
void hermod_web_req_set_data(HermodHttpRequest *req, gpointer data, GDestroyNotify free_func);
gpointer hermod_web_req_get_data(HermodHttpRequest *req);
/* Who authenticated, for the request's log line (copied). */
void hermod_web_req_set_account(HermodHttpRequest *req, const char *account);
void hermod_web_resp_header(HermodHttpRequest *req, const char *name, const char *value);
void hermod_web_respond(HermodHttpRequest *req, guint status, const char *content_type,
                        GBytes *body);
gboolean hermod_web_respond_file(HermodHttpRequest *req, guint status, const char *content_type,
                                 const char *path);
void hermod_web_respond_stream(HermodHttpRequest *req, guint status, const char *content_type,
                               HermodWebReadFunc read, gpointer data, GDestroyNotify free_func);
HermodSse *hermod_web_respond_sse(HermodHttpRequest *req);
gboolean hermod_web_sse_send(HermodSse *sse, const char *event, const char *data);
void hermod_web_sse_close(HermodSse *sse);
gboolean hermod_web_sse_is_open(HermodSse *sse);
void hermod_web_work_run(HermodHttpRequest *req, void (*work)(gpointer data),
                         HermodWebDoneFunc done, gpointer data);
void hermod_web_auth_basic(HermodHttpRequest *req, const char *protocol, HermodWebAuthFunc done,
                           gpointer data);
void hermod_web_session_login(HermodHttpRequest *req, const char *account, HermodWebAuthFunc done,
                              gpointer data);
void hermod_web_session_check(HermodHttpRequest *req, HermodWebAuthFunc done, gpointer data);
void hermod_web_session_logout(HermodHttpRequest *req, HermodWebAuthFunc done, gpointer data);
const char *hermod_web_session_csrf(HermodHttpRequest *req);

/* "Basic BASE64(login:password)" split; FALSE for anything else.  Any
 * thread.  (transfer full) */
gboolean hermod_web_parse_basic(const char *header, char **out_login, char **out_password);

/* --- The session store (web-session.c), data_dir/web-sessions.db.  Any
 * thread; blocking (SQLite).  hermod_web_prepare opens it; hermodctl
 * opens it itself. */
gboolean hermod_web_sessions_open(const char *data_dir, GError **error);
void hermod_web_sessions_close(void);
/* One line per session ("IDPREFIX ACCOUNT PEER created=... last_used=..."),
 * of account or of everyone (NULL).  (transfer full) element char *. */
GPtrArray *hermod_web_sessions_list(const char *account, GError **error);
/* Delete the sessions of an account, or the one whose id starts with what
 * (8 or more hex digits from the list); the number deleted, -1 on error. */
int hermod_web_sessions_revoke(const char *what, GError **error);

/* --- ABI 1.10 (HermodWebApi): an account's own sessions and values, the
 * password.  All blocking but hermod_web_session_id. */
/* The public id (16 hex digits) of the request's session cookie, NULL
 * without one.  (transfer full) */
char *hermod_web_session_id(HermodHttpRequest *req);
/* element HermodWebSessionInfo*, newest use first.  (transfer full) */
GPtrArray *hermod_web_sessions_of(const char *account, GError **error);
/* Delete account's session id; the count deleted (0 or 1), -1 on error. */
int hermod_web_session_end(const char *account, const char *id, GError **error);
/* Found: TRUE, *out_value set; not found: TRUE, NULL; failed: FALSE. */
gboolean hermod_web_account_value_get(const char *account, const char *key, char **out_value,
                                      GError **error);
/* value NULL deletes. */
gboolean hermod_web_account_value_set(const char *account, const char *key, const char *value,
                                      GError **error);
HermodAuthResult hermod_web_password_change(const char *account, const char *old_password,
                                            const char *new_password, const char *peer,
                                            const char *session, GError **error);

G_END_DECLS

#endif
