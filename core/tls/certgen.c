/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * certgen.c - self-signed server certificates, built with GnuTLS's X.509
 * API (no ASN.1 by hand).
 *
 * Owns parameter checks (DNS names, country, key size, hash), key
 * generation, the certificate's fields and extensions, and writing the PEM
 * pair with safe permissions.  It does not decide where certificates live
 * or when to make one: the TLS store and hermodctl do.
 */
#include "autoconfig.h"

#include "tls/certgen.h"

#include <errno.h>
#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <string.h>

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(hermod-certgen-error-quark, hermod_certgen_error)
/* clang-format on */

#define SERIAL_BYTES 16

static gboolean
fail(GError **error, const char *what, int ret)
{
    g_set_error(error, HERMOD_CERTGEN_ERROR, HERMOD_CERTGEN_ERROR_GNUTLS, "%s: %s", what,
                gnutls_strerror(ret));
    return FALSE;
}

static gboolean
is_label(const char *s, gsize len)
{
    if (len == 0 || len > 63 || s[0] == '-' || s[len - 1] == '-')
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isalnum(s[i]) && s[i] != '-')
            return FALSE;
    return TRUE;
}

/* A DNS name of letters, digits and hyphens; "*." may stand for the whole
 * first label if at least two labels follow. */
static gboolean
is_dns_name(const char *name)
{
    gboolean is_wild = g_str_has_prefix(name, "*.");
    const char *p = is_wild ? name + 2 : name;
    guint labels = 0;

    if (strlen(name) > 253)
        return FALSE;
    while (TRUE) {
        const char *dot = strchr(p, '.');
        gsize len = dot ? (gsize)(dot - p) : strlen(p);
        if (!is_label(p, len))
            return FALSE;
        labels++;
        if (!dot)
            break;
        p = dot + 1;
    }
    return !is_wild || labels >= 2;
}

static gboolean G_GNUC_PRINTF(2, 3) invalid(GError **error, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_propagate_error(
        error, g_error_new_valist(HERMOD_CERTGEN_ERROR, HERMOD_CERTGEN_ERROR_INVALID, fmt, ap));
    va_end(ap);
    return FALSE;
}

static gnutls_digest_algorithm_t
digest_of(const char *hash)
{
    if (!hash || g_ascii_strcasecmp(hash, "sha256") == 0)
        return GNUTLS_DIG_SHA256;
    if (g_ascii_strcasecmp(hash, "sha384") == 0)
        return GNUTLS_DIG_SHA384;
    if (g_ascii_strcasecmp(hash, "sha512") == 0)
        return GNUTLS_DIG_SHA512;
    return GNUTLS_DIG_UNKNOWN;
}

static gboolean
check_key(const HermodCertgenParams *p, GError **error)
{
    if (p->key_type == HERMOD_CERTGEN_KEY_RSA) {
        if (p->bits != 0 && p->bits < 2048)
            return invalid(error, "RSA keys of %u bits are too weak; use 2048 or more", p->bits);
        if (p->bits > 16384)
            return invalid(error, "RSA keys of %u bits are too large; use at most 16384", p->bits);
        return TRUE;
    }
    if (p->bits != 0 && p->bits != 256 && p->bits != 384)
        return invalid(error, "ECDSA keys are 256 or 384 bits, not %u", p->bits);
    return TRUE;
}

gboolean
hermod_certgen_validate(const HermodCertgenParams *p, GError **error)
{
    if (!p->host || !is_dns_name(p->host))
        return invalid(error, "host name \"%s\" is not a DNS name", p->host ? p->host : "");
    for (guint i = 0; p->alt_names && p->alt_names[i]; i++)
        if (!is_dns_name(p->alt_names[i]))
            return invalid(error, "alternative name \"%s\" is not a DNS name", p->alt_names[i]);
    if (p->country && (strlen(p->country) != 2 || !g_ascii_isalpha(p->country[0]) ||
                       !g_ascii_isalpha(p->country[1])))
        return invalid(error, "country \"%s\" is not a two-letter code (ISO 3166)", p->country);
    if (p->org && (!*p->org || strlen(p->org) > 64))
        return invalid(error, "organisation \"%s\" must be 1 to 64 characters", p->org);
    if (digest_of(p->hash) == GNUTLS_DIG_UNKNOWN)
        return invalid(error, "hash \"%s\" is not sha256, sha384 or sha512", p->hash);
    if (p->days > 36500)
        return invalid(error, "a validity of %u days is more than 100 years", p->days);
    return check_key(p, error);
}

