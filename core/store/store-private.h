/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-private.h - what the store's files share: the HermodStore object,
 * the index (store-index.c) and the message files (store-file.c).  Nobody
 * outside core/store*.c includes this.
 */
#ifndef HERMOD_CORE_STORE_PRIVATE_H
#define HERMOD_CORE_STORE_PRIVATE_H

#include <glib.h>
#include <sqlite3.h>

#include "store/store.h"

G_BEGIN_DECLS

struct HermodStore {
    int refcount;     /* users; 0 = idle in the cache (store.c's lock) */
    char *account;    /* canonical address */
    char *dir;        /* the account folder */
    char *msg_dir;    /* dir/msg: immutable message files */
    char *tmp_dir;    /* dir/tmp: files being written */
    int msg_fd;       /* msg_dir opened O_DIRECTORY, for fsync */
    GMutex lock;      /* serialises every use of db */
    sqlite3 *db;      /* index.db */
    GHashTable *stmt; /* const char *sql -> sqlite3_stmt * */
    guint64 used;     /* bytes of every message, for the quota */
    /* Group commit (store-append.c): appends waiting to be published. */
    GMutex batch_lock;      /* guards pending, is_committing and syncing */
    GPtrArray *pending;     /* StoreJob *, in arrival order */
    gboolean is_committing; /* a leader is publishing a batch */
    guint syncing;          /* members still syncing their files for it */
    GCond synced;           /* signalled when syncing drops to 0 */
    /* store-read.c: mailbox_status answers, valid while the index is at
     * status_version (canonical name -> HermodStoreMailbox *). */
    GHashTable *status;
    gint64 status_version[2];
};

/* A mailbox row as the writers need it. */
typedef struct {
    gint64 id;
    guint32 uidvalidity;
    guint32 uidnext;
    guint64 highestmodseq;
} StoreBox;

/* What the index keeps of a message's headers (store-thread.c). */
typedef struct {
    char *message_id; /* without <>, or NULL */
    char **refs;      /* References and In-Reply-To ids; never NULL */
    char *subject;    /* base subject, lower case; never NULL */
    gboolean is_reply;
    char *from, *to; /* sort keys, lower case; never NULL */
} StoreSummary;

/* A message row to insert. */
typedef struct {
    guint32 uid;
    const char *file;
    guint32 flags;
    const char *const *keywords; /* nullable */
    gint64 internal_date;
    guint64 size;
    const StoreSummary *summary; /* nullable: no thread keys, empty sort keys */
    guint64 thread_id;           /* 0: from summary (a COPY passes its source's) */
} StoreRow;

#define HERMOD_STORE_FLAGS_ALL 0x1f

/* --- store-index.c: the SQLite side.  Lock held unless said otherwise. */

/* Open (create, migrate) dir/index.db into store->db. */
gboolean hermod_store_index_open(HermodStore *store, GError **error);
void hermod_store_index_close(HermodStore *store);
/* Copy the WAL's pages back into index.db, as far as readers allow (best
 * effort: a failure leaves them in the WAL, still durable). */
void hermod_store_index_checkpoint(HermodStore *store);
sqlite3_stmt *hermod_store_stmt(HermodStore *store, const char *sql, GError **error);
gboolean hermod_store_exec(HermodStore *store, const char *sql, GError **error);
/* One statement (a string literal: its prepared form is kept by address),
 * stepped once: for the BEGIN, COMMIT and SAVEPOINT of every append, which
 * hermod_store_exec would parse again at each call. */
gboolean hermod_store_run(HermodStore *store, const char *sql, GError **error);
gboolean hermod_store_db_error(HermodStore *store, GError **error, const char *what);
/* One step of a read: SQLITE_ROW or SQLITE_DONE, or else st is reset and
 * HERMOD_STORE_ERROR_DB set ("store A: what: ...").  A scan is
 *   while ((rc = hermod_store_step(...)) == SQLITE_ROW) ...;
 *   if (rc != SQLITE_DONE) fail;
 * so that a failure mid-scan is never a short list. */
int hermod_store_step(HermodStore *store, sqlite3_stmt *st, const char *what, GError **error);
/* A lookup (store.h's convention): does st give a row?  Resets st. */
gboolean hermod_store_exists(HermodStore *store, sqlite3_stmt *st, gboolean *out_found,
                             GError **error);
/* INBOX and the special-use mailboxes when there are none; INBOX always. */
gboolean hermod_store_index_defaults(HermodStore *store, GError **error);
/* Look a mailbox up by name ("inbox" is INBOX) for a call that needs it:
 * NO_MAILBOX if absent, DB if the query failed. */
