/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-dav-object.c - the objects of DAV collections and the dead
 * properties of collections and objects.
 *
 * An object is one row: the bytes as sent (so that X- properties and
 * vCards come back byte for byte), its strong ETag (the first 128 bits
 * of their SHA-256, quoted), the UID the caller found in it and its time
 * span.  A PUT checks, in one transaction, the conditional headers, the
 * UID's uniqueness within the collection and the account's quota (mail
 * and DAV bytes count together, store->used), then writes the row and
 * logs the change.  Properties are whole XML elements keyed by
 * "{namespace}local"; they go with their object.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-dav.h"
#include "store/store-private.h"

#define OBJECT_COLUMNS "SELECT name, uid, etag, content_type, modseq, size, first_start, last_end"

static gboolean
dav_error(GError **error, HermodDavError code, const char *what, const char *arg)
{
    g_set_error(error, HERMOD_DAV_ERROR, code, "%s%s", what, arg);
    return FALSE;
}

/* One allocation per object: the struct, then copies of n text columns
 * of st, so that listing thousands of objects costs one malloc and one
 * free each; hermod_store_dav_object_free frees it whole.  The copy of
 * column i goes to the string member at offset field[i]; SQL NULL stays
 * NULL. */
static HermodDavObject *
object_with_texts(sqlite3_stmt *st, const gsize *field, int n)
{
    const char *text[4];
    gsize len[4], room = sizeof(HermodDavObject);
    char *at;
    HermodDavObject *o;

    g_assert(n <= 4);
    /* strlen, not sqlite3_column_bytes: each column call costs more than
     * the strlen of these short texts, and a C string ends at a NUL anyway. */
    for (int i = 0; i < n; i++) {
        text[i] = (const char *)sqlite3_column_text(st, i);
        len[i] = text[i] != NULL ? strlen(text[i]) : 0;
        room += len[i] + 1;
    }
    o = g_malloc0(room);
    at = (char *)(o + 1);
    for (int i = 0; i < n; i++) {
        G_STRUCT_MEMBER(char *, o, field[i]) = text[i] != NULL ? at : NULL;
        if (text[i] != NULL)
            memcpy(at, text[i], len[i]);
        at[len[i]] = '\0';
        at += len[i] + 1;
    }
    return o;
}

/* OBJECT_COLUMNS' texts, in order. */
static const gsize object_texts[] = {
    G_STRUCT_OFFSET(HermodDavObject, name),
    G_STRUCT_OFFSET(HermodDavObject, uid),
    G_STRUCT_OFFSET(HermodDavObject, etag),
    G_STRUCT_OFFSET(HermodDavObject, content_type),
};

static HermodDavObject *
read_object(sqlite3_stmt *st, gboolean with_data)
{
    HermodDavObject *o = object_with_texts(st, object_texts, G_N_ELEMENTS(object_texts));

    o->modseq = (guint64)sqlite3_column_int64(st, 4);
    o->size = (guint64)sqlite3_column_int64(st, 5);
    o->first_start = sqlite3_column_int64(st, 6);
    o->last_end = sqlite3_column_int64(st, 7);
    o->data = with_data
                  ? g_bytes_new(sqlite3_column_blob(st, 8), (gsize)sqlite3_column_bytes(st, 8))
                  : NULL;
    return o;
}

/* The listing's SELECT; without a span, no condition on it per row. */
static const char *
listing_sql(gboolean with_data, gboolean has_span)
{
#define SPAN " AND first_start < ?3 AND last_end > ?2"
    static const char *const sql[2][2] = {
        {OBJECT_COLUMNS " FROM dav_objects WHERE collection_id = ?1 ORDER BY name",
         OBJECT_COLUMNS " FROM dav_objects WHERE collection_id = ?1" SPAN " ORDER BY name"},
        {OBJECT_COLUMNS ", data FROM dav_objects WHERE collection_id = ?1 ORDER BY name",
         OBJECT_COLUMNS ", data FROM dav_objects WHERE collection_id = ?1" SPAN " ORDER BY name"},
    };
#undef SPAN

    return sql[with_data ? 1 : 0][has_span ? 1 : 0];
}