static gboolean
generate_key(const HermodCertgenParams *p, gnutls_x509_privkey_t key, GError **error)
{
    gnutls_pk_algorithm_t algo = GNUTLS_PK_RSA;
    unsigned bits = p->bits ? p->bits : 3072;
    int ret;

    if (p->key_type == HERMOD_CERTGEN_KEY_ECDSA) {
        algo = GNUTLS_PK_ECDSA;
        bits = GNUTLS_CURVE_TO_BITS(p->bits == 384 ? GNUTLS_ECC_CURVE_SECP384R1
                                                   : GNUTLS_ECC_CURVE_SECP256R1);
    }
    ret = gnutls_x509_privkey_generate2(key, algo, bits, 0, NULL, 0);
    return ret < 0 ? fail(error, "generating the key", ret) : TRUE;
}

static int
set_subject(const HermodCertgenParams *p, gnutls_x509_crt_t crt)
{
    int ret = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, p->host,
                                            strlen(p->host));
    if (ret >= 0 && p->org)
        ret = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_ORGANIZATION_NAME, 0, p->org,
                                            strlen(p->org));
    if (ret >= 0 && p->country) {
        char cc[3] = {g_ascii_toupper(p->country[0]), g_ascii_toupper(p->country[1]), 0};
        ret = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COUNTRY_NAME, 0, cc, 2);
    }
    ret = ret < 0 ? ret
                  : gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, p->host,
                                                         strlen(p->host), GNUTLS_FSAN_APPEND);
    for (guint i = 0; ret >= 0 && p->alt_names && p->alt_names[i]; i++)
        ret = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, p->alt_names[i],
                                                   strlen(p->alt_names[i]), GNUTLS_FSAN_APPEND);
    return ret;
}

static int
set_serial_and_time(const HermodCertgenParams *p, gnutls_x509_crt_t crt)
{
    unsigned char serial[SERIAL_BYTES];
    time_t now = time(NULL);
    guint days = p->days ? p->days : HERMOD_CERTGEN_DEFAULT_DAYS;
    int ret = gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof serial);

    if (ret < 0)
        return ret;
    serial[0] = (serial[0] & 0x7f) | 0x40; /* positive, full length, never zero */
    ret = gnutls_x509_crt_set_serial(crt, serial, sizeof serial);
    if (ret >= 0) /* an hour back, so that a slightly slow client clock accepts it */
        ret = gnutls_x509_crt_set_activation_time(crt, now - 3600);
    if (ret >= 0)
        ret = gnutls_x509_crt_set_expiration_time(crt, now + (time_t)days * 86400);
    return ret;
}

static int
set_extensions(const HermodCertgenParams *p, gnutls_x509_crt_t crt)
{
    unsigned usage = GNUTLS_KEY_DIGITAL_SIGNATURE;
    unsigned char id[64];
    size_t id_size = sizeof id;
    int ret;

    if (p->key_type == HERMOD_CERTGEN_KEY_RSA)
        usage |= GNUTLS_KEY_KEY_ENCIPHERMENT;
    ret = gnutls_x509_crt_set_basic_constraints(crt, 0, -1);
    if (ret >= 0)
        ret = gnutls_x509_crt_set_key_usage(crt, usage);
    if (ret >= 0)
        ret = gnutls_x509_crt_set_key_purpose_oid(crt, GNUTLS_KP_TLS_WWW_SERVER, 0);
    if (ret >= 0)
        ret = gnutls_x509_crt_get_key_id(crt, 0, id, &id_size);
    if (ret >= 0)
        ret = gnutls_x509_crt_set_subject_key_id(crt, id, id_size);
    return ret;
}

static gboolean
build_cert(const HermodCertgenParams *p, gnutls_x509_privkey_t key, gnutls_x509_crt_t crt,
           GError **error)
{
    int ret = gnutls_x509_crt_set_version(crt, 3);

    if (ret >= 0)
        ret = set_serial_and_time(p, crt);
    if (ret >= 0)
        ret = set_subject(p, crt);
    if (ret >= 0)
        ret = gnutls_x509_crt_set_key(crt, key);
    if (ret >= 0)
        ret = set_extensions(p, crt);
    if (ret < 0)
        return fail(error, "filling in the certificate", ret);
    ret = gnutls_x509_crt_sign2(crt, crt, key, digest_of(p->hash), 0);
    return ret < 0 ? fail(error, "signing the certificate", ret) : TRUE;
}

