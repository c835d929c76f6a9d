/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * session-store.c - an in-memory HermodMailApi for the IMAP unit tests.
 *
 * One account; mailboxes with UIDVALIDITY/UIDNEXT, messages with flags,
 * keywords and modseqs, an expunge history for expunged_since/QRESYNC, a
 * quota, and watches whose callbacks are queued and run by the fake core's
 * pump, as the real core posts them to the connection's loop.  Errors use
 * the codes of hermod/mailstore.h.  Not thread-aware: the fake core runs
 * "work" on its own thread.
 */
#include "autoconfig.h"

#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "fake-imap.h"

typedef struct {
    HermodMsgInfo info;
    GBytes *data;
} FMsg;

typedef struct {
    guint32 uid;
    guint64 modseq;
} FGone;

typedef struct {
    char *name;
    char *special;
    guint32 uidvalidity, uidnext;
    guint64 highestmodseq;
    gboolean is_subscribed;
    GPtrArray *msgs; /* FMsg* ascending UID */
    GArray *gone;    /* FGone */
} FBox;

typedef struct {
    guint id;
    HermodConn *conn;
    HermodWatchFunc fn;
    gpointer data;
    guint pending;
} FWatch;

static GPtrArray *boxes;
static GPtrArray *watches;
static guint64 modseq_counter;
static guint32 uidvalidity_counter = 1000;
static guint64 quota_limit;
static guint watch_ids;
static int store_token;

static void
fmsg_free(gpointer p)
{
    FMsg *m = p;
    g_strfreev(m->info.keywords);
    g_bytes_unref(m->data);
    g_free(m);
}

static void
fbox_free(gpointer p)
{
    FBox *b = p;
    g_free(b->name);
    g_free(b->special);
    g_ptr_array_unref(b->msgs);
    g_array_unref(b->gone);
    g_free(b);
}

static FBox *
box_find(const char *name)
{
    for (guint i = 0; i < boxes->len; i++) {
        FBox *b = g_ptr_array_index(boxes, i);
        if (strcmp(b->name, name) == 0)
            return b;
    }
    return NULL;
}

static gint
box_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp((*(FBox **)a)->name, (*(FBox **)b)->name);
}

static FBox *
box_add(const char *name, const char *special)
{
    FBox *b = g_new0(FBox, 1);
    b->name = g_strdup(name);
    b->special = g_strdup(special);
    b->uidvalidity = ++uidvalidity_counter;
    b->uidnext = 1;
    b->msgs = g_ptr_array_new_with_free_func(fmsg_free);
    b->gone = g_array_new(FALSE, FALSE, sizeof(FGone));
    g_ptr_array_add(boxes, b);
    g_ptr_array_sort(boxes, box_cmp);
    return b;
}

static void
notify(void)
{
    for (guint i = 0; i < watches->len; i++)
        ((FWatch *)g_ptr_array_index(watches, i))->pending++;
}

void
fake_mail_drop_watches(void)
{
    for (guint i = 0; i < watches->len; i++)
        ((FWatch *)g_ptr_array_index(watches, i))->pending = 0;
}

