/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-request.c - one HTTP request from libmicrohttpd's callbacks to a
 * mount: the checks before anything is routed, the mode's redirect, the
 * body, the handler, the log line.
 *
 * libmicrohttpd calls the URI log callback when the request line is in
 * (the request object is made there, with the target exactly as
 * received), then the access handler once the headers are in, once per
 * piece of body, once more when the body is complete, and once after each
 * resume.  The state in HermodHttpRequest says which of those a call is.
 * The target is split and percent-decoded here rather than by
 * libmicrohttpd, so that "%00" and bad escapes are refused instead of
 * silently cut, and so that the redirect repeats the target verbatim.
 *
 * Refused before routing, with 400 and the connection closed (0.9.75
 * would otherwise pick one of them): two Content-Length headers,
 * Content-Length with Transfer-Encoding, a Transfer-Encoding other than
 * "chunked", two Host headers, HTTP/1.1 without Host.  These are the
 * request-smuggling shapes where a proxy in front and this server could
 * disagree on where a request ends.
 *
 * The completion callback writes one log line per request: session id,
 * client, method, path (never the query, which may hold secrets), status,
 * body bytes, duration, and the account when one authenticated.
 */
#include "autoconfig.h"

#include <string.h>

#include "lib/log.h"
#include "web/web-private.h"

/* How far past its limit a body is still read (and dropped) so that the
 * client sees the 413; beyond it the connection closes at once. */
#define WEB_DRAIN_MAX (1024 * 1024)
/* A chunked body is read to its end before the 413, up to this much past
 * the limit. */
#define WEB_DRAIN_ABORT (64 * 1024 * 1024)

/* --- pure helpers (the fuzz target drives these) */

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode len bytes of s; NULL on a bad escape or a NUL. */
static char *
decode_path(const char *s, gsize len)
{
    char *out = g_malloc(len + 1); /* decoding never lengthens */
    gsize n = 0;

    for (gsize i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 2 < len ? hex_value(s[i + 1]) : -1;
            int lo = i + 2 < len ? hex_value(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
                g_free(out);
                return NULL;
            }
            c = (char)(hi * 16 + lo);
            i += 2;
        } else if (c == '\0') {
            g_free(out);
            return NULL;
        }
        out[n++] = c;
    }
    out[n] = '\0';
    return out;
}

gboolean
hermod_web_split_target(const char *target, char **out_path, char **out_query)
{
    const char *q;
    gsize path_len;

    *out_path = NULL;
    *out_query = NULL;
    if (target == NULL || target[0] != '/' || strchr(target, '#') != NULL)
        return FALSE;
    q = strchr(target, '?');
    path_len = q != NULL ? (gsize)(q - target) : strlen(target);
    *out_path = decode_path(target, path_len);
    if (*out_path == NULL)
        return FALSE;
    if (q != NULL)
        *out_query = g_strdup(q + 1);
    return TRUE;
}

gboolean
hermod_web_absolute_target(const char *target, char **out_authority, char **out_origin)
{
    const char *auth;
    const char *end;

    *out_authority = NULL;
    *out_origin = NULL;
    if (target == NULL)
        return FALSE;
    if (g_ascii_strncasecmp(target, "https://", 8) == 0)
        auth = target + 8;
    else if (g_ascii_strncasecmp(target, "http://", 7) == 0)
        auth = target + 7;
    else
        return FALSE;
    end = auth + strcspn(auth, "/?#");
    if (end == auth || memchr(auth, '@', (gsize)(end - auth)) != NULL)
        return FALSE;
    *out_authority = g_strndup(auth, (gsize)(end - auth));
    /* An empty path is "/" (RFC 9112 3.2.1). */
    *out_origin = g_strconcat(*end == '/' ? "" : "/", end, NULL);
    return TRUE;
}

static gboolean
is_digits(const char *s, gsize len)
{
    if (len == 0)
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
    return TRUE;
}

