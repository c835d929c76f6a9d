/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * store-headers.c - the header fields of a message's header block, read
 * in place without building a message object.
 *
 * The header summary of every delivered message (store-thread.c) and the
 * search indexer's text of a plain message (store-search.c) need a few
 * fields and their text, not GMime's object model: building and freeing
 * a GMimeMessage for them cost more than everything else they do.  This
 * file walks the block once (RFC 5322 2.2: "name:" and a value whose
 * continuation lines start with white space; the block ends at the first
 * empty line), and hands each field to a callback with its raw value.
 * Decoding (encoded words, addresses, message ids) stays with GMime's
 * functions, on the one field that needs it.  A line of the block
 * without a colon is skipped, as GMime's parser does.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-private.h"

/* Length of the line at p (at most end), with its line end. */
static gsize
line_len(const char *p, const char *end)
{
    const char *nl = memchr(p, '\n', (gsize)(end - p));

    return nl != NULL ? (gsize)(nl - p) + 1 : (gsize)(end - p);
}

static gboolean
is_blank_line(const char *p, gsize n)
{
    return (n == 1 && p[0] == '\n') || (n == 2 && p[0] == '\r' && p[1] == '\n') ||
           (n == 1 && p[0] == '\r');
}

/* Report the field spanning [p, p + n): name before the colon, trimmed. */
static gboolean
report(const char *p, gsize n, StoreFieldFunc func, gpointer data)
{
    const char *colon = memchr(p, ':', n);
    gsize name_len;

    if (colon == NULL)
        return TRUE;
    name_len = (gsize)(colon - p);
    while (name_len > 0 && (p[name_len - 1] == ' ' || p[name_len - 1] == '\t'))
        name_len--;
    if (name_len == 0)
        return TRUE;
    gsize value_len = n - name_len - (gsize)(colon + 1 - (p + name_len));
    const char *value = colon + 1;
    while (value_len > 0 && (value[value_len - 1] == '\n' || value[value_len - 1] == '\r'))
        value_len--;
    return func(p, name_len, value, value_len, data);
}

gsize
hermod_store_headers_scan(const char *data, gsize len, StoreFieldFunc func, gpointer user_data)
{
    const char *p = data, *end = data + len;

    while (p < end) {
        gsize n = line_len(p, end);
        if (is_blank_line(p, n))
            return (gsize)(p + n - data);
        /* A field runs on over every line that starts with white space. */
        const char *start = p;
        p += n;
        while (p < end && (*p == ' ' || *p == '\t'))
            p += line_len(p, end);
        if (!report(start, (gsize)(p - start), func, user_data))
            return (gsize)(p - data);
    }
    return len;
}

char *
hermod_store_header_unfold(const char *value, gsize len)
{
    GString *out = g_string_sized_new(len);
    const char *end = value + len;

    while (value < end && (*value == ' ' || *value == '\t'))
        value++;
    for (const char *p = value; p < end; p++) {
        if (*p != '\r' && *p != '\n')
            g_string_append_c(out, *p);
    }
    while (out->len > 0 && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '\t'))
        g_string_truncate(out, out->len - 1);
    return g_string_free(out, FALSE);
}
