/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-import.c - the target side of "hermodctl import": one account's
 * store, the import log, progress and the summary.
 *
 * The import log (data_dir/import/ACCOUNT.db, SQLite) holds one row per
 * message moved: the source's name and the message's key within it (a
 * Maildir file's unique name, an IMAP folder's UIDVALIDITY and UID, an
 * mbox message's position and digest).  A row is written right after the
 * message is durable in the store, so a second run, or a run after an
 * interruption, skips exactly what is there already; SIGINT and SIGTERM
 * only raise a flag that the readers check between two messages, so an
 * interrupted run leaves no message without its row.  (A SIGKILL between
 * the store's commit and the log's insert could still leave one message
 * that a rerun imports twice.)
 *
 * Line ends become CRLF, as IMAP and SMTP want them; everything else of
 * a message is kept byte for byte.  On a terminal, stderr shows a
 * progress line (messages, bytes, rate, time left), redrawn at most ten
 * times a second; otherwise only the summary line is printed.
 */
#include "autoconfig.h"

#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl-import.h"
#include "directory/directory.h"
#include "store/store.h"

struct HermodImport {
    char *account;
    char *source;
    HermodStore *store;
    sqlite3 *db;
    sqlite3_stmt *insert;
    GHashTable *done;      /* keys of source already imported */
    GHashTable *mailboxes; /* names known to exist */
    guint64 total_msgs, total_bytes;
    guint64 msgs, bytes, skipped, skipped_bytes, failed;
    gint64 started, last_draw;
    gboolean is_tty;
    GPtrArray *queue; /* Queued *: appended together by flush */
};

/* A message waiting for the next bulk append (a copy of the caller's). */
typedef struct {
    char *mailbox, *key;
    GBytes *data; /* CRLF */
    guint32 flags;
    char **keywords;
    gint64 internal_date;
    guint64 size; /* as read */
} Queued;

#define QUEUE_MAX 200

static void
queued_free(gpointer p)
{
    Queued *q = p;

    g_free(q->mailbox);
    g_free(q->key);
    g_bytes_unref(q->data);
    g_strfreev(q->keywords);
    g_free(q);
}

static volatile sig_atomic_t stop_requested;

static void
on_signal(int sig)
{
    stop_requested = 1;
}

static gboolean
db_fail(GError **error, sqlite3 *db, const char *what)
{
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB, "import log: %s: %s", what,
                db != NULL ? sqlite3_errmsg(db) : "out of memory");
    return FALSE;
}

