/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * smtp-client.h - a blocking SMTP client for outbound delivery.
 *
 * One HermodSmtpClient is one connection to one peer: greeting, EHLO (HELO
 * fallback), optional STARTTLS, then commands and DATA.  Every call blocks
 * (with the timeout given at connect) and is meant for the queue's delivery
 * threads, never a loop thread.  A client is used by one thread at a time.
 */
#ifndef HERMOD_CORE_SMTP_CLIENT_H
#define HERMOD_CORE_SMTP_CLIENT_H

#include <gio/gio.h>

G_BEGIN_DECLS

#define HERMOD_SMTP_CLIENT_ERROR (hermod_smtp_client_error_quark())
GQuark hermod_smtp_client_error_quark(void);
typedef enum {
    HERMOD_SMTP_CLIENT_ERROR_CONNECT,  /* no connection could be made */
    HERMOD_SMTP_CLIENT_ERROR_IO,       /* the connection broke or timed out */
    HERMOD_SMTP_CLIENT_ERROR_PROTOCOL, /* the peer spoke no SMTP */
    HERMOD_SMTP_CLIENT_ERROR_TLS,      /* STARTTLS handshake failed */
    HERMOD_SMTP_CLIENT_ERROR_REFUSED,  /* greeting or EHLO/HELO not accepted */
} HermodSmtpClientError;

/* Service extensions the peer announced in its EHLO reply. */
typedef enum {
    HERMOD_SMTP_EXT_SIZE = 1 << 0,
    HERMOD_SMTP_EXT_8BITMIME = 1 << 1,
    HERMOD_SMTP_EXT_SMTPUTF8 = 1 << 2,
    HERMOD_SMTP_EXT_DSN = 1 << 3,
    HERMOD_SMTP_EXT_STARTTLS = 1 << 4,
    HERMOD_SMTP_EXT_PIPELINING = 1 << 5,
} HermodSmtpExt;

/* A reply: code and its text (the lines after the code, joined by a
 * space), e.g. 550 and "5.1.1 <bob@example.org>: unknown user". */
typedef struct {
    int code;
    char *text;
} HermodSmtpReply;

typedef struct HermodSmtpClient HermodSmtpClient;

/* Connect to host:port (a name, resolved to A/AAAA and tried in turn, or a
 * literal address), read the 220 greeting.  timeout_s bounds the connect
 * and every later read and write; cancelling cancellable (nullable, kept
 * by the client) ends any wait at once with an error.  (transfer full) */
HermodSmtpClient *hermod_smtp_client_connect(const char *host, guint16 port, guint timeout_s,
                                             GCancellable *cancellable, GError **error);
/* EHLO helo_name; on a 5xx reply HELO instead (no extensions then). */
gboolean hermod_smtp_client_hello(HermodSmtpClient *client, const char *helo_name, GError **error);
/* STARTTLS, the handshake (server_name as SNI, no verification), and EHLO
 * again.  Fails with TLS when refused or the handshake fails; the client is
 * then unusable. */
gboolean hermod_smtp_client_starttls(HermodSmtpClient *client, const char *server_name,
                                     const char *helo_name, GError **error);
/* Extensions of the last EHLO reply (HermodSmtpExt bits). */
guint hermod_smtp_client_extensions(HermodSmtpClient *client);
/* The peer's SIZE limit, 0 when none was given. */
guint64 hermod_smtp_client_max_size(HermodSmtpClient *client);
/* "TLS1.3 AES-256-GCM" once STARTTLS succeeded, else NULL; transfer none. */
const char *hermod_smtp_client_tls_info(HermodSmtpClient *client);
/* Send one command line (CRLF added) and read the reply into out (fields
 * owned by the caller: free with hermod_smtp_reply_clear). */
gboolean hermod_smtp_client_command(HermodSmtpClient *client, const char *line,
                                    HermodSmtpReply *out, GError **error);
/* DATA: the 354, the message (dot-stuffed, bare LF made CRLF), the final
 * dot and its reply.  If the 354 does not come, out is that reply. */
gboolean hermod_smtp_client_data(HermodSmtpClient *client, GBytes *data, HermodSmtpReply *out,
                                 GError **error);
/* QUIT (errors ignored) and free.  Nullable. */
void hermod_smtp_client_close(HermodSmtpClient *client);
void hermod_smtp_reply_clear(HermodSmtpReply *reply);

G_END_DECLS

#endif
