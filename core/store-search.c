/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-search.c - full-text search over an account's messages (SQLite
 * FTS5), for IMAP SEARCH TEXT/BODY and webmail.
 *
 * The index is filled lazily: a search first indexes the messages of its
 * mailbox that have no "fts" row yet (decoded headers and text parts, by
 * GMime), so delivery never pays for it and an account nobody searches
 * costs nothing.  A row's rowid is its message id, so MOVE keeps it and a
 * trigger drops it with the message.  FTS5 matches whole words
 * (unicode61: case and diacritics folded), not IMAP's substrings: "meet"
 * does not find "meeting".  That is the usual trade of servers that use
 * an index, and it keeps search fast on large mailboxes.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>
#include <string.h>

#include "store-private.h"

#define MAX_TEXT (1024 * 1024) /* indexed bytes of one message's body */

static void
gmime_once(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        g_mime_init();
        g_once_init_leave(&done, 1);
    }
}

static void
add_part_text(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    GString *body = data;
    char *text;

    if (!GMIME_IS_TEXT_PART(part) || body->len >= MAX_TEXT)
        return;
    text = g_mime_text_part_get_text(GMIME_TEXT_PART(part));
    if (text != NULL) {
        g_string_append_len(body, text, MIN(strlen(text), MAX_TEXT - body->len));
        g_string_append_c(body, '\n');
    }
    g_free(text);
}

static char *
headers_text(GMimeMessage *msg)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    GString *out = g_string_new(NULL);
    int n = g_mime_header_list_get_count(list);

    for (int i = 0; i < n; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
        const char *value = g_mime_header_get_value(h);
        g_string_append_printf(out, "%s: %s\n", g_mime_header_get_name(h),
                               value != NULL ? value : "");
    }
    return g_string_free(out, FALSE);
}

/* Decoded headers and body text of one message file. */
static gboolean
extract(HermodStore *store, const char *file, char **out_headers, char **out_body)
{
    g_autofree char *path = g_build_filename(store->msg_dir, file, NULL);
    GMappedFile *mf = g_mapped_file_new(path, FALSE, NULL);
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *msg;
    GString *body = g_string_new(NULL);

    if (mf == NULL) {
        g_string_free(body, TRUE);
        return FALSE;
    }
    stream = g_mime_stream_mem_new_with_buffer(g_mapped_file_get_contents(mf),
                                               g_mapped_file_get_length(mf));
    parser = g_mime_parser_new_with_stream(stream);
    msg = g_mime_parser_construct_message(parser, NULL);
    *out_headers = msg != NULL ? headers_text(msg) : g_strdup("");
    if (msg != NULL)
        g_mime_message_foreach(msg, add_part_text, body);
    *out_body = g_string_free(body, FALSE);
    if (msg != NULL)
        g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(stream);
    g_mapped_file_unref(mf);
    return TRUE;
}

static gboolean
index_one(HermodStore *store, gint64 id, const char *file, GError **error)
{
    g_autofree char *headers = NULL;
    g_autofree char *body = NULL;
    sqlite3_stmt *st;
    int rc;

    if (!extract(store, file, &headers, &body)) {
        headers = g_strdup("");
        body = g_strdup("");
    }
    st = hermod_store_stmt(store, "INSERT INTO fts(rowid, headers, body) VALUES(?, ?, ?)", error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, id);
    sqlite3_bind_text(st, 2, headers, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 3, body, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "indexing a message");
}

/* Index the messages of a mailbox that are not in "fts" yet. */
static gboolean
index_missing(HermodStore *store, gint64 box_id, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT m.id, m.file FROM messages m WHERE mailbox_id = ?"
                                         " AND NOT EXISTS (SELECT 1 FROM fts WHERE rowid = m.id)",
                                         error);
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, box_id);
    while (sqlite3_step(st) == SQLITE_ROW) {
        gint64 id = sqlite3_column_int64(st, 0);
        g_array_append_val(ids, id);
        g_ptr_array_add(files, g_strdup((const char *)sqlite3_column_text(st, 1)));
    }
    sqlite3_reset(st);
    for (guint i = 0; i < ids->len; i++) {
        if (!index_one(store, g_array_index(ids, gint64, i), files->pdata[i], error))
            return FALSE;
    }
    return TRUE;
}

/* An FTS5 query: every word of query as a quoted phrase, all required,
 * in the body column only or in both. */
static char *
fts_query(const char *field, const char *query)
{
    g_auto(GStrv) words = g_strsplit_set(query, " \t\r\n", -1);
    GString *out = g_string_new(g_strcmp0(field, "body") == 0 ? "body : (" : "(");
    guint n = 0;

    for (char **w = words; *w != NULL; w++) {
        if (**w == '\0')
            continue;
        g_string_append(out, n++ > 0 ? " \"" : "\"");
        for (const char *p = *w; *p != '\0'; p++) {
            if (*p == '"')
                g_string_append_c(out, '"');
            g_string_append_c(out, *p);
        }
        g_string_append_c(out, '"');
    }
    g_string_append_c(out, ')');
    if (n == 0) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

static GArray *
match(HermodStore *store, gint64 box_id, const char *expr, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT m.uid FROM fts JOIN messages m ON m.id = fts.rowid"
                                         " WHERE fts MATCH ? AND m.mailbox_id = ? ORDER BY m.uid",
                                         error);
    GArray *out;
    int rc;

    if (st == NULL)
        return NULL;
    sqlite3_bind_text(st, 1, expr, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, box_id);
    out = g_array_new(FALSE, FALSE, sizeof(guint32));
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        guint32 uid = (guint32)sqlite3_column_int64(st, 0);
        g_array_append_val(out, uid);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        g_array_unref(out);
        hermod_store_db_error(store, error, "searching");
        return NULL;
    }
    return out;
}

static GArray *
search_locked(HermodStore *store, const char *mailbox, const char *field, const char *query,
              GError **error)
{
    g_autofree char *expr = fts_query(field, query);
    StoreBox box;
    gboolean ok;

    if (!hermod_store_box(store, mailbox, &box, error))
        return NULL;
    if (expr == NULL)
        return g_array_new(FALSE, FALSE, sizeof(guint32));
    ok = hermod_store_exec(store, "BEGIN IMMEDIATE", error);
    if (ok) {
        ok = index_missing(store, box.id, error) && hermod_store_exec(store, "COMMIT", error);
        if (!ok)
            hermod_store_exec(store, "ROLLBACK", NULL);
    }
    return ok ? match(store, box.id, expr, error) : NULL;
}

GArray *
hermod_store_search_text(HermodStore *store, const char *mailbox, const char *field,
                         const char *query, GError **error)
{
    GArray *out;

    gmime_once();
    g_mutex_lock(&store->lock);
    out = search_locked(store, mailbox, field, query != NULL ? query : "", error);
    g_mutex_unlock(&store->lock);
    return out;
}