char *
hermod_web_host_of(const char *value)
{
    const char *end;
    const char *port;

    if (value == NULL || *value == '\0')
        return NULL;
    if (value[0] == '[') {
        end = strchr(value, ']');
        if (end == NULL || end == value + 1)
            return NULL;
        for (const char *p = value + 1; p < end; p++)
            if (!g_ascii_isxdigit(*p) && *p != ':' && *p != '.')
                return NULL;
        end++;
    } else {
        end = value;
        while (g_ascii_isalnum(*end) || *end == '-' || *end == '.' || *end == '_')
            end++;
        if (end == value)
            return NULL;
    }
    port = end;
    if (*port == ':' && !is_digits(port + 1, strlen(port + 1)))
        return NULL;
    if (*port != ':' && *port != '\0')
        return NULL;
    return g_ascii_strdown(value, end - value);
}

void
hermod_web_count_header(WebHeaderCounts *c, const char *key, const char *value)
{
    g_autofree char *trimmed = NULL;

    if (g_ascii_strcasecmp(key, "Content-Length") == 0) {
        c->content_length++;
        trimmed = g_strstrip(g_strdup(value != NULL ? value : ""));
        if (!is_digits(trimmed, strlen(trimmed)))
            c->is_bad_length = TRUE;
    } else if (g_ascii_strcasecmp(key, "Transfer-Encoding") == 0) {
        c->transfer_encoding++;
        trimmed = g_strstrip(g_strdup(value != NULL ? value : ""));
        c->is_chunked_only = g_ascii_strcasecmp(trimmed, "chunked") == 0;
    } else if (g_ascii_strcasecmp(key, "Host") == 0) {
        c->host++;
    }
}

const char *
hermod_web_check_counts(const WebHeaderCounts *c, gboolean is_http11)
{
    if (c->content_length > 1)
        return "more than one Content-Length";
    if (c->content_length > 0 && c->transfer_encoding > 0)
        return "both Content-Length and Transfer-Encoding";
    if (c->transfer_encoding > 1 || (c->transfer_encoding == 1 && !c->is_chunked_only))
        return "a Transfer-Encoding other than chunked";
    if (c->is_bad_length)
        return "a Content-Length that is not a number";
    if (c->host > 1)
        return "more than one Host";
    if (c->host == 0 && is_http11)
        return "HTTP/1.1 without Host";
    return NULL;
}

/* --- the callbacks */

void *
hermod_web_uri_log(void *cls, const char *uri, struct MHD_Connection *connection)
{
    HermodHttpRequest *req = g_new0(HermodHttpRequest, 1);

    req->listener = cls;
    req->mhd = connection;
    req->conn = hermod_web_conn_of(connection);
    req->raw_uri = g_strdup(uri != NULL ? uri : "");
    req->started = g_get_monotonic_time();
    req->state = REQ_NEW;
    return req;
}

static enum MHD_Result
count_iter(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    WebHeaderCounts *c = cls;

    hermod_web_count_header(c, key, value);
    c->bytes += strlen(key) + (value != NULL ? strlen(value) : 0) + 4;
    return MHD_YES;
}

/* An absolute-form target ("GET https://host/path HTTP/1.1", RFC 9112
 * 3.2.2): the server MUST accept it, and its authority stands for Host
 * (the Host header is still required and checked, but ignored).  The
 * target becomes the origin form, which the redirect repeats. */
static gboolean
absolute_form(HermodHttpRequest *req)
{
    g_autofree char *authority = NULL;
    char *origin = NULL;
    char *host;

    if (!hermod_web_absolute_target(req->raw_uri, &authority, &origin))
        return FALSE;
    host = hermod_web_host_of(authority);
    if (host == NULL) {
        g_free(origin);
        return FALSE;
    }
    g_free(req->host);
    req->host = host;
    g_free(req->raw_uri);
    req->raw_uri = origin;
    return TRUE;
}

