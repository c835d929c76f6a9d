/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * handler.c - the autoconfig requests: which document, for which
 * address and domain, and whether the domain is ours.
 *
 * The domain comes from the emailaddress query argument (Thunderbird,
 * Apple), the EMailAddress element of the POST body (Outlook), or the
 * Host the client asked for with "autoconfig." or "autodiscover."
 * stripped (Thunderbird's well-known path).  Whether it is local is a
 * directory read (SQLite), so it runs on the work pool with the request
 * suspended; the document is built in the job's done.  What that read
 * found, with the listeners and the settings the documents name (a
 * Snapshot), is kept for SNAPSHOT_TTL: a request within that time is
 * answered at once on its web thread, without the round trip through the
 * pool (suspend, two thread wake-ups, resume: about two thirds of the CPU
 * of an autoconfig request under load).  A domain added or removed, or a
 * reloaded setting, shows here within SNAPSHOT_TTL.  Thunderbird's
 * document names no address, so the snapshot also keeps it, made once per
 * domain and sent as it is to every later request (building it was a
 * tenth of the CPU of an answer); the others carry the address.
 */
#include "autoconfig.h"

#include <string.h>

#include "autoconf.h"

typedef enum { DOC_THUNDERBIRD, DOC_OUTLOOK, DOC_APPLE } DocKind;

/* What the documents are made of besides the address.  Shared, read
 * only once made (g_atomic_rc_box). */
typedef struct {
    GHashTable *domains;  /* the local domains, lower case */
    GPtrArray *listeners; /* HermodListenerInfo *: what servers points into */
    GArray *servers;      /* AcServer */
    char *host;
    char *name;       /* the provider's name; "" for the domain */
    guint16 dav_port; /* the HTTPS port DAV is advertised on; 0: not advertised */
    gint64 read_at;
    GMutex lock;           /* for documents, the only part that changes */
    GHashTable *documents; /* domain -> GBytes: Thunderbird's document, made once */
} Snapshot;

typedef struct {
    DocKind kind;
    char *address; /* nullable */
    char *domain;  /* lower case */
    Snapshot *snap;
} Job;

static void
snapshot_clear(gpointer data)
{
    Snapshot *snap = data;

    g_hash_table_unref(snap->domains);
    g_hash_table_unref(snap->documents);
    g_mutex_clear(&snap->lock);
    g_array_unref(snap->servers);
    g_ptr_array_unref(snap->listeners);
    g_free(snap->host);
    g_free(snap->name);
}

static void
snapshot_release(Snapshot *snap)
{
    if (snap != NULL)
        g_atomic_rc_box_release_full(snap, snapshot_clear);
}

static void
job_free(gpointer data)
{
    Job *job = data;

    g_free(job->address);
    g_free(job->domain);
    snapshot_release(job->snap);
    g_free(job);
}

static void
answer_bytes(HermodHttpRequest *req, guint status, const char *type, GBytes *body)
{
    ac_api->web->resp_header(req, "Cache-Control", "no-store");
    ac_api->web->respond(req, status, type, body);
}

static void
answer(HermodHttpRequest *req, guint status, const char *type, char *text)
{
    g_autoptr(GBytes) body = g_bytes_new_take(text, strlen(text));

    answer_bytes(req, status, type, body);
}

static void
not_found(HermodHttpRequest *req)
{
    answer(req, 404, "text/plain; charset=utf-8", g_strdup("Not Found\n"));
}

/* The EMailAddress of an Autodiscover request body.  (transfer full) */
static char *
outlook_address(HermodHttpRequest *req)
{
    gsize len = 0;
    const guint8 *body = ac_api->web->req_body(req, &len);
    g_autofree char *text = g_strndup((const char *)body, len);
    g_autoptr(GRegex) re =
        g_regex_new("<EMailAddress>\\s*([^<\\s]+)\\s*</EMailAddress>", G_REGEX_CASELESS, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;

    if (re == NULL || !g_regex_match(re, text, 0, &m))
        return NULL;
    return g_match_info_fetch(m, 1);
}

static char *
domain_of(const char *address, const char *host)
{
    const char *at = address != NULL ? strrchr(address, '@') : NULL;

    if (address != NULL)
        return at != NULL && at[1] != '\0' && at != address ? g_ascii_strdown(at + 1, -1) : NULL;
    if (g_str_has_prefix(host, "autoconfig."))
        return g_strdup(host + strlen("autoconfig."));
    if (g_str_has_prefix(host, "autodiscover."))
        return g_strdup(host + strlen("autodiscover."));
    return g_strdup(host);
}

#define SNAPSHOT_TTL (5 * G_USEC_PER_SEC)

static GMutex snapshot_lock;
static Snapshot *current; /* the last one made; snapshot_lock */

/* The snapshot made less than SNAPSHOT_TTL ago, or NULL.  (transfer full) */
static Snapshot *
fresh_snapshot(void)
{
    Snapshot *snap = NULL;

    g_mutex_lock(&snapshot_lock);
    if (current != NULL && g_get_monotonic_time() - current->read_at < SNAPSHOT_TTL)
        snap = g_atomic_rc_box_acquire(current);
    g_mutex_unlock(&snapshot_lock);
    return snap;
}

/* Work pool: read the directory's domains, the listeners and the
 * settings into a new snapshot for job, and keep it for the next
 * requests. */
static void
check_domain(gpointer data)
{
    Job *job = data;
    g_autoptr(GPtrArray) domains = ac_api->web->local_domains();
    const char *host = ac_api->setting_string(ac_module, "hostname");
    const char *name = ac_api->setting_string(ac_module, "display_name");
    Snapshot *snap = g_atomic_rc_box_new0(Snapshot);

    snap->domains = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    snap->documents =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
    g_mutex_init(&snap->lock);
    for (guint i = 0; i < domains->len; i++)
        g_hash_table_add(snap->domains, g_ascii_strdown(domains->pdata[i], -1));
    snap->listeners = ac_api->web->listeners();
    snap->servers = ac_servers(snap->listeners);
    snap->dav_port = ac_api->setting_int(ac_module, "dav") ? ac_dav_port(snap->listeners) : 0;
    snap->host = g_strdup(host != NULL && *host != '\0' ? host : ac_api->hostname());
    snap->name = g_strdup(name != NULL ? name : "");
    snap->read_at = g_get_monotonic_time();
    job->snap = g_atomic_rc_box_acquire(snap);
    g_mutex_lock(&snapshot_lock);
    snapshot_release(current);
    current = snap;
    g_mutex_unlock(&snapshot_lock);
}

void
ac_handler_shutdown(void)
{
    g_mutex_lock(&snapshot_lock);
    g_clear_pointer(&current, snapshot_release);
    g_mutex_unlock(&snapshot_lock);
}

/* Thunderbird's document for a local domain of snap, made at the first
 * request.  (transfer full) */
static GBytes *
thunderbird_document(Snapshot *snap, const char *domain)
{
    const char *name = *snap->name != '\0' ? snap->name : domain;
    GBytes *doc;

    g_mutex_lock(&snap->lock);
    doc = g_hash_table_lookup(snap->documents, domain);
    if (doc == NULL) {
        char *text = ac_thunderbird(domain, snap->host, name, snap->servers, snap->dav_port);
        doc = g_bytes_new_take(text, strlen(text));
        g_hash_table_insert(snap->documents, g_strdup(domain), doc);
    }
    g_bytes_ref(doc);
    g_mutex_unlock(&snap->lock);
    return doc;
}

static void
send_document(HermodHttpRequest *req, gpointer data)
{
    Job *job = data;
    Snapshot *snap = job->snap;

    if (!g_hash_table_contains(snap->domains, job->domain)) {
        not_found(req);
        return;
    }
    if (job->kind == DOC_THUNDERBIRD) {
        g_autoptr(GBytes) doc = thunderbird_document(snap, job->domain);
        answer_bytes(req, 200, "application/xml; charset=utf-8", doc);
    } else if (job->kind == DOC_OUTLOOK)
        answer(req, 200, "application/xml; charset=utf-8",
               ac_outlook(job->address, snap->host, snap->servers));
    else
        answer(req, 200, "application/x-apple-aspen-config",
               ac_apple(job->address, job->domain, snap->host, snap->servers, snap->dav_port));
}

static gboolean
kind_of(HermodHttpRequest *req, DocKind *out)
{
    const char *path = ac_api->web->req_path(req);
    const char *method = ac_api->web->req_method(req);
    gboolean is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;

    if (g_ascii_strcasecmp(path, AC_OUTLOOK) == 0) {
        *out = DOC_OUTLOOK;
        return strcmp(method, "POST") == 0;
    }
    *out = strcmp(path, AC_APPLE) == 0 ? DOC_APPLE : DOC_THUNDERBIRD;
    return is_get;
}

void
ac_on_request(HermodHttpRequest *req, gpointer data)
{
    const HermodWebApi *web = ac_api->web;
    Job *job = g_new0(Job, 1);

    if (!kind_of(req, &job->kind)) {
        job_free(job);
        web->resp_header(req, "Allow",
                         g_ascii_strcasecmp(web->req_path(req), AC_OUTLOOK) == 0 ? "POST"
                                                                                 : "GET, HEAD");
        answer(req, 405, "text/plain; charset=utf-8", g_strdup("Method Not Allowed\n"));
        return;
    }
    job->address = job->kind == DOC_OUTLOOK ? outlook_address(req)
                                            : g_strdup(web->req_query_arg(req, "emailaddress"));
    job->domain = domain_of(job->address, web->req_host(req));
    if (job->domain == NULL || ((job->kind != DOC_THUNDERBIRD) && job->address == NULL)) {
        job_free(job);
        answer(req, 400, "text/plain; charset=utf-8", g_strdup("Bad Request: no address\n"));
        return;
    }
    web->req_set_data(req, job, job_free);
    job->snap = fresh_snapshot();
    if (job->snap != NULL)
        send_document(req, job);
    else
        web->work_run(req, check_domain, send_document, job);
}
