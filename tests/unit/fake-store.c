/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-store.c - the fake mail store's model and the test's side of it:
 * accounts, mailboxes, messages and their files, the expunge history,
 * watches, call counts, injected failures and the work rule.
 *
 * See fake-store.h for what it pretends.  The table a module calls is in
 * fake-store-api.c; both share fake-store-private.h.  Message files live in
 * one temporary folder, removed at exit.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "fake-core.h"
#include "fake-store-private.h"
#include "tmpdir.h"

typedef struct {
    guint id;
    HermodConn *conn;
    char *account;
    HermodWatchFunc fn;
    gpointer data;
    guint pending;
} FakeWatch;

static GHashTable *stores;  /* account -> HermodMailStore * */
static GPtrArray *watches;  /* FakeWatch * */
static GHashTable *calls;   /* member -> count */
static GHashTable *failing; /* member -> HERMOD_MAIL_ERROR code */
static FakeStoreWork work_rule;
static char *dir;
static guint file_seq, watch_seq;
static guint32 uidvalidity_seq = 1000; /* never reset: a (UIDVALIDITY, UID) pair is unique */
static guint64 modseq_seq;

/* --- messages, mailboxes, accounts --- */

static void
msg_free(gpointer p)
{
    FakeMsg *m = p;
    g_unlink(m->path);
    g_free(m->path);
    g_strfreev(m->info.keywords);
    g_hash_table_unref(m->cache);
    g_free(m);
}

static void
box_free(gpointer p)
{
    FakeBox *b = p;
    g_free(b->name);
    g_free(b->special_use);
    g_ptr_array_unref(b->msgs);
    g_array_unref(b->gone);
    g_free(b);
}

static gint
box_cmp(gconstpointer a, gconstpointer b)
{
    return strcmp((*(FakeBox *const *)a)->name, (*(FakeBox *const *)b)->name);
}

static void
sort_boxes(HermodMailStore *st)
{
    g_ptr_array_sort(st->boxes, box_cmp);
}

static FakeBox *
box_new(HermodMailStore *st, const char *name, const char *special_use)
{
    FakeBox *b = g_new0(FakeBox, 1);
    b->name = g_strdup(name);
    b->special_use = g_strdup(special_use);
    b->uidvalidity = ++uidvalidity_seq;
    b->uidnext = 1;
    b->msgs = g_ptr_array_new_with_free_func(msg_free);
    b->gone = g_array_new(FALSE, FALSE, sizeof(FakeGone));
    g_ptr_array_add(st->boxes, b);
    sort_boxes(st);
    return b;
}

FakeBox *
fake_store_box(HermodMailStore *st, const char *name)
{
    for (guint i = 0; i < st->boxes->len; i++) {
        FakeBox *b = g_ptr_array_index(st->boxes, i);
        if (strcmp(b->name, name) == 0)
            return b;
    }
    return NULL;
}

gboolean
fake_store_make_box(HermodMailStore *st, const char *name, const char *special_use)
{
    if (fake_store_box(st, name) != NULL)
        return FALSE;
    g_auto(GStrv) parts = g_strsplit(name, "/", -1);
    g_autoptr(GString) path = g_string_new(NULL);
    for (guint i = 0; parts[i] != NULL; i++) {
        g_string_append_printf(path, "%s%s", i > 0 ? "/" : "", parts[i]);
        if (fake_store_box(st, path->str) == NULL)
            box_new(st, path->str, parts[i + 1] == NULL ? special_use : NULL);
    }
    return TRUE;
}

static gboolean
no_box(GError **error, const char *name)
{
    g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX, "No mailbox %s", name);
    return FALSE;
}

gboolean
fake_store_drop_box(HermodMailStore *st, const char *name, GError **error)
{
    FakeBox *b = fake_store_box(st, name);
    if (strcmp(name, "INBOX") == 0) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_INVALID, "INBOX stays");
        return FALSE;
    }
    if (b == NULL)
        return no_box(error, name);
    g_ptr_array_remove(st->boxes, b);
    return TRUE;
}

