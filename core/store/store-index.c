/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-index.c - an account's index.db: schema, mailboxes, message rows.
 *
 * The schema is shaped for IMAP: mailboxes carry UIDVALIDITY, UIDNEXT,
 * HIGHESTMODSEQ, a special-use attribute and a subscription bit; messages
 * carry UID, file name, flag bits, MODSEQ, internal date, size, and
 * envelope/bodystructure caches the IMAP module fills; keywords have their
 * own table; "expunged" remembers (UID, MODSEQ) of removed messages for
 * QRESYNC's VANISHED.  UIDVALIDITY comes from the clock but never repeats
 * within an account (meta.last_uidvalidity); UIDNEXT only grows; every
 * change takes a new MODSEQ.
 *
 * Durability: WAL with synchronous=NORMAL.  A commit is then not fsync'd,
 * so a power cut (not a process crash) may lose the last commits.  That is
 * safe because a message's file is fsync'd, renamed and its folder fsync'd
 * before its row commits, and its name records its mailbox and UID: the
 * scan at open (store-file.c) puts a file without a row back under the same
 * UID, so nothing acknowledged is lost and no UID changes meaning.  What a
 * power cut may cost: flag changes of its last moments, and MODSEQ values
 * of those lost commits may be handed out again (a CONDSTORE client then
 * refetches flags it already had).  Checkpoints: SQLite's automatic one
 * runs inside the commit that crosses its threshold, with the store's lock
 * held, and would copy pages back into index.db every ~100 appends (about
 * 15 WAL pages each) while deliveries wait; the threshold is raised to
 * WAL_CHECKPOINT_PAGES, and the indexer checkpoints after each pass, when
 * a burst is over (store-search.c), so that the pages a burst rewrites
 * again and again (meta, the mailbox row, the last leaf of each index) are
 * copied once.  Temporary storage is in memory: each append of a batch
 * runs in a savepoint (store-append.c), and SQLite keeps a savepoint's
 * undo pages in memory only up to 64 KiB, then in a temporary file; an
 * append touches 15-20 pages, so every batch created, wrote (about 40
 * pwrite calls per message) and deleted a file.  Nothing durable lives
 * there: it only undoes a failed append within its transaction.  A file
 * whose UID is in "expunged" is
 * the leftover of an expunge and is deleted, never brought back.  The callers hold the store's
 * lock; this file never touches message files.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-private.h"

/* WAL pages before a commit checkpoints on its own (SQLite's default is
 * 1000): a backstop, the indexer's checkpoint usually comes first. */
#define WAL_CHECKPOINT_PAGES 10000
/* How long a statement waits for another connection's lock. */
#define BUSY_TIMEOUT_MS 10000
/* Between two tries of a busy switch to WAL (set_wal). */
#define WAL_RETRY_MS 10

/* The schema this file writes (PRAGMA user_version). */
#define SCHEMA_VERSION 11

static const char schema_v1[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER) WITHOUT ROWID;"
    "CREATE TABLE mailboxes(id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE,"
    " special_use TEXT, uidvalidity INTEGER NOT NULL, uidnext INTEGER NOT NULL DEFAULT 1,"
    " highestmodseq INTEGER NOT NULL DEFAULT 1, subscribed INTEGER NOT NULL DEFAULT 1,"
    " created INTEGER NOT NULL);"
    "CREATE TABLE messages(id INTEGER PRIMARY KEY,"
    " mailbox_id INTEGER NOT NULL REFERENCES mailboxes(id) ON DELETE CASCADE,"
    " uid INTEGER NOT NULL, file TEXT NOT NULL, flags INTEGER NOT NULL DEFAULT 0,"
    " modseq INTEGER NOT NULL, internal_date INTEGER NOT NULL, size INTEGER NOT NULL,"
    " envelope TEXT, bodystructure TEXT, UNIQUE(mailbox_id, uid));"
    "CREATE INDEX messages_by_modseq ON messages(mailbox_id, modseq);"
    "CREATE INDEX messages_by_file ON messages(file);"
    "CREATE TABLE keywords(message_id INTEGER NOT NULL"
    " REFERENCES messages(id) ON DELETE CASCADE, keyword TEXT NOT NULL,"
    " PRIMARY KEY(message_id, keyword)) WITHOUT ROWID;"
    "CREATE TABLE expunged(mailbox_id INTEGER NOT NULL"
    " REFERENCES mailboxes(id) ON DELETE CASCADE, uid INTEGER NOT NULL,"
    " modseq INTEGER NOT NULL, PRIMARY KEY(mailbox_id, uid)) WITHOUT ROWID;"
    "CREATE INDEX expunged_by_modseq ON expunged(mailbox_id, modseq);"
    "PRAGMA user_version = 1;";

