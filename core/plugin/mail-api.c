/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mail-api.c - the HermodMailApi table (hermod/mailstore.h): modules'
 * window onto the store.
 *
 * Each member is a thin adapter over a hermod_store_* call: the opaque
 * HermodMailStore is the core's HermodStore, records are copied into the
 * public structs (keywords never NULL there), and store errors are
 * rewritten into HERMOD_MAIL_ERROR codes that the protocols map to their
 * replies.  The rules themselves (UIDs, MODSEQs, quotas, durability) are
 * the store's; nothing here decides anything.  The quick reads that every
 * IDLE session makes after a change (status, changes and expunges since a
 * MODSEQ) are made once per change and shared (store-share.c).
 * module-api.c hands the table out as HermodApi.mail (ABI 1.1).
 */
#include "autoconfig.h"

#include "lib/log.h"
#include "plugin/mail-api.h"
#include "store/store.h"

#define STORE(s) ((HermodStore *)(s))

/* Longest read result shared between sessions (store-share.c). */
#define SHARE_MAX 256

/* Rewrite a store error into the public domain, in place. */
static void
map_error(GError **error)
{
    static const int codes[] = {
        [HERMOD_STORE_ERROR_IO] = HERMOD_MAIL_ERROR_IO,
        [HERMOD_STORE_ERROR_DB] = HERMOD_MAIL_ERROR_IO,
        [HERMOD_STORE_ERROR_NO_MAILBOX] = HERMOD_MAIL_ERROR_NO_MAILBOX,
        [HERMOD_STORE_ERROR_NO_MESSAGE] = HERMOD_MAIL_ERROR_NO_MESSAGE,
        [HERMOD_STORE_ERROR_EXISTS] = HERMOD_MAIL_ERROR_EXISTS,
        [HERMOD_STORE_ERROR_OVER_QUOTA] = HERMOD_MAIL_ERROR_OVER_QUOTA,
        [HERMOD_STORE_ERROR_INVALID] = HERMOD_MAIL_ERROR_INVALID,
        [HERMOD_STORE_ERROR_MODIFIED] = HERMOD_MAIL_ERROR_MODIFIED,
    };

    if (error == NULL || *error == NULL)
        return;
    if ((*error)->domain == HERMOD_STORE_ERROR && (*error)->code >= 0 &&
        (gsize)(*error)->code < G_N_ELEMENTS(codes))
        (*error)->code = codes[(*error)->code];
    else
        (*error)->code = HERMOD_MAIL_ERROR_IO;
    (*error)->domain = HERMOD_MAIL_ERROR;
}

static HermodMailStore *
mail_open(const char *account, GError **error)
{
    HermodStore *store = hermod_store_open(account, error);

    map_error(error);
    return (HermodMailStore *)store;
}

static void
mail_unref(HermodMailStore *store)
{
    hermod_store_unref(STORE(store));
}

static void
mailbox_info_free(HermodMailboxInfo *info)
{
    if (info == NULL)
        return;
    g_free(info->name);
    g_free(info->special_use);
    g_free(info);
}

static HermodMailboxInfo *
mailbox_info(const HermodStoreMailbox *mb)
{
    HermodMailboxInfo *info = g_new0(HermodMailboxInfo, 1);

    info->name = g_strdup(mb->name);
    info->special_use = g_strdup(mb->special_use);
    info->uidvalidity = mb->uidvalidity;
    info->uidnext = mb->uidnext;
    info->highestmodseq = mb->highestmodseq;
    info->messages = mb->messages;
    info->unseen = mb->unseen;
    info->deleted = mb->deleted;
    info->size = mb->size;
    info->is_subscribed = mb->subscribed;
    info->is_noselect = mb->is_noselect;
    info->id = mb->id;
    info->threads = mb->threads;
    info->unseen_threads = mb->unseen_threads;
    return info;
}

