/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * identity.c - Identity/get, /changes and /set (RFC 8621 6).
 *
 * Every address the account may send as (the core's account_addresses:
 * the account itself, then its aliases) is an identity of its own, "I1"
 * for the login and "I2".. for the aliases, in the directory's order,
 * so a client can offer only addresses that submission will accept.
 * Identity/set keeps what a user adds to them in the account store (the
 * module's records, kind JMAP_KIND_IDENTITY, JSON): an update of I<n>
 * stores that identity's name, replyTo, bcc and signatures; a create
 * stores a new identity (ids from I1001 up) for an address the account
 * owns, else forbiddenFrom; a destroy removes a created identity.  The
 * directory's identities (the login's I1, the aliases') can be updated,
 * never destroyed (mayDelete false: they go with the alias).  email is
 * immutable.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-submit.h"
#include "jmap-util.h"

#define FIRST_CREATED 1001

typedef struct {
    GPtrArray *addresses; /* char *: the directory's, I1 first */
    GHashTable *stored;   /* guint64 id -> JsonObject * (the record) */
} Identities;

static void
identities_free(Identities *l)
{
    if (l == NULL)
        return;
    g_ptr_array_unref(l->addresses);
    g_hash_table_unref(l->stored);
    g_free(l);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Identities, identities_free)

static JsonObject *
parse_record(GBytes *data)
{
    g_autoptr(JsonParser) p = json_parser_new();
    gsize len = 0;
    const char *text = g_bytes_get_data(data, &len);
    JsonNode *root;

    if (text == NULL || !json_parser_load_from_data(p, text, (gssize)len, NULL))
        return NULL;
    root = json_parser_get_root(p);
    return root != NULL && JSON_NODE_HOLDS_OBJECT(root)
               ? json_object_ref(json_node_get_object(root))
               : NULL;
}

/* The account's addresses and stored identities; NULL after serverFail. */
static Identities *
identities_load(JmapCtx *ctx)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(Identities) l = g_new0(Identities, 1);
    g_autoptr(GPtrArray) records = NULL;

    l->stored = g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free,
                                      (GDestroyNotify)json_object_unref);
    l->addresses = jmap_api->account_addresses(ctx->account, &error);
    if (l->addresses != NULL)
        records = jmap_api->mail->records(ctx->store, JMAP_KIND_IDENTITY, &error);
    if (records == NULL) {
        if (l->addresses == NULL)
            l->addresses = g_ptr_array_new_with_free_func(g_free);
        jmap_store_error(ctx, error);
        return NULL;
    }
    for (guint i = 0; i < records->len; i++) {
        const HermodMailRecord *r = records->pdata[i];
        JsonObject *o = parse_record(r->data);
        if (o != NULL)
            g_hash_table_insert(l->stored, g_memdup2(&r->id, sizeof r->id), o);
    }
    return g_steal_pointer(&l);
}

/* The email of identity n, or NULL when there is none. */
static const char *
email_of(Identities *l, guint64 n)
{
    JsonObject *rec = g_hash_table_lookup(l->stored, &n);

    if (n >= 1 && n <= l->addresses->len)
        return l->addresses->pdata[n - 1];
    return rec != NULL && n >= FIRST_CREATED
               ? json_object_get_string_member_with_default(rec, "email", NULL)
               : NULL;
}

char *
jmap_identity_email(JmapCtx *ctx, const char *id, gboolean *failed)
{
    g_autoptr(Identities) l = identities_load(ctx);

    *failed = l == NULL;
    return l != NULL ? g_strdup(email_of(l, jmap_id_parse('I', id))) : NULL;
}

static void
copy_member(JsonObject *to, JsonObject *from, const char *name, gboolean is_string)
{
    JsonNode *n = from != NULL ? json_object_get_member(from, name) : NULL;

    if (n != NULL && !JSON_NODE_HOLDS_NULL(n))
        json_object_set_member(to, name, json_node_copy(n));
    else if (is_string)
        json_object_set_string_member(to, name, "");
    else
        json_object_set_null_member(to, name);
}

