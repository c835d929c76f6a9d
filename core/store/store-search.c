/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-search.c - full-text search of an account's messages (IMAP SEARCH
 * BODY/TEXT, webmail search) with an SQLite FTS5 table.
 *
 * Table "fts" (schema v3, store-index.c) holds, per message row (rowid =
 * messages.id), the decoded headers ("Subject: café" from
 * "=?UTF-8?Q?caf=C3=A9?=") and the decoded text of its text parts, HTML
 * with its tags stripped, extracted with GMime; a message that is one
 * plain-text part in UTF-8 is read in place instead (extract_plain), as
 * building GMime's objects cost more than indexing its words.  A trigger drops a
 * message's entry when its row goes (expunge, mailbox delete); MOVE keeps
 * the row and so the entry.  A new message is indexed soon after its
 * append commits, by one indexer thread (hermod_store_search_feed) so that
 * no delivery waits for it, and a first search of a big mailbox does not
 * stall; rows that arrived another way (COPY, recovery,
 * an index made before v3) are picked up by the catch-up that runs before
 * every search, so the index never misses a message and is never part of
 * a message's durability.  Parsing runs without the store's lock; only
 * the inserts take it, a few rows per transaction, so that an append's
 * commit never waits long behind the indexer.
 *
 * The indexer yields to deliveries: its thread runs at nice +10, and it
 * waits until appends to the mailbox have paused for FEED_QUIET (or, under
 * a steady stream, until FEED_LAG has passed since the first append that
 * asked for it), so that a burst of deliveries is indexed after the burst,
 * in one parse-and-insert pass, instead of competing with it for the CPU
 * (on 2 cores that pass cost a burst 13% of the daemon's CPU).  A search
 * never sees the lag: it runs the catch-up first.
 *
 * FTS5 matches words, not IMAP's substrings; each word of a query is
 * matched as a prefix ("meet" finds "meeting"), which covers what users
 * type.  A query without words matches nothing.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <gmime/gmime.h>

#include "lib/log.h"
#include "store/store-private.h"

/* Text kept per message: enough for any real mail body, bounded for spam. */
#define TEXT_MAX (4 * 1024 * 1024)

typedef struct {
    gint64 id;
    char *file;
    char *headers; /* filled without the lock */
    char *body;
} Pending;

static void
pending_clear(gpointer p)
{
    Pending *e = p;

    g_free(e->file);
    g_free(e->headers);
    g_free(e->body);
}

/* Lock held.  Rows of mailbox (NULL: every mailbox) without an entry:
 * those in fts_todo, which triggers keep (schema v5). */
static GArray *
unindexed(HermodStore *store, const char *mailbox, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT m.id, m.file FROM fts_todo t"
                                         " JOIN messages m ON m.id = t.id"
                                         " WHERE (?1 IS NULL OR m.mailbox_id = ?1)",
                                         error);
    g_autoptr(GArray) out = NULL;
    StoreBox box;
    int rc;

    if (st == NULL || (mailbox != NULL && !hermod_store_box(store, mailbox, &box, error)))
        return NULL;
    if (mailbox != NULL)
        sqlite3_bind_int64(st, 1, box.id);
    out = g_array_new(FALSE, TRUE, sizeof(Pending));
    g_array_set_clear_func(out, pending_clear);
    while ((rc = hermod_store_step(store, st, "finding unindexed messages", error)) == SQLITE_ROW) {
        Pending e = {sqlite3_column_int64(st, 0),
                     g_strdup((const char *)sqlite3_column_text(st, 1)), NULL, NULL};
        g_array_append_val(out, e);
    }
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&out);
}

/* Drop markup, the contents of script and style, and decode the common
 * entities; what is left is what a reader sees, good enough to search. */
