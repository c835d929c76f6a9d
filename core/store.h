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
 */
#ifndef HERMOD_CORE_STORE_H
#define HERMOD_CORE_STORE_H

#include <glib.h>

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
} HermodStoreError;

/* IMAP system flags as bits; keywords are kept as strings. */
typedef enum {
    HERMOD_FLAG_SEEN = 1 << 0,
    HERMOD_FLAG_ANSWERED = 1 << 1,
    HERMOD_FLAG_FLAGGED = 1 << 2,
    HERMOD_FLAG_DELETED = 1 << 3,
    HERMOD_FLAG_DRAFT = 1 << 4,
} HermodFlags;

typedef struct HermodStore HermodStore;

typedef struct {
    guint32 uid;
    guint32 flags;       /* HermodFlags */
    char **keywords;     /* NULL-terminated, nullable */
    guint64 modseq;
    gint64 internal_date; /* seconds since the epoch */
    guint64 size;        /* bytes of the file */
} HermodStoreMessage;

typedef struct {
    char *name;          /* UTF-8, '/' as hierarchy delimiter; "INBOX" */
    char *special_use;   /* "\\Sent" etc. or NULL */
    guint32 uidvalidity;
    guint32 uidnext;
    guint64 highestmodseq;
    guint32 messages;
    guint32 unseen;
    guint64 size;
    gboolean subscribed;
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

/* Write data as a new message of mailbox, durably.  internal_date 0 means
 * now.  On success *out_uid is its UID (nullable out).  Fails with
 * OVER_QUOTA when the account's quota would be exceeded. */
gboolean hermod_store_append(HermodStore *store, const char *mailbox, GBytes *data,
                             guint32 flags, gint64 internal_date, guint32 *out_uid,
                             GError **error);
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
GMappedFile *hermod_store_open_message(HermodStore *store, const char *mailbox,
                                       guint32 uid, GError **error);

void hermod_store_mailbox_free(HermodStoreMailbox *mb);
void hermod_store_message_free(HermodStoreMessage *msg);

G_END_DECLS

#endif
