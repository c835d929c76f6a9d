/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * auth.h - password checks and dynamic screening.
 *
 * Failures are counted per peer IP across every protocol; after
 * [auth] max_failures within [auth] failure_window the IP is refused for
 * [auth] block_time.  [auth] trusted_networks are never blocked.  Each
 * failure writes one line to logs/auth-failures.log: protocol, session id,
 * IP, login tried, matching account or "none".
 */
#ifndef HERMOD_CORE_AUTH_H
#define HERMOD_CORE_AUTH_H

#include <glib.h>
#include <hermod/api.h>
#include "config/config.h"

G_BEGIN_DECLS

extern const HermodSetting hermod_auth_settings[];

/* Apply cfg's [auth] section (start-up and SIGHUP; failure records are
 * kept).  FALSE with HERMOD_CONFIG_ERROR_BAD_VALUE when trusted_networks
 * holds something that is not a CIDR; nothing changes then. */
gboolean hermod_auth_configure(HermodConfig *cfg, GError **error);
/* Is ip blocked now?  Any thread. */
gboolean hermod_auth_is_blocked(const char *ip);
/* Is ip inside trusted_networks?  Any thread. */
gboolean hermod_auth_is_trusted(const char *ip);
/* Blocking check (call on the work pool); records failures; out_account
 * gets the canonical account on HERMOD_AUTH_OK (transfer full). */
HermodAuthResult hermod_auth_verify(const char *protocol, const char *session, const char *ip,
                                    const char *login, const char *password, char **out_account);
/* A failed login that someone else checked (SCRAM): the auth-failure
 * log line, the counters, and the failure counted against ip (which may
 * start a block).  known: the account the login names, or NULL.
 * Blocking (it writes the screening record): the work pool. */
void hermod_auth_note_failure(const char *protocol, const char *session, const char *ip,
                              const char *login, const char *known);

/* HermodApi.scram_salt and scram_verify (auth-scram.c): SCRAM's two
 * server steps, off the loop, with the screening of auth_check. */
void hermod_auth_scram_salt(HermodConn *conn, const HermodScramRequest *req, HermodScramFunc done,
                            gpointer data);
void hermod_auth_scram_verify(HermodConn *conn, const HermodScramRequest *req, HermodScramFunc done,
                              gpointer data);

/* One login to check off the caller's thread: everything the check needs
 * is copied in (NULL protocol/login/password read as "-", "", ""), the
 * password copy is wiped on free.  run is a work-pool function
 * (HermodWorkFunc shape) filling result and, on OK, account (owned by the
 * job).  done and data are the caller's, carried along.  Used by
 * auth_check (connections) and HTTP Basic (core/web). */
typedef struct {
    char *protocol;
    char *session;
    char *ip;
    char *login;
    char *password;
    HermodAuthResult result;
    char *account;
    void (*done)(void); /* the caller's callback, cast back to its type */
    gpointer data;
} HermodAuthJob;
HermodAuthJob *hermod_auth_job_new(const char *protocol, const char *session, const char *ip,
                                   const char *login, const char *password);
void hermod_auth_job_run(gpointer job);
void hermod_auth_job_free(HermodAuthJob *job);

/* HermodApi.auth_check: hermod_auth_verify on the pool, done on the loop. */
void hermod_auth_check(HermodConn *conn, const char *protocol, const char *login,
                       const char *password, HermodAuthFunc done, gpointer data);

G_END_DECLS

#endif