static GPtrArray *
mail_mailboxes(HermodMailStore *store, GError **error)
{
    g_autoptr(GPtrArray) list = hermod_store_mailboxes(STORE(store), error);
    GPtrArray *out;

    map_error(error);
    if (list == NULL)
        return NULL;
    out = g_ptr_array_new_with_free_func((GDestroyNotify)mailbox_info_free);
    for (guint i = 0; i < list->len; i++)
        g_ptr_array_add(out, mailbox_info(list->pdata[i]));
    return out;
}

static HermodMailboxInfo *
mailbox_info_copy(const HermodMailboxInfo *in)
{
    HermodMailboxInfo *info = g_memdup2(in, sizeof *in);

    info->name = g_strdup(in->name);
    info->special_use = g_strdup(in->special_use);
    return info;
}

/* Status is among the quick reads that every IDLE session of an account
 * makes after a change: one answer is shared (store-share.c). */
static HermodMailboxInfo *
mail_mailbox_status(HermodMailStore *store, const char *name, GError **error)
{
    g_autofree char *key = g_strconcat("status\n", name, NULL);
    guint64 stamp = hermod_store_change_stamp(STORE(store));
    HermodMailboxInfo *info =
        hermod_store_share_get(STORE(store), key, stamp, (HermodShareCopy)mailbox_info_copy);

    if (info != NULL)
        return info;
    HermodStoreMailbox *mb = hermod_store_mailbox_status(STORE(store), name, error);
    info = mb != NULL ? mailbox_info(mb) : NULL;
    map_error(error);
    hermod_store_mailbox_free(mb);
    if (info != NULL)
        hermod_store_share_put(STORE(store), key, stamp, mailbox_info_copy(info),
                               (GDestroyNotify)mailbox_info_free);
    return info;
}

static gboolean
mail_mailbox_create(HermodMailStore *store, const char *name, const char *special_use,
                    GError **error)
{
    gboolean ok = hermod_store_mailbox_create(STORE(store), name, special_use, error);

    map_error(error);
    return ok;
}

static gboolean
mail_mailbox_delete(HermodMailStore *store, const char *name, GError **error)
{
    gboolean ok = hermod_store_mailbox_delete(STORE(store), name, error);

    map_error(error);
    return ok;
}

static gboolean
mail_mailbox_rename(HermodMailStore *store, const char *from, const char *to, GError **error)
{
    gboolean ok = hermod_store_mailbox_rename(STORE(store), from, to, error);

    map_error(error);
    return ok;
}

static gboolean
mail_mailbox_subscribe(HermodMailStore *store, const char *name, gboolean on, GError **error)
{
    gboolean ok = hermod_store_mailbox_subscribe(STORE(store), name, on, error);

    map_error(error);
    return ok;
}

static void
msg_info_free(HermodMsgInfo *info)
{
    if (info == NULL)
        return;
    g_strfreev(info->keywords);
    g_free(info);
}

static HermodMsgInfo *
msg_info_copy(const HermodMsgInfo *in)
{
    HermodMsgInfo *info = g_memdup2(in, sizeof *in);

    info->keywords = g_strdupv(in->keywords);
    return info;
}

static GPtrArray *
msg_list_copy(GPtrArray *in)
{
    GPtrArray *out = g_ptr_array_new_full(in->len, (GDestroyNotify)msg_info_free);

    for (guint i = 0; i < in->len; i++)
        g_ptr_array_add(out, msg_info_copy(in->pdata[i]));
    return out;
}

static GPtrArray *
messages_read(HermodMailStore *store, const char *mailbox, guint64 since, GError **error)
{
    g_autoptr(GPtrArray) list = hermod_store_messages_since(STORE(store), mailbox, since, error);
    GPtrArray *out;

    map_error(error);
    if (list == NULL)
        return NULL;
    out = g_ptr_array_new_full(list->len, (GDestroyNotify)msg_info_free);
    for (guint i = 0; i < list->len; i++) {
        HermodStoreMessage *m = list->pdata[i];
        HermodMsgInfo *info = g_new0(HermodMsgInfo, 1);
        info->uid = m->uid;
        info->flags = m->flags;
        info->keywords = m->keywords != NULL ? g_strdupv(m->keywords) : g_new0(char *, 1);
        info->modseq = m->modseq;
        info->internal_date = m->internal_date;
        info->size = m->size;
        g_ptr_array_add(out, info);
    }
    return out;
}

