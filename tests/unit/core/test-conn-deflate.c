/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-conn-deflate.c - COMPRESS=DEFLATE on real connections, and which
 * listeners may offer STARTTLS.
 *
 * Starts the loops, the work pool, the certificate store and three
 * listeners on 127.0.0.1 port 0 (tls = none, starttls, implicit) with an
 * in-test "zecho" protocol, and drives them with the blocking client of
 * sock-client.h, running its own raw DEFLATE streams (zlib, windowBits
 * -15) as a filter: the switch-over point (the OK goes out plain,
 * compressed bytes sent right behind the command are inflated), many
 * small and large writes, streaming with on_writable, counted input,
 * input split anywhere, DEFLATE above TLS (implicit and STARTTLS),
 * STARTTLS after DEFLATE, a corrupt stream, and deflate bombs in line and
 * in counted mode that must not grow the input buffer past one read
 * beyond line_max.
 */
#include "autoconfig.h"

#include <string.h>
#include <zlib.h>

#include "hermodd/sections.h"
#include "directory/auth.h"
#include "config/config.h"
#include "net/conn-private.h"
#include "net/listener.h"
#include "lib/loop.h"
#include "tls/tls.h"
#include "lib/workpool.h"
#include "sock-client.h"
#include "tmpdir.h"

#define LINE_MAX_TEST 1024

/* --- the zecho protocol (loop threads) */

typedef struct {
    gsize count_total;
    guint32 crc;
    gsize stream_left;
    GRand *rand;
} Zecho;

static gint max_in_len; /* the largest input buffer a callback saw */

static void
note_in_len(HermodConn *conn)
{
    gint len = (gint)conn->in->len;

    if (len > g_atomic_int_get(&max_in_len))
        g_atomic_int_set(&max_in_len, len);
}

static void
on_connect(HermodConn *conn)
{
    Zecho *z = g_new0(Zecho, 1);

    hermod_conn_set_data(conn, z);
    hermod_conn_printf(conn, "hello %s %d\r\n", hermod_conn_role(conn),
                       hermod_conn_may_start_tls(conn));
}

static void
on_close(HermodConn *conn)
{
    Zecho *z = hermod_conn_get_data(conn);

    if (z->rand != NULL)
        g_rand_free(z->rand);
    g_free(z);
}

/* n pseudo-random bytes (seed 7) in writes of 1 to 300 bytes, then the
 * CRC-32 of them on a line. */
static void
dump(HermodConn *conn, gsize n)
{
    g_autoptr(GRand) r = g_rand_new_with_seed(7);
    guint8 buf[300];
    guint32 crc = crc32(0, NULL, 0);

    while (n > 0) {
        gsize want = (gsize)g_rand_int_range(r, 1, 301);
        gsize len = MIN(n, want);
        for (gsize i = 0; i < len; i++)
            buf[i] = (guint8)g_rand_int_range(r, 'a', 'a' + (i % 7 == 0 ? 26 : 4));
        hermod_conn_write(conn, buf, len);
        crc = crc32(crc, buf, (uInt)len);
        n -= len;
    }
    hermod_conn_printf(conn, "\r\nSUM %u\r\n", crc);
}

/* STREAM: 8 KiB pieces while output is below 100 KiB, then on_writable. */
static void
stream_more(HermodConn *conn)
{
    Zecho *z = hermod_conn_get_data(conn);
    guint8 chunk[8192];

    while (z->stream_left > 0 && hermod_conn_output_pending(conn) < 100 * 1024) {
        gsize n = MIN(z->stream_left, sizeof chunk);
        for (gsize i = 0; i < n; i++)
            chunk[i] = (guint8)g_rand_int_range(z->rand, 'A', 'Z');
        hermod_conn_write(conn, chunk, n);
        z->crc = crc32(z->crc, chunk, (uInt)n);
        z->stream_left -= n;
    }
    if (z->stream_left > 0)
        hermod_conn_want_writable(conn);
    else
        hermod_conn_printf(conn, "\r\nSUM %u\r\n", z->crc);
}