gboolean
fake_mail_run_watches(HermodConn *conn)
{
    for (guint i = 0; i < watches->len; i++) {
        FWatch *w = g_ptr_array_index(watches, i);
        if (w->conn == conn && w->pending > 0) {
            w->pending = 0;
            w->fn(conn, NULL, w->data);
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
no_box(GError **error, const char *name)
{
    g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX, "No mailbox %s", name);
    return FALSE;
}

static HermodMailStore *
m_open(const char *account, GError **error)
{
    g_assert_cmpstr(account, ==, FAKE_ACCOUNT);
    return (HermodMailStore *)&store_token;
}

static void
m_unref(HermodMailStore *store)
{
    g_assert_true(store == (HermodMailStore *)&store_token);
}

static HermodMailboxInfo *
box_info(FBox *b)
{
    HermodMailboxInfo *i = g_new0(HermodMailboxInfo, 1);
    i->name = g_strdup(b->name);
    i->special_use = g_strdup(b->special);
    i->uidvalidity = b->uidvalidity;
    i->uidnext = b->uidnext;
    i->highestmodseq = b->highestmodseq;
    i->messages = b->msgs->len;
    i->is_subscribed = b->is_subscribed;
    for (guint k = 0; k < b->msgs->len; k++) {
        FMsg *m = g_ptr_array_index(b->msgs, k);
        i->unseen += !(m->info.flags & HERMOD_MAIL_FLAG_SEEN);
        i->deleted += (m->info.flags & HERMOD_MAIL_FLAG_DELETED) != 0;
        i->size += m->info.size;
    }
    return i;
}

static void
m_info_free(HermodMailboxInfo *i)
{
    g_free(i->name);
    g_free(i->special_use);
    g_free(i);
}

static GPtrArray *
m_mailboxes(HermodMailStore *store, GError **error)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)m_info_free);
    for (guint i = 0; i < boxes->len; i++)
        g_ptr_array_add(out, box_info(g_ptr_array_index(boxes, i)));
    return out;
}

static guint status_calls;

guint
fake_mail_status_calls(void)
{
    return status_calls;
}

static HermodMailboxInfo *
m_status(HermodMailStore *store, const char *name, GError **error)
{
    status_calls++;
    FBox *b = box_find(name);
    if (b == NULL) {
        no_box(error, name);
        return NULL;
    }
    return box_info(b);
}

static gboolean
m_create(HermodMailStore *store, const char *name, const char *special, GError **error)
{
    if (box_find(name) != NULL) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_EXISTS, "Mailbox exists");
        return FALSE;
    }
    g_auto(GStrv) parts = g_strsplit(name, "/", -1);
    GString *path = g_string_new(NULL);
    for (guint i = 0; parts[i] != NULL; i++) {
        g_string_append_printf(path, "%s%s", i > 0 ? "/" : "", parts[i]);
        if (box_find(path->str) == NULL)
            box_add(path->str, parts[i + 1] == NULL ? special : NULL);
    }
    g_string_free(path, TRUE);
    notify();
    return TRUE;
}

static gboolean
m_delete(HermodMailStore *store, const char *name, GError **error)
{
    FBox *b = box_find(name);
    if (strcmp(name, "INBOX") == 0) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_INVALID, "INBOX stays");
        return FALSE;
    }
    if (b == NULL)
        return no_box(error, name);
    g_ptr_array_remove(boxes, b);
    notify();
    return TRUE;
}

static gboolean
m_rename(HermodMailStore *store, const char *from, const char *to, GError **error)
{
    FBox *b = box_find(from);
    if (b == NULL)
        return no_box(error, from);
    if (box_find(to) != NULL) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_EXISTS, "Mailbox exists");
        return FALSE;
    }
    gsize len = strlen(from);
    for (guint i = 0; i < boxes->len; i++) {
        FBox *c = g_ptr_array_index(boxes, i);
        if (c == b || (strncmp(c->name, from, len) == 0 && c->name[len] == '/')) {
            char *n = g_strconcat(to, c->name + len, NULL);
            g_free(c->name);
            c->name = n;
        }
    }
    g_ptr_array_sort(boxes, box_cmp);
    notify();
    return TRUE;
}

static gboolean
m_subscribe(HermodMailStore *store, const char *name, gboolean on, GError **error)
{
    FBox *b = box_find(name);
    if (b == NULL)
        return no_box(error, name);
    b->is_subscribed = on;
    return TRUE;
}

static HermodMsgInfo *
info_copy(const HermodMsgInfo *m)
{
    HermodMsgInfo *c = g_new0(HermodMsgInfo, 1);
    *c = *m;
    c->keywords = g_strdupv(m->keywords);
    return c;
}

static void
info_free(gpointer p)
{
    HermodMsgInfo *m = p;
    g_strfreev(m->keywords);
    g_free(m);
}