static void
append_html_text(GString *out, const char *html)
{
    const char *p = html;

    while (*p != '\0') {
        if (*p == '<') {
            gboolean hidden = g_ascii_strncasecmp(p, "<script", 7) == 0 ||
                              g_ascii_strncasecmp(p, "<style", 6) == 0;
            const char *end = hidden ? strstr(p, "</") : NULL;
            p = strchr(end != NULL ? end : p, '>');
            if (p == NULL)
                return;
            g_string_append_c(out, ' ');
            p++;
        } else if (*p == '&') {
            static const char *const ent[][2] = {{"&amp;", "&"},   {"&lt;", "<"},  {"&gt;", ">"},
                                                 {"&quot;", "\""}, {"&#39;", "'"}, {"&nbsp;", " "}};
            gsize i;
            for (i = 0; i < G_N_ELEMENTS(ent) && strncmp(p, ent[i][0], strlen(ent[i][0])); i++)
                ;
            g_string_append(out, i < G_N_ELEMENTS(ent) ? ent[i][1] : "&");
            p += i < G_N_ELEMENTS(ent) ? strlen(ent[i][0]) : 1;
        } else {
            g_string_append_c(out, *p++);
        }
    }
}

/* The decoded text of a part, from at most ENCODED_MAX bytes of its
 * content: a 50 MB text attachment must not be decoded whole (and its
 * copies kept by malloc) only for TEXT_MAX bytes of it to be indexed. */
#define ENCODED_MAX (2 * TEXT_MAX)

static char *
part_text(GMimeTextPart *part)
{
    GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(part));
    GMimeStream *raw = content != NULL ? g_mime_data_wrapper_get_stream(content) : NULL;
    gint64 len = raw != NULL ? g_mime_stream_length(raw) : -1;

    if (len >= 0 && len <= ENCODED_MAX)
        return g_mime_text_part_get_text(part);
    if (len < 0)
        return NULL;
    GMimeStream *head =
        g_mime_stream_substream(raw, raw->bound_start, raw->bound_start + ENCODED_MAX);
    GMimeDataWrapper *cut =
        g_mime_data_wrapper_new_with_stream(head, g_mime_data_wrapper_get_encoding(content));
    GMimeStream *mem = g_mime_stream_mem_new();
    GMimeStream *filtered = g_mime_stream_filter_new(mem);
    const char *charset = g_mime_text_part_get_charset(part);
    if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0) {
        GMimeFilter *conv = g_mime_filter_charset_new(charset, "UTF-8");
        if (conv != NULL) {
            g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered), conv);
            g_object_unref(conv);
        }
    }
    g_mime_data_wrapper_write_to_stream(cut, filtered);
    g_mime_stream_flush(filtered);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    char *text = g_utf8_make_valid((const char *)bytes->data, bytes->len);
    g_object_unref(filtered);
    g_object_unref(mem);
    g_object_unref(cut);
    g_object_unref(head);
    return text;
}

/* Appends at most TEXT_MAX bytes in all, cut at a character boundary. */
static void
collect_part(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    GString *out = data;
    GMimeContentType *type = g_mime_object_get_content_type(part);
    g_autofree char *text = NULL;

    (void)parent;
    if (!GMIME_IS_TEXT_PART(part) || out->len >= TEXT_MAX ||
        !g_mime_content_type_is_type(type, "text", "*"))
        return;
    text = part_text(GMIME_TEXT_PART(part));
    if (text == NULL)
        return;
    gsize start = out->len;
    if (g_mime_content_type_is_type(type, "text", "html"))
        append_html_text(out, text);
    else
        g_string_append(out, text);
    if (out->len > TEXT_MAX) {
        const char *cut = g_utf8_find_prev_char(out->str + start, out->str + TEXT_MAX + 1);
        g_string_truncate(out, cut != NULL ? (gsize)(cut - out->str) : start);
    }
    g_string_append_c(out, '\n');
}

static char *
collect_headers(GMimeMessage *msg)
{
    GMimeHeaderList *list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    GString *out = g_string_new(NULL);
    int n = g_mime_header_list_get_count(list);

    for (int i = 0; i < n && out->len < TEXT_MAX; i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
        const char *value = g_mime_header_get_value(h);
        g_string_append_printf(out, "%s: %s\n", g_mime_header_get_name(h),
                               value != NULL ? value : "");
    }
    return g_string_free(out, FALSE);
}

/* The largest file extract reads whole to try the plain path. */
#define PLAIN_MAX (256 * 1024)

typedef struct {
    GString *headers;
    gboolean is_plain; /* so far, one text/plain part GMime would not change */
} PlainScan;

