/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-queue.c - the outbound queue against a real SMTP peer on loopback.
 *
 * Each test starts tests/unit/core/smtp-peer.py (aiosmtpd) on a free
 * 127.0.0.1 port, routes example.org and sender.test to it through
 * [routes], and submits through hermod_message_submit(), the path every
 * module uses.  Covered: envelope and byte-exact body, a 550 recipient and
 * the failure report (multipart/report structure) sent back to the sender,
 * 451 retried with back-off, a restart keeping queued messages, the null
 * sender never bounced, NOTIFY=SUCCESS giving a "relayed" report, the delay
 * notice and expiry, hermodctl's queue commands.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>

#include "certgen.h"
#include "ctl.h"
#include "directory.h"
#include "message.h"
#include "queue-file.h"
#include "queue-route.h"
#include "queue.h"
#include "store.h"

extern const HermodCtlCommand hermod_ctl_queue_commands[];

#define WAIT_S 20

/* What a test wants of its setup. */
typedef struct {
    const char *conf; /* more [queue] lines */
    gboolean is_tls;  /* the peer offers STARTTLS */
    gboolean is_dsn;  /* the peer announces DSN */
} Setup;

typedef struct {
    char *dir;
    char *out;
    GSocket *mute; /* listens, never accepts: a peer that never greets */
    GSubprocess *peer;
    HermodConfig *cfg;
} Fixture;

static char *
peer_script(void)
{
    const char *src = g_getenv("HERMOD_SRCDIR");

    return g_build_filename(src != NULL ? src : ".", "tests", "unit", "core", "smtp-peer.py", NULL);
}

static guint
start_peer(Fixture *f, const Setup *how)
{
    g_autofree char *script = peer_script();
    g_autofree char *port_file = g_build_filename(f->dir, "peer.port", NULL);
    g_autofree char *crt = g_build_filename(f->dir, "peer.crt", NULL);
    g_autofree char *key = g_build_filename(f->dir, "peer.key", NULL);
    g_autoptr(GError) err = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GPtrArray) argv = g_ptr_array_new();

    g_ptr_array_add(argv, "/usr/bin/python3");
    g_ptr_array_add(argv, script);
    g_ptr_array_add(argv, port_file);
    g_ptr_array_add(argv, f->out);
    g_ptr_array_add(argv, "90");
    if (how != NULL && how->is_tls) {
        HermodCertgenParams params = {.host = "peer.test", .key_type = HERMOD_CERTGEN_KEY_ECDSA};
        g_assert_true(hermod_certgen_write(&params, f->dir, "peer", FALSE, &err));
        g_ptr_array_add(argv, "--tls");
        g_ptr_array_add(argv, crt);
        g_ptr_array_add(argv, key);
    }
    if (how != NULL && how->is_dsn)
        g_ptr_array_add(argv, "--dsn");
    g_ptr_array_add(argv, NULL);
    f->peer = g_subprocess_newv((const char *const *)argv->pdata, G_SUBPROCESS_FLAGS_NONE, &err);
    g_assert_no_error(err);
    for (int i = 0; i < WAIT_S * 20 && !g_file_test(port_file, G_FILE_TEST_EXISTS); i++)
        g_usleep(G_USEC_PER_SEC / 20);
    g_assert_true(g_file_get_contents(port_file, &text, NULL, NULL));
    return (guint)g_ascii_strtoull(text, NULL, 10);
}

/* A loopback port nobody listens on (bound, then closed). */
static guint
closed_port(void)
{
    g_autoptr(GSocket) s =
        g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);

    g_assert_true(g_socket_bind(s, any, FALSE, NULL));
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(s, NULL);
    guint port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
    g_socket_close(s, NULL);
    return port;
}

static guint
mute_port(Fixture *f)
{
    g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
    g_autoptr(GSocketAddress) any = g_inet_socket_address_new(lo, 0);

    f->mute = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
    g_assert_true(g_socket_bind(f->mute, any, FALSE, NULL));
    g_assert_true(g_socket_listen(f->mute, NULL));
    g_autoptr(GSocketAddress) bound = g_socket_get_local_address(f->mute, NULL);
    return g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
}

