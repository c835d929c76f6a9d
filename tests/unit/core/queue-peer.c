/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue-peer.c - the fixture of the queue and submission tests (see
 * queue-peer.h).  The peer is tests/unit/core/smtp-peer.py, found through
 * HERMOD_SRCDIR (set by make check); every message it accepts becomes
 * OUT/N.env and OUT/N.eml.  Bounded waits only; teardown kills only the
 * peer this fixture started.
 */
#include "autoconfig.h"

#include <string.h>
#include <glib/gstdio.h>

#include "hermodd/sections.h"
#include "tls/certgen.h"
#include "directory/directory.h"
#include "mailflow/message.h"
#include "queue-peer.h"
#include "mailflow/queue.h"
#include "store/store.h"
#include "tmpdir.h"

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

void
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
    hermod_config_set_sections(hermod_core_sections);
    f->cfg = hermod_config_load_data(conf, "test.conf", NULL, &err);
    g_assert_no_error(err);
    hermod_config_set_current(f->cfg);
    g_assert_true(hermod_directory_open(f->dir, &err));
    g_assert_no_error(err);
    g_assert_true(hermod_queue_open(f->cfg, &err));
    g_assert_no_error(err);
    hermod_store_set_root(f->dir);
}

void
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
    test_rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->out);
}

char *
submit(const char *sender, const char *const *rcpts, guint notify, const char *text)
{
    g_autoptr(GError) err = NULL;
    HermodMessage *msg = hermod_message_new("TEST");
    char *id = NULL;

    hermod_message_set_sender(msg, sender, "ENV-42");
    for (guint i = 0; rcpts[i] != NULL; i++)
        hermod_message_add_recipient(msg, rcpts[i], notify, NULL);
    g_assert_true(hermod_message_append(msg, text, strlen(text)));
    g_assert_true(hermod_message_submit(msg, &id, &err));
    g_assert_no_error(err);
    hermod_message_free(msg);
    return id;
}

/* Wait until the peer has n messages; FALSE after WAIT_S seconds. */
gboolean
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

gboolean
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

char *
peer_string(Fixture *f, guint n, const char *key)
{
    g_autoptr(GKeyFile) kf = peer_envelope(f, n);

    return g_key_file_get_string(kf, "envelope", key, NULL);
}

GBytes *
peer_body(Fixture *f, guint n)
{
    g_autofree char *path = g_strdup_printf("%s/%u.eml", f->out, n);
    char *data;
    gsize len;

    g_assert_true(g_file_get_contents(path, &data, &len, NULL));
    return g_bytes_new_take(data, len);
}

const char test_body[] = "From: alice@sender.test\r\n"
                         "To: bob@example.org\r\n"
                         "Subject: queue test\r\n"
                         "\r\n"
                         "Hello Bob,\r\n"
                         ".a line with a leading dot\r\n"
                         ".\r\n"
                         "caf\xc3\xa9 \r\n"
                         "bye\r\n";

GMimeMessage *
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
void
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

/* "unix-time address code" lines of the peer's RCPT log for address. */
GArray *
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

guint
count_rcpts(Fixture *f, const char *address)
{
    g_autoptr(GArray) t = rcpt_times(f, address);

    return t->len;
}
