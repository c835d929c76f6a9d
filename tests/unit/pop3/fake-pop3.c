/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-pop3.c - the POP3 module on the shared fake core
 * (tests/unit/fake-core.c): an in-memory HermodMailApi whose messages live
 * in files, and the connection helpers of fake-pop3.h.
 *
 * Store calls the module makes outside a work job, where the real ones
 * block, fail the test (fake_in_work).
 */
#include "autoconfig.h"

#include <glib/gstdio.h>
#include <string.h>

#include "fake-pop3.h"

/* One stored message: its UID, flags and file. */
typedef struct {
    guint32 uid;
    guint32 flags;
    char *path;
    gsize size;
    GHashTable *cache; /* field -> value, the parse cache */
} FakeMsg;

struct HermodMailStore {
    char *account;
    int refs;
};

/* The module's descriptor (its module.c, linked into these tests). */
extern const HermodModuleDescriptor hermod_module_descriptor;

static char *store_dir;
static GHashTable *boxes; /* account -> GPtrArray of FakeMsg */
static guint32 next_uid = 1;
static gboolean expunge_fails;
static guint expunge_calls;
static guint flag_calls;

/* --- the mail store --- */

static GPtrArray *
box(const char *account)
{
    GPtrArray *msgs = g_hash_table_lookup(boxes, account);
    if (msgs == NULL) {
        msgs = g_ptr_array_new();
        g_hash_table_insert(boxes, g_strdup(account), msgs);
    }
    return msgs;
}

static FakeMsg *
find_msg(const char *account, guint32 uid, guint *out_index)
{
    GPtrArray *msgs = box(account);
    for (guint i = 0; i < msgs->len; i++) {
        FakeMsg *m = g_ptr_array_index(msgs, i);
        if (m->uid == uid) {
            if (out_index != NULL)
                *out_index = i;
            return m;
        }
    }
    return NULL;
}

static HermodMailStore *
mail_open(const char *account, GError **error)
{
    g_assert_true(fake_in_work());
    HermodMailStore *st = g_new0(HermodMailStore, 1);
    st->account = g_strdup(account);
    st->refs = 1;
    return st;
}

static void
mail_unref(HermodMailStore *st)
{
    if (--st->refs > 0)
        return;
    g_free(st->account);
    g_free(st);
}

static HermodMailboxInfo *
mailbox_status(HermodMailStore *st, const char *name, GError **error)
{
    g_assert_cmpstr(name, ==, "INBOX");
    HermodMailboxInfo *info = g_new0(HermodMailboxInfo, 1);
    info->name = g_strdup(name);
    info->uidvalidity = FAKE_UIDVALIDITY;
    info->messages = box(st->account)->len;
    return info;
}

static void
mailbox_info_free(HermodMailboxInfo *info)
{
    g_free(info->name);
    g_free(info);
}

static void
info_free(gpointer p)
{
    HermodMsgInfo *info = p;
    g_strfreev(info->keywords);
    g_free(info);
}

static GPtrArray *
mail_messages(HermodMailStore *st, const char *mailbox, guint64 since, GError **error)
{
    g_assert_true(fake_in_work());
    g_assert_cmpstr(mailbox, ==, "INBOX");
    GPtrArray *out = g_ptr_array_new_with_free_func(info_free);
    GPtrArray *msgs = box(st->account);
    for (guint i = 0; i < msgs->len; i++) {
        FakeMsg *m = g_ptr_array_index(msgs, i);
        HermodMsgInfo *info = g_new0(HermodMsgInfo, 1);
        info->uid = m->uid;
        info->flags = m->flags;
        info->size = m->size;
        info->keywords = g_new0(char *, 1);
        g_ptr_array_add(out, info);
    }
    return out;
}

static gboolean
update_flags(HermodMailStore *st, const char *mailbox, const guint32 *uids, gsize n,
             HermodFlagsOp op, guint32 flags, const char *const *keywords, guint64 unchangedsince,
             GArray *out_failed, GError **error)
{
    g_assert_true(fake_in_work());
    g_assert_cmpint(op, ==, HERMOD_FLAGS_ADD);
    flag_calls++;
    for (gsize i = 0; i < n; i++) {
        FakeMsg *m = find_msg(st->account, uids[i], NULL);
        if (m != NULL)
            m->flags |= flags;
    }
    return TRUE;
}

static void
fake_msg_free(FakeMsg *m)
{
    g_unlink(m->path);
    g_free(m->path);
    g_hash_table_unref(m->cache);
    g_free(m);
}

static GArray *
mail_expunge(HermodMailStore *st, const char *mailbox, const guint32 *uids, gsize n, GError **error)
{
    g_assert_true(fake_in_work());
    g_assert_nonnull(uids);
    expunge_calls++;
    if (expunge_fails) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_IO, "fake I/O error");
        return NULL;
    }
    GArray *gone = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (gsize i = 0; i < n; i++) {
        guint index;
        FakeMsg *m = find_msg(st->account, uids[i], &index);
        if (m == NULL)
            continue;
        g_ptr_array_remove_index(box(st->account), index);
        fake_msg_free(m);
        g_array_append_val(gone, uids[i]);
    }
    return gone;
}