static void
setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    const Setup *how = data;
    const char *extra = how != NULL ? how->conf : NULL;

    f->dir = g_dir_make_tmp("hermod-queue-XXXXXX", &err);
    g_assert_no_error(err);
    f->out = g_build_filename(f->dir, "peer", NULL);
    g_mkdir(f->out, 0700);
    guint port = start_peer(f, how);
    g_autofree char *conf = g_strdup_printf("[core]\ndata_dir = %s\nhostname = mx.hermod.test\n"
                                            "[queue]\nretry_min = 1s\nretry_max = 4s\n"
                                            "timeout = 10s\n%s\n"
                                            "[routes]\nexample.org = 127.0.0.1:%u\n"
                                            "sender.test = 127.0.0.1:%u\n"
                                            "down.test = 127.0.0.1:%u\n"
                                            "mute.test = 127.0.0.1:%u\n",
                                            f->dir, extra != NULL ? extra : "", port, port,
                                            closed_port(), mute_port(f));
    f->cfg = hermod_config_load_data(conf, "test.conf", NULL, &err);
    g_assert_no_error(err);
    hermod_config_set_current(f->cfg);
    g_assert_true(hermod_directory_open(f->dir, &err));
    g_assert_no_error(err);
    g_assert_true(hermod_queue_open(f->cfg, &err));
    g_assert_no_error(err);
    hermod_store_set_root(f->dir);
}

static void
rm_rf(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            rm_rf(child);
        else
            g_unlink(child);
    }
    g_rmdir(path);
}

static void
teardown(Fixture *f, gconstpointer data)
{
    hermod_queue_close();
    hermod_store_shutdown();
    hermod_directory_close();
    hermod_config_set_current(NULL);
    g_subprocess_force_exit(f->peer);
    g_subprocess_wait(f->peer, NULL, NULL);
    g_object_unref(f->peer);
    hermod_config_unref(f->cfg);
    g_socket_close(f->mute, NULL);
    g_object_unref(f->mute);
    rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->out);
}

static char *
submit(const char *sender, const char *const *rcpts, guint notify, const char *body)
{
    g_autoptr(GError) err = NULL;
    HermodMessage *msg = hermod_message_new("TEST");
    char *id = NULL;

    hermod_message_set_sender(msg, sender, "ENV-42");
    for (guint i = 0; rcpts[i] != NULL; i++)
        hermod_message_add_recipient(msg, rcpts[i], notify, NULL);
    g_assert_true(hermod_message_append(msg, body, strlen(body)));
    g_assert_true(hermod_message_submit(msg, &id, &err));
    g_assert_no_error(err);
    hermod_message_free(msg);
    return id;
}

/* Wait until the peer has n messages; FALSE after WAIT_S seconds. */
static gboolean
wait_messages(Fixture *f, guint n)
{
    g_autofree char *path = g_strdup_printf("%s/%u.env", f->out, n);

    for (int i = 0; i < WAIT_S * 20; i++) {
        if (g_file_test(path, G_FILE_TEST_EXISTS))
            return TRUE;
        g_usleep(G_USEC_PER_SEC / 20);
    }
    return FALSE;
}

static gboolean
wait_empty(void)
{
    for (int i = 0; i < WAIT_S * 20; i++) {
        if (hermod_queue_length() == 0)
            return TRUE;
        g_usleep(G_USEC_PER_SEC / 20);
    }
    return FALSE;
}

static GKeyFile *
peer_envelope(Fixture *f, guint n)
{
    g_autofree char *path = g_strdup_printf("%s/%u.env", f->out, n);
    GKeyFile *kf = g_key_file_new();

    g_assert_true(g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, NULL));
    return kf;
}

static char *
peer_string(Fixture *f, guint n, const char *key)
{
    g_autoptr(GKeyFile) kf = peer_envelope(f, n);

    return g_key_file_get_string(kf, "envelope", key, NULL);
}