/* NULL if the headers may go on, else why not. */
static const char *
check_headers(HermodHttpRequest *req, const char *version)
{
    WebHeaderCounts counts = {0};
    const char *host;

    MHD_get_connection_values(req->mhd, MHD_HEADER_KIND, count_iter, &counts);
    if (counts.bytes + strlen(req->raw_uri) > req->settings->max_header) {
        req->status = MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE;
        return "headers larger than [web] max_header_size";
    }
    const char *why = hermod_web_check_counts(&counts, g_strcmp0(version, "HTTP/1.1") == 0);
    if (why != NULL)
        return why;
    req->has_body =
        counts.transfer_encoding > 0 ||
        (counts.content_length > 0 &&
         g_ascii_strtoull(MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, "Content-Length"),
                          NULL, 10) > 0);
    host = MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, "Host");
    if (host != NULL && (req->host = hermod_web_host_of(host)) == NULL)
        return "a Host that is not a host name";
    if (req->raw_uri[0] != '/' && !absolute_form(req))
        return "a request target that is neither an absolute path nor an absolute URI";
    if (!hermod_web_split_target(req->raw_uri, &req->path, &req->query))
        return "a request target that is not an absolute path";
    return NULL;
}

static gboolean
is_acme(const char *path)
{
    return g_str_has_prefix(path, HERMOD_WEB_ACME_PREFIX);
}

/* The mount for req, or an answer (FALSE) when there is none. */
static gboolean
route(HermodHttpRequest *req)
{
    if (!req->listener->is_https && req->settings->mode == WEB_MODE_REDIRECT &&
        !is_acme(req->path)) {
        hermod_web_reply_redirect(req);
        return FALSE;
    }
    req->mount = hermod_web_mount_find(req->path);
    if (req->mount == NULL) {
        hermod_web_reply_text(req, MHD_HTTP_NOT_FOUND, "Not Found\n");
        return FALSE;
    }
    req->body_max = req->mount->max_body != 0 ? req->mount->max_body : req->settings->max_body;
    return TRUE;
}

static void
dispatch(HermodHttpRequest *req)
{
    req->state = REQ_HANDLING;
    hermod_web_mount_call(req);
    if (req->state == REQ_HANDLING)
        hermod_web_reply_text(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "Internal Server Error\n");
}

static enum MHD_Result
on_headers(HermodHttpRequest *req, const char *method, const char *version)
{
    const char *why;
    const char *length;

    req->method = method;
    req->settings = hermod_web_settings_get();
    why = check_headers(req, version);
    if (why != NULL) {
        hermod_log(HERMOD_LOG_INFO, hermod_web_conn_session(req->conn), "http %s: refused: %s",
                   hermod_web_conn_peer(req->conn), why);
        if (req->status == MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE)
            hermod_web_reply_close(req, req->status, "Request Header Fields Too Large\n");
        else
            hermod_web_reply_close(req, MHD_HTTP_BAD_REQUEST, "Bad Request\n");
        return MHD_YES;
    }
    hermod_web_conn_headers_done(req->conn, req->has_body);
    req->state = REQ_BODY;
    /* Without a body, answer at the next call: libmicrohttpd 0.9.75 closes
     * the connection after a response queued at this first one. */
    if (!req->has_body || !route(req))
        return MHD_YES;
    length = MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, "Content-Length");
    if (length != NULL && g_ascii_strtoull(length, NULL, 10) > req->body_max) {
        /* A little over the limit: read and drop the rest, so the client,
         * still sending, reads the 413 instead of a reset (nginx lingers
         * the same way).  Far over it: answer and close at once. */
        if (g_ascii_strtoull(length, NULL, 10) - req->body_max <= WEB_DRAIN_MAX)
            req->is_body_too_big = TRUE;
        else
            hermod_web_reply_close(req, MHD_HTTP_CONTENT_TOO_LARGE, "Payload Too Large\n");
    }
    return MHD_YES;
}