static GMappedFile *
open_message(HermodMailStore *st, const char *mailbox, guint32 uid, GError **error)
{
    FakeMsg *m = find_msg(st->account, uid, NULL);
    if (m == NULL) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE, "no UID %u", uid);
        return NULL;
    }
    return g_mapped_file_new(m->path, FALSE, error);
}

static GBytes *
read_message(HermodMailStore *st, const char *mailbox, guint32 uid, GError **error)
{
    FakeMsg *m = find_msg(st->account, uid, NULL);
    char *data;
    gsize len;
    if (m == NULL) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE, "no UID %u", uid);
        return NULL;
    }
    if (!g_file_get_contents(m->path, &data, &len, error))
        return NULL;
    return g_bytes_new_take(data, len);
}

static char *
cache_get(HermodMailStore *st, const char *mailbox, guint32 uid, const char *field)
{
    g_assert_true(fake_in_work());
    FakeMsg *m = find_msg(st->account, uid, NULL);
    return m != NULL ? g_strdup(g_hash_table_lookup(m->cache, field)) : NULL;
}

static void
cache_set(HermodMailStore *st, const char *mailbox, guint32 uid, const char *field,
          const char *value)
{
    g_assert_true(fake_in_work());
    FakeMsg *m = find_msg(st->account, uid, NULL);
    if (m != NULL)
        g_hash_table_insert(m->cache, g_strdup(field), g_strdup(value));
}

static const HermodMailApi mail_api = {
    .struct_size = sizeof(HermodMailApi),
    .open = mail_open,
    .unref = mail_unref,
    .mailbox_status = mailbox_status,
    .mailbox_info_free = mailbox_info_free,
    .messages = mail_messages,
    .update_flags = update_flags,
    .expunge = mail_expunge,
    .open_message = open_message,
    .cache_get = cache_get,
    .cache_set = cache_set,
    .read_message = read_message,
};

static void
box_free(gpointer p)
{
    GPtrArray *msgs = p;
    for (guint i = 0; i < msgs->len; i++)
        fake_msg_free(g_ptr_array_index(msgs, i));
    g_ptr_array_unref(msgs);
}

static const FakeCoreSpec spec = {
    .protocol = "pop3",
    .hostname = FAKE_HOSTNAME,
    .module = &hermod_module_descriptor,
    .mail = &mail_api,
};

void
fake_core_reset(void)
{
    fake_core_start(&spec);
    if (boxes == NULL)
        boxes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, box_free);
    if (store_dir == NULL) {
        g_autoptr(GError) error = NULL;
        store_dir = g_dir_make_tmp("pop3-fake-XXXXXX", &error);
        g_assert_no_error(error);
    }
    g_hash_table_remove_all(boxes);
    expunge_fails = FALSE;
    expunge_calls = 0;
    flag_calls = 0;
}

void
fake_core_cleanup(void)
{
    if (boxes == NULL)
        return;
    g_hash_table_remove_all(boxes);
    g_rmdir(store_dir);
    g_clear_pointer(&store_dir, g_free);
}

guint32
fake_mail_add(const char *account, const char *data, gsize len)
{
    g_autoptr(GError) error = NULL;
    FakeMsg *m = g_new0(FakeMsg, 1);
    m->uid = next_uid++;
    m->size = len;
    m->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->path = g_strdup_printf("%s/%u.eml", store_dir, m->uid);
    g_file_set_contents(m->path, data, (gssize)len, &error);
    g_assert_no_error(error);
    g_ptr_array_add(box(account), m);
    return m->uid;
}

void
fake_mail_remove(const char *account, guint32 uid)
{
    guint index = 0;
    FakeMsg *m = find_msg(account, uid, &index);
    g_assert_nonnull(m);
    g_ptr_array_remove_index(box(account), index);
    fake_msg_free(m);
}

GArray *
fake_mail_uids(const char *account)
{
    GArray *uids = g_array_new(FALSE, FALSE, sizeof(guint32));
    GPtrArray *msgs = box(account);
    for (guint i = 0; i < msgs->len; i++)
        g_array_append_val(uids, ((FakeMsg *)g_ptr_array_index(msgs, i))->uid);
    return uids;
}

guint32
fake_mail_flags(const char *account, guint32 uid)
{
    FakeMsg *m = find_msg(account, uid, NULL);
    g_assert_nonnull(m);
    return m->flags;
}

void
fake_mail_fail_expunge(gboolean fail)
{
    expunge_fails = fail;
}

guint
fake_mail_expunge_calls(void)
{
    return expunge_calls;
}

guint
fake_mail_flag_calls(void)
{
    return flag_calls;
}

HermodConn *
fake_conn_new(gboolean implicit_tls)
{
    return fake_conn_open(implicit_tls ? "pop3s" : "pop3", implicit_tls, implicit_tls);
}

void
fake_login(HermodConn *c, const char *user, const char *password)
{
    g_free(fake_take(c));
    if (!fake_is_tls(c))
        EXPECT_EXACT(c, "STLS", "+OK Begin TLS negotiation\r\n");
    g_autofree char *u = g_strconcat("USER ", user, NULL);
    g_autofree char *p = g_strconcat("PASS ", password, NULL);
    EXPECT_EXACT(c, u, "+OK Send PASS\r\n");
    EXPECT(c, p, "+OK Logged in");
}