static GBytes *
peer_body(Fixture *f, guint n)
{
    g_autofree char *path = g_strdup_printf("%s/%u.eml", f->out, n);
    char *data;
    gsize len;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

static const char body[] = "From: alice@sender.test\r\n"
                           "To: bob@example.org\r\n"
                           "Subject: queue test\r\n"
                           "\r\n"
                           "Hello Bob,\r\n"
                           ".a line with a leading dot\r\n"
                           ".\r\n"
                           "caf\xc3\xa9 \r\n"
                           "bye\r\n";

static void
test_deliver(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", "Carol@EXAMPLE.org", "bob@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    g_assert_nonnull(id);
    g_assert_true(wait_messages(f, 1));
    g_autofree char *from = peer_string(f, 1, "from");
    g_autofree char *to = peer_string(f, 1, "rcpts");
    g_autofree char *helo = peer_string(f, 1, "helo");
    g_autofree char *opts = peer_string(f, 1, "mail_options");
    g_assert_cmpstr(from, ==, "alice@sender.test");
    /* One transaction for the domain; the duplicate was dropped. */
    g_assert_cmpstr(to, ==, "bob@example.org;Carol@EXAMPLE.org");
    g_assert_cmpstr(helo, ==, "mx.hermod.test");
    g_assert_nonnull(strstr(opts, "SIZE="));
    g_autoptr(GBytes) got = peer_body(f, 1);
    g_autoptr(GBytes) want = g_bytes_new_static(body, strlen(body));
    g_assert_true(g_bytes_equal(got, want));
    g_assert_true(wait_empty());
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);
    g_autoptr(GPtrArray) ids = hermod_queue_file_list(qdir, &err);
    g_assert_cmpuint(ids->len, ==, 0);
}

static GMimeMessage *
parse(GBytes *bytes)
{
    gsize len;
    const char *p = g_bytes_get_data(bytes, &len);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(p, len);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);

    g_object_unref(parser);
    g_object_unref(stream);
    g_assert_nonnull(msg);
    return msg;
}

static char *
part_text(GMimeObject *part)
{
    GMimeStream *mem = g_mime_stream_mem_new();
    GMimeDataWrapper *content = g_mime_part_get_content(GMIME_PART(part));

    g_mime_data_wrapper_write_to_stream(content, mem);
    GByteArray *arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
    char *text = g_strndup((const char *)arr->data, arr->len);
    g_object_unref(mem);
    return text;
}

/* A failure report's structure, RFC 3464 section 2. */
static void
check_report(GBytes *report, const char *action, const char *status, const char *rcpt,
             const char *third_type)
{
    GMimeMessage *msg = parse(report);
    GMimeObject *top = g_mime_message_get_mime_part(msg);
    GMimeContentType *ct = g_mime_object_get_content_type(top);

    g_assert_true(g_mime_content_type_is_type(ct, "multipart", "report"));
    g_assert_cmpstr(g_mime_content_type_get_parameter(ct, "report-type"), ==, "delivery-status");
    GMimeMultipart *mp = GMIME_MULTIPART(top);
    g_assert_cmpint(g_mime_multipart_get_count(mp), ==, 3);
    ct = g_mime_object_get_content_type(g_mime_multipart_get_part(mp, 0));
    g_assert_true(g_mime_content_type_is_type(ct, "text", "plain"));
    GMimeObject *ds = g_mime_multipart_get_part(mp, 1);
    g_assert_true(g_mime_content_type_is_type(g_mime_object_get_content_type(ds), "message",
                                              "delivery-status"));
    ct = g_mime_object_get_content_type(g_mime_multipart_get_part(mp, 2));
    g_autofree char *third = g_mime_content_type_get_mime_type(ct);
    g_assert_cmpstr(third, ==, third_type);
    g_autofree char *fields = part_text(ds);
    g_autofree char *want_action = g_strdup_printf("Action: %s\r\n", action);
    g_autofree char *want_status = g_strdup_printf("Status: %s\r\n", status);
    g_autofree char *want_rcpt = g_strdup_printf("Final-Recipient: rfc822; %s\r\n", rcpt);
    g_assert_nonnull(strstr(fields, "Reporting-MTA: dns; mx.hermod.test\r\n"));
    g_assert_nonnull(strstr(fields, "Original-Envelope-Id: ENV-42\r\n"));
    g_assert_nonnull(strstr(fields, want_action));
    g_assert_nonnull(strstr(fields, want_status));
    g_assert_nonnull(strstr(fields, want_rcpt));
    g_object_unref(msg);
}

static void
test_reject(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"reject@example.org", "ok@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    g_assert_true(wait_messages(f, 2));
    g_autofree char *to1 = peer_string(f, 1, "rcpts");
    g_assert_cmpstr(to1, ==, "ok@example.org");
    /* The report goes to the sender with the null sender. */
    g_autofree char *from2 = peer_string(f, 2, "from");
    g_autofree char *to2 = peer_string(f, 2, "rcpts");
    g_assert_cmpstr(from2, ==, "<>");
    g_assert_cmpstr(to2, ==, "alice@sender.test");
    g_autoptr(GBytes) report = peer_body(f, 2);
    check_report(report, "failed", "5.1.1", "reject@example.org", "message/rfc822");
    g_autofree char *text = g_strndup(g_bytes_get_data(report, NULL), g_bytes_get_size(report));
    g_assert_nonnull(strstr(text, "Diagnostic-Code: smtp; 550 5.1.1 <reject@example.org>"));
    g_assert_nonnull(strstr(text, "Remote-MTA: dns; 127.0.0.1\r\n"));
    g_assert_nonnull(strstr(text, "\r\n\r\nHello Bob,\r\n")); /* the whole original */
    g_assert_true(wait_empty());
}

