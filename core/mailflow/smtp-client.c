/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * smtp-client.c - a blocking SMTP client for outbound delivery.
 *
 * Owns one connection to one peer: the socket (GIO, with a timeout on every
 * read and write), the optional client TLS session (GnuTLS through
 * core/tls/tls.h, pushed and pulled over the same GSocket), reply parsing, the
 * EHLO extension list and DATA with dot-stuffing.  It knows nothing of
 * queues, routes or recipients' fates: core/mailflow/queue-deliver.c decides what a
 * reply means.
 */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <gio/gio.h>

#include "mailflow/smtp-client.h"
#include "tls/tls.h"

/* A peer's reply line longer than this is not SMTP (RFC 5321 says 512). */
#define MAX_LINE        8192
#define MAX_REPLY_LINES 100
/* Reply text kept for logs and reports. */
#define MAX_TEXT 1000

struct HermodSmtpClient {
    GSocketConnection *conn;
    GSocket *socket;
    gnutls_session_t tls;
    char *tls_info;
    GByteArray *in;
    guint ext;
    guint64 max_size;
    char *peer;                /* host:port, for messages */
    gboolean is_broken;        /* an I/O error happened: no QUIT */
    GCancellable *cancellable; /* nullable: cancels any wait */
};

GQuark
hermod_smtp_client_error_quark(void)
{
    return g_quark_from_static_string("hermod-smtp-client-error-quark");
}

void
hermod_smtp_reply_clear(HermodSmtpReply *reply)
{
    g_clear_pointer(&reply->text, g_free);
    reply->code = 0;
}

static gboolean
io_fail(HermodSmtpClient *c, const char *what, GError **error)
{
    c->is_broken = TRUE;
    g_set_error(error, HERMOD_SMTP_CLIENT_ERROR, HERMOD_SMTP_CLIENT_ERROR_IO, "%s: %s", c->peer,
                what);
    return FALSE;
}

static ssize_t
tls_pull(gnutls_transport_ptr_t ptr, void *buf, size_t len)
{
    HermodSmtpClient *c = ptr;
    g_autoptr(GError) err = NULL;
    gssize n = g_socket_receive(c->socket, buf, len, c->cancellable, &err);

    if (n < 0) {
        gnutls_transport_set_errno(c->tls, EIO);
        return -1;
    }
    return n;
}

static ssize_t
tls_push(gnutls_transport_ptr_t ptr, const void *buf, size_t len)
{
    HermodSmtpClient *c = ptr;
    g_autoptr(GError) err = NULL;
    gssize n = g_socket_send(c->socket, buf, len, c->cancellable, &err);

    if (n < 0) {
        gnutls_transport_set_errno(c->tls, EIO);
        return -1;
    }
    return n;
}

/* Read more bytes into c->in; FALSE on EOF, error or timeout. */
static gboolean
fill(HermodSmtpClient *c, GError **error)
{
    guint8 buf[4096];
    gssize n;

    if (c->tls != NULL) {
        do
            n = gnutls_record_recv(c->tls, buf, sizeof buf);
        while (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED);
        if (n < 0)
            return io_fail(c, gnutls_strerror((int)n), error);
    } else {
        g_autoptr(GError) err = NULL;
        n = g_socket_receive(c->socket, (char *)buf, sizeof buf, c->cancellable, &err);
        if (n < 0)
            return io_fail(c, err->message, error);
    }
    if (n == 0)
        return io_fail(c, "connection closed by peer", error);
    g_byte_array_append(c->in, buf, (guint)n);
    return TRUE;
}

