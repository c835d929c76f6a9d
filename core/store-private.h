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

#include "store.h"

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
};

/* A mailbox row as the writers need it. */
typedef struct {
    gint64 id;
    guint32 uidnext;
    guint64 highestmodseq;
} StoreBox;

/* --- store-index.c: the SQLite side.  Lock held unless said otherwise. */

/* Open (create, migrate) dir/index.db into store->db. */
gboolean hermod_store_index_open(HermodStore *store, GError **error);
void hermod_store_index_close(HermodStore *store);
sqlite3_stmt *hermod_store_stmt(HermodStore *store, const char *sql, GError **error);
gboolean hermod_store_exec(HermodStore *store, const char *sql, GError **error);
gboolean hermod_store_db_error(HermodStore *store, GError **error, const char *what);
/* INBOX and the special-use mailboxes when there are none; INBOX always. */
gboolean hermod_store_index_defaults(HermodStore *store, GError **error);
/* Look a mailbox up by name ("inbox" is INBOX); NO_MAILBOX if absent. */
gboolean hermod_store_box(HermodStore *store, const char *name, StoreBox *out, GError **error);
gboolean hermod_store_box_by_id(HermodStore *store, gint64 id, StoreBox *out);
/* Insert a message row with the next MODSEQ and move UIDNEXT past uid. */
gboolean hermod_store_index_add(HermodStore *store, const StoreBox *box, guint32 uid,
                                const char *file, guint32 flags, gint64 internal_date, guint64 size,
                                GError **error);
gboolean hermod_store_index_has_uid(HermodStore *store, gint64 mailbox_id, guint32 uid);
gboolean hermod_store_index_was_expunged(HermodStore *store, gint64 mailbox_id, guint32 uid);
/* Every file name an index row names.  (transfer full) */
GHashTable *hermod_store_index_files(HermodStore *store, GError **error);
guint64 hermod_store_index_used(HermodStore *store);

/* --- store-file.c: message files. */

/* Write data as msg/name: tmp -> fsync -> rename -> fsync(msg/).  Any
 * lock; blocking. */
gboolean hermod_store_file_write(HermodStore *store, const char *name, GBytes *data,
                                 GError **error);
void hermod_store_file_remove(HermodStore *store, const char *name);
/* Index files that no row names (into the mailbox and UID their name
 * records when free, else INBOX) and empty tmp/.  In a write transaction. */
gboolean hermod_store_file_recover(HermodStore *store, GError **error);

G_END_DECLS

#endif
