/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-imap-args.c - fuzz target: the argument grammars behind FETCH and
 * SEARCH (modules/imap/fetch-spec.c, section.c, search-parse.c, search.c,
 * sort.c, thread.c) and sequence sets (seqset.c), called directly.
 *
 * The first byte selects: % 3 == 0 the rest is a FETCH's arguments
 * ("1:* (FLAGS BODY.PEEK[1.MIME])"), 1 a SEARCH's, SORT's and THREAD's
 * arguments, 2 a sequence set; bit 2 makes it the UID form.  FETCH and
 * SEARCH arguments go through the command parser first, as the session
 * does.  One target for the three because they share their input path and
 * their grammar (both command forms carry sequence sets), so what the
 * fuzzer learns for one serves the others, and one run covers all three.
 *
 * Oracles besides crashes, leaks and undefined behaviour: a FETCH that
 * sets \Seen needs the store and VANISHED comes only with CHANGEDSINCE on
 * UID FETCH; a resolved sequence set is sorted, merged and agrees with the
 * set as written on every boundary number, and survives a round trip
 * through imap_seqset_format and imap_seqset_from_sorted.
 */
#include "autoconfig.h"

#include <string.h>

#include "fetch.h"
#include "parser.h"
#include "search.h"
#include "seqset.h"
#include "sort.h"
#include "thread.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

#define ARGS_MAX_INPUT 4096

/* Mailbox sizes the sets are resolved against (G_MAXUINT32 is "*"). */
static const guint32 maxes[] = {0, 1, 3, 1000, G_MAXUINT32 - 1};

static ImapCommand *
parse(const char *name, const char *text, gsize len)
{
    g_autofree char *tag = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) line = g_string_new("f1 ");
    g_string_append_printf(line, "%s ", name);
    g_string_append_len(line, text, (gssize)len);
    return imap_parse_command(line->str, line->len, &tag, &error);
}

static void
fetch_args(const char *text, gsize len, gboolean is_uid)
{
    g_autoptr(ImapCommand) cmd = parse(is_uid ? "UID FETCH" : "FETCH", text, len);
    if (cmd == NULL)
        return;
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapFetchSpec) spec =
        imap_fetch_spec_parse(cmd->args, is_uid ? 2 : 1, is_uid, &error);
    g_assert_true((spec == NULL) == (error != NULL));
    if (spec == NULL)
        return;
    if (imap_fetch_spec_sets_seen(spec))
        g_assert_true(imap_fetch_spec_needs_store(spec));
    if (imap_fetch_spec_has_vanished(spec))
        g_assert_true(is_uid && imap_fetch_spec_changedsince(spec) > 0);
}

static void
search_args(const char *text, gsize len, gboolean is_uid)
{
    g_autoptr(ImapCommand) cmd = parse(is_uid ? "UID SEARCH" : "SEARCH", text, len);
    if (cmd == NULL)
        return;
    guint first = is_uid ? 1 : 0;
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapSearch) search = imap_search_parse(cmd->args, first, is_uid, &error);
    g_assert_true((search == NULL) == (error != NULL));
    for (guint i = 0; search != NULL && i < G_N_ELEMENTS(maxes); i++) {
        g_autoptr(GError) seq_error = NULL;
        gboolean ok = imap_search_check_seq(search, maxes[i], &seq_error);
        g_assert_true(ok == (seq_error == NULL));
    }
    g_autoptr(GError) sort_error = NULL;
    g_autoptr(ImapSort) sort = imap_sort_parse(cmd->args, first, is_uid, &sort_error);
    g_assert_true((sort == NULL) == (sort_error != NULL));
    g_autoptr(GError) thread_error = NULL;
    g_autoptr(ImapThread) thread = imap_thread_parse(cmd->args, first, is_uid, &thread_error);
    g_assert_true((thread == NULL) == (thread_error != NULL));
}

