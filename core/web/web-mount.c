/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-mount.c - the mount table, calling a mount's handler, and the
 * work-pool jobs of a request.
 *
 * Modules mount during their init; hermod_web_start freezes the table
 * (adding the core's own mounts: the ACME webroot and [web]
 * document_root at "/" unless a module took "/") and sorts it longest
 * prefix first, so web threads read it without a lock.
 *
 * A job suspends the request's connection (MHD_suspend_connection), runs
 * its work on the core's pool, and the pool thread resumes the
 * connection; libmicrohttpd then calls the access handler again on the
 * connection's web thread, which runs the job's done (web-request.c).
 * So done always runs where the request lives, and no web thread ever
 * waits for the pool.
 */
#include "autoconfig.h"

#include <string.h>

#include "lib/log.h"
#include "lib/workpool.h"
#include "web/web-private.h"

struct WebJob {
    HermodHttpRequest *req;
    void (*work)(gpointer data);
    HermodWebDoneFunc done;
    GDestroyNotify drop; /* frees data when done never runs; nullable */
    gpointer data;
};

static GPtrArray *mounts; /* WebMount*, longest prefix first once frozen */
static gboolean is_frozen;
static gint jobs_running;

static void
mount_free(gpointer data)
{
    WebMount *m = data;

    g_free(m->prefix);
    g_free(m->csp);
    g_free(m->module);
    g_free(m->dir);
    g_free(m);
}

static gboolean
prefix_ok(const char *prefix, GError **error)
{
    if (prefix == NULL || prefix[0] != '/' || strstr(prefix, "//") != NULL ||
        strchr(prefix, '?') != NULL) {
        g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_MOUNT,
                    "web mount \"%s\": a prefix is an absolute path such as /metrics",
                    prefix != NULL ? prefix : "(null)");
        return FALSE;
    }
    for (guint i = 0; mounts != NULL && i < mounts->len; i++) {
        const WebMount *m = mounts->pdata[i];
        if (strcmp(m->prefix, prefix) == 0) {
            g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_MOUNT,
                        "web mount %s: already mounted by %s", prefix, m->module);
            return FALSE;
        }
    }
    if (is_frozen) {
        g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_MOUNT,
                    "web mount %s: the server has started (mount from init)", prefix);
        return FALSE;
    }
    return TRUE;
}

static WebMount *
mount_add(const char *module, const char *prefix, const char *csp)
{
    WebMount *m = g_new0(WebMount, 1);

    if (mounts == NULL)
        mounts = g_ptr_array_new_with_free_func(mount_free);
    m->module = g_strdup(module);
    m->prefix = g_strdup(prefix);
    m->prefix_len = strlen(prefix);
    m->csp = g_strdup(csp);
    g_ptr_array_add(mounts, m);
    return m;
}

gboolean
hermod_web_mount(const char *module, const HermodWebMount *spec, GError **error)
{
    WebMount *m;

    if (spec == NULL || spec->struct_size < G_STRUCT_OFFSET(HermodWebMount, data) ||
        spec->on_request == NULL) {
        g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_MOUNT,
                    "module %s: web mount without on_request or too short", module);
        return FALSE;
    }
    if (!prefix_ok(spec->prefix, error))
        return FALSE;
    m = mount_add(module, spec->prefix, spec->content_security_policy);
    memcpy(&m->spec, spec, MIN(spec->struct_size, sizeof m->spec));
    m->spec.struct_size = sizeof m->spec;
    m->spec.prefix = m->prefix;
    m->max_body = spec->max_body;
    return TRUE;
}

gboolean
hermod_web_mount_static(const char *module, const char *prefix, const char *dir, const char *csp,
                        GError **error)
{
    WebMount *m;

    if (!prefix_ok(prefix, error))
        return FALSE;
    if (dir == NULL || !g_path_is_absolute(dir)) {
        g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_MOUNT,
                    "web mount %s: the folder must be an absolute path", prefix);
        return FALSE;
    }
    m = mount_add(module, prefix, csp);
    m->builtin = hermod_web_static_serve;
    m->dir = g_strdup(dir);
    return TRUE;
}

gboolean
hermod_web_mount_builtin(const char *prefix, WebBuiltinFunc fn, const char *dir, GError **error)
{
    WebMount *m;

    if (!prefix_ok(prefix, error))
        return FALSE;
    m = mount_add("core", prefix, NULL);
    m->builtin = fn;
    m->dir = g_strdup(dir);
    return TRUE;
}

