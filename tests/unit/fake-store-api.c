/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-store-api.c - the HermodMailApi table of the fake mail store: every
 * member over the model of fake-store.c, and the shorter table of an older
 * core.
 *
 * Each member first counts itself and checks the work rule
 * (fake_store_enter), then answers as the core's store would, with the
 * error codes of hermod/mailstore.h.  What it does not imitate: \Noselect
 * parents (a deleted mailbox is gone, children stay), renaming INBOX
 * (renamed like any other), quota on COPY.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-store-private.h"

static gboolean
no_box(GError **error, const char *name)
{
    g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX, "No mailbox %s", name);
    return FALSE;
}

/* The message uid of mailbox, or NULL with NO_MESSAGE. */
static FakeMsg *
msg_or_error(HermodMailStore *st, const char *mailbox, guint32 uid, GError **error)
{
    FakeBox *b = fake_store_box(st, mailbox);
    FakeMsg *m = b != NULL ? fake_store_msg(b, uid) : NULL;
    if (m == NULL)
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE, "No message %u", uid);
    return m;
}

static HermodMailStore *
m_open(const char *account, GError **error)
{
    if (!fake_store_enter("open", FAKE_CALL_BLOCKING, error))
        return NULL;
    HermodMailStore *st = fake_store_account(account);
    st->refs++;
    return st;
}

static void
m_unref(HermodMailStore *st)
{
    fake_store_enter("unref", FAKE_CALL_ANY, NULL);
    g_assert_cmpint(st->refs, >, 1); /* the fake keeps its own */
    st->refs--;
}

/* --- mailboxes --- */

static HermodMailboxInfo *
box_info(FakeBox *b)
{
    HermodMailboxInfo *i = g_new0(HermodMailboxInfo, 1);
    i->name = g_strdup(b->name);
    i->special_use = g_strdup(b->special_use);
    i->uidvalidity = b->uidvalidity;
    i->uidnext = b->uidnext;
    i->highestmodseq = b->highestmodseq;
    i->messages = b->msgs->len;
    i->is_subscribed = b->is_subscribed;
    for (guint k = 0; k < b->msgs->len; k++) {
        FakeMsg *m = g_ptr_array_index(b->msgs, k);
        i->unseen += !(m->info.flags & HERMOD_MAIL_FLAG_SEEN);
        i->deleted += (m->info.flags & HERMOD_MAIL_FLAG_DELETED) != 0;
        i->size += m->info.size;
    }
    return i;
}

static void
box_info_free(gpointer p)
{
    HermodMailboxInfo *i = p;
    g_free(i->name);
    g_free(i->special_use);
    g_free(i);
}

static void
m_info_free(HermodMailboxInfo *i)
{
    fake_store_enter("mailbox_info_free", FAKE_CALL_ANY, NULL);
    box_info_free(i);
}

static GPtrArray *
m_mailboxes(HermodMailStore *st, GError **error)
{
    if (!fake_store_enter("mailboxes", FAKE_CALL_QUICK, error))
        return NULL;
    GPtrArray *out = g_ptr_array_new_with_free_func(box_info_free);
    for (guint i = 0; i < st->boxes->len; i++)
        g_ptr_array_add(out, box_info(g_ptr_array_index(st->boxes, i)));
    return out;
}

static HermodMailboxInfo *
m_status(HermodMailStore *st, const char *name, GError **error)
{
    if (!fake_store_enter("mailbox_status", FAKE_CALL_ANY, error))
        return NULL;
    FakeBox *b = fake_store_box(st, name);
    if (b == NULL) {
        no_box(error, name);
        return NULL;
    }
    return box_info(b);
}

static gboolean
m_create(HermodMailStore *st, const char *name, const char *special_use, GError **error)
{
    if (!fake_store_enter("mailbox_create", FAKE_CALL_BLOCKING, error))
        return FALSE;
    if (!fake_store_make_box(st, name, special_use)) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_EXISTS, "Mailbox exists");
        return FALSE;
    }
    fake_store_notify(st);
    return TRUE;
}

static gboolean
m_delete(HermodMailStore *st, const char *name, GError **error)
{
    if (!fake_store_enter("mailbox_delete", FAKE_CALL_BLOCKING, error))
        return FALSE;
    if (!fake_store_drop_box(st, name, error))
        return FALSE;
    fake_store_notify(st);
    return TRUE;
}

