/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web.c - the web server's life cycle: [web] settings, the http
 * listeners' sockets, one libmicrohttpd daemon per socket.
 *
 * Threads.  libmicrohttpd runs its own threads rather than the core's
 * loops: each listening socket gets a daemon with an internal pool of
 * [web] threads epoll threads (MHD_USE_INTERNAL_POLLING_THREAD |
 * MHD_USE_EPOLL), which run TLS, parse requests and call the handlers;
 * one thread per socket accepts and deals the connections out among
 * them (web-accept.c).  Nothing there blocks: store reads, SQLite and password
 * hashing go to the core's work pool with the connection suspended
 * (web-mount.c), and the pool thread resumes it.  Keeping libmicrohttpd
 * on its own threads lets its tested thread pool share each listening
 * socket, and keeps the core's loops free of another library's timers.
 * MHD_USE_TURBO lets those threads read, write and accept at once and
 * fall back to epoll only on EAGAIN (under wrk: 16-18 instead of 18-20
 * us of CPU per small HTTPS response).
 *
 * TLS.  The certificate comes from the core's store through
 * MHD_OPTION_HTTPS_CERT_CALLBACK (hermod_tls_retrieve_cert: SNI against
 * the SANs, one-label wildcards, the default): a SIGHUP or a new
 * certificate swaps the store, and new handshakes see the new one while
 * open connections keep theirs.  GnuTLS does not say when a foreign
 * session is done with a certificate, so the store pins each store it
 * served from until exit.  The priority string ([tls] priority, TLS 1.2
 * and 1.3 by default) is the daemon's and changes on restart.
 *
 * Modes.  hermod_web_prepare takes every protocol = http listener's
 * sockets from net/ and closes those the mode does not serve, so that
 * nothing answers there: https closes the plain ones, http the TLS ones.
 */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "tls/tls.h"
#include "web/web-private.h"

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(hermod-web-error-quark, hermod_web_error)
/* clang-format on */

static GMutex lock; /* guards settings */
static WebSettings *settings;
static GPtrArray *web_listeners; /* WebListener* served */
static gboolean is_started;
static guint n_threads;
static gsize memory_limit;
static guint max_conns;
static guint max_per_ip;
static guint idle_timeout;

/* --- settings */

static void
settings_clear(gpointer data)
{
    WebSettings *s = data;

    g_free(s->hostname);
    g_free(s->acme_dir);
    g_free(s->document_root);
    g_free(s->referrer_policy);
    g_free(s->csp);
    g_free(s->cookie_samesite);
}

WebSettings *
hermod_web_settings_get(void)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);

    return settings != NULL ? g_atomic_rc_box_acquire(settings) : NULL;
}

WebSettings *
hermod_web_settings_ref(WebSettings *s)
{
    return g_atomic_rc_box_acquire(s);
}

void
hermod_web_settings_unref(WebSettings *s)
{
    if (s != NULL)
        g_atomic_rc_box_release_full(s, settings_clear);
}

static WebMode
mode_of(HermodConfig *cfg)
{
    const char *m = hermod_config_string(cfg, "web", "mode");

    if (g_strcmp0(m, "http") == 0)
        return WEB_MODE_HTTP;
    if (g_strcmp0(m, "both") == 0)
        return WEB_MODE_BOTH;
    if (g_strcmp0(m, "https") == 0)
        return WEB_MODE_HTTPS;
    return WEB_MODE_REDIRECT;
}

/* The port of the first enabled protocol = http, tls = implicit listener. */
static guint16
first_https_port(HermodConfig *cfg)
{
    for (const char *const *n = hermod_config_named(cfg, "listener"); *n != NULL; n++) {
        g_autofree char *section = g_strdup_printf("listener %s", *n);
        if (hermod_config_bool(cfg, section, "enabled") &&
            g_strcmp0(hermod_config_string(cfg, section, "protocol"), "http") == 0 &&
            g_strcmp0(hermod_config_string(cfg, section, "tls"), "implicit") == 0)
            return (guint16)hermod_config_int(cfg, section, "port");
    }
    return 443;
}