/* "unix-time address code" lines of the peer's RCPT log for address. */
static GArray *
rcpt_times(Fixture *f, const char *address)
{
    g_autofree char *path = g_build_filename(f->out, "rcpt.log", NULL);
    g_autofree char *text = NULL;
    GArray *times = g_array_new(FALSE, FALSE, sizeof(double));

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return times;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        g_auto(GStrv) w = g_strsplit(lines[i], " ", 3);
        if (g_strv_length(w) == 3 && strcmp(w[1], address) == 0) {
            double t = g_ascii_strtod(w[0], NULL);
            g_array_append_val(times, t);
        }
    }
    return times;
}

static guint
count_rcpts(Fixture *f, const char *address)
{
    g_autoptr(GArray) t = rcpt_times(f, address);

    return t->len;
}

static void
test_retry(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"defer2-x@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    g_assert_true(wait_messages(f, 1));
    g_autoptr(GArray) t = rcpt_times(f, "defer2-x@example.org");
    g_assert_cmpuint(t->len, ==, 3);
    /* retry_min 1s, then 2s: the scheduler ticks each second. */
    double gap1 = g_array_index(t, double, 1) - g_array_index(t, double, 0);
    double gap2 = g_array_index(t, double, 2) - g_array_index(t, double, 1);
    g_assert_cmpfloat(gap1, >=, 0.9);
    g_assert_cmpfloat(gap2, >=, 1.9);
    g_assert_true(wait_empty());
    /* No delay notice: delay_notice is 4h. */
    g_usleep(G_USEC_PER_SEC / 2);
    g_autofree char *second = g_strdup_printf("%s/2.env", f->out);
    g_assert_false(g_file_test(second, G_FILE_TEST_EXISTS));
}

static void
test_restart(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);

    /* Queued while no scheduler runs, then the queue is closed. */
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    hermod_queue_close();
    g_autoptr(HermodQueueEntry) e = hermod_queue_file_load(qdir, id, &err);
    g_assert_no_error(err);
    g_assert_cmpstr(e->sender, ==, "alice@sender.test");
    g_assert_cmpstr(e->envid, ==, "ENV-42");
    g_assert_cmpuint(e->rcpts->len, ==, 1);
    g_assert_cmpuint(e->size, ==, strlen(body));
    g_assert_true(hermod_queue_open(f->cfg, &err));
    g_assert_cmpuint(hermod_queue_length(), ==, 1);
    g_assert_true(hermod_queue_start(&err));
    g_assert_true(wait_messages(f, 1));
    g_autoptr(GBytes) got = peer_body(f, 1);
    g_assert_cmpuint(g_bytes_get_size(got), ==, strlen(body));
    g_assert_true(wait_empty());
}

static void
test_null_sender(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"reject@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    g_assert_true(wait_empty());
    g_autoptr(GArray) t = rcpt_times(f, "reject@example.org");
    g_assert_cmpuint(t->len, ==, 1);
    /* Nothing comes back: no report for a report. */
    g_usleep(G_USEC_PER_SEC * 3 / 2);
    g_assert_cmpuint(hermod_queue_length(), ==, 0);
    g_autofree char *first = g_strdup_printf("%s/1.env", f->out);
    g_assert_false(g_file_test(first, G_FILE_TEST_EXISTS));
}

static void
test_notify_success(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_SUCCESS, body);
    g_assert_true(wait_messages(f, 2));
    g_autofree char *to2 = peer_string(f, 2, "rcpts");
    g_assert_cmpstr(to2, ==, "alice@sender.test");
    g_autoptr(GBytes) report = peer_body(f, 2);
    check_report(report, "relayed", "2.0.0", "bob@example.org", "text/rfc822-headers");
}

