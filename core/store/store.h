/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store.h - one account's mail: an SQLite index plus immutable files.
 *
 * Layout: data_dir/mail/DOMAIN/LOCAL/ holds index.db (WAL) and msg/, where
 * every message is one immutable file written tmp -> fsync -> rename ->
 * fsync(dir) before its index row is committed.  At open, files that no
 * index row names (a crash between rename and commit) are indexed into
 * INBOX, so an acknowledged message is never lost.
 *
 * Mailboxes carry UIDVALIDITY, UIDNEXT, HIGHESTMODSEQ and a special-use
 * attribute; messages carry UID, flags, MODSEQ, internal date, size, and
 * room for the IMAP module's cached envelope and bodystructure.  A new
 * account gets INBOX, Sent, Drafts, Trash, Junk and Archive.
 *
 * A HermodStore is refcounted and may be used from any thread; open stores
 * are cached, so opening one per message is cheap.  Writers are serialised
 * per account.  One process writes a store (the daemon); others (hermodctl)
 * may open it to read.  Every call that writes blocks (fsync): call it
 * from the work pool.
 *
 * Errors follow the directory's tri-state rule (directory.h): a lookup
 * (hermod_store_cache_get, and the index lookups in store-private.h)
 * returns TRUE with its answer in out_ parameters, NULL or FALSE meaning
 * "not there", or FALSE with HERMOD_STORE_ERROR_DB or _IO when it could
 * not answer.  A call on a mailbox or message that must exist fails with
 * NO_MAILBOX or NO_MESSAGE when it does not, and never with those codes
 * for a failure of the database.  A call that returns a list returns all
 * of it or fails: every scan of rows ends on SQLITE_DONE.  A failed read
 * of the account's quota (the directory) fails the call that needed it.
 */
#ifndef HERMOD_CORE_STORE_H
#define HERMOD_CORE_STORE_H

#include <glib.h>
#include <hermod/mailstore.h>

G_BEGIN_DECLS

#define HERMOD_STORE_ERROR (hermod_store_error_quark())
GQuark hermod_store_error_quark(void);
typedef enum {
    HERMOD_STORE_ERROR_IO,
    HERMOD_STORE_ERROR_DB,
    HERMOD_STORE_ERROR_NO_MAILBOX,
    HERMOD_STORE_ERROR_NO_MESSAGE,
    HERMOD_STORE_ERROR_EXISTS,
    HERMOD_STORE_ERROR_OVER_QUOTA,
    HERMOD_STORE_ERROR_INVALID,  /* bad mailbox name, INBOX delete, ... */
    HERMOD_STORE_ERROR_MODIFIED, /* reserved: UNCHANGEDSINCE reports per UID */
} HermodStoreError;

/* Message flags are the IMAP system flags of the mail API,
 * HERMOD_MAIL_FLAG_* (hermod/mailstore.h), which hands them through
 * unchanged; keywords are kept as strings. */

typedef struct HermodStore HermodStore;

typedef struct {
    guint32 uid;
    guint32 flags;   /* HERMOD_MAIL_FLAG_* */
    char **keywords; /* NULL-terminated, nullable */
    guint64 modseq;
    gint64 internal_date; /* seconds since the epoch */
    guint64 size;         /* bytes of the file */
} HermodStoreMessage;

typedef struct {
    char *name;        /* UTF-8, '/' as hierarchy delimiter; "INBOX" */
    char *special_use; /* "\\Sent" etc. or NULL */
    guint32 uidvalidity;
    guint32 uidnext;
    guint64 highestmodseq;
    guint32 messages;
    guint32 unseen;
    guint64 size;
    gboolean subscribed;
    guint32 deleted;        /* messages flagged \Deleted */
    gboolean is_noselect;   /* a parent left by deleting a mailbox with children */
    gint64 id;              /* the row id: stable across renames, never reused */
    guint32 threads;        /* hermod_store_mailboxes_threads only */
    guint32 unseen_threads; /* ditto */
} HermodStoreMailbox;

