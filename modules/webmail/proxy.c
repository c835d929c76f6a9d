/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * proxy.c - the image proxy: GET /webmail/api/image?url=URL loads a
 * remote image of a message the user chose to show images for, so that
 * the browser never talks to the sender's servers (no IP address, no
 * cookies, no referrer) and the message frame's CSP can stay img-src
 * 'self'.
 *
 * Only for a logged-in session.  Only http and https on their usual
 * ports or any port above 1023; the name is resolved on the work pool and
 * every address it has must be public (addr-check.c) unless it is inside
 * [webmail] image_proxy_allow; the connection goes to the checked
 * address, so DNS rebinding cannot move it.  No redirects are followed,
 * nothing but a raster image type is passed on (never SVG or HTML), at
 * most [webmail] image_proxy_max bytes, and the whole fetch is bounded by
 * a timeout.  TLS (https images) needs glib-networking.
 */
#include "autoconfig.h"

#include <gio/gio.h>
#include <string.h>

#include "addr-check.h"
#include "http-head.h"
#include "webmail.h"

#define PROXY_TIMEOUT 10 /* seconds per socket operation */
#define HEAD_MAX      (16 * 1024)

typedef struct {
    char *url;
    char **allow; /* CIDRs exempt from the public-address rule */
    gsize max;
    guint status; /* out: 200, or the error status */
    char *reason;
    char *type;
    GBytes *body;
} ProxyJob;

static void
job_free(ProxyJob *job)
{
    g_free(job->url);
    g_strfreev(job->allow);
    g_free(job->reason);
    g_free(job->type);
    if (job->body != NULL)
        g_bytes_unref(job->body);
    g_free(job);
}

static gboolean
refuse(ProxyJob *job, guint status, const char *reason)
{
    job->status = status;
    job->reason = g_strdup(reason);
    return FALSE;
}

/* The first address of host we may reach; NULL (job refused) if any of
 * its addresses is not public. */
static GInetAddress *
pick_address(ProxyJob *job, const char *host)
{
    g_autoptr(GResolver) resolver = g_resolver_get_default();
    g_autoptr(GError) error = NULL;
    GList *addrs = g_resolver_lookup_by_name(resolver, host, NULL, &error);
    GInetAddress *chosen = NULL;

    if (addrs == NULL) {
        refuse(job, 502, "the image's host does not resolve");
        return NULL;
    }
    for (GList *l = addrs; l != NULL; l = l->next) {
        g_autofree char *text = g_inet_address_to_string(l->data);
        gboolean allowed =
            job->allow != NULL && WM_WEB->addr_in_networks(text, (const char *const *)job->allow);
        if (!allowed && !wm_addr_is_public(l->data)) {
            g_clear_object(&chosen);
            refuse(job, 403, "the image's host is a private, loopback or link-local address");
            break;
        }
        if (chosen == NULL)
            chosen = g_object_ref(l->data);
    }
    g_resolver_free_addresses(addrs);
    return chosen;
}

static GIOStream *
connect_to(ProxyJob *job, GInetAddress *addr, GUri *uri, gboolean is_tls)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    g_autoptr(GSocketAddress) sa = g_inet_socket_address_new(addr, (guint16)g_uri_get_port(uri));
    g_autoptr(GError) error = NULL;
    g_autoptr(GSocketConnection) conn = NULL;
    g_autoptr(GSocketConnectable) identity = NULL;
    GIOStream *tls;

    g_socket_client_set_timeout(client, PROXY_TIMEOUT);
    conn = g_socket_client_connect(client, G_SOCKET_CONNECTABLE(sa), NULL, &error);
    if (conn == NULL) {
        refuse(job, 502, "cannot connect to the image's host");
        return NULL;
    }
    if (!is_tls)
        return G_IO_STREAM(g_steal_pointer(&conn));
    identity = g_network_address_new(g_uri_get_host(uri), (guint16)g_uri_get_port(uri));
    tls = g_tls_client_connection_new(G_IO_STREAM(conn), identity, &error);
    if (tls == NULL || !g_tls_connection_handshake(G_TLS_CONNECTION(tls), NULL, &error)) {
        g_clear_object(&tls);
        refuse(job, 502, "no TLS with the image's host");
        return NULL;
    }
    return tls;
}

static gboolean
is_image_type(const char *type)
{
    static const char *const ok[] = {"image/png",  "image/jpeg", "image/gif",    "image/webp",
                                     "image/avif", "image/bmp",  "image/x-icon", NULL};

    for (guint i = 0; type != NULL && ok[i] != NULL; i++)
        if (strcmp(type, ok[i]) == 0)
            return TRUE;
    return FALSE;
}

