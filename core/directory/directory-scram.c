/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * directory-scram.c - the salted SCRAM credentials of accounts (RFC 5802,
 * RFC 7677) and the server's side of the SCRAM proof check.
 *
 * yescrypt hashes cannot answer a SCRAM exchange, so whenever a password
 * is set (user add, user passwd) the directory also stores, for SHA-1 and
 * SHA-256, the salt, the iteration count, StoredKey and ServerKey -- never
 * the password or SaltedPassword -- as account_settings rows named
 * "scram-sha-1" and "scram-sha-256" ("iterations:salt:storedkey:serverkey",
 * base64).  Accounts whose password was set before this existed have no
 * such rows until their next password login (PLAIN, LOGIN, the webmail:
 * hermod_directory_scram_upgrade, from auth.c) or until their password
 * is set again; until then SCRAM fails for them and PLAIN still works.  PBKDF2, HMAC and the hashes
 * are GnuTLS's.  The password is used as given (UTF-8), without SASLprep: identical for ASCII
 * passwords, which is what clients send unchanged.
 *
 * For a login that has no credentials, hermod_directory_scram_get makes up
 * a salt derived from the login and a per-process secret, so that the
 * first server message looks the same for known and unknown logins.
 * Any thread; the directory's lock is held only around the queries.
 */
#include "autoconfig.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "directory/directory.h"
#include "directory/directory-private.h"

#define SCRAM_ITERATIONS 4096
#define SCRAM_SALT_LEN   16

typedef struct {
    const char *mechanism; /* SASL name */
    const char *key;       /* account_settings key */
    gnutls_mac_algorithm_t mac;
    gnutls_digest_algorithm_t digest;
    gsize len;
} ScramHash;

static const ScramHash hashes[] = {
    {"SCRAM-SHA-1", "scram-sha-1", GNUTLS_MAC_SHA1, GNUTLS_DIG_SHA1, 20},
    {"SCRAM-SHA-256", "scram-sha-256", GNUTLS_MAC_SHA256, GNUTLS_DIG_SHA256, 32},
};

static const ScramHash *
find_hash(const char *mechanism)
{
    for (guint i = 0; i < G_N_ELEMENTS(hashes); i++) {
        if (mechanism != NULL && g_ascii_strcasecmp(mechanism, hashes[i].mechanism) == 0)
            return &hashes[i];
    }
    return NULL;
}

gboolean
hermod_directory_scram_is_mechanism(const char *mechanism)
{
    return find_hash(mechanism) != NULL;
}

static gboolean
hmac(const ScramHash *h, const guint8 *key, gsize key_len, const void *text, gsize len, guint8 *out)
{
    return gnutls_hmac_fast(h->mac, key, key_len, text, len, out) == 0;
}

/* StoredKey and ServerKey of password with salt (RFC 5802 3). */
static gboolean
derive(const ScramHash *h, const char *password, const guint8 *salt, gsize salt_len, guint iter,
       guint8 *stored, guint8 *server)
{
    gnutls_datum_t pw = {(unsigned char *)password, (unsigned int)strlen(password)};
    gnutls_datum_t sd = {(unsigned char *)salt, (unsigned int)salt_len};
    guint8 salted[32], client[32];
    gboolean ok = gnutls_pbkdf2(h->mac, &pw, &sd, iter, salted, h->len) == 0 &&
                  hmac(h, salted, h->len, "Client Key", 10, client) &&
                  gnutls_hash_fast(h->digest, client, h->len, stored) == 0 &&
                  hmac(h, salted, h->len, "Server Key", 10, server);

    gnutls_memset(salted, 0, sizeof salted);
    gnutls_memset(client, 0, sizeof client);
    return ok;
}

/* One row's value for password, or NULL.  (transfer full) */
static char *
make_value(const ScramHash *h, const char *password)
{
    guint8 salt[SCRAM_SALT_LEN], stored[32], server[32];

    if (gnutls_rnd(GNUTLS_RND_NONCE, salt, sizeof salt) != 0 ||
        !derive(h, password, salt, sizeof salt, SCRAM_ITERATIONS, stored, server))
        return NULL;
    g_autofree char *s = g_base64_encode(salt, sizeof salt);
    g_autofree char *k1 = g_base64_encode(stored, h->len);
    g_autofree char *k2 = g_base64_encode(server, h->len);
    return g_strdup_printf("%u:%s:%s:%s", SCRAM_ITERATIONS, s, k1, k2);
}

static gboolean
store_row(const char *canon, const char *key, const char *value, GError **error)
{
    sqlite3_stmt *st;
    gboolean ok;

    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    st = hermod_directory_db_stmt("INSERT OR REPLACE INTO account_settings(account_id, key, value)"
                                  " SELECT id, ?2, ?3 FROM accounts WHERE address = ?1",
                                  error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, canon, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, value, -1, SQLITE_TRANSIENT);
    }
    ok = st != NULL && hermod_directory_db_done(st, error);
    hermod_directory_db_unlock();
    return ok;
}

gboolean
hermod_directory_scram_set(const char *canon, const char *password, GError **error)
{
    for (guint i = 0; i < G_N_ELEMENTS(hashes); i++) {
        g_autofree char *value = make_value(&hashes[i], password);
        if (value == NULL) {
            g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB,
                        "directory: cannot derive the %s keys of %s", hashes[i].mechanism, canon);
            return FALSE;
        }
        if (!store_row(canon, hashes[i].key, value, error))
            return FALSE;
    }
    return TRUE;
}

