/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sasl-plain.h - SASL responses as SMTP, IMAP and POP3 carry them, and the
 * PLAIN mechanism's message (RFC 4616), decoded one way for all three.
 *
 * A response is a line of base64 (RFC 4648 4, padded; RFC 4954 4, RFC 9051
 * 6.2.2, RFC 5034 4).  In an initial response on the command line (SASL-IR)
 * "=" stands for the empty response; in a continuation line the empty line
 * is the empty response and "=" alone is not base64.
 *
 * PLAIN is [authzid] NUL authcid NUL passwd, each field UTF-8 without NUL,
 * authcid and passwd not empty.  The core has no proxy authorization
 * (HermodApi.auth_check takes one login), so an authzid is accepted only
 * when it names the authcid itself, compared as the directory compares
 * logins (lower-cased).  Fields of up to PROTO_SASL_PLAIN_FIELD_MAX octets
 * are accepted (RFC 4616 2 asks for at least 255).
 *
 * Errors are in PROTO_SASL_ERROR: the module answers them as a client
 * error (SMTP 501 or 535, IMAP BAD or NO, POP3 -ERR); the messages never
 * quote the input.  Any thread.
 */
#ifndef HERMOD_PROTO_SASL_PLAIN_H
#define HERMOD_PROTO_SASL_PLAIN_H

#include <glib.h>

G_BEGIN_DECLS

/* A quark by name, so that the tests and every module agree on it. */
#define PROTO_SASL_ERROR (g_quark_from_static_string("hermod-proto-sasl-error"))
typedef enum {
    PROTO_SASL_ERROR_BASE64,    /* not base64: a syntax error */
    PROTO_SASL_ERROR_TOO_LONG,  /* decodes to more than the limit */
    PROTO_SASL_ERROR_MALFORMED, /* not a PLAIN message: a syntax error */
    PROTO_SASL_ERROR_AUTHZID,   /* asks to act as someone else: refused */
} ProtoSaslError;

/* The longest authzid, authcid or passwd accepted, in octets. */
#define PROTO_SASL_PLAIN_FIELD_MAX 1024

/* Decode one response: text (NUL-terminated, without CRLF) to bytes, at
 * most max_len of them (checked before anything is allocated).  is_initial:
 * text came on the command line, where "=" is the empty response.  Returns
 * the bytes with a NUL after the last (transfer full: free with
 * proto_wipe_free(buf, *out_len)), or NULL with PROTO_SASL_ERROR_BASE64 or
 * _TOO_LONG. */
guchar *proto_sasl_decode(const char *text, gboolean is_initial, gsize max_len, gsize *out_len,
                          GError **error);

/* A decoded PLAIN message.  The three strings point into one buffer that
 * proto_sasl_plain_clear wipes and frees. */
typedef struct {
    const char *authzid; /* "" when the client gave none */
    const char *authcid; /* the login to check */
    const char *passwd;
    char *buf; /* private */
    gsize len; /* private */
} ProtoSaslPlain;

/* Decode a PLAIN response (see proto_sasl_decode for text and is_initial)
 * into *out.  FALSE with PROTO_SASL_ERROR_BASE64, _TOO_LONG, _MALFORMED or
 * _AUTHZID, and *out zeroed, when it is not one this server accepts; the
 * decoded bytes are wiped either way before this returns or by
 * proto_sasl_plain_clear. */
gboolean proto_sasl_plain_decode(const char *text, gboolean is_initial, ProtoSaslPlain *out,
                                 GError **error);
/* Wipe and free what proto_sasl_plain_decode filled in; *plain is zeroed
 * and may be cleared again. */
void proto_sasl_plain_clear(ProtoSaslPlain *plain);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ProtoSaslPlain, proto_sasl_plain_clear)

G_END_DECLS

#endif