static WebSettings *
settings_from(HermodConfig *cfg)
{
    WebSettings *s = g_atomic_rc_box_new0(WebSettings);

    s->mode = mode_of(cfg);
    s->hsts_max_age = (guint)hermod_config_int(cfg, "web", "hsts_max_age");
    s->redirect_port = (guint16)hermod_config_int(cfg, "web", "redirect_port");
    if (s->redirect_port == 0)
        s->redirect_port = first_https_port(cfg);
    s->hostname = g_ascii_strdown(hermod_config_string(cfg, "core", "hostname"), -1);
    s->acme_dir = hermod_config_path(cfg, "web", "acme_dir");
    s->document_root = hermod_config_path(cfg, "web", "document_root");
    s->referrer_policy = g_strdup(hermod_config_string(cfg, "web", "referrer_policy"));
    s->csp = g_strdup(hermod_config_string(cfg, "web", "content_security_policy"));
    s->max_body = (gsize)hermod_config_int(cfg, "web", "max_body");
    s->max_header = (gsize)hermod_config_int(cfg, "web", "max_header_size");
    s->header_timeout = (guint)hermod_config_int(cfg, "web", "header_timeout");
    s->body_timeout = (guint)hermod_config_int(cfg, "web", "body_timeout");
    s->cookie_samesite = g_strdup(hermod_config_string(cfg, "web", "cookie_samesite"));
    s->session_lifetime = (guint)hermod_config_int(cfg, "web", "session_lifetime");
    s->session_idle = (guint)hermod_config_int(cfg, "web", "session_idle");
    return s;
}

static void
settings_set(WebSettings *s)
{
    WebSettings *old;

    g_mutex_lock(&lock);
    old = settings;
    settings = s;
    g_mutex_unlock(&lock);
    hermod_web_settings_unref(old);
}

/* --- checking a config */

static gboolean
check_listener(HermodConfig *cfg, const char *name, guint *n_https, guint *n_plain, GError **error)
{
    g_autofree char *section = g_strdup_printf("listener %s", name);
    const char *tls = hermod_config_string(cfg, section, "tls");

    if (!hermod_config_bool(cfg, section, "enabled") ||
        g_strcmp0(hermod_config_string(cfg, section, "protocol"), "http") != 0)
        return TRUE;
    if (g_strcmp0(tls, "starttls") == 0) {
        g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_CONFIG,
                    "%s: [%s] tls: HTTP has no STARTTLS; use none (plain HTTP) or implicit "
                    "(HTTPS)",
                    hermod_config_file(cfg), section);
        return FALSE;
    }
    if (g_strcmp0(tls, "implicit") == 0)
        (*n_https)++;
    else
        (*n_plain)++;
    return TRUE;
}

gboolean
hermod_web_check(HermodConfig *cfg, GError **error)
{
    guint n_https = 0, n_plain = 0;
    WebMode mode = mode_of(cfg);

    for (const char *const *n = hermod_config_named(cfg, "listener"); *n != NULL; n++)
        if (!check_listener(cfg, *n, &n_https, &n_plain, error))
            return FALSE;
    if (n_https == 0 && (mode == WEB_MODE_HTTPS || mode == WEB_MODE_REDIRECT) && n_plain > 0) {
        g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_CONFIG,
                    "%s: [web] mode: %s needs a listener with protocol = http and tls = "
                    "implicit",
                    hermod_config_file(cfg), hermod_config_string(cfg, "web", "mode"));
        return FALSE;
    }
    return TRUE;
}

/* --- sockets */

static gboolean
is_served(WebMode mode, gboolean is_https)
{
    switch (mode) {
    case WEB_MODE_HTTP:
        return !is_https;
    case WEB_MODE_HTTPS:
        return is_https;
    default:
        return TRUE;
    }
}