static GPtrArray *
m_messages(HermodMailStore *store, const char *mailbox, guint64 since, GError **error)
{
    FBox *b = box_find(mailbox);
    if (b == NULL) {
        no_box(error, mailbox);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_with_free_func(info_free);
    for (guint i = 0; i < b->msgs->len; i++) {
        FMsg *m = g_ptr_array_index(b->msgs, i);
        if (m->info.modseq > since)
            g_ptr_array_add(out, info_copy(&m->info));
    }
    return out;
}

static GArray *
m_expunged_since(HermodMailStore *store, const char *mailbox, guint64 since, GError **error)
{
    FBox *b = box_find(mailbox);
    if (b == NULL) {
        no_box(error, mailbox);
        return NULL;
    }
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = 0; i < b->gone->len; i++) {
        FGone *g = &g_array_index(b->gone, FGone, i);
        if (g->modseq > since)
            g_array_append_val(out, g->uid);
    }
    return out;
}

static guint32
box_append(FBox *b, GBytes *data, guint32 flags, const char *const *keywords)
{
    FMsg *m = g_new0(FMsg, 1);
    m->info.uid = b->uidnext++;
    m->info.flags = flags;
    m->info.keywords = keywords != NULL ? g_strdupv((char **)keywords) : g_new0(char *, 1);
    m->info.modseq = b->highestmodseq = ++modseq_counter;
    m->info.internal_date = 1700000000;
    m->info.size = g_bytes_get_size(data);
    m->data = g_bytes_ref(data);
    g_ptr_array_add(b->msgs, m);
    return m->info.uid;
}

static guint64
used_bytes(void)
{
    guint64 used = 0;
    for (guint i = 0; i < boxes->len; i++) {
        HermodMailboxInfo *info = box_info(g_ptr_array_index(boxes, i));
        used += info->size;
        m_info_free(info);
    }
    return used;
}

static gboolean
m_append(HermodMailStore *store, const char *mailbox, GBytes *data, guint32 flags,
         const char *const *keywords, gint64 date, guint32 *out_uid, guint32 *out_uidvalidity,
         GError **error)
{
    FBox *b = box_find(mailbox);
    if (b == NULL)
        return no_box(error, mailbox);
    if (quota_limit > 0 && used_bytes() + g_bytes_get_size(data) > quota_limit) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_OVER_QUOTA, "Over quota");
        return FALSE;
    }
    guint32 uid = box_append(b, data, flags, keywords);
    if (out_uid != NULL)
        *out_uid = uid;
    if (out_uidvalidity != NULL)
        *out_uidvalidity = b->uidvalidity;
    notify();
    return TRUE;
}

static FMsg *
msg_find(FBox *b, guint32 uid)
{
    for (guint i = 0; i < b->msgs->len; i++) {
        FMsg *m = g_ptr_array_index(b->msgs, i);
        if (m->info.uid == uid)
            return m;
    }
    return NULL;
}

static gboolean
has_kw(GPtrArray *kw, const char *k)
{
    for (guint i = 0; i < kw->len; i++) {
        if (strcmp(kw->pdata[i], k) == 0)
            return TRUE;
    }
    return FALSE;
}

static void
apply_keywords(FMsg *m, HermodFlagsOp op, const char *const *keywords)
{
    g_autoptr(GPtrArray) kw = g_ptr_array_new_with_free_func(g_free);
    if (op != HERMOD_FLAGS_SET) {
        for (char **k = m->info.keywords; *k != NULL; k++) {
            if (op == HERMOD_FLAGS_ADD || keywords == NULL || !g_strv_contains(keywords, *k))
                g_ptr_array_add(kw, g_strdup(*k));
        }
    }
    for (const char *const *k = keywords; op != HERMOD_FLAGS_REMOVE && k && *k; k++) {
        if (!has_kw(kw, *k))
            g_ptr_array_add(kw, g_strdup(*k));
    }
    g_ptr_array_add(kw, NULL);
    g_strfreev(m->info.keywords);
    m->info.keywords = (char **)g_ptr_array_steal(kw, NULL);
}

