/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-conn.c - connections and listeners end to end on 127.0.0.1.
 *
 * Starts two loops, the work pool, the real certificate store (a
 * self-signed certificate made in a temporary folder) and two listeners on
 * port 0 (one plain, one implicit TLS) with an in-test "echo" protocol, and
 * drives them with the blocking client of sock-client.h from the test
 * thread: line splitting, long lines, counted reads, pipelining,
 * pause/resume, many clients, idle timeout, per-IP caps, STARTTLS (with a
 * plaintext-injection attempt), implicit TLS, streaming with on_writable,
 * work finishing after a close, and drain.
 *
 * The echo protocol answers each line with "LINE <len> <P|F> <text>",
 * where CR and LF in text are written as \r and \n.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gio/gio.h>

#include "hermodd/sections.h"
#include "config/config.h"
#include "directory/auth.h"
#include "net/conn-private.h"
#include "net/conntrack.h"
#include "net/listener.h"
#include "lib/loop.h"
#include "tls/tls.h"
#include "lib/workpool.h"
#include "sock-client.h"
#include "tmpdir.h"

/* --- the echo protocol (runs on the loop threads) */

typedef struct {
    HermodConn *conn;
    gsize count_total;
    guint pieces;
    guint32 sum;
    gsize big_left;
    gsize max_pending;
} Echo;

static gint closed_count;
static gint slow_done_closed; /* 1: done ran and saw the connection closed */
static gint max_pending_seen;
static gint mark_seen;

static void
on_connect(HermodConn *conn)
{
    Echo *e = g_new0(Echo, 1);

    e->conn = conn;
    hermod_conn_set_data(conn, e);
    hermod_conn_printf(conn, "hello %s\r\n", hermod_conn_role(conn));
}

static void
on_close(HermodConn *conn)
{
    g_free(hermod_conn_get_data(conn));
    g_atomic_int_inc(&closed_count);
}

static void
resume_later(gpointer data)
{
    HermodConn *conn = data;

    if (!hermod_conn_is_closed(conn)) {
        hermod_conn_printf(conn, "RESUMED\r\n");
        hermod_conn_resume(conn);
    }
    hermod_conn_unref(conn);
}

static void
slow_work(gpointer data)
{
    g_usleep(300 * 1000);
}

static void
slow_done(HermodConn *conn, gpointer data)
{
    g_assert_cmpstr(data, ==, "job");
    g_atomic_int_set(&slow_done_closed, hermod_conn_is_closed(conn) ? 1 : 2);
    hermod_conn_printf(conn, "WORKED\r\n"); /* dropped if closed */
}

static void
send_big(HermodConn *conn)
{
    Echo *e = hermod_conn_get_data(conn);
    char chunk[8192];

    memset(chunk, 'z', sizeof chunk);
    e->max_pending = MAX(e->max_pending, hermod_conn_output_pending(conn));
    g_atomic_int_set(&max_pending_seen, (gint)MAX((gsize)max_pending_seen, e->max_pending));
    while (e->big_left > 0 && hermod_conn_output_pending(conn) < 100 * 1024) {
        gsize n = MIN(e->big_left, sizeof chunk);
        hermod_conn_write(conn, chunk, n);
        e->big_left -= n;
    }
    if (e->big_left > 0)
        hermod_conn_want_writable(conn);
}

