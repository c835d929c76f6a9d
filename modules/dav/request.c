/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * request.c - one DAV request from the web thread to the work pool and
 * back: discovery redirects, OPTIONS, the login, the job.
 *
 * The login is HTTP Basic when the request carries an Authorization
 * header (refused over plain HTTP unless [dav] allow_plain_http), else
 * the core's web session (cookie, and the CSRF header for writes), else
 * 401 with a Basic challenge.  The handler then runs on the work pool
 * with everything it reads copied into the DavJob, and the done callback
 * sends what it built.  Paths of another account are refused (403)
 * before any store is opened, for every method.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"
#include "dav/remind.h"

#define ALLOW                                                                                      \
    "OPTIONS, GET, HEAD, POST, PUT, DELETE, PROPFIND, PROPPATCH, MKCOL, MKCALENDAR, REPORT, "      \
    "COPY, "                                                                                       \
    "MOVE, LOCK, UNLOCK"
#define DAV_CLASSES "1, 2, 3, calendar-access, addressbook, extended-mkcol"

/* Request headers the handlers read. */
static const char *const copied[] = {
    "depth",      "if-match", "if-none-match", "content-type", "destination", "overwrite",
    "lock-token", "if",       "prefer",        "timeout",      "brief",       NULL,
};

/* calendar-auto-schedule only while scheduling is on (RFC 6638 2). */
static const char *
dav_classes(void)
{
    return dav_api->setting_int(dav_module, "scheduling") ? DAV_CLASSES ", calendar-auto-schedule"
                                                          : DAV_CLASSES;
}

void
dav_job_free(DavJob *job)
{
    g_free(job->method);
    g_free(job->path);
    g_free(job->account);
    g_free(job->host);
    g_free(job->session);
    g_free(job->content_type);
    if (job->body != NULL)
        g_bytes_unref(job->body);
    g_hash_table_unref(job->headers);
    if (job->out != NULL)
        g_string_free(job->out, TRUE);
    g_ptr_array_unref(job->resp_headers);
    if (job->store != NULL)
        dav_api->mail->unref(job->store);
    if (job->addresses != NULL)
        g_ptr_array_unref(job->addresses);
    if (job->dead_names != NULL)
        g_hash_table_unref(job->dead_names);
    if (job->missing != NULL)
        g_string_free(job->missing, TRUE);
    if (job->segment != NULL)
        g_string_free(job->segment, TRUE);
    g_free(job->href_base);
    g_free(job->href_owner);
    g_free(job->href_home);
    g_free(job->href_coll);
    g_free(job->stored_name);
    g_free(job);
}

static void
job_free(gpointer data)
{
    dav_job_free(data);
}

DavJob *
dav_job_new_internal(const char *account, const char *session)
{
    DavJob *job = g_new0(DavJob, 1);

    job->method = g_strdup("IMIP");
    job->path = g_strdup(DAV_ROOT "/");
    job->account = g_strdup(account);
    job->session = g_strdup(session);
    job->headers = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    job->resp_headers = g_ptr_array_new_with_free_func(g_free);
    job->is_internal = FALSE;
    return job;
}

static void
simple(HermodHttpRequest *req, guint status, const char *text)
{
    g_autoptr(GBytes) body = g_bytes_new(text, strlen(text));

    dav_api->web->respond(req, status, "text/plain; charset=utf-8", body);
}

/* Writes must get past the locks and the If header (locks.c). */
static gboolean
writes_allowed(DavJob *job, DavPath *path)
{
    static const char *const writes[] = {"PUT",        "DELETE", "PROPPATCH", "MKCOL",
                                         "MKCALENDAR", "MOVE",   "COPY",      NULL};
    g_autofree char *dest = NULL;
    const char *m = job->method;

    if (!g_strv_contains(writes, m) || !dav_job_store(job))
        return g_strv_contains(writes, m) ? FALSE : TRUE;
    dest = dav_href_path(dav_header(job, "destination"));
    if (strcmp(m, "COPY") == 0)
        return dest == NULL || dav_locks_check(job, dest, NULL);
    return dav_locks_check(job, job->path, strcmp(m, "MOVE") == 0 ? dest : NULL);
}

static void
dispatch(DavJob *job)
{
    g_autoptr(DavPath) path = dav_path_parse(job->path);
    const char *m = job->method;

    if (path == NULL) {
        dav_text(job, 404, "Not Found\n");
        return;
    }
    if (path->owner != NULL && g_ascii_strcasecmp(path->owner, job->account) != 0) {
        dav_text(job, 403, "Forbidden: that is another account's\n");
        return;
    }
    if (!writes_allowed(job, path))
        return;
    if (strcmp(m, "PROPFIND") == 0)
        dav_propfind(job, path);
    else if (strcmp(m, "PROPPATCH") == 0)
        dav_proppatch(job, path);
    else if (strcmp(m, "MKCOL") == 0 || strcmp(m, "MKCALENDAR") == 0)
        dav_mkcol(job, path);
    else if (strcmp(m, "GET") == 0 || strcmp(m, "HEAD") == 0)
        dav_get(job, path);
    else if (strcmp(m, "PUT") == 0)
        dav_put(job, path);
    else if (strcmp(m, "DELETE") == 0)
        dav_delete(job, path);
    else if (strcmp(m, "COPY") == 0 || strcmp(m, "MOVE") == 0)
        dav_copymove(job, path);
    else if (strcmp(m, "REPORT") == 0)
        dav_report(job, path);
    else if (strcmp(m, "POST") == 0)
        dav_post(job, path);
    else if (strcmp(m, "LOCK") == 0)
        dav_lock(job, path);
    else if (strcmp(m, "UNLOCK") == 0)
        dav_unlock(job, path);
    else {
        dav_resp_header(job, "Allow", ALLOW);
        dav_text(job, 405, "Method Not Allowed\n");
    }
}

