/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tls.c - the one certificate store every service uses, and the GnuTLS
 * sessions made from it.
 *
 * A store holds the loaded certificates, the server and client priority
 * caches, the session ticket key and the credentials structures.  It is
 * immutable once built, refcounted, and swapped whole on SIGHUP; every
 * session made here holds a ref on its store until hermod_tls_session_free,
 * so a handshake in flight never sees a store vanish.
 *
 * The certificate is chosen by our own retrieve callback rather than by
 * GnuTLS's built-in choice among several certificates in one credentials
 * structure.  Measured with GnuTLS 3.7.9 (RSA mail.example.test loaded
 * first, then ECDSA *.other.test): SNI x.other.test got the first
 * certificate, i.e. no wildcard match, and a client offering only ECDSA
 * got *.other.test for every name, so the "default" depends on the
 * client's algorithms.  Here: exact SAN match, else a one-label wildcard,
 * else the default, whatever the client offers.  Reading config and creating the first certificate
 * is tls-load.c's job.
 */
#include "autoconfig.h"

#include "tls/tls.h"

#include <gio/gio.h>
#include <string.h>

#include "lib/log.h"
#include "tls/tls-cert.h"

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(hermod-tls-error-quark, hermod_tls_error)
/* clang-format on */

struct HermodTlsStore {
    gint refcount;
    GPtrArray *certs; /* HermodTlsCert *, the default first */
    char *priority_string;
    gnutls_priority_t priority;
    gnutls_priority_t client_priority;
    gnutls_certificate_credentials_t server_cred; /* retrieve callback only */
    gnutls_certificate_credentials_t client_cred; /* no trust: opportunistic */
    gnutls_certificate_credentials_t verify_cred; /* system trust, made on first use */
    GMutex verify_lock;
    gnutls_datum_t ticket_key;
    gboolean is_pinned; /* kept until exit for foreign sessions */
};

static GMutex lock; /* guards the four statics below */
static HermodTlsStore *current;
static HermodTlsStore *fallback; /* client sessions before any store is set */
static GHashTable *sessions;     /* gnutls_session_t -> its store (a ref) */
static GPtrArray *pinned;

static void
store_free(HermodTlsStore *store)
{
    g_ptr_array_unref(store->certs);
    if (store->priority)
        gnutls_priority_deinit(store->priority);
    if (store->client_priority)
        gnutls_priority_deinit(store->client_priority);
    if (store->server_cred)
        gnutls_certificate_free_credentials(store->server_cred);
    if (store->client_cred)
        gnutls_certificate_free_credentials(store->client_cred);
    if (store->verify_cred)
        gnutls_certificate_free_credentials(store->verify_cred);
    if (store->ticket_key.data) {
        gnutls_memset(store->ticket_key.data, 0, store->ticket_key.size);
        gnutls_free(store->ticket_key.data);
    }
    g_mutex_clear(&store->verify_lock);
    g_free(store->priority_string);
    g_free(store);
}

HermodTlsStore *
hermod_tls_store_ref(HermodTlsStore *store)
{
    g_atomic_int_inc(&store->refcount);
    return store;
}

void
hermod_tls_store_unref(HermodTlsStore *store)
{
    if (store && g_atomic_int_dec_and_test(&store->refcount))
        store_free(store);
}

static gboolean
set_priority(gnutls_priority_t *out, const char *value, const char *key, GError **error)
{
    const char *err_pos = NULL;
    int ret = gnutls_priority_init(out, value, &err_pos);

    if (ret >= 0)
        return TRUE;
    *out = NULL;
    g_set_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_CONFIG, "[tls] %s \"%s\": %s%s%s", key,
                value, gnutls_strerror(ret), err_pos ? " at " : "", err_pos ? err_pos : "");
    return FALSE;
}

