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

HermodAuthJob *
hermod_auth_job_new(const char *protocol, const char *session, const char *ip, const char *login,
                    const char *password)
{
    HermodAuthJob *job = g_new0(HermodAuthJob, 1);

    job->protocol = g_strdup(protocol != NULL ? protocol : "-");
    job->session = g_strdup(session);
    job->ip = g_strdup(ip);
    job->login = g_strdup(login != NULL ? login : "");
    job->password = g_strdup(password != NULL ? password : "");
    return job;
}

void
hermod_auth_job_free(HermodAuthJob *job)
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
void
hermod_auth_job_run(gpointer data)
{
    HermodAuthJob *job = data;

    job->result = hermod_auth_verify(job->protocol, job->session, job->ip, job->login,
                                     job->password, &job->account);
}

/* Back on the connection's loop. */
static void
job_done(HermodConn *conn, gpointer data)
{
    HermodAuthJob *job = data;

    ((HermodAuthFunc)job->done)(conn, job->result, job->account, job->data);
    hermod_auth_job_free(job);
}

void
hermod_auth_check(HermodConn *conn, const char *protocol, const char *login, const char *password,
                  HermodAuthFunc done, gpointer data)
{
    HermodAuthJob *job = hermod_auth_job_new(protocol, hermod_conn_session(conn),
                                             hermod_conn_peer(conn), login, password);

    job->done = (void (*)(void))done;
    job->data = data;
    hermod_conn_work_run(conn, hermod_auth_job_run, job_done, job);
}
