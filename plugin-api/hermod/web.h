/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/web.h - the web server's table: mounts, requests, responses,
 * server-sent events, HTTP Basic, web sessions, and what autoconfig and
 * metrics describe.
 *
 * The core runs the HTTP and HTTPS listeners (libmicrohttpd; modules never
 * include it).  A module mounts a handler on a path prefix during init;
 * each request below that prefix reaches on_request once its headers and
 * body are in.  The handler answers with one respond_* member, or hands
 * slow work to the pool with work_run (the connection waits, suspended,
 * and done answers), or keeps the request open as an event stream.
 *
 * Threads: on_request, on_body and every HermodWebDoneFunc run on the web
 * thread that owns the request's connection, one at a time per request,
 * and must not block: no SQLite, no store reads, no password hashing, no
 * DNS.  Members taking a HermodHttpRequest are called from those
 * callbacks unless marked "any thread".  A request is valid from
 * on_request until its response is queued and the callback that queued it
 * returns.
 *
 * The table is append-only like HermodApi; check HERMOD_WEB_API_HAS.
 */
#ifndef HERMOD_WEB_H
#define HERMOD_WEB_H

#include <glib.h>
#include <hermod/module.h>

G_BEGIN_DECLS

typedef struct HermodHttpRequest HermodHttpRequest; /* opaque: one request */
typedef struct HermodSse HermodSse;                 /* opaque: an event stream */

/* Result of an HTTP Basic or session check. */
typedef enum {
    HERMOD_WEB_AUTH_OK = 0,
    HERMOD_WEB_AUTH_NONE,     /* no credentials or no session cookie */
    HERMOD_WEB_AUTH_FAILED,   /* wrong password, unknown/expired/revoked session */
    HERMOD_WEB_AUTH_BLOCKED,  /* the client is blocked (dynamic screening) */
    HERMOD_WEB_AUTH_CSRF,     /* state-changing request without the session's CSRF token */
    HERMOD_WEB_AUTH_TEMPFAIL, /* the directory or session store could not be read */
} HermodWebAuthResult;

/* A mount: every request whose decoded path is prefix, or starts with
 * prefix followed by '/' (or prefix ends in '/'), goes to on_request.
 * The longest matching prefix wins. */
typedef struct {
    guint32 struct_size; /* sizeof (HermodWebMount) at build time */
    const char *prefix;  /* "/metrics", "/.well-known/autoconfig/"; copied */
    /* Largest request body; a larger one gets 413 without reaching the
     * module.  0: [web] max_body. */
    gsize max_body;
    /* Content-Security-Policy of this mount's responses; NULL: the core's
     * default ("default-src 'none'; frame-ancestors 'none'").  Copied. */
    const char *content_security_policy;
    /* Headers and body are in (body: see req_body).  Required. */
    void (*on_request)(HermodHttpRequest *req, gpointer data);
    /* Nullable.  When set, the body is not buffered: each piece arrives
     * here as it is received (transfer none), then on_request runs. */
    void (*on_body)(HermodHttpRequest *req, const guint8 *chunk, gsize len, gpointer data);
    gpointer data;
} HermodWebMount;

/* Fills buf with at most max bytes of a streamed response; returns the
 * count, 0 at the end.  Web thread; must not block. */
typedef gsize (*HermodWebReadFunc)(gpointer data, guint8 *buf, gsize max);
/* After work_run's work, back on the request's web thread. */
typedef void (*HermodWebDoneFunc)(HermodHttpRequest *req, gpointer data);
/* Completion of auth_basic and the session calls, on the web thread.
 * account: the canonical account on HERMOD_WEB_AUTH_OK, else NULL
 * (transfer none). */
typedef void (*HermodWebAuthFunc)(HermodHttpRequest *req, HermodWebAuthResult result,
                                  const char *account, gpointer data);

/* One listener of the server, as autoconfig describes it. */
typedef struct {
    char *name;     /* [listener NAME] */
    char *protocol; /* smtp, imap, pop3, http */
    char *role;     /* mx, submission, smtps, ... */
    char *tls;      /* none, starttls, implicit */
    guint16 port;
} HermodListenerInfo;

