/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-dav.h - calendars, address books and WebDAV collections in an
 * account's index (schema 7).
 *
 * The contract is HermodDavApi's (hermod/dav.h), which plugin/dav-api.c
 * wires to these functions: same parameters, same records, same
 * outcomes.  Errors are HERMOD_DAV_ERROR for what a DAV client caused
 * (NOT_FOUND, EXISTS, PRECONDITION, UID_CONFLICT, INVALID) and the
 * store's own (DB, IO, OVER_QUOTA) otherwise.  Every call blocks on the
 * account's lock and SQLite; writes commit with synchronous=FULL, so
 * that a 201 or 204 is durable like an appended message.
 */
#ifndef HERMOD_CORE_STORE_DAV_H
#define HERMOD_CORE_STORE_DAV_H

#include <glib.h>
#include <hermod/dav.h>

#include "store/store.h"

G_BEGIN_DECLS

GPtrArray *hermod_store_dav_collections(HermodStore *store, const char *home, GError **error);
gboolean hermod_store_dav_collection(HermodStore *store, const char *home, const char *name,
                                     HermodDavCollection **out, GError **error);
gboolean hermod_store_dav_collection_create(HermodStore *store, const HermodDavNewCollection *spec,
                                            GError **error);
gboolean hermod_store_dav_collection_delete(HermodStore *store, gint64 id, GError **error);
void hermod_store_dav_collection_free(HermodDavCollection *c);

GPtrArray *hermod_store_dav_objects(HermodStore *store, gint64 collection_id, gboolean with_data,
                                    gint64 start, gint64 end, GError **error);
/* name, etag, content_type and size only (the rest zero or NULL). */
GPtrArray *hermod_store_dav_objects_brief(HermodStore *store, gint64 collection_id, GError **error);
gboolean hermod_store_dav_object(HermodStore *store, gint64 collection_id, const char *name,
                                 HermodDavObject **out, GError **error);
gboolean hermod_store_dav_object_by_uid(HermodStore *store, gint64 collection_id, const char *uid,
                                        char **out_name, GError **error);
gboolean hermod_store_dav_put(HermodStore *store, const HermodDavPut *put, char **out_etag,
                              gboolean *out_created, GError **error);
gboolean hermod_store_dav_delete(HermodStore *store, gint64 collection_id, const char *name,
                                 const char *if_match, GError **error);
void hermod_store_dav_object_free(HermodDavObject *o);

GPtrArray *hermod_store_dav_changes(HermodStore *store, gint64 collection_id, guint64 since,
                                    GError **error);
GPtrArray *hermod_store_dav_props(HermodStore *store, gint64 collection_id, const char *object,
                                  GError **error);
gboolean hermod_store_dav_props_update(HermodStore *store, gint64 collection_id, const char *object,
                                       GPtrArray *changes, GError **error);
void hermod_store_dav_prop_free(HermodDavProp *p);
GPtrArray *hermod_store_dav_props_objects(HermodStore *store, gint64 collection_id, GError **error);
void hermod_store_dav_change_free(HermodDavChange *c);

/* --- shared by store-dav*.c (lock held unless said otherwise) */

/* Reminder records (store-reminder.c, schema 11): HermodDavApi's
 * reminder_get, reminder_set, reminder_prune. */
gboolean hermod_store_reminder_get(HermodStore *store, gint64 collection_id, const char *object,
                                   gboolean *out_found, gint64 *out_fired_until, char **out_etag,
                                   GError **error);
gboolean hermod_store_reminder_set(HermodStore *store, gint64 collection_id, const char *object,
                                   gint64 fired_until, const char *etag, GError **error);
gboolean hermod_store_reminder_prune(HermodStore *store, gint64 collection_id, GError **error);

/* Is name a member name: segments joined by '/' (a trailing '/' names a
 * subcollection of a plain collection), none empty, "." or "..", nor
 * over 255 bytes; UTF-8 without control characters, at most 1024
 * bytes?  Else INVALID.  Collection names are checked the same way by
 * the callers that need one segment.  Any lock. */
gboolean hermod_store_dav_name_ok(const char *name, GError **error);
/* Run fn in a durable write transaction under the lock. */
gboolean hermod_store_dav_txn(HermodStore *store,
                              gboolean (*fn)(HermodStore *, gpointer, GError **), gpointer data,
                              GError **error);
/* Take the collection's next sync number and log name's change. */
gboolean hermod_store_dav_log(HermodStore *store, gint64 id, const char *name, gboolean is_deleted,
                              guint64 *out_modseq, GError **error);

G_END_DECLS

#endif