static void
compress_cmd(HermodConn *conn)
{
    if (hermod_conn_is_deflate(conn)) {
        hermod_conn_printf(conn, "NO active %d\r\n", hermod_conn_start_deflate(conn));
        return;
    }
    hermod_conn_printf(conn, "OK DEFLATE active\r\n");
    g_assert_true(hermod_conn_start_deflate(conn));
}

static gboolean
command(HermodConn *conn, const char *line)
{
    Zecho *z = hermod_conn_get_data(conn);
    guint n = 0;

    if (g_str_has_prefix(line, "COMPRESS")) {
        compress_cmd(conn);
    } else if (sscanf(line, "BYTES %u", &n) == 1) {
        z->count_total = 0;
        z->crc = crc32(0, NULL, 0);
        hermod_conn_read_bytes(conn, n);
    } else if (sscanf(line, "DUMP %u", &n) == 1) {
        dump(conn, n);
    } else if (sscanf(line, "STREAM %u", &n) == 1) {
        z->stream_left = n;
        z->crc = crc32(0, NULL, 0);
        if (z->rand == NULL)
            z->rand = g_rand_new_with_seed(11);
        stream_more(conn);
    } else if (g_str_has_prefix(line, "STARTTLS")) {
        hermod_conn_printf(conn, "ready\r\n");
        hermod_conn_start_tls(conn);
    } else if (g_str_has_prefix(line, "INFO")) {
        hermod_conn_printf(conn, "INFO tls=%d deflate=%d may_tls=%d\r\n", hermod_conn_is_tls(conn),
                           hermod_conn_is_deflate(conn), hermod_conn_may_start_tls(conn));
    } else if (g_str_has_prefix(line, "QUIT")) {
        hermod_conn_printf(conn, "bye\r\n");
        hermod_conn_close(conn);
    } else {
        return FALSE;
    }
    return TRUE;
}

static void
on_line(HermodConn *conn, const char *line, gsize len, gboolean is_partial)
{
    note_in_len(conn);
    if (!is_partial && command(conn, line))
        return;
    gsize shown = MIN(len, 20);
    while (shown > 0 && (line[shown - 1] == '\n' || line[shown - 1] == '\r'))
        shown--;
    hermod_conn_printf(conn, "LINE %zu %c %.*s\r\n", len, is_partial ? 'P' : 'F', (int)shown, line);
}

static void
on_data(HermodConn *conn, const guint8 *data, gsize len, gboolean is_last)
{
    Zecho *z = hermod_conn_get_data(conn);

    note_in_len(conn);
    z->count_total += len;
    z->crc = crc32(z->crc, data, (uInt)len);
    if (is_last)
        hermod_conn_printf(conn, "GOT %zu %u\r\n", z->count_total, z->crc);
}

static void
on_tls_ready(HermodConn *conn)
{
    hermod_conn_printf(conn, "tls up %d\r\n", hermod_conn_may_start_tls(conn));
}

static const HermodProtocol zecho = {
    .struct_size = sizeof(HermodProtocol),
    .on_connect = on_connect,
    .on_line = on_line,
    .on_data = on_data,
    .on_writable = stream_more,
    .on_tls_ready = on_tls_ready,
    .on_close = on_close,
};

/* --- the client (sock-client.h) with its own DEFLATE streams */

typedef struct {
    SockClient *sock;
    gboolean is_deflate; /* the streams are in use */
    gboolean has_streams;
    z_stream def;
    z_stream inf;
} Client;

static guint16 none_port, starttls_port, implicit_port;

static Client *
client_new(guint16 port)
{
    Client *c = g_new0(Client, 1);

    c->sock = sock_client_connect("127.0.0.1", port, NULL);
    return c;
}

static void
client_free(Client *c)
{
    if (c->has_streams) {
        deflateEnd(&c->def);
        inflateEnd(&c->inf);
    }
    sock_client_free(c->sock);
    g_free(c);
}

