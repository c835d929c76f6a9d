/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-certgen.c - self-signed certificates: fields, extensions, key types,
 * parameter checks, and the files written (permissions, no overwrite).
 */
#include "autoconfig.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tls/certgen.h"

static gnutls_x509_crt_t
parse(const char *pem)
{
    gnutls_x509_crt_t crt;
    gnutls_datum_t d = {(unsigned char *)pem, strlen(pem)};

    g_assert_cmpint(gnutls_x509_crt_init(&crt), ==, 0);
    g_assert_cmpint(gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM), ==, 0);
    return crt;
}

static char *
dn_part(gnutls_x509_crt_t crt, const char *oid)
{
    char buf[256];
    size_t size = sizeof buf;

    if (gnutls_x509_crt_get_dn_by_oid(crt, oid, 0, 0, buf, &size) < 0)
        return NULL;
    return g_strndup(buf, size);
}

static char *
san_list(gnutls_x509_crt_t crt)
{
    GString *s = g_string_new(NULL);
    char buf[256];

    for (unsigned i = 0;; i++) {
        size_t size = sizeof buf;
        int type = gnutls_x509_crt_get_subject_alt_name(crt, i, buf, &size, NULL);
        if (type < 0)
            break;
        g_assert_cmpint(type, ==, GNUTLS_SAN_DNSNAME);
        g_string_append_printf(s, "%s%.*s", s->len ? "," : "", (int)size, buf);
    }
    return g_string_free(s, FALSE);
}

/* The key pairs with the certificate: GnuTLS loads them together. */
static void
assert_pair(const char *cert_pem, const char *key_pem)
{
    gnutls_certificate_credentials_t cred;
    gnutls_datum_t c = {(unsigned char *)cert_pem, strlen(cert_pem)};
    gnutls_datum_t k = {(unsigned char *)key_pem, strlen(key_pem)};

    g_assert_cmpint(gnutls_certificate_allocate_credentials(&cred), ==, 0);
    g_assert_cmpint(
        gnutls_certificate_set_x509_key_mem2(cred, &c, &k, GNUTLS_X509_FMT_PEM, NULL, 0), >=, 0);
    gnutls_certificate_free_credentials(cred);
}

static void
test_rsa(void)
{
    const char *alts[] = {"imap.example.test", "*.example.test", NULL};
    HermodCertgenParams p = {.host = "mail.example.test",
                             .org = "Example Org",
                             .country = "de",
                             .alt_names = alts,
                             .key_type = HERMOD_CERTGEN_KEY_RSA,
                             .bits = 2048};
    g_autofree char *cert = NULL, *key = NULL, *cn = NULL, *o = NULL, *c = NULL, *sans = NULL;
    g_autoptr(GError) error = NULL;
    unsigned bits = 0, usage = 0, is_ca = 99;
    char oid[64];
    size_t oid_size = sizeof oid;
    unsigned char serial[40];
    size_t serial_size = sizeof serial;
    gnutls_x509_crt_t crt;

    g_assert_true(hermod_certgen_generate(&p, &cert, &key, &error));
    g_assert_no_error(error);
    crt = parse(cert);
    cn = dn_part(crt, GNUTLS_OID_X520_COMMON_NAME);
    o = dn_part(crt, GNUTLS_OID_X520_ORGANIZATION_NAME);
    c = dn_part(crt, GNUTLS_OID_X520_COUNTRY_NAME);
    sans = san_list(crt);
    g_assert_cmpstr(cn, ==, "mail.example.test");
    g_assert_cmpstr(o, ==, "Example Org");
    g_assert_cmpstr(c, ==, "DE");
    g_assert_cmpstr(sans, ==, "mail.example.test,imap.example.test,*.example.test");
    g_assert_cmpint(gnutls_x509_crt_get_pk_algorithm(crt, &bits), ==, GNUTLS_PK_RSA);
    g_assert_cmpuint(bits, ==, 2048);
    g_assert_cmpint(gnutls_x509_crt_get_signature_algorithm(crt), ==, GNUTLS_SIGN_RSA_SHA256);
    g_assert_cmpint(gnutls_x509_crt_get_key_usage(crt, &usage, NULL), >=, 0);
    g_assert_cmphex(usage, ==, GNUTLS_KEY_DIGITAL_SIGNATURE | GNUTLS_KEY_KEY_ENCIPHERMENT);
    g_assert_cmpint(gnutls_x509_crt_get_key_purpose_oid(crt, 0, oid, &oid_size, NULL), ==, 0);
    g_assert_cmpstr(oid, ==, GNUTLS_KP_TLS_WWW_SERVER);
    g_assert_cmpint(gnutls_x509_crt_get_basic_constraints(crt, NULL, &is_ca, NULL), ==, 0);
    g_assert_cmpuint(is_ca, ==, 0);
    g_assert_cmpint(gnutls_x509_crt_get_serial(crt, serial, &serial_size), ==, 0);
    g_assert_cmpuint(serial_size, ==, 16);
    g_assert_cmpuint(serial[0] & 0x80, ==, 0);
    g_assert_cmpint(gnutls_x509_crt_get_expiration_time(crt) -
                        gnutls_x509_crt_get_activation_time(crt),
                    ==, 825 * 86400 + 3600);
    g_assert_true(strstr(key, "BEGIN PRIVATE KEY") != NULL);
    assert_pair(cert, key);
    gnutls_x509_crt_deinit(crt);
}