static gboolean
command(HermodConn *conn, const char *line)
{
    Echo *e = hermod_conn_get_data(conn);
    guint n = 0;

    if (sscanf(line, "BYTES %u", &n) == 1) {
        e->count_total = e->pieces = e->sum = 0;
        hermod_conn_read_bytes(conn, n);
    } else if (sscanf(line, "PAUSE %u", &n) == 1) {
        hermod_conn_pause(conn);
        hermod_loop_timer_add(hermod_conn_loop(conn), n, resume_later, hermod_conn_ref(conn));
    } else if (sscanf(line, "TIMEOUT %u", &n) == 1) {
        hermod_conn_set_timeout(conn, n);
    } else if (sscanf(line, "DUMP %u", &n) == 1) {
        g_autofree char *blob = g_malloc(n);
        memset(blob, 'd', n);
        hermod_conn_write(conn, blob, n);
    } else if (g_str_has_prefix(line, "MARK")) {
        g_atomic_int_set(&mark_seen, 1);
    } else if (sscanf(line, "BIG %u", &n) == 1) {
        e->big_left = n;
        send_big(conn);
    } else if (g_str_has_prefix(line, "STARTTLS")) {
        hermod_conn_printf(conn, "ready\r\n");
        hermod_conn_start_tls(conn);
    } else if (g_str_has_prefix(line, "WORK")) {
        hermod_conn_work_run(conn, slow_work, slow_done, (gpointer) "job");
    } else if (g_str_has_prefix(line, "INFO")) {
        hermod_conn_printf(conn, "INFO %s %s %d %d %d\r\n", hermod_conn_peer(conn),
                           hermod_conn_tls_info(conn) ? hermod_conn_tls_info(conn) : "-",
                           hermod_conn_is_tls(conn), hermod_conn_is_implicit_tls(conn),
                           hermod_conn_is_trusted(conn));
    } else if (g_str_has_prefix(line, "NODELAY")) {
        int on = 0;
        socklen_t len = sizeof on;
        g_assert_cmpint(getsockopt(conn->fd, IPPROTO_TCP, TCP_NODELAY, &on, &len), ==, 0);
        hermod_conn_printf(conn, "NODELAY %d\r\n", on != 0);
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
    g_assert_cmpint(line[len], ==, '\0');
    if (!is_partial && command(conn, line))
        return;
    GString *text = g_string_new(NULL);
    for (gsize i = 0; i < len; i++) {
        if (line[i] == '\r')
            g_string_append(text, "\\r");
        else if (line[i] == '\n')
            g_string_append(text, "\\n");
        else
            g_string_append_c(text, line[i]);
    }
    hermod_conn_printf(conn, "LINE %zu %c %s\r\n", len, is_partial ? 'P' : 'F', text->str);
    g_string_free(text, TRUE);
}

static void
on_data(HermodConn *conn, const guint8 *data, gsize len, gboolean is_last)
{
    Echo *e = hermod_conn_get_data(conn);

    e->count_total += len;
    e->pieces++;
    for (gsize i = 0; i < len; i++)
        e->sum = e->sum * 31 + data[i];
    if (is_last)
        hermod_conn_printf(conn, "GOT %zu %u %u\r\n", e->count_total, e->sum, e->pieces);
}

static void
on_tls_ready(HermodConn *conn)
{
    hermod_conn_printf(conn, "tls %s\r\n", hermod_conn_tls_info(conn));
}

static void
on_timeout(HermodConn *conn)
{
    hermod_conn_printf(conn, "timeout\r\n");
}

static void
on_shutdown(HermodConn *conn)
{
    hermod_conn_printf(conn, "shutdown\r\n");
    hermod_conn_close(conn);
}

static const HermodProtocol echo = {
    .struct_size = sizeof(HermodProtocol),
    .on_connect = on_connect,
    .on_line = on_line,
    .on_data = on_data,
    .on_writable = send_big,
    .on_tls_ready = on_tls_ready,
    .on_timeout = on_timeout,
    .on_shutdown = on_shutdown,
    .on_close = on_close,
};

/* --- the client (sock-client.h) */

static guint16 plain_port;
static guint16 tls_port;

static SockClient *
client_new(void)
{
    return sock_client_connect("127.0.0.1", plain_port, NULL);
}

/* --- tests */

static void
test_lines(void)
{
    SockClient *c = client_new();

    sock_client_expect(c, "hello plain");
    sock_client_puts(c, "a\r\nbb\nccc\r\n\n");
    sock_client_expect(c, "LINE 3 F a\\r\\n");
    sock_client_expect(c, "LINE 3 F bb\\n");
    sock_client_expect(c, "LINE 5 F ccc\\r\\n");
    sock_client_expect(c, "LINE 1 F \\n");
    /* A line in several segments is put together. */
    sock_client_puts(c, "sp");
    g_usleep(20000);
    sock_client_puts(c, "lit\r");
    g_usleep(20000);
    sock_client_puts(c, "\n");
    sock_client_expect(c, "LINE 7 F split\\r\\n");
    sock_client_puts(c, "QUIT\r\n");
    sock_client_expect(c, "bye");
    sock_client_expect_eof(c, 0);
    sock_client_free(c);
}

static void
test_long_line(void)
{
    SockClient *c = client_new();
    g_autofree char *big = g_strnfill(2500, 'x');
    g_autofree char *p1 = g_strdup_printf("LINE 1024 P %.*s", 1024, big);
    g_autofree char *p3 = g_strdup_printf("LINE 454 F %.*s\\r\\n", 452, big);

    sock_client_expect(c, "hello plain");
    sock_client_puts(c, big);
    /* Without a terminator the first two pieces still come. */
    sock_client_expect(c, p1);
    sock_client_expect(c, p1);
    sock_client_puts(c, "\r\nnext\r\n");
    sock_client_expect(c, p3);
    sock_client_expect(c, "LINE 6 F next\\r\\n");
    sock_client_free(c);
}

static void
test_counted(void)
{
    SockClient *c = client_new();
    gsize n = 300000;
    g_autofree char *data = g_malloc(n);
    guint32 sum = 0;

    for (gsize i = 0; i < n; i++) {
        data[i] = (char)(i * 7 + 3);
        sum = sum * 31 + (guint8)data[i];
    }
    sock_client_expect(c, "hello plain");
    sock_client_puts(c, "BYTES 5\r\nhe\nloNEXT\r\n");
    sock_client_expect(c, "GOT 5 99068144 1");
    sock_client_expect(c, "LINE 6 F NEXT\\r\\n");
    sock_client_puts(c, "BYTES 0\r\n");
    sock_client_expect(c, "GOT 0 0 1");
    g_autofree char *cmd = g_strdup_printf("BYTES %zu\r\n", n);
    sock_client_puts(c, cmd);
    sock_client_send(c, data, n / 2);
    g_usleep(20000);
    sock_client_send(c, data + n / 2, n - n / 2);
    sock_client_puts(c, "after\r\n");
    g_autofree char *got = sock_client_line(c);
    g_autofree char *want = g_strdup_printf("GOT %zu %u ", n, sum);
    g_assert_true(g_str_has_prefix(got, want));
    /* Delivered in pieces as it arrived, never collected whole. */
    g_assert_cmpint(atoi(got + strlen(want)), >, 1);
    sock_client_expect(c, "LINE 7 F after\\r\\n");
    sock_client_free(c);
}

/* Undo the echo's escaping of one LINE reply into out; checks the piece. */
static void
unescape_piece(const char *reply, GString *out)
{
    guint len = 0;
    char kind = 0;
    int skip = 0;

    g_assert_cmpint(sscanf(reply, "LINE %u %c %n", &len, &kind, &skip), ==, 2);
    gsize before = out->len;
    for (const char *p = reply + skip; *p != '\0'; p++) {
        if (p[0] == '\\' && (p[1] == 'r' || p[1] == 'n')) {
            g_string_append_c(out, p[1] == 'r' ? '\r' : '\n');
            p++;
        } else {
            g_string_append_c(out, *p);
        }
    }
    g_assert_cmpuint(out->len - before, ==, len);
    if (kind == 'P')
        g_assert_cmpuint(len, ==, 1024); /* pieces are exactly line_max */
    else
        g_assert_cmpint(out->str[out->len - 1], ==, '\n');
}

static void
test_random_split(void)
{
    SockClient *c = client_new();
    GString *sent = g_string_new(NULL);
    GString *seen = g_string_new(NULL);

    sock_client_expect(c, "hello plain");
    for (guint i = 0; i < 300; i++) {
        guint n = g_test_rand_bit() ? (guint)g_test_rand_int_range(0, 80)
                                    : (guint)g_test_rand_int_range(0, 3000);
        for (guint j = 0; j < n; j++)
            g_string_append_c(sent, (char)('a' + g_test_rand_int_range(0, 26)));
        g_string_append(sent, g_test_rand_bit() ? "\r\n" : "\n");
    }
    for (gsize off = 0; off < sent->len;) {
        gsize n = MIN(sent->len - off, (gsize)g_test_rand_int_range(1, 5000));
        sock_client_send(c, sent->str + off, n);
        off += n;
        if (g_test_rand_int_range(0, 10) == 0)
            g_usleep(2000);
    }
    while (seen->len < sent->len) {
        g_autofree char *reply = sock_client_line(c);
        g_assert_nonnull(reply);
        unescape_piece(reply, seen);
    }
    g_assert_cmpuint(seen->len, ==, sent->len);
    g_assert_true(memcmp(seen->str, sent->str, sent->len) == 0);
    g_string_free(sent, TRUE);
    g_string_free(seen, TRUE);
    sock_client_free(c);
}

static void
test_pipelined(void)
{
    SockClient *c = client_new();
    GString *all = g_string_new(NULL);

    sock_client_expect(c, "hello plain");
    for (guint i = 0; i < 500; i++)
        g_string_append_printf(all, "cmd%u\r\n", i);
    sock_client_send(c, all->str, all->len);
    for (guint i = 0; i < 500; i++) {
        g_autofree char *want = g_strdup_printf("LINE %u F cmd%u\\r\\n",
                                                i < 10    ? 6
                                                : i < 100 ? 7
                                                          : 8,
                                                i);
        sock_client_expect(c, want);
    }
    g_string_free(all, TRUE);
    sock_client_free(c);
}

static void
test_pause_resume(void)
{
    SockClient *c = client_new();
    gint64 start;

    sock_client_expect(c, "hello plain");
    start = g_get_monotonic_time();
    sock_client_puts(c, "PAUSE 200\r\nafter\r\n");
    sock_client_expect(c, "RESUMED");
    sock_client_expect(c, "LINE 7 F after\\r\\n");
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 200000);
    sock_client_free(c);
}