static void
job_run(gpointer data)
{
    DavJob *job = data;

    dispatch(job);
    if (job->status >= 300 || strcmp(job->method, "GET") == 0 ||
        strcmp(job->method, "PROPFIND") == 0 || strcmp(job->method, "REPORT") == 0)
        return;
    /* A PUT changed one object's alarms, or none outside a calendar;
     * another write may have changed any of them. */
    if (strcmp(job->method, "PUT") != 0)
        dav_remind_changed(job->account);
    else if (job->stored_name != NULL)
        dav_remind_object_changed(job->account, job->stored_coll, job->stored_name);
}

static void
job_done(HermodHttpRequest *req, gpointer data)
{
    DavJob *job = data;
    const HermodWebApi *web = dav_api->web;
    g_autoptr(GBytes) body = NULL;

    for (guint i = 0; i + 1 < job->resp_headers->len; i += 2)
        web->resp_header(req, job->resp_headers->pdata[i], job->resp_headers->pdata[i + 1]);
    web->resp_header(req, "DAV", dav_classes());
    if (job->out != NULL && strcmp(job->method, "HEAD") != 0) /* no copy of the body */
        body = g_string_free_to_bytes(g_steal_pointer(&job->out));
    web->respond(req, job->status, job->content_type, body);
}

static DavJob *
job_new(HermodHttpRequest *req, const char *account)
{
    const HermodWebApi *web = dav_api->web;
    DavJob *job = g_new0(DavJob, 1);
    gsize len = 0;
    const guint8 *body = web->req_body(req, &len);

    job->method = g_strdup(web->req_method(req));
    job->path = g_strdup(web->req_path(req));
    job->account = g_ascii_strdown(account, -1);
    job->host = g_strdup(web->req_host(req));
    job->is_tls = web->req_is_tls(req);
    job->session = g_strdup(web->req_session(req));
    job->body = g_bytes_new(body != NULL ? body : (const guint8 *)"", len);
    job->headers = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
    for (gsize i = 0; copied[i] != NULL; i++) {
        const char *v = web->req_header(req, copied[i]);
        if (v != NULL)
            g_hash_table_insert(job->headers, (gpointer)copied[i], g_strdup(v));
    }
    job->resp_headers = g_ptr_array_new_with_free_func(g_free);
    job->status = 500;
    return job;
}

static void
on_auth(HermodHttpRequest *req, HermodWebAuthResult result, const char *account, gpointer data)
{
    DavJob *job;

    switch (result) {
    case HERMOD_WEB_AUTH_OK:
        break;
    case HERMOD_WEB_AUTH_BLOCKED:
        simple(req, 403, "Forbidden: too many failed logins from your address\n");
        return;
    case HERMOD_WEB_AUTH_CSRF:
        simple(req, 403, "Forbidden: missing or wrong X-CSRF-Token\n");
        return;
    case HERMOD_WEB_AUTH_TEMPFAIL:
        simple(req, 503, "Service Unavailable: try again later\n");
        return;
    default:
        dav_api->web->resp_header(req, "WWW-Authenticate",
                                  "Basic realm=\"Hermod\", charset=\"UTF-8\"");
        simple(req, 401, "Unauthorized\n");
        return;
    }
    job = job_new(req, account);
    dav_api->web->req_set_data(req, job, job_free);
    dav_api->web->work_run(req, job_run, job_done, job);
}

static void
options(HermodHttpRequest *req)
{
    dav_api->web->resp_header(req, "Allow", ALLOW);
    dav_api->web->resp_header(req, "DAV", dav_classes());
    dav_api->web->respond(req, 200, NULL, NULL);
}

void
dav_on_request(HermodHttpRequest *req, gpointer data)
{
    const HermodWebApi *web = dav_api->web;
    const char *path = web->req_path(req);
    const char *method = web->req_method(req);

    if (g_str_has_prefix(path, "/.well-known/")) {
        web->resp_header(req, "Location", DAV_ROOT "/");
        simple(req, 301, "Moved Permanently: " DAV_ROOT "/\n");
        return;
    }
    if (strcmp(method, "OPTIONS") == 0) {
        options(req);
        return;
    }
    if (web->req_header(req, "Authorization") != NULL) {
        if (!web->req_is_tls(req) && !dav_api->setting_int(dav_module, "allow_plain_http")) {
            simple(req, 403, "Forbidden: send passwords over HTTPS only\n");
            return;
        }
        web->auth_basic(req, "dav", on_auth, NULL);
        return;
    }
    if (web->req_cookie(req, "__Host-hermod_session") != NULL) {
        web->session_check(req, on_auth, NULL);
        return;
    }
    on_auth(req, HERMOD_WEB_AUTH_NONE, NULL, NULL);
}