gboolean hermod_store_box(HermodStore *store, const char *name, StoreBox *out, GError **error);
/* A lookup by id: *out_found says whether out was filled. */
gboolean hermod_store_box_by_id(HermodStore *store, gint64 id, StoreBox *out, gboolean *out_found,
                                GError **error);
/* Insert a message row with the next MODSEQ, move UIDNEXT past its UID,
 * and write both back into box and its row. */
gboolean hermod_store_index_add(HermodStore *store, StoreBox *box, const StoreRow *row,
                                GError **error);
/* The same, but box's row is left for the caller to save (a batch saves
 * each mailbox once). */
gboolean hermod_store_index_insert(HermodStore *store, StoreBox *box, const StoreRow *row,
                                   GError **error);
/* Write box's UIDNEXT and HIGHESTMODSEQ to its row. */
gboolean hermod_store_box_save(HermodStore *store, const StoreBox *box, GError **error);
gboolean hermod_store_keywords_add(HermodStore *store, gint64 message_id,
                                   const char *const *keywords, GError **error);
/* Lookups: is uid a message of the mailbox / in its expunge log? */
gboolean hermod_store_index_has_uid(HermodStore *store, gint64 mailbox_id, guint32 uid,
                                    gboolean *out_found, GError **error);
gboolean hermod_store_index_was_expunged(HermodStore *store, gint64 mailbox_id, guint32 uid,
                                         gboolean *out_found, GError **error);
/* A lookup: was this mailbox deleted (or emptied into a \Noselect parent)? */
gboolean hermod_store_index_was_deleted(HermodStore *store, gint64 mailbox_id, gboolean *out_found,
                                        GError **error);
/* Every file name an index row names.  (transfer full) */
GHashTable *hermod_store_index_files(HermodStore *store, GError **error);
/* Bytes of every message of the index. */
gboolean hermod_store_index_used(HermodStore *store, guint64 *out_used, GError **error);
/* Bytes removed from the account (mail or DAV objects) leave the quota
 * count; takes store->lock, so call it after the transaction. */
void hermod_store_release_bytes(HermodStore *store, guint64 bytes);

/* Create a selectable mailbox row with a new UIDVALIDITY. */
gboolean hermod_store_box_create(HermodStore *store, const char *name, const char *special_use,
                                 GError **error);
/* Canonical mailbox name ("inbox/x" -> "INBOX/x") or NULL with INVALID.
 * Any lock. (transfer full) */
char *hermod_store_name_canon(const char *name, GError **error);
/* Would size more bytes pass quota (0: none)?  Sets OVER_QUOTA. */
gboolean hermod_store_over_quota(HermodStore *store, guint64 quota, guint64 size, GError **error);
/* The account's quota from the directory (0: none); FALSE with the
 * directory's error when it cannot be read.  No lock needed. */
gboolean hermod_store_quota_limit(HermodStore *store, guint64 *out_limit, GError **error);

/* --- store-headers.c: the fields of a header block, in place. */

/* One field: name (without the colon), and its raw value after the colon
 * up to the end of its last line, folding and all (not NUL-terminated).
 * Return FALSE to stop the scan. */
typedef gboolean (*StoreFieldFunc)(const char *name, gsize name_len, const char *value,
                                   gsize value_len, gpointer user_data);
/* Call func for each field of the header block that starts data, in
 * order.  Returns the offset of the body (after the empty line), or len
 * when there is none.  Any thread, no lock. */
gsize hermod_store_headers_scan(const char *data, gsize len, StoreFieldFunc func,
                                gpointer user_data);
/* A raw value unfolded (line ends removed), white space trimmed at both
 * ends.  (transfer full) */
char *hermod_store_header_unfold(const char *value, gsize len);

/* --- store-thread.c: header summaries and threads. */

/* Parse the header block of a message.  Any thread, no lock.  (transfer full) */
StoreSummary *hermod_store_summary_parse(const char *data, gsize len);
/* The same from the message file msg/file (an empty summary when it
 * cannot be read).  No lock needed.  (transfer full) */
StoreSummary *hermod_store_summary_read(HermodStore *store, const char *file);
void hermod_store_summary_free(StoreSummary *s);
/* The thread of a new message with summary s (nullable) and email_id,
 * recording its ids for later messages.  Lock held, in a transaction. */
gboolean hermod_store_thread_assign(HermodStore *store, const StoreSummary *s, guint64 email_id,
                                    guint64 *out_thread, GError **error);