/* Root of every account folder (data_dir/mail); call once at start-up. */
void hermod_store_set_root(const char *data_dir);
/* Open an account's store, creating it with the default mailboxes on first
 * use; account is a canonical address.  (transfer full) */
HermodStore *hermod_store_open(const char *account, GError **error);
HermodStore *hermod_store_ref(HermodStore *store);
void hermod_store_unref(HermodStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodStore, hermod_store_unref)
/* Close every cached store nobody holds (daemon exit, tests).  Any thread. */
void hermod_store_shutdown(void);

/* Move account's mail folder out of the store, to
 * into/DOMAIN/LOCAL.YYYYMMDD-HHMMSS (one rename; into is created as
 * needed and must be on the same file system, e.g. data_dir/deleted), for
 * an account that was just deleted.  Three outcomes: TRUE with
 * *out_moved_to the new path (transfer full); TRUE with *out_moved_to
 * NULL when the account never had a folder; FALSE with error.  A daemon
 * that still has the store open keeps its files (open descriptors follow
 * the rename) but can write no new message there.  Any thread. */
gboolean hermod_store_retire(const char *account, const char *into, char **out_moved_to,
                             GError **error);

/* Write data as a new message of mailbox, durably.  internal_date 0 means
 * now.  On success *out_uid is its UID (nullable out).  Fails with
 * OVER_QUOTA when the account's quota would be exceeded. */
gboolean hermod_store_append(HermodStore *store, const char *mailbox, GBytes *data, guint32 flags,
                             gint64 internal_date, guint32 *out_uid, GError **error);
/* The same message into the INBOX of every account (element: canonical
 * address), all durable before it returns.  Every quota is checked first,
 * so OVER_QUOTA means nothing was written; after another failure, the
 * accounts before the failing one keep their copy (callers that need
 * per-recipient results call hermod_store_append per account).  Blocking. */
gboolean hermod_store_deliver(GPtrArray *accounts, GBytes *data, GError **error);

/* Mailboxes, in name order; element type HermodStoreMailbox (transfer full). */
GPtrArray *hermod_store_mailboxes(HermodStore *store, GError **error);
/* Messages of mailbox in UID order; element HermodStoreMessage (transfer full). */
GPtrArray *hermod_store_messages(HermodStore *store, const char *mailbox, GError **error);
/* The file of one message, mapped read-only.  (transfer full) */
GMappedFile *hermod_store_open_message(HermodStore *store, const char *mailbox, guint32 uid,
                                       GError **error);
/* Messages below this size are read into memory by read_message. */
#define HERMOD_STORE_READ_MAX (256 * 1024)
/* The bytes of one message: read into memory when smaller than
 * HERMOD_STORE_READ_MAX, mapped read-only otherwise.  Any thread; it reads
 * the file (from the page cache, usually).  (transfer full) */
GBytes *hermod_store_read_message(HermodStore *store, const char *mailbox, guint32 uid,
                                  GError **error);

void hermod_store_mailbox_free(HermodStoreMailbox *mb);
void hermod_store_message_free(HermodStoreMessage *msg);

/* --- what IMAP needs (HermodMailApi, hermod/mailstore.h, backs onto these).
 * Mailbox names are UTF-8 with '/' as delimiter; a first component "inbox"
 * in any case is INBOX.  Writers block (fsync or wait for the account's
 * writer): call them on the work pool.  Each change takes one new MODSEQ
 * for the whole call and notifies the account's watchers afterwards. */

/* A message to append; keywords nullable; internal_date 0 = now. */
typedef struct {
    GBytes *data;
    guint32 flags;
    const char *const *keywords;
    gint64 internal_date;
} HermodStoreAppend;

/* hermod_store_append with keywords, and the mailbox's UIDVALIDITY
 * (nullable outs). */
gboolean hermod_store_append_full(HermodStore *store, const char *mailbox,
                                  const HermodStoreAppend *in, guint32 *out_uid,
                                  guint32 *out_uidvalidity, GError **error);