static gboolean
m_rename(HermodMailStore *st, const char *from, const char *to, GError **error)
{
    if (!fake_store_enter("mailbox_rename", FAKE_CALL_BLOCKING, error))
        return FALSE;
    if (!fake_store_rename_box(st, from, to, error))
        return FALSE;
    fake_store_notify(st);
    return TRUE;
}

static gboolean
m_subscribe(HermodMailStore *st, const char *name, gboolean on, GError **error)
{
    if (!fake_store_enter("mailbox_subscribe", FAKE_CALL_QUICK, error))
        return FALSE;
    FakeBox *b = fake_store_box(st, name);
    if (b == NULL)
        return no_box(error, name);
    b->is_subscribed = on;
    return TRUE;
}

/* --- messages --- */

static void
info_free(gpointer p)
{
    HermodMsgInfo *m = p;
    g_strfreev(m->keywords);
    g_free(m);
}

static GPtrArray *
m_messages(HermodMailStore *st, const char *mailbox, guint64 since, GError **error)
{
    if (!fake_store_enter("messages", FAKE_CALL_QUICK, error))
        return NULL;
    FakeBox *b = fake_store_box(st, mailbox);
    if (b == NULL) {
        no_box(error, mailbox);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func(info_free);
    for (guint i = 0; i < b->msgs->len; i++) {
        FakeMsg *m = g_ptr_array_index(b->msgs, i);
        if (m->info.modseq <= since)
            continue;
        HermodMsgInfo *c = g_memdup2(&m->info, sizeof m->info);
        c->keywords = g_strdupv(m->info.keywords);
        g_ptr_array_add(out, c);
    }
    return out;
}

static GArray *
m_expunged_since(HermodMailStore *st, const char *mailbox, guint64 since, GError **error)
{
    if (!fake_store_enter("expunged_since", FAKE_CALL_QUICK, error))
        return NULL;
    FakeBox *b = fake_store_box(st, mailbox);
    if (b == NULL) {
        no_box(error, mailbox);
        return NULL;
    }
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = 0; i < b->gone->len; i++) {
        FakeGone *g = &g_array_index(b->gone, FakeGone, i);
        if (g->modseq > since)
            g_array_append_val(out, g->uid);
    }
    return out;
}

static gboolean
m_append(HermodMailStore *st, const char *mailbox, GBytes *data, guint32 flags,
         const char *const *keywords, gint64 date, guint32 *out_uid, guint32 *out_uidvalidity,
         GError **error)
{
    if (!fake_store_enter("append", FAKE_CALL_BLOCKING, error))
        return FALSE;
    FakeBox *b = fake_store_box(st, mailbox);
    if (b == NULL)
        return no_box(error, mailbox);
    if (st->quota > 0 && fake_store_used(st) + g_bytes_get_size(data) > st->quota) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_OVER_QUOTA, "Over quota");
        return FALSE;
    }
    guint32 uid = fake_store_append_msg(b, data, flags, keywords, date);
    if (out_uid != NULL)
        *out_uid = uid;
    if (out_uidvalidity != NULL)
        *out_uidvalidity = b->uidvalidity;
    fake_store_notify(st);
    return TRUE;
}

static gboolean
has_keyword(GPtrArray *kw, const char *k)
{
    for (guint i = 0; i < kw->len; i++) {
        if (strcmp(kw->pdata[i], k) == 0)
            return TRUE;
    }
    return FALSE;
}

static void
apply_keywords(FakeMsg *m, HermodFlagsOp op, const char *const *keywords)
{
    g_autoptr(GPtrArray) kw = g_ptr_array_new_with_free_func(g_free);
    if (op != HERMOD_FLAGS_SET) {
        for (char **k = m->info.keywords; *k != NULL; k++) {
            if (op == HERMOD_FLAGS_ADD || keywords == NULL || !g_strv_contains(keywords, *k))
                g_ptr_array_add(kw, g_strdup(*k));
        }
    }
    for (const char *const *k = keywords; op != HERMOD_FLAGS_REMOVE && k && *k; k++) {
        if (!has_keyword(kw, *k))
            g_ptr_array_add(kw, g_strdup(*k));
    }
    g_ptr_array_add(kw, NULL);
    g_strfreev(m->info.keywords);
    m->info.keywords = (char **)g_ptr_array_steal(kw, NULL);
}

