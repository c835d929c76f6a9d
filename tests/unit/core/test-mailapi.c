/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-mailapi.c - HermodMailApi (hermod/mailstore.h) as a module sees it:
 * every member set and called through the table HermodApi.mail points to,
 * never the store's internals.  Mailboxes (create, rename with children and
 * INBOX, delete with \Noselect parents, subscribe), append with flags,
 * keywords and date, status counters, messages since a MODSEQ, STORE with
 * UNCHANGEDSINCE, expunge and the expunge log, copy and move with UID
 * maps, byte-exact message files, the parse cache, full-text search (body
 * vs text, a multipart message, an encoded header), quota, and a watch
 * firing on its connection's loop when another thread appends.
 */
#include "autoconfig.h"

#include <string.h>

#include "hermodd/sections.h"
#include "config/config.h"
#include "net/conn.h"
#include "directory/directory.h"
#include "net/listener.h"
#include "lib/loop.h"
#include "plugin/module-api.h"
#include "store/store.h"
#include "lib/workpool.h"
#include "sock-client.h"
#include "tmpdir.h"

#define ALICE "alice@example.test"

static const HermodMailApi *mail;
static char *data_dir;

typedef struct {
    char *account;
    HermodMailStore *store;
} Fixture;

static void
fx_setup(Fixture *fx, gconstpointer unused)
{
    static int n;
    g_autoptr(GError) error = NULL;

    (void)unused;
    fx->account = g_strdup_printf("user%d@example.test", ++n);
    g_assert_true(hermod_directory_user_add(fx->account, "pw", &error));
    fx->store = mail->open(fx->account, &error);
    g_assert_no_error(error);
    g_assert_nonnull(fx->store);
}

static void
fx_teardown(Fixture *fx, gconstpointer unused)
{
    (void)unused;
    mail->unref(fx->store);
    g_free(fx->account);
}

static guint32
append(Fixture *fx, const char *mailbox, const char *text, guint32 flags)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) data = g_bytes_new(text, strlen(text));
    guint32 uid = 0;

    g_assert_true(mail->append(fx->store, mailbox, data, flags, NULL, 0, &uid, NULL, &error));
    g_assert_no_error(error);
    return uid;
}

static HermodMailboxInfo *
status(Fixture *fx, const char *name)
{
    g_autoptr(GError) error = NULL;
    HermodMailboxInfo *info = mail->mailbox_status(fx->store, name, &error);

    g_assert_no_error(error);
    return info;
}

static HermodMailboxInfo *
find_box(GPtrArray *boxes, const char *name)
{
    for (guint i = 0; i < boxes->len; i++) {
        HermodMailboxInfo *info = boxes->pdata[i];
        if (g_str_equal(info->name, name))
            return info;
    }
    return NULL;
}

static void
assert_uids(GArray *got, const guint32 *want, gsize n)
{
    g_assert_nonnull(got);
    g_assert_cmpuint(got->len, ==, n);
    for (gsize i = 0; i < n; i++)
        g_assert_cmpuint(g_array_index(got, guint32, i), ==, want[i]);
}

static const char plain_msg[] = "From: a@example.test\r\nSubject: hello\r\n\r\nbody text\r\n";

/* --- the table */

static void
test_table(Fixture *fx, gconstpointer unused)
{
    const gpointer *member = (const gpointer *)&mail->open;
    gsize n = (sizeof(HermodMailApi) - G_STRUCT_OFFSET(HermodMailApi, open)) / sizeof(gpointer);
    HermodMailboxInfo *info = status(fx, "inbox"); /* INBOX in any case */

    (void)unused;
    g_assert_cmpuint(mail->struct_size, ==, sizeof(HermodMailApi));
    for (gsize i = 0; i < n; i++)
        g_assert_nonnull(member[i]);
    g_assert_true(HERMOD_MAIL_API_HAS(mail, watch_remove));
    g_assert_cmpstr(info->name, ==, "INBOX");
    mail->mailbox_info_free(info);
}

/* --- mailboxes */