gboolean
fake_store_rename_box(HermodMailStore *st, const char *from, const char *to, GError **error)
{
    FakeBox *b = fake_store_box(st, from);
    if (b == NULL)
        return no_box(error, from);
    if (fake_store_box(st, to) != NULL) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_EXISTS, "Mailbox exists");
        return FALSE;
    }
    gsize len = strlen(from);
    for (guint i = 0; i < st->boxes->len; i++) {
        FakeBox *c = g_ptr_array_index(st->boxes, i);
        if (c == b || (strncmp(c->name, from, len) == 0 && c->name[len] == '/')) {
            char *name = g_strconcat(to, c->name + len, NULL);
            g_free(c->name);
            c->name = name;
        }
    }
    sort_boxes(st);
    return TRUE;
}

HermodMailStore *
fake_store_account(const char *account)
{
    HermodMailStore *st = g_hash_table_lookup(stores, account);
    if (st == NULL) {
        st = g_new0(HermodMailStore, 1);
        st->account = g_strdup(account);
        st->refs = 1;
        st->boxes = g_ptr_array_new_with_free_func(box_free);
        g_hash_table_insert(stores, st->account, st);
    }
    if (st->boxes->len == 0) /* new or reset: INBOX cannot be deleted */
        box_new(st, "INBOX", NULL);
    return st;
}

FakeMsg *
fake_store_msg(FakeBox *b, guint32 uid)
{
    for (guint i = 0; i < b->msgs->len; i++) {
        FakeMsg *m = g_ptr_array_index(b->msgs, i);
        if (m->info.uid == uid)
            return m;
    }
    return NULL;
}

guint64
fake_store_bump(FakeBox *b)
{
    return b->highestmodseq = ++modseq_seq;
}

guint32
fake_store_append_msg(FakeBox *b, GBytes *data, guint32 flags, const char *const *keywords,
                      gint64 date)
{
    FakeMsg *m = g_new0(FakeMsg, 1);
    gsize len = 0;
    const char *text = g_bytes_get_data(data, &len);
    g_autoptr(GError) error = NULL;

    m->info.uid = b->uidnext++;
    m->info.flags = flags;
    m->info.keywords = keywords != NULL ? g_strdupv((char **)keywords) : g_new0(char *, 1);
    m->info.modseq = fake_store_bump(b);
    m->info.internal_date = date != 0 ? date : FAKE_STORE_NOW;
    m->info.size = len;
    m->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->path = g_strdup_printf("%s/%u.eml", dir, ++file_seq);
    g_file_set_contents(m->path, len > 0 ? text : "", (gssize)len, &error);
    g_assert_no_error(error);
    g_ptr_array_add(b->msgs, m);
    return m->info.uid;
}

GArray *
fake_store_remove(FakeBox *b, const guint32 *uids, gsize n)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = b->msgs->len; i-- > 0;) {
        FakeMsg *m = g_ptr_array_index(b->msgs, i);
        gboolean hit = uids == NULL && (m->info.flags & HERMOD_MAIL_FLAG_DELETED) != 0;
        for (gsize k = 0; uids != NULL && k < n; k++)
            hit = hit || uids[k] == m->info.uid;
        if (!hit)
            continue;
        FakeGone g = {m->info.uid, fake_store_bump(b)};
        g_array_append_val(b->gone, g);
        g_array_prepend_val(out, m->info.uid);
        g_ptr_array_remove_index(b->msgs, i);
    }
    return out;
}

guint64
fake_store_used(HermodMailStore *st)
{
    guint64 used = 0;
    for (guint i = 0; i < st->boxes->len; i++) {
        GPtrArray *msgs = ((FakeBox *)g_ptr_array_index(st->boxes, i))->msgs;
        for (guint k = 0; k < msgs->len; k++)
            used += ((FakeMsg *)g_ptr_array_index(msgs, k))->info.size;
    }
    return used;
}

GBytes *
fake_store_read(FakeMsg *m, GError **error)
{
    char *data = NULL;
    gsize len = 0;
    if (!g_file_get_contents(m->path, &data, &len, error))
        return NULL;
    return g_bytes_new_take(data, len);
}

/* --- calls: counts, failures, the work rule --- */

