/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mime.h - a message's MIME tree as byte offsets into its raw bytes.
 *
 * FETCH needs exact raw offsets (BODY[1.MIME], octet counts, line counts),
 * so the tree is built from the raw bytes: header blocks end at the first
 * empty line, multipart bodies are split at the delimiter lines of the
 * boundary parameter.  GMime parses every header value (Content-Type with
 * RFC 2231 parameters, Content-Disposition, addresses, RFC 2047 words).
 */
#ifndef HERMOD_IMAP_MIME_H
#define HERMOD_IMAP_MIME_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct ImapMimePart ImapMimePart;
struct ImapMimePart {
    gsize start; /* first byte of the header block */
    gsize body;  /* first byte of the body (after the empty line) */
    gsize end;   /* one past the body's last byte */
    gboolean has_headers;
    char *type;               /* media type as written ("text"), never NULL */
    char *subtype;            /* never NULL */
    gboolean is_default_type; /* no usable Content-Type header */
    GPtrArray *params;        /* of the Content-Type: name, value, name, value... (char*) */
    GPtrArray *children;      /* multipart: ImapMimePart* (owned) */
    ImapMimePart *message;    /* message/rfc822, message/global: the inner message */
};

/* Parse data[0..len) as a message.  Never fails: anything unparsable is a
 * leaf text/plain.  (transfer full) */
ImapMimePart *imap_mime_parse(const char *data, gsize len);
void imap_mime_part_free(ImapMimePart *part);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImapMimePart, imap_mime_part_free)

/* Is part of media type type/subtype (case-insensitive; subtype NULL: any)? */
gboolean imap_mime_is(const ImapMimePart *part, const char *type, const char *subtype);

/* The unfolded raw value of the first header name in data[start..end)
 * (CRLF/LF of folds removed, leading blanks of the value dropped, trailing
 * blanks kept as written), or NULL.  (transfer full) */
char *imap_mime_header(const char *data, gsize start, gsize end, const char *name);
/* The same, decoded (RFC 2047) to UTF-8 by GMime.  (transfer full) */
char *imap_mime_header_decoded(const char *data, gsize start, gsize end, const char *name);

/* Initialise GMime once (thread-safe). */
void imap_mime_init(void);

G_END_DECLS

#endif