static gboolean
set_credentials(HermodTlsStore *store, gboolean has_tickets, GError **error)
{
    int ret = gnutls_certificate_allocate_credentials(&store->server_cred);

    if (ret >= 0)
        ret = gnutls_certificate_allocate_credentials(&store->client_cred);
    if (ret >= 0 && has_tickets)
        ret = gnutls_session_ticket_key_generate(&store->ticket_key);
    if (ret < 0) {
        g_set_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_SESSION, "TLS credentials: %s",
                    gnutls_strerror(ret));
        return FALSE;
    }
    gnutls_certificate_set_retrieve_function2(store->server_cred, hermod_tls_retrieve_cert);
    /* For clients without RFC 7919 group negotiation that pick DHE. */
    gnutls_certificate_set_known_dh_params(store->server_cred, GNUTLS_SEC_PARAM_MEDIUM);
    return TRUE;
}

/* Load every source; the default goes first in store->certs. */
static gboolean
load_certs(HermodTlsStore *store, const HermodTlsSource *sources, guint n, GError **error)
{
    gint default_index = -1;

    for (guint i = 0; i < n; i++) {
        if (!sources[i].is_default)
            continue;
        if (default_index >= 0) {
            g_set_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_CONFIG,
                        "certificates %s and %s are both marked default",
                        sources[default_index].name, sources[i].name);
            return FALSE;
        }
        default_index = (gint)i;
    }
    for (guint i = 0; i < n; i++) {
        HermodTlsCert *cert = hermod_tls_cert_load(&sources[i], error);
        if (!cert)
            return FALSE;
        cert->is_default = default_index < 0 ? i == 0 : (gint)i == default_index;
        if (cert->is_default)
            g_ptr_array_insert(store->certs, 0, cert);
        else
            g_ptr_array_add(store->certs, cert);
    }
    return TRUE;
}

static void
warn_expired(HermodTlsStore *store)
{
    time_t now = time(NULL);

    for (guint i = 0; i < store->certs->len; i++) {
        HermodTlsCert *cert = store->certs->pdata[i];
        if (gnutls_x509_crt_get_expiration_time(cert->leaf) < now)
            hermod_log(HERMOD_LOG_WARNING, NULL, "tls: certificate %s has expired", cert->name);
    }
}

HermodTlsStore *
hermod_tls_store_new(const HermodTlsSource *sources, guint n, const HermodTlsOptions *options,
                     GError **error)
{
    HermodTlsOptions defaults = {NULL, NULL, TRUE};
    HermodTlsStore *store = g_new0(HermodTlsStore, 1);

    if (!options)
        options = &defaults;
    store->refcount = 1;
    store->certs = g_ptr_array_new_with_free_func((GDestroyNotify)hermod_tls_cert_free);
    g_mutex_init(&store->verify_lock);
    store->priority_string =
        g_strdup(options->priority ? options->priority : HERMOD_TLS_DEFAULT_PRIORITY);
    if (!set_priority(&store->priority, store->priority_string, "priority", error) ||
        !set_priority(&store->client_priority,
                      options->client_priority ? options->client_priority
                                               : HERMOD_TLS_DEFAULT_CLIENT_PRIORITY,
                      "client_priority", error) ||
        !set_credentials(store, options->has_session_tickets, error) ||
        !load_certs(store, sources, n, error)) {
        store_free(store);
        return NULL;
    }
    warn_expired(store);
    return store;
}

guint
hermod_tls_store_count(HermodTlsStore *store)
{
    return store->certs->len;
}

const char *
hermod_tls_store_priority(HermodTlsStore *store)
{
    return store->priority_string;
}

