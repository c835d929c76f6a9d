/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-reqapi.c - what a handler may ask of its request and how it
 * answers: the request accessors and the respond_* calls behind
 * HermodWebApi (hermod/web.h), wired up in core/plugin/web-api.c.
 *
 * Every call here runs on the request's web thread, inside
 * libmicrohttpd's access handler (on_request, or a job's done), which is
 * where libmicrohttpd lets a response be queued.  A second respond on an
 * answered request is a module bug: logged, ignored.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/log.h"
#include "web/web-private.h"

#define STREAM_BLOCK (16 * 1024)

const char *
hermod_web_req_method(HermodHttpRequest *req)
{
    return req->method;
}

const char *
hermod_web_req_path(HermodHttpRequest *req)
{
    return req->path;
}

const char *
hermod_web_req_query(HermodHttpRequest *req)
{
    return req->query;
}

const char *
hermod_web_req_query_arg(HermodHttpRequest *req, const char *name)
{
    return MHD_lookup_connection_value(req->mhd, MHD_GET_ARGUMENT_KIND, name);
}

const char *
hermod_web_req_header(HermodHttpRequest *req, const char *name)
{
    return MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, name);
}

const char *
hermod_web_req_cookie(HermodHttpRequest *req, const char *name)
{
    return MHD_lookup_connection_value(req->mhd, MHD_COOKIE_KIND, name);
}

const char *
hermod_web_req_peer(HermodHttpRequest *req)
{
    return hermod_web_conn_peer(req->conn);
}

gboolean
hermod_web_req_is_tls(HermodHttpRequest *req)
{
    return req->listener->is_https;
}

const char *
hermod_web_req_host(HermodHttpRequest *req)
{
    return req->host != NULL ? req->host : req->settings->hostname;
}

const guint8 *
hermod_web_req_body(HermodHttpRequest *req, gsize *out_len)
{
    *out_len = req->body != NULL ? req->body->len : 0;
    return req->body != NULL ? req->body->data : (const guint8 *)"";
}

const char *
hermod_web_req_session(HermodHttpRequest *req)
{
    return hermod_web_conn_session(req->conn);
}

void
hermod_web_req_set_data(HermodHttpRequest *req, gpointer data, GDestroyNotify free_func)
{
    if (req->data_free != NULL && req->data != data)
        req->data_free(req->data);
    req->data = data;
    req->data_free = free_func;
}

gpointer
hermod_web_req_get_data(HermodHttpRequest *req)
{
    return req->data;
}

void
hermod_web_req_set_account(HermodHttpRequest *req, const char *account)
{
    g_free(req->account);
    req->account = g_strdup(account);
}

/* --- responses */

void
hermod_web_resp_header(HermodHttpRequest *req, const char *name, const char *value)
{
    if (name == NULL || value == NULL || strpbrk(name, "\r\n:") != NULL ||
        strpbrk(value, "\r\n") != NULL) {
        hermod_log(HERMOD_LOG_WARNING, hermod_web_req_session(req),
                   "web: response header with CR, LF or ':' in its name dropped");
        return;
    }
    if (req->headers == NULL)
        req->headers = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(req->headers, g_strdup(name));
    g_ptr_array_add(req->headers, g_strdup(value));
}

static gboolean
may_answer(HermodHttpRequest *req)
{
    if (req->state == REQ_HANDLING)
        return TRUE;
    hermod_log(HERMOD_LOG_WARNING, hermod_web_req_session(req),
               "web: %s answered twice or outside its handler; ignored", req->path);
    return FALSE;
}

static void
with_type(struct MHD_Response *r, const char *content_type)
{
    if (r != NULL && content_type != NULL)
        MHD_add_response_header(r, "Content-Type", content_type);
}

void
hermod_web_respond(HermodHttpRequest *req, guint status, const char *content_type, GBytes *body)
{
    struct MHD_Response *r;

    if (!may_answer(req))
        return;
    if (body != NULL) {
        hermod_web_reply_bytes(req, status, content_type, body);
        return;
    }
    r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    with_type(r, content_type);
    req->bytes = 0;
    req->is_memory_body = TRUE;
    hermod_web_reply(req, status, r);
}

gboolean
hermod_web_respond_file(HermodHttpRequest *req, guint status, const char *content_type,
                        const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    struct MHD_Response *r;

    if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return FALSE;
    }
    if (!may_answer(req)) {
        close(fd);
        return TRUE;
    }
    if (status == MHD_HTTP_OK) {
        hermod_web_static_answer_file(
            req, path, fd, &st, content_type != NULL ? content_type : hermod_web_mime_type(path));
        return TRUE;
    }
    r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
    with_type(r, content_type != NULL ? content_type : hermod_web_mime_type(path));
    req->bytes = (guint64)st.st_size;
    hermod_web_reply(req, status, r);
    return TRUE;
}

typedef struct {
    HermodHttpRequest *req;
    HermodWebReadFunc read;
    gpointer data;
    GDestroyNotify free;
} Stream;

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    Stream *s = cls;
    gsize n = s->read(s->data, (guint8 *)buf, max);

    if (n == 0)
        return MHD_CONTENT_READER_END_OF_STREAM;
    s->req->bytes += n;
    return (ssize_t)MIN(n, max);
}

static void
stream_free(void *cls)
{
    Stream *s = cls;

    if (s->free != NULL)
        s->free(s->data);
    g_free(s);
}

void
hermod_web_respond_stream(HermodHttpRequest *req, guint status, const char *content_type,
                          HermodWebReadFunc read, gpointer data, GDestroyNotify free_func)
{
    Stream *s = g_new0(Stream, 1);
    struct MHD_Response *r;

    s->req = req;
    s->read = read;
    s->data = data;
    s->free = free_func;
    if (!may_answer(req)) {
        stream_free(s);
        return;
    }
    r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, STREAM_BLOCK, stream_read, s,
                                          stream_free);
    with_type(r, content_type);
    hermod_web_reply(req, status, r);
}
