/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-store-headers.c - fuzz target: arbitrary bytes as a message's
 * header block (core/store/store-headers.c) and its header summary
 * (store-thread.c, hermod_store_summary_parse).
 *
 * The scan must hand out fields that lie inside the input, in order, each
 * name without a colon and non-empty, and return a body offset within the
 * input; the summary's strings must be UTF-8 (they become sort keys and
 * JMAP values).  Crashes, leaks, undefined behaviour and a broken promise
 * are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "store/store-private.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

typedef struct {
    const char *start, *end, *last;
} Bounds;

static gboolean
check_field(const char *name, gsize name_len, const char *value, gsize value_len, gpointer data)
{
    Bounds *b = data;
    g_autofree char *unfolded = hermod_store_header_unfold(value, value_len);

    if (name < b->last || name_len == 0 || name + name_len > value || value + value_len > b->end ||
        memchr(name, ':', name_len) != NULL)
        g_error("hermod_store_headers_scan: a field outside the input or out of order");
    if (strchr(unfolded, '\n') != NULL || strlen(unfolded) > value_len)
        g_error("hermod_store_header_unfold: a line end left, or longer than its input");
    b->last = value + value_len;
    return TRUE;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    const char *p = (const char *)data;
    Bounds b = {p, p + size, p};
    StoreSummary *s;

    if (hermod_store_headers_scan(p, size, check_field, &b) > size)
        g_error("hermod_store_headers_scan: a body offset past the input");
    s = hermod_store_summary_parse(p, size);
    if (!g_utf8_validate(s->subject, -1, NULL) || !g_utf8_validate(s->from, -1, NULL) ||
        !g_utf8_validate(s->to, -1, NULL))
        g_error("hermod_store_summary_parse: a sort key that is not UTF-8");
    hermod_store_summary_free(s);
    return 0;
}