GPtrArray *
hermod_store_dav_objects(HermodStore *store, gint64 collection_id, gboolean with_data, gint64 start,
                         gint64 end, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    sqlite3_stmt *st = hermod_store_stmt(store, listing_sql(with_data, start < end), error);
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify)hermod_store_dav_object_free);
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, collection_id);
    if (start < end) {
        sqlite3_bind_int64(st, 2, start);
        sqlite3_bind_int64(st, 3, end);
    }
    while ((rc = hermod_store_step(store, st, "listing objects", error)) == SQLITE_ROW)
        g_ptr_array_add(out, read_object(st, with_data));
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

/* The brief listing's texts, in order. */
static const gsize brief_texts[] = {
    G_STRUCT_OFFSET(HermodDavObject, name),
    G_STRUCT_OFFSET(HermodDavObject, etag),
    G_STRUCT_OFFSET(HermodDavObject, content_type),
};

/* A brief row: name, etag, content_type, size. */
static HermodDavObject *
read_brief(sqlite3_stmt *st)
{
    HermodDavObject *o = object_with_texts(st, brief_texts, G_N_ELEMENTS(brief_texts));

    o->size = (guint64)sqlite3_column_int64(st, 3);
    return o;
}

GPtrArray *
hermod_store_dav_objects_brief(HermodStore *store, gint64 collection_id, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT name, etag, content_type, size FROM dav_objects"
                                         " WHERE collection_id = ? ORDER BY name",
                                         error);
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify)hermod_store_dav_object_free);
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, collection_id);
    while ((rc = hermod_store_step(store, st, "listing objects", error)) == SQLITE_ROW)
        g_ptr_array_add(out, read_brief(st));
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

gboolean
hermod_store_dav_object(HermodStore *store, gint64 collection_id, const char *name,
                        HermodDavObject **out, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    sqlite3_stmt *st = hermod_store_stmt(
        store, OBJECT_COLUMNS ", data FROM dav_objects WHERE collection_id = ? AND name = ?",
        error);
    int rc;

    *out = NULL;
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, collection_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    rc = hermod_store_step(store, st, "reading an object", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    if (rc == SQLITE_ROW)
        *out = read_object(st, TRUE);
    sqlite3_reset(st);
    return TRUE;
}

/* Lock held.  *out_name (transfer full) NULL when no object but skip has uid. */
static gboolean
uid_owner(HermodStore *store, gint64 collection_id, const char *uid, const char *skip,
          char **out_name, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT name FROM dav_objects WHERE collection_id = ?"
                                         " AND uid = ? AND name IS NOT ? LIMIT 1",
                                         error);
    int rc;

    *out_name = NULL;
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, collection_id);
    sqlite3_bind_text(st, 2, uid, -1, SQLITE_TRANSIENT);
    if (skip != NULL)
        sqlite3_bind_text(st, 3, skip, -1, SQLITE_TRANSIENT);
    rc = hermod_store_step(store, st, "looking up a UID", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    if (rc == SQLITE_ROW)
        *out_name = g_strdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_store_dav_object_by_uid(HermodStore *store, gint64 collection_id, const char *uid,
                               char **out_name, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);

    return uid_owner(store, collection_id, uid, NULL, out_name, error);
}

/* Lock held: the current ETag and size of name (*out_etag NULL: none). */
static gboolean
current(HermodStore *store, gint64 collection_id, const char *name, char **out_etag,
        guint64 *out_size, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "SELECT etag, size FROM dav_objects WHERE collection_id = ? AND name = ?", error);
    int rc;

    *out_etag = NULL;
    *out_size = 0;
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, collection_id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    rc = hermod_store_step(store, st, "reading an ETag", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    if (rc == SQLITE_ROW) {
        *out_etag = g_strdup((const char *)sqlite3_column_text(st, 0));
        *out_size = (guint64)sqlite3_column_int64(st, 1);
    }
    sqlite3_reset(st);
    return TRUE;
}

static gboolean
conditions_hold(const char *etag, const char *if_match, gboolean if_none_match, GError **error)
{
    if (if_none_match && etag != NULL)
        return dav_error(error, HERMOD_DAV_ERROR_PRECONDITION, "exists (If-None-Match): ", etag);
    if (if_match != NULL && etag == NULL)
        return dav_error(error, HERMOD_DAV_ERROR_PRECONDITION, "no resource for If-Match ",
                         if_match);
    if (if_match != NULL && strcmp(if_match, "*") != 0 && strcmp(if_match, etag) != 0)
        return dav_error(error, HERMOD_DAV_ERROR_PRECONDITION, "If-Match failed, ETag is ", etag);
    return TRUE;
}