static gboolean
m_update_flags(HermodMailStore *st, const char *mailbox, const guint32 *uids, gsize n,
               HermodFlagsOp op, guint32 flags, const char *const *keywords, guint64 unchangedsince,
               GArray *out_failed, GError **error)
{
    if (!fake_store_enter("update_flags", FAKE_CALL_BLOCKING, error))
        return FALSE;
    FakeBox *b = fake_store_box(st, mailbox);
    if (b == NULL)
        return no_box(error, mailbox);
    for (gsize i = 0; i < n; i++) {
        FakeMsg *m = fake_store_msg(b, uids[i]);
        if (m == NULL)
            continue;
        if (unchangedsince > 0 && m->info.modseq > unchangedsince) {
            if (out_failed != NULL)
                g_array_append_val(out_failed, uids[i]);
            continue;
        }
        m->info.flags = op == HERMOD_FLAGS_SET   ? flags
                        : op == HERMOD_FLAGS_ADD ? (m->info.flags | flags)
                                                 : (m->info.flags & ~flags);
        apply_keywords(m, op, keywords);
        m->info.modseq = fake_store_bump(b);
    }
    fake_store_notify(st);
    return TRUE;
}

static GArray *
m_expunge(HermodMailStore *st, const char *mailbox, const guint32 *uids, gsize n, GError **error)
{
    if (!fake_store_enter("expunge", FAKE_CALL_BLOCKING, error))
        return NULL;
    FakeBox *b = fake_store_box(st, mailbox);
    if (b == NULL) {
        no_box(error, mailbox);
        return NULL;
    }
    GArray *out = fake_store_remove(b, uids, n);
    fake_store_notify(st);
    return out;
}

static gboolean
m_copy(HermodMailStore *st, const char *mailbox, const guint32 *uids, gsize n, const char *dest,
       gboolean is_move, GArray *out_src, GArray *out_dst, guint32 *out_uidvalidity, GError **error)
{
    if (!fake_store_enter("copy", FAKE_CALL_BLOCKING, error))
        return FALSE;
    FakeBox *b = fake_store_box(st, mailbox);
    FakeBox *d = fake_store_box(st, dest);
    if (b == NULL || d == NULL)
        return no_box(error, b == NULL ? mailbox : dest);
    for (gsize i = 0; i < n; i++) {
        FakeMsg *m = fake_store_msg(b, uids[i]);
        if (m == NULL)
            continue;
        g_autoptr(GBytes) data = fake_store_read(m, error);
        if (data == NULL)
            return FALSE;
        guint32 uid = fake_store_append_msg(
            d, data, m->info.flags, (const char *const *)m->info.keywords, m->info.internal_date);
        if (out_src != NULL)
            g_array_append_val(out_src, uids[i]);
        if (out_dst != NULL)
            g_array_append_val(out_dst, uid);
    }
    if (out_uidvalidity != NULL)
        *out_uidvalidity = d->uidvalidity;
    if (is_move)
        g_array_unref(fake_store_remove(b, uids, n));
    fake_store_notify(st);
    return TRUE;
}

static GMappedFile *
m_open_message(HermodMailStore *st, const char *mailbox, guint32 uid, GError **error)
{
    if (!fake_store_enter("open_message", FAKE_CALL_ANY, error))
        return NULL;
    FakeMsg *m = msg_or_error(st, mailbox, uid, error);
    return m != NULL ? g_mapped_file_new(m->path, FALSE, error) : NULL;
}

static GBytes *
m_read_message(HermodMailStore *st, const char *mailbox, guint32 uid, GError **error)
{
    if (!fake_store_enter("read_message", FAKE_CALL_ANY, error))
        return NULL;
    FakeMsg *m = msg_or_error(st, mailbox, uid, error);
    return m != NULL ? fake_store_read(m, error) : NULL;
}