/* A Content-Type of text/plain in ASCII or UTF-8 (or none at all)? */
static gboolean
is_plain_type(const char *value)
{
    GMimeContentType *type = g_mime_content_type_parse(NULL, value);
    const char *charset;
    gboolean ok;

    if (type == NULL)
        return FALSE;
    charset = g_mime_content_type_get_parameter(type, "charset");
    ok = g_mime_content_type_is_type(type, "text", "plain") &&
         (charset == NULL || g_ascii_strcasecmp(charset, "utf-8") == 0 ||
          g_ascii_strcasecmp(charset, "us-ascii") == 0);
    g_object_unref(type);
    return ok;
}

/* Each field as collect_headers writes it (decoded only when it has an
 * encoded word or 8-bit text, as GMime would), noting what makes the
 * body anything but plain text. */
static gboolean
plain_field(const char *name, gsize name_len, const char *value, gsize value_len, gpointer data)
{
    PlainScan *scan = data;
    g_autofree char *text = hermod_store_header_unfold(value, value_len);
    g_autofree char *decoded = NULL;

    if (name_len == 12 && g_ascii_strncasecmp(name, "Content-Type", 12) == 0)
        scan->is_plain &= is_plain_type(text);
    else if (name_len == 25 && g_ascii_strncasecmp(name, "Content-Transfer-Encoding", 25) == 0)
        scan->is_plain &=
            g_ascii_strcasecmp(text, "7bit") == 0 || g_ascii_strcasecmp(text, "8bit") == 0;
    if (strstr(text, "=?") != NULL || !g_str_is_ascii(text))
        decoded = g_mime_utils_header_decode_text(NULL, text);
    g_string_append_len(scan->headers, name, (gssize)name_len);
    g_string_append(scan->headers, ": ");
    g_string_append(scan->headers, decoded != NULL ? decoded : text);
    g_string_append_c(scan->headers, '\n');
    return scan->headers->len < TEXT_MAX;
}

/* The whole of a file of 1 to max bytes, with two bytes to spare after
 * it; NULL if it cannot be read, is empty or is bigger.  Read, not
 * mapped: unmapping a file makes the kernel flush the TLB of every CPU
 * that runs one of the daemon's threads, which cost a burst of
 * deliveries more than copying the file (5% of the daemon's CPU in
 * munmap, 4 KB messages on 2 cores).  (transfer full) */
static char *
read_small(const char *path, gsize max, gsize *out_len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    char *data = NULL;
    gsize len = 0;

    if (fd < 0)
        return NULL;
    if (fstat(fd, &st) == 0 && st.st_size > 0 && (guint64)st.st_size <= max) {
        data = g_malloc((gsize)st.st_size + 2);
        while (len < (gsize)st.st_size) {
            ssize_t n = read(fd, data + len, (gsize)st.st_size - len);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                break;
            len += (gsize)n;
        }
        if (len != (gsize)st.st_size)
            g_clear_pointer(&data, g_free);
    }
    close(fd);
    *out_len = len;
    return data;
}

/* The text of a message that is one plain-text part in UTF-8, without
 * GMime's parser: its headers decoded as GMime would, its body as it is.
 * FALSE for anything else (MIME parts, encodings, other charsets), which
 * extract then parses with GMime. */
static gboolean
extract_plain(const char *path, Pending *e)
{
    gsize len = 0, body;
    g_autofree char *data = read_small(path, PLAIN_MAX, &len);
    PlainScan scan = {NULL, TRUE};

    if (data == NULL)
        return FALSE;
    scan.headers = g_string_new(NULL);
    body = hermod_store_headers_scan(data, len, plain_field, &scan);
    if (!scan.is_plain || scan.headers->len >= TEXT_MAX ||
        !g_utf8_validate(data + body, (gssize)(len - body), NULL)) {
        g_string_free(scan.headers, TRUE);
        return FALSE;
    }
    e->headers = g_string_free(scan.headers, FALSE);
    memmove(data, data + body, len - body); /* the body, in the same buffer */
    data[len - body] = '\n';                /* as collect_part ends each part */
    data[len - body + 1] = '\0';
    e->body = g_steal_pointer(&data);
    return TRUE;
}