static void
test_delay_and_expiry(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"defer-y@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    g_assert_true(wait_messages(f, 2));
    g_autoptr(GBytes) delayed = peer_body(f, 1);
    check_report(delayed, "delayed", "4.3.0", "defer-y@example.org", "text/rfc822-headers");
    g_autoptr(GBytes) failed = peer_body(f, 2);
    check_report(failed, "failed", "4.4.7", "defer-y@example.org", "message/rfc822");
    g_assert_true(wait_empty());
}

static int
run_ctl(HermodConfig *cfg, const char *verb, const char *arg)
{
    char *argv[] = {(char *)verb, (char *)arg, NULL};

    for (guint i = 0; hermod_ctl_queue_commands[i].noun != NULL; i++) {
        const HermodCtlCommand *c = &hermod_ctl_queue_commands[i];
        if (strcmp(c->verb, verb) == 0)
            return c->run(cfg, arg != NULL ? 2 : 1, argv);
    }
    g_assert_not_reached();
}

static void
test_ctl(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"defer-z@example.org", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);
    g_autofree char *flush = g_build_filename(qdir, HERMOD_QUEUE_FLUSH_FILE, NULL);

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_NEVER, body);
    for (int i = 0; i < WAIT_S * 20 && count_rcpts(f, "defer-z@example.org") < 1; i++)
        g_usleep(G_USEC_PER_SEC / 20);
    g_assert_cmpint(run_ctl(f->cfg, "list", NULL), ==, 0);
    /* flush: the scheduler takes the file away and retries at once. */
    g_assert_cmpint(run_ctl(f->cfg, "flush", NULL), ==, 0);
    for (int i = 0; i < WAIT_S * 20 && g_file_test(flush, G_FILE_TEST_EXISTS); i++)
        g_usleep(G_USEC_PER_SEC / 20);
    g_assert_false(g_file_test(flush, G_FILE_TEST_EXISTS));
    g_assert_cmpint(run_ctl(f->cfg, "delete", "NOSUCHID"), ==, 1);
    g_assert_cmpint(run_ctl(f->cfg, "delete", id), ==, 0);
    /* The daemon forgets a deleted message at its next attempt. */
    hermod_queue_flush();
    g_assert_true(wait_empty());
    g_autoptr(GPtrArray) ids = hermod_queue_file_list(qdir, &err);
    g_assert_cmpuint(ids->len, ==, 0);
}

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
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    g_autofree char *want_text = g_strconcat("Return-Path: <alice@sender.test>\r\n", body, NULL);
    g_autoptr(GBytes) want = g_bytes_new_static(want_text, strlen(want_text));
    g_autoptr(GBytes) dave = inbox_message("dave@hermod.test");
    g_autoptr(GBytes) erin = inbox_message("erin@hermod.test");
    g_assert_true(g_bytes_equal(dave, want));
    g_assert_true(g_bytes_equal(erin, want));
    g_assert_true(wait_messages(f, 1));
    g_autofree char *to = peer_string(f, 1, "rcpts");
    g_assert_cmpstr(to, ==, "bob@example.org");
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
    hermod_message_append(msg, body, strlen(body));
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
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_SUCCESS, body);
    g_assert_true(wait_messages(f, 1));
    g_autofree char *from = peer_string(f, 1, "from");
    g_assert_cmpstr(from, ==, "<>");
    g_autoptr(GBytes) report = peer_body(f, 1);
    check_report(report, "delivered", "2.0.0", "dave@hermod.test", "text/rfc822-headers");
}

static void
check_parse(const char *value, const char *host, guint16 port)
{
    g_autofree char *got_host = NULL;
    g_autofree char *reason = NULL;
    guint16 got_port = 0;
    gboolean ok = hermod_queue_route_parse(value, &got_host, &got_port, &reason);

    if (host == NULL) {
        g_assert_false(ok);
        g_assert_nonnull(reason);
        return;
    }
    g_assert_true(ok);
    g_assert_cmpstr(got_host, ==, host);
    g_assert_cmpuint(got_port, ==, port);
}

static void
test_route_parse(void)
{
    g_autofree char *reason = NULL;

    check_parse("mx.example.org", "mx.example.org", 25);
    check_parse(" relay.example.net:2526 ", "relay.example.net", 2526);
    check_parse("[::1]:2526", "::1", 2526);
    check_parse("[192.0.2.1]", "192.0.2.1", 25);
    check_parse("::1:25", NULL, 0);
    check_parse("host:0", NULL, 0);
    check_parse("host:smtp", NULL, 0);
    check_parse("", NULL, 0);
    check_parse("[::1", NULL, 0);
    g_assert_true(hermod_queue_route_validate("*", "smarthost.example.net", &reason));
    g_assert_false(hermod_queue_route_validate("bad domain", "h", &reason));
    g_assert_nonnull(reason);
}