typedef struct {
    const HermodDavPut *put;
    guint64 quota;
    char *etag;
    gboolean is_created;
    gint64 delta;
} PutJob;

static gboolean
write_row(HermodStore *store, const HermodDavPut *put, const char *etag, guint64 modseq,
          GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "INSERT OR REPLACE INTO dav_objects(collection_id, name,"
                                         " uid, etag, content_type, modseq, size, first_start,"
                                         " last_end, data) VALUES(?,?,?,?,?,?,?,?,?,?)",
                                         error);
    gsize len = 0;
    const void *bytes = g_bytes_get_data(put->data, &len);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, put->collection_id);
    sqlite3_bind_text(st, 2, put->name, -1, SQLITE_TRANSIENT);
    if (put->uid != NULL)
        sqlite3_bind_text(st, 3, put->uid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, etag, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, put->content_type != NULL ? put->content_type : "", -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 6, (gint64)modseq);
    sqlite3_bind_int64(st, 7, (gint64)len);
    sqlite3_bind_int64(st, 8, put->first_start);
    sqlite3_bind_int64(st, 9, put->last_end);
    sqlite3_bind_blob(st, 10, len > 0 ? bytes : "", (int)len, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "writing an object");
}

static gboolean
put_txn(HermodStore *store, gpointer data, GError **error)
{
    PutJob *job = data;
    const HermodDavPut *put = job->put;
    g_autofree char *old = NULL;
    g_autofree char *other = NULL;
    guint64 old_size = 0, modseq = 0;

    if (!current(store, put->collection_id, put->name, &old, &old_size, error) ||
        !conditions_hold(old, put->if_match, put->if_none_match, error))
        return FALSE;
    if (put->uid != NULL &&
        !uid_owner(store, put->collection_id, put->uid, put->name, &other, error))
        return FALSE;
    if (other != NULL)
        return dav_error(error, HERMOD_DAV_ERROR_UID_CONFLICT, "", other);
    job->delta = (gint64)g_bytes_get_size(put->data) - (gint64)old_size;
    if (job->delta > 0 && hermod_store_over_quota(store, job->quota, (guint64)job->delta, error))
        return FALSE;
    job->is_created = old == NULL;
    return hermod_store_dav_log(store, put->collection_id, put->name, FALSE, &modseq, error) &&
           write_row(store, put, job->etag, modseq, error);
}

gboolean
hermod_store_dav_put(HermodStore *store, const HermodDavPut *put, char **out_etag,
                     gboolean *out_created, GError **error)
{
    PutJob job = {put, 0, NULL, FALSE, 0};
    g_autofree char *sum = NULL;

    if (!hermod_store_dav_name_ok(put->name, error) ||
        !hermod_store_quota_limit(store, &job.quota, error))
        return FALSE;
    sum = g_compute_checksum_for_bytes(G_CHECKSUM_SHA256, put->data);
    job.etag = g_strdup_printf("\"%.32s\"", sum);
    if (!hermod_store_dav_txn(store, put_txn, &job, error)) {
        g_free(job.etag);
        return FALSE;
    }
    g_mutex_lock(&store->lock);
    store->used = (guint64)MAX(0, (gint64)store->used + job.delta);
    g_mutex_unlock(&store->lock);
    if (out_created != NULL)
        *out_created = job.is_created;
    if (out_etag != NULL)
        *out_etag = job.etag;
    else
        g_free(job.etag);
    return TRUE;
}

typedef struct {
    gint64 collection_id;
    const char *name;
    const char *if_match;
    guint64 freed;
} DeleteJob;

static gboolean
run_delete(HermodStore *store, const char *sql, gint64 id, const char *name, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, sql, error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "deleting an object");
}