/* Version 2: \Noselect parents left by deleting a mailbox that has
 * children, and a per-message cache of parse results by field name. */
static const char schema_v2[] =
    "ALTER TABLE mailboxes ADD COLUMN noselect INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE cache(message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,"
    " field TEXT NOT NULL, value TEXT, PRIMARY KEY(message_id, field)) WITHOUT ROWID;"
    "PRAGMA user_version = 2;";

/* Version 3: the full-text index (store-search.c), filled lazily; rowid is
 * the message id. */
static const char schema_v3[] =
    "CREATE VIRTUAL TABLE fts USING fts5(headers, body, tokenize = 'unicode61');"
    "CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN"
    " DELETE FROM fts WHERE rowid = old.id; END;"
    "PRAGMA user_version = 3;";

/* Version 4: ids of deleted mailboxes (and of \Noselect ones whose mail
 * was removed), so that the scan at open deletes their leftover files
 * instead of filing them into INBOX. */
static const char schema_v4[] = "CREATE TABLE deleted_mailboxes(id INTEGER PRIMARY KEY);"
                                "PRAGMA user_version = 4;";

/* Version 5: the ids of messages the full-text index does not have yet,
 * kept by triggers, so that the indexer finds new mail without scanning
 * every row of the account (which made deliveries slower as a mailbox
 * grew). */
static const char schema_v5[] =
    "CREATE TABLE fts_todo(id INTEGER PRIMARY KEY);"
    "INSERT INTO fts_todo(id) SELECT m.id FROM messages m"
    " WHERE NOT EXISTS (SELECT 1 FROM fts s WHERE s.rowid = m.id);"
    "CREATE TRIGGER messages_fts_todo AFTER INSERT ON messages BEGIN"
    " INSERT OR IGNORE INTO fts_todo(id) VALUES(new.id); END;"
    "CREATE TRIGGER messages_fts_todo_delete AFTER DELETE ON messages BEGIN"
    " DELETE FROM fts_todo WHERE id = old.id; END;"
    "PRAGMA user_version = 5;";

/* Version 6: what JMAP needs (store-jmap.c, store-thread.c).  Every
 * message gets an email id that is unique in the account and survives a
 * MOVE (the row is updated in place; a COPY is a new row and a new id),
 * a thread id, and the sort keys of its headers.  "changes" is the
 * change log: one row per object (kind 1 mailbox, 2 email, 3 thread, 4
 * and up the module's own types) with the sequence number of its last
 * change, of its creation and of its last change that was not a count,
 * and whether it is gone; triggers keep it, so every writer (IMAP, SMTP
 * delivery, hermodctl, JMAP) is logged alike, and /changes reads only
 * the rows changed since a state.  meta.change_seq is the account's last
 * sequence number, meta.next_email_id the next email id. */
/* clang-format off */
#define CHANGE_UPSERT(kind, obj, destroyed)                                          \
    "UPDATE meta SET value = value + 1 WHERE key = 'change_seq';"                   \
    "INSERT INTO changes VALUES(" kind ", " obj ","                                 \
    " (SELECT value FROM meta WHERE key = 'change_seq'),"                           \
    " (SELECT value FROM meta WHERE key = 'change_seq'),"                           \
    " (SELECT value FROM meta WHERE key = 'change_seq'), " destroyed ")"            \
    " ON CONFLICT(kind, obj) DO UPDATE SET seq = excluded.seq, full = excluded.seq,"\
    " created = CASE WHEN destroyed AND NOT excluded.destroyed THEN excluded.seq"   \
    " ELSE created END, destroyed = excluded.destroyed;"
