/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-response.c - queueing a response with the headers every response
 * gets, and the core's own short answers (errors, the redirect to HTTPS).
 *
 * Every response carries X-Content-Type-Options: nosniff, the [web]
 * Referrer-Policy and its mount's Content-Security-Policy (else the
 * [web] default).  HTTPS responses carry Strict-Transport-Security in the
 * https and redirect modes; plain HTTP never does (RFC 6797 8.1: a UA
 * ignores it there, and a plain-HTTP answer in "both" mode must not pin
 * the site to HTTPS).  A response sent before the request's body was read
 * closes the connection, so the unread body is never taken for the next
 * request.
 *
 * The redirect of plain HTTP (redirect mode) keeps the host the client
 * asked for (else [core] hostname), and the target exactly as received;
 * the port is [web] redirect_port (the first HTTPS listener's by default)
 * and is left out only when it is 443.  GET and HEAD get 301, every other
 * method 308, which keeps the method and body (RFC 9110 15.4.9).
 */
#include "autoconfig.h"

#include <string.h>

#include "web/web-private.h"

static gboolean
wants_hsts(const HermodHttpRequest *req)
{
    const WebSettings *s = req->settings;

    return req->listener->is_https && s->hsts_max_age > 0 &&
           (s->mode == WEB_MODE_HTTPS || s->mode == WEB_MODE_REDIRECT);
}

void
hermod_web_add_common(HermodHttpRequest *req, struct MHD_Response *r)
{
    const WebSettings *s = req->settings;
    const char *csp = req->mount != NULL && req->mount->csp != NULL ? req->mount->csp : s->csp;

    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    if (s->referrer_policy != NULL && *s->referrer_policy != '\0')
        MHD_add_response_header(r, "Referrer-Policy", s->referrer_policy);
    if (csp != NULL && *csp != '\0')
        MHD_add_response_header(r, "Content-Security-Policy", csp);
    if (wants_hsts(req)) {
        char value[64];
        g_snprintf(value, sizeof value, "max-age=%u", s->hsts_max_age);
        MHD_add_response_header(r, "Strict-Transport-Security", value);
    }
    for (guint i = 0; req->headers != NULL && i + 1 < req->headers->len; i += 2)
        MHD_add_response_header(r, req->headers->pdata[i], req->headers->pdata[i + 1]);
    if (req->has_body && !req->is_body_done)
        MHD_add_response_header(r, "Connection", "close");
}

void
hermod_web_queue(HermodHttpRequest *req, guint status, struct MHD_Response *r)
{
    req->status = status;
    req->state = REQ_ANSWERED;
    hermod_web_count_status(status);
    if (req->is_memory_body && req->bytes > 0 && status >= 200 && status != 204 && status != 304 &&
        g_strcmp0(req->method, "HEAD") != 0)
        hermod_web_conn_hold_header(req->conn);
    MHD_queue_response(req->mhd, status, r);
}

void
hermod_web_reply(HermodHttpRequest *req, guint status, struct MHD_Response *r)
{
    if (r == NULL) {
        /* Out of memory in libmicrohttpd: it closes the connection. */
        req->state = REQ_ANSWERED;
        return;
    }
    hermod_web_add_common(req, r);
    hermod_web_queue(req, status, r);
    MHD_destroy_response(r);
}

static struct MHD_Response *
text_response(const char *text)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_MUST_COPY);

    if (r != NULL)
        MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    return r;
}

void
hermod_web_reply_text(HermodHttpRequest *req, guint status, const char *text)
{
    req->bytes = strlen(text);
    req->is_memory_body = TRUE;
    hermod_web_reply(req, status, text_response(text));
}

void
hermod_web_reply_close(HermodHttpRequest *req, guint status, const char *text)
{
    struct MHD_Response *r = text_response(text);

    if (r != NULL)
        MHD_add_response_header(r, "Connection", "close");
    req->bytes = strlen(text);
    req->is_memory_body = TRUE;
    req->is_body_done = TRUE; /* "Connection: close" is added once */
    hermod_web_reply(req, status, r);
}

void
hermod_web_reply_redirect(HermodHttpRequest *req)
{
    const WebSettings *s = req->settings;
    const char *host = req->host != NULL ? req->host : s->hostname;
    gboolean is_get = g_strcmp0(req->method, "GET") == 0 || g_strcmp0(req->method, "HEAD") == 0;
    g_autofree char *location =
        s->redirect_port == 443
            ? g_strdup_printf("https://%s%s", host, req->raw_uri)
            : g_strdup_printf("https://%s:%u%s", host, s->redirect_port, req->raw_uri);
    g_autofree char *text = g_strdup_printf("Moved to %s\n", location);
    struct MHD_Response *r = text_response(text);

    if (r != NULL)
        MHD_add_response_header(r, "Location", location);
    req->bytes = strlen(text);
    req->is_memory_body = TRUE;
    hermod_web_reply(req, is_get ? MHD_HTTP_MOVED_PERMANENTLY : MHD_HTTP_PERMANENT_REDIRECT, r);
}

/* --- requests by status, for metrics */

static guint64 by_status[600];

void
hermod_web_count_status(guint status)
{
    if (status < G_N_ELEMENTS(by_status))
        __atomic_fetch_add(&by_status[status], 1, __ATOMIC_RELAXED);
}

void
hermod_web_metrics_write(GString *out)
{
    g_string_append(out, "# HELP hermod_http_requests_total HTTP requests answered, by status.\n"
                         "# TYPE hermod_http_requests_total counter\n");
    for (guint i = 100; i < G_N_ELEMENTS(by_status); i++) {
        guint64 n = __atomic_load_n(&by_status[i], __ATOMIC_RELAXED);
        if (n > 0)
            g_string_append_printf(
                out, "hermod_http_requests_total{status=\"%u\"} %" G_GUINT64_FORMAT "\n", i, n);
    }
}
