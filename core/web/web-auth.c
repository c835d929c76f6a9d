/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-auth.c - HTTP Basic (RFC 7617) against the directory.
 *
 * The header is parsed on the web thread; the password check (yescrypt,
 * deliberately slow) runs on the work pool through hermod_auth_verify
 * with the connection suspended, so it counts for dynamic screening
 * exactly like an SMTP, IMAP or POP3 login and is written to the
 * auth-failure log.  A password change (ABI 1.10) is checked the same way
 * before the directory stores the new hash.  No header, or one that is not Basic, is
 * HERMOD_WEB_AUTH_NONE and counts nothing: it is how a browser first
 * asks.  The password copy is wiped when the job ends.
 */
#include "autoconfig.h"

#include <string.h>

#include "directory/auth.h"
#include "directory/directory.h"
#include "lib/log.h"
#include "web/web-private.h"

static HermodWebAuthResult
web_result(HermodAuthResult r)
{
    switch (r) {
    case HERMOD_AUTH_OK:
        return HERMOD_WEB_AUTH_OK;
    case HERMOD_AUTH_BLOCKED:
        return HERMOD_WEB_AUTH_BLOCKED;
    case HERMOD_AUTH_TEMPFAIL:
        return HERMOD_WEB_AUTH_TEMPFAIL;
    default:
        return HERMOD_WEB_AUTH_FAILED;
    }
}

static void
job_done(HermodHttpRequest *req, gpointer data)
{
    HermodAuthJob *job = data;
    HermodWebAuthResult r = web_result(job->result);

    if (r == HERMOD_WEB_AUTH_OK)
        hermod_web_req_set_account(req, job->account);
    ((HermodWebAuthFunc)job->done)(req, r, r == HERMOD_WEB_AUTH_OK ? job->account : NULL,
                                   job->data);
    hermod_auth_job_free(job);
}

gboolean
hermod_web_parse_basic(const char *header, char **out_login, char **out_password)
{
    g_autofree guchar *raw = NULL;
    g_autofree char *text = NULL;
    g_autofree char *b64 = NULL;
    gsize len = 0;
    char *colon;

    *out_login = *out_password = NULL;
    if (header == NULL || g_ascii_strncasecmp(header, "Basic ", 6) != 0)
        return FALSE;
    b64 = g_strstrip(g_strdup(header + 6));
    raw = g_base64_decode(b64, &len);
    if (raw == NULL || len == 0 || memchr(raw, '\0', len) != NULL)
        return FALSE;
    text = g_strndup((const char *)raw, len);
    memset(raw, 0, len);
    colon = strchr(text, ':');
    if (colon == NULL || colon == text)
        return FALSE;
    *out_login = g_strndup(text, colon - text);
    *out_password = g_strdup(colon + 1);
    memset(text, 0, len);
    return TRUE;
}

void
hermod_web_auth_basic(HermodHttpRequest *req, const char *protocol, HermodWebAuthFunc done,
                      gpointer data)
{
    const char *header = MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, "Authorization");
    g_autofree char *login = NULL;
    char *password = NULL;

    if (!hermod_web_parse_basic(header, &login, &password)) {
        done(req, HERMOD_WEB_AUTH_NONE, NULL, data);
        return;
    }
    HermodAuthJob *job = hermod_auth_job_new(protocol != NULL ? protocol : "http",
                                             hermod_web_conn_session(req->conn),
                                             hermod_web_conn_peer(req->conn), login, password);
    memset(password, 0, strlen(password));
    g_free(password);
    job->done = (void (*)(void))done;
    job->data = data;
    hermod_web_work_run_full(req, hermod_auth_job_run, job_done,
                             (GDestroyNotify)hermod_auth_job_free, job);
}

/* ABI 1.10: checked like a login (screening counts a wrong old password),
 * then set; blocking, for the work pool. */
HermodAuthResult
hermod_web_password_change(const char *account, const char *old_password, const char *new_password,
                           const char *peer, const char *session, GError **error)
{
    g_autofree char *who = NULL;
    HermodAuthResult r = hermod_auth_verify("webmail", session, peer, account, old_password, &who);

    if (r != HERMOD_AUTH_OK)
        return r;
    if (g_ascii_strcasecmp(who, account) != 0)
        return HERMOD_AUTH_FAILED;
    if (!hermod_directory_user_passwd(account, new_password, error))
        return HERMOD_AUTH_TEMPFAIL;
    hermod_log(HERMOD_LOG_NOTICE, session, "web: %s changed the password", account);
    return HERMOD_AUTH_OK;
}