static JsonObject *
identity_json(Identities *l, guint64 n)
{
    const char *email = email_of(l, n);
    JsonObject *rec = g_hash_table_lookup(l->stored, &n), *o;
    g_autofree char *id = NULL;

    if (email == NULL)
        return NULL;
    o = json_object_new();
    id = jmap_id('I', n);
    json_object_set_string_member(o, "id", id);
    copy_member(o, rec, "name", TRUE);
    json_object_set_string_member(o, "email", email);
    copy_member(o, rec, "replyTo", FALSE);
    copy_member(o, rec, "bcc", FALSE);
    copy_member(o, rec, "textSignature", TRUE);
    copy_member(o, rec, "htmlSignature", TRUE);
    json_object_set_boolean_member(o, "mayDelete", n >= FIRST_CREATED);
    return o;
}

static JsonObject *
get_one(JmapCtx *ctx, const char *id, gpointer data)
{
    return identity_json(data, jmap_id_parse('I', jmap_resolve_id(ctx, id)));
}

static gint
by_number(gconstpointer a, gconstpointer b)
{
    guint64 x = **(const guint64 *const *)a, y = **(const guint64 *const *)b;

    return (x > y) - (x < y);
}

static GPtrArray *
all_ids(JmapCtx *ctx, gpointer data)
{
    Identities *l = data;
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) created = g_ptr_array_new();
    GHashTableIter it;
    gpointer key;

    for (guint i = 0; i < l->addresses->len; i++) {
        if (email_of(l, i + 1) != NULL)
            g_ptr_array_add(ids, jmap_id('I', i + 1));
    }
    g_hash_table_iter_init(&it, l->stored);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        if (*(guint64 *)key >= FIRST_CREATED && email_of(l, *(guint64 *)key) != NULL)
            g_ptr_array_add(created, key);
    }
    g_ptr_array_sort(created, by_number);
    for (guint i = 0; i < created->len; i++)
        g_ptr_array_add(ids, jmap_id('I', *(guint64 *)created->pdata[i]));
    return ids;
}

void
jmap_identity_get(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(Identities) l = identities_load(ctx);
    JmapGet get = {JMAP_KIND_IDENTITY, get_one, all_ids, l};

    if (l != NULL)
        jmap_get(ctx, args, "Identity/get", &get);
}

/* The directory's identities (I1..) were there before their first
 * record: a "created" of theirs in the log is an update. */
void
jmap_identity_changes_fix(HermodMailChanges *c)
{
    for (guint i = c->created->len; i > 0; i--) {
        guint64 n = g_array_index(c->created, guint64, i - 1);
        if (n >= FIRST_CREATED)
            continue;
        g_array_remove_index(c->created, i - 1);
        g_array_append_val(c->updated, n);
    }
}

void
jmap_identity_changes(JmapCtx *ctx, JsonObject *args)
{
    jmap_changes(ctx, args, "Identity/changes", JMAP_KIND_IDENTITY, 'I');
}

/* --- Identity/set */

static const char *const settable[] = {"name",          "replyTo",       "bcc",
                                       "textSignature", "htmlSignature", NULL};

static gboolean
valid_addresses(JsonNode *n)
{
    JsonArray *a;

    if (JSON_NODE_HOLDS_NULL(n))
        return TRUE;
    if (!JSON_NODE_HOLDS_ARRAY(n))
        return FALSE;
    a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonObject *o = jmap_elem_obj(a, i);
        JsonNode *email = o != NULL ? json_object_get_member(o, "email") : NULL;
        JsonNode *name = o != NULL ? json_object_get_member(o, "name") : NULL;
        if (email == NULL || !JSON_NODE_HOLDS_VALUE(email) ||
            json_node_get_value_type(email) != G_TYPE_STRING ||
            strchr(json_node_get_string(email), '@') == NULL ||
            (name != NULL && !JSON_NODE_HOLDS_NULL(name) &&
             (!JSON_NODE_HOLDS_VALUE(name) || json_node_get_value_type(name) != G_TYPE_STRING)))
            return FALSE;
    }
    return TRUE;
}

/* Copy patch's settable members into rec; a SetError for anything else
 * (id and mayDelete are server-set: only in a create's echo).  email is
 * the caller's to check. */
