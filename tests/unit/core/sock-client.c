/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sock-client.c - the connection tests' blocking client of
 * sock-client.h: a socket with a receive timeout, a GnuTLS client session
 * when asked, and a buffer of what came in.
 *
 * It knows no protocol beyond lines; what a test's protocol means (echo
 * replies, DEFLATE streams, watch notices) stays in the test.
 */
#include "autoconfig.h"

#include "sock-client.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

struct SockClient {
    int fd;
    GString *buf;
    gnutls_session_t tls;
    gnutls_certificate_credentials_t creds;
    SockClientFilter filter;
    gpointer filter_data;
};

static void
set_timeout(int fd)
{
    struct timeval tv = {.tv_sec = SOCK_CLIENT_TIMEOUT};

    g_assert_cmpint(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), ==, 0);
}

SockClient *
sock_client_adopt(int fd)
{
    SockClient *c = g_new0(SockClient, 1);
    int flags = fcntl(fd, F_GETFL);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(fcntl(fd, F_SETFL, flags & ~O_NONBLOCK), ==, 0);
    set_timeout(fd);
    c->fd = fd;
    c->buf = g_string_new(NULL);
    return c;
}

/* A sockaddr for a numeric host and port (either family). */
static socklen_t
address(const char *host, guint16 port, struct sockaddr_storage *out)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)out;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)out;

    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons(port);
        return sizeof *sin;
    }
    g_assert_cmpint(inet_pton(AF_INET6, host, &sin6->sin6_addr), ==, 1);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_port = htons(port);
    return sizeof *sin6;
}

SockClient *
sock_client_connect(const char *host, guint16 port, const char *from)
{
    struct sockaddr_storage to, local;
    socklen_t len = address(host, port, &to);
    int fd = socket(to.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(fd, >=, 0);
    if (from != NULL) {
        socklen_t local_len = address(from, 0, &local);
        g_assert_cmpint(bind(fd, (struct sockaddr *)&local, local_len), ==, 0);
    }
    g_assert_cmpint(connect(fd, (struct sockaddr *)&to, len), ==, 0);
    return sock_client_adopt(fd);
}

int
sock_client_fd(SockClient *c)
{
    return c->fd;
}

void
sock_client_free(SockClient *c)
{
    if (c->tls != NULL) {
        gnutls_deinit(c->tls);
        gnutls_certificate_free_credentials(c->creds);
    }
    close(c->fd);
    g_string_free(c->buf, TRUE);
    g_free(c);
}

void
sock_client_tls(SockClient *c, const char *sni)
{
    int ret;

    g_assert_null(c->tls);
    gnutls_certificate_allocate_credentials(&c->creds);
    gnutls_init(&c->tls, GNUTLS_CLIENT);
    gnutls_set_default_priority(c->tls);
    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->creds);
    if (sni != NULL)
        gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, sni, strlen(sni));
    gnutls_transport_set_int(c->tls, c->fd);
    do
        ret = gnutls_handshake(c->tls);
    while (ret < 0 && !gnutls_error_is_fatal(ret));
    g_assert_cmpint(ret, ==, 0);
}

void
sock_client_set_filter(SockClient *c, SockClientFilter fn, gpointer data)
{
    c->filter = fn;
    c->filter_data = data;
}

void
sock_client_send(SockClient *c, const void *data, gsize len)
{
    const char *p = data;

    while (len > 0) {
        gssize n =
            c->tls != NULL ? gnutls_record_send(c->tls, p, len) : send(c->fd, p, len, MSG_NOSIGNAL);
        g_assert_cmpint(n, >, 0);
        p += n;
        len -= (gsize)n;
    }
}

void
sock_client_puts(SockClient *c, const char *text)
{
    sock_client_send(c, text, strlen(text));
}

/* One read off the wire into wire: its length, 0 at EOF. */
static gssize
receive(SockClient *c, guint8 *wire, gsize size)
{
    gint64 end = g_get_monotonic_time() + SOCK_CLIENT_TIMEOUT * G_TIME_SPAN_SECOND;
    gssize n;

    /* GnuTLS answers AGAIN after a TLS 1.3 session ticket even on a
     * blocking socket; the receive timeout shows up as AGAIN too. */
    do
        n = c->tls != NULL ? gnutls_record_recv(c->tls, wire, size) : recv(c->fd, wire, size, 0);
    while (c->tls != NULL && (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED) &&
           g_get_monotonic_time() < end);
    if (c->tls != NULL && n == GNUTLS_E_PREMATURE_TERMINATION)
        return 0;
    if (c->tls == NULL && n < 0 && errno == ECONNRESET)
        return 0; /* closed with our bytes unread: a reset, as good as EOF */
    if (n < 0)
        g_error("sock-client: nothing received in %d s (%s)", SOCK_CLIENT_TIMEOUT,
                c->tls != NULL ? gnutls_strerror((int)n) : g_strerror(errno));
    return n;
}

gssize
sock_client_fill(SockClient *c)
{
    guint8 wire[65536];
    gssize n = receive(c, wire, sizeof wire);

    if (n > 0 && c->filter != NULL)
        c->filter(wire, (gsize)n, c->buf, c->filter_data);
    else
        g_string_append_len(c->buf, (const char *)wire, n);
    return n;
}

GString *
sock_client_buffer(SockClient *c)
{
    return c->buf;
}

char *
sock_client_line(SockClient *c)
{
    char *nl;

    while ((nl = memchr(c->buf->str, '\n', c->buf->len)) == NULL)
        if (sock_client_fill(c) == 0)
            return NULL;
    gsize len = (gsize)(nl - c->buf->str) + 1;
    char *line = g_strndup(c->buf->str, len > 1 && nl[-1] == '\r' ? len - 2 : len - 1);
    g_string_erase(c->buf, 0, (gssize)len);
    return line;
}

GBytes *
sock_client_take(SockClient *c, gsize len)
{
    while (c->buf->len < len)
        g_assert_cmpint(sock_client_fill(c), >, 0);
    GBytes *bytes = g_bytes_new(c->buf->str, len);
    g_string_erase(c->buf, 0, (gssize)len);
    return bytes;
}

void
sock_client_expect(SockClient *c, const char *want)
{
    g_autofree char *line = sock_client_line(c);

    g_assert_cmpstr(line, ==, want);
}

void
sock_client_expect_eof(SockClient *c, guint max_lines)
{
    for (guint i = 0; i <= max_lines; i++) {
        g_autofree char *line = sock_client_line(c);
        if (line == NULL)
            return;
        if (i == max_lines)
            g_assert_cmpstr(line, ==, NULL); /* names the line that came instead */
    }
}
