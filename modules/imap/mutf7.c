/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mutf7.c - modified UTF-7 for IMAP4rev1 mailbox names.
 *
 * Printable ASCII stands for itself ("&" is written "&-"); anything else is
 * UTF-16 in base64 with ',' for '/', no padding, between "&" and "-".
 * GLib converts between UTF-8 and UTF-16; the base64 variant is small
 * enough to write here because GLib's base64 has no alphabet option.
 */
#include "autoconfig.h"

#include <string.h>

#include "mutf7.h"

static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+,";

static gboolean
is_direct(gunichar c)
{
    return c >= 0x20 && c <= 0x7e;
}

static void
encode_run(GString *out, const gunichar2 *u, glong n)
{
    guint32 bits = 0;
    int nbits = 0;

    g_string_append_c(out, '&');
    for (glong i = 0; i < n; i++) {
        bits = (bits << 16) | u[i];
        nbits += 16;
        while (nbits >= 6) {
            nbits -= 6;
            g_string_append_c(out, alphabet[(bits >> nbits) & 0x3f]);
        }
    }
    if (nbits > 0)
        g_string_append_c(out, alphabet[(bits << (6 - nbits)) & 0x3f]);
    g_string_append_c(out, '-');
}

char *
imap_mutf7_encode(const char *utf8)
{
    if (!g_utf8_validate(utf8, -1, NULL))
        return NULL;
    g_autoptr(GString) out = g_string_new(NULL);
    const char *p = utf8;

    while (*p != '\0') {
        gunichar c = g_utf8_get_char(p);
        if (c < 0x20 || c == 0x7f)
            return NULL;
        if (c == '&') {
            g_string_append(out, "&-");
            p = g_utf8_next_char(p);
        } else if (is_direct(c)) {
            g_string_append_c(out, (char)c);
            p++;
        } else {
            const char *start = p;
            while (*p != '\0' && !is_direct(g_utf8_get_char(p)))
                p = g_utf8_next_char(p);
            glong n = 0;
            g_autofree gunichar2 *u = g_utf8_to_utf16(start, p - start, NULL, &n, NULL);
            if (u == NULL)
                return NULL;
            encode_run(out, u, n);
        }
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

/* Decode the base64 between '&' and '-' into out; FALSE if not canonical. */
static gboolean
decode_run(GString *out, const char *s, gsize len)
{
    g_autoptr(GArray) u16 = g_array_new(FALSE, FALSE, sizeof(gunichar2));
    guint32 bits = 0;
    int nbits = 0;

    for (gsize i = 0; i < len; i++) {
        const char *pos = strchr(alphabet, s[i]);
        if (s[i] == '\0' || pos == NULL)
            return FALSE;
        bits = (bits << 6) | (guint32)(pos - alphabet);
        nbits += 6;
        if (nbits >= 16) {
            nbits -= 16;
            gunichar2 unit = (gunichar2)((bits >> nbits) & 0xffff);
            if (unit < 0x20 || unit == 0x7f)
                return FALSE; /* control characters never name a mailbox */
            g_array_append_val(u16, unit);
        }
    }
    /* Leftover bits must be fewer than 6 and zero (no padding). */
    if (nbits >= 6 || (bits & ((1u << nbits) - 1)) != 0 || u16->len == 0)
        return FALSE;
    g_autofree char *utf8 = g_utf16_to_utf8((gunichar2 *)u16->data, u16->len, NULL, NULL, NULL);
    if (utf8 == NULL)
        return FALSE;
    /* A run must not encode what could have been written directly. */
    for (const char *p = utf8; *p != '\0'; p = g_utf8_next_char(p)) {
        if (is_direct(g_utf8_get_char(p)))
            return FALSE;
    }
    g_string_append(out, utf8);
    return TRUE;
}

char *
imap_mutf7_decode(const char *s)
{
    g_autoptr(GString) out = g_string_new(NULL);
    gboolean after_run = FALSE;

    while (*s != '\0') {
        if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
            return NULL;
        if (*s != '&') {
            g_string_append_c(out, *s++);
            after_run = FALSE;
            continue;
        }
        const char *end = strchr(s + 1, '-');
        if (end == NULL)
            return NULL;
        if (end == s + 1) {
            g_string_append_c(out, '&');
        } else {
            /* Two adjacent runs should have been one. */
            if (after_run || !decode_run(out, s + 1, end - s - 1))
                return NULL;
        }
        after_run = end != s + 1;
        s = end + 1;
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}