static gboolean
write_all(HermodSmtpClient *c, const char *data, gsize len, GError **error)
{
    while (len > 0) {
        gssize n;
        if (c->tls != NULL) {
            n = gnutls_record_send(c->tls, data, len);
            if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
                continue;
            if (n < 0)
                return io_fail(c, gnutls_strerror((int)n), error);
        } else {
            g_autoptr(GError) err = NULL;
            n = g_socket_send(c->socket, data, len, c->cancellable, &err);
            if (n < 0)
                return io_fail(c, err->message, error);
        }
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

/* One line without its CRLF; (transfer full). */
static char *
read_line(HermodSmtpClient *c, GError **error)
{
    for (;;) {
        guint8 *nl = c->in->len > 0 ? memchr(c->in->data, '\n', c->in->len) : NULL;
        if (nl != NULL) {
            gsize len = (gsize)(nl - c->in->data);
            char *line = g_strndup((const char *)c->in->data, len);
            g_byte_array_remove_range(c->in, 0, (guint)len + 1);
            g_strchomp(line);
            return line;
        }
        if (c->in->len > MAX_LINE) {
            c->is_broken = TRUE;
            g_set_error(error, HERMOD_SMTP_CLIENT_ERROR, HERMOD_SMTP_CLIENT_ERROR_PROTOCOL,
                        "%s: reply line too long", c->peer);
            return NULL;
        }
        if (!fill(c, error))
            return NULL;
    }
}

static gboolean
parse_code(const char *line, int *out_code, gboolean *out_last)
{
    if (!g_ascii_isdigit(line[0]) || !g_ascii_isdigit(line[1]) || !g_ascii_isdigit(line[2]))
        return FALSE;
    if (line[3] != '\0' && line[3] != ' ' && line[3] != '-')
        return FALSE;
    *out_code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    *out_last = line[3] != '-';
    return TRUE;
}

/* A peer's words go into logs, envelope files and reports: printable
 * ASCII only, and not too many of them. */
static char *
clean_text(GString *text)
{
    if (text->len > MAX_TEXT)
        g_string_truncate(text, MAX_TEXT);
    for (gsize i = 0; i < text->len; i++) {
        guchar ch = (guchar)text->str[i];
        if (ch < 0x20 || ch >= 0x7f)
            text->str[i] = '?';
    }
    return g_strdup(text->str);
}

/* Read a whole (multi-line) reply.  lines, if given, gets every line's
 * text (element char*). */
static gboolean
read_reply(HermodSmtpClient *c, HermodSmtpReply *out, GPtrArray *lines, GError **error)
{
    g_autoptr(GString) text = g_string_new(NULL);
    gboolean last = FALSE;

    for (guint i = 0; !last; i++) {
        g_autofree char *line = read_line(c, error);
        int code;
        if (line == NULL)
            return FALSE;
        if (i >= MAX_REPLY_LINES || !parse_code(line, &code, &last) ||
            (i > 0 && code != out->code)) {
            c->is_broken = TRUE;
            g_set_error(error, HERMOD_SMTP_CLIENT_ERROR, HERMOD_SMTP_CLIENT_ERROR_PROTOCOL,
                        "%s: malformed reply \"%.80s\"", c->peer, line);
            return FALSE;
        }
        out->code = code;
        const char *rest = line[3] != '\0' ? line + 4 : "";
        if (text->len > 0)
            g_string_append_c(text, ' ');
        g_string_append(text, rest);
        if (lines != NULL)
            g_ptr_array_add(lines, g_strdup(rest));
    }
    g_free(out->text);
    out->text = clean_text(text);
    return TRUE;
}

gboolean
hermod_smtp_client_command(HermodSmtpClient *client, const char *line, HermodSmtpReply *out,
                           GError **error)
{
    g_autofree char *wire = g_strconcat(line, "\r\n", NULL);

    if (!write_all(client, wire, strlen(wire), error))
        return FALSE;
    return read_reply(client, out, NULL, error);
}

static void
client_free(HermodSmtpClient *c)
{
    if (c->tls != NULL)
        hermod_tls_session_free(c->tls);
    g_clear_object(&c->conn);
    g_clear_object(&c->cancellable);
    g_byte_array_unref(c->in);
    g_free(c->tls_info);
    g_free(c->peer);
    g_free(c);
}

HermodSmtpClient *
hermod_smtp_client_connect(const char *host, guint16 port, guint timeout_s,
                           GCancellable *cancellable, GError **error)
{
    g_autoptr(GSocketClient) sc = g_socket_client_new();
    g_autoptr(GSocketConnectable) addr = g_network_address_new(host, port);
    g_autoptr(GError) err = NULL;
    HermodSmtpReply greeting = {0};

    g_socket_client_set_timeout(sc, timeout_s);
    GSocketConnection *conn = g_socket_client_connect(sc, addr, cancellable, &err);
    if (conn == NULL) {
        g_set_error(error, HERMOD_SMTP_CLIENT_ERROR, HERMOD_SMTP_CLIENT_ERROR_CONNECT,
                    "connect to %s port %u: %s", host, port, err->message);
        return NULL;
    }
    HermodSmtpClient *c = g_new0(HermodSmtpClient, 1);
    c->conn = conn;
    c->socket = g_socket_connection_get_socket(conn);
    c->in = g_byte_array_new();
    c->peer = g_strdup_printf("%s port %u", host, port);
    c->cancellable = cancellable != NULL ? g_object_ref(cancellable) : NULL;
    if (!read_reply(c, &greeting, NULL, error)) {
        client_free(c);
        return NULL;
    }
    if (greeting.code != 220) {
        g_set_error(error, HERMOD_SMTP_CLIENT_ERROR, HERMOD_SMTP_CLIENT_ERROR_REFUSED,
                    "%s greeted with %d %s", c->peer, greeting.code, greeting.text);
        hermod_smtp_reply_clear(&greeting);
        client_free(c);
        return NULL;
    }
    hermod_smtp_reply_clear(&greeting);
    return c;
}

static void
parse_extension(HermodSmtpClient *c, const char *line)
{
    g_auto(GStrv) words = g_strsplit(line, " ", 3);
    const char *kw = words[0];

    if (g_ascii_strcasecmp(kw, "SIZE") == 0) {
        c->ext |= HERMOD_SMTP_EXT_SIZE;
        if (words[1] != NULL)
            c->max_size = g_ascii_strtoull(words[1], NULL, 10);
    } else if (g_ascii_strcasecmp(kw, "8BITMIME") == 0) {
        c->ext |= HERMOD_SMTP_EXT_8BITMIME;
    } else if (g_ascii_strcasecmp(kw, "SMTPUTF8") == 0) {
        c->ext |= HERMOD_SMTP_EXT_SMTPUTF8;
    } else if (g_ascii_strcasecmp(kw, "DSN") == 0) {
        c->ext |= HERMOD_SMTP_EXT_DSN;
    } else if (g_ascii_strcasecmp(kw, "STARTTLS") == 0) {
        c->ext |= HERMOD_SMTP_EXT_STARTTLS;
    } else if (g_ascii_strcasecmp(kw, "PIPELINING") == 0) {
        c->ext |= HERMOD_SMTP_EXT_PIPELINING;
    }
}

static gboolean
refused(HermodSmtpClient *c, const char *cmd, HermodSmtpReply *r, GError **error)
{
    g_set_error(error, HERMOD_SMTP_CLIENT_ERROR, HERMOD_SMTP_CLIENT_ERROR_REFUSED,
                "%s answered %s with %d %s", c->peer, cmd, r->code, r->text);
    hermod_smtp_reply_clear(r);
    return FALSE;
}

gboolean
hermod_smtp_client_hello(HermodSmtpClient *client, const char *helo_name, GError **error)
{
    g_autofree char *ehlo = g_strdup_printf("EHLO %s\r\n", helo_name);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    HermodSmtpReply r = {0};

    client->ext = 0;
    client->max_size = 0;
    if (!write_all(client, ehlo, strlen(ehlo), error) || !read_reply(client, &r, lines, error))
        return FALSE;
    if (r.code == 250) {
        for (guint i = 1; i < lines->len; i++)
            parse_extension(client, g_ptr_array_index(lines, i));
        hermod_smtp_reply_clear(&r);
        return TRUE;
    }
    if (r.code < 500 || r.code > 599)
        return refused(client, "EHLO", &r, error);
    hermod_smtp_reply_clear(&r);
    g_autofree char *helo = g_strdup_printf("HELO %s", helo_name);
    if (!hermod_smtp_client_command(client, helo, &r, error))
        return FALSE;
    if (r.code != 250)
        return refused(client, "HELO", &r, error);
    hermod_smtp_reply_clear(&r);
    return TRUE;
}

static gboolean
handshake(HermodSmtpClient *c, const char *server_name, GError **error)
{
    /* From here on, a failure leaves the stream in no state for QUIT. */
    c->is_broken = TRUE;
    c->tls = hermod_tls_client_session_new(server_name, FALSE, error);
    if (c->tls == NULL)
        return FALSE;
    gnutls_transport_set_ptr(c->tls, c);
    gnutls_transport_set_pull_function(c->tls, tls_pull);
    gnutls_transport_set_push_function(c->tls, tls_push);
    int rc;
    do
        rc = gnutls_handshake(c->tls);
    while (rc < 0 && gnutls_error_is_fatal(rc) == 0);
    if (rc < 0) {
        g_set_error(error, HERMOD_SMTP_CLIENT_ERROR, HERMOD_SMTP_CLIENT_ERROR_TLS,
                    "%s: TLS handshake failed: %s", c->peer, gnutls_strerror(rc));
        return FALSE;
    }
    c->tls_info = hermod_tls_session_info(c->tls);
    c->is_broken = FALSE;
    return TRUE;
}

gboolean
hermod_smtp_client_starttls(HermodSmtpClient *client, const char *server_name,
                            const char *helo_name, GError **error)
{
    HermodSmtpReply r = {0};

    if (!hermod_smtp_client_command(client, "STARTTLS", &r, error))
        return FALSE;
    if (r.code != 220) {
        g_set_error(error, HERMOD_SMTP_CLIENT_ERROR, HERMOD_SMTP_CLIENT_ERROR_TLS,
                    "%s answered STARTTLS with %d %s", client->peer, r.code, r.text);
        hermod_smtp_reply_clear(&r);
        return FALSE;
    }
    hermod_smtp_reply_clear(&r);
    /* Bytes the peer sent after its 220 would be plaintext injection. */
    g_byte_array_set_size(client->in, 0);
    if (!handshake(client, server_name, error))
        return FALSE;
    return hermod_smtp_client_hello(client, helo_name, error);
}

guint
hermod_smtp_client_extensions(HermodSmtpClient *client)
{
    return client->ext;
}

guint64
hermod_smtp_client_max_size(HermodSmtpClient *client)
{
    return client->max_size;
}

const char *
hermod_smtp_client_tls_info(HermodSmtpClient *client)
{
    return client->tls_info;
}

/* Append data to out as DATA content: CRLF line ends, leading dots doubled,
 * a final CRLF if the message lacks one, then the end marker. */
static gboolean
send_body(HermodSmtpClient *c, GBytes *data, GError **error)
{
    gsize len;
    const char *p = g_bytes_get_data(data, &len);
    const char *end = p + len;
    g_autoptr(GString) out = g_string_sized_new(65536 + 1024);

    while (p < end) {
        const char *nl = memchr(p, '\n', (gsize)(end - p));
        const char *stop = nl != NULL ? nl : end;
        gsize n = (gsize)(stop - p);
        if (n > 0 && p[n - 1] == '\r')
            n--;
        if (n > 0 && p[0] == '.')
            g_string_append_c(out, '.');
        g_string_append_len(out, p, (gssize)n);
        g_string_append(out, "\r\n");
        p = nl != NULL ? nl + 1 : end;
        if (out->len >= 65536) {
            if (!write_all(c, out->str, out->len, error))
                return FALSE;
            g_string_truncate(out, 0);
        }
    }
    g_string_append(out, ".\r\n");
    return write_all(c, out->str, out->len, error);
}

gboolean
hermod_smtp_client_data(HermodSmtpClient *client, GBytes *data, HermodSmtpReply *out,
                        GError **error)
{
    if (!hermod_smtp_client_command(client, "DATA", out, error))
        return FALSE;
    if (out->code != 354)
        return TRUE;
    hermod_smtp_reply_clear(out);
    if (!send_body(client, data, error))
        return FALSE;
    return read_reply(client, out, NULL, error);
}

void
hermod_smtp_client_close(HermodSmtpClient *client)
{
    HermodSmtpReply r = {0};

    if (client == NULL)
        return;
    /* A polite QUIT; the peer's answer does not matter any more. */
    if (!client->is_broken && hermod_smtp_client_command(client, "QUIT", &r, NULL))
        hermod_smtp_reply_clear(&r);
    if (client->tls != NULL && !client->is_broken)
        gnutls_bye(client->tls, GNUTLS_SHUT_WR);
    client_free(client);
}