static gboolean
m_update_flags(HermodMailStore *store, const char *mailbox, const guint32 *uids, gsize n,
               HermodFlagsOp op, guint32 flags, const char *const *keywords, guint64 unchangedsince,
               GArray *out_failed, GError **error)
{
    FBox *b = box_find(mailbox);
    if (b == NULL)
        return no_box(error, mailbox);
    for (gsize i = 0; i < n; i++) {
        FMsg *m = msg_find(b, uids[i]);
        if (m == NULL)
            continue;
        if (unchangedsince > 0 && m->info.modseq > unchangedsince) {
            if (out_failed != NULL)
                g_array_append_val(out_failed, uids[i]);
            continue;
        }
        guint32 f = op == HERMOD_FLAGS_SET   ? flags
                    : op == HERMOD_FLAGS_ADD ? (m->info.flags | flags)
                                             : (m->info.flags & ~flags);
        m->info.flags = f;
        apply_keywords(m, op, keywords);
        m->info.modseq = b->highestmodseq = ++modseq_counter;
    }
    notify();
    return TRUE;
}

static GArray *
box_expunge(FBox *b, const guint32 *uids, gsize n)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = b->msgs->len; i-- > 0;) {
        FMsg *m = g_ptr_array_index(b->msgs, i);
        gboolean hit = FALSE;
        for (gsize k = 0; uids != NULL && k < n; k++)
            hit = hit || uids[k] == m->info.uid;
        if (uids == NULL)
            hit = (m->info.flags & HERMOD_MAIL_FLAG_DELETED) != 0;
        if (!hit)
            continue;
        FGone g = {m->info.uid, b->highestmodseq = ++modseq_counter};
        g_array_append_val(b->gone, g);
        g_array_prepend_val(out, m->info.uid);
        g_ptr_array_remove_index(b->msgs, i);
    }
    return out;
}

static GArray *
m_expunge(HermodMailStore *store, const char *mailbox, const guint32 *uids, gsize n, GError **error)
{
    FBox *b = box_find(mailbox);
    if (b == NULL) {
        no_box(error, mailbox);
        return NULL;
    }
    GArray *out = box_expunge(b, uids, n);
    notify();
    return out;
}

static gboolean
m_copy(HermodMailStore *store, const char *mailbox, const guint32 *uids, gsize n, const char *dest,
       gboolean is_move, GArray *out_src, GArray *out_dst, guint32 *out_uidvalidity, GError **error)
{
    FBox *b = box_find(mailbox);
    FBox *d = box_find(dest);
    if (b == NULL || d == NULL)
        return no_box(error, b == NULL ? mailbox : dest);
    for (gsize i = 0; i < n; i++) {
        FMsg *m = msg_find(b, uids[i]);
        if (m == NULL)
            continue;
        guint32 nu = box_append(d, m->data, m->info.flags, (const char *const *)m->info.keywords);
        if (out_src != NULL)
            g_array_append_val(out_src, uids[i]);
        if (out_dst != NULL)
            g_array_append_val(out_dst, nu);
    }
    if (out_uidvalidity != NULL)
        *out_uidvalidity = d->uidvalidity;
    if (is_move)
        g_array_unref(box_expunge(b, uids, n));
    notify();
    return TRUE;
}

/* The message uid of mailbox, or NULL with NO_MESSAGE. */
static FMsg *
msg_or_error(const char *mailbox, guint32 uid, GError **error)
{
    FBox *b = box_find(mailbox);
    FMsg *m = b != NULL ? msg_find(b, uid) : NULL;
    if (m == NULL)
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE, "No message %u", uid);
    return m;
}

/* The message's bytes, as read_message hands out a small message. */
static GBytes *
m_read_message(HermodMailStore *store, const char *mailbox, guint32 uid, GError **error)
{
    FMsg *m = msg_or_error(mailbox, uid, error);
    return m != NULL ? g_bytes_ref(m->data) : NULL;
}

/* The message written to a temporary file and mapped, as the store maps its
 * message files. */