static gint
longest_first(gconstpointer a, gconstpointer b)
{
    const WebMount *ma = *(WebMount *const *)a;
    const WebMount *mb = *(WebMount *const *)b;

    return (gint)mb->prefix_len - (gint)ma->prefix_len;
}

void
hermod_web_mounts_freeze(void)
{
    WebSettings *s = hermod_web_settings_get();

    if (is_frozen || s == NULL) {
        hermod_web_settings_unref(s);
        return;
    }
    hermod_web_mount_builtin(HERMOD_WEB_ACME_PREFIX, hermod_web_acme_serve, s->acme_dir, NULL);
    if (s->document_root != NULL && hermod_web_mount_find("/") == NULL)
        hermod_web_mount_builtin("/", hermod_web_static_serve, s->document_root, NULL);
    hermod_web_settings_unref(s);
    if (mounts != NULL)
        g_ptr_array_sort(mounts, longest_first);
    is_frozen = TRUE;
}

void
hermod_web_mounts_clear(void)
{
    g_clear_pointer(&mounts, g_ptr_array_unref);
    is_frozen = FALSE;
}

static gboolean
matches(const WebMount *m, const char *path)
{
    if (strncmp(path, m->prefix, m->prefix_len) != 0)
        return FALSE;
    return m->prefix[m->prefix_len - 1] == '/' || path[m->prefix_len] == '\0' ||
           path[m->prefix_len] == '/';
}

const WebMount *
hermod_web_mount_find(const char *path)
{
    for (guint i = 0; mounts != NULL && i < mounts->len; i++)
        if (matches(mounts->pdata[i], path))
            return mounts->pdata[i];
    return NULL;
}

void
hermod_web_mount_call(HermodHttpRequest *req)
{
    const WebMount *m = req->mount;

    if (m->builtin != NULL)
        m->builtin(req, m);
    else
        m->spec.on_request(req, m->spec.data);
}

/* --- jobs */

static void
job_work(gpointer data)
{
    WebJob *job = data;

    job->work(job->data);
}

/* On the pool thread, after work: wake the connection. */
static void
job_after(gpointer data)
{
    WebJob *job = data;

    job->req->job_done = job;
    MHD_resume_connection(job->req->mhd);
}

void
hermod_web_work_run(HermodHttpRequest *req, void (*work)(gpointer), HermodWebDoneFunc done,
                    gpointer data)
{
    hermod_web_work_run_full(req, work, done, NULL, data);
}

void
hermod_web_work_run_full(HermodHttpRequest *req, void (*work)(gpointer), HermodWebDoneFunc done,
                         GDestroyNotify drop, gpointer data)
{
    WebJob *job = g_new0(WebJob, 1);

    job->req = req;
    job->work = work;
    job->done = done;
    job->drop = drop;
    job->data = data;
    g_atomic_int_inc(&jobs_running);
    req->state = REQ_SUSPENDED;
    MHD_suspend_connection(req->mhd);
    hermod_workpool_push(NULL, job_work, job_after, job);
}

void
hermod_web_mount_job_done(HermodHttpRequest *req)
{
    WebJob *job = req->job_done;

    req->job_done = NULL;
    if (job == NULL)
        return;
    job->done(req, job->data);
    hermod_web_job_free(job);
}

/* A finished job whose done will never run (the client went away while
 * it was suspended): free its data through drop, then the job. */
void
hermod_web_job_drop(WebJob *job)
{
    if (job->drop != NULL)
        job->drop(job->data);
    hermod_web_job_free(job);
}

void
hermod_web_job_free(WebJob *job)
{
    g_free(job);
    g_atomic_int_dec_and_test(&jobs_running);
}

void
hermod_web_jobs_wait(guint ms)
{
    gint64 until = g_get_monotonic_time() + (gint64)ms * 1000;

    while (g_atomic_int_get(&jobs_running) > 0 && g_get_monotonic_time() < until)
        g_usleep(10 * 1000);
    if (g_atomic_int_get(&jobs_running) > 0)
        hermod_log(HERMOD_LOG_WARNING, NULL, "web: %d requests still wait for the work pool",
                   g_atomic_int_get(&jobs_running));
}
