/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * directory-credcache.c - verified-password cache for hermod_directory_check.
 *
 * HTTP Basic sends the password with every request, and checking it with
 * yescrypt (or whatever crypt the stored hash names) each time was the
 * largest single cost of a CalDAV request.  After a successful check the
 * account's canonical address is remembered with a keyed SHA-256 of the
 * password (HMAC with a random per-process key: never the password) and
 * the stored hash it matched, for CREDCACHE_TTL from that check (a hit
 * does not extend it).  hermod_directory_check still reads the stored hash
 * from the database on every login; crypt is skipped only when that hash
 * is the one remembered and the HMAC matches (compared in constant time).
 * A changed password or a deleted account - through hermodctl, webmail or
 * any other process writing the database - is therefore seen at once.
 * Failures are never cached.  Bounded (CREDCACHE_MAX accounts, emptied
 * when full).  Any thread: its own mutex.
 */
#include "autoconfig.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <string.h>

#include "directory/directory-private.h"

#define CREDCACHE_TTL (60 * G_USEC_PER_SEC)
#define CREDCACHE_MAX 4096
#define MAC_LEN       32

typedef struct {
    char *hash; /* the stored hash the password matched */
    guint8 mac[MAC_LEN];
    gint64 expires; /* monotonic µs */
} Cred;

static GMutex lock;
static GHashTable *creds; /* canonical address -> Cred */
static guint8 key[MAC_LEN];
static gboolean have_key;

static void
cred_free(gpointer data)
{
    Cred *c = data;

    g_free(c->hash);
    memset(c->mac, 0, sizeof c->mac);
    g_free(c);
}

/* Lock held.  FALSE when no key or no MAC could be made: no caching. */
static gboolean
password_mac(const char *password, guint8 *out)
{
    if (!have_key) {
        if (gnutls_rnd(GNUTLS_RND_KEY, key, sizeof key) != 0)
            return FALSE;
        have_key = TRUE;
    }
    return gnutls_hmac_fast(GNUTLS_MAC_SHA256, key, sizeof key, password, strlen(password), out) ==
           0;
}

static gboolean
same_mac(const guint8 *a, const guint8 *b)
{
    guint8 diff = 0;

    for (guint i = 0; i < MAC_LEN; i++)
        diff |= a[i] ^ b[i];
    return diff == 0;
}

gboolean
hermod_directory_cred_cached(const char *canon, const char *password, const char *hash)
{
    guint8 mac[MAC_LEN];
    gboolean hit = FALSE;
    Cred *c;

    g_mutex_lock(&lock);
    c = creds != NULL ? g_hash_table_lookup(creds, canon) : NULL;
    if (c != NULL && c->expires <= g_get_monotonic_time()) {
        g_hash_table_remove(creds, canon);
        c = NULL;
    }
    if (c != NULL && strcmp(c->hash, hash) == 0 && password_mac(password, mac))
        hit = same_mac(mac, c->mac);
    g_mutex_unlock(&lock);
    memset(mac, 0, sizeof mac);
    return hit;
}

void
hermod_directory_cred_remember(const char *canon, const char *password, const char *hash)
{
    Cred *c = g_new0(Cred, 1);

    g_mutex_lock(&lock);
    if (creds == NULL)
        creds = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, cred_free);
    if (g_hash_table_size(creds) >= CREDCACHE_MAX)
        g_hash_table_remove_all(creds);
    if (password_mac(password, c->mac)) {
        c->hash = g_strdup(hash);
        c->expires = g_get_monotonic_time() + CREDCACHE_TTL;
        g_hash_table_replace(creds, g_strdup(canon), c);
        c = NULL;
    }
    g_mutex_unlock(&lock);
    if (c != NULL)
        cred_free(c);
}

void
hermod_directory_cred_forget_all(void)
{
    g_mutex_lock(&lock);
    g_clear_pointer(&creds, g_hash_table_destroy);
    g_mutex_unlock(&lock);
}