/* Open the log and read the keys already imported from this source. */
static gboolean
open_log(HermodImport *imp, HermodConfig *cfg, GError **error)
{
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");
    g_autofree char *dir = g_build_filename(data_dir, "import", NULL);
    g_autofree char *name = g_strconcat(imp->account, ".db", NULL);
    g_autofree char *path = g_build_filename(dir, name, NULL);
    sqlite3_stmt *st = NULL;
    int rc;

    g_mkdir_with_parents(dir, 0750);
    if (sqlite3_open(path, &imp->db) != SQLITE_OK)
        return db_fail(error, imp->db, path);
    sqlite3_busy_timeout(imp->db, 10000);
    if (sqlite3_exec(imp->db,
                     "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                     "CREATE TABLE IF NOT EXISTS imported (source TEXT NOT NULL, key TEXT NOT NULL,"
                     " mailbox TEXT NOT NULL, uid INTEGER NOT NULL, at INTEGER NOT NULL,"
                     " PRIMARY KEY (source, key))",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(imp->db, "SELECT key FROM imported WHERE source = ?", -1, &st, NULL) !=
            SQLITE_OK)
        return db_fail(error, imp->db, path);
    sqlite3_bind_text(st, 1, imp->source, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        g_hash_table_add(imp->done, g_strdup((const char *)sqlite3_column_text(st, 0)));
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return db_fail(error, imp->db, "reading");
    if (sqlite3_prepare_v2(imp->db, "INSERT OR REPLACE INTO imported VALUES (?, ?, ?, ?, ?)", -1,
                           &imp->insert, NULL) != SQLITE_OK)
        return db_fail(error, imp->db, "preparing");
    return TRUE;
}

static void
import_free(HermodImport *imp)
{
    sqlite3_finalize(imp->insert);
    sqlite3_close(imp->db);
    if (imp->store != NULL)
        hermod_store_unref(imp->store);
    g_hash_table_unref(imp->done);
    g_hash_table_unref(imp->mailboxes);
    g_ptr_array_unref(imp->queue);
    g_free(imp->account);
    g_free(imp->source);
    g_free(imp);
}

HermodImport *
hermod_import_new(HermodConfig *cfg, const char *address, const char *source, GError **error)
{
    HermodImport *imp = g_new0(HermodImport, 1);

    imp->account = hermod_directory_canonical(address);
    imp->source = g_strdup(source);
    imp->done = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    imp->mailboxes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    imp->queue = g_ptr_array_new_with_free_func(queued_free);
    imp->started = g_get_monotonic_time();
    imp->is_tty = isatty(STDERR_FILENO);
    gboolean exists = FALSE;
    if (imp->account != NULL && !hermod_directory_account_exists(imp->account, &exists, error)) {
        import_free(imp); /* the directory failed: not "no such account" */
        return NULL;
    }
    if (!exists) {
        g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND,
                    "no such account: %s", address);
        import_free(imp);
        return NULL;
    }
    imp->store = hermod_store_open(imp->account, error);
    if (imp->store == NULL || !open_log(imp, cfg, error)) {
        import_free(imp);
        return NULL;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    return imp;
}

void
hermod_import_set_totals(HermodImport *imp, guint64 messages, guint64 bytes)
{
    imp->total_msgs = messages;
    imp->total_bytes = bytes;
}

gboolean
hermod_import_has(HermodImport *imp, const char *key)
{
    return g_hash_table_contains(imp->done, key);
}

gboolean
hermod_import_is_stopped(HermodImport *imp)
{
    return stop_requested != 0;
}

static char *
mb(guint64 bytes)
{
    return g_strdup_printf("%.1f MB", bytes / 1e6);
}

/* "  1234/5000 messages  12.3/45.6 MB  350 msg/s  ETA 0:11" on stderr. */
static void
draw(HermodImport *imp, gboolean is_final)
{
    gint64 now = g_get_monotonic_time();
    double secs = (now - imp->started) / 1e6;
    guint64 n = imp->msgs + imp->skipped, b = imp->bytes + imp->skipped_bytes;
    double rate = secs > 0 ? n / secs : 0, brate = secs > 0 ? b / secs : 0;
    g_autofree char *done_mb = mb(b);
    g_autofree char *total_mb = mb(imp->total_bytes);
    guint eta = 0;

    if (!imp->is_tty || (!is_final && now - imp->last_draw < G_USEC_PER_SEC / 10))
        return;
    imp->last_draw = now;
    if (imp->total_bytes > b && brate > 0)
        eta = (guint)((imp->total_bytes - b) / brate);
    fprintf(stderr,
            "\r\033[K%6" G_GUINT64_FORMAT "/%" G_GUINT64_FORMAT " messages  %s/%s  %.0f msg/s", n,
            imp->total_msgs, done_mb, total_mb, rate);
    if (imp->total_bytes > 0)
        fprintf(stderr, "  %3.0f%%  ETA %u:%02u", 100.0 * b / imp->total_bytes, eta / 60, eta % 60);
    if (is_final)
        fputc('\n', stderr);
}

void
hermod_import_skip(HermodImport *imp, guint64 bytes)
{
    imp->skipped++;
    imp->skipped_bytes += bytes;
    draw(imp, FALSE);
}

/* Bare LF becomes CRLF; a message with none comes back as is. */
static GBytes *
crlf(GBytes *data)
{
    gsize len;
    const char *p = g_bytes_get_data(data, &len);
    GByteArray *out;

    if (len == 0 || (memchr(p, '\n', len) == NULL))
        return g_bytes_ref(data);
    out = g_byte_array_sized_new(len + len / 32 + 2);
    for (gsize i = 0; i < len; i++) {
        if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
            g_byte_array_append(out, (const guint8 *)"\r", 1);
        g_byte_array_append(out, (const guint8 *)&p[i], 1);
    }
    return g_byte_array_free_to_bytes(out);
}

static gboolean
ensure_mailbox(HermodImport *imp, const char *name, GError **error)
{
    g_autoptr(GError) local = NULL;

    if (g_hash_table_contains(imp->mailboxes, name))
        return TRUE;
    if (!hermod_store_mailbox_create(imp->store, name, NULL, &local) &&
        !g_error_matches(local, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_EXISTS)) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    g_hash_table_add(imp->mailboxes, g_strdup(name));
    return TRUE;
}

static gboolean
log_key(HermodImport *imp, const Queued *q, guint32 uid, GError **error)
{
    sqlite3_reset(imp->insert);
    sqlite3_bind_text(imp->insert, 1, imp->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(imp->insert, 2, q->key, -1, SQLITE_STATIC);
    sqlite3_bind_text(imp->insert, 3, q->mailbox, -1, SQLITE_STATIC);
    sqlite3_bind_int64(imp->insert, 4, uid);
    sqlite3_bind_int64(imp->insert, 5, g_get_real_time() / G_USEC_PER_SEC);
    if (sqlite3_step(imp->insert) != SQLITE_DONE)
        return db_fail(error, imp->db, "writing");
    return TRUE;
}

/* Append the queued messages in one bulk append (as few store commits as
 * the batching allows), then log the keys of those it took. */
static gboolean
flush(HermodImport *imp, GError **error)
{
    guint n = imp->queue->len;
    g_autofree const char **boxes = g_new0(const char *, n + 1);
    g_autofree HermodStoreAppend *in = g_new0(HermodStoreAppend, n + 1);
    g_autofree guint32 *uids = g_new0(guint32, n + 1);
    GError *local = NULL;

    if (n == 0)
        return TRUE;
    for (guint i = 0; i < n; i++) {
        Queued *q = imp->queue->pdata[i];
        boxes[i] = q->mailbox;
        in[i] = (HermodStoreAppend){q->data, q->flags, (const char *const *)q->keywords,
                                    q->internal_date};
    }
    hermod_store_append_many(imp->store, boxes, in, n, uids, &local);
    /* One log transaction (without it each key commits alone). */
    sqlite3_exec(imp->db, "BEGIN", NULL, NULL, NULL);
    for (guint i = 0; i < n; i++) {
        Queued *q = imp->queue->pdata[i];
        if (uids[i] == 0) {
            imp->failed++;
            continue;
        }
        imp->msgs++;
        imp->bytes += q->size;
        if (local == NULL)
            log_key(imp, q, uids[i], &local);
    }
    if (sqlite3_exec(imp->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK && local == NULL)
        db_fail(&local, imp->db, "writing");
    g_ptr_array_set_size(imp->queue, 0);
    draw(imp, FALSE);
    if (local != NULL) {
        g_propagate_error(error, local);
        return FALSE;
    }
    return TRUE;
}

gboolean
hermod_import_add(HermodImport *imp, const HermodImportMessage *m, GError **error)
{
    Queued *q;

    if (!ensure_mailbox(imp, m->mailbox, error)) {
        imp->failed++;
        return FALSE;
    }
    q = g_new0(Queued, 1);
    q->mailbox = g_strdup(m->mailbox);
    q->key = g_strdup(m->key);
    q->data = crlf(m->data);
    q->flags = m->flags;
    q->keywords = g_strdupv((char **)m->keywords);
    q->internal_date = m->internal_date;
    q->size = g_bytes_get_size(m->data);
    g_ptr_array_add(imp->queue, q);
    g_hash_table_add(imp->done, g_strdup(m->key)); /* a later duplicate is skipped */
    return imp->queue->len < QUEUE_MAX || flush(imp, error);
}

int
hermod_import_finish(HermodImport *imp, GError *error)
{
    GError *last = NULL;

    if (!flush(imp, &last) && error == NULL)
        error = g_steal_pointer(&last);
    g_clear_error(&last);
    double secs = (g_get_monotonic_time() - imp->started) / 1e6;
    g_autofree char *size = mb(imp->bytes);
    gboolean is_stopped = stop_requested != 0;
    int status = error != NULL || imp->failed > 0 || is_stopped ? 1 : 0;

    draw(imp, TRUE);
    if (error != NULL) {
        fprintf(stderr, "hermodctl: %s\n", error->message);
        g_error_free(error);
    }
    printf("%s: imported %" G_GUINT64_FORMAT " messages (%s) into %s in %.1f s; %" G_GUINT64_FORMAT
           " already there, %" G_GUINT64_FORMAT " failed%s\n",
           is_stopped    ? "interrupted"
           : status == 0 ? "done"
                         : "stopped",
           imp->msgs, size, imp->account, secs, imp->skipped, imp->failed,
           is_stopped ? "; run the same command again to go on" : "");
    fflush(stdout);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    import_free(imp);
    return status;
}

/* One "&...-" run of modified base64: UTF-16BE in base64 with ',' for
 * '/', no padding.  Appends its UTF-8 to out; FALSE if malformed. */
static gboolean
mutf7_run(const char *b64, gsize len, GString *out)
{
    g_autoptr(GString) std = g_string_new_len(b64, (gssize)len);
    g_autofree guchar *raw = NULL;
    g_autofree char *utf8 = NULL;
    gsize raw_len = 0;

    for (gsize i = 0; i < std->len; i++) {
        if (std->str[i] == ',')
            std->str[i] = '/';
        else if (!g_ascii_isalnum(std->str[i]) && std->str[i] != '+')
            return FALSE;
    }
    while (std->len % 4 != 0)
        g_string_append_c(std, '=');
    raw = g_base64_decode(std->str, &raw_len);
    if (raw_len == 0 || raw_len % 2 != 0)
        return FALSE;
    utf8 = g_convert((const char *)raw, (gssize)raw_len, "UTF-8", "UTF-16BE", NULL, NULL, NULL);
    if (utf8 == NULL)
        return FALSE;
    g_string_append(out, utf8);
    return TRUE;
}

char *
hermod_import_mutf7_decode(const char *name)
{
    g_autoptr(GString) out = g_string_new(NULL);

    for (const char *p = name; *p != '\0'; p++) {
        const char *end;
        if ((guchar)*p >= 0x80)
            return NULL;
        if (*p != '&') {
            g_string_append_c(out, *p);
            continue;
        }
        end = strchr(p + 1, '-');
        if (end == NULL)
            return NULL;
        if (end == p + 1)
            g_string_append_c(out, '&');
        else if (!mutf7_run(p + 1, (gsize)(end - p - 1), out))
            return NULL;
        p = end;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

gint64
hermod_import_parse_imap_date(const char *text)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int day, year, h, m, s;
    char mon[4], zone[6];
    g_autoptr(GTimeZone) tz = NULL;
    g_autoptr(GDateTime) dt = NULL;

    if (text == NULL ||
        sscanf(text, " %d-%3s-%d %d:%d:%d %5s", &day, mon, &year, &h, &m, &s, zone) != 7)
        return 0;
    for (guint i = 0; i < G_N_ELEMENTS(months); i++) {
        if (g_ascii_strcasecmp(mon, months[i]) != 0)
            continue;
        tz = g_time_zone_new_identifier(zone);
        dt = tz != NULL ? g_date_time_new(tz, year, (int)i + 1, day, h, m, s) : NULL;
        return dt != NULL ? g_date_time_to_unix(dt) : 0;
    }
    return 0;
}
