/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-reuse.c - a module's answer from a GBytes it has sent before gets
 * the response object it got then.
 *
 * Building a libmicrohttpd response is a dozen allocations (the object,
 * its mutex, each header's name and value: Content-Type, the headers every
 * response gets, the module's own) and as many frees when it is sent:
 * about 6% of the CPU of a small dynamic answer.  A module that keeps a
 * document and answers with the same GBytes again (the autoconfig
 * module's) need not pay that each time: libmicrohttpd counts references
 * to a response and lets one be queued on any number of connections, and
 * the body it points into is only read.
 *
 * Each web thread keeps the response of a body it sends twice in a row
 * (a body seen once, as most are, costs nothing more), and reuses it only when
 * everything that went into it is the same: the body (held, so its
 * address cannot come back as another one's), the content type, the
 * module's headers in order, the settings snapshot (held), the mount's
 * Content-Security-Policy and whether HSTS applies.  A response that
 * closes the connection (a body left unread) is never kept.  The kept one
 * goes when another replaces it or when its thread ends (libmicrohttpd
 * stops its threads before the modules are shut down).
 */
#include "autoconfig.h"

#include <string.h>

#include "web/web-private.h"

typedef struct {
    struct MHD_Response *r;
    GBytes *body;
    WebSettings *settings;
    char *content_type; /* nullable */
    char *csp;          /* the mount's, nullable */
    gboolean is_https;
    GPtrArray *headers; /* the module's: name, value, ...; nullable */
} Kept;

static void
kept_free(gpointer data)
{
    Kept *k = data;

    MHD_destroy_response(k->r);
    g_bytes_unref(k->body);
    hermod_web_settings_unref(k->settings);
    g_free(k->content_type);
    g_free(k->csp);
    if (k->headers != NULL)
        g_ptr_array_unref(k->headers);
    g_free(k);
}

static GPrivate kept_key = G_PRIVATE_INIT(kept_free);
/* The body of this thread's last answer, only compared, never followed:
 * a new body at its address costs one needless keep at worst. */
static GPrivate last_key;

static const char *
mount_csp(const HermodHttpRequest *req)
{
    return req->mount != NULL ? req->mount->csp : NULL;
}

static gboolean
same_headers(const GPtrArray *a, const GPtrArray *b)
{
    guint n = a != NULL ? a->len : 0;

    if (n != (b != NULL ? b->len : 0))
        return FALSE;
    for (guint i = 0; i < n; i++)
        if (strcmp(a->pdata[i], b->pdata[i]) != 0)
            return FALSE;
    return TRUE;
}

static gboolean
matches(const Kept *k, const HermodHttpRequest *req, const char *content_type, GBytes *body)
{
    return k != NULL && k->body == body && k->settings == req->settings &&
           k->is_https == req->listener->is_https &&
           g_strcmp0(k->content_type, content_type) == 0 &&
           g_strcmp0(k->csp, mount_csp(req)) == 0 && same_headers(k->headers, req->headers);
}

static GPtrArray *
copy_headers(const GPtrArray *headers)
{
    GPtrArray *out;

    if (headers == NULL)
        return NULL;
    out = g_ptr_array_new_full(headers->len, g_free);
    for (guint i = 0; i < headers->len; i++)
        g_ptr_array_add(out, g_strdup(headers->pdata[i]));
    return out;
}

static void
keep(HermodHttpRequest *req, const char *content_type, GBytes *body, struct MHD_Response *r)
{
    Kept *k = g_new0(Kept, 1);

    k->r = r;
    k->body = g_bytes_ref(body);
    k->settings = hermod_web_settings_ref(req->settings);
    k->content_type = g_strdup(content_type);
    k->csp = g_strdup(mount_csp(req));
    k->is_https = req->listener->is_https;
    k->headers = copy_headers(req->headers);
    g_private_replace(&kept_key, k);
}

void
hermod_web_reply_bytes(HermodHttpRequest *req, guint status, const char *content_type, GBytes *body)
{
    Kept *k = g_private_get(&kept_key);
    gsize len = 0;
    gconstpointer data = g_bytes_get_data(body, &len);
    gboolean closes = req->has_body && !req->is_body_done;
    struct MHD_Response *r;

    req->bytes = len;
    req->is_memory_body = TRUE;
    if (!closes && req->settings != NULL && matches(k, req, content_type, body)) {
        hermod_web_queue(req, status, k->r);
        return;
    }
    r = MHD_create_response_from_buffer_with_free_callback_cls(
        len, (void *)data, (MHD_ContentReaderFreeCallback)g_bytes_unref, g_bytes_ref(body));
    if (r == NULL) {
        g_bytes_unref(body);
        hermod_web_reply(req, status, NULL);
        return;
    }
    if (content_type != NULL)
        MHD_add_response_header(r, "Content-Type", content_type);
    if (closes || req->settings == NULL || g_private_get(&last_key) != body) {
        g_private_set(&last_key, body);
        hermod_web_reply(req, status, r);
        return;
    }
    hermod_web_add_common(req, r);
    hermod_web_queue(req, status, r);
    keep(req, content_type, body, r);
}
