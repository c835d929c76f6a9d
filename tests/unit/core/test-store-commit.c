/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-store-commit.c - the store's group commit (core/store/store-append.c):
 * many threads appending to one account get unique UIDs, in order per
 * thread, and every acknowledged message is there byte for byte after the
 * store is closed and reopened; within one batch, a member that fails (over
 * quota, no such mailbox) fails alone and the others get consecutive UIDs
 * in arrival order; the batch writes its small members' files, a big
 * message writes its own; processes opening a new store at once all
 * succeed.  To build a batch deterministically the test holds the
 * account lock itself, so it reads the store's private header.
 */
#include "autoconfig.h"

#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "tmpdir.h"
#include "directory/directory.h"
#include "store/store-private.h"

#define ALICE      "alice@example.test"
#define THREADS    16
#define PER_THREAD 25

typedef struct {
    char *dir;
} Fixture;

static void
setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fx->dir = g_dir_make_tmp("hermod-commit-XXXXXX", &error);
    g_assert_no_error(error);
    g_assert_true(hermod_directory_open(fx->dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_user_add(ALICE, "pw", &error));
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

static char *
body_of(guint thread, guint i, gsize extra)
{
    g_autofree char *pad = g_strnfill(extra, 'p');

    return g_strdup_printf("Subject: t%u m%u\r\n\r\n%s\r\n", thread, i, pad);
}

/* What one appending thread got: the UID of each message, 0 if none. */
typedef struct {
    HermodStore *store;
    guint n;
    guint32 uids[PER_THREAD];
} Sender;

static gpointer
sender_run(gpointer data)
{
    Sender *s = data;

    for (guint i = 0; i < PER_THREAD; i++) {
        g_autofree char *text = body_of(s->n, i, (s->n * 37 + i * 11) % 300);
        g_autoptr(GBytes) bytes = g_bytes_new(text, strlen(text));
        g_autoptr(GError) error = NULL;
        gboolean ok = hermod_store_append(s->store, "INBOX", bytes, 0, 0, &s->uids[i], &error);
        g_assert_no_error(error);
        g_assert_true(ok);
    }
    return NULL;
}

static void
check_message(HermodStore *store, guint32 uid, const char *want)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GMappedFile) mf = hermod_store_open_message(store, "INBOX", uid, &error);

    g_assert_no_error(error);
    g_assert_cmpmem(g_mapped_file_get_contents(mf), g_mapped_file_get_length(mf), want,
                    strlen(want));
}

static void
test_concurrent(Fixture *fx, gconstpointer data)
{
    HermodStore *store = hermod_store_open(ALICE, NULL);
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);
    g_autoptr(GPtrArray) msgs = NULL;
    Sender senders[THREADS];
    GThread *threads[THREADS];

    for (guint t = 0; t < THREADS; t++) {
        senders[t] = (Sender){store, t, {0}};
        threads[t] = g_thread_new("append", sender_run, &senders[t]);
    }
    for (guint t = 0; t < THREADS; t++)
        g_thread_join(threads[t]);
    hermod_store_unref(store);
    hermod_store_shutdown(); /* closes it: what follows reads a fresh open */
    store = hermod_store_open(ALICE, NULL);
    for (guint t = 0; t < THREADS; t++) {
        for (guint i = 0; i < PER_THREAD; i++) {
            guint32 uid = senders[t].uids[i];
            g_autofree char *want = body_of(t, i, (t * 37 + i * 11) % 300);
            g_assert_cmpuint(uid, >=, 1);
            g_assert_cmpuint(uid, <=, THREADS * PER_THREAD);
            g_assert_true(i == 0 || uid > senders[t].uids[i - 1]);
            g_assert_true(g_hash_table_add(seen, GUINT_TO_POINTER(uid)));
            check_message(store, uid, want);
        }
    }
    msgs = hermod_store_messages(store, "INBOX", NULL);
    g_assert_cmpuint(msgs->len, ==, THREADS * PER_THREAD);
    hermod_store_unref(store);
}

/* One member of a hand-built batch. */
typedef struct {
    HermodStore *store;
    const char *mailbox;
    gsize size;
    guint32 uid;
    GError *error;
    GThread *thread;
} Member;