static char *
take_datum(gnutls_datum_t *d)
{
    char *s = g_strndup((const char *)d->data, d->size);
    gnutls_free(d->data);
    return s;
}

gboolean
hermod_certgen_generate(const HermodCertgenParams *p, char **out_cert_pem, char **out_key_pem,
                        GError **error)
{
    gnutls_x509_privkey_t key = NULL;
    gnutls_x509_crt_t crt = NULL;
    gnutls_datum_t cert_pem = {NULL, 0}, key_pem = {NULL, 0};
    gboolean ok = FALSE;
    int ret;

    if (!hermod_certgen_validate(p, error))
        return FALSE;
    if (gnutls_x509_privkey_init(&key) < 0 || gnutls_x509_crt_init(&crt) < 0) {
        g_set_error_literal(error, HERMOD_CERTGEN_ERROR, HERMOD_CERTGEN_ERROR_GNUTLS,
                            "out of memory");
        goto out;
    }
    if (!generate_key(p, key, error) || !build_cert(p, key, crt, error))
        goto out;
    ret = gnutls_x509_crt_export2(crt, GNUTLS_X509_FMT_PEM, &cert_pem);
    if (ret >= 0)
        ret = gnutls_x509_privkey_export2_pkcs8(key, GNUTLS_X509_FMT_PEM, NULL, GNUTLS_PKCS_PLAIN,
                                                &key_pem);
    if (ret < 0) {
        fail(error, "exporting the certificate", ret);
        gnutls_free(cert_pem.data);
        goto out;
    }
    *out_cert_pem = take_datum(&cert_pem);
    *out_key_pem = take_datum(&key_pem);
    ok = TRUE;
out:
    if (crt)
        gnutls_x509_crt_deinit(crt);
    if (key)
        gnutls_x509_privkey_deinit(key);
    return ok;
}

static gboolean
write_file(const char *path, const char *data, int mode, GError **error)
{
    g_autoptr(GError) local = NULL;

    if (g_file_set_contents_full(path, data, -1,
                                 G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE, mode,
                                 &local))
        return TRUE;
    g_set_error(error, HERMOD_CERTGEN_ERROR, HERMOD_CERTGEN_ERROR_IO, "%s", local->message);
    return FALSE;
}

static gboolean
check_target(const char *dir, const char *name, const char *crt, const char *key, gboolean force,
             GError **error)
{
    if (!*name || strchr(name, '/') || name[0] == '.')
        return invalid(error, "certificate name \"%s\" must be a plain file name", name);
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        g_set_error(error, HERMOD_CERTGEN_ERROR, HERMOD_CERTGEN_ERROR_IO, "creating %s: %s", dir,
                    g_strerror(errno));
        return FALSE;
    }
    if (!force && (g_file_test(crt, G_FILE_TEST_EXISTS) || g_file_test(key, G_FILE_TEST_EXISTS))) {
        g_set_error(error, HERMOD_CERTGEN_ERROR, HERMOD_CERTGEN_ERROR_EXISTS,
                    "%s or %s exists already (use --force to replace)", crt, key);
        return FALSE;
    }
    return TRUE;
}

gboolean
hermod_certgen_write(const HermodCertgenParams *p, const char *dir, const char *name,
                     gboolean force, GError **error)
{
    g_autofree char *crt_base = g_strconcat(name, ".crt", NULL);
    g_autofree char *key_base = g_strconcat(name, ".key", NULL);
    g_autofree char *crt = g_build_filename(dir, crt_base, NULL);
    g_autofree char *key = g_build_filename(dir, key_base, NULL);
    g_autofree char *cert_pem = NULL;
    g_autofree char *key_pem = NULL;
    gboolean ok;

    if (!hermod_certgen_validate(p, error) || !check_target(dir, name, crt, key, force, error))
        return FALSE;
    if (!hermod_certgen_generate(p, &cert_pem, &key_pem, error))
        return FALSE;
    /* The key first: a store loading concurrently sees a pair only once the
     * certificate is there too. */
    ok = write_file(key, key_pem, 0600, error) && write_file(crt, cert_pem, 0644, error);
    memset(key_pem, 0, strlen(key_pem));
    return ok;
}