static enum MHD_Result
on_body(HermodHttpRequest *req, const char *data, size_t *size)
{
    gsize n = *size;

    *size = 0;
    if (n == 0) {
        req->is_body_done = TRUE;
        hermod_web_conn_body_done(req->conn);
        if (req->mount == NULL && !route(req))
            return MHD_YES;
        if (req->is_body_too_big)
            hermod_web_reply_close(req, MHD_HTTP_CONTENT_TOO_LARGE, "Payload Too Large\n");
        else
            dispatch(req);
        return MHD_YES;
    }
    if (req->is_body_too_big || n > req->body_max - req->body_len) {
        req->is_body_too_big = TRUE;
        req->body_dropped += n;
        /* libmicrohttpd 0.9.75 cannot answer in the middle of a body, so a
         * chunked one is read to its end; past this much, drop the
         * connection instead. */
        if (req->body_dropped > WEB_DRAIN_ABORT) {
            hermod_log(HERMOD_LOG_INFO, hermod_web_conn_session(req->conn),
                       "http %s: dropped: body more than %d MB past its limit",
                       hermod_web_conn_peer(req->conn), WEB_DRAIN_ABORT >> 20);
            return MHD_NO;
        }
        return MHD_YES;
    }
    req->body_len += n;
    if (req->mount->spec.on_body != NULL) {
        req->mount->spec.on_body(req, (const guint8 *)data, n, req->mount->spec.data);
        return MHD_YES;
    }
    if (req->body == NULL)
        req->body = g_byte_array_new();
    g_byte_array_append(req->body, (const guint8 *)data, (guint)n);
    return MHD_YES;
}

enum MHD_Result
hermod_web_access(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                  const char *version, const char *upload_data, size_t *upload_data_size,
                  void **req_cls)
{
    HermodHttpRequest *req = *req_cls;

    if (req == NULL)
        *req_cls = req = hermod_web_uri_log(cls, url, connection);
    switch (req->state) {
    case REQ_NEW:
        return on_headers(req, method, version);
    case REQ_BODY:
        return on_body(req, upload_data, upload_data_size);
    case REQ_SUSPENDED:
        req->state = REQ_HANDLING;
        hermod_web_mount_job_done(req);
        if (req->state == REQ_HANDLING)
            hermod_web_reply_text(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "Internal Server Error\n");
        return MHD_YES;
    case REQ_HANDLING:
    case REQ_ANSWERED:
        *upload_data_size = 0;
        return MHD_YES;
    }
    return MHD_NO;
}

static void
request_free(HermodHttpRequest *req)
{
    if (req->data_free != NULL)
        req->data_free(req->data);
    if (req->job_done != NULL)
        hermod_web_job_drop(req->job_done);
    if (req->body != NULL)
        g_byte_array_unref(req->body);
    if (req->headers != NULL)
        g_ptr_array_unref(req->headers);
    hermod_web_settings_unref(req->settings);
    g_free(req->raw_uri);
    g_free(req->path);
    g_free(req->query);
    g_free(req->host);
    g_free(req->account);
    g_free(req->csrf);
    g_free(req);
}

void
hermod_web_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                     enum MHD_RequestTerminationCode toe)
{
    HermodHttpRequest *req = *req_cls;
    gint64 now;
    double ms;

    *req_cls = NULL;
    if (req == NULL)
        return;
    now = g_get_monotonic_time();
    ms = (double)(now - req->started) / 1000.0;
    hermod_log(HERMOD_LOG_INFO, hermod_web_conn_session(req->conn),
               "http %s %s %s %s %u %" G_GUINT64_FORMAT " %.1fms%s%s%s",
               hermod_web_conn_peer(req->conn), req->method != NULL ? req->method : "-",
               req->path != NULL ? req->path : "-", req->listener->is_https ? "https" : "http",
               req->status, req->bytes, ms, req->account != NULL ? " account=" : "",
               req->account != NULL ? req->account : "",
               toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (not completed)");
    hermod_web_conn_request_done(req->conn, req->settings, now);
    request_free(req);
}