static void
test_ecdsa(gconstpointer data)
{
    guint want_bits = GPOINTER_TO_UINT(data);
    HermodCertgenParams p = {.host = "*.other.test",
                             .key_type = HERMOD_CERTGEN_KEY_ECDSA,
                             .bits = want_bits,
                             .hash = want_bits == 384 ? "sha384" : NULL,
                             .days = 30};
    g_autofree char *cert = NULL, *key = NULL, *o = NULL, *sans = NULL;
    g_autoptr(GError) error = NULL;
    unsigned bits = 0, usage = 0;
    gnutls_x509_crt_t crt;

    g_assert_true(hermod_certgen_generate(&p, &cert, &key, &error));
    g_assert_no_error(error);
    crt = parse(cert);
    o = dn_part(crt, GNUTLS_OID_X520_ORGANIZATION_NAME);
    sans = san_list(crt);
    g_assert_null(o);
    g_assert_cmpstr(sans, ==, "*.other.test");
    g_assert_cmpint(gnutls_x509_crt_get_pk_algorithm(crt, &bits), ==, GNUTLS_PK_ECDSA);
    g_assert_cmpuint(bits, ==, want_bits);
    g_assert_cmpint(gnutls_x509_crt_get_signature_algorithm(crt), ==,
                    want_bits == 384 ? GNUTLS_SIGN_ECDSA_SHA384 : GNUTLS_SIGN_ECDSA_SHA256);
    g_assert_cmpint(gnutls_x509_crt_get_key_usage(crt, &usage, NULL), >=, 0);
    g_assert_cmphex(usage, ==, GNUTLS_KEY_DIGITAL_SIGNATURE);
    g_assert_cmpint(gnutls_x509_crt_get_expiration_time(crt) -
                        gnutls_x509_crt_get_activation_time(crt),
                    ==, 30 * 86400 + 3600);
    assert_pair(cert, key);
    gnutls_x509_crt_deinit(crt);
}

static void
assert_invalid(const HermodCertgenParams *p, const char *needle)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(hermod_certgen_validate(p, &error));
    g_assert_error(error, HERMOD_CERTGEN_ERROR, HERMOD_CERTGEN_ERROR_INVALID);
    if (!strstr(error->message, needle))
        g_error("\"%s\" does not mention \"%s\"", error->message, needle);
}