static char *
m_cache_get(HermodMailStore *st, const char *mailbox, guint32 uid, const char *field)
{
    if (!fake_store_enter("cache_get", FAKE_CALL_QUICK, NULL))
        return NULL;
    FakeMsg *m = msg_or_error(st, mailbox, uid, NULL);
    return m != NULL ? g_strdup(g_hash_table_lookup(m->cache, field)) : NULL;
}

static void
m_cache_set(HermodMailStore *st, const char *mailbox, guint32 uid, const char *field,
            const char *value)
{
    if (!fake_store_enter("cache_set", FAKE_CALL_QUICK, NULL))
        return;
    FakeMsg *m = msg_or_error(st, mailbox, uid, NULL);
    if (m != NULL)
        g_hash_table_insert(m->cache, g_strdup(field), g_strdup(value));
}

/* Does the raw message contain every word of query (case-insensitive)? */
static gboolean
has_words(FakeMsg *m, char **words)
{
    g_autoptr(GBytes) data = fake_store_read(m, NULL);
    if (data == NULL)
        return FALSE; /* a lost file matches nothing */
    gsize len = 0;
    const char *raw = g_bytes_get_data(data, &len);
    g_autofree char *text = g_ascii_strdown(len > 0 ? raw : "", (gssize)len);
    for (guint w = 0; words[w] != NULL; w++) {
        if (strstr(text, words[w]) == NULL)
            return FALSE;
    }
    return TRUE;
}

/* The headers and the body are one text here: field is not looked at. */
static GArray *
m_search_text(HermodMailStore *st, const char *mailbox, const char *field, const char *query,
              GError **error)
{
    if (!fake_store_enter("search_text", FAKE_CALL_QUICK, error))
        return NULL;
    FakeBox *b = fake_store_box(st, mailbox);
    g_autofree char *lower = g_ascii_strdown(query, -1);
    g_auto(GStrv) words = g_strsplit(lower, " ", -1);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = 0; b != NULL && i < b->msgs->len; i++) {
        FakeMsg *m = g_ptr_array_index(b->msgs, i);
        if (has_words(m, words))
            g_array_append_val(out, m->info.uid);
    }
    return out;
}

static gboolean
m_quota(HermodMailStore *st, guint64 *out_used, guint64 *out_limit, GError **error)
{
    if (!fake_store_enter("quota", FAKE_CALL_QUICK, error))
        return FALSE;
    *out_used = fake_store_used(st);
    *out_limit = st->quota;
    return TRUE;
}

static guint
m_watch_add(HermodConn *conn, const char *account, HermodWatchFunc fn, gpointer data)
{
    fake_store_enter("watch_add", FAKE_CALL_ANY, NULL);
    return fake_store_watch_add(conn, account, fn, data);
}

static void
m_watch_remove(guint id)
{
    fake_store_enter("watch_remove", FAKE_CALL_ANY, NULL);
    fake_store_watch_remove(id);
}

static const HermodMailApi mail_api = {
    .struct_size = sizeof(HermodMailApi),
    .open = m_open,
    .unref = m_unref,
    .mailboxes = m_mailboxes,
    .mailbox_status = m_status,
    .mailbox_info_free = m_info_free,
    .mailbox_create = m_create,
    .mailbox_delete = m_delete,
    .mailbox_rename = m_rename,
    .mailbox_subscribe = m_subscribe,
    .messages = m_messages,
    .expunged_since = m_expunged_since,
    .append = m_append,
    .update_flags = m_update_flags,
    .expunge = m_expunge,
    .copy = m_copy,
    .open_message = m_open_message,
    .cache_get = m_cache_get,
    .cache_set = m_cache_set,
    .search_text = m_search_text,
    .quota = m_quota,
    .watch_add = m_watch_add,
    .watch_remove = m_watch_remove,
    .read_message = m_read_message,
};

const HermodMailApi *
fake_store_api(void)
{
    return &mail_api;
}

const HermodMailApi *
fake_store_api_until(gsize end)
{
    static HermodMailApi older;

    g_assert_cmpuint(end, >, G_STRUCT_OFFSET(HermodMailApi, open));
    g_assert_cmpuint(end, <=, sizeof older);
    older = mail_api;
    memset((char *)&older + end, 0, sizeof older - end);
    older.struct_size = (guint32)end;
    return &older;
}