/* Without the lock: the file is immutable.  A file that cannot be parsed
 * still gets an (empty) entry, so it is not parsed again at every search. */
static void
extract(HermodStore *store, Pending *e)
{
    static gsize once;
    g_autofree char *path = g_build_filename(store->msg_dir, e->file, NULL);
    GMimeStream *stream;
    GMimeParser *parser = NULL;
    GMimeMessage *msg = NULL;
    GString *body;

    if (g_once_init_enter(&once)) {
        g_mime_init();
        g_once_init_leave(&once, 1);
    }
    if (extract_plain(path, e))
        return;
    body = g_string_new(NULL);
    stream = g_mime_stream_fs_open(path, O_RDONLY, 0, NULL);
    if (stream != NULL)
        parser = g_mime_parser_new_with_stream(stream);
    if (parser != NULL)
        msg = g_mime_parser_construct_message(parser, NULL);
    if (msg != NULL) {
        e->headers = collect_headers(msg);
        g_mime_message_foreach(msg, collect_part, body);
    }
    e->body = g_string_free(body, FALSE);
    g_clear_object(&msg);
    g_clear_object(&parser);
    g_clear_object(&stream);
}

/* Lock held.  The row may have gone meanwhile, or another search may have
 * indexed it first: both are fine, and both show as its fts_todo entry
 * being gone (the triggers drop it with the row; indexing drops it).  The
 * entry is taken first and the FTS row added with a plain one-row INSERT:
 * an INSERT ... SELECT into FTS5 runs as a statement transaction, and
 * FTS5 writes its pending terms out as a new segment at every statement
 * release, so every message became a segment of its own (and merge work
 * later) instead of one segment per transaction. */
static gboolean
insert(HermodStore *store, const Pending *e, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, "DELETE FROM fts_todo WHERE id = ?1", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, e->id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return hermod_store_db_error(store, error, "indexing a message");
    if (sqlite3_changes(store->db) == 0)
        return TRUE;
    st = hermod_store_stmt(store, "INSERT INTO fts(rowid, headers, body) VALUES (?1, ?2, ?3)",
                           error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, e->id);
    sqlite3_bind_text(st, 2, e->headers != NULL ? e->headers : "", -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, e->body != NULL ? e->body : "", -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "indexing a message");
}

/* What one indexing transaction takes: rows until their text reaches
 * CHUNK_TEXT, at most CHUNK_ROWS.  Each chunk holds the store's lock (and
 * so delays appends' commits) for the time FTS5 needs to tokenize its
 * text, a few milliseconds, and each commit writes the chunk's terms out
 * as one FTS5 segment, which later merges rewrite: 16 rows per chunk cost
 * a third more CPU per message than 64 (a burst of 4 KB messages). */
#define CHUNK_ROWS 64
#define CHUNK_TEXT (128 * 1024)

/* Takes the lock for the entries [from, end) of rows (unindexed). */
static gboolean
insert_chunk(HermodStore *store, GArray *rows, guint from, guint end, GError **error)
{
    gboolean ok;

    g_mutex_lock(&store->lock);
    ok = hermod_store_run(store, "BEGIN IMMEDIATE", error);
    for (guint i = from; ok && i < end; i++)
        ok = insert(store, &g_array_index(rows, Pending, i), error);
    if (ok)
        ok = hermod_store_run(store, "COMMIT", error);
    else
        hermod_store_run(store, "ROLLBACK", NULL);
    g_mutex_unlock(&store->lock);
    return ok;
}

/* Parse rows from "from" on, without the lock, until a chunk's worth;
 * returns the end of the chunk. */
static guint
extract_chunk(HermodStore *store, GArray *rows, guint from)
{
    gsize text = 0;
    guint i = from;

    while (i < rows->len && i - from < CHUNK_ROWS && text < CHUNK_TEXT) {
        Pending *e = &g_array_index(rows, Pending, i++);
        extract(store, e);
        text +=
            (e->headers != NULL ? strlen(e->headers) : 0) + (e->body != NULL ? strlen(e->body) : 0);
    }
    return i;
}

