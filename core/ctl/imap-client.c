/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * imap-client.c - a blocking IMAP client for hermodctl import imap.
 *
 * GIO resolves and connects; the socket is then used blocking with a
 * receive and send timeout of two minutes, through GnuTLS when TLS is on
 * (system trust store or --ca, host name checked, SNI sent).  Responses
 * are parsed straight from the buffered stream: atoms (with any
 * "[...]" section inside, as in BODY[]), quoted strings, literals
 * ("{N}" then N bytes, read whole however large), lists and NIL.  Only
 * the untagged responses the importer asks for are parsed; the others
 * (OK, FLAGS, CAPABILITY, ...) are read as lines and dropped.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ctl/imap-client.h"

#define IO_TIMEOUT_S 120
#define MAX_LITERAL  (1024u * 1024 * 1024)

struct HermodImapClient {
    GSocketConnection *conn;
    int fd;
    gnutls_session_t tls;
    gnutls_certificate_credentials_t creds;
    guint tag;
    char buf[16384];
    gsize pos, len;
};

/* clang-format off */
G_DEFINE_QUARK(hermod-imap-client-error-quark, hermod_imap_client_error)
/* clang-format on */

static gboolean
io_error(GError **error, const char *what, const char *detail)
{
    g_set_error(error, HERMOD_IMAP_CLIENT_ERROR, HERMOD_IMAP_CLIENT_ERROR_IO, "%s: %s", what,
                detail);
    return FALSE;
}