/* Compress data into out (sync flush at the end if is_flush). */
static void
client_deflate(Client *c, const void *data, gsize len, gboolean is_flush, GByteArray *out)
{
    guint8 buf[16384];

    c->def.next_in = (Bytef *)data;
    c->def.avail_in = (uInt)len;
    do {
        c->def.next_out = buf;
        c->def.avail_out = sizeof buf;
        g_assert_cmpint(deflate(&c->def, is_flush ? Z_SYNC_FLUSH : Z_NO_FLUSH), !=, Z_STREAM_ERROR);
        g_byte_array_append(out, buf, sizeof buf - c->def.avail_out);
    } while (c->def.avail_out == 0 || c->def.avail_in > 0);
}

/* Send plaintext, compressed and flushed once DEFLATE is on. */
static void
client_send(Client *c, const void *data, gsize len)
{
    if (!c->is_deflate) {
        sock_client_send(c->sock, data, len);
        return;
    }
    g_autoptr(GByteArray) z = g_byte_array_new();
    client_deflate(c, data, len, TRUE, z);
    sock_client_send(c->sock, z->data, z->len);
}

static void
client_puts(Client *c, const char *text)
{
    client_send(c, text, strlen(text));
}

/* The sock-client filter: what came off the wire, inflated into out. */
static void
client_inflate(const guint8 *wire, gsize n, GString *out, gpointer data)
{
    Client *c = data;
    guint8 plain[65536];

    c->inf.next_in = (Bytef *)wire;
    c->inf.avail_in = (uInt)n;
    do {
        c->inf.next_out = plain;
        c->inf.avail_out = sizeof plain;
        int ret = inflate(&c->inf, Z_SYNC_FLUSH);
        g_assert_true(ret == Z_OK || ret == Z_BUF_ERROR);
        g_string_append_len(out, (char *)plain, (gssize)(sizeof plain - c->inf.avail_out));
    } while (c->inf.avail_out == 0 || c->inf.avail_in > 0);
}

static void
client_init_streams(Client *c)
{
    g_assert_cmpint(
        deflateInit2(&c->def, Z_BEST_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY), ==,
        Z_OK);
    g_assert_cmpint(inflateInit2(&c->inf, -15), ==, Z_OK);
    c->has_streams = TRUE;
}

/* Switch to DEFLATE; what was received past the OK line is already
 * compressed. */
static void
client_start_deflate(Client *c)
{
    GString *buf = sock_client_buffer(c->sock);
    g_autofree char *rest = g_memdup2(buf->str, buf->len);
    gsize rest_len = buf->len;

    if (!c->has_streams)
        client_init_streams(c);
    c->is_deflate = TRUE;
    g_string_truncate(buf, 0);
    client_inflate((const guint8 *)rest, rest_len, buf, c);
    sock_client_set_filter(c->sock, client_inflate, c);
}

static void
client_expect(Client *c, const char *want)
{
    sock_client_expect(c->sock, want);
}

/* n bytes of payload: their CRC-32, checked against the SUM line after. */
static void
client_expect_payload(Client *c, gsize n)
{
    g_autoptr(GBytes) payload = sock_client_take(c->sock, n + 2);
    const guint8 *p = g_bytes_get_data(payload, NULL);
    guint32 crc = crc32(crc32(0, NULL, 0), p, (uInt)n);
    g_assert_cmpint(memcmp(p + n, "\r\n", 2), ==, 0);
    g_autofree char *want = g_strdup_printf("SUM %u", crc);
    client_expect(c, want);
}

/* COMPRESS, and the client's streams from right after the command. */
static void
client_compress(Client *c)
{
    client_puts(c, "COMPRESS\r\n");
    client_expect(c, "OK DEFLATE active");
    client_start_deflate(c);
}

/* Read lines until EOF (at most a few). */
static void
client_expect_eof(Client *c)
{
    sock_client_expect_eof(c->sock, 4);
}

/* --- tests */

