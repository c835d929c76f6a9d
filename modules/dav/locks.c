/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * locks.c - WebDAV write locks (RFC 4918 6, 9.10, 9.11, 10.4): LOCK,
 * UNLOCK, the If header, and the check every write makes.
 *
 * Locks live in memory (a restart drops them, which RFC 4918 allows:
 * clients refresh or relock) in one table behind a mutex, since jobs run
 * on several pool threads.  A lock is exclusive or shared, on one path
 * (depth 0) or a path and everything below it (infinity), with a
 * timeout of at most an hour.  Tokens are opaquelocktoken: UUIDs.  A
 * write to a locked resource must name one of its locks' tokens in the
 * If header (423 Locked otherwise); the If header itself is evaluated
 * as the RFC says (lists of token and ETag conditions, Not, tagged
 * resources) and 412 when no list holds.  Locks are per account: the
 * path always lies in the account's own homes.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

#define TIMEOUT_MAX     3600
#define TIMEOUT_DEFAULT 600

typedef struct {
    char *token; /* "opaquelocktoken:..." */
    char *path;  /* decoded, without a trailing '/' */
    char *owner; /* the DAV:owner element as sent, or NULL */
    gboolean is_shared;
    gboolean is_deep; /* depth infinity */
    gint64 expires;   /* monotonic seconds */
    guint timeout;
} Lock;

static GMutex lock_mutex;
static GHashTable *locks; /* token -> Lock * */

static void
lock_free(gpointer data)
{
    Lock *l = data;

    g_free(l->token);
    g_free(l->path);
    g_free(l->owner);
    g_free(l);
}

static char *
norm(const char *path)
{
    gsize len = strlen(path);

    while (len > 1 && path[len - 1] == '/')
        len--;
    return g_strndup(path, len);
}

/* Does l cover path (normalised)?  Lock held. */
static gboolean
covers(const Lock *l, const char *path)
{
    gsize n = strlen(l->path);

    return strcmp(l->path, path) == 0 ||
           (l->is_deep && strncmp(path, l->path, n) == 0 && path[n] == '/');
}

/* Drop expired locks.  Lock held. */
static void
expire(void)
{
    GHashTableIter it;
    gpointer v;
    gint64 now = g_get_monotonic_time() / G_USEC_PER_SEC;

    if (locks == NULL)
        locks = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, lock_free);
    g_hash_table_iter_init(&it, locks);
    while (g_hash_table_iter_next(&it, NULL, &v))
        if (((Lock *)v)->expires <= now)
            g_hash_table_iter_remove(&it);
}

/* The locks covering path, or below it when deep.  Lock held.  (transfer
 * container) */
static GPtrArray *
locks_on(const char *path, gboolean with_below)
{
    GPtrArray *out = g_ptr_array_new();
    GHashTableIter it;
    gpointer v;
    gsize n = strlen(path);

    expire();
    g_hash_table_iter_init(&it, locks);
    while (g_hash_table_iter_next(&it, NULL, &v)) {
        Lock *l = v;
        if (covers(l, path) || (with_below && strncmp(l->path, path, n) == 0 && l->path[n] == '/'))
            g_ptr_array_add(out, l);
    }
    return out;
}

static void
activelock(GString *out, const Lock *l)
{
    g_string_append_printf(out,
                           "<D:activelock><D:locktype><D:write/></D:locktype><D:lockscope>%s"
                           "</D:lockscope><D:depth>%s</D:depth>",
                           l->is_shared ? "<D:shared/>" : "<D:exclusive/>",
                           l->is_deep ? "infinity" : "0");
    if (l->owner != NULL)
        g_string_append(out, l->owner);
    g_string_append_printf(out,
                           "<D:timeout>Second-%u</D:timeout><D:locktoken><D:href>%s</D:href>"
                           "</D:locktoken><D:lockroot><D:href>",
                           l->timeout, l->token);
    dav_xml_escape(out, l->path);
    g_string_append(out, "</D:href></D:lockroot></D:activelock>");
}