static void
take_sockets(HermodConfig *cfg, WebMode mode)
{
    g_autoptr(GArray) socks = hermod_listeners_take("http");

    for (guint i = 0; i < socks->len; i++) {
        HermodListenSocket *s = &g_array_index(socks, HermodListenSocket, i);
        if (!is_served(mode, s->is_implicit_tls)) {
            close(s->fd);
            hermod_log(HERMOD_LOG_NOTICE, NULL,
                       "not listening: %s http %s ([web] mode = %s serves no %s)", s->listener,
                       s->endpoint, hermod_config_string(cfg, "web", "mode"),
                       s->is_implicit_tls ? "HTTPS" : "plain HTTP");
            continue;
        }
        WebListener *l = g_new0(WebListener, 1);
        l->sock = *s;
        l->is_https = s->is_implicit_tls;
        g_ptr_array_add(web_listeners, l);
    }
}

static void
read_limits(HermodConfig *cfg)
{
    gsize header_max = (gsize)hermod_config_int(cfg, "web", "max_header_size");

    n_threads = (guint)hermod_config_int(cfg, "web", "threads");
    if (n_threads == 0)
        n_threads = MAX(1, g_get_num_processors());
    /* The request line, headers and libmicrohttpd's bookkeeping share one
     * pool per connection (36 KiB by default): libmicrohttpd 0.9.75 reads
     * the header block into half of it (measured: a larger block gets 431
     * however the pool is set), and the rest holds the parsed headers and
     * the response's.  It zeroes the whole pool after every request, and
     * the freed half of the read buffer when the response is built, and
     * with 50 busy connections the pools no longer stay in the cache:
     * the 16K default costs about 1 us less per small HTTPS answer with
     * 4 KiB (36 KiB) than with 16 KiB (48 KiB) beyond twice the header
     * limit, a seventh of it.  4 KiB still holds the parsed headers of a
     * full block of 300 short fields (measured; Apache allows 100). */
    memory_limit = MAX(32 * 1024, 2 * header_max + 4 * 1024);
    max_conns = (guint)hermod_config_int(cfg, "web", "max_connections");
    max_per_ip = (guint)hermod_config_int(cfg, "web", "max_connections_per_ip");
    idle_timeout = (guint)hermod_config_int(cfg, "web", "idle_timeout");
}

gboolean
hermod_web_prepare(HermodConfig *cfg, GError **error)
{
    WebSettings *s;

    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");

    if (!hermod_web_check(cfg, error) || !hermod_web_sessions_open(data_dir, error))
        return FALSE;
    s = settings_from(cfg);
    if (web_listeners == NULL)
        web_listeners = g_ptr_array_new_with_free_func(g_free);
    read_limits(cfg);
    take_sockets(cfg, s->mode);
    settings_set(s);
    return TRUE;
}

gboolean
hermod_web_reload(HermodConfig *cfg, GError **error)
{
    WebSettings *s;
    WebSettings *old = hermod_web_settings_get();

    if (!hermod_web_check(cfg, error))
        return FALSE;
    s = settings_from(cfg);
    if (old != NULL && s->mode != old->mode)
        hermod_log(HERMOD_LOG_WARNING, NULL, "reload: [web] mode changes on restart");
    if (old != NULL)
        s->mode = old->mode;
    hermod_web_settings_unref(old);
    settings_set(s);
    return TRUE;
}

const WebListener *
hermod_web_first_https(void)
{
    for (guint i = 0; web_listeners != NULL && i < web_listeners->len; i++) {
        WebListener *l = web_listeners->pdata[i];
        if (l->is_https)
            return l;
    }
    return NULL;
}

/* --- daemons */

static void
mhd_log(void *cls, const char *fmt, va_list ap)
{
    g_autofree char *text = g_strdup_vprintf(fmt, ap);

    g_strchomp(text);
    hermod_log(HERMOD_LOG_INFO, NULL, "http: %s", text);
}