/* ABI 1.10: one web session of an account (sessions_list). */
typedef struct {
    char *id;   /* 16 hex digits, as "hermodctl session list" shows */
    char *peer; /* the address it logged in from; nullable */
    gint64 created;
    gint64 last_used; /* Unix times */
} HermodWebSessionInfo;

typedef struct {
    guint32 struct_size; /* sizeof (HermodWebApi) in the running core */

    /* --- mounts (init only) --- */
    gboolean (*mount)(HermodModule *self, const HermodWebMount *mount, GError **error);
    /* Serve the files below dir at prefix: MIME types, ETag and
     * Last-Modified with 304, gzip when asked, no listings, nothing
     * outside dir.  csp as in HermodWebMount. */
    gboolean (*mount_static)(HermodModule *self, const char *prefix, const char *dir,
                             const char *csp, GError **error);

    /* --- the request (transfer none; valid as long as req) --- */
    const char *(*req_method)(HermodHttpRequest *req);
    const char *(*req_path)(HermodHttpRequest *req);  /* percent-decoded, no query */
    const char *(*req_query)(HermodHttpRequest *req); /* raw query, or NULL */
    /* One query argument, decoded, or NULL. */
    const char *(*req_query_arg)(HermodHttpRequest *req, const char *name);
    const char *(*req_header)(HermodHttpRequest *req, const char *name); /* nullable */
    const char *(*req_cookie)(HermodHttpRequest *req, const char *name); /* nullable */
    const char *(*req_peer)(HermodHttpRequest *req);                     /* "127.0.0.1", "::1" */
    gboolean (*req_is_tls)(HermodHttpRequest *req);
    /* The Host the client asked for, lower case, no port; else [core]
     * hostname. */
    const char *(*req_host)(HermodHttpRequest *req);
    /* The buffered body (mounts without on_body); *out_len its length. */
    const guint8 *(*req_body)(HermodHttpRequest *req, gsize *out_len);
    const char *(*req_session)(HermodHttpRequest *req); /* log session id; any thread */
    /* The module's state for this request; free (nullable) runs when the
     * request ends. */
    void (*req_set_data)(HermodHttpRequest *req, gpointer data, GDestroyNotify free);
    gpointer (*req_get_data)(HermodHttpRequest *req);

    /* --- the response: exactly one respond_* per request --- */
    /* Add a response header (before respond_*).  Copied. */
    void (*resp_header)(HermodHttpRequest *req, const char *name, const char *value);
    /* body nullable (no body); the core takes a ref. */
    void (*respond)(HermodHttpRequest *req, guint status, const char *content_type, GBytes *body);
    /* A file's contents; FALSE (nothing sent) if path cannot be opened.
     * With status 200 it is answered like mount_static's files: ETag and
     * Last-Modified with 304, gzip for text types when asked. */
    gboolean (*respond_file)(HermodHttpRequest *req, guint status, const char *content_type,
                             const char *path);
    /* A body of unknown length, pulled by read (chunked); free (nullable)
     * frees data afterwards. */
    void (*respond_stream)(HermodHttpRequest *req, guint status, const char *content_type,
                           HermodWebReadFunc read, gpointer data, GDestroyNotify free);
    /* A text/event-stream kept open for sse_send.  (transfer full) */
    HermodSse *(*respond_sse)(HermodHttpRequest *req);

    /* --- event streams (any thread) --- */
    /* One event; event nullable.  FALSE once the stream is closed (the
     * client went away or the server stops). */
    gboolean (*sse_send)(HermodSse *sse, const char *event, const char *data);
    /* End the stream and drop the caller's reference. */
    void (*sse_close)(HermodSse *sse);
    gboolean (*sse_is_open)(HermodSse *sse);

    /* --- work pool --- */
    /* Suspend the request, run work(data) on the pool, then done(req,
     * data) on the web thread, which answers or runs another job. */
    void (*work_run)(HermodHttpRequest *req, void (*work)(gpointer data), HermodWebDoneFunc done,
                     gpointer data);

    /* --- authentication --- */
    /* HTTP Basic against the directory, off the web thread; failures count
     * for dynamic screening like every protocol's.  protocol names the
     * caller in the auth-failure log.  No Authorization header:
     * HERMOD_WEB_AUTH_NONE, nothing counted. */
    void (*auth_basic)(HermodHttpRequest *req, const char *protocol, HermodWebAuthFunc done,
                       gpointer data);
    /* Web sessions (server-side, shared by every web module).  login: a
     * new session for account (a new id even if one existed), its
     * __Host- cookie set on this response; the CSRF token is
     * session_csrf's.  check: the cookie's session, and for anything but
     * GET/HEAD/OPTIONS its CSRF token in the X-CSRF-Token header.
     * logout: the session is deleted server-side and the cookie cleared. */
    void (*session_login)(HermodHttpRequest *req, const char *account, HermodWebAuthFunc done,
                          gpointer data);
    void (*session_check)(HermodHttpRequest *req, HermodWebAuthFunc done, gpointer data);
    void (*session_logout)(HermodHttpRequest *req, HermodWebAuthFunc done, gpointer data);
    /* The CSRF token of the session login or check found, else NULL. */
    const char *(*session_csrf)(HermodHttpRequest *req);

    /* --- what the server is (any thread) --- */
    /* Every enabled listener.  (transfer full) element HermodListenerInfo,
     * freed with the array. */
    GPtrArray *(*listeners)(void);
    /* The local domains.  Blocking (SQLite): call from a work function.
     * A directory failure gives an empty list (the core logs it).
     * (transfer full) element char *. */
    GPtrArray *(*local_domains)(void);
    /* The core's counters and histograms in the Prometheus text format,
     * appended to out. */
    void (*metrics_write)(GString *out);
    /* Is ip inside one of networks (CIDRs, "127.0.0.0/8")?  A bad CIDR
     * matches nothing. */
    gboolean (*addr_in_networks)(const char *ip, const char *const *networks);

    /* --- ABI 1.10: what a user manages of their own account (webmail
     * settings).  All but session_id are blocking (SQLite, password
     * hashing): call them from a work function. --- */
    /* The public id of the request's session cookie, or NULL without
     * one (valid or not: check the session first).  (transfer full) */
    char *(*session_id)(HermodHttpRequest *req);
    /* The account's sessions, most recently used first; element
     * HermodWebSessionInfo* (transfer full, freed with the array), or
     * NULL with error. */
    GPtrArray *(*sessions_list)(const char *account, GError **error);
    /* End the account's session id: 1, or 0 when it has none such; -1
     * with error when the store failed.  Another account's id is 0. */
    int (*session_end)(const char *account, const char *id, GError **error);
    /* A small value a web module keeps per account (key: "MODULE.NAME"),
     * in the session store.  Found: TRUE with *out_value (transfer full);
     * not found: TRUE with NULL; failed: FALSE with error. */
    gboolean (*account_value_get)(const char *account, const char *key, char **out_value,
                                  GError **error);
    /* Set (value NULL: delete) such a value. */
    gboolean (*account_value_set)(const char *account, const char *key, const char *value,
                                  GError **error);
    /* Change account's password: old_password is checked like a login
     * from peer (a failure counts for dynamic screening), then the
     * directory stores new_password's hash.  OK, FAILED (wrong old
     * password), BLOCKED, or TEMPFAIL with error. */
    HermodWebAuthResult (*password_change)(const char *account, const char *old_password,
                                           const char *new_password, const char *peer,
                                           GError **error);
} HermodWebApi;

/* Does the running core's web table have member? */
#define HERMOD_WEB_API_HAS(web, member)                                                            \
    ((web)->struct_size >= G_STRUCT_OFFSET(HermodWebApi, member) + sizeof((web)->member))

G_END_DECLS

#endif
