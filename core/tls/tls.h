/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tls.h - the one certificate store every service uses.
 *
 * Loads every [certificate NAME] section and every NAME.crt/NAME.key pair in
 * data_dir/certs; several certificates are active at once and the store
 * serves the one whose Subject Alternative Names match the client's SNI
 * name (wildcards match one label), else the default.  With none configured, a
 * self-signed certificate for [core] hostname is created on first start.
 * The store is refcounted and swapped whole on SIGHUP, so handshakes in
 * flight keep the store they started with.
 */
#ifndef HERMOD_CORE_TLS_H
#define HERMOD_CORE_TLS_H

#include <glib.h>
#include <gnutls/abstract.h>
#include <gnutls/gnutls.h>
#include "config/config.h"

G_BEGIN_DECLS

#define HERMOD_TLS_ERROR (hermod_tls_error_quark())
GQuark hermod_tls_error_quark(void);
typedef enum {
    HERMOD_TLS_ERROR_CONFIG,   /* a bad [tls] or [certificate NAME] setting */
    HERMOD_TLS_ERROR_LOAD,     /* a certificate or key file cannot be used */
    HERMOD_TLS_ERROR_NO_STORE, /* no certificate to serve with */
    HERMOD_TLS_ERROR_SESSION,  /* GnuTLS refused to set up a session */
} HermodTlsError;

/* TLS 1.2 and 1.3 only, the server's cipher order, X25519 first: GnuTLS
 * 3.7's NORMAL puts P-256 first, and with the server's order a TLS 1.3
 * client that sent only an X25519 key share (OpenSSL, BoringSSL) got a
 * HelloRetryRequest, one round trip more per handshake. */
#define HERMOD_TLS_DEFAULT_PRIORITY                                                                \
    "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-GROUP-ALL:+GROUP-X25519:+GROUP-SECP256R1:"        \
    "+GROUP-SECP384R1:+GROUP-SECP521R1:+GROUP-X448:+GROUP-FFDHE2048:+GROUP-FFDHE3072:"             \
    "+GROUP-FFDHE4096:+GROUP-FFDHE6144:+GROUP-FFDHE8192:%SERVER_PRECEDENCE"
/* Outbound SMTP is opportunistic (RFC 7435): any TLS beats plain text. */
#define HERMOD_TLS_DEFAULT_CLIENT_PRIORITY "NORMAL"

typedef struct HermodTlsStore HermodTlsStore;

/* Load (and on first start create) the certificates of cfg: every
 * [certificate NAME] section, then every NAME.crt/NAME.key pair in
 * data_dir/certs; see tls-load.c for the order and the default.  Reads
 * [tls].  Errors name the file, section or setting.  Any thread; may
 * write data_dir/certs on first start.  (transfer full) */
HermodTlsStore *hermod_tls_store_load(HermodConfig *cfg, GError **error);
/* The same without ever creating a certificate (hermodctl cert list). */
HermodTlsStore *hermod_tls_store_load_existing(HermodConfig *cfg, GError **error);
/* data_dir/certs, where "hermodctl cert create" writes.  (transfer full) */
char *hermod_tls_certs_dir(HermodConfig *cfg);
HermodTlsStore *hermod_tls_store_ref(HermodTlsStore *store);
void hermod_tls_store_unref(HermodTlsStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodTlsStore, hermod_tls_store_unref)

/* The store in force, NULL before the first set; transfer full (a ref).
 * Any thread. */
HermodTlsStore *hermod_tls_store_get_current(void);
/* The current slot takes its own ref (the caller keeps theirs) and drops
 * the old store's; sessions made before keep the old one.  NULL clears.
 * Any thread. */
void hermod_tls_store_set_current(HermodTlsStore *store);

/* A server session using the current store: credentials, priority string
 * ([tls] priority), SNI selection.  Non-blocking I/O is the caller's
 * (transport and handshake); the session's user pointer
 * (gnutls_session_set_ptr) is the caller's too.  The session holds a ref
 * on the store until hermod_tls_session_free().  (transfer full)  Any
 * thread; HERMOD_TLS_ERROR_NO_STORE without a store or certificate. */
gnutls_session_t hermod_tls_server_session_new(GError **error);
/* A client session for outbound SMTP ([tls] client_priority).
 * Opportunistic: no verification unless verify is TRUE, then the system
 * trust store and server_name are checked during the handshake (which
 * fails on a mismatch).  server_name (nullable) is sent as SNI unless it
 * is an IP address.  Works before any store is set (defaults).  Any
 * thread.  (transfer full) */
gnutls_session_t hermod_tls_client_session_new(const char *server_name, gboolean verify,
                                               GError **error);
/* gnutls_deinit() and drop the store's ref; NULL is ignored.  Does not
 * send close_notify (gnutls_bye is the caller's). */
void hermod_tls_session_free(gnutls_session_t session);
/* "TLS1.3 AES-256-GCM" style description; transfer full. */
char *hermod_tls_session_info(gnutls_session_t session);

/* One line per certificate, default first: "name=NAME cn=CN
 * san=DNS,DNS not_after=ISO8601 sha256=HEX:HEX... default=yes|no".
 * (transfer full; element type char *) */
GPtrArray *hermod_tls_store_describe(HermodTlsStore *store);

/* --- Below: for the store's loader (tls-load.c), the web server and tests. */

/* One certificate to load; a file may hold the leaf and its chain. */
typedef struct {
    const char *name;      /* unique within the store */
    const char *cert_path; /* PEM */
    const char *key_path;  /* PEM, unencrypted */
    gboolean is_default;   /* at most one; none: the first source */
} HermodTlsSource;

typedef struct {
    const char *priority;         /* NULL: HERMOD_TLS_DEFAULT_PRIORITY */
    const char *client_priority;  /* NULL: HERMOD_TLS_DEFAULT_CLIENT_PRIORITY */
    gboolean has_session_tickets; /* TLS session resumption by tickets */
} HermodTlsOptions;

/* A store of n sources (n may be 0: client sessions only).  options NULL:
 * the defaults with tickets on.  Errors name the file or the setting.
 * (transfer full) */
HermodTlsStore *hermod_tls_store_new(const HermodTlsSource *sources, guint n,
                                     const HermodTlsOptions *options, GError **error);

/* The name of the certificate served for server_name (NULL: no SNI):
 * an exact SAN match, else a wildcard match ("*.example.test" matches
 * exactly one more label), else the default; NULL if the store is empty.
 * Names compare case-insensitively, a trailing dot ignored.  transfer none. */
const char *hermod_tls_store_match(HermodTlsStore *store, const char *server_name);
guint hermod_tls_store_count(HermodTlsStore *store);
/* transfer none, lives as long as store */
const char *hermod_tls_store_priority(HermodTlsStore *store);

/* A gnutls_certificate_retrieve_function2 doing the SNI choice above, for
 * GnuTLS sessions made elsewhere (libmicrohttpd's
 * MHD_OPTION_HTTPS_CERT_CALLBACK).  For a session from
 * hermod_tls_server_session_new it uses that session's store; otherwise
 * the current store, which is then kept alive until exit (so one store per
 * reload at most) because GnuTLS does not say when it is done with it.
 * Any thread. */
int hermod_tls_retrieve_cert(gnutls_session_t session, const gnutls_datum_t *req_ca_rdn, int nreqs,
                             const gnutls_pk_algorithm_t *pk_algos, int pk_algos_length,
                             gnutls_pcert_st **pcert, unsigned int *pcert_length,
                             gnutls_privkey_t *privkey);

G_END_DECLS

#endif