/* Append n messages, in[i] into mailboxes[i], in this order and as few
 * commits as the batching allows (bulk import): staged one by one, then
 * queued together.  out_uids (nullable, n long) gets each one's UID, 0
 * for one that failed; FALSE with the first failure.  Blocking. */
gboolean hermod_store_append_many(HermodStore *store, const char *const *mailboxes,
                                  const HermodStoreAppend *in, gsize n, guint32 *out_uids,
                                  GError **error);
/* One mailbox's counters (transfer full), or NO_MAILBOX. */
HermodStoreMailbox *hermod_store_mailbox_status(HermodStore *store, const char *name,
                                                GError **error);
/* Create name and any missing parents; EXISTS if it is there (a \Noselect
 * name becomes a mailbox again, with a new UIDVALIDITY). */
gboolean hermod_store_mailbox_create(HermodStore *store, const char *name, const char *special_use,
                                     GError **error);
/* INBOX cannot go (INVALID).  A mailbox with children loses its messages
 * and stays as a \Noselect parent; otherwise it goes, and so do \Noselect
 * parents it leaves childless. */
gboolean hermod_store_mailbox_delete(HermodStore *store, const char *name, GError **error);
/* Children move along.  Renaming INBOX moves its messages into a new
 * mailbox to (new UIDs there) and leaves INBOX empty. */
gboolean hermod_store_mailbox_rename(HermodStore *store, const char *from, const char *to,
                                     GError **error);
gboolean hermod_store_mailbox_subscribe(HermodStore *store, const char *name, gboolean on,
                                        GError **error);

/* Messages with modseq > since (0: all), UID order (transfer full). */
GPtrArray *hermod_store_messages_since(HermodStore *store, const char *mailbox, guint64 since,
                                       GError **error);
/* UIDs expunged with modseq > since, ascending; GArray of guint32
 * (transfer full). */
GArray *hermod_store_expunged_since(HermodStore *store, const char *mailbox, guint64 since,
                                    GError **error);

typedef enum {
    HERMOD_STORE_FLAGS_SET = 0, /* replace flags and keywords */
    HERMOD_STORE_FLAGS_ADD,
    HERMOD_STORE_FLAGS_REMOVE,
} HermodStoreFlagsOp;

typedef struct {
    const guint32 *uids; /* ascending; UIDs that no longer exist are skipped */
    gsize n_uids;
    HermodStoreFlagsOp op;
    guint32 flags;               /* HERMOD_MAIL_FLAG_* */
    const char *const *keywords; /* nullable */
    guint64 unchangedsince;      /* 0: no condition */
} HermodStoreFlagChange;

/* STORE.  Messages whose modseq is above unchangedsince are left alone
 * and their UIDs appended to out_failed (nullable GArray of guint32). */
gboolean hermod_store_update_flags(HermodStore *store, const char *mailbox,
                                   const HermodStoreFlagChange *change, GArray *out_failed,
                                   GError **error);
/* Remove uids (NULL: every \Deleted message) for good; returns the UIDs
 * removed, ascending (transfer full). */
GArray *hermod_store_expunge(HermodStore *store, const char *mailbox, const guint32 *uids,
                             gsize n_uids, GError **error);

typedef struct {
    const guint32 *uids; /* ascending */
    gsize n_uids;
    const char *dest;
    gboolean is_move; /* MOVE: the sources are expunged in the same transaction */
} HermodStoreCopy;

/* COPY/MOVE.  Each copy is a hard link of the immutable file.  out_src and
 * out_dst (nullable, GArray of guint32) get the UID pairs for COPYUID,
 * out_uidvalidity (nullable) dest's. */
gboolean hermod_store_copy(HermodStore *store, const char *mailbox, const HermodStoreCopy *req,
                           GArray *out_src, GArray *out_dst, guint32 *out_uidvalidity,
                           GError **error);

/* Cached parse results of one message by field ("envelope",
 * "bodystructure", ...).  A lookup: *out_value is NULL when absent
 * (transfer full). */
