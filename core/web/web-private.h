/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-private.h - the objects core/web/ shares between its files: the
 * settings in force, one listening socket and its libmicrohttpd daemon,
 * one client connection, one request, one mount.  Nothing outside
 * core/web/ includes it; the rest of the core sees web.h.
 *
 * Threads: web threads are libmicrohttpd's own (its internal epoll thread
 * pool, one pool per listening socket).  A request's callbacks, its
 * handler and the completion of its work-pool jobs all run on the web
 * thread that owns its connection; the pool thread that ends a job only
 * resumes the connection (MHD_resume_connection is thread-safe).
 */
#ifndef HERMOD_CORE_WEB_PRIVATE_H
#define HERMOD_CORE_WEB_PRIVATE_H

#include <sys/stat.h>

#include <microhttpd.h>
#include <hermod/web.h>

#include "web/web.h"

G_BEGIN_DECLS

typedef enum {
    WEB_MODE_HTTP,     /* plain HTTP only */
    WEB_MODE_BOTH,     /* both serve the same */
    WEB_MODE_HTTPS,    /* HTTPS only */
    WEB_MODE_REDIRECT, /* plain HTTP redirects to HTTPS (but ACME) */
} WebMode;

/* The [web] values the request path reads; replaced whole on SIGHUP
 * (web.c keeps the old ones, a request may still hold them). */
typedef struct {
    WebMode mode;
    guint hsts_max_age;     /* seconds; 0: no header */
    guint16 redirect_port;  /* port written in Location; 443: omitted */
    char *hostname;         /* [core] hostname, for a missing Host */
    char *acme_dir;         /* absolute */
    char *document_root;    /* absolute, or NULL */
    char *referrer_policy;  /* Referrer-Policy of every response */
    char *csp;              /* default Content-Security-Policy */
    gsize max_body;         /* default per mount */
    gsize max_header;       /* request target and headers together */
    guint header_timeout;   /* seconds for the request line and headers */
    guint body_timeout;     /* seconds for the whole body */
    char *cookie_samesite;  /* "Lax" or "Strict" */
    guint session_lifetime; /* seconds */
    guint session_idle;     /* seconds */
} WebSettings;

/* One listening socket and the libmicrohttpd daemon serving it. */
typedef struct {
    HermodListenSocket sock;
    gboolean is_https;
    struct MHD_Daemon *mhd;
    GThread *acceptor; /* web-accept.c */
} WebListener;

/* What web-conn.c tracks for each client connection (the daemon's
 * socket context): its log session, peer and the deadlines that drop a
 * client dripping its headers or body. */
typedef struct WebConn WebConn;

/* A mount: a path prefix and what answers below it.  Immutable once the
 * server starts. */
typedef struct WebMount WebMount;
typedef void (*WebBuiltinFunc)(HermodHttpRequest *req, const WebMount *mount);
struct WebMount {
    char *prefix; /* "/metrics", "/static/" */
    gsize prefix_len;
    gsize max_body; /* 0: [web] max_body */
    char *csp;      /* NULL: [web]'s default */
    char *module;   /* who mounted it (log) */
    HermodWebMount spec;
    WebBuiltinFunc builtin; /* core mounts: static folders, ACME */
    char *dir;              /* builtin static: the folder served */
};

typedef enum {
    REQ_NEW,       /* headers in, not yet routed */
    REQ_BODY,      /* reading the body */
    REQ_HANDLING,  /* the handler runs or owns the request */
    REQ_SUSPENDED, /* a work-pool job runs; the connection is suspended */
    REQ_ANSWERED,  /* a response is queued */
} ReqState;

typedef struct WebJob WebJob;

struct HermodHttpRequest {
    WebConn *conn;
    struct MHD_Connection *mhd;
    const WebListener *listener;
    WebSettings *settings; /* a ref'd snapshot */
    const WebMount *mount;
    ReqState state;
    gint64 started; /* monotonic microseconds */
    char *raw_uri;  /* the request target as received */
    char *path;     /* percent-decoded, without the query */
    char *query;    /* raw, after '?', or NULL */
    const char *method;
    char *host;         /* Host without port, lower case, or NULL */
    GByteArray *body;   /* buffered body (mounts without on_body) */
    gsize body_len;     /* bytes received so far */
    gsize body_dropped; /* bytes read and dropped past body_max */
    gsize body_max;
    gboolean has_body;     /* Content-Length > 0 or chunked */
    gboolean is_body_done; /* the whole body was read */
    gboolean is_body_too_big;
    guint status;
    guint64 bytes;           /* response body bytes, for the log */
    gboolean is_memory_body; /* the response's body is a buffer of bytes */
    WebJob *job_done;        /* a finished job whose done runs next */
    gpointer data;           /* the module's */
    GDestroyNotify data_free;
    GPtrArray *headers; /* extra response headers: name, value, name, ... */
    char *account;      /* who authenticated (log), or NULL */
    char *csrf;         /* this request's session CSRF token, or NULL */
};

