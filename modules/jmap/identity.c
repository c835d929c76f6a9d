/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * identity.c - Identity/get and Identity/changes (RFC 8621 6): one
 * identity per address the account may send as (the core's
 * account_addresses: the account itself, "I1", then its aliases), so a
 * client can offer only addresses that submission will accept.  They
 * follow the directory; Identity/set is refused (forbidden): there is
 * nothing of an identity the server keeps beyond its address.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-submit.h"
#include "jmap-util.h"

GPtrArray *
jmap_identities(JmapCtx *ctx)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *list = jmap_api->account_addresses(ctx->account, &error);

    if (list == NULL)
        jmap_store_error(ctx, error);
    return list;
}

static JsonObject *
identity_json(guint n, const char *email)
{
    JsonObject *o = json_object_new();
    g_autofree char *id = jmap_id('I', n);

    json_object_set_string_member(o, "id", id);
    json_object_set_string_member(o, "name", "");
    json_object_set_string_member(o, "email", email);
    json_object_set_null_member(o, "replyTo");
    json_object_set_null_member(o, "bcc");
    json_object_set_string_member(o, "textSignature", "");
    json_object_set_string_member(o, "htmlSignature", "");
    json_object_set_boolean_member(o, "mayDelete", FALSE);
    return o;
}

static JsonObject *
get_one(JmapCtx *ctx, const char *id, gpointer data)
{
    GPtrArray *list = data;
    guint64 n = jmap_id_parse('I', id);

    return n >= 1 && n <= list->len ? identity_json((guint)n, list->pdata[n - 1]) : NULL;
}

static GPtrArray *
all_ids(JmapCtx *ctx, gpointer data)
{
    GPtrArray *list = data, *ids = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < list->len; i++)
        g_ptr_array_add(ids, jmap_id('I', i + 1));
    return ids;
}

void
jmap_identity_get(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(GPtrArray) list = jmap_identities(ctx);
    JmapGet get = {JMAP_KIND_IDENTITY, get_one, all_ids, list};

    if (list != NULL)
        jmap_get(ctx, args, "Identity/get", &get);
}

void
jmap_identity_changes(JmapCtx *ctx, JsonObject *args)
{
    jmap_changes(ctx, args, "Identity/changes", JMAP_KIND_IDENTITY, 'I');
}

void
jmap_identity_set(JmapCtx *ctx, JsonObject *args)
{
    if (jmap_check_account(ctx, args))
        jmap_error(ctx, "forbidden", "identities follow the account's addresses and aliases");
}