/* What changed since a MODSEQ is shared like the status (small answers
 * only); the whole mailbox (since 0) is not. */
static GPtrArray *
mail_messages(HermodMailStore *store, const char *mailbox, guint64 since, GError **error)
{
    if (since == 0)
        return messages_read(store, mailbox, since, error);
    g_autofree char *key = g_strdup_printf("messages\n%" G_GUINT64_FORMAT "\n%s", since, mailbox);
    guint64 stamp = hermod_store_change_stamp(STORE(store));
    GPtrArray *out =
        hermod_store_share_get(STORE(store), key, stamp, (HermodShareCopy)msg_list_copy);
    if (out != NULL)
        return out;
    out = messages_read(store, mailbox, since, error);
    if (out != NULL && out->len <= SHARE_MAX)
        hermod_store_share_put(STORE(store), key, stamp, msg_list_copy(out),
                               (GDestroyNotify)g_ptr_array_unref);
    return out;
}

static GArray *
uid_list_copy(GArray *in)
{
    return g_array_copy(in);
}

static GArray *
mail_expunged_since(HermodMailStore *store, const char *mailbox, guint64 since, GError **error)
{
    g_autofree char *key = g_strdup_printf("expunged\n%" G_GUINT64_FORMAT "\n%s", since, mailbox);
    guint64 stamp = hermod_store_change_stamp(STORE(store));
    GArray *out = hermod_store_share_get(STORE(store), key, stamp, (HermodShareCopy)uid_list_copy);

    if (out != NULL)
        return out;
    out = hermod_store_expunged_since(STORE(store), mailbox, since, error);
    map_error(error);
    if (out != NULL && out->len <= SHARE_MAX)
        hermod_store_share_put(STORE(store), key, stamp, g_array_copy(out),
                               (GDestroyNotify)g_array_unref);
    return out;
}

static gboolean
mail_append(HermodMailStore *store, const char *mailbox, GBytes *data, guint32 flags,
            const char *const *keywords, gint64 date, guint32 *out_uid, guint32 *out_uidvalidity,
            GError **error)
{
    HermodStoreAppend in = {data, flags, keywords, date};
    gboolean ok =
        hermod_store_append_full(STORE(store), mailbox, &in, out_uid, out_uidvalidity, error);

    map_error(error);
    return ok;
}

static gboolean
mail_update_flags(HermodMailStore *store, const char *mailbox, const guint32 *uids, gsize n_uids,
                  HermodFlagsOp op, guint32 flags, const char *const *keywords,
                  guint64 unchangedsince, GArray *out_failed, GError **error)
{
    HermodStoreFlagChange c = {uids,  n_uids,   (HermodStoreFlagsOp)op,
                               flags, keywords, unchangedsince};
    gboolean ok = hermod_store_update_flags(STORE(store), mailbox, &c, out_failed, error);

    map_error(error);
    return ok;
}

static GArray *
mail_expunge(HermodMailStore *store, const char *mailbox, const guint32 *uids, gsize n_uids,
             GError **error)
{
    GArray *out = hermod_store_expunge(STORE(store), mailbox, uids, n_uids, error);

    map_error(error);
    return out;
}

static gboolean
mail_copy(HermodMailStore *store, const char *mailbox, const guint32 *uids, gsize n_uids,
          const char *dest, gboolean is_move, GArray *out_src, GArray *out_dst,
          guint32 *out_uidvalidity, GError **error)
{
    HermodStoreCopy req = {uids, n_uids, dest, is_move};
    gboolean ok =
        hermod_store_copy(STORE(store), mailbox, &req, out_src, out_dst, out_uidvalidity, error);

    map_error(error);
    return ok;
}

static GMappedFile *
mail_open_message(HermodMailStore *store, const char *mailbox, guint32 uid, GError **error)
{
    GMappedFile *mf = hermod_store_open_message(STORE(store), mailbox, uid, error);

    map_error(error);
    return mf;
}

