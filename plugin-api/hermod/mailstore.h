/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/mailstore.h - an account's mailboxes and messages (ABI 1.1; 1.3
 * appended read_message; 1.7 email and thread ids, the change log and
 * account watches, uploaded blobs and the vacation reply for JMAP; 1.12
 * paged email lists and module records).
 *
 * IMAP, POP3 and webmail reach the core's store through HermodMailApi, a
 * second append-only table that HermodApi.mail points to (HermodApi gained
 * that member in ABI 1.1: check HERMOD_API_HAS(api, mail) first).  Every
 * mailbox name is UTF-8 with '/' as the hierarchy delimiter; "INBOX" is
 * case-insensitive.  Records are returned as GPtrArrays of pointers, so that
 * a later minor version may append members to a record without breaking
 * modules built before it.
 *
 * Errors: a call that fails returns NULL or FALSE with a HERMOD_MAIL_ERROR.
 * NO_MAILBOX and NO_MESSAGE mean only that the mailbox or message does not
 * exist; a store that could not answer (a database or disk failure, or a
 * directory failure reading the quota) is always IO, which a module maps
 * to "try again later", never to "no such mailbox".  A list (mailboxes,
 * messages, expunged_since, ...) is returned whole or not at all.
 *
 * Threads: calls marked "blocking" may fsync or wait for a writer; run them
 * on the work pool (HermodApi.work_run).  The others are quick reads that a
 * loop thread may make.  All calls are safe from any thread.
 */
#ifndef HERMOD_MAILSTORE_H
#define HERMOD_MAILSTORE_H

#include <glib.h>
#include <hermod/protocol.h>
#include <hermod/version.h>

G_BEGIN_DECLS

typedef struct HermodMailStore HermodMailStore; /* opaque: one account's store, refcounted */

/* IMAP system flags as bits (HermodMsgInfo.flags, append, update_flags);
 * keywords travel as strings.  Write them HERMOD_MAIL_FLAG_* (below).
 * The enumerators keep their ABI 1.1 names, deprecated: HERMOD_MSG_ is the
 * prefix of another family, the submission flags of hermod/api.h
 * (HermodMsgFlags, HERMOD_MSG_8BITMIME, ...).  They cannot be renamed in
 * place because the ABI baselines record enumerator names (the gate would
 * fail though no binary changes). */
typedef enum {
    HERMOD_MSG_SEEN HERMOD_DEPRECATED_FOR(HERMOD_MAIL_FLAG_SEEN) = 1 << 0,
    HERMOD_MSG_ANSWERED HERMOD_DEPRECATED_FOR(HERMOD_MAIL_FLAG_ANSWERED) = 1 << 1,
    HERMOD_MSG_FLAGGED HERMOD_DEPRECATED_FOR(HERMOD_MAIL_FLAG_FLAGGED) = 1 << 2,
    HERMOD_MSG_DELETED HERMOD_DEPRECATED_FOR(HERMOD_MAIL_FLAG_DELETED) = 1 << 3,
    HERMOD_MSG_DRAFT HERMOD_DEPRECATED_FOR(HERMOD_MAIL_FLAG_DRAFT) = 1 << 4,
} HermodMsgFlag;

/* The names to use: constants of type HermodMsgFlag, so that they mix with
 * it without enum warnings. */
#define HERMOD_MAIL_FLAG_SEEN     ((HermodMsgFlag)(1 << 0))
#define HERMOD_MAIL_FLAG_ANSWERED ((HermodMsgFlag)(1 << 1))
#define HERMOD_MAIL_FLAG_FLAGGED  ((HermodMsgFlag)(1 << 2))
#define HERMOD_MAIL_FLAG_DELETED  ((HermodMsgFlag)(1 << 3))
#define HERMOD_MAIL_FLAG_DRAFT    ((HermodMsgFlag)(1 << 4))

typedef enum {
    HERMOD_FLAGS_SET = 0, /* replace */
    HERMOD_FLAGS_ADD,
    HERMOD_FLAGS_REMOVE,
} HermodFlagsOp;

/* One message as the index knows it.  Read-only for modules. */
typedef struct {
    guint32 uid;
    guint32 flags;   /* HERMOD_MAIL_FLAG_* bits */
    char **keywords; /* NULL-terminated; never NULL */
    guint64 modseq;
    gint64 internal_date; /* seconds since the epoch */
    guint64 size;         /* bytes of the stored message */
} HermodMsgInfo;