static char *
first_hop(HermodConfig *cfg, const char *domain)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) hops = hermod_queue_route(cfg, domain, &err);

    g_assert_no_error(err);
    g_assert_cmpuint(hops->len, >=, 1);
    HermodRouteHop *hop = g_ptr_array_index(hops, 0);
    return g_strdup_printf("%s:%u", hop->host, hop->port);
}

static void
test_route_lookup(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodConfig) cfg = hermod_config_load_data(
        "[routes]\nexample.org = 127.0.0.1:2526\n* = [::1]:2600\n", "r.conf", NULL, &err);
    g_assert_no_error(err);
    g_autofree char *exact = first_hop(cfg, "EXAMPLE.org");
    g_autofree char *star = first_hop(cfg, "other.test");
    g_assert_cmpstr(exact, ==, "127.0.0.1:2526");
    g_assert_cmpstr(star, ==, "::1:2600");

    g_autoptr(HermodConfig) smart =
        hermod_config_load_data("[queue]\nsmarthost = relay.test:587\n", "s.conf", NULL, &err);
    g_assert_no_error(err);
    g_autofree char *relay = first_hop(smart, "example.org");
    g_assert_cmpstr(relay, ==, "relay.test:587");
    g_autoptr(HermodConfig) plain = hermod_config_load_data("", "p.conf", NULL, &err);
    g_assert_no_error(err);
    g_autofree char *literal = first_hop(plain, "[127.0.0.1]");
    g_assert_cmpstr(literal, ==, "127.0.0.1:25");

    /* A bad [routes] line stops the config, naming the key. */
    g_autoptr(HermodConfig) bad =
        hermod_config_load_data("[routes]\nexample.org = host:99999\n", "b.conf", NULL, &err);
    g_assert_null(bad);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "example.org"));
}

/* Opportunistic STARTTLS when the peer offers it. */
static void
test_starttls(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    g_assert_true(wait_messages(f, 1));
    g_autofree char *tls = peer_string(f, 1, "tls");
    g_assert_cmpstr(tls, ==, "yes");
    g_autoptr(GBytes) got = peer_body(f, 1);
    g_autoptr(GBytes) want = g_bytes_new_static(body, strlen(body));
    g_assert_true(g_bytes_equal(got, want));
}

/* A peer that speaks DSN gets ENVID, RET, NOTIFY and ORCPT (xtext), and
 * reports success itself: no "relayed" report from us. */
static void
test_dsn_peer(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    HermodMessage *msg = hermod_message_new("TEST");

    g_assert_true(hermod_queue_start(&err));
    hermod_message_set_sender(msg, "alice@sender.test", "ENV+42");
    hermod_message_add_recipient(msg, "bob@example.org",
                                 HERMOD_NOTIFY_SUCCESS | HERMOD_NOTIFY_FAILURE,
                                 "rfc822;bob+x@example.org");
    hermod_message_set_flags(msg, HERMOD_MSG_RET_HDRS | HERMOD_MSG_8BITMIME);
    hermod_message_append(msg, body, strlen(body));
    g_assert_true(hermod_message_submit(msg, NULL, &err));
    hermod_message_free(msg);
    g_assert_true(wait_messages(f, 1));
    g_autofree char *mail = peer_string(f, 1, "mail_options");
    g_autofree char *rcpt = peer_string(f, 1, "rcpt_options");
    g_assert_nonnull(strstr(mail, "BODY=8BITMIME"));
    g_assert_nonnull(strstr(mail, "RET=HDRS"));
    g_assert_nonnull(strstr(mail, "ENVID=ENV+2B42"));
    g_assert_nonnull(strstr(rcpt, "NOTIFY=SUCCESS,FAILURE"));
    g_assert_nonnull(strstr(rcpt, "ORCPT=rfc822;bob+2Bx@example.org"));
    g_assert_true(wait_empty());
    g_usleep(G_USEC_PER_SEC * 3 / 2);
    g_autofree char *second = g_strdup_printf("%s/2.env", f->out);
    g_assert_false(g_file_test(second, G_FILE_TEST_EXISTS));
}