/* --- web.c */
WebSettings *hermod_web_settings_get(void); /* transfer full (a ref) */
void hermod_web_settings_unref(WebSettings *settings);
WebSettings *hermod_web_settings_ref(WebSettings *settings); /* transfer full */
/* The daemon options every listener shares (connection memory, limits). */
const WebListener *hermod_web_first_https(void);

/* --- web-conn.c: connections and their deadlines */
void hermod_web_conn_notify(void *cls, struct MHD_Connection *connection, void **socket_context,
                            enum MHD_ConnectionNotificationCode toe);
WebConn *hermod_web_conn_of(struct MHD_Connection *connection);
const char *hermod_web_conn_session(WebConn *conn);
const char *hermod_web_conn_peer(WebConn *conn);
/* The request's headers are complete: the header deadline ends, the body
 * deadline (if there is a body) starts. */
void hermod_web_conn_headers_done(WebConn *conn, gboolean has_body);
/* The body is complete (or there was none). */
void hermod_web_conn_body_done(WebConn *conn);
/* The request ended (at now, monotonic): the next one's header deadline
 * starts, [web] header_timeout of s (NULL: the current settings). */
void hermod_web_conn_request_done(WebConn *conn, const WebSettings *s, gint64 now);
/* Start and stop the thread that enforces the deadlines. */
void hermod_web_guard_start(void);
void hermod_web_guard_stop(void);
/* The response about to be queued has its body in memory, not empty:
 * its header may wait for the body (web-tlsio.c). */
void hermod_web_conn_hold_header(WebConn *conn);

/* --- web-accept.c: accepting, and dealing connections out to workers */
void hermod_web_acceptor_start(WebListener *l);
/* Stop and join every listener's acceptor. */
void hermod_web_acceptors_stop(GPtrArray *listeners);

/* --- web-tlsio.c: the transport under an HTTPS connection's GnuTLS */
typedef struct WebTlsIo WebTlsIo;
/* Take over the transport of connection's TLS session; NULL on plain
 * HTTP.  (transfer full) */
WebTlsIo *hermod_web_tlsio_attach(struct MHD_Connection *connection, int fd);
void hermod_web_tlsio_free(WebTlsIo *io);
void hermod_web_tlsio_hold_next(WebTlsIo *io);
/* The thread that waits for parked handshakes; stop resumes them all. */
void hermod_web_tlsio_start(void);
void hermod_web_tlsio_stop(void);

/* --- web-request.c: the libmicrohttpd callbacks */
void *hermod_web_uri_log(void *cls, const char *uri, struct MHD_Connection *connection);
enum MHD_Result hermod_web_access(void *cls, struct MHD_Connection *connection, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls);
void hermod_web_completed(void *cls, struct MHD_Connection *connection, void **req_cls,
                          enum MHD_RequestTerminationCode toe);
/* Split and decode a request target: *out_path is the percent-decoded
 * path, *out_query the raw query or NULL.  FALSE for a target that is not
 * origin-form, has a bad escape, or decodes to NUL.  (transfer full)
 * Any thread; pure (the fuzz target drives it). */
gboolean hermod_web_split_target(const char *target, char **out_path, char **out_query);
/* An absolute-form target ("http://" or "https://", an authority without
 * userinfo, then the rest): its authority and the origin form of the rest
 * ("/" when the path is empty), both (transfer full); FALSE for anything
 * else, with both NULL. */
