/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * thread.c - Thread/get and Thread/changes (RFC 8621 3): a thread is
 * every email of the account with its thread id, oldest first; the
 * store gives thread ids at delivery and logs a thread's creation,
 * change (an email joined or left) and end.
 */
#include "autoconfig.h"

#include "jmap-util.h"

void
jmap_thread_get(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(GPtrArray) ids = NULL;
    g_autoptr(GArray) nums = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_autoptr(GPtrArray) emails = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *state = NULL;
    JsonArray *list, *not_found;
    JsonObject *out;

    if (!jmap_check_account(ctx, args) || !jmap_get_ids(ctx, args, &ids))
        return;
    if (ids == NULL) {
        jmap_error(ctx, "requestTooLarge", "Thread/get needs ids");
        return;
    }
    for (guint i = 0; i < ids->len; i++) {
        guint64 n = jmap_id_parse('T', ids->pdata[i]);
        g_array_append_val(nums, n);
    }
    if ((state = jmap_kind_state(ctx, HERMOD_MAIL_KIND_THREAD)) == NULL)
        return;
    emails =
        jmap_api->mail->thread_emails(ctx->store, (const guint64 *)nums->data, nums->len, &error);
    if (emails == NULL) {
        jmap_store_error(ctx, error);
        return;
    }
    list = json_array_new();
    not_found = json_array_new();
    for (guint i = 0; i < ids->len; i++) {
        guint64 t = g_array_index(nums, guint64, i);
        JsonArray *members = json_array_new();
        for (guint j = 0; t != 0 && j < emails->len; j++) {
            const HermodEmailInfo *e = emails->pdata[j];
            if (e->thread_id != t)
                continue;
            g_autofree char *eid = jmap_id('E', e->email_id);
            json_array_add_string_element(members, eid);
        }
        if (json_array_get_length(members) == 0) {
            json_array_unref(members);
            json_array_add_string_element(not_found, ids->pdata[i]);
            continue;
        }
        JsonObject *o = json_object_new();
        json_object_set_string_member(o, "id", ids->pdata[i]);
        json_object_set_array_member(o, "emailIds", members);
        json_array_add_object_element(list, o);
    }
    out = json_object_new();
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_string_member(out, "state", state);
    json_object_set_array_member(out, "list", list);
    json_object_set_array_member(out, "notFound", not_found);
    jmap_reply(ctx, "Thread/get", out);
}

void
jmap_thread_changes(JmapCtx *ctx, JsonObject *args)
{
    jmap_changes(ctx, args, "Thread/changes", HERMOD_MAIL_KIND_THREAD, 'T');
}