/* One mailbox.  Read-only for modules. */
typedef struct {
    char *name;
    char *special_use; /* "\\Sent", ... or NULL */
    guint32 uidvalidity;
    guint32 uidnext;
    guint64 highestmodseq;
    guint32 messages;
    guint32 unseen;
    guint32 deleted; /* messages flagged \Deleted */
    guint64 size;    /* sum of message sizes */
    gboolean is_subscribed;
    /* A \\Noselect parent left by deleting a mailbox with children: it
     * holds no messages, the message calls refuse it (NO_MAILBOX), and
     * mailbox_create makes it a real mailbox again. */
    gboolean is_noselect;
    /* --- ABI 1.7 --- */
    gint64 id; /* stable across renames, never reused in the account */
    /* Threads with a message here, and with an unseen one here; filled
     * by mailboxes_threads only (0 elsewhere). */
    guint32 threads;
    guint32 unseen_threads;
} HermodMailboxInfo;

/* ABI 1.7: one message as JMAP sees it (an "Email").  email_id is unique
 * in the account and never reused: a MOVE keeps it, a COPY is a new email
 * with a new id.  thread_id is given at delivery from Message-ID,
 * In-Reply-To and References (subject for a reply without them) and never
 * changes.  Each email is in exactly one mailbox.  Read-only for modules. */
typedef struct {
    guint64 email_id;
    guint64 thread_id;
    gint64 mailbox_id; /* HermodMailboxInfo.id */
    char *mailbox;     /* its name */
    guint32 uid;
    guint32 flags;   /* HERMOD_MAIL_FLAG_* */
    char **keywords; /* never NULL */
    guint64 modseq;
    gint64 internal_date;
    guint64 size;
    /* Sort keys, lower case, never NULL: base subject (no "Re:"), first
     * From and To (display name, else address). */
    char *subject;
    char *from;
    char *to;
} HermodEmailInfo;

/* ABI 1.7: the kinds of object the change log follows.  Values from
 * HERMOD_MAIL_KIND_MODULE up are a module's own (JMAP identities,
 * submissions, vacation), logged with change_log. */
typedef enum {
    HERMOD_MAIL_KIND_MAILBOX = 1,
    HERMOD_MAIL_KIND_EMAIL = 2,
    HERMOD_MAIL_KIND_THREAD = 3,
    HERMOD_MAIL_KIND_MODULE = 16,
} HermodMailKind;

/* ABI 1.7: what changed since a state (changes).  Arrays of guint64 ids,
 * each id in at most one of them; (transfer full), free with
 * mail_changes_clear. */
typedef struct {
    GArray *created;
    GArray *updated;
    GArray *destroyed;
    guint64 new_state;
    gboolean has_more; /* more than max: ask again from new_state */
    /* Mailboxes: every update since the state only changed counts. */
    gboolean counts_only;
} HermodMailChanges;

/* ABI 1.7: an account's out-of-office reply (JMAP VacationResponse).
 * The core's delivery path sends it, at most once per sender per
 * HERMOD_VACATION_PERIOD, never to a null sender or a mailing list. */
typedef struct {
    gboolean is_enabled;
    gint64 from_date; /* 0: from now */
    gint64 to_date;   /* 0: until disabled */
    char *subject;    /* nullable: "Auto: " and the original subject */
    char *text_body;  /* nullable */
    char *html_body;  /* nullable */
} HermodVacation;

#define HERMOD_VACATION_PERIOD (7 * 24 * 3600)

/* ABI 1.12: one page of a mailbox's emails, newest first (internal
 * date, then email id, descending: the order of emails), for
 * emails_page.  The caller fills the "in" fields; emails_page fills the
 * "out" ones. */
typedef struct {
    gint64 mailbox_id;         /* in: HermodMailboxInfo.id */
    gboolean collapse_threads; /* in: only the newest email of each thread here */
    gint64 position;           /* in: the first email's index; < 0: from the end */
    guint64 anchor;            /* in: an email id, 0: none; then start at its index */
    gint64 anchor_offset;      /* in: ... plus this (clamped at 0) */
    guint limit;               /* in: at most this many, 0: no limit */
    guint64 total;             /* out: the length of the whole list */
    guint64 out_position;      /* out: the index of the first email given */
} HermodEmailPage;

