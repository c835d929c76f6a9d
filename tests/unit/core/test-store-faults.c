/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-store-faults.c - an account index that fails is never read as an
 * empty or short mailbox, or as a message or mailbox that does not exist:
 * a scan that breaks mid-way (a corrupted page of index.db on disk, or a
 * failure at an exact row, dbfault.h) fails with HERMOD_STORE_ERROR_DB
 * (HERMOD_MAIL_ERROR_IO through the module table) instead of returning
 * the rows read so far, which an IMAP client would take for expunges;
 * lookups on a broken table fail instead of saying NO_MAILBOX or
 * NO_MESSAGE, change nothing, and answer again once it is repaired; and
 * a quota the directory cannot read fails the append instead of counting
 * as "unlimited".
 */
#include "autoconfig.h"

#include "dbfault.h"
#include "tmpdir.h"
#include "directory/directory.h"
#include "plugin/mail-api.h"
#include "store/store-private.h"

#define ALICE    "alice@example.test"
#define ROUNDS   10 /* INBOX doubles each round: 1024 messages, several leaf pages */
#define MESSAGES (1u << ROUNDS)
/* The SQL of the scan behind hermod_store_messages (store-read.c). */
#define MESSAGES_SCAN "FROM messages WHERE mailbox_id = ? AND modseq > ?"

typedef struct {
    char *dir;
    char *index_path;
    HermodStore *store;
} Fixture;

static void
append(HermodStore *store, const char *mailbox, const char *text)
{
    g_autoptr(GBytes) data = g_bytes_new(text, strlen(text));
    g_autoptr(GError) error = NULL;

    g_assert_true(hermod_store_append(store, mailbox, data, 0, 0, NULL, &error));
    g_assert_no_error(error);
}

/* INBOX with MESSAGES messages: one appended, then copied onto itself
 * (hard links, one transaction a round), so that it is quick. */
static void
fill_inbox(HermodStore *store)
{
    g_autoptr(GArray) uids = g_array_new(FALSE, FALSE, sizeof(guint32));
    g_autoptr(GError) error = NULL;

    append(store, "INBOX", "From: a@b.test\r\nSubject: fault\r\n\r\nbody\r\n");
    for (guint32 uid = 1; uid <= MESSAGES; uid++)
        g_array_append_val(uids, uid);
    for (guint n = 1; n < MESSAGES; n *= 2) {
        HermodStoreCopy copy = {(const guint32 *)uids->data, n, "INBOX", FALSE};
        g_assert_true(hermod_store_copy(store, "INBOX", &copy, NULL, NULL, NULL, &error));
        g_assert_no_error(error);
    }
}

static void
setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fx->dir = g_dir_make_tmp("hermod-storefault-XXXXXX", &error);
    g_assert_true(hermod_directory_open(fx->dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_user_add(ALICE, "pw", &error));
    g_assert_no_error(error);
    hermod_store_set_root(fx->dir);
    fx->store = hermod_store_open(ALICE, &error);
    g_assert_no_error(error);
    fx->index_path = g_build_filename(fx->store->dir, "index.db", NULL);
    fill_inbox(fx->store);
}

static void
teardown(Fixture *fx, gconstpointer data)
{
    hermod_store_unref(fx->store);
    hermod_store_shutdown();
    hermod_directory_close();
    test_rm_rf(fx->dir);
    g_free(fx->index_path);
    g_free(fx->dir);
}

/* The fault hooks of dbfault.h on the store's connection, set and cleared
 * under its lock: the indexer thread (store-search.c, fed by the append
 * in setup) may be stepping on that connection meanwhile, and SQLite does
 * no locking of its own on it (SQLITE_OPEN_NOMUTEX, store-index.c). */
static void
arm(HermodStore *store, DbFault *f, const char *sql, guint after)
{
    g_mutex_lock(&store->lock);
    db_fault_after_rows(store->db, f, sql, after);
    g_mutex_unlock(&store->lock);
}

static void
disarm(HermodStore *store)
{
    g_mutex_lock(&store->lock);
    db_fault_clear(store->db);
    g_mutex_unlock(&store->lock);
}

static guint
count_messages(HermodStore *store, const char *mailbox)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = hermod_store_messages(store, mailbox, &error);

    g_assert_no_error(error);
    return list->len;
}