/* Is n in the set as written, "*" being max?  The slow way. */
static gboolean
written_contains(const ImapSeqSet *set, guint32 max, guint32 n)
{
    for (guint i = 0; i < set->ranges->len; i++) {
        ImapSeqRange r = g_array_index(set->ranges, ImapSeqRange, i);
        if (max == 0 && (r.first == IMAP_SEQ_STAR || r.last == IMAP_SEQ_STAR))
            continue;
        guint32 a = r.first == IMAP_SEQ_STAR ? max : r.first;
        guint32 b = r.last == IMAP_SEQ_STAR ? max : r.last;
        if (n >= MIN(a, b) && n <= MAX(a, b))
            return TRUE;
    }
    return FALSE;
}

static void
check_same(GArray *a, GArray *b)
{
    g_assert_cmpuint(a->len, ==, b->len);
    g_assert_cmpint(memcmp(a->data, b->data, a->len * sizeof(ImapSeqRange)), ==, 0);
}

/* The numbers on and next to every range's ends, and the round trips. */
static void
check_resolved(const ImapSeqSet *set, guint32 max)
{
    g_autoptr(GArray) res = imap_seqset_resolve(set, max);
    g_autoptr(GArray) probes = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = 0; i < res->len; i++) {
        ImapSeqRange r = g_array_index(res, ImapSeqRange, i);
        g_assert_cmpuint(r.first, >=, 1);
        g_assert_cmpuint(r.first, <=, r.last);
        if (i > 0)
            g_assert_cmpuint(r.first, >, (guint64)g_array_index(res, ImapSeqRange, i - 1).last + 1);
        guint32 around[] = {r.first - 1, r.first, r.last, r.last + 1};
        for (guint k = 0; k < G_N_ELEMENTS(around); k++) {
            guint32 n = around[k];
            g_assert_true(imap_seqset_contains(res, n) == written_contains(set, max, n));
            if (imap_seqset_contains(res, n) &&
                (probes->len == 0 || g_array_index(probes, guint32, probes->len - 1) < n))
                g_array_append_val(probes, n);
        }
    }
    g_autofree char *text = imap_seqset_format(res);
    if (res->len > 0) {
        g_autoptr(ImapSeqSet) again = imap_seqset_parse(text, NULL);
        g_assert_nonnull(again);
        g_autoptr(GArray) res2 = imap_seqset_resolve(again, max);
        check_same(res, res2);
        g_autofree char *compact = imap_seqset_from_sorted((guint32 *)probes->data, probes->len);
        g_autoptr(ImapSeqSet) back = imap_seqset_parse(compact, NULL);
        g_assert_nonnull(back);
        g_autoptr(GArray) res3 = imap_seqset_resolve(back, max);
        for (guint k = 0; k < probes->len; k++)
            g_assert_true(imap_seqset_contains(res3, g_array_index(probes, guint32, k)));
    }
}

static void
seqset(const char *text, gsize len)
{
    g_autofree char *s = g_strndup(text, len); /* stops at a NUL, as a parsed atom does */
    g_autoptr(GError) error = NULL;
    g_autoptr(ImapSeqSet) set = imap_seqset_parse(s, &error);
    g_assert_true((set == NULL) == (error != NULL));
    if (set == NULL)
        return;
    for (guint i = 0; i < G_N_ELEMENTS(maxes); i++) {
        check_resolved(set, maxes[i]);
        g_autoptr(GError) max_error = NULL;
        gboolean ok = imap_seqset_check_max(set, maxes[i], &max_error);
        g_assert_true(ok == (max_error == NULL));
    }
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    if (size == 0 || size > ARGS_MAX_INPUT)
        return 0;
    const char *text = (const char *)data + 1;
    gsize len = size - 1;
    gboolean is_uid = (data[0] & 4) != 0;
    switch (data[0] % 3) {
    case 0:
        fetch_args(text, len, is_uid);
        break;
    case 1:
        search_args(text, len, is_uid);
        break;
    default:
        seqset(text, len);
        break;
    }
    return 0;
}
