/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-im.c - the IM history and IM settings of an account's index.db.
 *
 * Owns the SQL of the im and im_settings tables (schema_v8 in
 * store-index.c); it knows nothing of sessions, logs or addresses, which
 * are the hub's (core/im/).  An entry's group list is stored as one
 * string, the addresses joined by '\n'.  A history read builds its WHERE
 * clause from the query, so its statement is prepared for the call and
 * not cached.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-im.h"
#include "store/store-private.h"

HermodIm *
hermod_im_copy(const HermodIm *im)
{
    HermodIm *c = g_new0(HermodIm, 1);

    *c = *im;
    c->account = g_strdup(im->account);
    c->sender = g_strdup(im->sender);
    c->recipient = g_strdup(im->recipient);
    c->text = g_strdup(im->text);
    c->source = g_strdup(im->source);
    c->thread = g_strdup(im->thread);
    c->client_id = g_strdup(im->client_id);
    c->resource = g_strdup(im->resource);
    c->group = g_strdupv(im->group);
    return c;
}

void
hermod_im_free(HermodIm *im)
{
    if (im == NULL)
        return;
    g_free(im->account);
    g_free(im->sender);
    g_free(im->recipient);
    g_free(im->text);
    g_free(im->source);
    g_free(im->thread);
    g_free(im->client_id);
    g_free(im->resource);
    g_strfreev(im->group);
    g_free(im);
}