gboolean
hermod_store_search_index(HermodStore *store, const char *mailbox, GError **error)
{
    g_autoptr(GArray) rows = NULL;
    gboolean ok;

    g_mutex_lock(&store->lock);
    rows = unindexed(store, mailbox, error);
    g_mutex_unlock(&store->lock);
    if (rows == NULL)
        return FALSE;
    ok = TRUE;
    /* Chunk by chunk, so that the text of a long backlog (the indexer
     * waits for a burst to end) is never all in memory at once. */
    for (guint i = 0, end; ok && i < rows->len; i = end) {
        end = extract_chunk(store, rows, i);
        ok = insert_chunk(store, rows, i, end, error);
        for (guint j = i; j < end; j++) {
            Pending *e = &g_array_index(rows, Pending, j);
            g_clear_pointer(&e->headers, g_free);
            g_clear_pointer(&e->body, g_free);
        }
    }
    return ok;
}

/* The indexer thread: one job per (store, mailbox) at a time, so that a
 * burst of deliveries is indexed in one batch after it. */
#define FEED_QUIET_US (200 * 1000)
#define FEED_LAG_US   (2 * 1000 * 1000)
typedef struct {
    HermodStore *store;
    char *mailbox;
} FeedJob;

static GThreadPool *feed_pool;
static GHashTable *feed_pending; /* "account\nmailbox" while queued -> gint64 *, last feed */
static GMutex feed_lock;
static gint feed_is_stopping; /* atomic: run what is queued without the delay */

static char *
feed_key(HermodStore *store, const char *mailbox)
{
    return g_strconcat(store->account, "\n", mailbox, NULL);
}

/* Sleep until key's appends have paused for FEED_QUIET_US, FEED_LAG_US
 * have passed, or the store shuts down.  Bounded by FEED_LAG_US. */
static void
wait_for_quiet(const char *key)
{
    gint64 start = g_get_monotonic_time();

    while (!g_atomic_int_get(&feed_is_stopping)) {
        gint64 now = g_get_monotonic_time(), last;
        g_mutex_lock(&feed_lock);
        last = *(gint64 *)g_hash_table_lookup(feed_pending, key);
        g_mutex_unlock(&feed_lock);
        gint64 wait = MIN(last + FEED_QUIET_US, start + FEED_LAG_US) - now;
        if (wait <= 0)
            return;
        g_usleep((gulong)MIN(wait, FEED_QUIET_US));
    }
}

static void
feed_run(gpointer data, gpointer user_data)
{
    FeedJob *job = data;
    g_autofree char *key = feed_key(job->store, job->mailbox);
    g_autoptr(GError) error = NULL;
    static gboolean is_niced; /* only the one indexer thread runs this */

    if (!is_niced) {
        /* Best effort; the pool's thread is its own (exclusive), so the
         * lower priority never leaks into other work. */
        (void)setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
        is_niced = TRUE;
    }
    /* Appends arriving meanwhile join this job (it is still queued). */
    wait_for_quiet(key);
    g_mutex_lock(&feed_lock);
    g_hash_table_remove(feed_pending, key);
    g_mutex_unlock(&feed_lock);
    if (!hermod_store_search_index(job->store, job->mailbox, &error))
        hermod_log(HERMOD_LOG_WARNING, NULL, "%s (the next search retries)", error->message);
    /* The burst is over: fold its WAL pages into index.db now, rather than
     * in some append's commit (store-index.c). */
    g_mutex_lock(&job->store->lock);
    hermod_store_index_checkpoint(job->store);
    g_mutex_unlock(&job->store->lock);
    hermod_store_unref(job->store);
    g_free(job->mailbox);
    g_free(job);
}