static const char schema_v6[] =
    "ALTER TABLE messages ADD COLUMN email_id INTEGER;"
    "ALTER TABLE messages ADD COLUMN thread_id INTEGER;"
    "ALTER TABLE messages ADD COLUMN subject TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE messages ADD COLUMN sort_from TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE messages ADD COLUMN sort_to TEXT NOT NULL DEFAULT '';"
    "UPDATE messages SET email_id = id, thread_id = id;"
    "CREATE UNIQUE INDEX messages_by_email ON messages(email_id);"
    "CREATE INDEX messages_by_thread ON messages(thread_id);"
    "CREATE INDEX messages_by_date ON messages(mailbox_id, internal_date);"
    "CREATE TABLE thread_refs(msgid TEXT PRIMARY KEY, thread_id INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE thread_subjects(subject TEXT PRIMARY KEY, thread_id INTEGER NOT NULL)"
    " WITHOUT ROWID;"
    "INSERT OR REPLACE INTO meta VALUES('next_email_id',"
    " (SELECT coalesce(max(id), 0) + 1 FROM messages));"
    "INSERT OR REPLACE INTO meta VALUES('change_seq', 0);"
    "CREATE TABLE changes(kind INTEGER NOT NULL, obj INTEGER NOT NULL, seq INTEGER NOT NULL,"
    " created INTEGER NOT NULL, full INTEGER NOT NULL, destroyed INTEGER NOT NULL,"
    " PRIMARY KEY(kind, obj)) WITHOUT ROWID;"
    "CREATE INDEX changes_by_seq ON changes(kind, seq);"
    "CREATE TRIGGER changes_msg_insert AFTER INSERT ON messages BEGIN "
        CHANGE_UPSERT("2", "new.email_id", "0")
        CHANGE_UPSERT("3", "new.thread_id", "0")
    "END;"
    "CREATE TRIGGER changes_msg_update AFTER UPDATE OF modseq ON messages BEGIN "
        CHANGE_UPSERT("2", "new.email_id", "0")
    "END;"
    "CREATE TRIGGER changes_msg_delete AFTER DELETE ON messages BEGIN "
        CHANGE_UPSERT("2", "old.email_id", "1")
        CHANGE_UPSERT("3", "old.thread_id",
                      "NOT EXISTS (SELECT 1 FROM messages WHERE thread_id = old.thread_id)")
    "END;"
    "CREATE TRIGGER changes_box_insert AFTER INSERT ON mailboxes BEGIN "
        CHANGE_UPSERT("1", "new.id", "0")
    "END;"
    "CREATE TRIGGER changes_box_update AFTER UPDATE OF name, special_use, subscribed, noselect"
    " ON mailboxes BEGIN "
        CHANGE_UPSERT("1", "new.id", "0")
    "END;"
    "CREATE TRIGGER changes_box_count AFTER UPDATE OF highestmodseq ON mailboxes BEGIN"
    " UPDATE meta SET value = value + 1 WHERE key = 'change_seq';"
    " INSERT INTO changes VALUES(1, new.id, (SELECT value FROM meta WHERE key = 'change_seq'),"
    " 0, 0, 0) ON CONFLICT(kind, obj) DO UPDATE SET seq = excluded.seq; END;"
    "CREATE TRIGGER changes_box_delete AFTER DELETE ON mailboxes BEGIN "
        CHANGE_UPSERT("1", "old.id", "1")
    "END;"
    /* The out-of-office reply (JMAP VacationResponse) and whom it went to. */
    "CREATE TABLE vacation(id INTEGER PRIMARY KEY CHECK (id = 1), enabled INTEGER NOT NULL,"
    " from_date INTEGER NOT NULL, to_date INTEGER NOT NULL, subject TEXT, text_body TEXT,"
    " html_body TEXT);"
    "CREATE TABLE vacation_replies(sender TEXT PRIMARY KEY, at INTEGER NOT NULL) WITHOUT ROWID;"
    "PRAGMA user_version = 6;";
/* clang-format on */
/* Version 7: calendars, address books and plain WebDAV collections
 * (store-dav.c): collections per home ("cal", "card"), their objects
 * (the bytes as sent, in the index so that quota, backup and deletion
 * count them with the mail), a change log for sync tokens, and dead
 * properties.  A collection's "sync" is its latest change number. */
static const char schema_v7[] =
    "CREATE TABLE dav_collections(id INTEGER PRIMARY KEY AUTOINCREMENT, home TEXT NOT NULL,"
    " name TEXT NOT NULL, kind INTEGER NOT NULL, components TEXT,"
    " sync INTEGER NOT NULL DEFAULT 1, created INTEGER NOT NULL, UNIQUE(home, name));"
    "CREATE TABLE dav_objects(id INTEGER PRIMARY KEY,"
    " collection_id INTEGER NOT NULL REFERENCES dav_collections(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL, uid TEXT, etag TEXT NOT NULL, content_type TEXT NOT NULL,"
    " modseq INTEGER NOT NULL, size INTEGER NOT NULL, first_start INTEGER NOT NULL,"
    " last_end INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE(collection_id, name));"
    "CREATE INDEX dav_objects_by_uid ON dav_objects(collection_id, uid);"
    "CREATE TABLE dav_changes(collection_id INTEGER NOT NULL"
    " REFERENCES dav_collections(id) ON DELETE CASCADE, name TEXT NOT NULL,"
    " modseq INTEGER NOT NULL, deleted INTEGER NOT NULL, PRIMARY KEY(collection_id, name))"
    " WITHOUT ROWID;"
    "CREATE INDEX dav_changes_by_modseq ON dav_changes(collection_id, modseq);"
    "CREATE TABLE dav_props(collection_id INTEGER NOT NULL"
    " REFERENCES dav_collections(id) ON DELETE CASCADE, object TEXT NOT NULL,"
    " name TEXT NOT NULL, xml TEXT NOT NULL, PRIMARY KEY(collection_id, object, name))"
    " WITHOUT ROWID;"
    "PRAGMA user_version = 7;";
