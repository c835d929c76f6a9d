/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * auth-async.c - HermodApi.auth_check: a login checked off the event loop.
 *
 * Password hashing is deliberately slow, so hermod_auth_verify runs on the
 * work pool and its result comes back on the connection's loop.  Everything
 * the job needs (protocol, session id, peer, login, password) is copied on
 * the loop thread first, so the pool never touches the connection; the
 * password copy is wiped when the job ends.  The module's callback runs
 * even when the connection closed meanwhile, so that it can free its data.
 * The screening rules are auth.c's.
 */
#include "autoconfig.h"

#include <string.h>

#include "directory/auth.h"
#include "net/conn.h"

typedef struct {
    char *protocol;
    char *session;
    char *ip;
    char *login;
    char *password;
    HermodAuthFunc done;
    gpointer data;
    HermodAuthResult result;
    char *account;
} AuthJob;

static void
job_free(AuthJob *job)
{
    if (job->password != NULL)
        memset(job->password, 0, strlen(job->password));
    g_free(job->password);
    g_free(job->protocol);
    g_free(job->session);
    g_free(job->ip);
    g_free(job->login);
    g_free(job->account);
    g_free(job);
}

/* On the pool. */
static void
job_work(gpointer data)
{
    AuthJob *job = data;

    job->result = hermod_auth_verify(job->protocol, job->session, job->ip, job->login,
                                     job->password, &job->account);
}

/* Back on the connection's loop. */
static void
job_done(HermodConn *conn, gpointer data)
{
    AuthJob *job = data;

    job->done(conn, job->result, job->account, job->data);
    job_free(job);
}

void
hermod_auth_check(HermodConn *conn, const char *protocol, const char *login, const char *password,
                  HermodAuthFunc done, gpointer data)
{
    AuthJob *job = g_new0(AuthJob, 1);

    job->protocol = g_strdup(protocol != NULL ? protocol : "-");
    job->session = g_strdup(hermod_conn_session(conn));
    job->ip = g_strdup(hermod_conn_peer(conn));
    job->login = g_strdup(login != NULL ? login : "");
    job->password = g_strdup(password != NULL ? password : "");
    job->done = done;
    job->data = data;
    hermod_conn_work_run(conn, job_work, job_done, job);
}