static gboolean
write_all(HermodImapClient *c, const char *data, gsize len, GError **error)
{
    while (len > 0) {
        ssize_t n = c->tls != NULL ? gnutls_record_send(c->tls, data, len)
                                   : send(c->fd, data, len, MSG_NOSIGNAL);
        if (n < 0 &&
            (c->tls != NULL ? n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN : errno == EINTR))
            continue;
        if (n <= 0)
            return io_error(error, "writing to the server",
                            c->tls != NULL ? gnutls_strerror((int)n) : g_strerror(errno));
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

static gboolean
fill(HermodImapClient *c, GError **error)
{
    ssize_t n;

    do
        n = c->tls != NULL ? gnutls_record_recv(c->tls, c->buf, sizeof c->buf)
                           : recv(c->fd, c->buf, sizeof c->buf, 0);
    /* GnuTLS says AGAIN after a post-handshake message (a TLS 1.3
     * session ticket) even on a blocking socket: read on. */
    while (n < 0 &&
           (c->tls != NULL ? n == GNUTLS_E_INTERRUPTED || n == GNUTLS_E_AGAIN : errno == EINTR));
    if (n == 0)
        return io_error(error, "reading from the server", "connection closed");
    if (n < 0)
        return io_error(error, "reading from the server",
                        c->tls != NULL ? gnutls_strerror((int)n) : g_strerror(errno));
    c->pos = 0;
    c->len = (gsize)n;
    return TRUE;
}

/* The next byte without taking it; -1 on error. */
static int
peek(HermodImapClient *c, GError **error)
{
    if (c->pos == c->len && !fill(c, error))
        return -1;
    return (guchar)c->buf[c->pos];
}

static int
take(HermodImapClient *c, GError **error)
{
    int ch = peek(c, error);

    if (ch >= 0)
        c->pos++;
    return ch;
}

/* The rest of the line, without CRLF.  (transfer full) */
static char *
read_line(HermodImapClient *c, GError **error)
{
    GString *s = g_string_new(NULL);
    int ch;

    while ((ch = take(c, error)) >= 0 && ch != '\n') {
        if (ch != '\r')
            g_string_append_c(s, (char)ch);
    }
    if (ch < 0) {
        g_string_free(s, TRUE);
        return NULL;
    }
    return g_string_free(s, FALSE);
}

static void
value_free(gpointer p)
{
    HermodImapValue *v = p;

    if (v == NULL)
        return;
    g_free(v->text);
    if (v->bytes != NULL)
        g_bytes_unref(v->bytes);
    if (v->items != NULL)
        g_ptr_array_unref(v->items);
    g_free(v);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodImapValue, value_free)

static HermodImapValue *
value_new(HermodImapKind kind)
{
    HermodImapValue *v = g_new0(HermodImapValue, 1);

    v->kind = kind;
    if (kind == HERMOD_IMAP_LIST)
        v->items = g_ptr_array_new_with_free_func(value_free);
    return v;
}

static gboolean
protocol_error(GError **error, const char *what)
{
    g_set_error(error, HERMOD_IMAP_CLIENT_ERROR, HERMOD_IMAP_CLIENT_ERROR_PROTOCOL,
                "unreadable response from the server: %s", what);
    return FALSE;
}

/* "{N}" CRLF then N bytes. */
static HermodImapValue *
parse_literal(HermodImapClient *c, GError **error)
{
    g_autofree char *line = read_line(c, error);
    guint64 n = 0;
    GByteArray *data;

    if (line == NULL)
        return NULL;
    if (sscanf(line, "%" G_GUINT64_FORMAT "}", &n) != 1 || n > MAX_LITERAL) {
        protocol_error(error, "bad literal");
        return NULL;
    }
    data = g_byte_array_sized_new((guint)n);
    while (data->len < n) {
        if (c->pos == c->len && !fill(c, error)) {
            g_byte_array_unref(data);
            return NULL;
        }
        gsize chunk = MIN(c->len - c->pos, (gsize)n - data->len);
        g_byte_array_append(data, (const guint8 *)c->buf + c->pos, (guint)chunk);
        c->pos += chunk;
    }
    HermodImapValue *v = value_new(HERMOD_IMAP_STRING);
    v->bytes = g_byte_array_free_to_bytes(data);
    v->text = g_strndup(g_bytes_get_data(v->bytes, NULL), g_bytes_get_size(v->bytes));
    return v;
}

static HermodImapValue *
parse_quoted(HermodImapClient *c, GError **error)
{
    GString *s = g_string_new(NULL);
    int ch;

    while ((ch = take(c, error)) >= 0 && ch != '"') {
        if (ch == '\\')
            ch = take(c, error);
        if (ch < 0 || ch == '\n')
            break;
        g_string_append_c(s, (char)ch);
    }
    if (ch != '"') {
        g_string_free(s, TRUE);
        if (ch >= 0)
            protocol_error(error, "unterminated string");
        return NULL;
    }
    HermodImapValue *v = value_new(HERMOD_IMAP_STRING);
    v->bytes = g_bytes_new(s->str, s->len);
    v->text = g_string_free(s, FALSE);
    return v;
}

/* An atom, with a "[...]" part kept whole (BODY[], [UIDVALIDITY 1]). */
static HermodImapValue *
parse_atom(HermodImapClient *c, GError **error)
{
    GString *s = g_string_new(NULL);
    int depth = 0, ch;

    while ((ch = peek(c, error)) >= 0 && ch != '\r' && ch != '\n' &&
           (depth > 0 || (ch != ' ' && ch != '(' && ch != ')'))) {
        depth += ch == '[' ? 1 : ch == ']' ? -1 : 0;
        g_string_append_c(s, (char)take(c, error));
    }
    if (ch < 0) {
        g_string_free(s, TRUE);
        return NULL;
    }
    HermodImapValue *v = value_new(strcmp(s->str, "NIL") == 0 ? HERMOD_IMAP_NIL : HERMOD_IMAP_ATOM);
    v->text = g_string_free(s, FALSE);
    return v;
}

/* Values up to ')' (is_list) or the end of the line, into list. */
static gboolean
parse_items(HermodImapClient *c, HermodImapValue *list, gboolean is_list, GError **error)
{
    for (;;) {
        int ch = peek(c, error);
        HermodImapValue *v;
        if (ch < 0)
            return FALSE;
        if (ch == ' ') {
            take(c, error);
            continue;
        }
        if (ch == ')' || ch == '\r' || ch == '\n') {
            if (ch == ')' && !is_list)
                return protocol_error(error, "unbalanced ')'");
            if (ch != ')' && is_list)
                return protocol_error(error, "unterminated list");
            if (ch == ')')
                take(c, error);
            else
                g_free(read_line(c, error));
            return TRUE;
        }
        take(c, error);
        if (ch == '(') {
            v = value_new(HERMOD_IMAP_LIST);
            if (!parse_items(c, v, TRUE, error)) {
                value_free(v);
                return FALSE;
            }
        } else if (ch == '"') {
            v = parse_quoted(c, error);
        } else if (ch == '{') {
            v = parse_literal(c, error);
        } else {
            c->pos--; /* the atom's first byte */
            v = parse_atom(c, error);
        }
        if (v == NULL)
            return FALSE;
        g_ptr_array_add(list->items, v);
    }
}

static const char *const parsed_words[] = {"LIST", "LSUB", "STATUS", NULL};

/* One untagged response after "* ": parsed into out, or skipped. */
static gboolean
read_untagged(HermodImapClient *c, GPtrArray *out, GError **error)
{
    g_autoptr(HermodImapValue) first = parse_atom(c, error);
    g_autofree char *upper = NULL;

    if (first == NULL)
        return FALSE;
    upper = g_ascii_strup(first->text, -1);
    if (strcmp(upper, "BYE") == 0) {
        g_autofree char *text = read_line(c, error);
        return io_error(error, "the server closed the session", text != NULL ? text : "");
    }
    if (!g_ascii_isdigit(upper[0]) && !g_strv_contains(parsed_words, upper)) {
        g_free(read_line(c, error));
        return TRUE;
    }
    HermodImapValue *list = value_new(HERMOD_IMAP_LIST);
    g_ptr_array_add(list->items, g_steal_pointer(&first));
    if (!parse_items(c, list, FALSE, error)) {
        value_free(list);
        return FALSE;
    }
    g_ptr_array_add(out, list);
    return TRUE;
}

/* Responses up to the tagged one; FALSE with REFUSED for NO/BAD. */
static gboolean
read_until_tagged(HermodImapClient *c, const char *tag, GPtrArray *out, GError **error)
{
    for (;;) {
        int ch = peek(c, error);
        if (ch < 0)
            return FALSE;
        if (ch == '*') {
            take(c, error);
            if (take(c, error) != ' ' || !read_untagged(c, out, error))
                return error != NULL && *error != NULL ? FALSE : protocol_error(error, "'*'");
            continue;
        }
        g_autofree char *line = read_line(c, error);
        if (line == NULL)
            return FALSE;
        if (!g_str_has_prefix(line, tag) || line[strlen(tag)] != ' ')
            continue; /* "+ " continuations are not used; anything else is noise */
        const char *status = line + strlen(tag) + 1;
        if (g_ascii_strncasecmp(status, "OK", 2) == 0)
            return TRUE;
        g_set_error(error, HERMOD_IMAP_CLIENT_ERROR, HERMOD_IMAP_CLIENT_ERROR_REFUSED,
                    "the server said: %s", status);
        return FALSE;
    }
}

GPtrArray *
hermod_imap_client_run(HermodImapClient *c, const char *command, GError **error)
{
    g_autofree char *tag = g_strdup_printf("h%u", ++c->tag);
    g_autofree char *line = g_strdup_printf("%s %s\r\n", tag, command);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(value_free);

    if (!write_all(c, line, strlen(line), error) || !read_until_tagged(c, tag, out, error))
        return NULL;
    return g_steal_pointer(&out);
}

/* Write part, then wait for the server's "+" before the literal. */
static gboolean
send_part(HermodImapClient *c, const char *part, GError **error)
{
    g_autofree char *cont = NULL;

    if (!write_all(c, part, strlen(part), error) || (cont = read_line(c, error)) == NULL)
        return FALSE;
    if (cont[0] == '+')
        return TRUE;
    g_set_error(error, HERMOD_IMAP_CLIENT_ERROR, HERMOD_IMAP_CLIENT_ERROR_REFUSED,
                "LOGIN refused: %s", cont);
    return FALSE;
}

gboolean
hermod_imap_client_login(HermodImapClient *c, const char *user, const char *password,
                         GError **error)
{
    /* Literals need a "+" continuation per literal; LITERAL+ is not
     * assumed, so the command goes in three writes. */
    g_autofree char *tag = g_strdup_printf("h%u", ++c->tag);
    g_autofree char *a = g_strdup_printf("%s LOGIN {%zu}\r\n", tag, strlen(user));
    g_autofree char *b = g_strdup_printf("%s {%zu}\r\n", user, strlen(password));
    g_autofree char *d = g_strdup_printf("%s\r\n", password);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(value_free);

    return send_part(c, a, error) && send_part(c, b, error) && write_all(c, d, strlen(d), error) &&
           read_until_tagged(c, tag, out, error);
}

static gboolean
start_tls(HermodImapClient *c, const HermodImapTarget *t, GError **error)
{
    int rc;

    gnutls_certificate_allocate_credentials(&c->creds);
    gnutls_certificate_set_x509_system_trust(c->creds);
    if (t->ca_file != NULL &&
        gnutls_certificate_set_x509_trust_file(c->creds, t->ca_file, GNUTLS_X509_FMT_PEM) <= 0)
        return io_error(error, t->ca_file, "no certificate could be read");
    gnutls_init(&c->tls, GNUTLS_CLIENT);
    gnutls_set_default_priority(c->tls);
    gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, c->creds);
    gnutls_server_name_set(c->tls, GNUTLS_NAME_DNS, t->host, strlen(t->host));
    if (!t->is_insecure)
        gnutls_session_set_verify_cert(c->tls, t->host, 0);
    gnutls_transport_set_int(c->tls, c->fd);
    do
        rc = gnutls_handshake(c->tls);
    while (rc < 0 && !gnutls_error_is_fatal(rc));
    if (rc < 0)
        return io_error(error, "TLS handshake",
                        rc == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR
                            ? "the server's certificate is not trusted (--ca FILE, or --insecure)"
                            : gnutls_strerror(rc));
    return TRUE;
}

static gboolean
open_socket(HermodImapClient *c, const HermodImapTarget *t, GError **error)
{
    g_autoptr(GSocketClient) client = g_socket_client_new();
    struct timeval tv = {IO_TIMEOUT_S, 0};

    g_socket_client_set_timeout(client, 60);
    c->conn = g_socket_client_connect_to_host(client, t->host, t->port, NULL, error);
    if (c->conn == NULL)
        return FALSE;
    c->fd = g_socket_get_fd(g_socket_connection_get_socket(c->conn));
    /* GIO made it non-blocking; this client blocks, with timeouts. */
    fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK);
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    return TRUE;
}