/* Version 8: the account's IM history (store-im.c) and its IM settings.
 * peer is the other party, canonical, for per-conversation reads; dedupe
 * makes a retried delivery (the same SEM file after a crash) a no-op.
 */
static const char schema_v8[] =
    "CREATE TABLE im(id INTEGER PRIMARY KEY AUTOINCREMENT, time INTEGER NOT NULL,"
    " sender TEXT NOT NULL, recipient TEXT NOT NULL, peer TEXT NOT NULL, text TEXT NOT NULL,"
    " source TEXT NOT NULL, outgoing INTEGER NOT NULL, flags INTEGER NOT NULL DEFAULT 0,"
    " thread TEXT, client_id TEXT, resource TEXT, grp TEXT, dedupe TEXT);"
    "CREATE INDEX im_by_time ON im(time);"
    "CREATE INDEX im_by_peer ON im(peer, id);"
    "CREATE UNIQUE INDEX im_by_dedupe ON im(dedupe) WHERE dedupe IS NOT NULL;"
    "CREATE TABLE im_settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "PRAGMA user_version = 8;";

/* Version 9 (JMAP): a paged "newest first" list of a mailbox, whole or
 * one email per thread, read from the index alone.  messages_by_box_date
 * covers the order and the thread (so the list of a mailbox's newest
 * threads reads index pages only, and stops at the page), and
 * mailbox_threads counts each thread's emails per mailbox, kept by
 * triggers, so that the number of threads of a mailbox is a count of
 * its rows.  records holds a module's own objects (JMAP identities and
 * pending submissions), with a due time the sender waits for.  Written
 * to run again over a half-downgraded store (IF NOT EXISTS, the thread
 * counts recomputed). */
/* clang-format off */
#define BOX_THREAD_ADD(box, thread)                                                        \
    "INSERT INTO mailbox_threads VALUES(" box ", " thread ", 1)"                           \
    " ON CONFLICT(mailbox_id, thread_id) DO UPDATE SET n = n + 1;"
#define BOX_THREAD_DROP(box, thread)                                                       \
    "UPDATE mailbox_threads SET n = n - 1 WHERE mailbox_id = " box                         \
    " AND thread_id = " thread ";"                                                         \
    "DELETE FROM mailbox_threads WHERE mailbox_id = " box " AND thread_id = " thread       \
    " AND n <= 0;"
static const char schema_v9[] =
    "CREATE INDEX IF NOT EXISTS messages_by_box_date ON messages(mailbox_id, internal_date, email_id,"
    " thread_id);"
    "DROP INDEX IF EXISTS messages_by_date;"
    "CREATE TABLE IF NOT EXISTS mailbox_threads(mailbox_id INTEGER NOT NULL, thread_id INTEGER NOT NULL,"
    " n INTEGER NOT NULL, PRIMARY KEY(mailbox_id, thread_id)) WITHOUT ROWID;"
    "DELETE FROM mailbox_threads;"
    "INSERT INTO mailbox_threads SELECT mailbox_id, thread_id, count(*) FROM messages"
    " GROUP BY mailbox_id, thread_id;"
    "CREATE TRIGGER IF NOT EXISTS box_threads_insert AFTER INSERT ON messages BEGIN "
        BOX_THREAD_ADD("new.mailbox_id", "new.thread_id")
    "END;"
    "CREATE TRIGGER IF NOT EXISTS box_threads_delete AFTER DELETE ON messages BEGIN "
        BOX_THREAD_DROP("old.mailbox_id", "old.thread_id")
    "END;"
    "CREATE TRIGGER IF NOT EXISTS box_threads_update AFTER UPDATE OF mailbox_id, thread_id ON messages"
    " WHEN old.mailbox_id IS NOT new.mailbox_id OR old.thread_id IS NOT new.thread_id BEGIN "
        BOX_THREAD_DROP("old.mailbox_id", "old.thread_id")
        BOX_THREAD_ADD("new.mailbox_id", "new.thread_id")
    "END;"
    "CREATE TABLE IF NOT EXISTS records(kind INTEGER NOT NULL, id INTEGER NOT NULL,"
    " due INTEGER NOT NULL DEFAULT 0, data BLOB NOT NULL, PRIMARY KEY(kind, id)) WITHOUT ROWID;"
    "CREATE INDEX IF NOT EXISTS records_by_due ON records(due) WHERE due > 0;"
    "PRAGMA user_version = 9;";
/* clang-format on */
/* Version 10: calendar reminders (store-reminder.c): per calendar
 * object, the time up to which its alarms were handed out and the ETag
 * it had then, so that a restart neither loses nor repeats one.  IF NOT
 * EXISTS: a store taken back to an older version kept the table. */
