/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tls-cert.h - one loaded certificate of the TLS store (private to tls.c).
 */
#ifndef HERMOD_CORE_TLS_CERT_H
#define HERMOD_CORE_TLS_CERT_H

#include <glib.h>
#include <gnutls/abstract.h>
#include <gnutls/x509.h>

#include "tls/tls.h"

G_BEGIN_DECLS

typedef struct {
    char *name;
    gboolean is_default;
    gnutls_pcert_st *pcerts; /* leaf first, then its chain */
    unsigned n_pcerts;
    gnutls_privkey_t key;
    gnutls_x509_crt_t leaf;
    char **dns_names; /* the SAN DNS names (else the CN), lower case */
} HermodTlsCert;

/* Load and check one pair (the key must match the certificate).
 * (transfer full) */
HermodTlsCert *hermod_tls_cert_load(const HermodTlsSource *source, GError **error);
void hermod_tls_cert_free(HermodTlsCert *cert);

/* server_name lower case without a trailing dot.  exact: compare names as
 * they are; otherwise only "*.rest" names, matching one more label. */
gboolean hermod_tls_cert_matches(const HermodTlsCert *cert, const char *server_name,
                                 gboolean exact);

/* The hermod_tls_store_describe() line.  (transfer full) */
char *hermod_tls_cert_describe(const HermodTlsCert *cert);

G_END_DECLS

#endif
