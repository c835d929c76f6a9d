/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-message-bytes.c - modules/common's view of the mail store across
 * ABI minors: HermodApi.mail only where the core's table has it, and a
 * message's bytes through read_message on a 1.3 table, through
 * open_message (a real mapped file) on an older one, errors passed on.
 */
#include "autoconfig.h"

#include <glib/gstdio.h>
#include <unistd.h>
#include <string.h>

#include "common/message-bytes.h"

#define BODY "Subject: hi\r\n\r\nbody\r\n"

static struct {
    int reads, opens;
    char *path; /* the file open_message maps */
    const char *mailbox;
    guint32 uid;
} calls;

static GBytes *
fake_read(HermodMailStore *store, const char *mailbox, guint32 uid, GError **error)
{
    calls.reads++;
    calls.mailbox = mailbox;
    calls.uid = uid;
    return g_bytes_new_static(BODY, strlen(BODY));
}

static GMappedFile *
fake_open(HermodMailStore *store, const char *mailbox, guint32 uid, GError **error)
{
    calls.opens++;
    calls.mailbox = mailbox;
    calls.uid = uid;
    if (uid == 404) {
        g_set_error_literal(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE, "expunged");
        return NULL;
    }
    return g_mapped_file_new(calls.path, FALSE, error);
}

/* A table as a core of minor 1.3 (with read_message) or 1.2 builds it. */
static HermodMailApi
table(gboolean has_read)
{
    HermodMailApi mail = {0};

    mail.struct_size =
        has_read ? sizeof(HermodMailApi) : G_STRUCT_OFFSET(HermodMailApi, read_message);
    mail.open_message = fake_open;
    mail.read_message = has_read ? fake_read : NULL;
    return mail;
}

static void
setup(void)
{
    g_autoptr(GError) error = NULL;
    int fd = g_file_open_tmp("hermod-msgbytes-XXXXXX", &calls.path, &error);

    g_assert_no_error(error);
    g_assert_true(g_file_set_contents(calls.path, BODY, -1, &error));
    close(fd);
    calls.reads = calls.opens = 0;
}

static void
teardown(void)
{
    g_unlink(calls.path);
    g_clear_pointer(&calls.path, g_free);
}

static void
test_mail_api(void)
{
    HermodMailApi mail = table(TRUE);
    HermodApi api = {0};

    api.mail = &mail;
    api.struct_size = sizeof(HermodApi);
    g_assert_true(proto_mail_api(&api) == &mail);
    /* A 1.0 core's table ends before mail: whatever lies there is not read. */
    api.struct_size = G_STRUCT_OFFSET(HermodApi, mail);
    g_assert_null(proto_mail_api(&api));
}

static void
test_read_message(void)
{
    HermodMailApi mail = table(TRUE);
    g_autoptr(GError) error = NULL;

    setup();
    g_autoptr(GBytes) bytes = proto_message_bytes(&mail, NULL, "INBOX", 7, &error);
    g_assert_no_error(error);
    g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), BODY, strlen(BODY));
    g_assert_cmpint(calls.reads, ==, 1);
    g_assert_cmpint(calls.opens, ==, 0);
    g_assert_cmpstr(calls.mailbox, ==, "INBOX");
    g_assert_cmpuint(calls.uid, ==, 7);
    teardown();
}

static void
test_open_message_fallback(void)
{
    HermodMailApi mail = table(FALSE);
    g_autoptr(GError) error = NULL;

    setup();
    /* read_message set but past the table's size: a 1.2 core has none. */
    mail.read_message = fake_read;
    g_autoptr(GBytes) bytes = proto_message_bytes(&mail, NULL, "Sent", 9, &error);
    g_assert_no_error(error);
    g_assert_cmpint(calls.reads, ==, 0);
    g_assert_cmpint(calls.opens, ==, 1);
    g_assert_cmpstr(calls.mailbox, ==, "Sent");
    /* The bytes outlive the GMappedFile the helper released. */
    g_assert_cmpmem(g_bytes_get_data(bytes, NULL), g_bytes_get_size(bytes), BODY, strlen(BODY));
    teardown();
}

static void
test_errors(void)
{
    HermodMailApi mail = table(FALSE);
    g_autoptr(GError) error = NULL;

    setup();
    g_assert_null(proto_message_bytes(&mail, NULL, "INBOX", 404, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE);
    teardown();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/proto/mail/api", test_mail_api);
    g_test_add_func("/proto/mail/read-message", test_read_message);
    g_test_add_func("/proto/mail/open-message-fallback", test_open_message_fallback);
    g_test_add_func("/proto/mail/errors", test_errors);
    return g_test_run();
}
