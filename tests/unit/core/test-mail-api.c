/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-mail-api.c - the HermodMailApi table as a module sees it: records
 * copied into the public structs (keywords never NULL), store errors
 * turned into HERMOD_MAIL_ERROR codes, every member wired.
 */
#include "autoconfig.h"

#include <string.h>
#include <glib/gstdio.h>

#include "tmpdir.h"
#include "directory.h"
#include "mail-api.h"
#include "store.h"

#define ALICE "alice@example.test"

static const HermodMailApi *mail = &hermod_mail_api;

static void
test_table(void)
{
    const gpointer *member = (const gpointer *)&mail->open;
    gsize n = (sizeof(HermodMailApi) - G_STRUCT_OFFSET(HermodMailApi, open)) / sizeof(gpointer);

    g_assert_cmpuint(mail->struct_size, ==, sizeof(HermodMailApi));
    for (gsize i = 0; i < n; i++)
        g_assert_nonnull(member[i]);
    g_assert_true(HERMOD_MAIL_API_HAS(mail, watch_remove));
}

static void
test_roundtrip(void)
{
    static const char *const kw[] = {"Work", NULL};
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) data = g_bytes_new_static("Subject: hi\r\n\r\nhello world\r\n", 28);
    HermodMailStore *store = mail->open(ALICE, &error);
    g_autoptr(GPtrArray) boxes = NULL;
    g_autoptr(GPtrArray) msgs = NULL;
    g_autoptr(GArray) hits = NULL;
    g_autoptr(GArray) gone = NULL;
    HermodMailboxInfo *info;
    guint32 uid = 0, validity = 0, one = 1;
    guint64 used = 0, limit = 0;

    g_assert_no_error(error);
    boxes = mail->mailboxes(store, &error);
    g_assert_cmpuint(boxes->len, ==, 6);
    g_assert_true(mail->append(store, "INBOX", data, 0, kw, 0, &uid, &validity, &error));
    g_assert_true(mail->append(store, "INBOX", data, 0, NULL, 0, NULL, NULL, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(uid, ==, 1);
    msgs = mail->messages(store, "INBOX", 0, &error);
    g_assert_cmpuint(msgs->len, ==, 2);
    g_assert_cmpstr(((HermodMsgInfo *)msgs->pdata[0])->keywords[0], ==, "Work");
    g_assert_nonnull(((HermodMsgInfo *)msgs->pdata[1])->keywords);
    g_assert_null(((HermodMsgInfo *)msgs->pdata[1])->keywords[0]);
    g_assert_true(mail->update_flags(store, "INBOX", &one, 1, HERMOD_FLAGS_ADD, HERMOD_MSG_DELETED,
                                     NULL, 0, NULL, &error));
    info = mail->mailbox_status(store, "inbox", &error);
    g_assert_cmpuint(info->messages, ==, 2);
    g_assert_cmpuint(info->deleted, ==, 1);
    g_assert_cmpuint(info->uidvalidity, ==, validity);
    mail->mailbox_info_free(info);
    hits = mail->search_text(store, "INBOX", "text", "hello", &error);
    g_assert_cmpuint(hits->len, ==, 2);
    gone = mail->expunge(store, "INBOX", NULL, 0, &error);
    g_assert_cmpuint(gone->len, ==, 1);
    g_assert_true(mail->quota(store, &used, &limit, &error));
    g_assert_cmpuint(used, ==, 28);
    mail->cache_set(store, "INBOX", 2, "envelope", "E");
    g_free(mail->cache_get(store, "INBOX", 2, "envelope"));
    g_assert_no_error(error);
    mail->unref(store);
}

static void
test_errors(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) big = g_bytes_new_take(g_strnfill(100, 'x'), 100);
    HermodMailStore *store = mail->open(ALICE, &error);
    guint32 uid = 1;

    g_assert_false(mail->mailbox_create(store, "INBOX", NULL, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(mail->mailbox_delete(store, "INBOX", &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_null(mail->messages(store, "Nope", 0, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX);
    g_clear_error(&error);
    g_assert_null(mail->open_message(store, "INBOX", 999, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE);
    g_clear_error(&error);
    g_assert_false(mail->copy(store, "INBOX", &uid, 1, "Nope", FALSE, NULL, NULL, NULL, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX);
    g_clear_error(&error);
    g_assert_true(hermod_directory_user_set_quota(ALICE, 50, NULL));
    g_assert_false(mail->append(store, "INBOX", big, 0, NULL, 0, NULL, NULL, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_OVER_QUOTA);
    g_assert_true(hermod_directory_user_set_quota(ALICE, 0, NULL));
    mail->unref(store);
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("hermod-mailapi-XXXXXX", &error);
    int status;

    g_test_init(&argc, &argv, NULL);
    g_assert_true(hermod_directory_open(dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_user_add(ALICE, "pw", &error));
    g_assert_no_error(error);
    hermod_store_set_root(dir);
    g_test_add_func("/mail-api/table", test_table);
    g_test_add_func("/mail-api/roundtrip", test_roundtrip);
    g_test_add_func("/mail-api/errors", test_errors);
    status = g_test_run();
    hermod_store_shutdown();
    hermod_directory_close();
    test_rm_rf(dir);
    return status;
}
