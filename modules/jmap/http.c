/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * http.c - the JMAP endpoints on the web core: routing, authentication,
 * the session resource and the API endpoint.
 *
 * /.well-known/jmap redirects to /jmap/session.  Everything below /jmap/
 * needs an account: HTTP Basic (third-party clients; refused over plain
 * HTTP) or the core's web session cookie with its CSRF header (the
 * webmail), both checked by the core, failures counted by dynamic
 * screening.  The API request is parsed and run in one work-pool job
 * (api.c) with the request suspended; at most
 * JMAP_MAX_CONCURRENT_REQUESTS run per account at once.  Blobs
 * (blob.c) and the event source (push.c) have their own files.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap.h"
#include "jmap-http.h"

static GMutex running_lock;
static GHashTable *running; /* account -> count of API requests in flight */

void
jmap_respond_text(HermodHttpRequest *req, guint status, const char *type, char *text)
{
    g_autoptr(GBytes) body = g_bytes_new_take(text, strlen(text));

    jmap_api->web->resp_header(req, "Cache-Control", "no-store");
    jmap_api->web->respond(req, status, type, body);
}

void
jmap_respond_problem(HermodHttpRequest *req, JmapProblem *p)
{
    jmap_api->log(HERMOD_LOG_INFO, jmap_api->web->req_session(req), "jmap: %s (%u): %s", p->type,
                  p->status, p->detail != NULL ? p->detail : "");
    jmap_respond_text(req, p->status, "application/problem+json", jmap_problem_json(p));
    jmap_problem_clear(p);
}

void
jmap_respond_status(HermodHttpRequest *req, guint status, const char *type, const char *detail)
{
    JmapProblem p = {type, NULL, g_strdup(detail), status};

    jmap_respond_problem(req, &p);
}

/* The URL base the client used: scheme and its Host header when sane. */
char *
jmap_base_url(HermodHttpRequest *req)
{
    const HermodWebApi *web = jmap_api->web;
    const char *host = web->req_header(req, "Host");
    const char *scheme = web->req_is_tls(req) ? "https" : "http";

    if (host == NULL || *host == '\0' || strlen(host) > 255 ||
        strspn(host, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]") !=
            strlen(host))
        host = web->req_host(req);
    return g_strdup_printf("%s://%s", scheme, host);
}

/* --- the API endpoint */

typedef struct {
    char *account;
    const char *body; /* the request's; valid while it is suspended */
    gsize len;
    char *session; /* log session id */
    char *answer;  /* response JSON, or NULL with problem */
    JmapProblem problem;
} ApiJob;

static void
api_job_free(gpointer p)
{
    ApiJob *job = p;

    g_free(job->account);
    g_free(job->session);
    g_free(job->answer);
    jmap_problem_clear(&job->problem);
    g_free(job);
}

gboolean
jmap_running_take(const char *what, const char *account, gint delta, guint max)
{
    g_autofree char *key = g_strconcat(what, "\n", account, NULL);
    gboolean ok = TRUE;
    guint n;

    g_mutex_lock(&running_lock);
    if (running == NULL)
        running = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    n = GPOINTER_TO_UINT(g_hash_table_lookup(running, key));
    if (delta > 0 && n >= max)
        ok = FALSE;
    else if ((gint)n + delta <= 0)
        g_hash_table_remove(running, key);
    else
        g_hash_table_insert(running, g_steal_pointer(&key), GUINT_TO_POINTER(n + delta));
    g_mutex_unlock(&running_lock);
    return ok;
}

static void
api_work(gpointer data)
{
    ApiJob *job = data;
    JmapCtx ctx = {0};
    g_autoptr(GError) error = NULL;
    g_autofree char *state = jmap_session_state(job->account);

    ctx.request =
        jmap_request_parse(job->body, job->len, jmap_capabilities, JMAP_MAX_CALLS, &job->problem);
    if (ctx.request == NULL)
        return;
    ctx.account = job->account;
    ctx.account_id = jmap_account_id(job->account);
    ctx.session = job->session;
    ctx.store = jmap_api->mail->open(job->account, &error);
    if (ctx.store == NULL) {
        jmap_api->log(HERMOD_LOG_WARNING, job->session, "jmap %s: %s", job->account,
                      error->message);
        job->problem = (JmapProblem){JMAP_ERR_PREFIX "serverUnavailable", NULL,
                                     g_strdup("the mail store is unavailable"), 503};
    } else {
        job->answer = jmap_api_run(&ctx, state);
    }
    jmap_ctx_clear(&ctx);
    g_free(ctx.account_id);
    jmap_request_free(ctx.request);
}

static void
api_done(HermodHttpRequest *req, gpointer data)
{
    ApiJob *job = data;

    jmap_running_take("api", job->account, -1, 0);
    if (job->answer == NULL) {
        jmap_respond_problem(req, &job->problem);
        return;
    }
    jmap_respond_text(req, 200, "application/json", g_steal_pointer(&job->answer));
}