void
hermod_store_search_feed(HermodStore *store, const char *mailbox)
{
    g_autofree char *key = feed_key(store, mailbox);
    gboolean is_queued;

    g_mutex_lock(&feed_lock);
    if (feed_pool == NULL)
        feed_pool = g_thread_pool_new(feed_run, NULL, 1, TRUE, NULL);
    if (feed_pending == NULL)
        feed_pending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    gint64 *last = g_hash_table_lookup(feed_pending, key);
    is_queued = last != NULL;
    if (!is_queued) {
        last = g_new(gint64, 1);
        g_hash_table_insert(feed_pending, g_steal_pointer(&key), last);
    }
    *last = g_get_monotonic_time();
    g_mutex_unlock(&feed_lock);
    if (is_queued)
        return;
    FeedJob *job = g_new0(FeedJob, 1);
    job->store = hermod_store_ref(store);
    job->mailbox = g_strdup(mailbox);
    g_mutex_lock(&feed_lock);
    g_thread_pool_push(feed_pool, job, NULL);
    g_mutex_unlock(&feed_lock);
}

void
hermod_store_search_stop(void)
{
    g_atomic_int_set(&feed_is_stopping, TRUE);
    g_mutex_lock(&feed_lock);
    GThreadPool *pool = g_steal_pointer(&feed_pool);
    g_mutex_unlock(&feed_lock);
    if (pool != NULL)
        g_thread_pool_free(pool, FALSE, TRUE); /* runs what is queued, then ends */
    g_atomic_int_set(&feed_is_stopping, FALSE);
}

/* A word the tokenizer keeps something of (a letter or digit)? */
static gboolean
has_token(const char *word)
{
    for (const char *p = word; *p != '\0'; p = g_utf8_next_char(p)) {
        if (g_unichar_isalnum(g_utf8_get_char(p)))
            return TRUE;
    }
    return FALSE;
}

/* Each whitespace-separated word as a quoted FTS5 phrase with a prefix
 * star, all required: "meet" finds "meeting", "a@b.c" the phrase a b c.
 * "" when no word has anything to match. */
static char *
fts_query(const char *field, const char *query)
{
    g_auto(GStrv) words = g_strsplit_set(query, " \t\r\n", -1);
    GString *out = g_string_new(NULL);

    for (gsize i = 0; words[i] != NULL; i++) {
        if (!has_token(words[i]))
            continue;
        if (out->len > 0)
            g_string_append(out, " AND ");
        if (g_str_equal(field, "body"))
            g_string_append(out, "body : ");
        g_string_append_c(out, '"');
        for (const char *p = words[i]; *p != '\0'; p++) {
            if (*p == '"')
                g_string_append_c(out, '"');
            g_string_append_c(out, *p);
        }
        g_string_append(out, "\" *");
    }
    return g_string_free(out, FALSE);
}

/* Lock held.  The full-text query runs once, as a subquery: written as a
 * join, SQLite's planner walks the mailbox's rows and runs the MATCH again
 * for each one (rowid = ?), 20-40 ms for a word in 300 messages instead
 * of about 1 ms, with the lock held. */
static GArray *
match_locked(HermodStore *store, const char *mailbox, const char *match, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store,
                                         "SELECT uid FROM messages WHERE mailbox_id = ? AND id IN"
                                         " (SELECT rowid FROM fts WHERE fts MATCH ?) ORDER BY uid",
                                         error);
    StoreBox box;
    GArray *out;
    int rc;

    if (st == NULL || !hermod_store_box(store, mailbox, &box, error))
        return NULL;
    out = g_array_new(FALSE, FALSE, sizeof(guint32));
    if (match[0] == '\0')
        return out;
    sqlite3_bind_int64(st, 1, box.id);
    sqlite3_bind_text(st, 2, match, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        guint32 uid = (guint32)sqlite3_column_int64(st, 0);
        g_array_append_val(out, uid);
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) {
        hermod_store_db_error(store, error, "searching");
        g_array_unref(out);
        return NULL;
    }
    return out;
}

GArray *
hermod_store_search_text(HermodStore *store, const char *mailbox, const char *field,
                         const char *query, GError **error)
{
    g_autofree char *match = NULL;
    GArray *out;

    if (!g_str_equal(field, "body") && !g_str_equal(field, "text")) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_INVALID,
                    "store %s: no search field %s (body or text)", store->account, field);
        return NULL;
    }
    if (!hermod_store_search_index(store, mailbox, error))
        return NULL;
    match = fts_query(field, query != NULL ? query : "");
    g_mutex_lock(&store->lock);
    out = match_locked(store, mailbox, match, error);
    g_mutex_unlock(&store->lock);
    return out;
}
