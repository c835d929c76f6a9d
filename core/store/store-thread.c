/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-thread.c - what the index keeps about a message's headers: its
 * thread, and the sort keys JMAP sorts on (base subject, first From and
 * To).
 *
 * A message's summary is parsed from its header block once, when it is
 * delivered or appended (before the account lock is taken), and when the
 * schema v6 upgrade meets a message that has none.  Threads follow
 * Message-ID, In-Reply-To and References: a message joins the thread of
 * any message id it names or that names it (table thread_refs); a message
 * without references whose subject is a reply ("Re: x") joins the newest
 * thread with that base subject (thread_subjects); anything else starts
 * a thread whose id is its own email id.  Thread ids never change once
 * given, so a late parent simply joins the thread its replies started.
 * This file does not read message bodies.
 */
#include "autoconfig.h"

#include <string.h>

#include <gmime/gmime.h>

#include "store/store-private.h"

#define HEADER_MAX (256 * 1024)

void
hermod_store_summary_free(StoreSummary *s)
{
    if (s == NULL)
        return;
    g_free(s->message_id);
    g_strfreev(s->refs);
    g_free(s->subject);
    g_free(s->from);
    g_free(s->to);
    g_free(s);
}

/* Strip "Re:", "Fwd:", "[list]" prefixes and "(fwd)" trailers; lower
 * case.  *out_is_reply: anything reply-like was removed. */
static char *
base_subject(const char *subject, gboolean *out_is_reply)
{
    g_autofree char *valid = g_utf8_make_valid(subject != NULL ? subject : "", -1);
    g_autofree char *s = g_utf8_strdown(valid, -1);
    char *p = g_strstrip(s);
    gboolean again = TRUE;

    *out_is_reply = FALSE;
    while (again) {
        gsize n = 0;
        again = FALSE;
        if (g_str_has_prefix(p, "re:") || g_str_has_prefix(p, "fw:") || g_str_has_prefix(p, "aw:"))
            n = 3;
        else if (g_str_has_prefix(p, "fwd:"))
            n = 4;
        else if (p[0] == '[' && strchr(p, ']') != NULL && strchr(p, ']')[1] != '\0')
            n = (gsize)(strchr(p, ']') - p) + 1;
        if (n > 0) {
            *out_is_reply |= p[0] != '[';
            p = g_strchug(p + n);
            again = TRUE;
        }
        if (g_str_has_suffix(p, "(fwd)")) {
            p[strlen(p) - 5] = '\0';
            g_strchomp(p);
            *out_is_reply = again = TRUE;
        }
    }
    return g_strdup(p);
}

/* The sort key of the address list in value: the first display name,
 * else its address, lower case; "" when there is none. */
static char *
first_address(const char *value)
{
    InternetAddressList *list = value != NULL ? internet_address_list_parse(NULL, value) : NULL;
    InternetAddress *a;
    const char *key = NULL;
    char *out;

    if (list == NULL || internet_address_list_length(list) == 0) {
        g_clear_object(&list);
        return g_strdup("");
    }
    a = internet_address_list_get_address(list, 0);
    key = internet_address_get_name(a);
    if ((key == NULL || *key == '\0') && INTERNET_ADDRESS_IS_MAILBOX(a))
        key = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a));
    /* GMime passes on the bytes of an encoded word that is not in its
     * charset (fuzz-store-headers found one); a sort key must be UTF-8. */
    g_autofree char *valid = g_utf8_make_valid(key != NULL ? key : "", -1);
    out = g_utf8_strdown(valid, -1);
    g_object_unref(list);
    return out;
}