static void
mhd_panic(void *cls, const char *file, unsigned int line, const char *reason)
{
    hermod_log(HERMOD_LOG_ERROR, NULL, "libmicrohttpd: %s:%u: %s", file, line,
               reason != NULL ? reason : "panic");
    abort();
}

static struct MHD_Daemon *
daemon_start(WebListener *l, const char *priority)
{
    unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL |
                         MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG | MHD_USE_TURBO |
                         MHD_USE_NO_LISTEN_SOCKET | MHD_USE_ITC;
    struct MHD_OptionItem tls_opts[] = {
        {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)hermod_tls_retrieve_cert},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)priority},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem none[] = {{MHD_OPTION_END, 0, NULL}};

    if (l->is_https)
        flags |= MHD_USE_TLS;
    return MHD_start_daemon(
        flags, 0, NULL, NULL, hermod_web_access, l, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, l,
        MHD_OPTION_THREAD_POOL_SIZE, n_threads > 1 ? n_threads : 0,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, memory_limit, MHD_OPTION_CONNECTION_LIMIT, max_conns,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, max_per_ip, MHD_OPTION_CONNECTION_TIMEOUT, idle_timeout,
        MHD_OPTION_URI_LOG_CALLBACK, hermod_web_uri_log, l, MHD_OPTION_NOTIFY_COMPLETED,
        hermod_web_completed, l, MHD_OPTION_NOTIFY_CONNECTION, hermod_web_conn_notify, l,
        MHD_OPTION_SIGPIPE_HANDLED_BY_APP, 1, MHD_OPTION_STRICT_FOR_CLIENT, 1, MHD_OPTION_ARRAY,
        l->is_https ? tls_opts : none, MHD_OPTION_END);
}

gboolean
hermod_web_start(GError **error)
{
    g_autoptr(HermodTlsStore) store = hermod_tls_store_get_current();
    const char *priority = store != NULL ? hermod_tls_store_priority(store) : NULL;

    if (web_listeners == NULL || web_listeners->len == 0)
        return TRUE;
    MHD_set_panic_func(mhd_panic, NULL);
    hermod_web_mounts_freeze();
    hermod_web_guard_start();
    hermod_web_tlsio_start();
    for (guint i = 0; i < web_listeners->len; i++) {
        WebListener *l = web_listeners->pdata[i];
        if (l->is_https && store == NULL) {
            g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_START,
                        "listener %s: no TLS certificate store", l->sock.listener);
            return FALSE;
        }
        l->mhd = daemon_start(l, priority != NULL ? priority : HERMOD_TLS_DEFAULT_PRIORITY);
        if (l->mhd == NULL) {
            g_set_error(error, HERMOD_WEB_ERROR, HERMOD_WEB_ERROR_START,
                        "listener %s: libmicrohttpd did not start on %s", l->sock.listener,
                        l->sock.endpoint);
            return FALSE;
        }
        hermod_web_acceptor_start(l);
        hermod_log(HERMOD_LOG_NOTICE, NULL, "listening: %s http %s%s", l->sock.listener,
                   l->sock.endpoint, l->is_https ? " (implicit TLS)" : "");
    }
    is_started = TRUE;
    return TRUE;
}

void
hermod_web_stop(void)
{
    hermod_web_acceptors_stop(web_listeners);
    /* libmicrohttpd must not stop with a connection suspended. */
    hermod_web_sse_close_all();
    hermod_web_tlsio_stop();
    hermod_web_jobs_wait(10000);
    for (guint i = 0; web_listeners != NULL && i < web_listeners->len; i++) {
        WebListener *l = web_listeners->pdata[i];
        if (l->mhd != NULL) {
            MHD_stop_daemon(l->mhd);
            l->mhd = NULL;
        }
        if (l->sock.fd >= 0)
            close(l->sock.fd);
        l->sock.fd = -1;
    }
    hermod_web_guard_stop();
    hermod_web_sessions_close();
    g_clear_pointer(&web_listeners, g_ptr_array_unref);
    hermod_web_mounts_clear();
    settings_set(NULL);
    is_started = FALSE;
}