/* Schema v6: summaries and threads of every message already there. */
gboolean hermod_store_thread_upgrade(HermodStore *store, GError **error);

/* --- store-append.c: group commit. */

/* Publish the staged file tmp (transfer full: it is renamed or removed)
 * of size bytes as a new message of mailbox, with in's flags, keywords
 * and date (in->data, nullable, only for its header
 * summary: the bytes are tmp's).  fd (transfer full) is tmp still open
 * from hermod_store_file_stage_open, which the batch syncs before the
 * rename, or -1 for a file already synced.  tmp NULL (fd -1): the batch
 * writes in->data to a file of its own.  Appends waiting for the same account
 * are published together: one folder fsync and one transaction for all.
 * Returns once this message is durable, or failed alone.  Blocking; no
 * lock held. */
gboolean hermod_store_append_staged(HermodStore *store, const char *mailbox,
                                    const HermodStoreAppend *in, char *tmp, int fd, guint64 size,
                                    guint32 *out_uid, guint32 *out_uidvalidity, GError **error);

/* --- store-flags.c: removing messages. */

/* What deleting rows freed: file names to unlink after the commit, and
 * bytes to take off store->used once it committed. */
typedef struct {
    GPtrArray *files;
    guint64 bytes;
} StoreRemoved;

/* Delete the rows of ids (gint64 message ids), logging each UID in
 * "expunged" with modseq when modseq > 0.  Lock held, in a transaction. */
gboolean hermod_store_rows_delete(HermodStore *store, gint64 mailbox_id, GArray *ids,
                                  guint64 modseq, StoreRemoved *out, GError **error);
/* Move the rows of ids (message ids of src) to dst with new UIDs there,
 * logging the old UIDs as expunged from src; both boxes take one new
 * MODSEQ.  out_src/out_dst (nullable) get the UID pairs. */
gboolean hermod_store_rows_move(HermodStore *store, StoreBox *src, StoreBox *dst, GArray *ids,
                                GArray *out_src, GArray *out_dst, GError **error);
/* After the commit: unlink each file that no row names any more. */
void hermod_store_files_unlink(HermodStore *store, GPtrArray *files);

/* --- store-file.c: message files. */

/* A message file is written in two halves, so that the slow half runs
 * outside the account lock (tmp -> fsync -> rename -> fsync(msg/)): stage
 * writes data to a uniquely named file in tmp/ and fsyncs it (no lock
 * needed; *out_tmp gets its path, transfer full; on failure it removes what
 * it made).  place renames a staged file to msg/name (under the lock, once
 * the UID is known; on failure the staged file is left for the caller);
 * sync fsyncs msg/, once for every file placed since the last sync. */
gboolean hermod_store_file_stage(HermodStore *store, GBytes *data, char **out_tmp, GError **error);
/* The same in two steps, for the group commit: stage_open writes the file
 * and starts its writeback but does not wait (*out_fd gets it, open);
 * settle fsyncs and closes fd (always), the file is then what stage
 * leaves.  Until settle returned TRUE the file may be incomplete on disk
 * and must not be renamed into msg/. */
gboolean hermod_store_file_stage_open(HermodStore *store, GBytes *data, char **out_tmp, int *out_fd,
                                      GError **error);
gboolean hermod_store_file_settle(HermodStore *store, const char *tmp, int fd, GError **error);
gboolean hermod_store_file_place(HermodStore *store, const char *tmp, const char *name,
                                 GError **error);
gboolean hermod_store_file_sync(HermodStore *store, GError **error);
void hermod_store_file_remove(HermodStore *store, const char *name);
/* Index files that no row names (into the mailbox and UID their name
 * records when free, else INBOX) and empty tmp/.  In a write transaction. */
gboolean hermod_store_file_recover(HermodStore *store, GError **error);

G_END_DECLS

/* The email of id into *out (NULL: none).  Lock held (store-jmap.c). */
gboolean hermod_store_email_read_locked(HermodStore *store, guint64 id, HermodEmailInfo **out,
                                        GError **error);

/* Log a change of a module's object in the open transaction; no notify
 * (store-jmap.c). */
gboolean hermod_store_log_locked(HermodStore *store, int kind, guint64 id, gboolean is_destroyed,
                                 GError **error);
/* root/name (store.c): folders of the store beside the accounts' (a
 * leading '.' that no account folder has).  NULL before set_root.
 * (transfer full) */
char *hermod_store_root_path(const char *name);

#endif