static void
test_many_clients(void)
{
    SockClient *c[100];

    for (guint i = 0; i < G_N_ELEMENTS(c); i++)
        c[i] = client_new();
    for (guint i = 0; i < G_N_ELEMENTS(c); i++) {
        g_autofree char *msg = g_strdup_printf("client %03u\r\n", i);
        sock_client_expect(c[i], "hello plain");
        sock_client_puts(c[i], msg);
    }
    for (guint i = G_N_ELEMENTS(c); i-- > 0;) {
        g_autofree char *want = g_strdup_printf("LINE 12 F client %03u\\r\\n", i);
        sock_client_expect(c[i], want);
        sock_client_free(c[i]);
    }
}

static void
test_idle_timeout(void)
{
    SockClient *c = client_new();
    gint64 start = g_get_monotonic_time();

    sock_client_expect(c, "hello plain");
    sock_client_puts(c, "TIMEOUT 1\r\n");
    sock_client_expect(c, "timeout");
    sock_client_expect_eof(c, 0);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 900000);
    sock_client_free(c);
}

/* Send byte every interval_ms (each send is progress for the idle timer)
 * until the server says something; at most max_bytes.  Returns the bytes
 * sent. */
static guint
drip(SockClient *c, char byte, guint interval_ms, guint max_bytes)
{
    struct pollfd p = {.fd = sock_client_fd(c), .events = POLLIN};
    guint sent = 0;

    while (sent < max_bytes && poll(&p, 1, (int)interval_ms) == 0) {
        if (send(sock_client_fd(c), &byte, 1, MSG_NOSIGNAL) != 1)
            break;
        sent++;
    }
    return sent;
}