static void
api_request(HermodHttpRequest *req, const char *account)
{
    const HermodWebApi *web = jmap_api->web;
    ApiJob *job;
    gsize len = 0;
    const guint8 *body;

    if (strcmp(web->req_method(req), "POST") != 0) {
        web->resp_header(req, "Allow", "POST");
        jmap_respond_status(req, 405, "about:blank", "the API takes POST");
        return;
    }
    body = web->req_body(req, &len);
    if (len > JMAP_MAX_SIZE_REQUEST) {
        JmapProblem p = {JMAP_ERR_PREFIX "limit", "maxSizeRequest",
                         g_strdup_printf("the request has %" G_GSIZE_FORMAT " bytes", len), 400};
        jmap_respond_problem(req, &p);
        return;
    }
    if (!jmap_running_take("api", account, 1, JMAP_MAX_CONCURRENT_REQUESTS)) {
        JmapProblem p = {JMAP_ERR_PREFIX "limit", "maxConcurrentRequests",
                         g_strdup("too many requests of this account at once"), 400};
        jmap_respond_problem(req, &p);
        return;
    }
    job = g_new0(ApiJob, 1);
    job->account = g_strdup(account);
    job->body = (const char *)body;
    job->len = len;
    job->session = g_strdup(web->req_session(req));
    web->req_set_data(req, job, api_job_free);
    web->work_run(req, api_work, api_done, job);
}

static void
session_request(HermodHttpRequest *req, const char *account)
{
    g_autofree char *base = jmap_base_url(req);
    const char *method = jmap_api->web->req_method(req);

    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
        jmap_api->web->resp_header(req, "Allow", "GET, HEAD");
        jmap_respond_status(req, 405, "about:blank", "the session resource takes GET");
        return;
    }
    jmap_respond_text(req, 200, "application/json", jmap_session_json(account, base));
}

/* --- routing and authentication */

static void
route(HermodHttpRequest *req, const char *account)
{
    const char *path = jmap_api->web->req_path(req);

    if (strcmp(path, "/jmap/session") == 0 || strcmp(path, "/jmap") == 0 ||
        strcmp(path, "/jmap/") == 0)
        session_request(req, account);
    else if (strcmp(path, "/jmap/api") == 0 || strcmp(path, "/jmap/api/") == 0)
        api_request(req, account);
    else if (g_str_has_prefix(path, "/jmap/upload/"))
        jmap_upload_request(req, account, path + strlen("/jmap/upload/"));
    else if (g_str_has_prefix(path, "/jmap/download/"))
        jmap_download_request(req, account, path + strlen("/jmap/download/"));
    else if (strcmp(path, "/jmap/eventsource") == 0)
        jmap_eventsource_request(req, account);
    else
        jmap_respond_status(req, 404, "about:blank", "no such JMAP resource");
}

static void
auth_done(HermodHttpRequest *req, HermodWebAuthResult r, const char *account, gpointer data)
{
    switch (r) {
    case HERMOD_WEB_AUTH_OK:
        route(req, account);
        return;
    case HERMOD_WEB_AUTH_NONE:
    case HERMOD_WEB_AUTH_FAILED:
        jmap_api->web->resp_header(req, "WWW-Authenticate", "Basic realm=\"Hermod JMAP\"");
        jmap_respond_status(req, 401, "about:blank",
                            r == HERMOD_WEB_AUTH_NONE ? "authentication required"
                                                      : "wrong login, password or session");
        return;
    case HERMOD_WEB_AUTH_BLOCKED:
        jmap_respond_status(req, 403, "about:blank", "too many failed logins from this address");
        return;
    case HERMOD_WEB_AUTH_CSRF:
        jmap_respond_status(req, 403, "about:blank", "the X-CSRF-Token header is missing or wrong");
        return;
    case HERMOD_WEB_AUTH_TEMPFAIL:
    default:
        jmap_respond_status(req, 503, "about:blank", "the directory is unavailable; try again");
        return;
    }
}

void
jmap_on_request(HermodHttpRequest *req, gpointer data)
{
    const HermodWebApi *web = jmap_api->web;
    const char *path = web->req_path(req);

    if (g_str_has_prefix(path, "/.well-known/jmap")) {
        g_autofree char *base = jmap_base_url(req);
        g_autofree char *to = g_strconcat(base, "/jmap/session", NULL);
        web->resp_header(req, "Location", to);
        jmap_respond_text(req, 301, "text/plain; charset=utf-8", g_strdup("see /jmap/session\n"));
        return;
    }
    if (web->req_header(req, "Authorization") != NULL) {
        if (!web->req_is_tls(req) && !jmap_api->setting_int(jmap_module, "allow_plain_basic")) {
            jmap_respond_status(req, 403, "about:blank", "HTTP Basic is accepted over HTTPS only");
            return;
        }
        web->auth_basic(req, "jmap", auth_done, NULL);
        return;
    }
    web->session_check(req, auth_done, NULL);
}

void
jmap_http_shutdown(void)
{
    g_mutex_lock(&running_lock);
    g_clear_pointer(&running, g_hash_table_unref);
    g_mutex_unlock(&running_lock);
}