/* A page of the messages table is garbage on disk: the scan that reaches
 * it fails, and so do the module table's calls, as IO, never as an empty
 * mailbox or a missing message.  (SQLite reads this scan through the
 * modseq index and sorts it by UID, so here it fails before its first
 * row: the loop that stopped on anything but SQLITE_ROW returned an empty
 * INBOX, every message "expunged".  test_scans_mid_way breaks scans after
 * a given row.) */
static void
test_corrupt_page(Fixture *fx, gconstpointer data)
{
    const HermodMailApi *mail = &hermod_mail_api;
    HermodMailStore *ms = (HermodMailStore *)fx->store;
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) mail_error = NULL;
    g_autoptr(GError) read_error = NULL;
    g_autoptr(GBytes) first = NULL;
    DbFault rows;

    g_assert_cmpuint(count_messages(fx->store, "INBOX"), ==, MESSAGES);
    g_mutex_lock(&fx->store->lock); /* the indexer thread shares the connection */
    g_assert_cmpuint(db_fault_corrupt_leaf(fx->store->db, fx->index_path, "messages"), >, 2);
    db_fault_after_rows(fx->store->db, &rows, MESSAGES_SCAN, G_MAXUINT); /* counts only */
    g_mutex_unlock(&fx->store->lock);
    g_assert_null(hermod_store_messages(fx->store, "INBOX", &error));
    disarm(fx->store);
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_test_message("failed after %u of %u rows: %s", rows.rows, MESSAGES, error->message);
    g_assert_cmpuint(rows.rows, <, MESSAGES);
    g_assert_null(mail->messages(ms, "INBOX", 0, &mail_error));
    g_assert_error(mail_error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_IO);
    /* UID 1 lives on an intact page; the last UID on the broken one. */
    first = hermod_store_read_message(fx->store, "INBOX", 1, &read_error);
    g_assert_no_error(read_error);
    g_assert_nonnull(first);
    g_assert_null(hermod_store_read_message(fx->store, "INBOX", MESSAGES, &read_error));
    g_assert_error(read_error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
}

/* Each scan fails when it breaks after some rows, and gives everything
 * again once the fault is gone. */