static gpointer
member_run(gpointer data)
{
    Member *m = data;
    g_autofree char *text = g_strnfill(m->size, 'm');
    g_autoptr(GBytes) bytes = g_bytes_new(text, m->size);

    hermod_store_append(m->store, m->mailbox, bytes, 0, 0, &m->uid, &m->error);
    return NULL;
}

/* Wait (bounded) until the store has n appends queued behind a batch. */
static void
wait_pending(HermodStore *store, guint n, gboolean is_committing)
{
    for (int i = 0; i < 5000; i++) {
        g_mutex_lock(&store->batch_lock);
        gboolean is_there = store->pending->len == n && store->is_committing == is_committing;
        g_mutex_unlock(&store->batch_lock);
        if (is_there)
            return;
        g_usleep(1000);
    }
    g_assert_not_reached();
}

static void
start_member(Member *m, HermodStore *store, const char *mailbox, gsize size)
{
    *m = (Member){store, mailbox, size, 0, NULL, NULL};
    m->thread = g_thread_new("member", member_run, m);
}

static void
test_member_fails_alone(Fixture *fx, gconstpointer data)
{
    g_autoptr(HermodStore) store = hermod_store_open(ALICE, NULL);
    /* first leads a batch of one and waits for the lock we hold; the
     * rest queue behind it and become one batch when we let go. */
    static const struct {
        const char *mailbox;
        gsize size;
        guint32 uid; /* 0: must fail */
    } plan[] = {{"INBOX", 100, 1}, {"INBOX", 100, 2},  {"INBOX", 5000, 0}, {"Nope", 10, 0},
                {"inbox", 100, 3}, {"INBOX", 5000, 0}, {"Sent", 50, 1},    {"INBOX", 100, 4}};
    Member members[G_N_ELEMENTS(plan)];

    g_assert_true(hermod_directory_user_set_quota(ALICE, 1000, NULL));
    g_mutex_lock(&store->lock);
    start_member(&members[0], store, plan[0].mailbox, plan[0].size);
    wait_pending(store, 0, TRUE);
    for (guint i = 1; i < G_N_ELEMENTS(plan); i++) {
        start_member(&members[i], store, plan[i].mailbox, plan[i].size);
        wait_pending(store, i, TRUE);
    }
    g_mutex_unlock(&store->lock);
    for (guint i = 0; i < G_N_ELEMENTS(plan); i++) {
        g_thread_join(members[i].thread);
        g_assert_cmpuint(members[i].uid, ==, plan[i].uid);
        if (plan[i].uid == 0)
            g_assert_nonnull(members[i].error);
        else
            g_assert_no_error(members[i].error);
        g_clear_error(&members[i].error);
    }
    g_assert_cmpuint(store->used, ==, 450);
    g_autoptr(GPtrArray) inbox = hermod_store_messages(store, "INBOX", NULL);
    g_assert_cmpuint(inbox->len, ==, 4);
    /* The batch saved each mailbox once, as its last row left it: the
     * failed members took back what they had changed. */
    StoreBox box;
    g_mutex_lock(&store->lock);
    g_assert_true(hermod_store_box(store, "INBOX", &box, NULL));
    g_mutex_unlock(&store->lock);
    g_assert_cmpuint(box.uidnext, ==, 5);
    g_assert_cmpuint(box.highestmodseq, ==, 5);
}

/* The errors a member gets are its own: over quota and no mailbox. */
static void
test_member_errors(Fixture *fx, gconstpointer data)
{
    g_autoptr(HermodStore) store = hermod_store_open(ALICE, NULL);
    Member big, none, fine;

    g_assert_true(hermod_directory_user_set_quota(ALICE, 1000, NULL));
    g_mutex_lock(&store->lock);
    start_member(&fine, store, "INBOX", 10);
    wait_pending(store, 0, TRUE);
    start_member(&big, store, "INBOX", 2000);
    wait_pending(store, 1, TRUE);
    start_member(&none, store, "Nope", 10);
    wait_pending(store, 2, TRUE);
    g_mutex_unlock(&store->lock);
    g_thread_join(fine.thread);
    g_thread_join(big.thread);
    g_thread_join(none.thread);
    g_assert_no_error(fine.error);
    g_assert_error(big.error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA);
    g_assert_error(none.error, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_NO_MAILBOX);
    g_clear_error(&big.error);
    g_clear_error(&none.error);
}