static void
bind_nullable(sqlite3_stmt *st, int i, const char *s)
{
    if (s != NULL)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* A lookup: the entry with this dedupe key, into im. */
static gboolean
find_dedupe(HermodStore *store, const char *key, HermodIm *im, gboolean *out_found, GError **error)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store, "SELECT id, time, flags FROM im WHERE dedupe = ?", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    rc = hermod_store_step(store, st, "looking up an IM", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_found = rc == SQLITE_ROW;
    if (*out_found) {
        im->id = sqlite3_column_int64(st, 0);
        im->time = sqlite3_column_int64(st, 1);
        im->flags = (guint32)sqlite3_column_int64(st, 2);
    }
    sqlite3_reset(st);
    return TRUE;
}

static gboolean
insert(HermodStore *store, HermodStoreImAdd *add, GError **error)
{
    HermodIm *im = add->im;
    sqlite3_stmt *st = hermod_store_stmt(
        store,
        "INSERT INTO im(time, sender, recipient, peer, text, source, outgoing, flags, thread,"
        " client_id, resource, grp, dedupe) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)",
        error);
    g_autofree char *grp = im->group != NULL ? g_strjoinv("\n", im->group) : NULL;
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, im->time);
    sqlite3_bind_text(st, 2, im->sender, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, im->recipient, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, add->peer, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, im->text, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, im->source, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int(st, 7, im->is_outgoing ? 1 : 0);
    sqlite3_bind_int64(st, 8, im->flags);
    bind_nullable(st, 9, im->thread);
    bind_nullable(st, 10, im->client_id);
    bind_nullable(st, 11, im->resource);
    bind_nullable(st, 12, grp);
    bind_nullable(st, 13, add->dedupe_key);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return hermod_store_db_error(store, error, "adding an IM");
    im->id = sqlite3_last_insert_rowid(store->db);
    return TRUE;
}

/* Lock held. */
static gboolean
add_locked(HermodStore *store, HermodStoreImAdd *add, gboolean *out_is_duplicate, GError **error)
{
    gboolean found = FALSE;

    if (add->dedupe_key != NULL && !find_dedupe(store, add->dedupe_key, add->im, &found, error))
        return FALSE;
    *out_is_duplicate = found;
    return found || insert(store, add, error);
}

gboolean
hermod_store_im_add(HermodStore *store, HermodStoreImAdd *add, gboolean *out_is_duplicate,
                    GError **error)
{
    gboolean ok;

    if (add->im->time == 0)
        add->im->time = g_get_real_time();
    g_mutex_lock(&store->lock);
    /* FULL for this commit only: it syncs the WAL, so the IM is durable. */
    ok = hermod_store_exec(store, "PRAGMA synchronous=FULL; BEGIN IMMEDIATE", error);
    if (ok) {
        ok = add_locked(store, add, out_is_duplicate, error) &&
             hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
    }
    hermod_store_exec(store, "PRAGMA synchronous=NORMAL", NULL);
    g_mutex_unlock(&store->lock);
    return ok;
}

static HermodIm *
read_row(HermodStore *store, sqlite3_stmt *st)
{
    HermodIm *im = g_new0(HermodIm, 1);
    const char *grp;

#define TEXT(i) g_strdup((const char *)sqlite3_column_text(st, (i)))
    im->id = sqlite3_column_int64(st, 0);
    im->time = sqlite3_column_int64(st, 1);
    im->account = g_strdup(store->account);
    im->sender = TEXT(2);
    im->recipient = TEXT(3);
    im->text = TEXT(4);
    im->source = TEXT(5);
    im->is_outgoing = sqlite3_column_int(st, 6) != 0;
    im->flags = (guint32)sqlite3_column_int64(st, 7);
    im->thread = TEXT(8);
    im->client_id = TEXT(9);
    im->resource = TEXT(10);
#undef TEXT
    grp = (const char *)sqlite3_column_text(st, 11);
    if (grp != NULL)
        im->group = g_strsplit(grp, "\n", -1);
    return im;
}

/* The WHERE clause of q; binds in the order written. */
static char *
where_of(const HermodImQuery *q)
{
    GString *w = g_string_new("1");

    if (q->with != NULL)
        g_string_append(w, " AND peer = :with");
    if (q->since != 0)
        g_string_append(w, " AND time >= :since");
    if (q->until != 0)
        g_string_append(w, " AND time < :until");
    if (q->after_id != 0)
        g_string_append(w, " AND id > :after");
    if (q->before_id != 0)
        g_string_append(w, " AND id < :before");
    if (q->is_incoming_only)
        g_string_append(w, " AND outgoing = 0");
    if (q->without_flags != 0)
        g_string_append(w, " AND (flags & :without) = 0");
    if (q->thread != NULL)
        g_string_append(w, " AND thread = :thread");
    return g_string_free(w, FALSE);
}

static void
bind_query(sqlite3_stmt *st, const HermodImQuery *q, guint limit)
{
    int i;

#define BIND(name, call)                                                                           \
    if ((i = sqlite3_bind_parameter_index(st, name)) > 0)                                          \
    call
    BIND(":with", sqlite3_bind_text(st, i, q->with, -1, SQLITE_TRANSIENT));
    BIND(":since", sqlite3_bind_int64(st, i, q->since));
    BIND(":until", sqlite3_bind_int64(st, i, q->until));
    BIND(":after", sqlite3_bind_int64(st, i, q->after_id));
    BIND(":before", sqlite3_bind_int64(st, i, q->before_id));
    BIND(":without", sqlite3_bind_int64(st, i, q->without_flags));
    BIND(":thread", sqlite3_bind_text(st, i, q->thread, -1, SQLITE_TRANSIENT));
    BIND(":limit", sqlite3_bind_int64(st, i, limit));
#undef BIND
}

/* Lock held. */
static GPtrArray *
history_locked(HermodStore *store, const HermodImQuery *q, GError **error)
{
    guint limit =
        q->limit == 0 || q->limit > HERMOD_IM_HISTORY_MAX ? HERMOD_IM_HISTORY_MAX : q->limit;
    g_autofree char *where = where_of(q);
    g_autofree char *sql = g_strdup_printf(
        "SELECT id, time, sender, recipient, text, source, outgoing, flags, thread, client_id,"
        " resource, grp FROM im WHERE %s ORDER BY id %s LIMIT :limit",
        where, q->is_last ? "DESC" : "ASC");
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)hermod_im_free);
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(store->db, sql, -1, &st, NULL) != SQLITE_OK) {
        hermod_store_db_error(store, error, "preparing a history read");
        return NULL;
    }
    bind_query(st, q, limit);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        g_ptr_array_add(out, read_row(store, st));
    if (rc != SQLITE_DONE)
        hermod_store_db_error(store, error, "reading the IM history");
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return NULL;
    if (q->is_last) {
        for (guint i = 0, j = out->len; i + 1 < j; i++, j--) {
            gpointer t = out->pdata[i];
            out->pdata[i] = out->pdata[j - 1];
            out->pdata[j - 1] = t;
        }
    }
    return g_steal_pointer(&out);
}