gboolean hermod_store_cache_get(HermodStore *store, const char *mailbox, guint32 uid,
                                const char *field, char **out_value, GError **error);
void hermod_store_cache_set(HermodStore *store, const char *mailbox, guint32 uid, const char *field,
                            const char *value);
/* Full-text search: UIDs of mailbox, ascending, whose body (field "body")
 * or headers and body ("text") contain every word of query, each matched
 * as a word prefix ("meet" finds "meeting"), ignoring case and
 * diacritics; no words: none.  INVALID for another field.  Indexes what
 * is not indexed yet first (blocking).  GArray of guint32 (transfer full). */
GArray *hermod_store_search_text(HermodStore *store, const char *mailbox, const char *field,
                                 const char *query, GError **error);
/* Bytes used, and the account's quota (0: unlimited). */
gboolean hermod_store_quota(HermodStore *store, guint64 *out_used, guint64 *out_limit,
                            GError **error);

/* --- change notification (store-watch.c) */

/* Call fn(conn, mailbox, data) on conn's loop after each change to
 * account (canonical address).  Returns an id > 0.  The watch ends with
 * hermod_store_watch_remove or when a notification finds conn closed.
 * Any thread. */
guint hermod_store_watch_add(HermodConn *conn, const char *account, HermodWatchFunc fn,
                             gpointer data);
void hermod_store_watch_remove(guint id);
/* Tell account's watchers that mailbox (NULL: several) changed.  Any
 * thread; the store calls it after every commit that changes what
 * mailboxes or messages a reader sees (store-share.c relies on that). */
void hermod_store_notify(const char *account, const char *mailbox);
/* End every watch of conn; conn.c calls it when conn has closed.  Any
 * thread. */
void hermod_store_watch_conn_closed(HermodConn *conn);
/* A watch without a connection: fn(account, mailbox, data) on the
 * notifying thread after each change, until removed; once
 * hermod_store_account_watch_remove returns, fn is not running and will
 * not run again.  fn must not call the store or remove a watch.  Any
 * thread.  Returns an id > 0. */
guint hermod_store_account_watch_add(const char *account, HermodAccountWatchFunc fn, gpointer data);
void hermod_store_account_watch_remove(guint id);
/* Watches on account now (diagnostics and tests).  Any thread. */
guint hermod_store_watch_count(const char *account);
/* The account's change stamp: hermod_store_notify gives it a new value
 * (never used before, for any account) before it tells anyone.  0: no
 * change since start-up.  Any thread. */
guint64 hermod_store_change_stamp(HermodStore *store);

/* --- JMAP: emails, threads and the change log (store-jmap.c).  Emails
 * are the public HermodEmailInfo (hermod/mailstore.h), freed with
 * hermod_store_email_free; lists are whole or NULL with an error. */

void hermod_store_email_free(HermodEmailInfo *e);
/* hermod_store_mailboxes with the thread counts filled.  (transfer full) */
GPtrArray *hermod_store_mailboxes_threads(HermodStore *store, GError **error);
/* Emails of mailbox_id (0: all), newest first.  (transfer full) */
GPtrArray *hermod_store_emails(HermodStore *store, gint64 mailbox_id, GError **error);
/* Emails of the ids that exist.  (transfer full) */
GPtrArray *hermod_store_emails_get(HermodStore *store, const guint64 *ids, gsize n, GError **error);
/* Emails of mailbox with these UIDs.  NO_MAILBOX.  (transfer full) */
GPtrArray *hermod_store_emails_by_uid(HermodStore *store, const char *mailbox, const guint32 *uids,
                                      gsize n, GError **error);
/* Emails of the threads, by thread id then oldest first.  (transfer full) */
GPtrArray *hermod_store_thread_emails(HermodStore *store, const guint64 *threads, gsize n,
                                      GError **error);
/* One page of a mailbox's emails, newest first, whole or one per thread
 * (store-page.c; see HermodEmailPage).  NO_MESSAGE: the anchor is not
 * in the list.  (transfer full) */