static HermodTlsCert *
select_cert(HermodTlsStore *store, const char *server_name)
{
    g_autofree char *name = NULL;
    gsize len;

    if (store->certs->len == 0)
        return NULL;
    if (!server_name || !*server_name)
        return store->certs->pdata[0];
    name = g_ascii_strdown(server_name, -1);
    len = strlen(name);
    if (len > 1 && name[len - 1] == '.')
        name[len - 1] = '\0';
    for (guint i = 0; i < store->certs->len; i++)
        if (hermod_tls_cert_matches(store->certs->pdata[i], name, TRUE))
            return store->certs->pdata[i];
    for (guint i = 0; i < store->certs->len; i++)
        if (hermod_tls_cert_matches(store->certs->pdata[i], name, FALSE))
            return store->certs->pdata[i];
    return store->certs->pdata[0];
}

const char *
hermod_tls_store_match(HermodTlsStore *store, const char *server_name)
{
    HermodTlsCert *cert = select_cert(store, server_name);
    return cert ? cert->name : NULL;
}

GPtrArray *
hermod_tls_store_describe(HermodTlsStore *store)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < store->certs->len; i++)
        g_ptr_array_add(lines, hermod_tls_cert_describe(store->certs->pdata[i]));
    return lines;
}

HermodTlsStore *
hermod_tls_store_get_current(void)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    return current ? hermod_tls_store_ref(current) : NULL;
}

void
hermod_tls_store_set_current(HermodTlsStore *store)
{
    HermodTlsStore *old;

    g_mutex_lock(&lock);
    old = current;
    current = store ? hermod_tls_store_ref(store) : NULL;
    g_mutex_unlock(&lock);
    hermod_tls_store_unref(old);
}

/* The store a session was made from (transfer none: the session's ref
 * keeps it), or NULL for a session made elsewhere. */
static HermodTlsStore *
session_store(gnutls_session_t session)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);
    return sessions ? g_hash_table_lookup(sessions, session) : NULL;
}

/* A foreign session's store: the current one, pinned until exit. */
static HermodTlsStore *
pin_current(void)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);

    if (!current)
        return NULL;
    if (!current->is_pinned) {
        if (!pinned)
            pinned = g_ptr_array_new();
        g_ptr_array_add(pinned, hermod_tls_store_ref(current));
        current->is_pinned = TRUE;
    }
    return current;
}

int
hermod_tls_retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                         const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                         gnutls_pcert_st **pcert, unsigned int *pcert_length,
                         gnutls_privkey_t *privkey)
{
    HermodTlsStore *store = session_store(session);
    char name[256];
    size_t size = sizeof name;
    unsigned type;
    HermodTlsCert *cert;

    if (!store)
        store = pin_current();
    if (!store)
        return -1;
    if (gnutls_server_name_get(session, name, &size, &type, 0) < 0 || type != GNUTLS_NAME_DNS)
        name[0] = '\0';
    cert = select_cert(store, name);
    if (!cert)
        return -1;
    *pcert = cert->pcerts;
    *pcert_length = cert->n_pcerts;
    *privkey = cert->key;
    return 0;
}

static void
register_session(gnutls_session_t session, HermodTlsStore *store)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock);

    if (!sessions)
        sessions = g_hash_table_new(NULL, NULL);
    g_hash_table_insert(sessions, session, store);
}

static gnutls_session_t
session_failed(gnutls_session_t session, HermodTlsStore *store, const char *what, int ret,
               GError **error)
{
    g_set_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_SESSION, "TLS %s: %s", what,
                gnutls_strerror(ret));
    if (session)
        gnutls_deinit(session);
    hermod_tls_store_unref(store);
    return NULL;
}

gnutls_session_t
hermod_tls_server_session_new(GError **error)
{
    HermodTlsStore *store = hermod_tls_store_get_current();
    gnutls_session_t session = NULL;
    int ret;

    if (!store || store->certs->len == 0) {
        hermod_tls_store_unref(store);
        g_set_error_literal(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_NO_STORE,
                            "no TLS certificate loaded");
        return NULL;
    }
    ret = gnutls_init(&session, GNUTLS_SERVER | GNUTLS_NO_SIGNAL);
    if (ret >= 0)
        ret = gnutls_priority_set(session, store->priority);
    if (ret >= 0)
        ret = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, store->server_cred);
    if (ret >= 0 && store->ticket_key.data)
        ret = gnutls_session_ticket_enable_server(session, &store->ticket_key);
    if (ret < 0)
        return session_failed(session, store, "server session", ret, error);
    gnutls_certificate_server_set_request(session, GNUTLS_CERT_IGNORE);
    register_session(session, store);
    return session;
}