/* A peer that refuses connections: deferred, with the reason kept. */
static void
test_connect_failure(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"carl@down.test", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    HermodQueueRcptState *r = NULL;
    g_autoptr(HermodQueueEntry) e = NULL;
    for (int i = 0; i < WAIT_S * 20 && (r == NULL || r->attempts == 0); i++) {
        g_usleep(G_USEC_PER_SEC / 20);
        g_clear_pointer(&e, hermod_queue_entry_free);
        e = hermod_queue_file_load(qdir, id, NULL);
        r = e != NULL ? g_ptr_array_index(e->rcpts, 0) : NULL;
    }
    g_assert_nonnull(r);
    g_assert_cmpint(r->status, ==, HERMOD_RCPT_QUEUED);
    g_assert_cmpstr(r->dsn_status, ==, "4.4.1");
    g_assert_nonnull(strstr(r->diagnostic, "connect to 127.0.0.1"));
    g_assert_cmpint(e->next_attempt, >, e->created);
    g_assert_cmpuint(hermod_queue_length(), ==, 1);
}

/* Stopping the queue ends a delivery stuck on a silent peer at once; the
 * message stays queued. */
static void
test_stop_cancels(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"moe@mute.test", NULL};
    g_autoptr(GError) err = NULL;

    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, body);
    g_usleep(G_USEC_PER_SEC * 3 / 2); /* the attempt now waits for a greeting */
    gint64 t0 = g_get_monotonic_time();
    hermod_queue_stop();
    g_assert_cmpint(g_get_monotonic_time() - t0, <, 3 * G_USEC_PER_SEC);
    g_autofree char *qdir = g_build_filename(f->dir, "queue", NULL);
    g_autoptr(HermodQueueEntry) e = hermod_queue_file_load(qdir, id, &err);
    g_assert_no_error(err);
    HermodQueueRcptState *r = g_ptr_array_index(e->rcpts, 0);
    g_assert_cmpint(r->status, ==, HERMOD_RCPT_QUEUED);
    g_assert_cmpuint(r->attempts, ==, 1);
    g_assert_cmpuint(hermod_queue_length(), ==, 1);
}

/* Several hundred kilobytes with many dot lines: dot-stuffing across the
 * client's write chunks, byte for byte. */
static void
test_big(Fixture *f, gconstpointer data)
{
    const char *rcpts[] = {"bob@example.org", NULL};
    g_autoptr(GError) err = NULL;
    g_autoptr(GString) big = g_string_new("Subject: big\r\n\r\n");

    for (guint i = 0; i < 20000; i++)
        g_string_append_printf(big, "%s line %u of the big message\r\n",
                               i % 3 == 0 ? "." : (i % 7 == 0 ? ".." : ""), i);
    g_assert_true(hermod_queue_start(&err));
    g_autofree char *id = submit("alice@sender.test", rcpts, HERMOD_NOTIFY_DEFAULT, big->str);
    g_assert_true(wait_messages(f, 1));
    g_autoptr(GBytes) got = peer_body(f, 1);
    g_autoptr(GBytes) want = g_bytes_new_static(big->str, big->len);
    g_assert_cmpuint(g_bytes_get_size(got), ==, big->len);
    g_assert_true(g_bytes_equal(got, want));
}

/* A resolver that knows a few test domains, for the MX logic. */
typedef struct {
    GResolver parent;
} FakeResolver;
typedef struct {
    GResolverClass parent_class;
} FakeResolverClass;
GType fake_resolver_get_type(void);
G_DEFINE_TYPE(FakeResolver, fake_resolver, G_TYPE_RESOLVER)

static GList *
fake_records(GResolver *r, const gchar *name, GResolverRecordType type, GCancellable *c,
             GError **error)
{
    GList *l = NULL;

    if (strcmp(name, "mx.test") == 0) {
        l = g_list_append(l, g_variant_ref_sink(g_variant_new("(qs)", 20, "b.mx.test")));
        l = g_list_append(l, g_variant_ref_sink(g_variant_new("(qs)", 10, "a.mx.test")));
        l = g_list_append(l, g_variant_ref_sink(g_variant_new("(qs)", 30, "c.mx.test")));
        return l;
    }
    if (strcmp(name, "nullmx.test") == 0)
        return g_list_append(l, g_variant_ref_sink(g_variant_new("(qs)", 0, "")));
    g_set_error(error, G_RESOLVER_ERROR,
                strcmp(name, "tempfail.test") == 0 ? G_RESOLVER_ERROR_TEMPORARY_FAILURE
                                                   : G_RESOLVER_ERROR_NOT_FOUND,
                "no records for %s", name);
    return NULL;
}