static JsonObject *
apply(JsonObject *rec, JsonObject *patch, gboolean is_create)
{
    GList *members = json_object_get_members(patch);
    JsonObject *err = NULL;

    for (GList *m = members; m != NULL && err == NULL; m = m->next) {
        const char *k = m->data;
        JsonNode *v = json_object_get_member(patch, k);
        gboolean is_str = JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING;
        if (strcmp(k, "email") == 0 ||
            (is_create && (strcmp(k, "id") == 0 || strcmp(k, "mayDelete") == 0)))
            continue;
        if (!g_strv_contains(settable, k))
            err = jmap_set_error("invalidProperties", "%s cannot be set", k);
        else if ((strcmp(k, "replyTo") == 0 || strcmp(k, "bcc") == 0) ? !valid_addresses(v)
                                                                      : !is_str)
            err = jmap_set_error("invalidProperties", "bad value for %s", k);
        else
            json_object_set_member(rec, k, json_node_copy(v));
        if (err != NULL) {
            JsonArray *props = json_array_new();
            json_array_add_string_element(props, k);
            json_object_set_array_member(err, "properties", props);
        }
    }
    g_list_free(members);
    return err;
}

static gboolean
save(JmapCtx *ctx, guint64 n, JsonObject *rec, JsonObject **err)
{
    g_autoptr(JsonNode) node = json_node_init_object(json_node_alloc(), rec);
    char *text = json_to_string(node, FALSE);
    g_autoptr(GBytes) data = g_bytes_new_take(text, strlen(text));
    g_autoptr(GError) error = NULL;

    if (jmap_api->mail->record_put(ctx->store, JMAP_KIND_IDENTITY, n, 0, data, &error))
        return TRUE;
    *err = jmap_set_error("serverFail", "%s", error->message);
    return FALSE;
}

static gboolean
owns(Identities *l, const char *email)
{
    for (guint i = 0; i < l->addresses->len; i++) {
        if (g_ascii_strcasecmp(l->addresses->pdata[i], email) == 0)
            return TRUE;
    }
    return FALSE;
}

static guint64
next_id(Identities *l)
{
    guint64 n = FIRST_CREATED - 1;
    GHashTableIter it;
    gpointer key;

    g_hash_table_iter_init(&it, l->stored);
    while (g_hash_table_iter_next(&it, &key, NULL))
        n = MAX(n, *(guint64 *)key);
    return n + 1;
}

static JsonObject *
create_one(JmapCtx *ctx, Identities *l, JsonObject *o, guint64 *out)
{
    const char *email = json_object_get_string_member_with_default(o, "email", NULL);
    g_autoptr(JsonObject) rec = json_object_new();
    JsonObject *err;
    guint64 n;

    if (email == NULL)
        return jmap_set_error("invalidProperties", "an identity needs an email");
    if (!owns(l, email))
        return jmap_set_error("forbiddenFrom", "the account may not send as %s", email);
    if ((err = apply(rec, o, TRUE)) != NULL)
        return err;
    json_object_set_string_member(rec, "email", email);
    n = next_id(l);
    if (!save(ctx, n, rec, &err))
        return err;
    g_hash_table_insert(l->stored, g_memdup2(&n, sizeof n), json_object_ref(rec));
    *out = n;
    return NULL;
}

static JsonObject *
update_one(JmapCtx *ctx, Identities *l, const char *id, JsonObject *patch)
{
    guint64 n = jmap_id_parse('I', jmap_resolve_id(ctx, id));
    const char *email = email_of(l, n);
    JsonObject *old = g_hash_table_lookup(l->stored, &n), *err;
    g_autoptr(JsonObject) rec = json_object_new();
    JsonNode *e = json_object_get_member(patch, "email");

    if (email == NULL)
        return jmap_set_error("notFound", "no identity %s", id);
    if (e != NULL && (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING ||
                      strcmp(json_node_get_string(e), email) != 0))
        return jmap_set_error("invalidProperties", "email is immutable");
    if (old != NULL) {
        GList *members = json_object_get_members(old);
        for (GList *m = members; m != NULL; m = m->next)
            json_object_set_member(rec, m->data,
                                   json_node_copy(json_object_get_member(old, m->data)));
        g_list_free(members);
    }
    if ((err = apply(rec, patch, FALSE)) != NULL)
        return err;
    if (!save(ctx, n, rec, &err))
        return err;
    g_hash_table_insert(l->stored, g_memdup2(&n, sizeof n), json_object_ref(rec));
    return NULL;
}