GPtrArray *
hermod_store_im_history(HermodStore *store, const HermodImQuery *q, GError **error)
{
    GPtrArray *out;

    g_mutex_lock(&store->lock);
    out = history_locked(store, q, error);
    g_mutex_unlock(&store->lock);
    return out;
}

/* Lock held. */
static gboolean
set_flags_locked(HermodStore *store, const gint64 *ids, gsize n, guint32 flags, gboolean is_on,
                 GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         is_on ? "UPDATE im SET flags = flags | ? WHERE id = ?"
                                               : "UPDATE im SET flags = flags & ~? WHERE id = ?",
                                         error);

    if (st == NULL)
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        sqlite3_bind_int64(st, 1, flags);
        sqlite3_bind_int64(st, 2, ids[i]);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return hermod_store_db_error(store, error, "changing IM flags");
    }
    return TRUE;
}

gboolean
hermod_store_im_set_flags(HermodStore *store, const gint64 *ids, gsize n_ids, guint32 flags,
                          gboolean is_on, GError **error)
{
    gboolean ok;

    if (n_ids == 0)
        return TRUE;
    g_mutex_lock(&store->lock);
    ok = hermod_store_exec(store, "BEGIN IMMEDIATE", error);
    if (ok) {
        ok = set_flags_locked(store, ids, n_ids, flags, is_on, error) &&
             hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
    }
    g_mutex_unlock(&store->lock);
    return ok;
}

/* Lock held. */
static gboolean
unread_locked(HermodStore *store, guint *out_total, GHashTable *by_sender, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT peer, count(*) FROM im WHERE outgoing = 0"
                                         " AND (flags & ?) = 0 GROUP BY peer",
                                         error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, HERMOD_IM_FLAG_READ);
    *out_total = 0;
    while ((rc = hermod_store_step(store, st, "counting unread IMs", error)) == SQLITE_ROW) {
        guint n = (guint)sqlite3_column_int64(st, 1);
        *out_total += n;
        if (by_sender != NULL)
            g_hash_table_insert(by_sender, g_strdup((const char *)sqlite3_column_text(st, 0)),
                                GUINT_TO_POINTER(n));
    }
    if (rc != SQLITE_DONE)
        return FALSE;
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_store_im_unread(HermodStore *store, guint *out_total, GHashTable **out_by_sender,
                       GError **error)
{
    g_autoptr(GHashTable) by =
        out_by_sender != NULL ? g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL) : NULL;
    gboolean ok;

    g_mutex_lock(&store->lock);
    ok = unread_locked(store, out_total, by, error);
    g_mutex_unlock(&store->lock);
    if (ok && out_by_sender != NULL)
        *out_by_sender = g_steal_pointer(&by);
    return ok;
}

gboolean
hermod_store_im_setting_get(HermodStore *store, const char *key, char **out_value, GError **error)
{
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    *out_value = NULL;
    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store, "SELECT value FROM im_settings WHERE key = ?", error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        rc = hermod_store_step(store, st, "reading an IM setting", error);
        if (rc == SQLITE_ROW)
            *out_value = g_strdup((const char *)sqlite3_column_text(st, 0));
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            sqlite3_reset(st);
    }
    g_mutex_unlock(&store->lock);
    return rc == SQLITE_ROW || rc == SQLITE_DONE;
}

gboolean
hermod_store_im_setting_set(HermodStore *store, const char *key, const char *value, GError **error)
{
    sqlite3_stmt *st;
    int rc = SQLITE_ERROR;

    g_mutex_lock(&store->lock);
    st = hermod_store_stmt(store,
                           value != NULL ? "INSERT OR REPLACE INTO im_settings VALUES(?, ?)"
                                         : "DELETE FROM im_settings WHERE key = ?",
                           error);
    if (st != NULL) {
        sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
        if (value != NULL)
            sqlite3_bind_text(st, 2, value, -1, SQLITE_TRANSIENT);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            hermod_store_db_error(store, error, "saving an IM setting");
    }
    g_mutex_unlock(&store->lock);
    return rc == SQLITE_DONE;
}