static void
test_may_start_tls(void)
{
    Client *none = client_new(none_port);
    Client *plain = client_new(starttls_port);
    Client *implicit = client_new(implicit_port);

    client_expect(none, "hello none 0");
    client_expect(plain, "hello starttls 1");
    sock_client_tls(implicit->sock, NULL);
    client_expect(implicit, "hello implicit 0");
    client_puts(plain, "STARTTLS\r\n");
    client_expect(plain, "ready");
    sock_client_tls(plain->sock, NULL);
    client_expect(plain, "tls up 0");
    client_free(none);
    client_free(plain);
    client_free(implicit);
}

/* The OK goes out plain; compressed bytes sent right behind COMPRESS, in
 * the same segment, are inflated; a second start is refused. */
static void
test_switch_over(void)
{
    Client *c = client_new(starttls_port);
    g_autoptr(GByteArray) wire = g_byte_array_new();

    client_expect(c, "hello starttls 1");
    g_byte_array_append(wire, (const guint8 *)"COMPRESS\r\n", 10);
    client_init_streams(c);
    const char *behind = "INFO\r\nplain words\r\nCOMPRESS\r\n";
    client_deflate(c, behind, strlen(behind), TRUE, wire);
    sock_client_send(c->sock, wire->data, wire->len);
    client_expect(c, "OK DEFLATE active");
    client_start_deflate(c);
    client_expect(c, "INFO tls=0 deflate=1 may_tls=0");
    client_expect(c, "LINE 13 F plain words");
    client_expect(c, "NO active 0");
    client_puts(c, "QUIT\r\n");
    client_expect(c, "bye");
    client_expect_eof(c);
    client_free(c);
}

/* Many small and some large writes come out whole, each reply flushed. */
static void
test_writes(void)
{
    Client *c = client_new(none_port);
    GString *many = g_string_new(NULL);

    client_expect(c, "hello none 0");
    client_compress(c);
    client_puts(c, "DUMP 1\r\n");
    client_expect_payload(c, 1);
    client_puts(c, "DUMP 5000\r\n");
    client_expect_payload(c, 5000);
    client_puts(c, "DUMP 3000000\r\n");
    client_expect_payload(c, 3000000);
    for (guint i = 0; i < 500; i++)
        g_string_append_printf(many, "line %u\r\n", i);
    client_puts(c, many->str);
    for (guint i = 0; i < 500; i++) {
        g_autofree char *want = g_strdup_printf("LINE %u F line %u", 8 + (i >= 10) + (i >= 100), i);
        client_expect(c, want);
    }
    client_puts(c, "STREAM 2000000\r\n");
    client_expect_payload(c, 2000000);
    g_string_free(many, TRUE);
    client_free(c);
}

/* A compressed stream of lines and counted data, cut anywhere. */
static void
test_split_input(void)
{
    Client *c = client_new(none_port);
    g_autoptr(GByteArray) wire = g_byte_array_new();
    g_autofree guint8 *data = g_malloc(200000);
    guint32 crc = crc32(0, NULL, 0);

    for (gsize i = 0; i < 200000; i++)
        data[i] = (guint8)g_test_rand_int_range(0, 256);
    crc = crc32(crc, data, 200000);
    client_expect(c, "hello none 0");
    client_compress(c);
    for (guint i = 0; i < 50; i++) {
        g_autofree char *line = g_strdup_printf("piece %u\r\n", i);
        client_deflate(c, line, strlen(line), g_test_rand_bit(), wire);
    }
    client_deflate(c, "BYTES 200000\r\n", 14, FALSE, wire);
    client_deflate(c, data, 200000, FALSE, wire);
    client_deflate(c, "after\r\n", 7, TRUE, wire);
    for (gsize off = 0; off < wire->len;) {
        gsize cut = (gsize)g_test_rand_int_range(1, 700);
        gsize n = MIN(wire->len - off, cut);
        sock_client_send(c->sock, wire->data + off, n);
        off += n;
        if (g_test_rand_int_range(0, 20) == 0)
            g_usleep(1000);
    }
    for (guint i = 0; i < 50; i++) {
        g_autofree char *want = g_strdup_printf("LINE %u F piece %u", 9 + (i >= 10), i);
        client_expect(c, want);
    }
    g_autofree char *got = g_strdup_printf("GOT 200000 %u", crc);
    client_expect(c, got);
    client_expect(c, "LINE 7 F after");
    client_free(c);
}