static void
test_mailboxes(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) boxes = NULL;
    HermodMailboxInfo *info;

    (void)unused;
    g_assert_true(mail->mailbox_create(fx->store, "Work/Projects/Odin", NULL, &error));
    g_assert_no_error(error);
    g_assert_false(mail->mailbox_create(fx->store, "Work", NULL, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_true(mail->mailbox_create(fx->store, "Receipts", "\\Archive", &error));
    boxes = mail->mailboxes(fx->store, &error);
    g_assert_no_error(error);
    g_assert_nonnull(find_box(boxes, "INBOX"));
    g_assert_nonnull(find_box(boxes, "Work/Projects"));
    info = find_box(boxes, "Receipts");
    g_assert_cmpstr(info->special_use, ==, "\\Archive");
    g_assert_cmpstr(find_box(boxes, "Sent")->special_use, ==, "\\Sent");
    for (guint i = 1; i < boxes->len; i++)
        g_assert_cmpint(strcmp(((HermodMailboxInfo *)boxes->pdata[i - 1])->name,
                               ((HermodMailboxInfo *)boxes->pdata[i])->name),
                        <, 0);

    /* Rename moves children along. */
    g_assert_true(mail->mailbox_rename(fx->store, "Work", "Job", &error));
    g_assert_no_error(error);
    info = status(fx, "Job/Projects/Odin");
    mail->mailbox_info_free(info);
    g_assert_null(mail->mailbox_status(fx->store, "Work/Projects", &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX);
    g_clear_error(&error);
    g_assert_false(mail->mailbox_rename(fx->store, "Job", "Receipts", &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_EXISTS);
    g_clear_error(&error);
}

static void
test_delete(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) boxes = NULL;
    HermodMailboxInfo *info;
    g_autoptr(GPtrArray) msgs = NULL;

    (void)unused;
    g_assert_false(mail->mailbox_delete(fx->store, "inbox", &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_true(mail->mailbox_create(fx->store, "Lists/gtk", NULL, &error));
    append(fx, "Lists", plain_msg, 0);
    /* A mailbox with children stays as a \Noselect parent, emptied. */
    g_assert_true(mail->mailbox_delete(fx->store, "Lists", &error));
    g_assert_no_error(error);
    boxes = mail->mailboxes(fx->store, &error);
    info = find_box(boxes, "Lists");
    g_assert_nonnull(info);
    g_assert_true(info->is_noselect);
    g_assert_cmpuint(info->messages, ==, 0);
    g_assert_false(find_box(boxes, "Lists/gtk")->is_noselect);
    msgs = mail->messages(fx->store, "Lists", 0, &error);
    g_assert_null(msgs);
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX);
    g_clear_error(&error);
    /* Deleting the last child takes the \Noselect parent along. */
    g_assert_true(mail->mailbox_delete(fx->store, "Lists/gtk", &error));
    g_ptr_array_unref(boxes);
    boxes = mail->mailboxes(fx->store, &error);
    g_assert_null(find_box(boxes, "Lists"));
    g_assert_false(mail->mailbox_delete(fx->store, "Nowhere", &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX);
}

static void
test_rename_inbox(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) moved = NULL;
    HermodMailboxInfo *inbox, *old;
    guint32 validity;

    (void)unused;
    append(fx, "INBOX", plain_msg, HERMOD_MAIL_FLAG_SEEN);
    append(fx, "INBOX", plain_msg, 0);
    inbox = status(fx, "INBOX");
    validity = inbox->uidvalidity;
    mail->mailbox_info_free(inbox);
    g_assert_true(mail->mailbox_rename(fx->store, "INBOX", "Old mail", &error));
    g_assert_no_error(error);
    inbox = status(fx, "INBOX");
    g_assert_cmpuint(inbox->messages, ==, 0);
    g_assert_cmpuint(inbox->uidvalidity, ==, validity);
    g_assert_cmpuint(inbox->uidnext, >=, 3); /* UIDNEXT never goes back */
    old = status(fx, "Old mail");
    g_assert_cmpuint(old->messages, ==, 2);
    g_assert_cmpuint(old->unseen, ==, 1);
    moved = mail->messages(fx->store, "Old mail", 0, &error);
    g_assert_cmpuint(moved->len, ==, 2);
    g_assert_true(((HermodMsgInfo *)moved->pdata[0])->flags & HERMOD_MAIL_FLAG_SEEN);
    mail->mailbox_info_free(inbox);
    mail->mailbox_info_free(old);
    /* New mail still lands in INBOX. */
    g_assert_cmpuint(append(fx, "inbox", plain_msg, 0), >=, 3);
}

static void
test_subscribe(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    HermodMailboxInfo *info;

    (void)unused;
    g_assert_true(mail->mailbox_create(fx->store, "Feeds", NULL, &error));
    g_assert_true(mail->mailbox_subscribe(fx->store, "Feeds", FALSE, &error));
    g_assert_no_error(error);
    info = status(fx, "Feeds");
    g_assert_false(info->is_subscribed);
    mail->mailbox_info_free(info);
    g_assert_true(mail->mailbox_subscribe(fx->store, "Feeds", TRUE, &error));
    info = status(fx, "Feeds");
    g_assert_true(info->is_subscribed);
    mail->mailbox_info_free(info);
}

/* --- messages */

static void
test_append_status(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) data = g_bytes_new_static(plain_msg, strlen(plain_msg));
    const char *const kw[] = {"$Forwarded", "Project-X", NULL};
    g_autoptr(GPtrArray) msgs = NULL;
    HermodMailboxInfo *info;
    HermodMsgInfo *m;
    guint32 uid = 0, validity = 0;

    (void)unused;
    g_assert_true(mail->append(fx->store, "Drafts", data,
                               HERMOD_MAIL_FLAG_DRAFT | HERMOD_MAIL_FLAG_SEEN, kw, 1700000000, &uid,
                               &validity, &error));
    g_assert_no_error(error);
    append(fx, "Drafts", plain_msg, HERMOD_MAIL_FLAG_DELETED);
    info = status(fx, "Drafts");
    g_assert_cmpuint(uid, ==, 1);
    g_assert_cmpuint(validity, ==, info->uidvalidity);
    g_assert_cmpuint(info->messages, ==, 2);
    g_assert_cmpuint(info->unseen, ==, 1);
    g_assert_cmpuint(info->deleted, ==, 1);
    g_assert_cmpuint(info->size, ==, 2 * strlen(plain_msg));
    g_assert_cmpuint(info->uidnext, ==, 3);
    msgs = mail->messages(fx->store, "Drafts", 0, &error);
    m = msgs->pdata[0];
    g_assert_cmpuint(m->flags, ==, HERMOD_MAIL_FLAG_DRAFT | HERMOD_MAIL_FLAG_SEEN);
    g_assert_cmpint(m->internal_date, ==, 1700000000);
    g_assert_cmpuint(m->size, ==, strlen(plain_msg));
    g_assert_cmpuint(g_strv_length(m->keywords), ==, 2);
    g_assert_true(g_strv_contains((const char *const *)m->keywords, "Project-X"));
    g_assert_nonnull(((HermodMsgInfo *)msgs->pdata[1])->keywords); /* never NULL */
    g_assert_cmpuint(((HermodMsgInfo *)msgs->pdata[1])->modseq, >, m->modseq);
    g_assert_cmpuint(info->highestmodseq, ==, ((HermodMsgInfo *)msgs->pdata[1])->modseq);
    mail->mailbox_info_free(info);
    g_assert_false(mail->append(fx->store, "Nowhere", data, 0, NULL, 0, NULL, NULL, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX);
}

static guint64
modseq_of(Fixture *fx, const char *mailbox, guint32 uid)
{
    g_autoptr(GPtrArray) msgs = mail->messages(fx->store, mailbox, 0, NULL);

    for (guint i = 0; i < msgs->len; i++) {
        HermodMsgInfo *m = msgs->pdata[i];
        if (m->uid == uid)
            return m->modseq;
    }
    g_assert_not_reached();
}

static void
test_flags(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    const char *const kw[] = {"$Junk", NULL};
    guint32 uids[3];
    guint64 base, since;
    g_autoptr(GArray) failed = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autoptr(GPtrArray) changed = NULL;
    HermodMsgInfo *m;

    (void)unused;
    for (int i = 0; i < 3; i++)
        uids[i] = append(fx, "INBOX", plain_msg, 0);
    base = modseq_of(fx, "INBOX", uids[2]);
    g_assert_true(mail->update_flags(fx->store, "INBOX", uids, 2, HERMOD_FLAGS_ADD,
                                     HERMOD_MAIL_FLAG_FLAGGED | HERMOD_MAIL_FLAG_SEEN, kw, 0, NULL,
                                     &error));
    g_assert_no_error(error);
    g_assert_cmpuint(modseq_of(fx, "INBOX", uids[0]), >, base);
    /* messages(since) returns exactly what changed after base. */
    changed = mail->messages(fx->store, "INBOX", base, &error);
    g_assert_cmpuint(changed->len, ==, 2);
    m = changed->pdata[0];
    g_assert_cmpuint(m->flags, ==, HERMOD_MAIL_FLAG_FLAGGED | HERMOD_MAIL_FLAG_SEEN);
    g_assert_cmpstr(m->keywords[0], ==, "$Junk");
    g_ptr_array_unref(changed);
    /* Rows at or below since carry keywords too; they are not returned
     * (and, under ASan, not leaked). */
    changed = mail->messages(fx->store, "INBOX", modseq_of(fx, "INBOX", uids[1]), &error);
    g_assert_cmpuint(changed->len, ==, 0);
    since = modseq_of(fx, "INBOX", uids[1]);
    g_assert_true(mail->update_flags(fx->store, "INBOX", uids, 1, HERMOD_FLAGS_REMOVE,
                                     HERMOD_MAIL_FLAG_SEEN, kw, 0, NULL, &error));
    /* UNCHANGEDSINCE: uids[0] changed after since, uids[1] did not. */
    g_assert_true(mail->update_flags(fx->store, "INBOX", uids, 3, HERMOD_FLAGS_SET,
                                     HERMOD_MAIL_FLAG_ANSWERED, NULL, since, failed, &error));
    g_assert_no_error(error);
    assert_uids(failed, (guint32[]){uids[0]}, 1);
    g_ptr_array_unref(changed);
    changed = mail->messages(fx->store, "INBOX", 0, &error);
    g_assert_cmpuint(((HermodMsgInfo *)changed->pdata[0])->flags, ==, HERMOD_MAIL_FLAG_FLAGGED);
    g_assert_cmpuint(((HermodMsgInfo *)changed->pdata[1])->flags, ==, HERMOD_MAIL_FLAG_ANSWERED);
    g_assert_null(((HermodMsgInfo *)changed->pdata[1])->keywords[0]); /* SET replaced them */
    g_assert_cmpuint(((HermodMsgInfo *)changed->pdata[2])->flags, ==, HERMOD_MAIL_FLAG_ANSWERED);
}

static void
test_expunge(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    guint32 a, b, c, d;
    guint64 before;
    g_autoptr(GArray) gone = NULL;
    g_autoptr(GArray) log = NULL;
    HermodMailboxInfo *info;

    (void)unused;
    a = append(fx, "INBOX", plain_msg, HERMOD_MAIL_FLAG_DELETED);
    b = append(fx, "INBOX", plain_msg, 0);
    c = append(fx, "INBOX", plain_msg, HERMOD_MAIL_FLAG_DELETED);
    d = append(fx, "INBOX", plain_msg, 0);
    info = status(fx, "INBOX");
    before = info->highestmodseq;
    mail->mailbox_info_free(info);
    gone = mail->expunge(fx->store, "INBOX", NULL, 0, &error);
    g_assert_no_error(error);
    assert_uids(gone, (guint32[]){a, c}, 2);
    g_array_unref(gone);
    /* By UID (UID EXPUNGE, POP3 DELE): a message that is gone is skipped. */
    gone = mail->expunge(fx->store, "INBOX", (guint32[]){a, d}, 2, &error);
    assert_uids(gone, (guint32[]){d}, 1);
    log = mail->expunged_since(fx->store, "INBOX", before, &error);
    assert_uids(log, (guint32[]){a, c, d}, 3);
    info = status(fx, "INBOX");
    g_assert_cmpuint(info->messages, ==, 1);
    g_assert_cmpuint(info->uidnext, ==, d + 1);
    g_assert_cmpuint(info->highestmodseq, >, before);
    mail->mailbox_info_free(info);
    g_assert_cmpuint(b, ==, a + 1);
}

static void
test_copy_move(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    guint32 uids[2], validity = 0;
    g_autoptr(GArray) src = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autoptr(GArray) dst = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autoptr(GArray) gone = NULL;
    HermodMailboxInfo *info;

    (void)unused;
    uids[0] = append(fx, "INBOX", plain_msg, HERMOD_MAIL_FLAG_SEEN);
    uids[1] = append(fx, "INBOX", "Subject: two\r\n\r\nsecond\r\n", 0);
    g_assert_true(
        mail->copy(fx->store, "INBOX", uids, 2, "Archive", FALSE, src, dst, &validity, &error));
    g_assert_no_error(error);
    assert_uids(src, uids, 2);
    assert_uids(dst, (guint32[]){1, 2}, 2);
    info = status(fx, "Archive");
    g_assert_cmpuint(validity, ==, info->uidvalidity);
    g_assert_cmpuint(info->messages, ==, 2);
    g_assert_cmpuint(info->unseen, ==, 1); /* flags travel */
    mail->mailbox_info_free(info);
    g_array_set_size(src, 0);
    g_array_set_size(dst, 0);
    g_assert_true(
        mail->copy(fx->store, "INBOX", uids + 1, 1, "Trash", TRUE, src, dst, NULL, &error));
    assert_uids(src, (guint32[]){uids[1]}, 1);
    assert_uids(dst, (guint32[]){1}, 1);
    info = status(fx, "INBOX");
    g_assert_cmpuint(info->messages, ==, 1);
    mail->mailbox_info_free(info);
    gone = mail->expunged_since(fx->store, "INBOX", 0, &error);
    assert_uids(gone, (guint32[]){uids[1]}, 1);
    g_assert_false(
        mail->copy(fx->store, "INBOX", uids, 1, "Nowhere", FALSE, NULL, NULL, NULL, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX);
}

static void
test_open_message(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    GString *big = g_string_new("Subject: bytes\r\n\r\n");
    g_autoptr(GBytes) data = NULL;
    GMappedFile *file;
    guint32 uid = 0;

    (void)unused;
    for (int i = 0; i < 70000; i++)
        g_string_append_c(big, (char)(i % 251)); /* NUL, CR, bare LF, 8-bit */
    data = g_bytes_new(big->str, big->len);
    g_assert_true(mail->append(fx->store, "INBOX", data, 0, NULL, 0, &uid, NULL, &error));
    file = mail->open_message(fx->store, "INBOX", uid, &error);
    g_assert_no_error(error);
    g_assert_cmpmem(g_mapped_file_get_contents(file), g_mapped_file_get_length(file), big->str,
                    big->len);
    g_mapped_file_unref(file);
    g_string_free(big, TRUE);
    g_assert_null(mail->open_message(fx->store, "INBOX", uid + 1, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE);
}

/* A message of size bytes (arbitrary octets after a header), appended;
 * returns its UID and puts its content in *out. */
static guint32
append_bytes(Fixture *fx, gsize size, GBytes **out)
{
    g_autoptr(GError) error = NULL;
    GString *s = g_string_new("Subject: bytes\r\n\r\n");
    guint32 uid = 0;

    while (s->len < size)
        g_string_append_c(s, (char)(s->len % 251)); /* NUL, CR, bare LF, 8-bit */
    *out = g_string_free_to_bytes(s);
    g_assert_true(mail->append(fx->store, "INBOX", *out, 0, NULL, 0, &uid, NULL, &error));
    g_assert_no_error(error);
    return uid;
}

/* read_message gives the same bytes below the read limit (read), above it
 * (mapped), for an empty body, and NO_MESSAGE for a UID that is not there. */
static void
test_read_message(Fixture *fx, gconstpointer unused)
{
    const gsize sizes[] = {20, 7000, HERMOD_STORE_READ_MAX - 1, HERMOD_STORE_READ_MAX,
                           HERMOD_STORE_READ_MAX * 3 + 17};
    g_autoptr(GError) error = NULL;
    guint32 uid = 0;

    (void)unused;
    for (gsize i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autoptr(GBytes) want = NULL;
        uid = append_bytes(fx, sizes[i], &want);
        g_autoptr(GBytes) got = mail->read_message(fx->store, "inbox", uid, &error);
        g_assert_no_error(error);
        g_assert_true(g_bytes_equal(got, want));
    }
    g_assert_null(mail->read_message(fx->store, "INBOX", uid + 1, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE);
    g_clear_error(&error);
    g_assert_null(mail->read_message(fx->store, "Nowhere", uid, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MAILBOX);
}

static void
test_cache(Fixture *fx, gconstpointer unused)
{
    guint32 uid;
    char *value;

    (void)unused;
    uid = append(fx, "INBOX", plain_msg, 0);
    g_assert_null(mail->cache_get(fx->store, "INBOX", uid, "envelope"));
    mail->cache_set(fx->store, "INBOX", uid, "envelope", "(NIL \"hello\")");
    mail->cache_set(fx->store, "INBOX", uid, "bodystructure", "(\"text\" \"plain\")");
    value = mail->cache_get(fx->store, "INBOX", uid, "envelope");
    g_assert_cmpstr(value, ==, "(NIL \"hello\")");
    g_free(value);
    mail->cache_set(fx->store, "INBOX", uid, "envelope", "(NIL \"again\")");
    value = mail->cache_get(fx->store, "INBOX", uid, "envelope");
    g_assert_cmpstr(value, ==, "(NIL \"again\")");
    g_free(value);
    value = mail->cache_get(fx->store, "INBOX", uid, "bodystructure");
    g_assert_cmpstr(value, ==, "(\"text\" \"plain\")");
    g_free(value);
    g_assert_null(mail->cache_get(fx->store, "INBOX", uid + 7, "envelope"));
}

static const char multipart_msg[] =
    "From: =?UTF-8?Q?Bj=C3=B6rn?= <bjorn@example.test>\r\n"
    "Subject: =?UTF-8?B?UXVhcnRlcmx5IHLDqXN1bcOp?=\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: quoted-printable\r\n"
    "\r\n"
    "The fjord=20numbers are in: caf=C3=A9 budget approved.\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Transfer-Encoding: base64\r\n"
    "\r\n"
    "PGh0bWw+PGJvZHk+PHA+TGlnaHRob3VzZSA8Yj5rZWVwZXI8L2I+PC9wPjwvYm9keT48L2h0bWw+\r\n"
    "--b1--\r\n";

static void
search_expect(Fixture *fx, const char *field, const char *query, const guint32 *want, gsize n)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) got = mail->search_text(fx->store, "INBOX", field, query, &error);

    g_assert_no_error(error);
    assert_uids(got, want, n);
}

static void
test_search(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    guint32 plain, multi, other;

    (void)unused;
    plain = append(fx, "INBOX", plain_msg, 0);
    multi = append(fx, "INBOX", multipart_msg, 0);
    other = append(fx, "INBOX", "Subject: fjord\r\n\r\nnothing here\r\n", 0);
    /* Decoded quoted-printable text/plain, base64 text/html without tags. */
    search_expect(fx, "body", "fjord", (guint32[]){multi}, 1);
    search_expect(fx, "body", "CAFÉ budget", (guint32[]){multi}, 1);
    search_expect(fx, "body", "lighthouse keeper", (guint32[]){multi}, 1);
    search_expect(fx, "body", "html", NULL, 0);
    /* "text" adds the decoded headers. */
    search_expect(fx, "text", "fjord", (guint32[]){multi, other}, 2);
    search_expect(fx, "text", "résumé", (guint32[]){multi}, 1);
    search_expect(fx, "text", "Björn", (guint32[]){multi}, 1);
    search_expect(fx, "body", "Björn", NULL, 0);
    search_expect(fx, "text", "bjorn@example.test", (guint32[]){multi}, 1);
    search_expect(fx, "body", "fjord approved", (guint32[]){multi}, 1);
    search_expect(fx, "body", "fjord nowhere", NULL, 0);
    search_expect(fx, "body", "bod", (guint32[]){plain}, 1); /* prefix */
    /* Copies are found in their new mailbox; expunged messages are not. */
    g_assert_true(
        mail->copy(fx->store, "INBOX", &multi, 1, "Archive", FALSE, NULL, NULL, NULL, &error));
    g_autoptr(GArray) in_archive = mail->search_text(fx->store, "Archive", "body", "fjord", &error);
    assert_uids(in_archive, (guint32[]){1}, 1);
    g_array_unref(mail->expunge(fx->store, "INBOX", &multi, 1, &error));
    search_expect(fx, "body", "fjord", NULL, 0);
    g_assert_null(mail->search_text(fx->store, "INBOX", "subject", "x", &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_INVALID);
}

static void
test_quota(Fixture *fx, gconstpointer unused)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) data = g_bytes_new_static(plain_msg, strlen(plain_msg));
    g_autoptr(GPtrArray) boxes = mail->mailboxes(fx->store, NULL);
    guint64 used = 1, limit = 1;

    (void)unused;
    g_assert_true(mail->quota(fx->store, &used, &limit, &error));
    g_assert_cmpuint(used, ==, 0);
    g_assert_cmpuint(limit, ==, 0);
    append(fx, "INBOX", plain_msg, 0);
    g_assert_true(mail->quota(fx->store, &used, &limit, &error));
    g_assert_cmpuint(used, ==, strlen(plain_msg));
    g_assert_true(hermod_directory_user_set_quota(fx->account, strlen(plain_msg) + 10, &error));
    g_assert_true(mail->quota(fx->store, &used, &limit, &error));
    g_assert_cmpuint(limit, ==, strlen(plain_msg) + 10);
    g_assert_false(mail->append(fx->store, "INBOX", data, 0, NULL, 0, NULL, NULL, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_OVER_QUOTA);
    g_assert_nonnull(boxes);
}

/* --- watches: a tiny line protocol whose sessions watch an account.
 * "WATCH account" -> "WATCHING", "UNWATCH" -> "UNWATCHED", "PING" ->
 * "PONG", "QUIT" closes; each notification is "CHANGED mailbox where". */

static gint changes;
static gint closed;

static void
on_change(HermodConn *conn, const char *mailbox, gpointer data)
{
    gboolean on_loop = hermod_loop_current() == hermod_conn_loop(conn);

    g_assert_true(data == (gpointer)&changes);
    g_atomic_int_inc(&changes);
    hermod_conn_printf(conn, "CHANGED %s %s\r\n", mailbox != NULL ? mailbox : "*",
                       on_loop ? "loop" : "elsewhere");
}

static void
on_line(HermodConn *conn, const char *raw, gsize len, gboolean is_partial)
{
    g_autofree char *line = g_strchomp(g_strndup(raw, len)); /* without CRLF */

    (void)is_partial;
    if (g_str_has_prefix(line, "WATCH ")) {
        guint id = mail->watch_add(conn, line + 6, on_change, &changes);
        hermod_conn_set_data(conn, GUINT_TO_POINTER(id));
        hermod_conn_printf(conn, "WATCHING\r\n");
    } else if (g_str_equal(line, "UNWATCH")) {
        mail->watch_remove(GPOINTER_TO_UINT(hermod_conn_get_data(conn)));
        hermod_conn_printf(conn, "UNWATCHED\r\n");
    } else if (g_str_equal(line, "PING")) {
        hermod_conn_printf(conn, "PONG\r\n");
    } else {
        hermod_conn_close(conn);
    }
}

static void
on_close(HermodConn *conn)
{
    (void)conn;
    g_atomic_int_inc(&closed);
}

static const HermodProtocol watch_proto = {
    .struct_size = sizeof(HermodProtocol),
    .on_line = on_line,
    .on_close = on_close,
};

static SockClient *
client_connect(void)
{
    return sock_client_connect("127.0.0.1", hermod_listener_port("watch"), NULL);
}

/* Send line (nullable), then read one reply line and compare. */
static void
client_say(SockClient *c, const char *line, const char *want)
{
    if (line != NULL) {
        g_autofree char *out = g_strdup_printf("%s\r\n", line);
        sock_client_puts(c, out);
    }
    sock_client_expect(c, want);
}

static void
client_quit(SockClient *c)
{
    sock_client_puts(c, "QUIT\r\n");
    sock_client_expect_eof(c, 0);
    sock_client_free(c);
}

static gpointer
append_thread(gpointer data)
{
    Fixture *fx = data;

    append(fx, "Sent", plain_msg, 0);
    return NULL;
}

static void
append_elsewhere(Fixture *fx)
{
    g_thread_join(g_thread_new("appender", append_thread, fx));
}

static void
test_watch(Fixture *fx, gconstpointer unused)
{
    g_autofree char *watch = g_strdup_printf("WATCH %s", fx->account);
    SockClient *live = client_connect(), *gone = client_connect();
    gint before;

    (void)unused;
    client_say(live, watch, "WATCHING");
    client_say(gone, watch, "WATCHING");
    client_quit(gone);
    /* The closed session's watch ends with it, not at the next change. */
    for (int i = 0; i < 500 && hermod_store_watch_count(fx->account) != 1; i++)
        g_usleep(10000);
    g_assert_cmpint(g_atomic_int_get(&closed), ==, 1);
    g_assert_cmpuint(hermod_store_watch_count(fx->account), ==, 1);
    /* Another thread's append reaches the live session on its loop, once:
     * the closed session's watch went with it. */
    append_elsewhere(fx);
    client_say(live, NULL, "CHANGED Sent loop");
    client_say(live, "PING", "PONG");
    g_assert_cmpint(g_atomic_int_get(&changes), ==, 1);
    /* Flag changes from this thread notify too; after watch_remove
     * nothing does. */
    g_assert_true(mail->update_flags(fx->store, "Sent", (guint32[]){1}, 1, HERMOD_FLAGS_ADD,
                                     HERMOD_MAIL_FLAG_SEEN, NULL, 0, NULL, NULL));
    client_say(live, NULL, "CHANGED Sent loop");
    client_say(live, "UNWATCH", "UNWATCHED");
    g_assert_cmpuint(hermod_store_watch_count(fx->account), ==, 0);
    before = g_atomic_int_get(&changes);
    append_elsewhere(fx);
    client_say(live, "PING", "PONG");
    g_usleep(100000);
    client_say(live, "PING", "PONG");
    g_assert_cmpint(g_atomic_int_get(&changes), ==, before);
    sock_client_free(live);
}

static const char config_text[] = "[core]\n"
                                  "hostname = localhost\n"
                                  "[listener watch]\n"
                                  "protocol = watchtest\n"
                                  "address = 127.0.0.1\n"
                                  "port = 0\n";

static void
start_loops(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir_setting = g_strdup_printf("core.data_dir=%s", data_dir);
    const char *overrides[] = {dir_setting, NULL};
    g_autoptr(HermodConfig) cfg =
        hermod_config_load_data(config_text, "test.conf", overrides, &error);

    g_assert_no_error(error);
    g_assert_true(hermod_loops_start(2, &error));
    g_assert_true(hermod_listeners_bind(cfg, &error));
    g_assert_cmpuint(hermod_listeners_attach("watchtest", &watch_proto), ==, 1);
    g_assert_true(hermod_listeners_start(&error));
    g_assert_no_error(error);
}

#define ADD(name, fn) g_test_add("/mailapi/" name, Fixture, NULL, fx_setup, fn, fx_teardown)

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    int rc;

    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(hermod_core_sections);
    data_dir = g_dir_make_tmp("hermod-mailapi-XXXXXX", &error);
    g_assert_no_error(error);
    g_assert_true(hermod_directory_open(data_dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    hermod_store_set_root(data_dir);
    g_assert_true(HERMOD_API_HAS(hermod_module_api(), mail));
    mail = hermod_module_api()->mail;
    g_assert_nonnull(mail);
    g_assert_cmpuint(mail->struct_size, ==, sizeof(HermodMailApi));
    start_loops();
    ADD("table", test_table);
    ADD("mailboxes", test_mailboxes);
    ADD("delete", test_delete);
    ADD("rename-inbox", test_rename_inbox);
    ADD("subscribe", test_subscribe);
    ADD("append-status", test_append_status);
    ADD("flags", test_flags);
    ADD("expunge", test_expunge);
    ADD("copy-move", test_copy_move);
    ADD("open-message", test_open_message);
    ADD("read-message", test_read_message);
    ADD("cache", test_cache);
    ADD("search", test_search);
    ADD("quota", test_quota);
    ADD("watch", test_watch);
    rc = g_test_run();
    hermod_listeners_stop();
    hermod_loops_stop();
    hermod_store_shutdown();
    hermod_directory_close();
    test_rm_rf(data_dir);
    g_free(data_dir);
    return rc;
}