static void
test_scans_mid_way(Fixture *fx, gconstpointer data)
{
    static const guint32 five[] = {1, 2, 3, 4, 5};
    static const char *const kw[] = {"$Fault", NULL};
    HermodStoreFlagChange tag = {five, 5, HERMOD_STORE_FLAGS_ADD, HERMOD_MAIL_FLAG_DELETED, kw, 0};
    g_autoptr(GArray) gone = NULL;
    g_autoptr(GError) error = NULL;
    DbFault fault;

    arm(fx->store, &fault, MESSAGES_SCAN, 100);
    g_assert_null(hermod_store_messages(fx->store, "INBOX", &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_assert_cmpuint(fault.rows, ==, 100);
    g_clear_error(&error);
    arm(fx->store, &fault, "GROUP BY b.id ORDER BY b.name", 2);
    g_assert_null(hermod_store_mailboxes(fx->store, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_clear_error(&error);
    g_assert_true(hermod_store_update_flags(fx->store, "INBOX", &tag, NULL, &error));
    arm(fx->store, &fault, "SELECT k.message_id", 1);
    g_assert_null(hermod_store_messages(fx->store, "INBOX", &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_clear_error(&error);
    disarm(fx->store);
    gone = hermod_store_expunge(fx->store, "INBOX", NULL, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(gone->len, ==, 5);
    arm(fx->store, &fault, "SELECT uid FROM expunged", 2);
    g_assert_null(hermod_store_expunged_since(fx->store, "INBOX", 0, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    disarm(fx->store);
    g_clear_pointer(&gone, g_array_unref);
    gone = hermod_store_expunged_since(fx->store, "INBOX", 0, NULL);
    g_assert_cmpuint(gone->len, ==, 5);
    g_assert_cmpuint(count_messages(fx->store, "INBOX"), ==, MESSAGES - 5);
}

/* With the messages table gone the mailbox and the message are still
 * there: every lookup fails with DB, none says NO_MAILBOX or NO_MESSAGE,
 * and nothing is changed. */
static void
assert_messages_table_fails(HermodStore *store)
{
    static const guint32 one = 1;
    HermodStoreFlagChange seen = {&one, 1, HERMOD_STORE_FLAGS_ADD, HERMOD_MAIL_FLAG_SEEN, NULL, 0};
    HermodStoreCopy copy = {&one, 1, "Archive", FALSE};
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    g_autoptr(GError) e3 = NULL;
    g_autoptr(GError) e4 = NULL;
    g_autoptr(GError) e5 = NULL;
    g_autoptr(GError) e6 = NULL;
    char *value = NULL;

    g_assert_null(hermod_store_mailbox_status(store, "INBOX", &e1));
    g_assert_error(e1, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_assert_null(hermod_store_read_message(store, "INBOX", 1, &e2));
    g_assert_error(e2, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_assert_false(hermod_store_update_flags(store, "INBOX", &seen, NULL, &e3));
    g_assert_error(e3, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_assert_false(hermod_store_copy(store, "INBOX", &copy, NULL, NULL, NULL, &e4));
    g_assert_error(e4, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_assert_false(hermod_store_cache_get(store, "INBOX", 1, "envelope", &value, &e5));
    g_assert_error(e5, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_assert_false(hermod_store_mailbox_delete(store, "Sent", &e6));
    g_assert_error(e6, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
}

static void
test_broken_lookup(Fixture *fx, gconstpointer data)
{
    const HermodMailApi *mail = &hermod_mail_api;
    g_autoptr(GError) error = NULL;
    HermodStoreMailbox *inbox;

    db_fault_exec(fx->index_path, "ALTER TABLE messages RENAME TO messages_away");
    assert_messages_table_fails(fx->store);
    g_assert_null(mail->read_message((HermodMailStore *)fx->store, "INBOX", 1, &error));
    g_assert_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_IO);
    db_fault_exec(fx->index_path, "ALTER TABLE messages_away RENAME TO messages");
    inbox = hermod_store_mailbox_status(fx->store, "INBOX", NULL);
    g_assert_nonnull(inbox);
    g_assert_cmpuint(inbox->messages, ==, MESSAGES);
    g_assert_cmpuint(inbox->unseen, ==, MESSAGES); /* the failed STORE changed nothing */
    hermod_store_mailbox_free(inbox);
    inbox = hermod_store_mailbox_status(fx->store, "Sent", NULL);
    g_assert_nonnull(inbox); /* the failed delete left it */
    hermod_store_mailbox_free(inbox);
    g_assert_cmpuint(count_messages(fx->store, "Archive"), ==, 0);
}

/* The quota comes from the directory: when it cannot be read the append
 * fails (DB, not "unlimited"), and so does the quota call. */
static void
test_quota_unreadable(Fixture *fx, gconstpointer data)
{
    g_autofree char *dir_db = g_build_filename(fx->dir, "hermod.db", NULL);
    g_autoptr(GBytes) msg = g_bytes_new_static("Subject: q\r\n\r\nq\r\n", 16);
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) quota_error = NULL;
    guint64 used = 0, limit = 0;

    g_assert_true(hermod_directory_user_set_quota(ALICE, 1, &error));
    db_fault_exec(dir_db, "ALTER TABLE accounts RENAME TO accounts_away");
    g_assert_false(hermod_store_append(fx->store, "INBOX", msg, 0, 0, NULL, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    g_assert_false(hermod_store_quota(fx->store, &used, &limit, &quota_error));
    g_assert_error(quota_error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_DB);
    db_fault_exec(dir_db, "ALTER TABLE accounts_away RENAME TO accounts");
    g_clear_error(&error);
    g_assert_false(hermod_store_append(fx->store, "INBOX", msg, 0, 0, NULL, &error));
    g_assert_error(error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA);
    g_assert_cmpuint(count_messages(fx->store, "INBOX"), ==, MESSAGES);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
    ADD("/store/faults/corrupt-page", test_corrupt_page);
    ADD("/store/faults/scans-mid-way", test_scans_mid_way);
    ADD("/store/faults/broken-lookup", test_broken_lookup);
    ADD("/store/faults/quota-unreadable", test_quota_unreadable);
    return g_test_run();
}