/* ABI 1.12: a module's own object, kept in the account's store (records;
 * JMAP identities and pending submissions).  data is the module's, the
 * store never looks into it; due > 0 marks it as waiting for a time
 * (record_due_accounts finds such accounts after a restart). */
typedef struct {
    guint64 id;
    gint64 due;   /* seconds since the epoch, 0: nothing due */
    GBytes *data; /* (transfer full with the record) */
} HermodMailRecord;

/* ABI 1.7: called on the store writer's thread (any thread) after a
 * change to the watched account; must be quick and must not call the
 * store.  HermodWatchFunc is the same for a HermodConn. */
typedef void (*HermodAccountWatchFunc)(const char *account, const char *mailbox, gpointer data);

/* Called on the connection's loop thread when anything in the watched
 * account changed (delivery, another session's APPEND/STORE/EXPUNGE, a
 * mailbox created or deleted).  mailbox is the one that changed, or NULL
 * for "several"; transfer none.  The module then asks the store what
 * changed (messages with modseq above what it knows, expunged_since). */
typedef void (*HermodWatchFunc)(HermodConn *conn, const char *mailbox, gpointer data);

#define HERMOD_MAIL_ERROR (g_quark_from_static_string("hermod-mail-error"))
typedef enum {
    HERMOD_MAIL_ERROR_IO,         /* the store failed: NO [UNAVAILABLE] / -ERR [SYS/TEMP] */
    HERMOD_MAIL_ERROR_NO_MAILBOX, /* NO [NONEXISTENT] / [TRYCREATE] */
    HERMOD_MAIL_ERROR_EXISTS,     /* NO [ALREADYEXISTS] */
    HERMOD_MAIL_ERROR_OVER_QUOTA, /* NO [OVERQUOTA] */
    HERMOD_MAIL_ERROR_MODIFIED,   /* UNCHANGEDSINCE failed */
    HERMOD_MAIL_ERROR_INVALID,    /* bad name, INBOX delete, ... NO [CANNOT] */
    HERMOD_MAIL_ERROR_NO_MESSAGE, /* expunged meanwhile */
} HermodMailError;

