/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-im.h - an account's IM history and IM settings, in its index.db
 * (schema version 8: tables im and im_settings).
 *
 * The IM hub (core/im/) is the only writer; hermodctl reads.  Entries are
 * HermodIm records (hermod/im.h); their id is the row id, which only
 * grows (AUTOINCREMENT), so it is a stable archive id.  Adding an entry
 * is durable when it returns: the commit syncs the WAL (synchronous=FULL
 * for that transaction), because an IM, unlike a message, has no file
 * that the scan at open could bring back.
 *
 * Lookups and lists follow store.h's rules.  Every call blocks (SQLite):
 * the work pool or hermodctl.  Any thread.
 */
#ifndef HERMOD_CORE_STORE_IM_H
#define HERMOD_CORE_STORE_IM_H

#include <glib.h>
#include <hermod/im.h>

#include "store/store.h"

G_BEGIN_DECLS

/* One history entry to add.  im->id and (when 0) im->time are filled in.
 * peer: the other party, canonical (for "with" queries).  dedupe_key
 * nullable: if an entry with the same key exists, nothing is added,
 * *out_is_duplicate is TRUE and im->id, im->time and im->flags are the
 * existing entry's. */
typedef struct {
    HermodIm *im;
    const char *peer;
    const char *dedupe_key;
} HermodStoreImAdd;

gboolean hermod_store_im_add(HermodStore *store, HermodStoreImAdd *add, gboolean *out_is_duplicate,
                             GError **error);
/* Entries matching q (q->account is ignored: the store's), ascending id.
 * element HermodIm* (transfer full). */
GPtrArray *hermod_store_im_history(HermodStore *store, const HermodImQuery *q, GError **error);
/* Set or clear flags on ids (missing ones skipped). */
gboolean hermod_store_im_set_flags(HermodStore *store, const gint64 *ids, gsize n_ids,
                                   guint32 flags, gboolean is_on, GError **error);
/* Incoming entries without HERMOD_IM_FLAG_READ: total, and per sender
 * (out_by_sender nullable; char* -> GUINT_TO_POINTER count, transfer full). */
gboolean hermod_store_im_unread(HermodStore *store, guint *out_total, GHashTable **out_by_sender,
                                GError **error);
/* A lookup of one IM setting: *out_value NULL when unset (transfer full). */
gboolean hermod_store_im_setting_get(HermodStore *store, const char *key, char **out_value,
                                     GError **error);
/* value NULL deletes. */
gboolean hermod_store_im_setting_set(HermodStore *store, const char *key, const char *value,
                                     GError **error);

/* A copy of im (transfer full) and its free function. */
HermodIm *hermod_im_copy(const HermodIm *im);
void hermod_im_free(HermodIm *im);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodIm, hermod_im_free)

G_END_DECLS

#endif
