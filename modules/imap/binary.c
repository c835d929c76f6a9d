/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * binary.c - decode a part's transfer encoding for BINARY[] (RFC 3516).
 *
 * GMime's incremental decoders (g_mime_encoding_step) do the work over the
 * raw part, which stays mapped; identity encodings are returned as
 * zero-copy slices of the message.
 */
#include "autoconfig.h"

#include "binary.h"

#include <gmime/gmime.h>

#include "fetch.h"

static GBytes *
decode(const char *in, gsize len, GMimeContentEncoding encoding)
{
    GMimeEncoding state;

    g_mime_encoding_init_decode(&state, encoding);
    gsize max = g_mime_encoding_outlen(&state, len) + 16;
    char *out = g_malloc(max);
    gsize n = g_mime_encoding_step(&state, in, len, out);
    n += g_mime_encoding_flush(&state, "", 0, out + n);
    return g_bytes_new_take(out, n);
}

GBytes *
imap_binary_decode(GBytes *message, const ImapMimePart *part, GError **error)
{
    gsize len = 0;
    const char *data = g_bytes_get_data(message, &len);
    GBytes *raw = g_bytes_new_from_bytes(message, part->body, part->end - part->body);

    if (data == NULL)
        data = "";

    if (part->children != NULL || part->message != NULL)
        return raw;
    g_autofree char *cte =
        imap_mime_header(data, part->start, part->body, "Content-Transfer-Encoding");
    if (cte != NULL)
        g_strstrip(cte);
    if (cte == NULL || *cte == '\0')
        return raw;
    imap_mime_init();
    GMimeContentEncoding encoding = g_mime_content_encoding_from_string(cte);
    switch (encoding) {
    case GMIME_CONTENT_ENCODING_7BIT:
    case GMIME_CONTENT_ENCODING_8BIT:
    case GMIME_CONTENT_ENCODING_BINARY:
        return raw;
    case GMIME_CONTENT_ENCODING_BASE64:
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE:
    case GMIME_CONTENT_ENCODING_UUENCODE: {
        GBytes *out = decode(data + part->body, part->end - part->body, encoding);
        g_bytes_unref(raw);
        return out;
    }
    default:
        g_bytes_unref(raw);
        g_set_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_UNKNOWN_CTE,
                    "[UNKNOWN-CTE] Unknown Content-Transfer-Encoding \"%.64s\"", cte);
        return NULL;
    }
}