HermodImapClient *
hermod_imap_client_connect(const HermodImapTarget *t, GError **error)
{
    g_autoptr(HermodImapClient) c = g_new0(HermodImapClient, 1);
    g_autofree char *greeting = NULL;
    g_autoptr(GPtrArray) none = NULL;

    c->fd = -1;
    if (!open_socket(c, t, error) ||
        (t->tls == HERMOD_IMAP_TLS_IMPLICIT && !start_tls(c, t, error)))
        return NULL;
    greeting = read_line(c, error);
    if (greeting == NULL)
        return NULL;
    if (!g_str_has_prefix(greeting, "* OK") && !g_str_has_prefix(greeting, "* PREAUTH")) {
        io_error(error, "the server's greeting", greeting);
        return NULL;
    }
    if (t->tls == HERMOD_IMAP_TLS_STARTTLS) {
        none = hermod_imap_client_run(c, "STARTTLS", error);
        if (none == NULL || c->pos != c->len || !start_tls(c, t, error))
            return NULL;
    }
    return g_steal_pointer(&c);
}

void
hermod_imap_client_free(HermodImapClient *c)
{
    if (c == NULL)
        return;
    if (c->tls != NULL) {
        gnutls_bye(c->tls, GNUTLS_SHUT_WR);
        gnutls_deinit(c->tls);
    }
    if (c->creds != NULL)
        gnutls_certificate_free_credentials(c->creds);
    if (c->conn != NULL)
        g_object_unref(c->conn);
    g_free(c);
}

char *
hermod_imap_quote(const char *text)
{
    GString *s = g_string_new("\"");

    for (const char *p = text; *p != '\0'; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(s, '\\');
        g_string_append_c(s, *p);
    }
    g_string_append_c(s, '"');
    return g_string_free(s, FALSE);
}

const HermodImapValue *
hermod_imap_value_lookup(const HermodImapValue *list, const char *key)
{
    if (list == NULL || list->kind != HERMOD_IMAP_LIST)
        return NULL;
    for (guint i = 0; i + 1 < list->items->len; i += 2) {
        const HermodImapValue *k = list->items->pdata[i];
        if (k->kind == HERMOD_IMAP_ATOM && g_ascii_strcasecmp(k->text, key) == 0)
            return list->items->pdata[i + 1];
    }
    return NULL;
}
