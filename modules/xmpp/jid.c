/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * jid.c - JIDs (RFC 7622) as this server uses them, and the module's
 * registry of bound resources.
 *
 * A user's JID is the account's address: local part and domain compare
 * case-insensitively (lower-cased here, as the directory does; full
 * PRECIS folding of non-ASCII local parts is the directory's canonical
 * form too).  Resources are kept as given.  The registry knows every full
 * JID bound on any connection of this process, so that a message to a
 * full JID reaches that resource alone (and carbons the others) and a
 * second bind of the same resource gets a fresh one.  Any thread.
 */
#include "autoconfig.h"

#include <string.h>

#include "xmpp.h"

static GMutex lock;
static GHashTable *bound; /* full JID -> itself */

gboolean
xmpp_jid_split(const char *jid, char **out_local, char **out_domain, char **out_resource)
{
    const char *slash, *at;

    if (jid == NULL || *jid == '\0' || !g_utf8_validate(jid, -1, NULL) || strlen(jid) > 3071)
        return FALSE;
    slash = strchr(jid, '/');
    at = memchr(jid, '@', slash != NULL ? (gsize)(slash - jid) : strlen(jid));
    const char *dom = at != NULL ? at + 1 : jid;
    gsize dom_len = slash != NULL ? (gsize)(slash - dom) : strlen(dom);
    if (dom_len == 0 || (at != NULL && at == jid) || (slash != NULL && slash[1] == '\0'))
        return FALSE;
    if (out_local != NULL)
        *out_local = at != NULL ? g_utf8_strdown(jid, at - jid) : NULL;
    if (out_domain != NULL)
        *out_domain = g_utf8_strdown(dom, (gssize)dom_len);
    if (out_resource != NULL)
        *out_resource = slash != NULL ? g_strdup(slash + 1) : NULL;
    return TRUE;
}

char *
xmpp_jid_bare(const char *jid)
{
    g_autofree char *local = NULL;
    g_autofree char *domain = NULL;

    if (!xmpp_jid_split(jid, &local, &domain, NULL))
        return NULL;
    return local != NULL ? g_strconcat(local, "@", domain, NULL) : g_strdup(domain);
}

gboolean
xmpp_resource_is_valid(const char *text)
{
    gsize len = text != NULL ? strlen(text) : 0;

    if (len == 0 || len > 1023 || !g_utf8_validate(text, (gssize)len, NULL))
        return FALSE;
    for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
        if (g_unichar_iscntrl(g_utf8_get_char(p)))
            return FALSE;
    }
    return TRUE;
}

gboolean
xmpp_jid_claim(const char *full_jid)
{
    gboolean is_free;

    g_mutex_lock(&lock);
    if (bound == NULL)
        bound = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    is_free = !g_hash_table_contains(bound, full_jid);
    if (is_free)
        g_hash_table_add(bound, g_strdup(full_jid));
    g_mutex_unlock(&lock);
    return is_free;
}

void
xmpp_jid_release(const char *full_jid)
{
    g_mutex_lock(&lock);
    if (bound != NULL)
        g_hash_table_remove(bound, full_jid);
    g_mutex_unlock(&lock);
}

gboolean
xmpp_jid_is_bound(const char *full_jid)
{
    gboolean found;

    g_mutex_lock(&lock);
    found = bound != NULL && g_hash_table_contains(bound, full_jid);
    g_mutex_unlock(&lock);
    return found;
}

void
xmpp_jid_registry_free(void)
{
    g_mutex_lock(&lock);
    g_clear_pointer(&bound, g_hash_table_destroy);
    g_mutex_unlock(&lock);
}