/* DEFLATE above TLS: implicit TLS, then STARTTLS first. */
static void
exercise(Client *c)
{
    g_autofree guint8 *data = g_malloc0(100000);

    client_compress(c);
    client_puts(c, "INFO\r\n");
    client_expect(c, "INFO tls=1 deflate=1 may_tls=0");
    client_puts(c, "DUMP 700000\r\n");
    client_expect_payload(c, 700000);
    client_puts(c, "BYTES 100000\r\n");
    client_send(c, data, 100000);
    g_autofree char *got =
        g_strdup_printf("GOT 100000 %u", (guint)crc32(crc32(0, NULL, 0), data, 100000));
    client_expect(c, got);
    client_puts(c, "QUIT\r\n");
    client_expect(c, "bye");
    client_expect_eof(c);
}

static void
test_over_tls(void)
{
    Client *c = client_new(implicit_port);

    sock_client_tls(c->sock, NULL);
    client_expect(c, "hello implicit 0");
    exercise(c);
    client_free(c);
    c = client_new(starttls_port);
    client_expect(c, "hello starttls 1");
    client_puts(c, "STARTTLS\r\n");
    client_expect(c, "ready");
    sock_client_tls(c->sock, NULL);
    client_expect(c, "tls up 0");
    exercise(c);
    client_free(c);
}

/* TLS may not start below a running DEFLATE; corrupt input ends it. */
static void
test_refusals(void)
{
    Client *c = client_new(starttls_port);
    const guint8 junk[] = {0xff, 0xff, 0xff, 0xff, 0x00, 0x13, 0x37, 0x42};

    client_expect(c, "hello starttls 1");
    client_compress(c);
    client_puts(c, "INFO\r\n");
    client_expect(c, "INFO tls=0 deflate=1 may_tls=0");
    client_puts(c, "STARTTLS\r\n");
    client_expect_eof(c);
    client_free(c);

    c = client_new(none_port);
    client_expect(c, "hello none 0");
    client_compress(c);
    sock_client_send(c->sock, junk, sizeof junk);
    client_expect_eof(c);
    client_free(c);
}

/* A long line of one byte squeezes 20 MiB into some 20 KiB: it must come
 * out in line_max pieces with the input buffer never above one read. */
static void
test_bomb_line(void)
{
    Client *c = client_new(none_port);
    g_autoptr(GByteArray) wire = g_byte_array_new();
    g_autofree char *block = g_strnfill(1024 * 1024, 'a');
    g_autofree char *piece = g_strdup_printf("LINE %d P aaaaaaaaaaaaaaaaaaaa", LINE_MAX_TEST);

    client_expect(c, "hello none 0");
    client_compress(c);
    g_atomic_int_set(&max_in_len, 0);
    for (guint i = 0; i < 20; i++)
        client_deflate(c, block, 1024 * 1024, FALSE, wire);
    client_deflate(c, "\r\nQUIT\r\n", 8, TRUE, wire);
    g_assert_cmpuint(wire->len, <, 100 * 1024);
    sock_client_send(c->sock, wire->data, wire->len);
    for (guint i = 0; i < 20 * 1024 * 1024 / LINE_MAX_TEST; i++) {
        g_autofree char *line = sock_client_line(c->sock);
        g_assert_cmpstr(line, ==, piece);
    }
    client_expect(c, "LINE 2 F ");
    client_expect(c, "bye");
    client_expect_eof(c);
    g_assert_cmpint(g_atomic_int_get(&max_in_len), <=, LINE_MAX_TEST + 16384);
    client_free(c);
}