/* A line dripped a byte at a time is answered and closed once
 * line_timeout (2 s here) has passed since its first byte, although every
 * byte resets the idle timer; a line as slow but complete in time is fine. */
static void
test_slow_line(void)
{
    SockClient *c = client_new();
    gint64 start = g_get_monotonic_time();

    sock_client_expect(c, "hello plain");
    sock_client_puts(c, "sl");
    g_usleep(1200000); /* slow, but the whole line within 2 s */
    sock_client_puts(c, "ow\r\n");
    sock_client_expect(c, "LINE 6 F slow\\r\\n");
    start = g_get_monotonic_time();
    guint sent = drip(c, 'x', 200, 50);
    sock_client_expect(c, "timeout");
    sock_client_expect_eof(c, 0);
    g_assert_cmpuint(sent, >=, 5);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 1900000);
    sock_client_free(c);
}

/* Counted data must average data_min_rate (2K/s) once data_grace (1 s)
 * has passed: a fast transfer completes, a dripped one is cut off. */
static void
test_slow_counted(void)
{
    SockClient *c = client_new();
    char chunk[4000];

    memset(chunk, 'c', sizeof chunk);
    sock_client_expect(c, "hello plain");
    sock_client_puts(c, "BYTES 12000\r\n");
    for (guint i = 0; i < 3; i++) {
        sock_client_send(c, chunk, sizeof chunk);
        g_usleep(300000); /* ~13 KB/s */
    }
    g_autofree char *got = sock_client_line(c);
    g_assert_true(g_str_has_prefix(got, "GOT 12000 "));
    sock_client_puts(c, "BYTES 100000\r\n");
    guint sent = drip(c, 'd', 100, 100);
    sock_client_expect(c, "timeout");
    sock_client_expect_eof(c, 0);
    g_assert_cmpuint(sent, >=, 5);
    g_assert_cmpuint(sent, <, 100);
    sock_client_free(c);
}