static JsonObject *
destroy_one(JmapCtx *ctx, Identities *l, const char *id)
{
    guint64 n = jmap_id_parse('I', jmap_resolve_id(ctx, id));
    g_autoptr(GError) error = NULL;

    if (email_of(l, n) == NULL)
        return jmap_set_error("notFound", "no identity %s", id);
    if (n < FIRST_CREATED)
        return jmap_set_error("forbidden", "%s follows the account's %s: it stays while that does",
                              id, n == 1 ? "login" : "alias");
    if (!jmap_api->mail->record_delete(ctx->store, JMAP_KIND_IDENTITY, n, &error))
        return jmap_set_error("serverFail", "%s", error->message);
    g_hash_table_remove(l->stored, &n);
    return NULL;
}

typedef struct {
    JsonObject *created, *updated, *not_created, *not_updated, *not_destroyed;
    JsonArray *destroyed;
} Result;

static void
each_create(JmapCtx *ctx, Identities *l, JsonObject *create, Result *r)
{
    GList *members = json_object_get_members(create);

    for (GList *m = members; m != NULL; m = m->next) {
        JsonNode *n = json_object_get_member(create, m->data);
        guint64 id = 0;
        JsonObject *err = JSON_NODE_HOLDS_OBJECT(n)
                              ? create_one(ctx, l, json_node_get_object(n), &id)
                              : jmap_set_error("invalidProperties", "not an object");
        if (err != NULL) {
            json_object_set_object_member(r->not_created, m->data, err);
            continue;
        }
        JsonObject *made = identity_json(l, id);
        g_hash_table_insert(ctx->created, g_strdup(m->data), jmap_id('I', id));
        json_object_set_object_member(r->created, m->data, made);
    }
    g_list_free(members);
}

static void
each_update(JmapCtx *ctx, Identities *l, JsonObject *update, Result *r)
{
    GList *members = json_object_get_members(update);

    for (GList *m = members; m != NULL; m = m->next) {
        JsonNode *n = json_object_get_member(update, m->data);
        JsonObject *err = NULL;
        if (JSON_NODE_HOLDS_OBJECT(n))
            err = update_one(ctx, l, m->data, json_node_get_object(n));
        else
            err = jmap_set_error("invalidPatch", "not an object");
        if (err != NULL)
            json_object_set_object_member(r->not_updated, m->data, err);
        else
            json_object_set_null_member(r->updated, m->data);
    }
    g_list_free(members);
}

void
jmap_identity_set(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *create, *update;
    g_autoptr(GPtrArray) destroy = NULL;
    g_autofree char *old = NULL, *now = NULL;
    g_autoptr(Identities) l = NULL;
    Result r;

    if (!jmap_set_args(ctx, args, &create, &update, &destroy) ||
        !jmap_if_in_state(ctx, args, JMAP_KIND_IDENTITY, &old) ||
        (l = identities_load(ctx)) == NULL)
        return;
    r = (Result){json_object_new(), json_object_new(), json_object_new(),
                 json_object_new(), json_object_new(), json_array_new()};
    if (create != NULL)
        each_create(ctx, l, create, &r);
    if (update != NULL)
        each_update(ctx, l, update, &r);
    for (guint i = 0; destroy != NULL && i < destroy->len; i++) {
        JsonObject *err = destroy_one(ctx, l, destroy->pdata[i]);
        if (err != NULL)
            json_object_set_object_member(r.not_destroyed, destroy->pdata[i], err);
        else
            json_array_add_string_element(r.destroyed, destroy->pdata[i]);
    }
    now = jmap_kind_state(ctx, JMAP_KIND_IDENTITY);
    jmap_reply(ctx, "Identity/set",
               jmap_set_result(ctx, old, now != NULL ? now : old, r.created, r.updated, r.destroyed,
                               r.not_created, r.not_updated, r.not_destroyed));
}
