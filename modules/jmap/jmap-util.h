/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * jmap-util.h - the standard methods' shared shapes (util.c): /get with
 * ids and properties, a /query answer with position, anchor and limit,
 * and small JSON helpers.  Work-pool thread, like every method.
 */
#ifndef HERMOD_JMAP_UTIL_H
#define HERMOD_JMAP_UTIL_H

#include "jmap.h"

G_BEGIN_DECLS

/* A type's /get: one object by id (NULL: not found; transfer full) and
 * every id (for "ids": null; transfer full). */
typedef struct {
    HermodMailKind kind;
    JsonObject *(*get_one)(JmapCtx *ctx, const char *id, gpointer data);
    GPtrArray *(*all_ids)(JmapCtx *ctx, gpointer data);
    gpointer data;
} JmapGet;

void jmap_get(JmapCtx *ctx, JsonObject *args, const char *name, const JmapGet *get);
/* The ids argument of a /get (NULL: null, all), creation ids resolved,
 * at most JMAP_MAX_OBJECTS_GET; FALSE after sending the error.
 * *out (transfer full) element char *. */
gboolean jmap_get_ids(JmapCtx *ctx, JsonObject *args, GPtrArray **out);
/* The properties argument: NULL for all; FALSE after the error.  Every
 * name must be in known.  (transfer container) */
gboolean jmap_get_properties(JmapCtx *ctx, JsonObject *args, const char *const *known,
                             GPtrArray **out);
/* Drop the members of o not in props (nullable: keep all); id stays. */
void jmap_keep_props(JsonObject *o, GPtrArray *props);
/* The /query answer from every matching id in order (numbers of ids
 * with prefix): position, anchor, anchorOffset, limit, calculateTotal. */
void jmap_query_reply(JmapCtx *ctx, JsonObject *args, const char *name, HermodMailKind kind,
                      GArray *nums, char prefix, gboolean can_calculate_changes);
/* A /queryChanges answer: every id of changed (guint64 * keys) removed,
 * those of them in ids (the results now, in order) added at their index;
 * the RFC lets a server over-report removals. */
void jmap_query_changes_reply(JmapCtx *ctx, const char *name, HermodMailKind kind, char prefix,
                              const char *since, GArray *ids, GHashTable *changed, gboolean total);
void jmap_set_nullable_string(JsonObject *o, const char *member, const char *value);
/* An id list as a JSON array. */
JsonArray *jmap_id_array(GArray *numbers, char prefix);
/* ifInState of a /set; FALSE after stateMismatch.  *out_old the state. */
gboolean jmap_if_in_state(JmapCtx *ctx, JsonObject *args, HermodMailKind kind, char **out_old);
/* A SetError object: {"type": type, "description": text}.  (transfer full) */
JsonObject *jmap_set_error(const char *type, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* mailbox-set.c: the shared shape of every /set. */
JsonObject *jmap_set_result(JmapCtx *ctx, const char *old_state, const char *new_state,
                            JsonObject *created, JsonObject *updated, JsonArray *destroyed,
                            JsonObject *not_created, JsonObject *not_updated,
                            JsonObject *not_destroyed);
/* create, update (nullable, transfer none), destroy (nullable, transfer
 * container); at most JMAP_MAX_OBJECTS_SET in all; FALSE after the error. */
gboolean jmap_set_args(JmapCtx *ctx, JsonObject *args, JsonObject **create, JsonObject **update,
                       GPtrArray **destroy);

/* mailbox.c */
JsonObject *jmap_mailbox_json(JmapCtx *ctx, const HermodMailboxInfo *mb);
const HermodMailboxInfo *jmap_mailbox_by_name(JmapCtx *ctx, const char *name);
gboolean jmap_role_known(const char *role);

G_END_DECLS

#endif
