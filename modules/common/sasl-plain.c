/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sasl-plain.c - base64 SASL responses and the PLAIN message (RFC 4616)
 * for every protocol module.
 *
 * Owns the decoding and the checks of sasl-plain.h: strict base64 (the
 * alphabet, padding only at the end, a length that is a multiple of four),
 * the size limit before allocating, exactly two NUL separators, non-empty
 * authcid and passwd, UTF-8, and an authzid that names the authcid.  It
 * does not check passwords (the core's auth_check does) and writes no
 * replies: each module maps the errors to its own protocol.  Every decoded
 * byte lives in one buffer of ours, wiped before it is freed.
 */
#include "autoconfig.h"

#include "sasl-plain.h"

#include <string.h>

#include "wipe.h"

/* Three fields and their two separators. */
#define PLAIN_MAX (3 * PROTO_SASL_PLAIN_FIELD_MAX + 2)

static gboolean
fail(GError **error, ProtoSaslError code, const char *why)
{
    g_set_error_literal(error, PROTO_SASL_ERROR, code, why);
    return FALSE;
}

/* RFC 4648 4 with padding: the decoded length in *out_len. */
static gboolean
check_base64(const char *in, gsize n, gsize *out_len)
{
    gsize pad = 0;

    if (n % 4 != 0)
        return FALSE;
    if (n > 0 && in[n - 1] == '=')
        pad = in[n - 2] == '=' ? 2 : 1;
    for (gsize i = 0; i < n - pad; i++) {
        if (!g_ascii_isalnum(in[i]) && in[i] != '+' && in[i] != '/')
            return FALSE;
    }
    *out_len = n / 4 * 3 - pad;
    return TRUE;
}

guchar *
proto_sasl_decode(const char *text, gboolean is_initial, gsize max_len, gsize *out_len,
                  GError **error)
{
    gsize n = strlen(text);
    gsize len = 0;
    gint state = 0;
    guint save = 0;

    if (is_initial && strcmp(text, "=") == 0)
        n = 0; /* RFC 4954 4, RFC 4959 3: the empty initial response */
    else if ((is_initial && n == 0) || !check_base64(text, n, &len))
        return fail(error, PROTO_SASL_ERROR_BASE64, "Invalid base64 data"), NULL;
    if (len > max_len)
        return fail(error, PROTO_SASL_ERROR_TOO_LONG, "SASL response too long"), NULL;
    /* g_base64_decode_step writes up to 3 bytes past len (its contract). */
    guchar *out = g_malloc(n / 4 * 3 + 3);
    gsize got = n > 0 ? g_base64_decode_step(text, n, out, &state, &save) : 0;
    out[got] = '\0';
    *out_len = got;
    return out;
}

/* Does authzid name the same login as authcid?  The directory lower-cases
 * logins (hermod_directory_addr_canon), so case does not make another
 * identity. */
static gboolean
same_identity(const char *authzid, const char *authcid)
{
    if (strcmp(authzid, authcid) == 0)
        return TRUE;
    g_autofree char *a = g_utf8_strdown(authzid, -1);
    g_autofree char *b = g_utf8_strdown(authcid, -1);
    return strcmp(a, b) == 0;
}

static gboolean
field_ok(const char *field, gsize len, gboolean may_be_empty, GError **error)
{
    if (len == 0 && !may_be_empty)
        return fail(error, PROTO_SASL_ERROR_MALFORMED,
                    "Malformed PLAIN response: empty user name or password");
    if (len > PROTO_SASL_PLAIN_FIELD_MAX)
        return fail(error, PROTO_SASL_ERROR_TOO_LONG, "PLAIN response field too long");
    if (!g_utf8_validate_len(field, len, NULL))
        return fail(error, PROTO_SASL_ERROR_MALFORMED, "Malformed PLAIN response: not UTF-8");
    return TRUE;
}

/* buf[0..len) with a NUL at buf[len]: authzid NUL authcid NUL passwd. */
static gboolean
split(const char *buf, gsize len, ProtoSaslPlain *out, GError **error)
{
    const char *end = buf + len;
    const char *nul1 = memchr(buf, '\0', len);
    const char *nul2 = nul1 != NULL ? memchr(nul1 + 1, '\0', end - (nul1 + 1)) : NULL;

    if (nul2 == NULL || memchr(nul2 + 1, '\0', end - (nul2 + 1)) != NULL)
        return fail(error, PROTO_SASL_ERROR_MALFORMED,
                    "Malformed PLAIN response: not authzid NUL authcid NUL password");
    if (!field_ok(buf, nul1 - buf, TRUE, error) ||
        !field_ok(nul1 + 1, nul2 - (nul1 + 1), FALSE, error) ||
        !field_ok(nul2 + 1, end - (nul2 + 1), FALSE, error))
        return FALSE;
    out->authzid = buf;
    out->authcid = nul1 + 1;
    out->passwd = nul2 + 1;
    return TRUE;
}

gboolean
proto_sasl_plain_decode(const char *text, gboolean is_initial, ProtoSaslPlain *out, GError **error)
{
    gsize len = 0;

    *out = (ProtoSaslPlain){0};
    char *buf = (char *)proto_sasl_decode(text, is_initial, PLAIN_MAX, &len, error);
    if (buf == NULL)
        return FALSE;
    if (!split(buf, len, out, error)) {
        proto_wipe_free(buf, len);
        *out = (ProtoSaslPlain){0};
        return FALSE;
    }
    if (*out->authzid != '\0' && !same_identity(out->authzid, out->authcid)) {
        proto_wipe_free(buf, len);
        *out = (ProtoSaslPlain){0};
        return fail(error, PROTO_SASL_ERROR_AUTHZID, "Authorization identity not permitted");
    }
    out->buf = buf;
    out->len = len;
    return TRUE;
}

void
proto_sasl_plain_clear(ProtoSaslPlain *plain)
{
    proto_wipe_free(plain->buf, plain->len);
    *plain = (ProtoSaslPlain){0};
}
