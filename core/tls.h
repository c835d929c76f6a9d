/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tls.h - the one certificate store every service uses.
 *
 * Loads every [certificate NAME] section and every NAME.crt/NAME.key pair in
 * data_dir/certs; several certificates are active at once and GnuTLS picks
 * the one whose Subject Alternative Names match the client's SNI name
 * (wildcards match one label), else the default.  With none configured, a
 * self-signed certificate for [core] hostname is created on first start.
 * The store is refcounted and swapped whole on SIGHUP, so handshakes in
 * flight keep the store they started with.
 */
#ifndef HERMOD_CORE_TLS_H
#define HERMOD_CORE_TLS_H

#include <glib.h>
#include <gnutls/gnutls.h>
#include "config.h"

G_BEGIN_DECLS

#define HERMOD_TLS_ERROR (hermod_tls_error_quark())
GQuark hermod_tls_error_quark(void);

typedef struct HermodTlsStore HermodTlsStore;

/* Load (and on first start create) the certificates of cfg.  (transfer full) */
HermodTlsStore *hermod_tls_store_load(HermodConfig *cfg, GError **error);
HermodTlsStore *hermod_tls_store_ref(HermodTlsStore *store);
void hermod_tls_store_unref(HermodTlsStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodTlsStore, hermod_tls_store_unref)

/* The store in force; transfer full (a ref).  Any thread. */
HermodTlsStore *hermod_tls_store_get_current(void);
void hermod_tls_store_set_current(HermodTlsStore *store); /* takes a ref */

/* A server session using the current store: credentials, priority string
 * ([tls] priority), SNI selection.  Non-blocking I/O is the caller's.
 * The session holds a ref on the store until deinit via
 * hermod_tls_session_free().  (transfer full) */
gnutls_session_t hermod_tls_server_session_new(GError **error);
/* A client session for outbound SMTP (opportunistic: no verification
 * unless verify is TRUE); server_name is sent as SNI. */
gnutls_session_t hermod_tls_client_session_new(const char *server_name, gboolean verify,
                                               GError **error);
void hermod_tls_session_free(gnutls_session_t session);
/* "TLS1.3 AES-256-GCM" style description; transfer full. */
char *hermod_tls_session_info(gnutls_session_t session);

/* One line per certificate: name, subject, alt names, expiry. (transfer full) */
GPtrArray *hermod_tls_store_describe(HermodTlsStore *store);

G_END_DECLS

#endif