static void
wait_count(guint n)
{
    for (guint i = 0; i < 500 && hermod_conntrack_count() != n; i++)
        g_usleep(10000);
    g_assert_cmpuint(hermod_conntrack_count(), ==, n);
}

static void
test_limits(void)
{
    SockClient *c[4];

    wait_count(0);
    hermod_conntrack_set_caps(1000, 3);
    for (guint i = 0; i < 3; i++) {
        c[i] = client_new();
        sock_client_expect(c[i], "hello plain");
    }
    /* The fourth is accepted by the kernel and closed at once. */
    c[3] = client_new();
    sock_client_expect_eof(c[3], 0);
    sock_client_free(c[3]);
    /* Another address still gets in; it is in [auth] trusted_networks. */
    c[3] = sock_client_connect("127.0.0.1", plain_port, "127.0.0.2");
    sock_client_expect(c[3], "hello plain");
    sock_client_puts(c[3], "INFO\r\n");
    sock_client_expect(c[3], "INFO 127.0.0.2 - 0 0 1");
    sock_client_free(c[3]);
    sock_client_free(c[0]);
    wait_count(2);
    c[0] = client_new();
    sock_client_expect(c[0], "hello plain");
    for (guint i = 0; i < 3; i++)
        sock_client_free(c[i]);
    wait_count(0);

    /* The total cap counts every address. */
    hermod_conntrack_set_caps(2, 0);
    c[0] = client_new();
    c[1] = sock_client_connect("127.0.0.1", plain_port, "127.0.0.3");
    sock_client_expect(c[0], "hello plain");
    sock_client_expect(c[1], "hello plain");
    c[2] = sock_client_connect("127.0.0.1", plain_port, "127.0.0.4");
    sock_client_expect_eof(c[2], 0);
    for (guint i = 0; i < 3; i++)
        sock_client_free(c[i]);
    wait_count(0);

    /* Only live connections count: one whose client has hung up but
     * whose close the server has not processed yet (its input is paused
     * here, so it cannot see the EOF) does not hold a place. */
    hermod_conntrack_set_caps(1000, 1);
    c[0] = client_new();
    sock_client_expect(c[0], "hello plain");
    sock_client_puts(c[0], "PAUSE 3000\r\n");
    g_usleep(100000);
    sock_client_free(c[0]);
    g_usleep(100000);
    g_assert_cmpuint(hermod_conntrack_count(), ==, 1);
    c[1] = client_new();
    sock_client_expect(c[1], "hello plain");
    /* ...while a live one still does. */
    c[2] = client_new();
    sock_client_expect_eof(c[2], 0);
    sock_client_free(c[2]);
    sock_client_free(c[1]);
    wait_count(0);
    hermod_conntrack_set_caps(1000, 200);
}

static void
test_starttls(void)
{
    SockClient *c = client_new();
    g_autofree char *line = NULL;

    sock_client_expect(c, "hello plain");
    /* The line after STARTTLS comes in the same packet: it must be dropped,
     * not run inside the TLS session. */
    sock_client_puts(c, "STARTTLS\r\nINJECTED\r\n");
    sock_client_expect(c, "ready");
    sock_client_tls(c, "localhost");
    line = sock_client_line(c);
    g_assert_true(g_str_has_prefix(line, "tls TLS1."));
    sock_client_puts(c, "INFO\r\n");
    g_clear_pointer(&line, g_free);
    line = sock_client_line(c);
    g_assert_true(g_str_has_prefix(line, "INFO 127.0.0.1 TLS1."));
    g_assert_true(g_str_has_suffix(line, " 1 0 0"));
    sock_client_puts(c, "QUIT\r\n");
    sock_client_expect(c, "bye");
    sock_client_expect_eof(c, 0);
    sock_client_free(c);
}

