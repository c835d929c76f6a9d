/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mailbox-env.c - the ImapMailboxEnv of mailbox-env.h: the fake core's
 * table with the fake store's (full or older) HermodMailApi, and the
 * message list refreshed through that table after every add.
 */
#include "autoconfig.h"

#include "mailbox-env.h"

#include "fake-core.h"
#include "imap-test-util.h"

static void
refresh(MailboxEnv *mb)
{
    g_autoptr(GError) error = NULL;

    g_clear_pointer(&mb->msgs, g_ptr_array_unref);
    mb->msgs = mb->env.api->mail->messages(mb->env.store, "INBOX", 0, &error);
    g_assert_no_error(error);
}

MailboxEnv *
mailbox_env_new(gboolean has_fts)
{
    static FakeCoreSpec spec = {.protocol = "imap", .hostname = "mail.example.org"};
    MailboxEnv *mb = g_new0(MailboxEnv, 1);

    fake_store_reset();
    spec.mail = has_fts ? fake_store_api()
                        : fake_store_api_until(G_STRUCT_OFFSET(HermodMailApi, search_text));
    mb->env = (ImapMailboxEnv){
        .api = fake_core_table(&spec),
        .store = fake_store_of(MAILBOX_ENV_ACCOUNT),
        .mailbox = "INBOX",
    };
    refresh(mb);
    return mb;
}

void
mailbox_env_free(MailboxEnv *mb)
{
    g_ptr_array_unref(mb->msgs);
    g_free(mb);
}

HermodMsgInfo *
mailbox_env_add(MailboxEnv *mb, const char *data, gssize len, guint32 flags, gint64 date)
{
    fake_store_add(MAILBOX_ENV_ACCOUNT, "INBOX", data, len, flags, date);
    refresh(mb);
    return mb->msgs->pdata[mb->msgs->len - 1];
}

HermodMsgInfo *
mailbox_env_add_file(MailboxEnv *mb, const char *name, guint32 flags, gint64 date)
{
    g_autoptr(GBytes) bytes = imap_test_load(name);
    gsize len = 0;
    const char *data = g_bytes_get_data(bytes, &len);
    return mailbox_env_add(mb, data, (gssize)len, flags, date);
}

void
mailbox_env_set_keywords(MailboxEnv *mb, guint32 uid, const char *const *keywords)
{
    fake_store_set_keywords(MAILBOX_ENV_ACCOUNT, "INBOX", uid, keywords);
    refresh(mb);
}

void
mailbox_env_lose(MailboxEnv *mb, guint32 uid)
{
    fake_store_lose(MAILBOX_ENV_ACCOUNT, "INBOX", uid);
}

char *
mailbox_env_join(GPtrArray *out, gsize *out_len)
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