static const char schema_v10[] =
    "CREATE TABLE IF NOT EXISTS dav_reminders(collection_id INTEGER NOT NULL"
    " REFERENCES dav_collections(id) ON DELETE CASCADE, object TEXT NOT NULL,"
    " fired_until INTEGER NOT NULL, etag TEXT, PRIMARY KEY(collection_id, object))"
    " WITHOUT ROWID;"
    "PRAGMA user_version = 10;";
/* Version 11: a covering index for the brief listing of a collection's
 * objects in name order (PROPFIND Depth 1, hermod_store_dav_objects_brief
 * in store-dav-object.c), so that it walks the index alone instead of
 * looking each row up in the table.  Not uid: with it, the index also
 * covered the UID check of every PUT, and SQLite took it over
 * dav_objects_by_uid (a scan of the collection per PUT).  IF NOT EXISTS:
 * a store taken back to an older version kept the index. */
static const char schema_v11[] =
    "CREATE INDEX IF NOT EXISTS dav_objects_listing ON dav_objects(collection_id, name, etag,"
    " content_type, size);"
    "PRAGMA user_version = 11;";

static const struct {
    const char *name;
    const char *special_use;
} defaults[] = {
    {"INBOX", NULL},      {"Sent", "\\Sent"}, {"Drafts", "\\Drafts"},
    {"Trash", "\\Trash"}, {"Junk", "\\Junk"}, {"Archive", "\\Archive"},
};

gboolean
hermod_store_db_error(HermodStore *store, GError **error, const char *what)
{
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB, "store %s: %s: %s",
                store->account, what, sqlite3_errmsg(store->db));
    return FALSE;
}

gboolean
hermod_store_exec(HermodStore *store, const char *sql, GError **error)
{
    char *msg = NULL;

    if (sqlite3_exec(store->db, sql, NULL, NULL, &msg) == SQLITE_OK)
        return TRUE;
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB, "store %s: %s", store->account,
                msg != NULL ? msg : "unknown SQLite error");
    sqlite3_free(msg);
    return FALSE;
}

gboolean
hermod_store_run(HermodStore *store, const char *sql, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, sql, error);
    int rc;

    if (st == NULL)
        return FALSE;
    rc = sqlite3_step(st);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        hermod_store_db_error(store, error, sql); /* before the reset clears the message */
    sqlite3_reset(st);
    return rc == SQLITE_DONE || rc == SQLITE_ROW;
}

int
hermod_store_step(HermodStore *store, sqlite3_stmt *st, const char *what, GError **error)
{
    int rc = sqlite3_step(st);

    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc;
    hermod_store_db_error(store, error, what); /* before the reset clears the message */
    sqlite3_reset(st);
    return rc;
}

gboolean
hermod_store_exists(HermodStore *store, sqlite3_stmt *st, gboolean *out_found, GError **error)
{
    int rc = hermod_store_step(store, st, "reading", error);

    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_found = rc == SQLITE_ROW;
    sqlite3_reset(st);
    return TRUE;
}

sqlite3_stmt *
hermod_store_stmt(HermodStore *store, const char *sql, GError **error)
{
    sqlite3_stmt *st = g_hash_table_lookup(store->stmt, sql);

    if (st != NULL) {
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return st;
    }
    if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) != SQLITE_OK) {
        hermod_store_db_error(store, error, "preparing a query");
        return NULL;
    }
    g_hash_table_insert(store->stmt, (gpointer)sql, st);
    return st;
}

static int
schema_version(HermodStore *store)
{
    sqlite3_stmt *st = hermod_store_stmt(store, "PRAGMA user_version", NULL);
    int version = -1;

    if (st != NULL && sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    if (st != NULL)
        sqlite3_reset(st);
    return version;
}

/* In a write transaction, so that two processes opening a new store do
 * not both create it. */
static gboolean
migrate_locked(HermodStore *store, GError **error)
{
    int version = schema_version(store);

    if (version < 0)
        return hermod_store_db_error(store, error, "reading the schema version");
    if (version > SCHEMA_VERSION) {
        g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB,
                    "store %s: schema version %d is newer than this hermod (%d)", store->account,
                    version, SCHEMA_VERSION);
        return FALSE;
    }
    return (version >= 1 || hermod_store_exec(store, schema_v1, error)) &&
           (version >= 2 || hermod_store_exec(store, schema_v2, error)) &&
           (version >= 3 || hermod_store_exec(store, schema_v3, error)) &&
           (version >= 4 || hermod_store_exec(store, schema_v4, error)) &&
           (version >= 5 || hermod_store_exec(store, schema_v5, error)) &&
           (version >= 6 || (hermod_store_exec(store, schema_v6, error) &&
                             hermod_store_thread_upgrade(store, error))) &&
           (version >= 7 || hermod_store_exec(store, schema_v7, error)) &&
           (version >= 8 || hermod_store_exec(store, schema_v8, error)) &&
           (version >= 9 || hermod_store_exec(store, schema_v9, error)) &&
           (version >= 10 || hermod_store_exec(store, schema_v10, error)) &&
           (version >= 11 || hermod_store_exec(store, schema_v11, error));
}