gboolean
fake_store_enter(const char *member, FakeCall kind, GError **error)
{
    guint n = GPOINTER_TO_UINT(g_hash_table_lookup(calls, member));
    g_hash_table_insert(calls, (gpointer)member, GUINT_TO_POINTER(n + 1));
    if ((kind == FAKE_CALL_BLOCKING && work_rule != FAKE_STORE_ANY_THREAD) ||
        (kind == FAKE_CALL_QUICK && work_rule == FAKE_STORE_ALL_IN_WORK)) {
        if (!fake_in_work())
            g_error("the module called the store's %s outside a work job", member);
    }
    gpointer code = NULL;
    if (!g_hash_table_lookup_extended(failing, member, NULL, &code))
        return TRUE;
    g_set_error(error, HERMOD_MAIL_ERROR, GPOINTER_TO_INT(code), "fake %s failure", member);
    return FALSE;
}

guint
fake_store_calls(const char *member)
{
    return GPOINTER_TO_UINT(g_hash_table_lookup(calls, member));
}

void
fake_store_fail(const char *member, int code)
{
    if (code < 0)
        g_hash_table_remove(failing, member);
    else
        g_hash_table_insert(failing, g_strdup(member), GINT_TO_POINTER(code));
}

void
fake_store_require_work(FakeStoreWork rule)
{
    work_rule = rule;
}

/* --- watches --- */

guint
fake_store_watch_add(HermodConn *conn, const char *account, HermodWatchFunc fn, gpointer data)
{
    FakeWatch *w = g_new0(FakeWatch, 1);
    w->id = ++watch_seq;
    w->conn = conn;
    w->account = g_strdup(account);
    w->fn = fn;
    w->data = data;
    g_ptr_array_add(watches, w);
    return w->id;
}

void
fake_store_watch_remove(guint id)
{
    for (guint i = 0; i < watches->len; i++) {
        if (((FakeWatch *)g_ptr_array_index(watches, i))->id == id) {
            g_ptr_array_remove_index(watches, i);
            return;
        }
    }
    g_error("watch_remove(%u): no such watch", id);
}

void
fake_store_notify(HermodMailStore *st)
{
    for (guint i = 0; i < watches->len; i++) {
        FakeWatch *w = g_ptr_array_index(watches, i);
        if (strcmp(w->account, st->account) == 0)
            w->pending++;
    }
}

gboolean
fake_store_run_watches(HermodConn *conn)
{
    for (guint i = 0; i < watches->len; i++) {
        FakeWatch *w = g_ptr_array_index(watches, i);
        if (w->conn == conn && w->pending > 0) {
            w->pending = 0;
            w->fn(conn, NULL, w->data);
            return TRUE;
        }
    }
    return FALSE;
}

void
fake_store_drop_watches(void)
{
    for (guint i = 0; i < watches->len; i++)
        ((FakeWatch *)g_ptr_array_index(watches, i))->pending = 0;
}

/* --- life cycle --- */

static void
watch_free(gpointer p)
{
    FakeWatch *w = p;
    g_free(w->account);
    g_free(w);
}

static void
empty_store(gpointer key, gpointer value, gpointer unused)
{
    HermodMailStore *st = value;
    g_ptr_array_set_size(st->boxes, 0);
    st->quota = 0;
}

static void
store_free(gpointer p)
{
    HermodMailStore *st = p;
    g_ptr_array_unref(st->boxes);
    g_free(st->account);
    g_free(st);
}

static void
cleanup(void)
{
    g_clear_pointer(&stores, g_hash_table_unref);
    g_clear_pointer(&watches, g_ptr_array_unref);
    g_clear_pointer(&calls, g_hash_table_unref);
    g_clear_pointer(&failing, g_hash_table_unref);
    test_rm_rf(dir);
    g_clear_pointer(&dir, g_free);
}

void
fake_store_reset(void)
{
    if (dir == NULL) {
        g_autoptr(GError) error = NULL;
        dir = g_dir_make_tmp("hermod-fake-store-XXXXXX", &error);
        g_assert_no_error(error);
        stores = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, store_free);
        watches = g_ptr_array_new_with_free_func(watch_free);
        calls = g_hash_table_new(g_str_hash, g_str_equal);
        failing = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        atexit(cleanup);
    }
    g_hash_table_foreach(stores, empty_store, NULL);
    g_ptr_array_set_size(watches, 0);
    g_hash_table_remove_all(calls);
    g_hash_table_remove_all(failing);
    work_rule = FAKE_STORE_ANY_THREAD;
    modseq_seq = 10;
}

