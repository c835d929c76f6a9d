/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sock-client.h - the blocking test client of the connection tests: a
 * socket to a listener on loopback (or an adopted socketpair end), lines
 * and bytes in and out, optional TLS (GnuTLS, no certificate check) and an
 * optional filter on what comes in (test-conn-deflate inflates there).
 *
 * Every read waits SOCK_CLIENT_TIMEOUT seconds at most and then fails the
 * test, so a server that never answers cannot hang make check.  One
 * thread per client.
 */
#ifndef HERMOD_TESTS_SOCK_CLIENT_H
#define HERMOD_TESTS_SOCK_CLIENT_H

#include <glib.h>

G_BEGIN_DECLS

#define SOCK_CLIENT_TIMEOUT 30 /* seconds */

typedef struct SockClient SockClient;

/* What came off the wire (after TLS) into what the test reads. */
typedef void (*SockClientFilter)(const guint8 *wire, gsize len, GString *out, gpointer data);

/* Connect to a numeric address ("127.0.0.1", "::1"); from (nullable) is
 * the local address to bind first.  (transfer full) */
SockClient *sock_client_connect(const char *host, guint16 port, const char *from);
/* Take over a connected socket (a socketpair's end), made blocking. */
SockClient *sock_client_adopt(int fd);
/* The socket, for a test that drives it directly (transfer none). */
int sock_client_fd(SockClient *c);
/* Close (without a TLS close_notify) and free. */
void sock_client_free(SockClient *c);

/* The TLS handshake on the connection; sni nullable. */
void sock_client_tls(SockClient *c, const char *sni);
/* Run fn over everything received from now on (NULL: stop). */
void sock_client_set_filter(SockClient *c, SockClientFilter fn, gpointer data);

/* Send all of data as it is (TLS when on; never filtered). */
void sock_client_send(SockClient *c, const void *data, gsize len);
void sock_client_puts(SockClient *c, const char *text);

/* Receive once into the buffer; the bytes that came off the wire, 0 at
 * EOF (a reset or a TLS end without close_notify counts as EOF). */
gssize sock_client_fill(SockClient *c);
/* What was received and not taken yet (transfer none): a test may read
 * and erase it. */
GString *sock_client_buffer(SockClient *c);
/* The next line without its CRLF or LF (transfer full), NULL at EOF. */
char *sock_client_line(SockClient *c);
/* The next len bytes (transfer full); EOF before them fails the test. */
GBytes *sock_client_take(SockClient *c, gsize len);
/* The next line must be want. */
void sock_client_expect(SockClient *c, const char *want);
/* The connection must end after at most max_lines more lines. */
void sock_client_expect_eof(SockClient *c, guint max_lines);

G_END_DECLS

#endif