/* The ids of References then In-Reply-To, each once.  (transfer full) */
static char **
collect_refs(const char *const values[2])
{
    GPtrArray *out = g_ptr_array_new();

    for (gsize h = 0; h < 2; h++) {
        GMimeReferences *refs = values[h] != NULL ? g_mime_references_parse(NULL, values[h]) : NULL;
        for (int i = 0; refs != NULL && i < g_mime_references_length(refs); i++) {
            const char *id = g_mime_references_get_message_id(refs, i);
            if (id != NULL && *id != '\0' &&
                !g_ptr_array_find_with_equal_func(out, id, g_str_equal, NULL))
                g_ptr_array_add(out, g_strdup(id));
        }
        if (refs != NULL)
            g_mime_references_free(refs);
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(out, FALSE);
}

/* The fields a summary reads.  Of a field given twice, the message id and
 * the subject are the last, the others the first, as GMime's message
 * object had them (its threads and sort keys must not change). */
enum {
    F_MESSAGE_ID,
    F_SUBJECT,
    F_LAST_WINS = F_SUBJECT,
    F_REFERENCES,
    F_IN_REPLY_TO,
    F_FROM,
    F_TO,
    F_COUNT
};
static const char *const field_names[F_COUNT] = {"Message-ID",  "Subject", "References",
                                                 "In-Reply-To", "From",    "To"};

static gboolean
take_field(const char *name, gsize name_len, const char *value, gsize value_len, gpointer data)
{
    char **fields = data;

    for (int f = 0; f < F_COUNT; f++) {
        if ((fields[f] == NULL || f <= F_LAST_WINS) && strlen(field_names[f]) == name_len &&
            g_ascii_strncasecmp(name, field_names[f], name_len) == 0) {
            g_free(fields[f]);
            fields[f] = hermod_store_header_unfold(value, value_len);
        }
    }
    return TRUE;
}

StoreSummary *
hermod_store_summary_parse(const char *data, gsize len)
{
    static gsize once;
    StoreSummary *s = g_new0(StoreSummary, 1);
    char *fields[F_COUNT] = {NULL};
    g_autofree char *subject = NULL;

    if (g_once_init_enter(&once)) {
        g_mime_init();
        g_once_init_leave(&once, 1);
    }
    hermod_store_headers_scan(data, MIN(len, HEADER_MAX), take_field, fields);
    s->message_id =
        fields[F_MESSAGE_ID] != NULL ? g_mime_utils_decode_message_id(fields[F_MESSAGE_ID]) : NULL;
    if (s->message_id != NULL && *s->message_id == '\0')
        g_clear_pointer(&s->message_id, g_free);
    s->refs = collect_refs((const char *const[]){fields[F_REFERENCES], fields[F_IN_REPLY_TO]});
    if (fields[F_SUBJECT] != NULL)
        subject = g_mime_utils_header_decode_text(NULL, fields[F_SUBJECT]);
    s->subject = base_subject(subject, &s->is_reply);
    s->from = first_address(fields[F_FROM]);
    s->to = first_address(fields[F_TO]);
    for (int f = 0; f < F_COUNT; f++)
        g_free(fields[f]);
    return s;
}

StoreSummary *
hermod_store_summary_read(HermodStore *store, const char *file)
{
    g_autofree char *path = g_build_filename(store->msg_dir, file, NULL);
    g_autoptr(GMappedFile) map = g_mapped_file_new(path, FALSE, NULL);

    if (map == NULL)
        return hermod_store_summary_parse("", 0);
    return hermod_store_summary_parse(g_mapped_file_get_contents(map),
                                      g_mapped_file_get_length(map));
}

/* A lookup of one thread id by key in table sql. */
static gboolean
thread_of(HermodStore *store, const char *sql, const char *key, guint64 *out, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, sql, error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    rc = hermod_store_step(store, st, "reading a thread", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    if (rc == SQLITE_ROW)
        *out = (guint64)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return TRUE;
}

static gboolean
remember(HermodStore *store, const char *sql, const char *key, guint64 thread, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, sql, error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, (gint64)thread);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "saving a thread");
}

#define REF_GET  "SELECT thread_id FROM thread_refs WHERE msgid = ?"
#define REF_PUT  "INSERT OR IGNORE INTO thread_refs VALUES(?, ?)"
#define SUBJ_GET "SELECT thread_id FROM thread_subjects WHERE subject = ?"
#define SUBJ_PUT "INSERT OR REPLACE INTO thread_subjects VALUES(?, ?)"