/* --- the test's side: as another session or the disk would --- */

HermodMailStore *
fake_store_of(const char *account)
{
    return fake_store_account(account);
}

static FakeBox *
box_of(const char *account, const char *mailbox)
{
    FakeBox *b = fake_store_box(fake_store_account(account), mailbox);
    if (b == NULL)
        g_error("fake store: %s has no mailbox %s", account, mailbox);
    return b;
}

static FakeMsg *
msg_of(const char *account, const char *mailbox, guint32 uid)
{
    FakeMsg *m = fake_store_msg(box_of(account, mailbox), uid);
    if (m == NULL)
        g_error("fake store: %s %s has no UID %u", account, mailbox, uid);
    return m;
}

void
fake_store_create(const char *account, const char *mailbox, const char *special_use)
{
    HermodMailStore *st = fake_store_account(account);
    g_assert_true(fake_store_make_box(st, mailbox, special_use));
    fake_store_notify(st);
}

void
fake_store_delete(const char *account, const char *mailbox)
{
    g_autoptr(GError) error = NULL;
    HermodMailStore *st = fake_store_account(account);
    fake_store_drop_box(st, mailbox, &error);
    g_assert_no_error(error);
    fake_store_notify(st);
}

void
fake_store_rename(const char *account, const char *from, const char *to)
{
    g_autoptr(GError) error = NULL;
    HermodMailStore *st = fake_store_account(account);
    fake_store_rename_box(st, from, to, &error);
    g_assert_no_error(error);
    fake_store_notify(st);
}

guint32
fake_store_add(const char *account, const char *mailbox, const char *text, gssize len,
               guint32 flags, gint64 date)
{
    g_autoptr(GBytes) data = g_bytes_new(text, len < 0 ? strlen(text) : (gsize)len);
    guint32 uid = fake_store_append_msg(box_of(account, mailbox), data, flags, NULL, date);
    fake_store_notify(fake_store_account(account));
    return uid;
}

void
fake_store_set_flags(const char *account, const char *mailbox, guint32 uid, guint32 flags)
{
    FakeMsg *m = msg_of(account, mailbox, uid);
    m->info.flags = flags;
    m->info.modseq = fake_store_bump(box_of(account, mailbox));
    fake_store_notify(fake_store_account(account));
}

void
fake_store_set_keywords(const char *account, const char *mailbox, guint32 uid,
                        const char *const *keywords)
{
    FakeMsg *m = msg_of(account, mailbox, uid);
    g_strfreev(m->info.keywords);
    m->info.keywords = g_strdupv((char **)keywords);
}

void
fake_store_expunge(const char *account, const char *mailbox, guint32 uid)
{
    g_array_unref(fake_store_remove(box_of(account, mailbox), &uid, 1));
    fake_store_notify(fake_store_account(account));
}

void
fake_store_set_quota(const char *account, guint64 limit)
{
    fake_store_account(account)->quota = limit;
}

void
fake_store_lose(const char *account, const char *mailbox, guint32 uid)
{
    g_assert_cmpint(g_unlink(msg_of(account, mailbox, uid)->path), ==, 0);
}

void
fake_store_cache_put(const char *account, const char *mailbox, guint32 uid, const char *field,
                     const char *value)
{
    g_hash_table_insert(msg_of(account, mailbox, uid)->cache, g_strdup(field), g_strdup(value));
}

GArray *
fake_store_uids(const char *account, const char *mailbox)
{
    FakeBox *b = box_of(account, mailbox);
    GArray *uids = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = 0; i < b->msgs->len; i++)
        g_array_append_val(uids, ((FakeMsg *)g_ptr_array_index(b->msgs, i))->info.uid);
    return uids;
}

guint32
fake_store_flags(const char *account, const char *mailbox, guint32 uid)
{
    return msg_of(account, mailbox, uid)->info.flags;
}

guint32
fake_store_uidvalidity(const char *account, const char *mailbox)
{
    return box_of(account, mailbox)->uidvalidity;
}