/* The credentials with the system trust store, loaded on first use. */
static gnutls_certificate_credentials_t
verify_cred(HermodTlsStore *store, int *out_ret)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->verify_lock);
    gnutls_certificate_credentials_t cred = NULL;

    if (store->verify_cred)
        return store->verify_cred;
    *out_ret = gnutls_certificate_allocate_credentials(&cred);
    if (*out_ret < 0)
        return NULL;
    *out_ret = gnutls_certificate_set_x509_system_trust(cred);
    if (*out_ret < 0) {
        gnutls_certificate_free_credentials(cred);
        return NULL;
    }
    store->verify_cred = cred;
    return cred;
}

/* The current store, or a process-wide one with the defaults. */
static HermodTlsStore *
client_store(void)
{
    HermodTlsStore *store = hermod_tls_store_get_current();
    g_autoptr(GMutexLocker) locker = NULL;

    if (store)
        return store;
    locker = g_mutex_locker_new(&lock);
    if (!fallback)
        fallback = hermod_tls_store_new(NULL, 0, NULL, NULL);
    return fallback ? hermod_tls_store_ref(fallback) : NULL;
}

static int
set_client_name(gnutls_session_t session, const char *server_name, gboolean verify)
{
    int ret = 0;

    if (!server_name || !*server_name)
        return 0;
    if (!g_hostname_is_ip_address(server_name))
        ret = gnutls_server_name_set(session, GNUTLS_NAME_DNS, server_name, strlen(server_name));
    if (ret >= 0 && verify)
        gnutls_session_set_verify_cert(session, server_name, 0);
    return ret;
}

gnutls_session_t
hermod_tls_client_session_new(const char *server_name, gboolean verify, GError **error)
{
    HermodTlsStore *store = client_store();
    gnutls_certificate_credentials_t cred;
    gnutls_session_t session = NULL;
    int ret = GNUTLS_E_INTERNAL_ERROR;

    if (!store)
        return session_failed(NULL, NULL, "client defaults", ret, error);
    cred = verify ? verify_cred(store, &ret) : store->client_cred;
    if (!cred)
        return session_failed(NULL, store, "system trust store", ret, error);
    ret = gnutls_init(&session, GNUTLS_CLIENT | GNUTLS_NO_SIGNAL);
    if (ret >= 0)
        ret = gnutls_priority_set(session, store->client_priority);
    if (ret >= 0)
        ret = gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, cred);
    if (ret >= 0)
        ret = set_client_name(session, server_name, verify);
    if (ret >= 0 && verify && (!server_name || !*server_name))
        gnutls_session_set_verify_cert(session, NULL, 0);
    if (ret < 0)
        return session_failed(session, store, "client session", ret, error);
    register_session(session, store);
    return session;
}

void
hermod_tls_session_free(gnutls_session_t session)
{
    HermodTlsStore *store = NULL;

    if (!session)
        return;
    g_mutex_lock(&lock);
    if (sessions)
        g_hash_table_steal_extended(sessions, session, NULL, (gpointer *)&store);
    g_mutex_unlock(&lock);
    gnutls_deinit(session);
    hermod_tls_store_unref(store);
}

char *
hermod_tls_session_info(gnutls_session_t session)
{
    const char *version = gnutls_protocol_get_name(gnutls_protocol_get_version(session));
    const char *cipher = gnutls_cipher_get_name(gnutls_cipher_get(session));

    return g_strdup_printf("%s %s", version ? version : "TLS", cipher ? cipher : "unknown");
}