/* Look up the thread s belongs to, 0 if none. */
static gboolean
find_thread(HermodStore *store, const StoreSummary *s, guint64 *out, GError **error)
{
    gsize n = s->refs != NULL ? g_strv_length(s->refs) : 0;

    *out = 0;
    for (gsize i = n; *out == 0 && i > 0; i--) {
        if (!thread_of(store, REF_GET, s->refs[i - 1], out, error))
            return FALSE;
    }
    if (*out == 0 && s->message_id != NULL && !thread_of(store, REF_GET, s->message_id, out, error))
        return FALSE;
    if (*out == 0 && n == 0 && s->is_reply && *s->subject != '\0' &&
        !thread_of(store, SUBJ_GET, s->subject, out, error))
        return FALSE;
    return TRUE;
}

gboolean
hermod_store_thread_assign(HermodStore *store, const StoreSummary *s, guint64 email_id,
                           guint64 *out_thread, GError **error)
{
    guint64 thread = 0;

    if (s == NULL) {
        *out_thread = email_id;
        return TRUE;
    }
    if (!find_thread(store, s, &thread, error))
        return FALSE;
    if (thread == 0)
        thread = email_id;
    for (gsize i = 0; s->refs != NULL && s->refs[i] != NULL; i++) {
        if (!remember(store, REF_PUT, s->refs[i], thread, error))
            return FALSE;
    }
    if (s->message_id != NULL && !remember(store, REF_PUT, s->message_id, thread, error))
        return FALSE;
    if (*s->subject != '\0' && !remember(store, SUBJ_PUT, s->subject, thread, error))
        return FALSE;
    *out_thread = thread;
    return TRUE;
}

/* --- the schema v6 upgrade: summaries and threads of existing mail */

typedef struct {
    gint64 id;
    char *file;
} OldRow;

static void
old_row_clear(gpointer p)
{
    g_free(((OldRow *)p)->file);
}

static GArray *
old_rows(HermodStore *store, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, "SELECT id, file FROM messages ORDER BY id", error);
    g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(OldRow));
    int rc;

    if (st == NULL)
        return NULL;
    g_array_set_clear_func(rows, old_row_clear);
    while ((rc = hermod_store_step(store, st, "reading messages", error)) == SQLITE_ROW) {
        OldRow r = {sqlite3_column_int64(st, 0),
                    g_strdup((const char *)sqlite3_column_text(st, 1))};
        g_array_append_val(rows, r);
    }
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&rows);
}

static gboolean
fill_one(HermodStore *store, const OldRow *r, GError **error)
{
    StoreSummary *s = hermod_store_summary_read(store, r->file);
    guint64 thread = 0;
    sqlite3_stmt *st = NULL;
    int rc = SQLITE_ERROR;

    if (hermod_store_thread_assign(store, s, (guint64)r->id, &thread, error))
        st = hermod_store_stmt(store,
                               "UPDATE messages SET thread_id = ?, subject = ?, sort_from = ?,"
                               " sort_to = ? WHERE id = ?",
                               error);
    if (st != NULL) {
        sqlite3_bind_int64(st, 1, (gint64)thread);
        sqlite3_bind_text(st, 2, s->subject, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, s->from, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 4, s->to, -1, SQLITE_TRANSIENT);
        sqlite3_bind_int64(st, 5, r->id);
        rc = sqlite3_step(st);
        sqlite3_reset(st);
    }
    hermod_store_summary_free(s);
    return st != NULL &&
           (rc == SQLITE_DONE || hermod_store_db_error(store, error, "saving a summary"));
}

gboolean
hermod_store_thread_upgrade(HermodStore *store, GError **error)
{
    g_autoptr(GArray) rows = old_rows(store, error);

    if (rows == NULL)
        return FALSE;
    for (guint i = 0; i < rows->len; i++) {
        if (!fill_one(store, &g_array_index(rows, OldRow, i), error))
            return FALSE;
    }
    return TRUE;
}