static GBytes *
mail_read_message(HermodMailStore *store, const char *mailbox, guint32 uid, GError **error)
{
    GBytes *bytes = hermod_store_read_message(STORE(store), mailbox, uid, error);

    map_error(error);
    return bytes;
}

/* A cache: a failed read is a miss (hermod/mailstore.h), logged here. */
static char *
mail_cache_get(HermodMailStore *store, const char *mailbox, guint32 uid, const char *field)
{
    g_autoptr(GError) error = NULL;
    char *value = NULL;

    if (!hermod_store_cache_get(STORE(store), mailbox, uid, field, &value, &error))
        hermod_log(HERMOD_LOG_WARNING, NULL, "%s; cache entry %s of UID %u taken as absent",
                   error->message, field, uid);
    return value;
}

static void
mail_cache_set(HermodMailStore *store, const char *mailbox, guint32 uid, const char *field,
               const char *value)
{
    hermod_store_cache_set(STORE(store), mailbox, uid, field, value);
}

static GArray *
mail_search_text(HermodMailStore *store, const char *mailbox, const char *field, const char *query,
                 GError **error)
{
    GArray *out = hermod_store_search_text(STORE(store), mailbox, field, query, error);

    map_error(error);
    return out;
}

static gboolean
mail_quota(HermodMailStore *store, guint64 *out_used, guint64 *out_limit, GError **error)
{
    gboolean ok = hermod_store_quota(STORE(store), out_used, out_limit, error);

    map_error(error);
    return ok;
}

/* --- ABI 1.7: JMAP.  The store fills the public HermodEmailInfo itself. */

static GPtrArray *
mailbox_infos(GPtrArray *list)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)mailbox_info_free);

    for (guint i = 0; i < list->len; i++)
        g_ptr_array_add(out, mailbox_info(list->pdata[i]));
    return out;
}

static GPtrArray *
mail_mailboxes_threads(HermodMailStore *store, GError **error)
{
    g_autoptr(GPtrArray) list = hermod_store_mailboxes_threads(STORE(store), error);

    map_error(error);
    return list != NULL ? mailbox_infos(list) : NULL;
}

static GPtrArray *
mail_emails(HermodMailStore *store, gint64 mailbox_id, GError **error)
{
    GPtrArray *out = hermod_store_emails(STORE(store), mailbox_id, error);

    map_error(error);
    return out;
}

static GPtrArray *
mail_emails_get(HermodMailStore *store, const guint64 *ids, gsize n, GError **error)
{
    GPtrArray *out = hermod_store_emails_get(STORE(store), ids, n, error);

    map_error(error);
    return out;
}

static GPtrArray *
mail_emails_by_uid(HermodMailStore *store, const char *mailbox, const guint32 *uids, gsize n,
                   GError **error)
{
    GPtrArray *out = hermod_store_emails_by_uid(STORE(store), mailbox, uids, n, error);

    map_error(error);
    return out;
}

static GPtrArray *
mail_thread_emails(HermodMailStore *store, const guint64 *threads, gsize n, GError **error)
{
    GPtrArray *out = hermod_store_thread_emails(STORE(store), threads, n, error);

    map_error(error);
    return out;
}

static gboolean
mail_state(HermodMailStore *store, HermodMailKind kind, guint64 *out_state, GError **error)
{
    gboolean ok = hermod_store_state(STORE(store), (int)kind, out_state, error);

    map_error(error);
    return ok;
}

static gboolean
mail_changes(HermodMailStore *store, HermodMailKind kind, guint64 since, guint max,
             HermodMailChanges *out, GError **error)
{
    gboolean ok = hermod_store_changes(STORE(store), (int)kind, since, max, out, error);

    map_error(error);
    return ok;
}

static gboolean
mail_change_log(HermodMailStore *store, HermodMailKind kind, guint64 id, gboolean is_destroyed,
                GError **error)
{
    gboolean ok = hermod_store_change_log(STORE(store), (int)kind, id, is_destroyed, error);

    map_error(error);
    return ok;
}