static gboolean
migrate(HermodStore *store, GError **error)
{
    if (schema_version(store) == SCHEMA_VERSION)
        return TRUE;
    if (!hermod_store_exec(store, "BEGIN IMMEDIATE", error))
        return FALSE;
    if (!migrate_locked(store, error)) {
        hermod_store_exec(store, "ROLLBACK", NULL);
        return FALSE;
    }
    return hermod_store_exec(store, "COMMIT", error);
}

static void
finalize_stmt(gpointer st)
{
    sqlite3_finalize(st);
}

/* Switch the index to WAL (a no-op once it is).  A new database is still
 * in rollback-journal mode, whose locks SQLite will not wait for when two
 * connections could deadlock on them: of two processes opening a new
 * account's store at once (hermodd storing the account's first message,
 * a bounce say, while hermodctl lists the account), one got
 * SQLITE_BUSY at once, busy timeout or not, and its open failed ("database
 * is locked").  So a busy switch is retried, every WAL_RETRY_MS for about
 * as long as the busy timeout would have waited. */
static gboolean
set_wal(HermodStore *store, GError **error)
{
    for (int i = 0;; i++) {
        int rc = sqlite3_exec(store->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
        if (rc == SQLITE_OK)
            return TRUE;
        if ((rc & 0xff) != SQLITE_BUSY || i >= BUSY_TIMEOUT_MS / WAL_RETRY_MS)
            return hermod_store_db_error(store, error, "switching to WAL");
        g_usleep(WAL_RETRY_MS * 1000);
    }
}

gboolean
hermod_store_index_open(HermodStore *store, GError **error)
{
    g_autofree char *path = g_build_filename(store->dir, "index.db", NULL);

    store->stmt = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, finalize_stmt);
    /* store->lock serialises every use of db, so SQLite's own mutex
     * (taken on every sqlite3_column_* call, ~7% of a PROPFIND Depth 1)
     * would only be taken a second time: multi-thread mode. */
    if (sqlite3_open_v2(path, &store->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return hermod_store_db_error(store, error, path);
    sqlite3_busy_timeout(store->db, BUSY_TIMEOUT_MS);
    sqlite3_wal_autocheckpoint(store->db, WAL_CHECKPOINT_PAGES);
    return set_wal(store, error) &&
           hermod_store_exec(store,
                             "PRAGMA synchronous=NORMAL;"
                             " PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;",
                             error) &&
           migrate(store, error);
}

void
hermod_store_index_checkpoint(HermodStore *store)
{
    /* PASSIVE: copies what no reader still needs, never waits for one. */
    (void)sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
}

void
hermod_store_index_close(HermodStore *store)
{
    g_clear_pointer(&store->stmt, g_hash_table_destroy);
    g_clear_pointer(&store->status, g_hash_table_destroy);
    if (store->db != NULL)
        sqlite3_close(store->db);
    store->db = NULL;
}

/* Clock-based, but strictly greater than any this account used before. */
static gboolean
next_uidvalidity(HermodStore *store, guint32 *out_uidvalidity, GError **error)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store, "SELECT value FROM meta WHERE key = 'last_uidvalidity'", error);
    gint64 last = 0, now = g_get_real_time() / G_USEC_PER_SEC;
    int rc;

    if (st == NULL)
        return FALSE;
    rc = hermod_store_step(store, st, "reading the last UIDVALIDITY", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    if (rc == SQLITE_ROW)
        last = sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    *out_uidvalidity = (guint32)MAX(now, last + 1);
    st = hermod_store_stmt(store, "INSERT OR REPLACE INTO meta VALUES('last_uidvalidity', ?)",
                           error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, *out_uidvalidity);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "saving the UIDVALIDITY");
}

gboolean
hermod_store_box_create(HermodStore *store, const char *name, const char *special_use,
                        GError **error)
{
    guint32 uidvalidity = 0;
    sqlite3_stmt *st = NULL;
    int rc;

    if (next_uidvalidity(store, &uidvalidity, error))
        st = hermod_store_stmt(
            store,
            "INSERT INTO mailboxes(name, special_use, uidvalidity, created) VALUES(?, ?, ?, ?)",
            error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_TRANSIENT);
    if (special_use != NULL)
        sqlite3_bind_text(st, 2, special_use, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 3, uidvalidity);
    sqlite3_bind_int64(st, 4, g_get_real_time() / G_USEC_PER_SEC);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "creating a mailbox");
}

