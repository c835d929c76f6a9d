/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * auth-scram.c - HermodApi.scram_salt and scram_verify: the server's two
 * SCRAM steps (RFC 5802) off the event loop, with dynamic screening.
 *
 * The module runs the exchange; the core keeps the keys.  scram_salt
 * answers the salt and iteration count (made up for unknown logins, see
 * directory-scram.c); scram_verify reads the keys again and checks the
 * proof, so that nothing secret is held between the two steps or handed
 * to a module.  Both refuse a blocked peer, and a wrong proof counts as a
 * failed login exactly as a wrong password does in auth.c.  Jobs copy
 * what they need on the loop thread, run on the work pool and answer on
 * the connection's loop.
 */
#include "autoconfig.h"

#include <string.h>

#include "directory/auth.h"
#include "directory/directory.h"
#include "lib/log.h"
#include "net/conn.h"

typedef struct {
    gboolean is_verify;
    char *protocol;
    char *session;
    char *ip;
    char *mechanism;
    char *login;
    char *auth_message;
    GBytes *proof;
    HermodScramFunc done;
    gpointer data;
    /* results */
    HermodAuthResult result;
    char *salt;
    guint iterations;
    char *account;
    char *signature;
} ScramJob;

static ScramJob *
job_new(HermodConn *conn, const HermodScramRequest *req, gboolean is_verify)
{
    ScramJob *job = g_new0(ScramJob, 1);
    gboolean has_proof =
        req->struct_size >= G_STRUCT_OFFSET(HermodScramRequest, proof_len) + sizeof req->proof_len;

    job->is_verify = is_verify;
    job->protocol = g_strdup(req->protocol != NULL ? req->protocol : "-");
    job->session = g_strdup(hermod_conn_session(conn));
    job->ip = g_strdup(hermod_conn_peer(conn));
    job->mechanism = g_strdup(req->mechanism);
    job->login = g_strdup(req->login != NULL ? req->login : "");
    if (is_verify && has_proof) {
        job->auth_message = g_strdup(req->auth_message != NULL ? req->auth_message : "");
        job->proof = g_bytes_new(req->proof, req->proof != NULL ? req->proof_len : 0);
    }
    return job;
}

static void
job_free(ScramJob *job)
{
    g_free(job->protocol);
    g_free(job->session);
    g_free(job->ip);
    g_free(job->mechanism);
    g_free(job->login);
    g_free(job->auth_message);
    if (job->proof != NULL)
        g_bytes_unref(job->proof);
    g_free(job->salt);
    g_free(job->account);
    g_free(job->signature);
    g_free(job);
}

static void
verify_keys(ScramJob *job, const HermodScramKeys *keys)
{
    gsize len = 0;
    const guint8 *proof = job->proof != NULL ? g_bytes_get_data(job->proof, &len) : NULL;

    if (proof != NULL && hermod_directory_scram_check(job->mechanism, keys, job->auth_message,
                                                      proof, len, &job->signature)) {
        hermod_log(HERMOD_LOG_INFO, job->session, "auth: %s %s login %s from %s", job->protocol,
                   job->mechanism, keys->account, job->ip != NULL ? job->ip : "-");
        job->account = g_strdup(keys->account);
        job->result = HERMOD_AUTH_OK;
        return;
    }
    job->result = HERMOD_AUTH_FAILED;
    if (keys->account != NULL && !keys->is_real) {
        /* Nothing was guessed: the account simply has no keys yet. */
        hermod_log(
            HERMOD_LOG_NOTICE, job->session,
            "auth: %s %s login %s: no SCRAM keys (log in once with the password, or set it again)",
            job->protocol, job->mechanism, keys->account);
        return;
    }
    hermod_auth_note_failure(job->protocol, job->session, job->ip, job->login, keys->account);
}

/* On the pool. */
static void
job_run(gpointer data)
{
    ScramJob *job = data;
    g_autoptr(GError) error = NULL;
    HermodScramKeys keys;

    if (!hermod_directory_scram_is_mechanism(job->mechanism)) {
        job->result = HERMOD_AUTH_FAILED;
        return;
    }
    if (job->ip != NULL && hermod_auth_is_blocked(job->ip)) {
        hermod_log(HERMOD_LOG_NOTICE, job->session, "auth: %s login from blocked %s refused",
                   job->protocol, job->ip);
        job->result = HERMOD_AUTH_BLOCKED;
        return;
    }
    if (!hermod_directory_scram_get(job->login, job->mechanism, &keys, &error)) {
        hermod_log(HERMOD_LOG_WARNING, job->session, "auth: %s", error->message);
        job->result = HERMOD_AUTH_TEMPFAIL;
        return;
    }
    if (job->is_verify) {
        verify_keys(job, &keys);
    } else {
        job->salt = g_base64_encode(keys.salt, keys.salt_len);
        job->iterations = keys.iterations;
        job->result = HERMOD_AUTH_OK;
    }
    hermod_scram_keys_clear(&keys);
}

/* Back on the connection's loop. */
static void
job_done(HermodConn *conn, gpointer data)
{
    ScramJob *job = data;
    HermodScramReply reply = {
        .salt = job->salt,
        .iterations = job->iterations,
        .account = job->account,
        .server_signature = job->signature,
    };

    job->done(conn, job->result, &reply, job->data);
    job_free(job);
}

static void
start(HermodConn *conn, const HermodScramRequest *req, HermodScramFunc done, gpointer data,
      gboolean is_verify)
{
    ScramJob *job = job_new(conn, req, is_verify);

    job->done = done;
    job->data = data;
    hermod_conn_work_run(conn, job_run, job_done, job);
}

void
hermod_auth_scram_salt(HermodConn *conn, const HermodScramRequest *req, HermodScramFunc done,
                       gpointer data)
{
    start(conn, req, done, data, FALSE);
}

void
hermod_auth_scram_verify(HermodConn *conn, const HermodScramRequest *req, HermodScramFunc done,
                         gpointer data)
{
    start(conn, req, done, data, TRUE);
}
