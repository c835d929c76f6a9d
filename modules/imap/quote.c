/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * quote.c - write IMAP nstrings: quoted strings when safe, literals
 * otherwise (RFC 9051 4.3).  Used for ENVELOPE and BODYSTRUCTURE, which
 * are cached once for every client, hence the one client-independent
 * choice: 8-bit goes as a literal.
 */
#include "autoconfig.h"

#include "quote.h"

#include <string.h>

#define QUOTE_MAX          1024
#define QUOTE_SPECIALS_MAX 8

static gboolean
can_quote(const char *s, gsize len)
{
    guint specials = 0;

    if (len > QUOTE_MAX)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        guchar c = (guchar)s[i];
        if (c == 0 || c == '\r' || c == '\n' || c >= 0x80)
            return FALSE;
        if (c == '"' || c == '\\')
            specials++;
    }
    return specials <= QUOTE_SPECIALS_MAX;
}

void
imap_quote_nstring(GString *out, const char *s, gssize len)
{
    if (s == NULL) {
        g_string_append(out, "NIL");
        return;
    }
    gsize n = len < 0 ? strlen(s) : (gsize)len;
    if (!can_quote(s, n)) {
        g_string_append_printf(out, "{%" G_GSIZE_FORMAT "}\r\n", n);
        g_string_append_len(out, s, n);
        return;
    }
    g_string_append_c(out, '"');
    for (gsize i = 0; i < n; i++) {
        if (s[i] == '"' || s[i] == '\\')
            g_string_append_c(out, '\\');
        g_string_append_c(out, s[i]);
    }
    g_string_append_c(out, '"');
}

void
imap_quote_lower(GString *out, const char *s)
{
    g_autofree char *low = g_ascii_strdown(s, -1);
    imap_quote_nstring(out, low, -1);
}