gboolean
hermod_store_index_defaults(HermodStore *store, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, "SELECT 1 FROM mailboxes LIMIT 1", error);
    g_autoptr(GError) why = NULL;
    gboolean has_any = FALSE;
    StoreBox inbox;

    if (st == NULL || !hermod_store_exists(store, st, &has_any, error))
        return FALSE;
    for (gsize i = 0; !has_any && i < G_N_ELEMENTS(defaults); i++) {
        if (!hermod_store_box_create(store, defaults[i].name, defaults[i].special_use, error))
            return FALSE;
    }
    if (hermod_store_box(store, "INBOX", &inbox, &why))
        return TRUE;
    if (!g_error_matches(why, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX)) {
        g_propagate_error(error, g_steal_pointer(&why));
        return FALSE;
    }
    return hermod_store_box_create(store, "INBOX", NULL, error);
}

/* A lookup of one mailbox row. */
static gboolean
read_box(HermodStore *store, sqlite3_stmt *st, StoreBox *out, gboolean *out_found, GError **error)
{
    int rc = hermod_store_step(store, st, "reading a mailbox", error);

    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_found = rc == SQLITE_ROW;
    if (*out_found) {
        out->id = sqlite3_column_int64(st, 0);
        out->uidnext = (guint32)sqlite3_column_int64(st, 1);
        out->highestmodseq = (guint64)sqlite3_column_int64(st, 2);
        out->uidvalidity = (guint32)sqlite3_column_int64(st, 3);
    }
    sqlite3_reset(st);
    return TRUE;
}

gboolean
hermod_store_box(HermodStore *store, const char *name, StoreBox *out, GError **error)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store,
                          "SELECT id, uidnext, highestmodseq, uidvalidity FROM mailboxes"
                          " WHERE name = ? AND noselect = 0",
                          error);
    g_autofree char *canon = hermod_store_name_canon(name, NULL);
    gboolean found = FALSE;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_text(st, 1, canon != NULL ? canon : name, -1, SQLITE_TRANSIENT);
    if (!read_box(store, st, out, &found, error))
        return FALSE;
    if (found)
        return TRUE;
    g_set_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX, "no mailbox %s in %s",
                name, store->account);
    return FALSE;
}

gboolean
hermod_store_box_by_id(HermodStore *store, gint64 id, StoreBox *out, gboolean *out_found,
                       GError **error)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store,
                          "SELECT id, uidnext, highestmodseq, uidvalidity FROM mailboxes"
                          " WHERE id = ? AND noselect = 0",
                          error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, id);
    return read_box(store, st, out, out_found, error);
}

gboolean
hermod_store_box_save(HermodStore *store, const StoreBox *box, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "UPDATE mailboxes SET uidnext = ?, highestmodseq = ? WHERE id = ?", error);
    int rc;

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, box->uidnext);
    sqlite3_bind_int64(st, 2, (gint64)box->highestmodseq);
    sqlite3_bind_int64(st, 3, box->id);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    return rc == SQLITE_DONE || hermod_store_db_error(store, error, "updating a mailbox");
}

gboolean
hermod_store_keywords_add(HermodStore *store, gint64 message_id, const char *const *keywords,
                          GError **error)
{
    sqlite3_stmt *st;

    for (gsize i = 0; keywords != NULL && keywords[i] != NULL; i++) {
        st = hermod_store_stmt(store, "INSERT OR IGNORE INTO keywords VALUES(?, ?)", error);
        if (st == NULL)
            return FALSE;
        sqlite3_bind_int64(st, 1, message_id);
        sqlite3_bind_text(st, 2, keywords[i], -1, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            sqlite3_reset(st);
            return hermod_store_db_error(store, error, "adding a keyword");
        }
        sqlite3_reset(st);
    }
    return TRUE;
}

/* The next email id of the account, consumed. */
static gboolean
next_email_id(HermodStore *store, guint64 *out, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "UPDATE meta SET value = value + 1 WHERE key = 'next_email_id' RETURNING value",
        error);
    int rc;

    if (st == NULL)
        return FALSE;
    rc = hermod_store_step(store, st, "taking an email id", error);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE)
            hermod_store_db_error(store, error, "no next_email_id");
        return FALSE;
    }
    *out = (guint64)sqlite3_column_int64(st, 0) - 1;
    sqlite3_step(st);
    sqlite3_reset(st);
    return TRUE;
}

static void
bind_summary(sqlite3_stmt *st, const StoreSummary *s)
{
    sqlite3_bind_text(st, 10, s != NULL ? s->subject : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 11, s != NULL ? s->from : "", -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 12, s != NULL ? s->to : "", -1, SQLITE_TRANSIENT);
}