static void
test_implicit_tls(void)
{
    SockClient *c = sock_client_connect("127.0.0.1", tls_port, NULL);
    g_autofree char *line = NULL;
    g_autofree char *big = g_strnfill(40000, 'q');

    sock_client_tls(c, "localhost");
    sock_client_expect(c, "hello secure");
    sock_client_puts(c, "INFO\r\n");
    line = sock_client_line(c);
    g_assert_true(g_str_has_suffix(line, " 1 1 0"));
    /* Records larger than one read, and many lines in one record. */
    sock_client_puts(c, "BYTES 40000\r\n");
    sock_client_puts(c, big);
    g_clear_pointer(&line, g_free);
    line = sock_client_line(c);
    g_assert_true(g_str_has_prefix(line, "GOT 40000 "));
    sock_client_puts(c, "one\r\ntwo\r\n");
    sock_client_expect(c, "LINE 5 F one\\r\\n");
    sock_client_expect(c, "LINE 5 F two\\r\\n");
    sock_client_free(c);
}

static void
test_tls_garbage(void)
{
    SockClient *c = sock_client_connect("127.0.0.1", tls_port, NULL);

    /* Not a ClientHello: the handshake fails and the connection closes. */
    sock_client_puts(c, "EHLO plaintext\r\n\r\n\r\n\r\n\r\n\r\n");
    sock_client_expect_eof(c, 0);
    sock_client_free(c);
}

static void
test_handshake_timeout(void)
{
    SockClient *c = sock_client_connect("127.0.0.1", tls_port, NULL);
    gint64 start = g_get_monotonic_time();

    /* Connected, but no ClientHello: cut after [limits] handshake_timeout. */
    sock_client_expect_eof(c, 0);
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 900000);
    sock_client_free(c);
}

static void
test_ipv6(void)
{
    SockClient *c = sock_client_connect("::1", hermod_listener_port("six"), NULL);

    sock_client_expect(c, "hello six");
    sock_client_puts(c, "INFO\r\n");
    sock_client_expect(c, "INFO ::1 - 0 0 0");
    sock_client_puts(c, "NODELAY\r\n");
    sock_client_expect(c, "NODELAY 1");
    sock_client_free(c);
}

/* Accepted TCP sockets have Nagle off: a reply longer than a segment
 * must not wait for the client's delayed ACK. */
static void
test_no_delay(void)
{
    SockClient *c = client_new();

    sock_client_expect(c, "hello plain");
    sock_client_puts(c, "NODELAY\r\n");
    sock_client_expect(c, "NODELAY 1");
    sock_client_free(c);
}

static void
test_streaming(void)
{
    SockClient *c = client_new();
    gsize want = 3 * 1024 * 1024;
    gsize got = 0;

    sock_client_expect(c, "hello plain");
    g_autofree char *cmd = g_strdup_printf("BIG %zu\r\n", want);
    sock_client_puts(c, cmd);
    g_usleep(100000); /* let the server fill the socket and wait */
    while (got < want) {
        gsize before = sock_client_buffer(c)->len;
        g_assert_cmpint(sock_client_fill(c), >, 0);
        got += sock_client_buffer(c)->len - before;
        g_string_truncate(sock_client_buffer(c), 0);
    }
    g_assert_cmpuint(got, ==, want);
    /* on_writable came below the low-water mark, so output stayed small. */
    g_assert_cmpint(g_atomic_int_get(&max_pending_seen), <=, 32 * 1024);
    sock_client_free(c);
}

