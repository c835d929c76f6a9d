/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tls-cert.c - one certificate of the TLS store: load a PEM pair, know the
 * names it serves, describe it.
 *
 * Loading goes through gnutls_certificate_set_x509_key_file2() so GnuTLS
 * parses the chain and checks that the key matches; the result is then
 * kept as the pcert list and private key that a certificate retrieve
 * callback hands out.  Choosing among certificates is tls.c's job.
 */
#include "autoconfig.h"

#include "tls/tls-cert.h"

#include <string.h>
#include <sys/stat.h>

#include "lib/log.h"

static gboolean
gnutls_failed(GError **error, const HermodTlsSource *src, const char *what, int ret)
{
    g_set_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_LOAD, "certificate %s (%s, %s): %s: %s",
                src->name, src->cert_path, src->key_path, what, gnutls_strerror(ret));
    return FALSE;
}

/* Copy the chain and key out of a one-entry credentials structure. */
static gboolean
take_pair(HermodTlsCert *cert, gnutls_certificate_credentials_t cred, const HermodTlsSource *src,
          GError **error)
{
    gnutls_x509_crt_t *crts = NULL;
    gnutls_x509_privkey_t x509_key = NULL;
    unsigned n = 0;
    int ret = gnutls_certificate_get_x509_crt(cred, 0, &crts, &n);

    if (ret < 0)
        return gnutls_failed(error, src, "reading the chain", ret);
    cert->pcerts = g_new0(gnutls_pcert_st, n);
    cert->n_pcerts = n;
    ret = gnutls_pcert_import_x509_list(cert->pcerts, crts, &cert->n_pcerts, 0);
    cert->leaf = crts[0];
    for (unsigned i = 1; i < n; i++)
        gnutls_x509_crt_deinit(crts[i]);
    gnutls_free(crts);
    if (ret < 0) {
        cert->n_pcerts = 0;
        return gnutls_failed(error, src, "importing the chain", ret);
    }
    ret = gnutls_certificate_get_x509_key(cred, 0, &x509_key);
    if (ret >= 0)
        ret = gnutls_privkey_init(&cert->key);
    if (ret >= 0)
        ret = gnutls_privkey_import_x509(cert->key, x509_key, GNUTLS_PRIVKEY_IMPORT_AUTO_RELEASE);
    if (ret < 0 && x509_key)
        gnutls_x509_privkey_deinit(x509_key);
    return ret < 0 ? gnutls_failed(error, src, "reading the key", ret) : TRUE;
}

static char *
get_cn(gnutls_x509_crt_t crt)
{
    char buf[256];
    size_t size = sizeof buf;

    if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size) < 0)
        return NULL;
    return g_strndup(buf, size);
}

/* The DNS names of the SAN extension; RFC 6125 ignores the CN when there
 * are any, and falls back to it when there are none. */
static char **
collect_names(gnutls_x509_crt_t crt)
{
    GPtrArray *names = g_ptr_array_new();
    char buf[256];

    for (unsigned seq = 0;; seq++) {
        size_t size = sizeof buf - 1;
        int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, buf, &size, NULL);
        if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
            break;
        if (type == GNUTLS_SAN_DNSNAME && size > 0) {
            buf[size] = '\0';
            g_ptr_array_add(names, g_ascii_strdown(buf, -1));
        }
    }
    if (names->len == 0) {
        g_autofree char *cn = get_cn(crt);
        if (cn)
            g_ptr_array_add(names, g_ascii_strdown(cn, -1));
    }
    g_ptr_array_add(names, NULL);
    return (char **)g_ptr_array_free(names, FALSE);
}

/* A world-readable key is worth a warning, not a refusal: the admin may
 * have reasons, and refusing would take every service down. */
static void
check_key_mode(const HermodTlsSource *src)
{
    struct stat st;

    if (stat(src->key_path, &st) == 0 && (st.st_mode & S_IROTH))
        hermod_log(HERMOD_LOG_WARNING, NULL,
                   "tls: key %s of certificate %s is readable by everyone (chmod o-r)",
                   src->key_path, src->name);
}

HermodTlsCert *
hermod_tls_cert_load(const HermodTlsSource *src, GError **error)
{
    gnutls_certificate_credentials_t cred = NULL;
    HermodTlsCert *cert = g_new0(HermodTlsCert, 1);
    int ret;

    cert->name = g_strdup(src->name);
    cert->is_default = src->is_default;
    ret = gnutls_certificate_allocate_credentials(&cred);
    if (ret >= 0)
        ret = gnutls_certificate_set_x509_key_file2(cred, src->cert_path, src->key_path,
                                                    GNUTLS_X509_FMT_PEM, NULL, 0);
    if (ret < 0) {
        gnutls_failed(error, src, "loading", ret);
        goto fail;
    }
    if (!take_pair(cert, cred, src, error))
        goto fail;
    gnutls_certificate_free_credentials(cred);
    cert->dns_names = collect_names(cert->leaf);
    check_key_mode(src);
    return cert;
fail:
    if (cred)
        gnutls_certificate_free_credentials(cred);
    hermod_tls_cert_free(cert);
    return NULL;
}

void
hermod_tls_cert_free(HermodTlsCert *cert)
{
    if (!cert)
        return;
    for (unsigned i = 0; i < cert->n_pcerts; i++)
        gnutls_pcert_deinit(&cert->pcerts[i]);
    g_free(cert->pcerts);
    if (cert->key)
        gnutls_privkey_deinit(cert->key);
    if (cert->leaf)
        gnutls_x509_crt_deinit(cert->leaf);
    g_strfreev(cert->dns_names);
    g_free(cert->name);
    g_free(cert);
}

/* "*.example.test" matches "a.example.test": one non-empty label in front
 * of the rest, never "example.test" and never "a.b.example.test". */
static gboolean
wildcard_matches(const char *pattern, const char *name)
{
    const char *dot = strchr(name, '.');

    if (!g_str_has_prefix(pattern, "*.") || !dot || dot == name)
        return FALSE;
    return strcmp(dot + 1, pattern + 2) == 0;
}

gboolean
hermod_tls_cert_matches(const HermodTlsCert *cert, const char *server_name, gboolean exact)
{
    for (char **n = cert->dns_names; *n; n++) {
        if (exact ? strcmp(*n, server_name) == 0 : wildcard_matches(*n, server_name))
            return TRUE;
    }
    return FALSE;
}

static char *
fingerprint(gnutls_x509_crt_t crt)
{
    unsigned char digest[32];
    size_t size = sizeof digest;
    GString *hex = g_string_new(NULL);

    if (gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, digest, &size) < 0)
        return g_string_free(hex, FALSE);
    for (size_t i = 0; i < size; i++)
        g_string_append_printf(hex, "%s%02X", i ? ":" : "", digest[i]);
    return g_string_free(hex, FALSE);
}

char *
hermod_tls_cert_describe(const HermodTlsCert *cert)
{
    g_autofree char *cn = get_cn(cert->leaf);
    g_autofree char *sans = g_strjoinv(",", cert->dns_names);
    g_autofree char *fp = fingerprint(cert->leaf);
    g_autoptr(GDateTime) expiry =
        g_date_time_new_from_unix_utc(gnutls_x509_crt_get_expiration_time(cert->leaf));
    g_autofree char *not_after = expiry ? g_date_time_format_iso8601(expiry) : g_strdup("?");

    return g_strdup_printf("name=%s cn=%s san=%s not_after=%s sha256=%s default=%s", cert->name,
                           cn ? cn : "-", *sans ? sans : "-", not_after, fp,
                           cert->is_default ? "yes" : "no");
}