gboolean
hermod_store_index_insert(HermodStore *store, StoreBox *box, const StoreRow *row, GError **error)
{
    guint64 modseq = box->highestmodseq + 1, email_id = 0, thread_id = row->thread_id;
    sqlite3_stmt *st;
    int rc;

    if (!next_email_id(store, &email_id, error) ||
        (thread_id == 0 &&
         !hermod_store_thread_assign(store, row->summary, email_id, &thread_id, error)))
        return FALSE;
    st = hermod_store_stmt(store,
                           "INSERT INTO messages(mailbox_id, uid, file, flags, modseq,"
                           " internal_date, size, email_id, thread_id, subject, sort_from,"
                           " sort_to) VALUES(?,?,?,?,?,?,?,?,?,?,?,?)",
                           error);
    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, box->id);
    sqlite3_bind_int64(st, 2, row->uid);
    sqlite3_bind_text(st, 3, row->file, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 4, row->flags & HERMOD_STORE_FLAGS_ALL);
    sqlite3_bind_int64(st, 5, (gint64)modseq);
    sqlite3_bind_int64(st, 6, row->internal_date);
    sqlite3_bind_int64(st, 7, (gint64)row->size);
    sqlite3_bind_int64(st, 8, (gint64)email_id);
    sqlite3_bind_int64(st, 9, (gint64)thread_id);
    bind_summary(st, row->summary);
    rc = sqlite3_step(st);
    sqlite3_reset(st);
    if (rc != SQLITE_DONE)
        return hermod_store_db_error(store, error, "adding a message");
    if (!hermod_store_keywords_add(store, sqlite3_last_insert_rowid(store->db), row->keywords,
                                   error))
        return FALSE;
    box->highestmodseq = modseq;
    box->uidnext = MAX(box->uidnext, row->uid + 1);
    return TRUE;
}

gboolean
hermod_store_index_add(HermodStore *store, StoreBox *box, const StoreRow *row, GError **error)
{
    return hermod_store_index_insert(store, box, row, error) &&
           hermod_store_box_save(store, box, error);
}

static gboolean
has_uid(HermodStore *store, const char *sql, gint64 mailbox_id, guint32 uid, gboolean *out_found,
        GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, sql, error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, mailbox_id);
    sqlite3_bind_int64(st, 2, uid);
    return hermod_store_exists(store, st, out_found, error);
}

gboolean
hermod_store_index_has_uid(HermodStore *store, gint64 mailbox_id, guint32 uid, gboolean *out_found,
                           GError **error)
{
    return has_uid(store, "SELECT 1 FROM messages WHERE mailbox_id = ? AND uid = ?", mailbox_id,
                   uid, out_found, error);
}

gboolean
hermod_store_index_was_deleted(HermodStore *store, gint64 mailbox_id, gboolean *out_found,
                               GError **error)
{
    sqlite3_stmt *st =
        hermod_store_stmt(store, "SELECT 1 FROM deleted_mailboxes WHERE id = ?", error);

    if (st == NULL)
        return FALSE;
    sqlite3_bind_int64(st, 1, mailbox_id);
    return hermod_store_exists(store, st, out_found, error);
}

gboolean
hermod_store_index_was_expunged(HermodStore *store, gint64 mailbox_id, guint32 uid,
                                gboolean *out_found, GError **error)
{
    return has_uid(store, "SELECT 1 FROM expunged WHERE mailbox_id = ? AND uid = ?", mailbox_id,
                   uid, out_found, error);
}

GHashTable *
hermod_store_index_files(HermodStore *store, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(store, "SELECT DISTINCT file FROM messages", error);
    g_autoptr(GHashTable) files = NULL;
    int rc;

    if (st == NULL)
        return NULL;
    files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    while ((rc = hermod_store_step(store, st, "listing message files", error)) == SQLITE_ROW)
        g_hash_table_add(files, g_strdup((const char *)sqlite3_column_text(st, 0)));
    if (rc != SQLITE_DONE)
        return NULL;
    sqlite3_reset(st);
    return g_steal_pointer(&files);
}

gboolean
hermod_store_index_used(HermodStore *store, guint64 *out_used, GError **error)
{
    sqlite3_stmt *st = hermod_store_stmt(
        store, "SELECT (SELECT total(size) FROM messages) + (SELECT total(size) FROM dav_objects)",
        error);
    int rc;

    if (st == NULL)
        return FALSE;
    rc = hermod_store_step(store, st, "adding up message sizes", error);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return FALSE;
    *out_used = rc == SQLITE_ROW ? (guint64)sqlite3_column_double(st, 0) : 0;
    sqlite3_reset(st);
    return TRUE;
}