typedef struct {
    guint32 struct_size; /* sizeof (HermodMailApi) in the running core */

    /* Open an account's store (canonical address from auth).  Blocking
     * the first time (creates it); cached afterwards.  (transfer full) */
    HermodMailStore *(*open)(const char *account, GError **error);
    void (*unref)(HermodMailStore *store);

    /* --- mailboxes --- */
    /* Every mailbox, name order; element HermodMailboxInfo* (transfer full,
     * free with the array). */
    GPtrArray *(*mailboxes)(HermodMailStore *store, GError **error);
    /* One mailbox's counters; (transfer full), free with mailbox_info_free. */
    HermodMailboxInfo *(*mailbox_status)(HermodMailStore *store, const char *name, GError **error);
    void (*mailbox_info_free)(HermodMailboxInfo *info);
    /* Blocking.  special_use nullable.  Parents are created as needed. */
    gboolean (*mailbox_create)(HermodMailStore *store, const char *name, const char *special_use,
                               GError **error);
    /* Blocking.  INBOX cannot be deleted; a mailbox with children keeps
     * existing as a \Noselect parent (RFC 9051 6.3.4). */
    gboolean (*mailbox_delete)(HermodMailStore *store, const char *name, GError **error);
    /* Blocking.  Renames children too; renaming INBOX moves its messages to
     * the new mailbox and leaves INBOX empty (RFC 9051 6.3.6). */
    gboolean (*mailbox_rename)(HermodMailStore *store, const char *from, const char *to,
                               GError **error);
    gboolean (*mailbox_subscribe)(HermodMailStore *store, const char *name, gboolean on,
                                  GError **error);

    /* --- messages --- */
    /* Messages of mailbox whose modseq > since (0: all), UID order; element
     * HermodMsgInfo* (transfer full, free with the array). */
    GPtrArray *(*messages)(HermodMailStore *store, const char *mailbox, guint64 since,
                           GError **error);
    /* UIDs expunged from mailbox with modseq > since, ascending (QRESYNC,
     * and for sessions to learn of expunges).  (transfer full) GArray of guint32 */
    GArray *(*expunged_since)(HermodMailStore *store, const char *mailbox, guint64 since,
                              GError **error);
    /* Blocking; durable before it returns.  keywords nullable; date 0 = now.
     * out_uid and out_uidvalidity nullable. */
    gboolean (*append)(HermodMailStore *store, const char *mailbox, GBytes *data, guint32 flags,
                       const char *const *keywords, gint64 date, guint32 *out_uid,
                       guint32 *out_uidvalidity, GError **error);
    /* Blocking.  Change flags/keywords of uids (ascending).  With
     * unchangedsince > 0, messages whose modseq is higher are left alone and
     * their UIDs appended to out_failed (nullable GArray of guint32). */
    gboolean (*update_flags)(HermodMailStore *store, const char *mailbox, const guint32 *uids,
                             gsize n_uids, HermodFlagsOp op, guint32 flags,
                             const char *const *keywords, guint64 unchangedsince,
                             GArray *out_failed, GError **error);
    /* Blocking.  Remove uids (NULL: every \Deleted message) for good;
     * returns the UIDs removed, ascending.  (transfer full) */
    GArray *(*expunge)(HermodMailStore *store, const char *mailbox, const guint32 *uids,
                       gsize n_uids, GError **error);
    /* Blocking.  Copy (or move) uids to dest; out_src/out_dst (nullable)
     * receive the UID pairs for COPYUID, out_uidvalidity dest's. */
    gboolean (*copy)(HermodMailStore *store, const char *mailbox, const guint32 *uids, gsize n_uids,
                     const char *dest, gboolean is_move, GArray *out_src, GArray *out_dst,
                     guint32 *out_uidvalidity, GError **error);
    /* The raw message, mapped read-only (never read whole into memory).
     * (transfer full) */
    GMappedFile *(*open_message)(HermodMailStore *store, const char *mailbox, guint32 uid,
                                 GError **error);
    /* Cached parse results ("envelope", "bodystructure", ...): get returns
     * NULL when absent (transfer full); set stores value (blocking-light).
     * A cache: a read the store fails is a miss (the core logs it), and
     * the module computes the value from the message, whose read reports
     * the failure. */
    char *(*cache_get)(HermodMailStore *store, const char *mailbox, guint32 uid, const char *field);
    void (*cache_set)(HermodMailStore *store, const char *mailbox, guint32 uid, const char *field,
                      const char *value);
    /* Full-text search: UIDs of mailbox whose body (field "body") or
     * headers and body ("text") contain every word of query; ascending.
     * (transfer full) GArray of guint32 */
    GArray *(*search_text)(HermodMailStore *store, const char *mailbox, const char *field,
                           const char *query, GError **error);
    /* Bytes used and the account's quota (0: unlimited). */
    gboolean (*quota)(HermodMailStore *store, guint64 *out_used, guint64 *out_limit,
                      GError **error);

    /* --- change notification --- */
    /* Call fn on conn's loop whenever the account changes; returns an id
     * for watch_remove.  Removed automatically when conn closes. */
    guint (*watch_add)(HermodConn *conn, const char *account, HermodWatchFunc fn, gpointer data);
    void (*watch_remove)(guint id);

    /* --- ABI 1.3 --- */
    /* The raw message as bytes: read into memory when it is small (below
     * 256 KB), mapped read-only like open_message when it is larger, so a
     * big message is still never read whole.  Prefer it to open_message:
     * unmapping costs every other core of the server a TLB flush, far more
     * than copying a few KB.  A quick read (any thread).  (transfer full) */
    GBytes *(*read_message)(HermodMailStore *store, const char *mailbox, guint32 uid,
                            GError **error);

    /* --- ABI 1.7: emails, threads, the change log (JMAP) --- */
    /* mailboxes with HermodMailboxInfo.threads and unseen_threads filled
     * (reads every message: slower than mailboxes). */
    GPtrArray *(*mailboxes_threads)(HermodMailStore *store, GError **error);
    /* Every email of mailbox_id (0: of the account), newest first
     * (internal date, then email id, descending); element
     * HermodEmailInfo* (transfer full, free with the array). */
    GPtrArray *(*emails)(HermodMailStore *store, gint64 mailbox_id, GError **error);
    /* The emails of ids that exist (others are left out), any order. */
    GPtrArray *(*emails_get)(HermodMailStore *store, const guint64 *ids, gsize n_ids,
                             GError **error);
    /* The emails of mailbox with these UIDs (after append or copy). */
    GPtrArray *(*emails_by_uid)(HermodMailStore *store, const char *mailbox, const guint32 *uids,
                                gsize n_uids, GError **error);
    /* The emails of thread_ids, by thread then oldest first. */
    GPtrArray *(*thread_emails)(HermodMailStore *store, const guint64 *thread_ids, gsize n_threads,
                                GError **error);
    /* The account's state of kind: it changes whenever an object of the
     * kind does. */
    gboolean (*state)(HermodMailStore *store, HermodMailKind kind, guint64 *out_state,
                      GError **error);
    /* What changed since state since, at most max ids (0: no limit);
     * reads only the changed objects' rows.  INVALID when since is not a
     * state the log can answer from (newer than now, or older than the
     * log keeps). */
    gboolean (*changes)(HermodMailStore *store, HermodMailKind kind, guint64 since, guint max,
                        HermodMailChanges *out, GError **error);
    void (*changes_clear)(HermodMailChanges *changes);
    /* Blocking.  Log a change of a module's object (kind >= MODULE):
     * created the first time an id is logged, destroyed when is_destroyed,
     * and tell the account's watchers. */
    gboolean (*change_log)(HermodMailStore *store, HermodMailKind kind, guint64 id,
                           gboolean is_destroyed, GError **error);
    /* Call fn (any thread) after each change to account, until
     * account_watch_remove; returns an id > 0.  For event streams, which
     * have no HermodConn. */
    guint (*account_watch_add)(const char *account, HermodAccountWatchFunc fn, gpointer data);
    void (*account_watch_remove)(guint id);

    /* --- ABI 1.7, continued: uploaded blobs and the vacation reply (JMAP) --- */
    /* Blocking.  Store an uploaded blob durably; *out_id (transfer full)
     * names it (the same bytes always get the same id).  Unreferenced
     * blobs are dropped after a day. */
    gboolean (*blob_put)(HermodMailStore *store, GBytes *data, char **out_id, GError **error);
    /* A blob's bytes (transfer full), or NULL with NO_MESSAGE. */
    GBytes *(*blob_get)(HermodMailStore *store, const char *id, GError **error);
    /* The vacation reply (all zero when never set); free with
     * vacation_clear. */
    gboolean (*vacation_get)(HermodMailStore *store, HermodVacation *out, GError **error);
    /* Blocking.  Replace it; everyone gets a reply again. */
    gboolean (*vacation_set)(HermodMailStore *store, const HermodVacation *vacation,
                             GError **error);
    void (*vacation_clear)(HermodVacation *vacation);

    /* --- ABI 1.12: paged email lists, a module's own records (JMAP) --- */
    /* One page of page->mailbox_id's emails, newest first, read from the
     * index: its cost follows the page's end, not the mailbox (with
     * collapse_threads: the walk to the page's last thread).  Fills
     * page->total and page->out_position.  NO_MESSAGE when page->anchor
     * is not in the list (collapsed: not the newest of its thread here).
     * Element HermodEmailInfo* (transfer full, free with the array). */
    GPtrArray *(*emails_page)(HermodMailStore *store, HermodEmailPage *page, GError **error);
    /* Blocking.  Store (create or replace) the module's record id of kind
     * (>= HERMOD_MAIL_KIND_MODULE) and log the change (change_log). */
    gboolean (*record_put)(HermodMailStore *store, HermodMailKind kind, guint64 id, gint64 due,
                           GBytes *data, GError **error);
    /* The records of kind, by id; element HermodMailRecord* (transfer
     * full, free with the array). */
    GPtrArray *(*records)(HermodMailStore *store, HermodMailKind kind, GError **error);
    /* Blocking.  Remove a record and log it destroyed; NO_MESSAGE when
     * there is none. */
    gboolean (*record_delete)(HermodMailStore *store, HermodMailKind kind, guint64 id,
                              GError **error);
    /* The accounts that may have a record with due > 0 (a superset),
     * element char * (transfer full).  For a module starting up. */
    GPtrArray *(*record_due_accounts)(GError **error);
} HermodMailApi;

#define HERMOD_MAIL_API_HAS(mail, member)                                                          \
    ((mail)->struct_size >= G_STRUCT_OFFSET(HermodMailApi, member) + sizeof((mail)->member))

G_END_DECLS

#endif