/* 64 MiB of zeros as counted data: delivered in pieces of at most one read. */
static void
test_bomb_counted(void)
{
    Client *c = client_new(none_port);
    g_autoptr(GByteArray) wire = g_byte_array_new();
    g_autofree guint8 *zeros = g_malloc0(1024 * 1024);
    guint32 crc = crc32(0, NULL, 0);

    client_expect(c, "hello none 0");
    client_compress(c);
    g_atomic_int_set(&max_in_len, 0);
    client_deflate(c, "BYTES 67108864\r\n", 16, FALSE, wire);
    for (guint i = 0; i < 64; i++) {
        client_deflate(c, zeros, 1024 * 1024, FALSE, wire);
        crc = crc32(crc, zeros, 1024 * 1024);
    }
    client_deflate(c, "QUIT\r\n", 6, TRUE, wire);
    g_assert_cmpuint(wire->len, <, 256 * 1024);
    sock_client_send(c->sock, wire->data, wire->len);
    g_autofree char *got = g_strdup_printf("GOT 67108864 %u", crc);
    client_expect(c, got);
    client_expect(c, "bye");
    client_expect_eof(c);
    g_assert_cmpint(g_atomic_int_get(&max_in_len), <=, 16384);
    client_free(c);
}

/* --- set-up */

static const char config_text[] = "[core]\n"
                                  "hostname = localhost\n"
                                  "[limits]\n"
                                  "line_max = 1024\n"
                                  "[listener none]\n"
                                  "protocol = zecho\n"
                                  "port = 0\n"
                                  "role = none\n"
                                  "[listener starttls]\n"
                                  "protocol = zecho\n"
                                  "port = 0\n"
                                  "role = starttls\n"
                                  "tls = starttls\n"
                                  "[listener implicit]\n"
                                  "protocol = zecho\n"
                                  "port = 0\n"
                                  "role = implicit\n"
                                  "tls = implicit\n";

static void
start_server(const char *dir)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *data_dir = g_strdup_printf("core.data_dir=%s", dir);
    const char *overrides[] = {data_dir, NULL};
    g_autoptr(HermodConfig) cfg =
        hermod_config_load_data(config_text, "test.conf", overrides, &error);
    g_assert_no_error(error);
    g_autoptr(HermodTlsStore) store = hermod_tls_store_load(cfg, &error);

    g_assert_no_error(error);
    hermod_tls_store_set_current(store);
    g_assert_true(hermod_auth_configure(cfg, &error));
    g_assert_true(hermod_loops_start(2, &error));
    g_assert_true(hermod_workpool_start(1, &error));
    g_assert_true(hermod_listeners_bind(cfg, &error));
    g_assert_cmpuint(hermod_listeners_attach("zecho", &zecho), ==, 3);
    g_assert_true(hermod_listeners_start(&error));
    g_assert_no_error(error);
    none_port = hermod_listener_port("none");
    starttls_port = hermod_listener_port("starttls");
    implicit_port = hermod_listener_port("implicit");
}

int
main(int argc, char **argv)
{
    g_autofree char *dir = g_dir_make_tmp("hermod-deflate-XXXXXX", NULL);

    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(hermod_core_sections);
    start_server(dir);
    g_test_add_func("/conn-deflate/may-start-tls", test_may_start_tls);
    g_test_add_func("/conn-deflate/switch-over", test_switch_over);
    g_test_add_func("/conn-deflate/writes", test_writes);
    g_test_add_func("/conn-deflate/split-input", test_split_input);
    g_test_add_func("/conn-deflate/over-tls", test_over_tls);
    g_test_add_func("/conn-deflate/refusals", test_refusals);
    g_test_add_func("/conn-deflate/bomb-line", test_bomb_line);
    g_test_add_func("/conn-deflate/bomb-counted", test_bomb_counted);
    int rc = g_test_run();
    hermod_workpool_stop();
    hermod_loops_stop();
    hermod_tls_store_set_current(NULL);
    test_rm_rf(dir);
    return rc;
}