void
dav_locks_discovery(const char *path, GString *out)
{
    g_autofree char *p = norm(path);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock_mutex);
    g_autoptr(GPtrArray) on = locks_on(p, FALSE);

    g_string_append(out, "<D:lockdiscovery>");
    for (guint i = 0; i < on->len; i++)
        activelock(out, on->pdata[i]);
    g_string_append(out, "</D:lockdiscovery>");
}

/* --- the If header (RFC 4918 10.4) */

typedef struct {
    gboolean is_not;
    gboolean is_token;
    char *value; /* token or ETag */
} Cond;

static void
cond_free(gpointer p)
{
    g_free(((Cond *)p)->value);
    g_free(p);
}

/* One list "(...)" starting at *s; FALSE when malformed. */
static gboolean
parse_list(const char **s, GPtrArray *conds)
{
    const char *p = *s + 1;

    while (*p != '\0' && *p != ')') {
        gboolean is_not = FALSE;
        const char *end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (g_ascii_strncasecmp(p, "Not", 3) == 0) {
            is_not = TRUE;
            p += 3;
            while (*p == ' ' || *p == '\t')
                p++;
        }
        if (*p != '<' && *p != '[')
            return *p == ')' && !is_not ? (*s = p, TRUE) : FALSE;
        end = strchr(p, *p == '<' ? '>' : ']');
        if (end == NULL)
            return FALSE;
        Cond *c = g_new0(Cond, 1);
        c->is_not = is_not;
        c->is_token = *p == '<';
        c->value = g_strndup(p + 1, end - p - 1);
        g_ptr_array_add(conds, c);
        p = end + 1;
        while (*p == ' ' || *p == '\t')
            p++;
    }
    if (*p != ')')
        return FALSE;
    *s = p;
    return TRUE;
}

typedef struct {
    char *resource; /* decoded path, or NULL: the request's */
    GPtrArray *conds;
} IfList;

static void
iflist_free(gpointer p)
{
    IfList *l = p;

    g_free(l->resource);
    g_ptr_array_unref(l->conds);
    g_free(l);
}

/* (transfer full) element IfList, or NULL when malformed. */
static GPtrArray *
parse_if(const char *header)
{
    g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func(iflist_free);
    g_autofree char *tag = NULL;

    for (const char *p = header; *p != '\0'; p++) {
        if (*p == ' ' || *p == '\t')
            continue;
        if (*p == '<') {
            const char *end = strchr(p, '>');
            if (end == NULL)
                return NULL;
            g_free(tag);
            g_autofree char *raw = g_strndup(p + 1, end - p - 1);
            tag = dav_href_path(raw);
            if (tag == NULL)
                tag = g_strdup("");
            p = end;
        } else if (*p == '(') {
            IfList *l = g_new0(IfList, 1);
            l->resource = g_strdup(tag);
            l->conds = g_ptr_array_new_with_free_func(cond_free);
            g_ptr_array_add(lists, l);
            if (!parse_list(&p, l->conds))
                return NULL;
        } else {
            return NULL;
        }
    }
    return g_steal_pointer(&lists);
}

/* Is token a live lock covering path?  Lock held. */
static gboolean
token_on(const char *token, const char *path)
{
    Lock *l = g_hash_table_lookup(locks, token);

    return l != NULL && covers(l, path);
}

static gboolean
list_holds(DavJob *job, const IfList *l, const char *path)
{
    g_autofree char *p = norm(l->resource != NULL && *l->resource ? l->resource : path);
    g_autofree char *etag = NULL;

    for (guint i = 0; i < l->conds->len; i++) {
        const Cond *c = l->conds->pdata[i];
        gboolean ok;
        if (c->is_token) {
            ok = token_on(c->value, p);
        } else {
            if (etag == NULL)
                etag = dav_etag_of(job, l->resource != NULL && *l->resource ? l->resource : path);
            ok = etag != NULL && strcmp(etag, c->value) == 0;
        }
        if (ok == c->is_not)
            return FALSE;
    }
    return TRUE;
}

/* Tokens the If header submits.  (transfer full) */
static GPtrArray *
submitted(GPtrArray *lists)
{
    GPtrArray *out = g_ptr_array_new();

    for (guint i = 0; lists != NULL && i < lists->len; i++) {
        const IfList *l = lists->pdata[i];
        for (guint j = 0; j < l->conds->len; j++) {
            const Cond *c = l->conds->pdata[j];
            if (c->is_token && !c->is_not)
                g_ptr_array_add(out, c->value);
        }
    }
    return out;
}

