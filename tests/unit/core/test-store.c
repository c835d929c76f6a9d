/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-store.c - account stores in a temporary data folder: creation with
 * the default mailboxes, append and byte-exact read back, UIDs and
 * UIDVALIDITY across reopening, orphan recovery, quota, multi-account
 * delivery, four threads appending to one account, and full-text search
 * of plain and MIME messages.
 */
#include "autoconfig.h"

#include <sqlite3.h>
#include <string.h>
#include <time.h>
#include <utime.h>
#include <glib/gstdio.h>

#include "tmpdir.h"
#include "directory/directory.h"
#include "store/store.h"

#define ALICE "alice@example.test"
#define BOB   "bob@example.test"

typedef struct {
    char *dir;
} Fixture;

static void
setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fx->dir = g_dir_make_tmp("hermod-store-XXXXXX", &error);
    g_assert_no_error(error);
    g_assert_true(hermod_directory_open(fx->dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_user_add(ALICE, "pw", &error));
    g_assert_true(hermod_directory_user_add(BOB, "pw", &error));
    g_assert_no_error(error);
    hermod_store_set_root(fx->dir);
}

static void
teardown(Fixture *fx, gconstpointer data)
{
    hermod_store_shutdown();
    hermod_directory_close();
    test_rm_rf(fx->dir);
    g_free(fx->dir);
}

static HermodStore *
open_store(const char *account)
{
    g_autoptr(GError) error = NULL;
    HermodStore *store = hermod_store_open(account, &error);

    g_assert_no_error(error);
    g_assert_nonnull(store);
    return store;
}

static guint32
append(HermodStore *store, const char *mailbox, const char *text, guint32 flags)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) data = g_bytes_new(text, strlen(text));
    guint32 uid = 0;

    g_assert_true(hermod_store_append(store, mailbox, data, flags, 0, &uid, &error));
    g_assert_no_error(error);
    return uid;
}

static HermodStoreMailbox *
find_mailbox(GPtrArray *list, const char *name)
{
    for (guint i = 0; i < list->len; i++) {
        HermodStoreMailbox *mb = list->pdata[i];
        if (g_str_equal(mb->name, name))
            return mb;
    }
    g_assert_not_reached();
}

static HermodStoreMailbox *
mailbox_copy(HermodStore *store, const char *name)
{
    g_autoptr(GPtrArray) list = hermod_store_mailboxes(store, NULL);
    HermodStoreMailbox *mb = find_mailbox(list, name);
    HermodStoreMailbox *copy = g_memdup2(mb, sizeof *mb);

    copy->name = g_strdup(mb->name);
    copy->special_use = g_strdup(mb->special_use);
    return copy;
}

static void
test_create(Fixture *fx, gconstpointer data)
{
    g_autoptr(HermodStore) store = open_store(ALICE);
    g_autoptr(GPtrArray) list = hermod_store_mailboxes(store, NULL);
    GString *names = g_string_new(NULL);
    g_autofree char *joined = NULL;

    for (guint i = 0; i < list->len; i++) {
        HermodStoreMailbox *mb = list->pdata[i];
        g_string_append_printf(names, "%s%s=%s", i ? "," : "", mb->name,
                               mb->special_use ? mb->special_use : "-");
        g_assert_cmpuint(mb->uidnext, ==, 1);
        g_assert_cmpuint(mb->highestmodseq, >=, 1);
        g_assert_cmpuint(mb->uidvalidity, >, 1000000000);
        g_assert_true(mb->subscribed);
        for (guint j = 0; j < i; j++)
            g_assert_cmpuint(((HermodStoreMailbox *)list->pdata[j])->uidvalidity, !=,
                             mb->uidvalidity);
    }
    joined = g_string_free(names, FALSE);
    g_assert_cmpstr(joined, ==,
                    "Archive=\\Archive,Drafts=\\Drafts,INBOX=-,Junk=\\Junk,Sent=\\Sent,"
                    "Trash=\\Trash");
}

static void
check_bytes(HermodStore *store, const char *mailbox, guint32 uid, const void *want, gsize len)
{
    g_autoptr(GError) error = NULL;
    GMappedFile *mf = hermod_store_open_message(store, mailbox, uid, &error);

    g_assert_no_error(error);
    g_assert_cmpmem(g_mapped_file_get_contents(mf), g_mapped_file_get_length(mf), want, len);
    g_mapped_file_unref(mf);
}