static void
test_invalid(void)
{
    const char *bad_alt[] = {"ok.test", "bad name", NULL};
    HermodCertgenParams base = {.host = "mail.example.test", .bits = 2048};
    HermodCertgenParams p;

    g_assert_true(hermod_certgen_validate(&base, NULL));
    p = base, p.bits = 1024;
    assert_invalid(&p, "too weak");
    p = base, p.key_type = HERMOD_CERTGEN_KEY_ECDSA, p.bits = 521;
    assert_invalid(&p, "256 or 384");
    p = base, p.country = "DEU";
    assert_invalid(&p, "two-letter");
    p = base, p.country = "1A";
    assert_invalid(&p, "two-letter");
    p = base, p.hash = "md5";
    assert_invalid(&p, "sha256");
    p = base, p.host = "-bad.test";
    assert_invalid(&p, "not a DNS name");
    p = base, p.host = "*.test";
    assert_invalid(&p, "not a DNS name");
    p = base, p.host = "a.*.test";
    assert_invalid(&p, "not a DNS name");
    p = base, p.host = NULL;
    assert_invalid(&p, "host");
    p = base, p.alt_names = bad_alt;
    assert_invalid(&p, "bad name");
    p = base, p.org = "";
    assert_invalid(&p, "organisation");
}

static char *
read_fingerprint(const char *path)
{
    g_autofree char *pem = NULL;
    unsigned char fp[32];
    size_t size = sizeof fp;
    gnutls_x509_crt_t crt;

    g_assert_true(g_file_get_contents(path, &pem, NULL, NULL));
    crt = parse(pem);
    g_assert_cmpint(gnutls_x509_crt_get_fingerprint(crt, GNUTLS_DIG_SHA256, fp, &size), ==, 0);
    gnutls_x509_crt_deinit(crt);
    return g_base64_encode(fp, size);
}

static void
test_write(void)
{
    g_autofree char *tmp = g_dir_make_tmp("hermod-certgen-XXXXXX", NULL);
    g_autofree char *dir = g_build_filename(tmp, "certs", NULL);
    g_autofree char *crt = g_build_filename(dir, "mail.crt", NULL);
    g_autofree char *key = g_build_filename(dir, "mail.key", NULL);
    g_autofree char *fp1 = NULL, *fp2 = NULL;
    HermodCertgenParams p = {.host = "mail.example.test", .key_type = HERMOD_CERTGEN_KEY_ECDSA};
    g_autoptr(GError) error = NULL;
    struct stat st;

    g_assert_true(hermod_certgen_write(&p, dir, "mail", FALSE, &error));
    g_assert_no_error(error);
    g_assert_cmpint(stat(key, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_assert_cmpint(stat(dir, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0700);
    fp1 = read_fingerprint(crt);

    g_assert_false(hermod_certgen_write(&p, dir, "mail", FALSE, &error));
    g_assert_error(error, HERMOD_CERTGEN_ERROR, HERMOD_CERTGEN_ERROR_EXISTS);
    g_clear_error(&error);
    fp2 = read_fingerprint(crt);
    g_assert_cmpstr(fp1, ==, fp2);
    g_free(fp2);

    g_assert_true(hermod_certgen_write(&p, dir, "mail", TRUE, &error));
    fp2 = read_fingerprint(crt);
    g_assert_cmpstr(fp1, !=, fp2);
    g_assert_cmpint(stat(key, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);

    g_assert_false(hermod_certgen_write(&p, dir, "../escape", FALSE, &error));
    g_assert_error(error, HERMOD_CERTGEN_ERROR, HERMOD_CERTGEN_ERROR_INVALID);

    g_assert_cmpint(remove(crt), ==, 0);
    g_assert_cmpint(remove(key), ==, 0);
    g_assert_cmpint(remove(dir), ==, 0);
    g_assert_cmpint(remove(tmp), ==, 0);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/certgen/rsa-2048", test_rsa);
    g_test_add_data_func("/certgen/ecdsa-256", GUINT_TO_POINTER(256), test_ecdsa);
    g_test_add_data_func("/certgen/ecdsa-384", GUINT_TO_POINTER(384), test_ecdsa);
    g_test_add_func("/certgen/invalid", test_invalid);
    g_test_add_func("/certgen/write", test_write);
    return g_test_run();
}