GPtrArray *hermod_store_emails_page(HermodStore *store, HermodEmailPage *page, GError **error);
/* The last change sequence number of kind (0: none yet). */
gboolean hermod_store_state(HermodStore *store, int kind, guint64 *out_state, GError **error);
/* Changes of kind after since, at most max objects (0: all); INVALID
 * when since is ahead of the log.  Fills out's arrays (created here). */
gboolean hermod_store_changes(HermodStore *store, int kind, guint64 since, guint max,
                              HermodMailChanges *out, GError **error);
void hermod_store_changes_clear(HermodMailChanges *changes);
/* Log a change of a module's object (kind >= HERMOD_MAIL_KIND_MODULE)
 * and notify.  Blocking. */
gboolean hermod_store_change_log(HermodStore *store, int kind, guint64 id, gboolean is_destroyed,
                                 GError **error);

/* A module's own records (store-record.c; see HermodMailRecord): put
 * and delete block, log the change and notify; delete fails with
 * NO_MESSAGE when there is no such record.  records: by id (transfer
 * full).  due_accounts: accounts that may have a due record. */
gboolean hermod_store_record_put(HermodStore *store, int kind, guint64 id, gint64 due, GBytes *data,
                                 GError **error);
gboolean hermod_store_record_delete(HermodStore *store, int kind, guint64 id, GError **error);
GPtrArray *hermod_store_records(HermodStore *store, int kind, GError **error);
GPtrArray *hermod_store_record_due_accounts(GError **error);

/* Uploaded blobs (store-blob.c): put stores data durably and gives its
 * id (64 hex digits, transfer full); get returns the bytes or fails with
 * NO_MESSAGE when there is no such blob.  put blocks. */
gboolean hermod_store_blob_put(HermodStore *store, GBytes *data, char **out_id, GError **error);
GBytes *hermod_store_blob_get(HermodStore *store, const char *id, GError **error);

/* The vacation reply (store-vacation.c).  get fills out (all zero when
 * never set; free with clear); set replaces it and forgets whom it was
 * sent to (blocking); due answers whether sender should get a reply now,
 * recording it if so (blocking). */
gboolean hermod_store_vacation_get(HermodStore *store, HermodVacation *out, GError **error);
gboolean hermod_store_vacation_set(HermodStore *store, const HermodVacation *v, GError **error);
void hermod_store_vacation_clear(HermodVacation *v);
gboolean hermod_store_vacation_due(HermodStore *store, const char *sender, gint64 now,
                                   gint64 period, gboolean *out_due, GError **error);

/* --- read results shared between sessions (store-share.c) */

typedef gpointer (*HermodShareCopy)(gconstpointer value);

/* A copy (made by copy) of the value filed under key for store's account
 * with this change stamp, if younger than 2 s; else NULL.  Any thread. */
gpointer hermod_store_share_get(HermodStore *store, const char *key, guint64 stamp,
                                HermodShareCopy copy);
/* File value (transfer full, freed with free_fn) under key: the result of
 * a read made after hermod_store_change_stamp returned stamp.  Kept
 * unless a result of a later stamp is there already.  Any thread. */
void hermod_store_share_put(HermodStore *store, const char *key, guint64 stamp, gpointer value,
                            GDestroyNotify free_fn);

/* --- full-text search (store-search.c; hermod_store_search_text above) */

/* Index every message of mailbox (NULL: of every mailbox) that the search
 * index does not have yet: decoded headers, and the text of text/plain
 * and text/html parts.  Parses without the store's lock.  Blocking. */
gboolean hermod_store_search_index(HermodStore *store, const char *mailbox, GError **error);
/* Queue hermod_store_search_index for mailbox on the indexer thread
 * after an append; returns at once.  A failure is logged and left to the
 * catch-up before the next search (the message itself is durable
 * already).  Any thread. */
void hermod_store_search_feed(HermodStore *store, const char *mailbox);
/* Wait until the indexer thread has done what is queued (store shutdown). */
void hermod_store_search_stop(void);

G_END_DECLS

#endif