static gboolean
delete_txn(HermodStore *store, gpointer data, GError **error)
{
    DeleteJob *job = data;
    g_autofree char *etag = NULL;
    guint64 modseq = 0;

    if (!current(store, job->collection_id, job->name, &etag, &job->freed, error))
        return FALSE;
    if (etag == NULL)
        return dav_error(error, HERMOD_DAV_ERROR_NOT_FOUND, "no object ", job->name);
    return conditions_hold(etag, job->if_match, FALSE, error) &&
           run_delete(store, "DELETE FROM dav_objects WHERE collection_id = ? AND name = ?",
                      job->collection_id, job->name, error) &&
           run_delete(store, "DELETE FROM dav_props WHERE collection_id = ? AND object = ?",
                      job->collection_id, job->name, error) &&
           hermod_store_dav_log(store, job->collection_id, job->name, TRUE, &modseq, error);
}

gboolean
hermod_store_dav_delete(HermodStore *store, gint64 collection_id, const char *name,
                        const char *if_match, GError **error)
{
    DeleteJob job = {collection_id, name, if_match, 0};

    if (!hermod_store_dav_txn(store, delete_txn, &job, error))
        return FALSE;
    hermod_store_release_bytes(store, job.freed);
    return TRUE;
}

void
hermod_store_dav_object_free(HermodDavObject *o)
{
    if (o == NULL)
        return;
    /* The strings are in the same block (read_object). */
    if (o->data != NULL)
        g_bytes_unref(o->data);
    g_free(o);
}

GPtrArray *
hermod_store_dav_props(HermodStore *store, gint64 collection_id, const char *object, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    sqlite3_stmt *st = hermod_store_stmt(
        store, "SELECT name, xml FROM dav_props WHERE collection_id = ? AND object = ?", error);
    g_autoptr(GPtrArray) out =
        g_ptr_array_new_with_free_func((GDestroyNotify)hermod_store_dav_prop_free);
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, collection_id);
    sqlite3_bind_text(st, 2, object != NULL ? object : "", -1, SQLITE_TRANSIENT);
    while ((rc = hermod_store_step(store, st, "reading properties", error)) == SQLITE_ROW) {
        HermodDavProp *p = g_new0(HermodDavProp, 1);
        p->name = g_strdup((const char *)sqlite3_column_text(st, 0));
        p->xml = g_strdup((const char *)sqlite3_column_text(st, 1));
        g_ptr_array_add(out, p);
    }
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

GPtrArray *
hermod_store_dav_props_objects(HermodStore *store, gint64 collection_id, GError **error)
{
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new(&store->lock);
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT DISTINCT object FROM dav_props WHERE "
                                         "collection_id = ? AND object != '' ORDER BY object",
                                         error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_int64(st, 1, collection_id);
    while ((rc = hermod_store_step(store, st, "reading properties", error)) == SQLITE_ROW)
        g_ptr_array_add(out, g_strdup((const char *)sqlite3_column_text(st, 0)));
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

typedef struct {
    gint64 collection_id;
    const char *object;
    GPtrArray *changes;
} PropsJob;

static gboolean
props_txn(HermodStore *store, gpointer data, GError **error)
{
    PropsJob *job = data;

    for (guint i = 0; i < job->changes->len; i++) {
        const HermodDavProp *p = job->changes->pdata[i];
        sqlite3_stmt *st = hermod_store_stmt(
            store,
            p->xml != NULL ? "INSERT OR REPLACE INTO dav_props VALUES(?1, ?2, ?3, ?4)"
                           : "DELETE FROM dav_props WHERE collection_id = ?1 AND object = ?2"
                             " AND name = ?3",
            error);
        if (st == NULL)
            return FALSE;
        sqlite3_bind_int64(st, 1, job->collection_id);
        sqlite3_bind_text(st, 2, job->object, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, p->name, -1, SQLITE_TRANSIENT);
        if (p->xml != NULL)
            sqlite3_bind_text(st, 4, p->xml, -1, SQLITE_TRANSIENT);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        if (rc != SQLITE_DONE)
            return hermod_store_db_error(store, error, "writing a property");
    }
    return TRUE;
}

gboolean
hermod_store_dav_props_update(HermodStore *store, gint64 collection_id, const char *object,
                              GPtrArray *changes, GError **error)
{
    PropsJob job = {collection_id, object != NULL ? object : "", changes};

    return hermod_store_dav_txn(store, props_txn, &job, error);
}

void
hermod_store_dav_prop_free(HermodDavProp *p)
{
    if (p == NULL)
        return;
    g_free(p->name);
    g_free(p->xml);
    g_free(p);
}