static gboolean
mail_blob_put(HermodMailStore *store, GBytes *data, char **out_id, GError **error)
{
    gboolean ok = hermod_store_blob_put(STORE(store), data, out_id, error);

    map_error(error);
    return ok;
}

static GBytes *
mail_blob_get(HermodMailStore *store, const char *id, GError **error)
{
    GBytes *out = hermod_store_blob_get(STORE(store), id, error);

    map_error(error);
    return out;
}

static gboolean
mail_vacation_get(HermodMailStore *store, HermodVacation *out, GError **error)
{
    gboolean ok = hermod_store_vacation_get(STORE(store), out, error);

    map_error(error);
    return ok;
}

static gboolean
mail_vacation_set(HermodMailStore *store, const HermodVacation *v, GError **error)
{
    gboolean ok = hermod_store_vacation_set(STORE(store), v, error);

    map_error(error);
    return ok;
}

static GPtrArray *
mail_emails_page(HermodMailStore *store, HermodEmailPage *page, GError **error)
{
    GPtrArray *out = hermod_store_emails_page(STORE(store), page, error);

    map_error(error);
    return out;
}

static gboolean
mail_record_put(HermodMailStore *store, HermodMailKind kind, guint64 id, gint64 due, GBytes *data,
                GError **error)
{
    gboolean ok = hermod_store_record_put(STORE(store), (int)kind, id, due, data, error);

    map_error(error);
    return ok;
}

static GPtrArray *
mail_records(HermodMailStore *store, HermodMailKind kind, GError **error)
{
    GPtrArray *out = hermod_store_records(STORE(store), (int)kind, error);

    map_error(error);
    return out;
}

static gboolean
mail_record_delete(HermodMailStore *store, HermodMailKind kind, guint64 id, GError **error)
{
    gboolean ok = hermod_store_record_delete(STORE(store), (int)kind, id, error);

    map_error(error);
    return ok;
}

static GPtrArray *
mail_record_due_accounts(GError **error)
{
    GPtrArray *out = hermod_store_record_due_accounts(error);

    map_error(error);
    return out;
}

const HermodMailApi hermod_mail_api = {
    .struct_size = sizeof(HermodMailApi),
    .open = mail_open,
    .unref = mail_unref,
    .mailboxes = mail_mailboxes,
    .mailbox_status = mail_mailbox_status,
    .mailbox_info_free = mailbox_info_free,
    .mailbox_create = mail_mailbox_create,
    .mailbox_delete = mail_mailbox_delete,
    .mailbox_rename = mail_mailbox_rename,
    .mailbox_subscribe = mail_mailbox_subscribe,
    .messages = mail_messages,
    .expunged_since = mail_expunged_since,
    .append = mail_append,
    .update_flags = mail_update_flags,
    .expunge = mail_expunge,
    .copy = mail_copy,
    .open_message = mail_open_message,
    .cache_get = mail_cache_get,
    .cache_set = mail_cache_set,
    .search_text = mail_search_text,
    .quota = mail_quota,
    .watch_add = hermod_store_watch_add,
    .watch_remove = hermod_store_watch_remove,
    .read_message = mail_read_message,
    .mailboxes_threads = mail_mailboxes_threads,
    .emails = mail_emails,
    .emails_get = mail_emails_get,
    .emails_by_uid = mail_emails_by_uid,
    .thread_emails = mail_thread_emails,
    .state = mail_state,
    .changes = mail_changes,
    .changes_clear = hermod_store_changes_clear,
    .change_log = mail_change_log,
    .account_watch_add = hermod_store_account_watch_add,
    .account_watch_remove = hermod_store_account_watch_remove,
    .blob_put = mail_blob_put,
    .blob_get = mail_blob_get,
    .vacation_get = mail_vacation_get,
    .vacation_set = mail_vacation_set,
    .vacation_clear = hermod_store_vacation_clear,
    .emails_page = mail_emails_page,
    .record_put = mail_record_put,
    .records = mail_records,
    .record_delete = mail_record_delete,
    .record_due_accounts = mail_record_due_accounts,
};