static guint
count_files(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    guint n = 0;

    while (d != NULL && g_dir_read_name(d) != NULL)
        n++;
    return n;
}

/* A small message's file is written by the batch that publishes it, a big
 * one's (over 256 KiB) by its own thread before it queues; either way
 * each message reads back byte for byte and tmp/ ends empty. */
static void
test_batch_writes_files(Fixture *fx, gconstpointer data)
{
    g_autoptr(HermodStore) store = hermod_store_open(ALICE, NULL);
    static const gsize sizes[] = {100, 300 * 1024, 200, 4096};
    Member members[G_N_ELEMENTS(sizes)];

    g_mutex_lock(&store->lock);
    start_member(&members[0], store, "INBOX", sizes[0]);
    wait_pending(store, 0, TRUE);
    for (guint i = 1; i < G_N_ELEMENTS(sizes); i++) {
        start_member(&members[i], store, "INBOX", sizes[i]);
        wait_pending(store, i, TRUE);
    }
    /* The first batch wrote its one file and waits for the lock; of the
     * queued ones only the big message has a file yet. */
    g_assert_cmpuint(count_files(store->tmp_dir), ==, 2);
    g_mutex_unlock(&store->lock);
    for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
        g_autofree char *want = g_strnfill(sizes[i], 'm');
        g_thread_join(members[i].thread);
        g_assert_no_error(members[i].error);
        g_assert_cmpuint(members[i].uid, ==, i + 1);
        check_message(store, members[i].uid, want);
    }
    g_assert_cmpuint(count_files(store->tmp_dir), ==, 0);
    g_assert_cmpuint(count_files(store->msg_dir), ==, G_N_ELEMENTS(sizes));
}

/* Processes that open a new account's store at the same moment (hermodd
 * storing its first message while hermodctl lists it) all succeed: the
 * new database's switch to WAL was answered "database is locked" at
 * once for one of two racers in about one race in sixty. */
static void
test_new_store_race(Fixture *fx, gconstpointer data)
{
    enum { ROUNDS = 100, RACERS = 3 };

    for (guint r = 0; r < ROUNDS; r++) {
        g_autofree char *account = g_strdup_printf("racer%u@example.test", r);
        int gate[2];
        pid_t pids[RACERS];

        g_assert_cmpint(pipe(gate), ==, 0);
        for (guint i = 0; i < RACERS; i++) {
            pids[i] = fork();
            g_assert_cmpint(pids[i], >=, 0);
            if (pids[i] == 0) {
                char c;
                g_autoptr(GError) error = NULL;
                close(gate[1]);
                (void)read(gate[0], &c, 1); /* returns once the parent closes */
                HermodStore *store = hermod_store_open(account, &error);
                if (store == NULL)
                    g_printerr("racer: %s\n", error->message);
                _exit(store != NULL ? 0 : 1);
            }
        }
        close(gate[0]);
        close(gate[1]);
        for (guint i = 0; i < RACERS; i++) {
            int status = 0;
            g_assert_cmpint(waitpid(pids[i], &status, 0), ==, pids[i]);
            g_assert_true(WIFEXITED(status));
            g_assert_cmpint(WEXITSTATUS(status), ==, 0);
        }
    }
}

/* Nothing is left in tmp/ or msg/ by the failed members. */
static void
test_no_leftovers(Fixture *fx, gconstpointer data)
{
    test_member_fails_alone(fx, data);
    g_autoptr(HermodStore) store = hermod_store_open(ALICE, NULL);
    g_autoptr(GDir) tmp = g_dir_open(store->tmp_dir, 0, NULL);
    g_autoptr(GDir) msg = g_dir_open(store->msg_dir, 0, NULL);
    guint n = 0;

    g_assert_null(g_dir_read_name(tmp));
    while (g_dir_read_name(msg) != NULL)
        n++;
    g_assert_cmpuint(n, ==, 5);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
    ADD("/store-commit/concurrent", test_concurrent);
    ADD("/store-commit/member-fails-alone", test_member_fails_alone);
    ADD("/store-commit/member-errors", test_member_errors);
    ADD("/store-commit/no-leftovers", test_no_leftovers);
    ADD("/store-commit/batch-writes-files", test_batch_writes_files);
    ADD("/store-commit/new-store-race", test_new_store_race);
#undef ADD
    return g_test_run();
}
