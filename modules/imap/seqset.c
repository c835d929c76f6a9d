/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * seqset.c - parse, resolve, test and print IMAP sequence sets.
 *
 * Grammar (RFC 9051): sequence-set = (seq-number / seq-range) ["," ...],
 * seq-number = nz-number / "*", seq-range = seq-number ":" seq-number.
 * "4:2" means "2:4".  Numbers are 32-bit and non-zero.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "parser.h"
#include "seqset.h"

static gboolean
parse_number(const char **p, guint32 *out)
{
    if (**p == '*') {
        (*p)++;
        *out = IMAP_SEQ_STAR;
        return TRUE;
    }
    if (**p < '1' || **p > '9')
        return FALSE;
    guint64 n = 0;
    while (g_ascii_isdigit(**p)) {
        n = n * 10 + (guint64)(**p - '0');
        if (n >= G_MAXUINT32)
            return FALSE;
        (*p)++;
    }
    *out = (guint32)n;
    return TRUE;
}

ImapSeqSet *
imap_seqset_parse(const char *text, GError **error)
{
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(ImapSeqRange));
    const char *p = text;

    for (;;) {
        ImapSeqRange r;
        if (!parse_number(&p, &r.first))
            goto bad;
        r.last = r.first;
        if (*p == ':') {
            p++;
            if (!parse_number(&p, &r.last))
                goto bad;
        }
        g_array_append_val(ranges, r);
        if (*p == '\0')
            break;
        if (*p++ != ',')
            goto bad;
    }
    ImapSeqSet *set = g_new0(ImapSeqSet, 1);
    set->ranges = g_steal_pointer(&ranges);
    return set;
bad:
    g_set_error(error, IMAP_PARSE_ERROR, IMAP_PARSE_ERROR_SYNTAX, "Invalid sequence set: %.40s",
                text);
    return NULL;
}

void
imap_seqset_free(ImapSeqSet *set)
{
    if (set == NULL)
        return;
    g_array_unref(set->ranges);
    g_free(set);
}

static int
cmp_range(gconstpointer a, gconstpointer b)
{
    const ImapSeqRange *x = a, *y = b;

    return x->first < y->first ? -1 : x->first > y->first;
}

GArray *
imap_seqset_resolve(const ImapSeqSet *set, guint32 max)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(ImapSeqRange));

    for (guint i = 0; i < set->ranges->len; i++) {
        ImapSeqRange r = g_array_index(set->ranges, ImapSeqRange, i);
        if (max == 0 && (r.first == IMAP_SEQ_STAR || r.last == IMAP_SEQ_STAR))
            continue;
        if (r.first == IMAP_SEQ_STAR)
            r.first = max;
        if (r.last == IMAP_SEQ_STAR)
            r.last = max;
        if (r.first > r.last) {
            guint32 t = r.first;
            r.first = r.last;
            r.last = t;
        }
        g_array_append_val(out, r);
    }
    g_array_sort(out, cmp_range);
    guint w = 0;
    for (guint i = 0; i < out->len; i++) {
        ImapSeqRange r = g_array_index(out, ImapSeqRange, i);
        ImapSeqRange *prev = w > 0 ? &g_array_index(out, ImapSeqRange, w - 1) : NULL;
        if (prev != NULL && (guint64)r.first <= (guint64)prev->last + 1)
            prev->last = MAX(prev->last, r.last);
        else
            g_array_index(out, ImapSeqRange, w++) = r;
    }
    g_array_set_size(out, w);
    return out;
}

gboolean
imap_seqset_check_max(const ImapSeqSet *set, guint32 max, GError **error)
{
    for (guint i = 0; i < set->ranges->len; i++) {
        const ImapSeqRange *r = &g_array_index(set->ranges, ImapSeqRange, i);
        if (r->first == IMAP_SEQ_STAR || r->last == IMAP_SEQ_STAR)
            continue;
        guint32 high = MAX(r->first, r->last);
        if (high > max) {
            g_set_error(error, IMAP_PARSE_ERROR, IMAP_PARSE_ERROR_SYNTAX,
                        "Message sequence number %u is past the last message (%u)", high, max);
            return FALSE;
        }
    }
    return TRUE;
}

gboolean
imap_seqset_contains(GArray *resolved, guint32 n)
{
    guint lo = 0, hi = resolved->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        const ImapSeqRange *r = &g_array_index(resolved, ImapSeqRange, mid);
        if (n < r->first)
            hi = mid;
        else if (n > r->last)
            lo = mid + 1;
        else
            return TRUE;
    }
    return FALSE;
}

char *
imap_seqset_format(GArray *resolved)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < resolved->len; i++) {
        const ImapSeqRange *r = &g_array_index(resolved, ImapSeqRange, i);
        if (i > 0)
            g_string_append_c(s, ',');
        if (r->first == r->last)
            g_string_append_printf(s, "%u", r->first);
        else
            g_string_append_printf(s, "%u:%u", r->first, r->last);
    }
    return g_string_free(s, FALSE);
}

char *
imap_seqset_from_sorted(const guint32 *numbers, gsize n)
{
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(ImapSeqRange));

    for (gsize i = 0; i < n; i++) {
        ImapSeqRange *last =
            ranges->len > 0 ? &g_array_index(ranges, ImapSeqRange, ranges->len - 1) : NULL;
        if (last != NULL && numbers[i] == last->last + 1) {
            last->last = numbers[i];
        } else {
            ImapSeqRange r = {numbers[i], numbers[i]};
            g_array_append_val(ranges, r);
        }
    }
    return imap_seqset_format(ranges);
}
