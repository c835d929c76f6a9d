/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * webprobe.c - a test module that drives every member of HermodWebApi
 * from real HTTP requests (test-web-api.py): request accessors, buffered
 * and streamed bodies with their limits, responses from memory, a file
 * and a stream, server-sent events pushed from another request, work
 * on the pool with the request suspended, HTTP Basic and web sessions.
 * Built like a third-party module: plugin-api/ only, hidden visibility.
 * Never installed.
 */
#include "autoconfig.h"

#include <string.h>

#include <hermod/hermod.h>

static const HermodApi *api;
static HermodModule *self_module;
static GMutex streams_lock;
static GPtrArray *streams; /* HermodSse* */

static const HermodSetting probe_settings[] = {
    {"file", HERMOD_SETTING_STRING, "", 0, 0, NULL, "file for /t/file"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static void
text(HermodHttpRequest *req, guint status, const char *t)
{
    g_autoptr(GBytes) b = g_bytes_new(t, strlen(t));

    api->web->respond(req, status, "text/plain; charset=utf-8", b);
}

static void
take_text(HermodHttpRequest *req, guint status, char *t)
{
    text(req, status, t);
    g_free(t);
}

static const char *
or_dash(const char *s)
{
    return s != NULL ? s : "-";
}

static void
on_headers(HermodHttpRequest *req, gpointer data)
{
    const HermodWebApi *w = api->web;

    take_text(req, 200,
              g_strdup_printf("method=%s\npath=%s\nquery=%s\na=%s\nx-test=%s\ncookie=%s\n"
                              "peer=%s\ntls=%d\nhost=%s\nsession=%d\n",
                              w->req_method(req), w->req_path(req), or_dash(w->req_query(req)),
                              or_dash(w->req_query_arg(req, "a")),
                              or_dash(w->req_header(req, "X-Test")),
                              or_dash(w->req_cookie(req, "c")), w->req_peer(req),
                              w->req_is_tls(req), w->req_host(req), w->req_session(req) != NULL));
}

static void
on_echo(HermodHttpRequest *req, gpointer data)
{
    gsize len = 0;
    const guint8 *body = api->web->req_body(req, &len);
    g_autoptr(GBytes) b = g_bytes_new(body, len);

    api->web->resp_header(req, "X-Body-Length", "yes");
    api->web->respond(req, 200, "application/octet-stream", b);
}

static void
on_piece(HermodHttpRequest *req, const guint8 *chunk, gsize len, gpointer data)
{
    gsize *total = api->web->req_get_data(req);

    if (total == NULL) {
        total = g_new0(gsize, 1);
        api->web->req_set_data(req, total, g_free);
    }
    *total += len;
}

static void
on_counted(HermodHttpRequest *req, gpointer data)
{
    gsize *total = api->web->req_get_data(req);

    take_text(req, 200, g_strdup_printf("%" G_GSIZE_FORMAT "\n", total != NULL ? *total : 0));
}

static void
slow_work(gpointer data)
{
    g_usleep(600 * 1000); /* a slow store read or hash */
}

static void
slow_done(HermodHttpRequest *req, gpointer data)
{
    text(req, 200, "slow done\n");
}

static void
on_slow(HermodHttpRequest *req, gpointer data)
{
    api->web->work_run(req, slow_work, slow_done, NULL);
}

static gsize
read_chunks(gpointer data, guint8 *buf, gsize max)
{
    guint *n = data;
    g_autofree char *line = NULL;

    if (*n >= 3)
        return 0;
    line = g_strdup_printf("chunk %u\n", (*n)++);
    g_assert(strlen(line) <= max);
    memcpy(buf, line, strlen(line));
    return strlen(line);
}

static void
on_stream(HermodHttpRequest *req, gpointer data)
{
    api->web->respond_stream(req, 200, "text/plain", read_chunks, g_new0(guint, 1), g_free);
}

static void
on_file(HermodHttpRequest *req, gpointer data)
{
    if (!api->web->respond_file(req, 200, NULL, api->setting_string(self_module, "file")))
        text(req, 404, "no file\n");
}

static void
on_sse(HermodHttpRequest *req, gpointer data)
{
    HermodSse *s = api->web->respond_sse(req);

    g_mutex_lock(&streams_lock);
    g_ptr_array_add(streams, s);
    g_mutex_unlock(&streams_lock);
}

/* From a pool thread, as a module pushing an event would. */
static void
push_work(gpointer data)
{
    guint *sent = data;
    const char *msg = (const char *)(sent + 1);

    g_mutex_lock(&streams_lock);
    for (guint i = 0; i < streams->len;) {
        if (api->web->sse_send(streams->pdata[i], "note", msg)) {
            (*sent)++;
            i++;
        } else {
            api->web->sse_close(g_ptr_array_steal_index(streams, i));
        }
    }
    g_mutex_unlock(&streams_lock);
}

static void
push_done(HermodHttpRequest *req, gpointer data)
{
    take_text(req, 200, g_strdup_printf("sent %u\n", *(guint *)data));
}

static void
on_push(HermodHttpRequest *req, gpointer data)
{
    const char *msg = api->web->req_query_arg(req, "msg");
    gsize len = msg != NULL ? strlen(msg) : 0;
    guint *job = g_malloc0(sizeof(guint) + len + 1);

    memcpy(job + 1, msg != NULL ? msg : "", len);
    api->web->req_set_data(req, job, g_free);
    api->web->work_run(req, push_work, push_done, job);
}

static const char *const results[] = {"ok", "none", "failed", "blocked", "csrf", "tempfail"};
static const guint codes[] = {200, 401, 401, 403, 403, 503};

static void
auth_done(HermodHttpRequest *req, HermodWebAuthResult r, const char *account, gpointer data)
{
    const char *csrf = api->web->session_csrf(req);

    if (r == HERMOD_WEB_AUTH_NONE || r == HERMOD_WEB_AUTH_FAILED)
        api->web->resp_header(req, "WWW-Authenticate", "Basic realm=\"hermod\"");
    take_text(req, codes[r],
              g_strdup_printf("%s %s %s\n", results[r], or_dash(account), or_dash(csrf)));
}

static void
on_basic(HermodHttpRequest *req, gpointer data)
{
    api->web->auth_basic(req, "http", auth_done, NULL);
}

static void
login_basic_done(HermodHttpRequest *req, HermodWebAuthResult r, const char *account, gpointer data)
{
    if (r != HERMOD_WEB_AUTH_OK) {
        auth_done(req, r, account, data);
        return;
    }
    api->web->session_login(req, account, auth_done, NULL);
}

static void
on_login(HermodHttpRequest *req, gpointer data)
{
    api->web->auth_basic(req, "http", login_basic_done, NULL);
}

static void
on_me(HermodHttpRequest *req, gpointer data)
{
    api->web->session_check(req, auth_done, NULL);
}

static void
on_logout(HermodHttpRequest *req, gpointer data)
{
    api->web->session_logout(req, auth_done, NULL);
}

static gboolean
mount(const char *prefix, gsize max_body, void (*fn)(HermodHttpRequest *, gpointer),
      void (*piece)(HermodHttpRequest *, const guint8 *, gsize, gpointer), GError **error)
{
    HermodWebMount m = {
        .struct_size = sizeof m,
        .prefix = prefix,
        .max_body = max_body,
        .content_security_policy = "default-src 'none'; sandbox",
        .on_request = fn,
        .on_body = piece,
    };

    return api->web->mount(self_module, &m, error);
}

static gboolean
probe_init(const HermodApi *core, HermodModule *self, GError **error)
{
    api = core;
    self_module = self;
    streams = g_ptr_array_new();
    if (!HERMOD_API_HAS(api, web))
        return FALSE;
    return mount("/t/headers", 0, on_headers, NULL, error) &&
           mount("/t/echo", 1000, on_echo, NULL, error) &&
           mount("/t/count", 5 * 1024 * 1024, on_counted, on_piece, error) &&
           mount("/t/slow", 0, on_slow, NULL, error) &&
           mount("/t/stream", 0, on_stream, NULL, error) &&
           mount("/t/file", 0, on_file, NULL, error) && mount("/t/sse", 0, on_sse, NULL, error) &&
           mount("/t/push", 0, on_push, NULL, error) &&
           mount("/t/basic", 0, on_basic, NULL, error) &&
           mount("/t/login", 0, on_login, NULL, error) && mount("/t/me", 0, on_me, NULL, error) &&
           mount("/t/logout", 0, on_logout, NULL, error) &&
           !mount("/t/echo", 0, on_echo, NULL, NULL); /* a second mount is refused */
}

static void
probe_shutdown(HermodModule *self)
{
    for (guint i = 0; i < streams->len; i++)
        api->web->sse_close(streams->pdata[i]);
    g_ptr_array_free(streams, TRUE);
}

HERMOD_MODULE(webprobe) = {
    HERMOD_MODULE_HEADER,       .name = "webprobe", .version = "1",
    .settings = probe_settings, .init = probe_init, .shutdown = probe_shutdown,
};