/* Parse a stored row into out; FALSE when it is damaged. */
static gboolean
parse_value(const ScramHash *h, const char *value, HermodScramKeys *out)
{
    g_auto(GStrv) parts = g_strsplit(value, ":", 4);
    gsize n1 = 0, n2 = 0, n3 = 0;

    if (g_strv_length(parts) != 4)
        return FALSE;
    out->iterations = (guint)g_ascii_strtoull(parts[0], NULL, 10);
    g_autofree guchar *salt = g_base64_decode(parts[1], &n1);
    g_autofree guchar *stored = g_base64_decode(parts[2], &n2);
    g_autofree guchar *server = g_base64_decode(parts[3], &n3);
    if (out->iterations < 1 || n1 == 0 || n1 > sizeof out->salt || n2 != h->len || n3 != h->len)
        return FALSE;
    memcpy(out->salt, salt, n1);
    out->salt_len = n1;
    memcpy(out->stored_key, stored, n2);
    memcpy(out->server_key, server, n3);
    out->key_len = h->len;
    return TRUE;
}

static gboolean
load_row(const char *canon, const char *key, char **out_value, GError **error)
{
    sqlite3_stmt *st;
    gboolean ok;

    if (hermod_directory_db_lock(error) == NULL)
        return FALSE;
    st = hermod_directory_db_stmt("SELECT s.value FROM account_settings s JOIN accounts a"
                                  " ON a.id = s.account_id WHERE a.address = ?1 AND s.key = ?2",
                                  error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, canon, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
    }
    ok = st != NULL && hermod_directory_db_text(st, out_value, error);
    hermod_directory_db_unlock();
    return ok;
}

/* A salt for a login without credentials: stable for the process. */
static void
fake_keys(const ScramHash *h, const char *login, HermodScramKeys *out)
{
    static guint8 secret[32];
    static gsize once;
    guint8 mac[32];

    if (g_once_init_enter(&once)) {
        (void)gnutls_rnd(GNUTLS_RND_KEY, secret, sizeof secret);
        g_once_init_leave(&once, 1);
    }
    memset(out, 0, sizeof *out);
    (void)gnutls_hmac_fast(GNUTLS_MAC_SHA256, secret, sizeof secret, login, strlen(login), mac);
    memcpy(out->salt, mac, SCRAM_SALT_LEN);
    out->salt_len = SCRAM_SALT_LEN;
    out->iterations = SCRAM_ITERATIONS;
    (void)gnutls_rnd(GNUTLS_RND_NONCE, out->stored_key, h->len);
    out->key_len = h->len;
}

gboolean
hermod_directory_scram_get(const char *login, const char *mechanism, HermodScramKeys *out,
                           GError **error)
{
    const ScramHash *h = find_hash(mechanism);
    g_autofree char *canon = hermod_directory_addr_canon(login);
    g_autofree char *value = NULL;
    gboolean exists = FALSE;

    memset(out, 0, sizeof *out);
    g_return_val_if_fail(h != NULL, FALSE);
    if (canon != NULL && !hermod_directory_account_exists(canon, &exists, error))
        return FALSE;
    if (exists && !load_row(canon, h->key, &value, error))
        return FALSE;
    if (value != NULL && parse_value(h, value, out)) {
        out->account = g_steal_pointer(&canon);
        out->is_real = TRUE;
        return TRUE;
    }
    fake_keys(h, login, out);
    out->account = exists ? g_steal_pointer(&canon) : NULL;
    return TRUE;
}

gboolean
hermod_directory_scram_upgrade(const char *canon, const char *password, gboolean *out_done,
                               GError **error)
{
    *out_done = FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(hashes); i++) {
        HermodScramKeys keys;
        gboolean ok = hermod_directory_scram_get(canon, hashes[i].mechanism, &keys, error);
        gboolean is_real = keys.is_real;
        hermod_scram_keys_clear(&keys);
        if (!ok)
            return FALSE;
        if (!is_real) {
            *out_done = TRUE;
            return hermod_directory_scram_set(canon, password, error);
        }
    }
    return TRUE;
}

void
hermod_scram_keys_clear(HermodScramKeys *keys)
{
    g_free(keys->account);
    gnutls_memset(keys, 0, sizeof *keys);
}

gboolean
hermod_directory_scram_check(const char *mechanism, const HermodScramKeys *keys,
                             const char *auth_message, const guint8 *proof, gsize proof_len,
                             char **out_server_signature)
{
    const ScramHash *h = find_hash(mechanism);
    guint8 sig[32], client[32], stored[32], server_sig[32];
    guint diff;

    *out_server_signature = NULL;
    if (h == NULL || !keys->is_real || proof_len != h->len || keys->key_len != h->len)
        return FALSE;
    if (!hmac(h, keys->stored_key, h->len, auth_message, strlen(auth_message), sig))
        return FALSE;
    for (gsize i = 0; i < h->len; i++)
        client[i] = proof[i] ^ sig[i];
    if (gnutls_hash_fast(h->digest, client, h->len, stored) != 0)
        return FALSE;
    diff = 0;
    for (gsize i = 0; i < h->len; i++)
        diff |= stored[i] ^ keys->stored_key[i];
    gnutls_memset(client, 0, sizeof client);
    if (diff != 0 ||
        !hmac(h, keys->server_key, h->len, auth_message, strlen(auth_message), server_sig))
        return FALSE;
    *out_server_signature = g_base64_encode(server_sig, h->len);
    return TRUE;
}
