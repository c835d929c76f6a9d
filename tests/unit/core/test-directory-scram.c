/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-directory-scram.c - the SCRAM keys a password leaves in the
 * directory (directory-scram.c), checked with a client computed here
 * from RFC 5802 with GnuTLS: the stored keys match the password, a right
 * proof gives the right ServerSignature, a wrong one fails, a new
 * password replaces the keys, and unknown logins get a stable made-up
 * salt that never verifies.
 */
#include "autoconfig.h"

#include <gnutls/crypto.h>
#include <string.h>

#include "tmpdir.h"
#include "directory/directory.h"

typedef struct {
    const char *mech;
    gnutls_mac_algorithm_t mac;
    gnutls_digest_algorithm_t dig;
    gsize len;
} Hash;

static const Hash hashes[] = {
    {"SCRAM-SHA-1", GNUTLS_MAC_SHA1, GNUTLS_DIG_SHA1, 20},
    {"SCRAM-SHA-256", GNUTLS_MAC_SHA256, GNUTLS_DIG_SHA256, 32},
};

/* The client's proof and the expected server signature (base64). */
static void
client_side(const Hash *h, const char *password, const HermodScramKeys *k, const char *am,
            guint8 *proof, char **out_sig)
{
    gnutls_datum_t pw = {(unsigned char *)password, (unsigned int)strlen(password)};
    gnutls_datum_t salt = {(unsigned char *)k->salt, (unsigned int)k->salt_len};
    guint8 salted[32], ckey[32], stored[32], csig[32], skey[32], ssig[32];

    g_assert_cmpint(gnutls_pbkdf2(h->mac, &pw, &salt, k->iterations, salted, h->len), ==, 0);
    gnutls_hmac_fast(h->mac, salted, h->len, "Client Key", 10, ckey);
    gnutls_hash_fast(h->dig, ckey, h->len, stored);
    g_assert_cmpmem(stored, h->len, k->stored_key, k->key_len);
    gnutls_hmac_fast(h->mac, stored, h->len, am, strlen(am), csig);
    for (gsize i = 0; i < h->len; i++)
        proof[i] = ckey[i] ^ csig[i];
    gnutls_hmac_fast(h->mac, salted, h->len, "Server Key", 10, skey);
    gnutls_hmac_fast(h->mac, skey, h->len, am, strlen(am), ssig);
    *out_sig = g_base64_encode(ssig, h->len);
}

static void
check_password(const char *login, const char *password)
{
    const char *am = "n=alice,r=abc,r=abcdef,s=c2FsdA==,i=4096,c=biws,r=abcdef";

    for (guint i = 0; i < G_N_ELEMENTS(hashes); i++) {
        g_autoptr(GError) error = NULL;
        HermodScramKeys k;
        guint8 proof[32];
        g_autofree char *want = NULL, *got = NULL, *bad = NULL;

        g_assert_true(hermod_directory_scram_get(login, hashes[i].mech, &k, &error));
        g_assert_no_error(error);
        g_assert_true(k.is_real);
        g_assert_cmpstr(k.account, ==, "alice@example.test");
        g_assert_cmpuint(k.iterations, >=, 4096);
        client_side(&hashes[i], password, &k, am, proof, &want);
        g_assert_true(
            hermod_directory_scram_check(hashes[i].mech, &k, am, proof, hashes[i].len, &got));
        g_assert_cmpstr(got, ==, want);
        proof[0] ^= 1;
        g_assert_false(
            hermod_directory_scram_check(hashes[i].mech, &k, am, proof, hashes[i].len, &bad));
        g_assert_null(bad);
        hermod_scram_keys_clear(&k);
    }
}

static void
test_keys(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("hermod-scram-XXXXXX", &error);

    g_assert_true(hermod_directory_open(dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_user_add("alice@example.test", "pencil one", &error));
    g_assert_no_error(error);
    check_password("Alice@Example.test", "pencil one");
    g_assert_true(hermod_directory_user_passwd("alice@example.test", "pencil two", &error));
    check_password("alice@example.test", "pencil two");
    hermod_directory_close();
    test_rm_rf(dir);
}

static void
test_unknown(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("hermod-scram-XXXXXX", &error);
    HermodScramKeys a, b;
    guint8 proof[32] = {0};
    g_autofree char *sig = NULL;

    g_assert_true(hermod_directory_open(dir, &error));
    g_assert_true(hermod_directory_scram_get("nobody@example.test", "SCRAM-SHA-256", &a, &error));
    g_assert_true(hermod_directory_scram_get("nobody@example.test", "scram-sha-256", &b, &error));
    g_assert_no_error(error);
    g_assert_false(a.is_real);
    g_assert_null(a.account);
    g_assert_cmpmem(a.salt, a.salt_len, b.salt, b.salt_len);
    g_assert_false(hermod_directory_scram_check("SCRAM-SHA-256", &a, "x", proof, 32, &sig));
    g_assert_false(hermod_directory_scram_is_mechanism("SCRAM-SHA-512"));
    hermod_scram_keys_clear(&a);
    hermod_scram_keys_clear(&b);
    hermod_directory_close();
    test_rm_rf(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/directory/scram/keys", test_keys);
    g_test_add_func("/directory/scram/unknown", test_unknown);
    return g_test_run();
}