static GList *
fake_by_name(GResolver *r, const gchar *name, GCancellable *c, GError **error)
{
    if (strcmp(name, "nomx.test") == 0)
        return g_list_append(NULL, g_inet_address_new_from_string("192.0.2.1"));
    g_set_error(error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "unknown host %s", name);
    return NULL;
}

static void
fake_resolver_class_init(FakeResolverClass *klass)
{
    GResolverClass *rc = G_RESOLVER_CLASS(klass);

    rc->lookup_records = fake_records;
    rc->lookup_by_name = fake_by_name;
}

static void
fake_resolver_init(FakeResolver *r)
{
}

static void
check_route_error(HermodConfig *cfg, const char *domain, gint code)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) hops = hermod_queue_route(cfg, domain, &err);

    g_assert_null(hops);
    g_assert_error(err, HERMOD_QUEUE_ERROR, code);
}

static void
test_route_mx(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodConfig) cfg = hermod_config_load_data("", "mx.conf", NULL, &err);
    g_autoptr(GResolver) old = g_resolver_get_default();
    g_autoptr(GResolver) fake = g_object_new(fake_resolver_get_type(), NULL);

    g_resolver_set_default(fake);
    g_autoptr(GPtrArray) hops = hermod_queue_route(cfg, "mx.test", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(hops->len, ==, 3);
    const char *want[] = {"a.mx.test", "b.mx.test", "c.mx.test"};
    for (guint i = 0; i < 3; i++) {
        HermodRouteHop *hop = g_ptr_array_index(hops, i);
        g_assert_cmpstr(hop->host, ==, want[i]);
        g_assert_cmpuint(hop->port, ==, 25);
    }
    g_autofree char *implicit = first_hop(cfg, "nomx.test");
    g_assert_cmpstr(implicit, ==, "nomx.test:25");
    check_route_error(cfg, "nullmx.test", HERMOD_QUEUE_ERROR_ROUTE_PERMANENT);
    check_route_error(cfg, "nxdomain.test", HERMOD_QUEUE_ERROR_ROUTE_PERMANENT);
    check_route_error(cfg, "tempfail.test", HERMOD_QUEUE_ERROR_ROUTE_TEMPORARY);
    g_resolver_set_default(old);
}

static const Setup delay_setup = {.conf = "delay_notice = 1s\nmax_age = 3s\n"};
static const Setup tls_setup = {.is_tls = TRUE};
static const Setup dsn_setup = {.is_dsn = TRUE};

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_mime_init();
    g_test_add_func("/queue/route-parse", test_route_parse);
    g_test_add_func("/queue/route-lookup", test_route_lookup);
    g_test_add_func("/queue/route-mx", test_route_mx);
    g_test_add("/queue/deliver", Fixture, NULL, setup, test_deliver, teardown);
    g_test_add("/queue/reject-bounces", Fixture, NULL, setup, test_reject, teardown);
    g_test_add("/queue/retry-backoff", Fixture, NULL, setup, test_retry, teardown);
    g_test_add("/queue/restart", Fixture, NULL, setup, test_restart, teardown);
    g_test_add("/queue/null-sender", Fixture, NULL, setup, test_null_sender, teardown);
    g_test_add("/queue/notify-success", Fixture, NULL, setup, test_notify_success, teardown);
    g_test_add("/queue/delay-and-expiry", Fixture, &delay_setup, setup, test_delay_and_expiry,
               teardown);
    g_test_add("/queue/local", Fixture, NULL, setup, test_local, teardown);
    g_test_add("/queue/refusals", Fixture, NULL, setup, test_refusals, teardown);
    g_test_add("/queue/local-success", Fixture, NULL, setup, test_local_success, teardown);
    g_test_add("/queue/ctl", Fixture, NULL, setup, test_ctl, teardown);
    g_test_add("/queue/connect-failure", Fixture, NULL, setup, test_connect_failure, teardown);
    g_test_add("/queue/stop-cancels", Fixture, NULL, setup, test_stop_cancels, teardown);
    g_test_add("/queue/big", Fixture, NULL, setup, test_big, teardown);
    g_test_add("/queue/starttls", Fixture, &tls_setup, setup, test_starttls, teardown);
    g_test_add("/queue/dsn-peer", Fixture, &dsn_setup, setup, test_dsn_peer, teardown);
    return g_test_run();
}
