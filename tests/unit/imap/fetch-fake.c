/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fetch-fake.c - the in-memory store of fetch-fake.h: only the members
 * FETCH and SEARCH use (open_message, cache_get/cache_set, search_text,
 * read_message).  Without full-text search the table ends before
 * search_text, as an ABI 1.1 core's would: FETCH then reads through
 * open_message; with it, through read_message (ABI 1.3).
 */
#include "autoconfig.h"

#include "fetch-fake.h"

#include <glib/gstdio.h>
#include <string.h>

#include "imap-test-util.h"

static FakeMail *the_fake; /* the store handle is opaque: one fake at a time */

static GMappedFile *
fake_open(HermodMailStore *store, const char *mailbox, guint32 uid, GError **error)
{
    (void)store;
    (void)mailbox;
    g_autofree char *name = g_strdup_printf("%u.eml", uid);
    g_autofree char *path = g_build_filename(the_fake->dir, name, NULL);
    return g_mapped_file_new(path, FALSE, error);
}

static GBytes *
fake_read(HermodMailStore *store, const char *mailbox, guint32 uid, GError **error)
{
    g_autofree char *name = g_strdup_printf("%u.eml", uid);
    g_autofree char *path = g_build_filename(the_fake->dir, name, NULL);
    char *data;
    gsize len;

    (void)store;
    (void)mailbox;
    if (!g_file_get_contents(path, &data, &len, error))
        return NULL;
    return g_bytes_new_take(data, len);
}

static char *
fake_cache_get(HermodMailStore *store, const char *mailbox, guint32 uid, const char *field)
{
    (void)store;
    (void)mailbox;
    g_autofree char *key = g_strdup_printf("%u/%s", uid, field);
    return g_strdup(g_hash_table_lookup(the_fake->cache, key));
}

static void
fake_cache_set(HermodMailStore *store, const char *mailbox, guint32 uid, const char *field,
               const char *value)
{
    (void)store;
    (void)mailbox;
    the_fake->cache_sets++;
    g_hash_table_insert(the_fake->cache, g_strdup_printf("%u/%s", uid, field), g_strdup(value));
}

/* Every word of query appears (case-insensitively) in the raw message. */
static GArray *
fake_search_text(HermodMailStore *store, const char *mailbox, const char *field, const char *query,
                 GError **error)
{
    GArray *uids = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_auto(GStrv) words = g_strsplit(query, " ", -1);

    (void)store;
    (void)mailbox;
    (void)field;
    (void)error;
    the_fake->fts_calls++;
    for (guint i = 0; i < the_fake->msgs->len; i++) {
        HermodMsgInfo *msg = the_fake->msgs->pdata[i];
        g_autoptr(GMappedFile) f = fake_open(NULL, NULL, msg->uid, NULL);
        g_autofree char *text =
            g_ascii_strdown(g_mapped_file_get_contents(f) ? g_mapped_file_get_contents(f) : "",
                            g_mapped_file_get_length(f));
        gboolean all = TRUE;
        for (guint w = 0; words[w] != NULL; w++)
            all &= strstr(text, words[w]) != NULL;
        if (all)
            g_array_append_val(uids, msg->uid);
    }
    return uids;
}

static void
info_free(HermodMsgInfo *msg)
{
    g_strfreev(msg->keywords);
    g_free(msg);
}

FakeMail *
fake_mail_new(gboolean has_fts)
{
    FakeMail *fake = g_new0(FakeMail, 1);

    fake->api.struct_size = sizeof(HermodApi);
#if HERMOD_ABI_MINOR >= 1
    fake->api.mail = &fake->mail;
#endif
    fake->mail.struct_size =
        has_fts ? sizeof(HermodMailApi) : G_STRUCT_OFFSET(HermodMailApi, search_text);
    fake->mail.open_message = fake_open;
    fake->mail.cache_get = fake_cache_get;
    fake->mail.cache_set = fake_cache_set;
    fake->mail.search_text = has_fts ? fake_search_text : NULL;
    fake->mail.read_message = has_fts ? fake_read : NULL;
    fake->dir = g_dir_make_tmp("imapfetch-XXXXXX", NULL);
    fake->msgs = g_ptr_array_new_with_free_func((GDestroyNotify)info_free);
    fake->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    fake->env = (ImapMailboxEnv){.api = &fake->api, .store = NULL, .mailbox = "INBOX"};
    g_assert_nonnull(fake->dir);
    the_fake = fake;
    return fake;
}

void
fake_mail_free(FakeMail *fake)
{
    for (guint i = 0; i < fake->msgs->len; i++) {
        g_autofree char *name = g_strdup_printf("%u.eml", i + 1);
        g_autofree char *path = g_build_filename(fake->dir, name, NULL);
        g_unlink(path);
    }
    g_rmdir(fake->dir);
    g_free(fake->dir);
    g_ptr_array_unref(fake->msgs);
    g_hash_table_unref(fake->cache);
    g_free(fake);
    the_fake = NULL;
}

HermodMsgInfo *
fake_mail_add(FakeMail *fake, const char *data, gssize len, guint32 flags, gint64 date)
{
    HermodMsgInfo *msg = g_new0(HermodMsgInfo, 1);
    gsize n = len < 0 ? strlen(data) : (gsize)len;

    msg->uid = fake->msgs->len + 1;
    msg->flags = flags;
    msg->keywords = g_new0(char *, 1);
    msg->modseq = 10 + msg->uid;
    msg->internal_date = date;
    msg->size = n;
    g_autofree char *name = g_strdup_printf("%u.eml", msg->uid);
    g_autofree char *path = g_build_filename(fake->dir, name, NULL);
    g_assert_true(g_file_set_contents(path, data, n, NULL));
    g_ptr_array_add(fake->msgs, msg);
    return msg;
}

HermodMsgInfo *
fake_mail_add_file(FakeMail *fake, const char *name, guint32 flags, gint64 date)
{
    g_autoptr(GBytes) bytes = imap_test_load(name);
    gsize len = 0;
    const char *data = g_bytes_get_data(bytes, &len);
    return fake_mail_add(fake, data, len, flags, date);
}

char *
fake_join(GPtrArray *out, gsize *out_len)
{
    GString *all = g_string_new(NULL);

    for (guint i = 0; i < out->len; i++) {
        gsize n = 0;
        const char *p = g_bytes_get_data(out->pdata[i], &n);
        g_string_append_len(all, p, n);
    }
    if (out_len != NULL)
        *out_len = all->len;
    return g_string_free(all, FALSE);
}

void
fake_store_skip(void)
{
    g_test_skip("HermodApi.mail needs ABI 1.1");
}