static void
test_append_read(Fixture *fx, gconstpointer data)
{
    static const char binary[] = "Subject: b\r\n\r\n\x00\x01\xff\r\n.\r\n";
    g_autoptr(HermodStore) store = open_store(ALICE);
    g_autoptr(GBytes) bin = g_bytes_new(binary, sizeof binary - 1);
    g_autoptr(GPtrArray) msgs = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree HermodStoreMailbox *inbox = NULL;
    guint32 uid = 0;

    g_assert_cmpuint(append(store, "INBOX", "Subject: one\r\n\r\nhello\r\n", 0), ==, 1);
    g_assert_cmpuint(append(store, "inbox", "Subject: two\r\n\r\n", HERMOD_MAIL_FLAG_SEEN), ==, 2);
    g_assert_true(hermod_store_append(store, "INBOX", bin, HERMOD_MAIL_FLAG_FLAGGED, 1700000000,
                                      &uid, &error));
    g_assert_cmpuint(uid, ==, 3);
    g_assert_cmpuint(append(store, "Sent", "Subject: s\r\n\r\n", HERMOD_MAIL_FLAG_SEEN), ==, 1);
    msgs = hermod_store_messages(store, "INBOX", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(msgs->len, ==, 3);
    for (guint i = 0; i < 3; i++) {
        HermodStoreMessage *m = msgs->pdata[i];
        g_assert_cmpuint(m->uid, ==, i + 1);
        g_assert_null(m->keywords);
        if (i > 0)
            g_assert_cmpuint(m->modseq, >, ((HermodStoreMessage *)msgs->pdata[i - 1])->modseq);
    }
    g_assert_cmpuint(((HermodStoreMessage *)msgs->pdata[1])->flags, ==, HERMOD_MAIL_FLAG_SEEN);
    g_assert_cmpint(((HermodStoreMessage *)msgs->pdata[2])->internal_date, ==, 1700000000);
    g_assert_cmpuint(((HermodStoreMessage *)msgs->pdata[2])->size, ==, sizeof binary - 1);
    check_bytes(store, "INBOX", 1, "Subject: one\r\n\r\nhello\r\n", 23);
    check_bytes(store, "INBOX", 3, binary, sizeof binary - 1);
    inbox = mailbox_copy(store, "INBOX");
    g_assert_cmpuint(inbox->messages, ==, 3);
    g_assert_cmpuint(inbox->unseen, ==, 2);
    g_assert_cmpuint(inbox->uidnext, ==, 4);
    g_assert_cmpuint(inbox->highestmodseq, ==, ((HermodStoreMessage *)msgs->pdata[2])->modseq);
    g_free(inbox->name);
    g_free(inbox->special_use);
}

static void
test_errors(Fixture *fx, gconstpointer data)
{
    g_autoptr(HermodStore) store = open_store(ALICE);
    g_autoptr(GBytes) bytes = g_bytes_new_static("x", 1);
    g_autoptr(GError) error = NULL;

    g_assert_false(hermod_store_append(store, "Nope", bytes, 0, 0, NULL, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX);
    g_clear_error(&error);
    g_assert_null(hermod_store_open_message(store, "INBOX", 42, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MESSAGE);
    g_clear_error(&error);
    g_assert_null(hermod_store_messages(store, "Nope", &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX);
    g_clear_error(&error);
    g_assert_null(hermod_store_open("no-at-sign", &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_IO);
}

static void
test_reopen(Fixture *fx, gconstpointer data)
{
    HermodStore *store = open_store(ALICE);
    g_autofree HermodStoreMailbox *before = mailbox_copy(store, "INBOX");
    g_autofree HermodStoreMailbox *after = NULL;

    append(store, "INBOX", "a", 0);
    append(store, "INBOX", "b", 0);
    hermod_store_unref(store);
    hermod_store_shutdown();
    store = open_store(ALICE);
    after = mailbox_copy(store, "INBOX");
    g_assert_cmpuint(after->uidvalidity, ==, before->uidvalidity);
    g_assert_cmpuint(after->uidnext, ==, 3);
    g_assert_cmpuint(append(store, "INBOX", "c", 0), ==, 3);
    check_bytes(store, "INBOX", 2, "b", 1);
    hermod_store_unref(store);
    g_free(before->name);
    g_free(after->name);
}

static void
put_file(const char *dir, const char *sub, const char *name, const char *text)
{
    g_autofree char *path = g_build_filename(dir, "mail", "example.test", "alice", sub, name, NULL);
    g_autoptr(GError) error = NULL;

    g_assert_true(g_file_set_contents(path, text, -1, &error));
}

static void
mark_expunged(const char *dir, int mailbox, int uid)
{
    g_autofree char *path =
        g_build_filename(dir, "mail", "example.test", "alice", "index.db", NULL);
    g_autofree char *sql = g_strdup_printf("INSERT INTO expunged VALUES(%d, %d, 99)", mailbox, uid);
    sqlite3 *db = NULL;

    g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close(db);
}

static void
test_orphans(Fixture *fx, gconstpointer data)
{
    HermodStore *store = open_store(ALICE);
    g_autoptr(GPtrArray) msgs = NULL;
    g_autofree char *tmp_left = NULL;
    g_autofree char *staging = NULL;
    g_autofree char *expunged = NULL;

    append(store, "INBOX", "first", 0);
    hermod_store_unref(store);
    hermod_store_shutdown();
    /* A crash after rename, before commit: INBOX (id 1) UID 2 on disk only;
     * a file an admin dropped in; a half-written tmp file from a crash two
     * hours ago, and one being staged right now by another process (kept);
     * an expunged message's file that outlived its row. */
    put_file(fx->dir, "msg", "1.2", "crashed");
    put_file(fx->dir, "msg", "dropped.eml", "dropped");
    put_file(fx->dir, "tmp", "1.3", "half");
    put_file(fx->dir, "tmp", "staging", "in progress");
    tmp_left = g_build_filename(fx->dir, "mail/example.test/alice/tmp/1.3", NULL);
    staging = g_build_filename(fx->dir, "mail/example.test/alice/tmp/staging", NULL);
    struct utimbuf old = {time(NULL) - 7200, time(NULL) - 7200};
    g_assert_cmpint(g_utime(tmp_left, &old), ==, 0);
    put_file(fx->dir, "msg", "1.9", "expunged");
    mark_expunged(fx->dir, 1, 9);
    store = open_store(ALICE);
    msgs = hermod_store_messages(store, "INBOX", NULL);
    g_assert_cmpuint(msgs->len, ==, 3);
    g_assert_cmpuint(((HermodStoreMessage *)msgs->pdata[1])->uid, ==, 2);
    g_assert_cmpuint(((HermodStoreMessage *)msgs->pdata[2])->uid, ==, 3);
    check_bytes(store, "INBOX", 2, "crashed", 7);
    check_bytes(store, "INBOX", 3, "dropped", 7);
    g_assert_cmpuint(append(store, "INBOX", "next", 0), ==, 4);
    expunged = g_build_filename(fx->dir, "mail/example.test/alice/msg/1.9", NULL);
    g_assert_false(g_file_test(tmp_left, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(staging, G_FILE_TEST_EXISTS));
    g_assert_false(g_file_test(expunged, G_FILE_TEST_EXISTS));
    hermod_store_unref(store);
}

static void
test_quota(Fixture *fx, gconstpointer data)
{
    g_autoptr(HermodStore) store = open_store(ALICE);
    g_autoptr(HermodStore) bob = open_store(BOB);
    g_autoptr(GBytes) sixty = g_bytes_new_take(g_strnfill(60, 'x'), 60);
    g_autoptr(GPtrArray) both = g_ptr_array_new();
    g_autoptr(GPtrArray) bob_msgs = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_true(hermod_directory_user_set_quota(ALICE, 100, &error));
    g_assert_true(hermod_store_append(store, "INBOX", sixty, 0, 0, NULL, &error));
    g_assert_no_error(error);
    g_assert_false(hermod_store_append(store, "INBOX", sixty, 0, 0, NULL, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA);
    g_clear_error(&error);
    g_ptr_array_add(both, BOB);
    g_ptr_array_add(both, ALICE);
    g_assert_false(hermod_store_deliver(both, sixty, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA);
    bob_msgs = hermod_store_messages(bob, "INBOX", NULL);
    g_assert_cmpuint(bob_msgs->len, ==, 0);
    g_assert_true(hermod_directory_user_set_quota(ALICE, 0, NULL));
    g_assert_true(hermod_store_append(store, "INBOX", sixty, 0, 0, NULL, NULL));
}

static void
test_deliver(Fixture *fx, gconstpointer data)
{
    g_autoptr(GBytes) msg = g_bytes_new_static("Subject: hi\r\n\r\nbody\r\n", 21);
    g_autoptr(GPtrArray) both = g_ptr_array_new();
    g_autoptr(GError) error = NULL;
    const char *accounts[] = {ALICE, BOB};

    g_ptr_array_add(both, ALICE);
    g_ptr_array_add(both, BOB);
    g_assert_true(hermod_store_deliver(both, msg, &error));
    g_assert_no_error(error);
    for (gsize i = 0; i < G_N_ELEMENTS(accounts); i++) {
        g_autoptr(HermodStore) store = open_store(accounts[i]);
        check_bytes(store, "INBOX", 1, "Subject: hi\r\n\r\nbody\r\n", 21);
    }
}

static void
test_escaped_folder(Fixture *fx, gconstpointer data)
{
    g_autoptr(HermodStore) store = open_store("../../evil@example.test");
    g_autofree char *inside =
        g_build_filename(fx->dir, "mail", "example.test", "%2E.%2F..%2Fevil", "index.db", NULL);

    g_assert_true(g_file_test(inside, G_FILE_TEST_IS_REGULAR));
}

#define THREADS    4
#define PER_THREAD 25

static gpointer
appender(gpointer data)
{
    for (int i = 0; i < PER_THREAD; i++) {
        g_autoptr(HermodStore) store = open_store(ALICE);
        g_autofree char *text = g_strdup_printf("thread %p message %d", data, i);
        append(store, "INBOX", text, 0);
    }
    return NULL;
}

static void
test_threads(Fixture *fx, gconstpointer data)
{
    GThread *threads[THREADS];
    g_autoptr(HermodStore) store = NULL;
    g_autoptr(GPtrArray) msgs = NULL;

    for (int i = 0; i < THREADS; i++)
        threads[i] = g_thread_new("appender", appender, GINT_TO_POINTER(i + 1));
    for (int i = 0; i < THREADS; i++)
        g_thread_join(threads[i]);
    store = open_store(ALICE);
    msgs = hermod_store_messages(store, "INBOX", NULL);
    g_assert_cmpuint(msgs->len, ==, THREADS * PER_THREAD);
    for (guint i = 0; i < msgs->len; i++) {
        HermodStoreMessage *m = msgs->pdata[i];
        g_autoptr(GMappedFile) mf = hermod_store_open_message(store, "INBOX", m->uid, NULL);
        g_assert_cmpuint(m->uid, ==, i + 1);
        g_assert_nonnull(mf);
        g_assert_cmpuint(g_mapped_file_get_length(mf), ==, m->size);
    }
}

/* UIDs of INBOX whose field matches query, as "1 3". */
static char *
found(HermodStore *store, const char *field, const char *query)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) uids = hermod_store_search_text(store, "INBOX", field, query, &error);
    GString *out = g_string_new(NULL);

    g_assert_no_error(error);
    for (guint i = 0; i < uids->len; i++)
        g_string_append_printf(out, "%s%u", i > 0 ? " " : "", g_array_index(uids, guint32, i));
    return g_string_free(out, FALSE);
}

#define CHECK_FOUND(store, field, query, want)                                                     \
    do {                                                                                           \
        g_autofree char *got_ = found(store, field, query);                                        \
        g_assert_cmpstr(got_, ==, want);                                                           \
    } while (0)

/* The indexer reads plain-text messages itself and everything else with
 * GMime: both must give the same words, decoded. */
static void
test_search_text(Fixture *fx, gconstpointer data)
{
    g_autoptr(HermodStore) store = open_store(ALICE);

    /* 1: plain, an encoded-word subject, a folded header, UTF-8 body. */
    append(store, "INBOX",
           "From: a@example.test\r\nSubject: =?utf-8?q?J=C3=B6rg_Zebra?=\r\n"
           "X-Note: first\r\n second-line\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Grüße aus Köln, appletree\r\n",
           0);
    /* 2: quoted-printable: GMime decodes it. */
    append(store, "INBOX",
           "Subject: qp\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
           "Content-Transfer-Encoding: quoted-printable\r\n\r\nsoft=\r\nbreak caf=C3=A9\r\n",
           0);
    /* 3: Latin-1: GMime converts it. */
    append(store, "INBOX",
           "Subject: latin\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n"
           "na\xefve r\xe9sum\xe9\r\n",
           0);
    /* 4: multipart: only its text parts. */
    append(store, "INBOX",
           "Subject: multi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/alternative; "
           "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nplainpart\r\n--b\r\n"
           "Content-Type: text/html\r\n\r\n<p>htmlpart<b>bold</b></p>\r\n--b--\r\n",
           0);
    /* 5: no body at all. */
    append(store, "INBOX", "Subject: zebra only\r\n", 0);

    CHECK_FOUND(store, "text", "jörg", "1");
    CHECK_FOUND(store, "text", "zebra", "1 5");
    CHECK_FOUND(store, "body", "zebra", "");
    CHECK_FOUND(store, "text", "second-line", "1");
    CHECK_FOUND(store, "body", "köln appletree", "1");
    CHECK_FOUND(store, "body", "softbreak café", "2");
    CHECK_FOUND(store, "body", "naïve résumé", "3");
    CHECK_FOUND(store, "body", "plainpart", "4");
    CHECK_FOUND(store, "body", "htmlpart bold", "4");
    CHECK_FOUND(store, "body", "boundary", "");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
    ADD("/store/create", test_create);
    ADD("/store/append-read", test_append_read);
    ADD("/store/errors", test_errors);
    ADD("/store/reopen", test_reopen);
    ADD("/store/orphans", test_orphans);
    ADD("/store/quota", test_quota);
    ADD("/store/deliver", test_deliver);
    ADD("/store/escaped-folder", test_escaped_folder);
    ADD("/store/threads", test_threads);
    ADD("/store/search-text", test_search_text);
#undef ADD
    return g_test_run();
}
