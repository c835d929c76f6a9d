/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-history.c - reading an account's IM history and IM settings, and the
 * directory lookups IM clients need (the domain's accounts).
 *
 * Thin on purpose: the SQL is store-im.c's.  What this file adds is the
 * hub's error domain (a store failure is HERMOD_IM_ERROR_TEMP, a bad
 * request INVALID) and the canonical spelling of addresses in queries,
 * so that "with" matches however the client wrote it.  Blocking.
 */
#include "autoconfig.h"

#include <string.h>

#include "directory/directory.h"
#include "im/im.h"
#include "store/store-im.h"

static const char *const setting_keys[] = {"notify_new_mail", "broadcast_seen", NULL};

static gboolean
temp(GError **error, const char *what, GError *err)
{
    g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP, "%s: %s", what,
                err != NULL ? err->message : "unknown error");
    return FALSE;
}

static HermodStore *
open_store(const char *account, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *canon = account != NULL ? hermod_directory_canonical(account) : NULL;
    HermodStore *store;

    if (canon == NULL) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_INVALID, "not an account: %s",
                    account != NULL ? account : "(none)");
        return NULL;
    }
    store = hermod_store_open(canon, &err);
    if (store == NULL)
        temp(error, "cannot open the store", err);
    return store;
}

GPtrArray *
hermod_im_history(const HermodImQuery *q, GError **error)
{
    HermodImQuery query = {0};
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodStore) store = NULL;
    g_autofree char *with = NULL;
    GPtrArray *out;

    if (q == NULL || q->struct_size < G_STRUCT_OFFSET(HermodImQuery, with)) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_INVALID, "im history: a bad query");
        return NULL;
    }
    memcpy(&query, q, MIN(q->struct_size, sizeof query));
    if ((store = open_store(query.account, error)) == NULL)
        return NULL;
    if (query.with != NULL) {
        with = hermod_directory_canonical(query.with);
        query.with = with != NULL ? with : query.with; /* a group's thread id as it is */
    }
    out = hermod_store_im_history(store, &query, &err);
    if (out == NULL)
        temp(error, "cannot read the IM history", err);
    return out;
}

gboolean
hermod_im_set_flags(const char *account, const gint64 *ids, gsize n_ids, guint32 flags,
                    gboolean is_on, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodStore) store = open_store(account, error);

    if (store == NULL)
        return FALSE;
    return hermod_store_im_set_flags(store, ids, n_ids, flags, is_on, &err) ||
           temp(error, "cannot change IM flags", err);
}

gboolean
hermod_im_unread(const char *account, guint *out_total, GHashTable **out_by_sender, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodStore) store = open_store(account, error);

    if (store == NULL)
        return FALSE;
    return hermod_store_im_unread(store, out_total, out_by_sender, &err) ||
           temp(error, "cannot count unread IMs", err);
}

static gboolean
key_ok(const char *key, GError **error)
{
    if (key != NULL && g_strv_contains(setting_keys, key))
        return TRUE;
    g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_INVALID, "no IM setting %s",
                key != NULL ? key : "(none)");
    return FALSE;
}

gboolean
hermod_im_setting_get(const char *account, const char *key, char **out_value, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodStore) store = NULL;

    *out_value = NULL;
    if (!key_ok(key, error) || (store = open_store(account, error)) == NULL)
        return FALSE;
    return hermod_store_im_setting_get(store, key, out_value, &err) ||
           temp(error, "cannot read an IM setting", err);
}

gboolean
hermod_im_setting_set(const char *account, const char *key, const char *value, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodStore) store = NULL;

    if (!key_ok(key, error) || (store = open_store(account, error)) == NULL)
        return FALSE;
    if (value != NULL && !g_utf8_validate(value, -1, NULL)) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_INVALID, "%s is not UTF-8", key);
        return FALSE;
    }
    return hermod_store_im_setting_set(store, key, value, &err) ||
           temp(error, "cannot save an IM setting", err);
}

GPtrArray *
hermod_im_accounts(const char *domain, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *d = domain != NULL ? g_ascii_strdown(domain, -1) : NULL;
    GPtrArray *out;

    if (d == NULL) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_INVALID, "im accounts: no domain");
        return NULL;
    }
    out = hermod_directory_user_list(d, &err);
    if (out == NULL &&
        g_error_matches(err, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND))
        return g_ptr_array_new_with_free_func(g_free); /* not one of our domains: nobody */
    if (out == NULL)
        temp(error, "cannot list the accounts", err);
    return out;
}