static void
test_backpressure(void)
{
    SockClient *c = client_new();
    gsize want = 20 * 1024 * 1024;
    gsize got = 0;

    sock_client_expect(c, "hello plain");
    g_autofree char *cmd = g_strdup_printf("DUMP %zu\r\nMARK\r\n", want);
    sock_client_puts(c, cmd);
    /* Output far above the high-water mark: the next command waits. */
    g_usleep(200000);
    g_assert_cmpint(g_atomic_int_get(&mark_seen), ==, 0);
    while (got < want) {
        gsize before = sock_client_buffer(c)->len;
        g_assert_cmpint(sock_client_fill(c), >, 0);
        got += sock_client_buffer(c)->len - before;
        g_string_truncate(sock_client_buffer(c), 0);
    }
    sock_client_puts(c, "INFO\r\n");
    g_autofree char *line = sock_client_line(c);
    g_assert_true(g_str_has_prefix(line, "INFO 127.0.0.1"));
    g_assert_cmpint(g_atomic_int_get(&mark_seen), ==, 1);
    sock_client_free(c);
}

static void
test_work_after_close(void)
{
    SockClient *c = client_new();
    guint before = (guint)g_atomic_int_get(&closed_count);

    sock_client_expect(c, "hello plain");
    sock_client_puts(c, "WORK\r\n");
    g_usleep(50000);
    sock_client_free(c); /* gone while the job sleeps */
    for (guint i = 0; i < 300 && g_atomic_int_get(&slow_done_closed) == 0; i++)
        g_usleep(10000);
    g_assert_cmpint(g_atomic_int_get(&slow_done_closed), ==, 1);
    g_assert_cmpuint((guint)g_atomic_int_get(&closed_count), >, before);

    /* And with the connection still open, done writes its reply. */
    g_atomic_int_set(&slow_done_closed, 0);
    c = client_new();
    sock_client_expect(c, "hello plain");
    sock_client_puts(c, "WORK\r\n");
    sock_client_expect(c, "WORKED");
    g_assert_cmpint(g_atomic_int_get(&slow_done_closed), ==, 2);
    sock_client_free(c);
}

static void
test_drain(void)
{
    SockClient *a = client_new();
    SockClient *b = client_new();

    sock_client_expect(a, "hello plain");
    sock_client_expect(b, "hello plain");
    hermod_listeners_stop();
    hermod_conns_drain(2);
    sock_client_expect(a, "shutdown");
    sock_client_expect_eof(a, 0);
    sock_client_expect(b, "shutdown");
    sock_client_expect_eof(b, 0);
    g_assert_cmpuint(hermod_conntrack_count(), ==, 0);
    sock_client_free(a);
    sock_client_free(b);
}

