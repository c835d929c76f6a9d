/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * search-cache.c - decoded header values that SEARCH looked at, kept in
 * memory for the next SEARCH.
 *
 * A header SEARCH (FROM, TO, CC, BCC, SUBJECT, HEADER) compares its needle
 * with the RFC 2047-decoded, case-folded value of one header field of
 * every message of the mailbox.  Mapping and decoding every message costs
 * ~50 us each, ~100 ms per SEARCH on 2,000 messages.  Message files are
 * immutable and a UID is never reused within one UIDVALIDITY, so a value
 * decoded once for (account, mailbox, UIDVALIDITY, UID, field) stays true:
 * this file keeps those values, shared by every session of the process,
 * so that the next SEARCH is a string match per message.  A miss decodes
 * the usual address and subject fields at once, because clients search
 * those in turn.  Expunged UIDs are never asked for again; their entries
 * go when the cache is dropped.  Memory is bounded (MAX_BYTES): past it,
 * everything is dropped and refilled on demand.  It is not written to
 * disk: after a restart the first header SEARCH of a mailbox decodes.
 * It does not cache bodies (BODY/TEXT go to the store's full-text index).
 */
#include "autoconfig.h"

#include "search-cache.h"

#include <string.h>

#include "mime.h"

#define MAX_BYTES  (32u << 20)
#define ENTRY_COST 64 /* rough bytes of hash-table overhead per value */

static GMutex lock;
static GHashTable *boxes; /* "account\nmailbox\nuidvalidity" -> GHashTable field -> uids */
static gsize used;
static const char absent[] = ""; /* a message without the header (compared by address) */

static guint
ascii_case_hash(gconstpointer key)
{
    guint h = 5381;
    for (const char *p = key; *p != '\0'; p++)
        h = h * 33 + (guint)g_ascii_tolower(*p);
    return h;
}

static gboolean
ascii_case_equal(gconstpointer a, gconstpointer b)
{
    return g_ascii_strcasecmp(a, b) == 0;
}

static void
value_free(gpointer value)
{
    if (value != absent)
        g_free(value);
}

static char *
box_key(const ImapMailboxEnv *env)
{
    return g_strdup_printf("%s\n%s\n%u", env->account, env->mailbox, env->uidvalidity);
}

/* The uid -> value table of field in env's mailbox; NULL unless create.
 * Lock held. */
static GHashTable *
uids_of(const ImapMailboxEnv *env, const char *field, gboolean create)
{
    g_autofree char *key = box_key(env);
    GHashTable *fields = boxes != NULL ? g_hash_table_lookup(boxes, key) : NULL;

    if (fields == NULL && create) {
        if (boxes == NULL)
            boxes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
                                          (GDestroyNotify)g_hash_table_unref);
        fields = g_hash_table_new_full(ascii_case_hash, ascii_case_equal, g_free,
                                       (GDestroyNotify)g_hash_table_unref);
        g_hash_table_insert(boxes, g_steal_pointer(&key), fields);
    }
    if (fields == NULL)
        return NULL;
    GHashTable *uids = g_hash_table_lookup(fields, field);
    if (uids == NULL && create) {
        uids = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, value_free);
        g_hash_table_insert(fields, g_strdup(field), uids);
    }
    return uids;
}

ImapCacheField *
imap_search_cache_field(const ImapMailboxEnv *env, const char *field)
{
    GHashTable *uids;

    if (env->account == NULL)
        return NULL;
    g_mutex_lock(&lock);
    uids = g_hash_table_ref(uids_of(env, field, TRUE));
    g_mutex_unlock(&lock);
    return (ImapCacheField *)uids;
}

void
imap_search_cache_field_unref(ImapCacheField *values)
{
    /* The last reference may go here, outside the lock: a table dropped
     * from boxes is reached by nobody else. */
    if (values != NULL)
        g_hash_table_unref((GHashTable *)values);
}

ImapCacheAnswer
imap_search_cache_match(ImapCacheField *values, guint32 uid, const char *needle)
{
    ImapCacheAnswer answer = IMAP_CACHE_UNKNOWN;

    if (values == NULL)
        return answer;
    g_mutex_lock(&lock);
    const char *value = g_hash_table_lookup((GHashTable *)values, GUINT_TO_POINTER(uid));
    if (value == absent)
        answer = IMAP_CACHE_NO;
    else if (value != NULL)
        answer = strstr(value, needle) != NULL ? IMAP_CACHE_YES : IMAP_CACHE_NO;
    g_mutex_unlock(&lock);
    return answer;
}

void
imap_search_cache_clear(void)
{
    g_mutex_lock(&lock);
    g_clear_pointer(&boxes, g_hash_table_unref);
    used = 0;
    g_mutex_unlock(&lock);
}

void
imap_search_cache_put(const ImapMailboxEnv *env, guint32 uid, const char *field, const char *folded)
{
    gsize cost = ENTRY_COST + (folded != NULL ? strlen(folded) + 1 : 0);

    if (env->account == NULL)
        return;
    g_mutex_lock(&lock);
    if (used + cost > MAX_BYTES) {
        g_clear_pointer(&boxes, g_hash_table_unref);
        used = 0;
    }
    GHashTable *uids = uids_of(env, field, TRUE);
    if (!g_hash_table_contains(uids, GUINT_TO_POINTER(uid)))
        used += cost;
    g_hash_table_replace(uids, GUINT_TO_POINTER(uid),
                         folded != NULL ? g_strdup(folded) : (gpointer)absent);
    g_mutex_unlock(&lock);
}

/* The decoded, case-folded value of field in data[0..len), or NULL. */
static char *
folded_header(const char *data, gsize len, const char *field)
{
    g_autofree char *value = imap_mime_header_decoded(data, 0, len, field);

    return value != NULL ? g_utf8_casefold(value, -1) : NULL;
}

ImapCacheAnswer
imap_search_cache_fill(const ImapMailboxEnv *env, guint32 uid, const char *data, gsize len,
                       const char *field, const char *needle)
{
    static const char *const usual[] = {"From", "To", "Cc", "Bcc", "Subject"};
    g_autofree char *wanted = folded_header(data, len, field);

    if (env->account != NULL) {
        for (guint i = 0; i < G_N_ELEMENTS(usual); i++) {
            if (g_ascii_strcasecmp(usual[i], field) == 0)
                continue;
            g_autofree char *value = folded_header(data, len, usual[i]);
            imap_search_cache_put(env, uid, usual[i], value);
        }
        imap_search_cache_put(env, uid, field, wanted);
    }
    return wanted != NULL && strstr(wanted, needle) != NULL ? IMAP_CACHE_YES : IMAP_CACHE_NO;
}