/* Is every lock on path (and, when deep, below it) submitted? */
static gboolean
unlocked_for(GPtrArray *tokens, const char *path, gboolean deep)
{
    g_autofree char *p = norm(path);
    g_autoptr(GPtrArray) on = locks_on(p, deep);

    for (guint i = 0; i < on->len; i++) {
        const Lock *l = on->pdata[i];
        gboolean found = FALSE;
        for (guint j = 0; j < tokens->len && !found; j++)
            found = strcmp(tokens->pdata[j], l->token) == 0;
        if (!found)
            return FALSE;
    }
    return TRUE;
}

gboolean
dav_locks_check(DavJob *job, const char *path, const char *also)
{
    const char *header = dav_header(job, "if");
    g_autoptr(GPtrArray) lists = header != NULL ? parse_if(header) : NULL;
    g_autoptr(GPtrArray) tokens = NULL;
    gboolean holds = header == NULL,
             is_deep = strcmp(job->method, "DELETE") == 0 || strcmp(job->method, "MOVE") == 0;
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock_mutex);

    expire();
    if (header != NULL && lists == NULL) {
        dav_text(job, 400, "Bad Request: malformed If header\n");
        return FALSE;
    }
    for (guint i = 0; lists != NULL && i < lists->len && !holds; i++)
        holds = list_holds(job, lists->pdata[i], path);
    if (!holds) {
        dav_text(job, 412, "Precondition Failed: no list of the If header holds\n");
        return FALSE;
    }
    tokens = submitted(lists);
    if (!unlocked_for(tokens, path, is_deep) ||
        (also != NULL && !unlocked_for(tokens, also, TRUE))) {
        dav_precondition(job, 423, NS_DAV, "lock-token-submitted", "the resource is locked");
        return FALSE;
    }
    return TRUE;
}

char *
dav_locks_add(const char *path, gboolean is_shared, gboolean is_deep, const char *owner,
              guint timeout)
{
    g_autofree char *p = norm(path);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock_mutex);
    g_autoptr(GPtrArray) on = locks_on(p, is_deep);
    g_autofree char *uuid = g_uuid_string_random();
    Lock *l;

    for (guint i = 0; i < on->len; i++)
        if (!is_shared || !((Lock *)on->pdata[i])->is_shared)
            return NULL;
    l = g_new0(Lock, 1);
    l->token = g_strconcat("opaquelocktoken:", uuid, NULL);
    l->path = g_steal_pointer(&p);
    l->owner = g_strdup(owner);
    l->is_shared = is_shared;
    l->is_deep = is_deep;
    l->timeout = timeout;
    l->expires = g_get_monotonic_time() / G_USEC_PER_SEC + timeout;
    g_hash_table_insert(locks, l->token, l);
    return g_strdup(l->token);
}

gboolean
dav_locks_refresh(const char *token, const char *path, guint timeout)
{
    g_autofree char *p = norm(path);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock_mutex);
    Lock *l;

    expire();
    l = g_hash_table_lookup(locks, token);
    if (l == NULL || !covers(l, p))
        return FALSE;
    l->timeout = timeout;
    l->expires = g_get_monotonic_time() / G_USEC_PER_SEC + timeout;
    return TRUE;
}

gboolean
dav_locks_remove(const char *token, const char *path)
{
    g_autofree char *p = norm(path);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock_mutex);
    Lock *l;

    expire();
    l = g_hash_table_lookup(locks, token);
    if (l == NULL || !covers(l, p))
        return FALSE;
    g_hash_table_remove(locks, token);
    return TRUE;
}

void
dav_locks_drop(const char *path)
{
    g_autofree char *p = norm(path);
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&lock_mutex);
    g_autoptr(GPtrArray) on = locks_on(p, TRUE);

    for (guint i = 0; i < on->len; i++) {
        Lock *l = on->pdata[i];
        gsize n = strlen(p);
        if (strncmp(l->path, p, n) == 0 && (l->path[n] == '\0' || l->path[n] == '/'))
            g_hash_table_remove(locks, l->token);
    }
}