/* After the drain: binding errors name the listener and the address. */
static void
test_bind_errors(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof sin;
    g_autoptr(GError) error = NULL;

    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    g_assert_cmpint(bind(fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    getsockname(fd, (struct sockaddr *)&sin, &len);
    g_autofree char *busy =
        g_strdup_printf("[listener busy]\nprotocol = echo\nport = %u\n", ntohs(sin.sin_port));
    g_autoptr(HermodConfig) cfg = hermod_config_load_data(busy, "busy.conf", NULL, &error);
    g_assert_no_error(error);
    g_assert_false(hermod_listeners_bind(cfg, &error));
    g_assert_error(error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
    g_assert_nonnull(strstr(error->message, "listener busy: 127.0.0.1 port"));
    g_clear_error(&error);
    close(fd);

    g_autoptr(HermodConfig) named =
        hermod_config_load_data("[listener host]\nprotocol = echo\nport = 0\naddress = localhost\n",
                                "host.conf", NULL, &error);
    g_assert_no_error(error);
    g_assert_false(hermod_listeners_bind(named, &error));
    g_assert_cmpstr(error->message, ==, "listener host: localhost is not an IP address");
    g_clear_error(&error);

    g_autoptr(HermodConfig) noport =
        hermod_config_load_data("[listener np]\nprotocol = echo\n", "np.conf", NULL, &error);
    g_assert_no_error(error);
    g_assert_false(hermod_listeners_bind(noport, &error));
    g_assert_cmpstr(error->message, ==, "np.conf: [listener np] needs protocol and port");
}

static const char config_text[] = "[core]\n"
                                  "hostname = localhost\n"
                                  "[auth]\n"
                                  "trusted_networks = 127.0.0.2/32; ::2\n"
                                  "[limits]\n"
                                  "line_max = 1024\n"
                                  "handshake_timeout = 1s\n"
                                  "max_connections_per_ip = 200\n"
                                  "line_timeout = 2s\n"
                                  "data_min_rate = 2K\n"
                                  "data_grace = 1s\n"
                                  "[listener plain]\n"
                                  "protocol = echo\n"
                                  "port = 0\n"
                                  "role = plain\n"
                                  "tls = starttls\n"
                                  "[listener secure]\n"
                                  "protocol = echo\n"
                                  "address = 127.0.0.1\n"
                                  "port = 0\n"
                                  "role = secure\n"
                                  "tls = implicit\n"
                                  "[listener six]\n"
                                  "protocol = echo\n"
                                  "address = ::1\n"
                                  "port = 0\n"
                                  "role = six\n"
                                  "[listener off]\n"
                                  "protocol = nothing\n"
                                  "port = 1\n"
                                  "enabled = no\n";

/* The real certificate store: a self-signed certificate for localhost is
 * created in dir on first load. */
static void
start_tls_store(HermodConfig *cfg)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodTlsStore) store = hermod_tls_store_load(cfg, &error);

    g_assert_no_error(error);
    hermod_tls_store_set_current(store);
}

static void
start_server(const char *dir)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *data_dir = g_strdup_printf("core.data_dir=%s", dir);
    const char *overrides[] = {data_dir, NULL};
    g_autoptr(HermodConfig) cfg =
        hermod_config_load_data(config_text, "test.conf", overrides, &error);

    g_assert_no_error(error);
    start_tls_store(cfg);
    g_assert_true(hermod_auth_configure(cfg, &error));
    g_assert_true(hermod_loops_start(2, &error));
    g_assert_true(hermod_workpool_start(2, &error));
    g_assert_true(hermod_listeners_bind(cfg, &error));
    g_assert_no_error(error);
    g_assert_false(hermod_listeners_check_attached(&error));
    g_assert_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_BAD_VALUE);
    g_clear_error(&error);
    g_assert_cmpuint(hermod_listeners_attach("echo", &echo), ==, 3);
    g_assert_true(hermod_listeners_check_attached(&error));
    g_assert_true(hermod_listeners_start(&error));
    g_assert_no_error(error);
    plain_port = hermod_listener_port("plain");
    tls_port = hermod_listener_port("secure");
    g_assert_cmpuint(plain_port, >, 0);
    g_assert_cmpuint(tls_port, >, 0);
    g_assert_cmpuint(hermod_listener_port("off"), ==, 0);
}

int
main(int argc, char **argv)
{
    g_autofree char *dir = g_dir_make_tmp("hermod-conn-XXXXXX", NULL);

    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(hermod_core_sections);
    start_server(dir);
    g_test_add_func("/conn/lines", test_lines);
    g_test_add_func("/conn/long-line", test_long_line);
    g_test_add_func("/conn/counted", test_counted);
    g_test_add_func("/conn/random-split", test_random_split);
    g_test_add_func("/conn/pipelined", test_pipelined);
    g_test_add_func("/conn/pause-resume", test_pause_resume);
    g_test_add_func("/conn/many-clients", test_many_clients);
    g_test_add_func("/conn/idle-timeout", test_idle_timeout);
    g_test_add_func("/conn/slow-line", test_slow_line);
    g_test_add_func("/conn/slow-counted", test_slow_counted);
    g_test_add_func("/conn/limits", test_limits);
    g_test_add_func("/conn/starttls", test_starttls);
    g_test_add_func("/conn/implicit-tls", test_implicit_tls);
    g_test_add_func("/conn/tls-garbage", test_tls_garbage);
    g_test_add_func("/conn/handshake-timeout", test_handshake_timeout);
    g_test_add_func("/conn/ipv6", test_ipv6);
    g_test_add_func("/conn/no-delay", test_no_delay);
    g_test_add_func("/conn/streaming", test_streaming);
    g_test_add_func("/conn/backpressure", test_backpressure);
    g_test_add_func("/conn/work-after-close", test_work_after_close);
    g_test_add_func("/conn/drain", test_drain);
    g_test_add_func("/conn/bind-errors", test_bind_errors);
    int rc = g_test_run();
    hermod_workpool_stop();
    hermod_loops_stop();
    hermod_tls_store_set_current(NULL);
    test_rm_rf(dir);
    return rc;
}