gboolean hermod_web_absolute_target(const char *target, char **out_authority, char **out_origin);
/* Is the request smuggling-shaped?  Counts of the request's headers. */
typedef struct {
    guint content_length;
    guint transfer_encoding;
    guint host;
    gboolean is_chunked_only; /* Transfer-Encoding is exactly "chunked" */
    gboolean is_bad_length;   /* Content-Length is not digits */
    gsize bytes;              /* names and values, roughly as sent */
} WebHeaderCounts;
void hermod_web_count_header(WebHeaderCounts *c, const char *key, const char *value);
/* NULL when the request may go on, else the reason for a 400. */
const char *hermod_web_check_counts(const WebHeaderCounts *c, gboolean is_http11);
/* The host of a Host header value, lower case, without the port; NULL if
 * it is not a host name or an IP literal.  (transfer full) */
char *hermod_web_host_of(const char *value);

/* --- web-response.c */
/* Queue r with status and the headers every response gets; takes r. */
void hermod_web_reply(HermodHttpRequest *req, guint status, struct MHD_Response *r);
/* The two halves of hermod_web_reply: add the headers every response
 * gets (for req's mount, settings, listener), and queue r as it is (r
 * stays the caller's). */
void hermod_web_add_common(HermodHttpRequest *req, struct MHD_Response *r);
void hermod_web_queue(HermodHttpRequest *req, guint status, struct MHD_Response *r);
/* A short text/plain answer (errors, redirects). */
void hermod_web_reply_text(HermodHttpRequest *req, guint status, const char *text);
/* 400 and close the connection. */
void hermod_web_reply_close(HermodHttpRequest *req, guint status, const char *text);
/* The redirect of plain HTTP in redirect mode. */
void hermod_web_reply_redirect(HermodHttpRequest *req);

/* --- web-reuse.c */
/* Answer with body (not NULL) and content_type (nullable), reusing the
 * response object of this thread's last such answer when everything that
 * went into it is the same. */
void hermod_web_reply_bytes(HermodHttpRequest *req, guint status, const char *content_type,
                            GBytes *body);

/* --- web-mount.c */
/* The mount answering path, or NULL.  transfer none */
const WebMount *hermod_web_mount_find(const char *path);
void hermod_web_mounts_freeze(void);
void hermod_web_mounts_clear(void);
gboolean hermod_web_mount_builtin(const char *prefix, WebBuiltinFunc fn, const char *dir,
                                  GError **error);
/* Run the mount's handler for req (state HANDLING). */
void hermod_web_mount_call(HermodHttpRequest *req);
/* A finished job's done for req. */
void hermod_web_mount_job_done(HermodHttpRequest *req);
void hermod_web_job_free(WebJob *job);
void hermod_web_job_drop(WebJob *job);
/* hermod_web_work_run with drop(data) called, instead of done, when the
 * connection closes before done could run (the core's own jobs). */
void hermod_web_work_run_full(HermodHttpRequest *req, void (*work)(gpointer),
                              HermodWebDoneFunc done, GDestroyNotify drop, gpointer data);
/* Wait up to ms for every work-pool job of a request to finish (stop). */
void hermod_web_jobs_wait(guint ms);

/* --- web-sse.c */
/* End every event stream (their connections resume and finish). */
void hermod_web_sse_close_all(void);
/* Heartbeat on idle streams (the guard thread, twice a second). */
void hermod_web_sse_tick(void);

/* --- web-static.c */
/* Serve path (decoded, below the mount) from dir: the builtin of static
 * mounts. */
void hermod_web_static_serve(HermodHttpRequest *req, const WebMount *mount);
/* The plugin API's respond_file with status 200: fd (open on path, st
 * its fstat; taken) answered like a static file of type: ETag and
 * Last-Modified with 304, gzip for text types when asked. */
void hermod_web_static_answer_file(HermodHttpRequest *req, const char *path, int fd,
                                   const struct stat *st, const char *type);
/* /.well-known/acme-challenge/TOKEN from [web] acme_dir. */
void hermod_web_acme_serve(HermodHttpRequest *req, const WebMount *mount);
/* The MIME type of a file name (transfer none). */
const char *hermod_web_mime_type(const char *name);
/* Resolve rel (decoded, '/'-separated) inside root without leaving it:
 * no "..", no symlink, no NUL, no hidden (".x") component.  Returns an
 * open O_RDONLY fd of a regular file (its fstat in *out_st, nullable) or
 * -1 with *out_status 404.  Any thread. */
struct stat;
int hermod_web_open_below(const char *root, const char *rel, guint *out_status,
                          struct stat *out_st);

/* --- metrics */
void hermod_web_count_status(guint status);

#define HERMOD_WEB_ACME_PREFIX "/.well-known/acme-challenge/"

G_END_DECLS

#endif
