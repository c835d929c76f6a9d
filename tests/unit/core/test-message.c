/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-message.c - the one submission path: local recipients.
 *
 * hermod_message_submit() with local accounts and aliases: a copy with
 * Return-Path in each INBOX, alias fan-out to local and remote addresses,
 * duplicates dropped; over quota, unknown recipient and over-size
 * refusals; NOTIFY=SUCCESS for a local account; a local sender's failure
 * report (headers only past bounce_size_limit).  Remote parts go to
 * smtp-peer.py (queue-peer.h).
 */
#include "autoconfig.h"

#include <string.h>
#include <gio/gio.h>
#include <gmime/gmime.h>

#include "directory/directory.h"
#include "mailflow/message.h"
#include "queue-peer.h"
#include "mailflow/queue.h"
#include "store/store.h"

/* The one message in account's INBOX. */
static GBytes *
inbox_message(const char *account)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodStore) store = hermod_store_open(account, &err);
    g_assert_no_error(err);
    g_autoptr(GPtrArray) msgs = hermod_store_messages(store, "INBOX", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(msgs->len, ==, 1);
    HermodStoreMessage *m = g_ptr_array_index(msgs, 0);
    g_autoptr(GMappedFile) file = hermod_store_open_message(store, "INBOX", m->uid, &err);
    g_assert_no_error(err);
    return g_mapped_file_get_bytes(file);
}

static guint
inbox_count(const char *account)
{
    g_autoptr(HermodStore) store = hermod_store_open(account, NULL);
    g_autoptr(GPtrArray) msgs = store != NULL ? hermod_store_messages(store, "INBOX", NULL) : NULL;

    return msgs != NULL ? msgs->len : 0;
}

static void
add_local(void)
{
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_directory_domain_add("hermod.test", &err));
    g_assert_true(hermod_directory_user_add("dave@hermod.test", "secret-1", &err));
    g_assert_true(hermod_directory_user_add("erin@hermod.test", "secret-2", &err));
    g_assert_true(hermod_directory_alias_add("team@hermod.test", "dave@hermod.test", &err));
    g_assert_true(hermod_directory_alias_add("team@hermod.test", "bob@example.org", &err));
    g_assert_no_error(err);
}

/* Local accounts get a copy with Return-Path; an alias fans out to a local
 * account (once, though named twice) and a remote address (queued). */
static void
test_local(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"team@hermod.test", "DAVE@hermod.test", "erin@hermod.test", NULL};
    g_autoptr(GError) err = NULL;

    add_local();
    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, test_body);
    g_autofree char *want_text =
        g_strconcat("Return-Path: <alice@sender.test>\r\n", test_body, NULL);
    g_autoptr(GBytes) want = g_bytes_new_static(want_text, strlen(want_text));
    g_autoptr(GBytes) dave = inbox_message("dave@hermod.test");
    g_autoptr(GBytes) erin = inbox_message("erin@hermod.test");
    g_assert_true(g_bytes_equal(dave, want));
    g_assert_true(g_bytes_equal(erin, want));
    g_assert_true(wait_messages(f, 1));
    g_autofree char *to = peer_string(f, 1, "rcpts");
    g_assert_cmpstr(to, ==, "bob@example.org");
    /* The queued copy is the content as submitted: the Return-Path put in
     * front of it for the local copies is gone again. */
    g_autoptr(GBytes) remote = peer_body(f, 1);
    gsize len = 0;
    const char *got = g_bytes_get_data(remote, &len);
    g_assert_cmpuint(len, >=, strlen(test_body));
    g_assert_cmpmem(got + len - strlen(test_body), strlen(test_body), test_body, strlen(test_body));
    g_assert_null(g_strstr_len(got, (gssize)len, "Return-Path"));
    g_assert_true(wait_empty());
}

static void
submit_fails(const char *rcpt, gint code)
{
    g_autoptr(GError) err = NULL;
    HermodMessage *msg = hermod_message_new("TEST");
    char *id = NULL;

    hermod_message_set_sender(msg, "alice@sender.test", NULL);
    hermod_message_add_recipient(msg, rcpt, HERMOD_NOTIFY_DEFAULT, NULL);
    hermod_message_append(msg, test_body, strlen(test_body));
    g_assert_false(hermod_message_submit(msg, &id, &err));
    g_assert_error(err, HERMOD_SUBMIT_ERROR, code);
    g_assert_null(id);
    hermod_message_free(msg);
}

/* Refusals: over quota, unknown local address, over the size limit. */
static void
test_refusals(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;

    add_local();
    g_assert_true(hermod_directory_user_set_quota("erin@hermod.test", 16, &err));
    submit_fails("erin@hermod.test", HERMOD_SUBMIT_ERROR_QUOTA);
    submit_fails("nobody@hermod.test", HERMOD_SUBMIT_ERROR_REJECTED);

    HermodMessage *msg = hermod_message_new("TEST");
    hermod_message_set_limit(msg, 10);
    g_assert_true(hermod_message_append(msg, "12345", 5));
    g_assert_false(hermod_message_append(msg, "1234567890", 10));
    g_assert_cmpuint(hermod_message_size(msg), ==, 15);
    hermod_message_add_recipient(msg, "dave@hermod.test", HERMOD_NOTIFY_DEFAULT, NULL);
    g_assert_false(hermod_message_submit(msg, NULL, &err));
    g_assert_error(err, HERMOD_SUBMIT_ERROR, HERMOD_SUBMIT_ERROR_TOO_BIG);
    hermod_message_free(msg);
    g_assert_cmpuint(hermod_queue_length(), ==, 0);
}

/* NOTIFY=SUCCESS for a local account: a "delivered" report. */
static void
test_local_success(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"dave@hermod.test", NULL};
    g_autoptr(GError) err = NULL;

    add_local();
    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_SUCCESS, test_body);
    g_assert_true(wait_messages(f, 1));
    g_autofree char *from = peer_string(f, 1, "from");
    g_assert_cmpstr(from, ==, "<>");
    g_autoptr(GBytes) report = peer_body(f, 1);
    check_report(report, "delivered", "2.0.0", "dave@hermod.test", "text/rfc822-headers");
}

/* A local sender's failure report lands in its INBOX with the null
 * Return-Path; past bounce_size_limit it carries the headers only. */
static void
test_local_bounce(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"reject@example.org", NULL};
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) big = g_string_new("Subject: large\r\n\r\n");

    add_local();
    for (guint i = 0; i < 100; i++)
        g_string_append(big, "0123456789012345678901234567890123456789\r\n");
    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("dave@hermod.test", rcpts, HERMOD_NOTIFY_DEFAULT, big->str);
    for (int i = 0; i < WAIT_S * 20 && inbox_count("dave@hermod.test") == 0; i++)
        g_usleep(G_USEC_PER_SEC / 20);
    g_autoptr(GBytes) report = inbox_message("dave@hermod.test");
    g_assert_true(g_str_has_prefix(g_bytes_get_data(report, NULL), "Return-Path: <>\r\n"));
    check_report(report, "failed", "5.1.1", "reject@example.org", "text/rfc822-headers");
    g_assert_true(wait_empty());
}

static const Setup small_bounce = {.conf = "bounce_size_limit = 1K\n"};

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_mime_init();
    g_test_add("/message/local", Fixture, NULL, setup, test_local, teardown);
    g_test_add("/message/refusals", Fixture, NULL, setup, test_refusals, teardown);
    g_test_add("/message/local-success", Fixture, NULL, setup, test_local_success, teardown);
    g_test_add("/message/local-bounce", Fixture, &small_bounce, setup, test_local_bounce, teardown);
    return g_test_run();
}