static GMappedFile *
m_open_message(HermodMailStore *store, const char *mailbox, guint32 uid, GError **error)
{
    FMsg *m = msg_or_error(mailbox, uid, error);
    if (m == NULL)
        return NULL;
    g_autofree char *path = NULL;
    int fd = g_file_open_tmp("imap-fake-XXXXXX", &path, error);
    if (fd < 0)
        return NULL;
    gsize len = 0;
    const char *data = g_bytes_get_data(m->data, &len);
    gboolean ok = write(fd, data, len) == (gssize)len;
    close(fd);
    GMappedFile *f = ok ? g_mapped_file_new(path, FALSE, error) : NULL;
    g_unlink(path);
    return f;
}

static char *
m_cache_get(HermodMailStore *store, const char *mailbox, guint32 uid, const char *field)
{
    return NULL;
}

static void
m_cache_set(HermodMailStore *store, const char *mailbox, guint32 uid, const char *field,
            const char *value)
{
}

/* Every message whose text contains query (case-insensitive). */
static GArray *
m_search_text(HermodMailStore *store, const char *mailbox, const char *field, const char *query,
              GError **error)
{
    FBox *b = box_find(mailbox);
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autofree char *needle = g_ascii_strdown(query, -1);
    for (guint i = 0; b != NULL && i < b->msgs->len; i++) {
        FMsg *m = g_ptr_array_index(b->msgs, i);
        gsize len = 0;
        const char *data = g_bytes_get_data(m->data, &len);
        g_autofree char *text = g_ascii_strdown(data, len);
        if (strstr(text, needle) != NULL)
            g_array_append_val(out, m->info.uid);
    }
    return out;
}

static gboolean
m_quota(HermodMailStore *store, guint64 *out_used, guint64 *out_limit, GError **error)
{
    *out_used = used_bytes();
    *out_limit = quota_limit;
    return TRUE;
}

static guint
m_watch_add(HermodConn *conn, const char *account, HermodWatchFunc fn, gpointer data)
{
    FWatch *w = g_new0(FWatch, 1);
    w->id = ++watch_ids;
    w->conn = conn;
    w->fn = fn;
    w->data = data;
    g_ptr_array_add(watches, w);
    return w->id;
}

static void
m_watch_remove(guint id)
{
    for (guint i = 0; i < watches->len; i++) {
        if (((FWatch *)g_ptr_array_index(watches, i))->id == id) {
            g_ptr_array_remove_index(watches, i);
            return;
        }
    }
    g_assert_not_reached();
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
    .read_message = m_read_message,
    .cache_get = m_cache_get,
    .cache_set = m_cache_set,
    .search_text = m_search_text,
    .quota = m_quota,
    .watch_add = m_watch_add,
    .watch_remove = m_watch_remove,
};

const HermodMailApi *
fake_mail_api(void)
{
    return &mail_api;
}

void
fake_mail_reset(void)
{
    if (boxes == NULL) {
        boxes = g_ptr_array_new_with_free_func(fbox_free);
        watches = g_ptr_array_new_with_free_func(g_free);
    }
    g_ptr_array_set_size(boxes, 0);
    g_ptr_array_set_size(watches, 0);
    quota_limit = 0;
    status_calls = 0;
    box_add("INBOX", NULL);
    box_add("Sent", "\\Sent");
}

guint32
fake_mail_deliver(const char *mailbox, const char *text, guint32 flags)
{
    g_autoptr(GBytes) data = g_bytes_new(text, strlen(text));
    guint32 uid = box_append(box_find(mailbox), data, flags, NULL);
    notify();
    return uid;
}

void
fake_mail_set_flags(const char *mailbox, guint32 uid, guint32 flags)
{
    FBox *b = box_find(mailbox);
    FMsg *m = msg_find(b, uid);
    m->info.flags = flags;
    m->info.modseq = b->highestmodseq = ++modseq_counter;
    notify();
}

void
fake_mail_expunge(const char *mailbox, guint32 uid)
{
    g_array_unref(box_expunge(box_find(mailbox), &uid, 1));
    notify();
}

void
fake_mail_set_quota(guint64 limit)
{
    quota_limit = limit;
}