/* Read the response (head and up to max body bytes) and check it. */
static gboolean
read_image(ProxyJob *job, GIOStream *io)
{
    GInputStream *in = g_io_stream_get_input_stream(io);
    g_autoptr(GByteArray) buf = g_byte_array_new();
    guint8 chunk[16384];
    WmHttpHead head = {0};
    gssize n;

    while ((n = g_input_stream_read(in, chunk, sizeof chunk, NULL, NULL)) > 0) {
        g_byte_array_append(buf, chunk, (guint)n);
        if (buf->len > job->max + HEAD_MAX)
            return refuse(job, 502, "the image is too big");
    }
    if (wm_http_head_parse((const char *)buf->data, buf->len, HEAD_MAX, &head) != WM_HTTP_HEAD_OK)
        return refuse(job, 502, "the image's host sent no valid HTTP response");
    if (head.status != 200 || head.is_chunked || !is_image_type(head.content_type) ||
        buf->len - head.head_len > job->max) {
        wm_http_head_clear(&head);
        return refuse(job, 502, "the image's host did not send an image");
    }
    job->type = g_steal_pointer(&head.content_type);
    job->body = g_bytes_new(buf->data + head.head_len, buf->len - head.head_len);
    job->status = 200;
    return TRUE;
}

static gboolean
fetch(ProxyJob *job, GUri *uri, GInetAddress *addr)
{
    gboolean is_tls = strcmp(g_uri_get_scheme(uri), "https") == 0;
    g_autoptr(GIOStream) io = connect_to(job, addr, uri, is_tls);
    g_autofree char *path = NULL;
    g_autofree char *req = NULL;
    const char *q = g_uri_get_query(uri);

    if (io == NULL)
        return FALSE;
    path = g_strconcat(*g_uri_get_path(uri) ? g_uri_get_path(uri) : "/", q ? "?" : "", q ? q : "",
                       NULL);
    req = g_strdup_printf("GET %s HTTP/1.0\r\nHost: %s\r\nUser-Agent: Hermod-image-proxy\r\n"
                          "Accept: image/*\r\nConnection: close\r\n\r\n",
                          path, g_uri_get_host(uri));
    if (!g_output_stream_write_all(g_io_stream_get_output_stream(io), req, strlen(req), NULL, NULL,
                                   NULL))
        return refuse(job, 502, "cannot send to the image's host");
    return read_image(job, io);
}

static GUri *
parse_url(ProxyJob *job)
{
    GUri *uri = g_uri_parse(job->url, G_URI_FLAGS_ENCODED, NULL);
    const char *scheme = uri != NULL ? g_uri_get_scheme(uri) : NULL;
    gint port;

    if (uri == NULL || scheme == NULL || (strcmp(scheme, "http") && strcmp(scheme, "https")) ||
        g_uri_get_host(uri) == NULL || !*g_uri_get_host(uri) || g_uri_get_userinfo(uri) != NULL) {
        if (uri != NULL)
            g_uri_unref(uri);
        refuse(job, 400, "not an http or https URL");
        return NULL;
    }
    port = g_uri_get_port(uri);
    if (port == -1) {
        GUri *with = g_uri_build(G_URI_FLAGS_ENCODED, scheme, NULL, g_uri_get_host(uri),
                                 strcmp(scheme, "https") == 0 ? 443 : 80, g_uri_get_path(uri),
                                 g_uri_get_query(uri), NULL);
        g_uri_unref(uri);
        return with;
    }
    if (port != 80 && port != 443 && port < 1024) {
        g_uri_unref(uri);
        refuse(job, 403, "that port is not for images");
        return NULL;
    }
    return uri;
}

static void
proxy_work(gpointer data)
{
    ProxyJob *job = data;
    g_autoptr(GUri) uri = parse_url(job);
    g_autoptr(GInetAddress) addr = uri != NULL ? pick_address(job, g_uri_get_host(uri)) : NULL;

    if (addr != NULL)
        fetch(job, uri, addr);
    if (job->status != 200)
        wm_api->log(HERMOD_LOG_INFO, NULL, "webmail: image proxy refused %s: %s", job->url,
                    job->reason);
}

static void
proxy_done(HermodHttpRequest *req, gpointer data)
{
    ProxyJob *job = data;

    if (job->status == 200) {
        WM_WEB->resp_header(req, "Cache-Control", "private, max-age=3600");
        WM_WEB->resp_header(req, "Content-Disposition", "inline; filename=\"image\"");
        WM_WEB->respond(req, 200, job->type, job->body);
    } else {
        wm_reply_error(req, job->status, "image-refused", job->reason);
    }
    job_free(job);
}

static void
checked(HermodHttpRequest *req, HermodWebAuthResult result, const char *account, gpointer data)
{
    ProxyJob *job = data;

    if (result != HERMOD_WEB_AUTH_OK) {
        wm_reply_error(req, 401, "no-session", "not logged in");
        job_free(job);
        return;
    }
    WM_WEB->work_run(req, proxy_work, proxy_done, job);
}

void
wm_image_proxy(HermodHttpRequest *req)
{
    const char *url = WM_WEB->req_query_arg(req, "url");
    const char *allow = wm_api->setting_string(wm_module, "image_proxy_allow");
    ProxyJob *job;

    if (url == NULL || strlen(url) > 4096) {
        wm_reply_error(req, 400, "bad-url", "url missing or too long");
        return;
    }
    job = g_new0(ProxyJob, 1);
    job->url = g_strdup(url);
    job->allow = allow != NULL && *allow ? g_strsplit(allow, ";", -1) : NULL;
    job->max = (gsize)wm_api->setting_int(wm_module, "image_proxy_max");
    WM_WEB->session_check(req, checked, job);
}
