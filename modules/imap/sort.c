/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sort.c - SORT / UID SORT (RFC 5256 3): parse the criteria, take the
 * hits of the search keys with their sort fields (imap_sort_info_search,
 * which THREAD shares), order them by the criteria, with the sequence
 * number as the final tie-breaker, and answer "* SORT ...".
 * Strings compare with i;ascii-casemap (they are upper-cased on load).
 */
#include "autoconfig.h"

#include "sort.h"

#include <string.h>

#include "parser.h"
#include "search-key.h"
#include "sortinfo.h"

typedef enum { BY_ARRIVAL, BY_CC, BY_DATE, BY_FROM, BY_SIZE, BY_SUBJECT, BY_TO } SortBy;

typedef struct {
    SortBy by;
    gboolean is_reverse;
} Criterion;

struct ImapSort {
    GArray *criteria; /* Criterion */
    ImapSearchProgram prog;
};

static gboolean
fail(GError **error, const char *why)
{
    g_set_error_literal(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX, why);
    return FALSE;
}

void
imap_sort_free(ImapSort *sort)
{
    if (sort == NULL)
        return;
    if (sort->criteria != NULL)
        g_array_unref(sort->criteria);
    imap_search_key_free(sort->prog.root);
    g_free(sort);
}

static gboolean
parse_criteria(ImapSort *sort, const ImapArg *list, GError **error)
{
    static const char *const names[] = {"ARRIVAL", "CC", "DATE", "FROM", "SIZE", "SUBJECT", "TO"};
    gboolean reverse = FALSE;

    if (list == NULL || list->type != IMAP_ARG_LIST || list->list->len == 0)
        return fail(error, "SORT needs a list of criteria");
    for (guint i = 0; i < list->list->len; i++) {
        const ImapArg *arg = list->list->pdata[i];
        if (imap_arg_atom_is(arg, "REVERSE") && !reverse) {
            reverse = TRUE;
            continue;
        }
        guint n = 0;
        while (n < G_N_ELEMENTS(names) && !imap_arg_atom_is(arg, names[n]))
            n++;
        if (n == G_N_ELEMENTS(names))
            return fail(error, "Unknown sort criterion");
        Criterion c = {.by = (SortBy)n, .is_reverse = reverse};
        g_array_append_val(sort->criteria, c);
        reverse = FALSE;
    }
    return reverse ? fail(error, "REVERSE needs a criterion") : TRUE;
}

ImapSort *
imap_sort_parse(GPtrArray *args, guint first, gboolean is_uid, GError **error)
{
    g_autoptr(ImapSort) sort = g_new0(ImapSort, 1);

    sort->criteria = g_array_new(FALSE, FALSE, sizeof(Criterion));
    sort->prog.is_uid = is_uid;
    if (!parse_criteria(sort, first < args->len ? args->pdata[first] : NULL, error) ||
        !imap_search_program_parse(&sort->prog, args, first + 1, "SORT", error))
        return NULL;
    return g_steal_pointer(&sort);
}

static int
compare_one(const ImapSortInfo *a, const ImapSortInfo *b, SortBy by)
{
    switch (by) {
    case BY_ARRIVAL:
        return (a->msg->internal_date > b->msg->internal_date) -
               (a->msg->internal_date < b->msg->internal_date);
    case BY_CC:
        return strcmp(a->cc, b->cc);
    case BY_DATE:
        return (a->sent > b->sent) - (a->sent < b->sent);
    case BY_FROM:
        return strcmp(a->from, b->from);
    case BY_SIZE:
        return (a->msg->size > b->msg->size) - (a->msg->size < b->msg->size);
    case BY_SUBJECT:
        return strcmp(a->subject, b->subject);
    case BY_TO:
        return strcmp(a->to, b->to);
    }
    return 0;
}

static int
compare(gconstpointer pa, gconstpointer pb, gpointer data)
{
    const ImapSortInfo *a = pa, *b = pb;
    GArray *criteria = data;

    for (guint i = 0; i < criteria->len; i++) {
        const Criterion *c = &g_array_index(criteria, Criterion, i);
        int r = compare_one(a, b, c->by);
        if (r != 0)
            return c->is_reverse ? -r : r;
    }
    return (a->idx > b->idx) - (a->idx < b->idx);
}

gboolean
imap_sort_run(const ImapMailboxEnv *env, ImapSort *sort, GPtrArray *msgs, GPtrArray *out,
              GError **error)
{
    g_autoptr(GArray) infos = imap_sort_info_search(env, &sort->prog, msgs, error);
    g_autoptr(GString) text = g_string_new("* SORT");

    if (infos == NULL)
        return FALSE;
    g_array_sort_with_data(infos, compare, sort->criteria);
    for (guint i = 0; i < infos->len; i++) {
        const ImapSortInfo *info = &g_array_index(infos, ImapSortInfo, i);
        g_string_append_printf(text, " %u", sort->prog.is_uid ? info->msg->uid : info->idx + 1);
    }
    g_string_append(text, "\r\n");
    g_ptr_array_add(out, g_bytes_new(text->str, text->len));
    return TRUE;
}
