/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * thread.c - THREAD / UID THREAD (RFC 5256 3): ORDEREDSUBJECT and
 * REFERENCES over the messages the search keys select (found and read by
 * imap_sort_info_search, as for SORT).
 *
 * ORDEREDSUBJECT groups by base subject; each group is ordered by sent
 * date, its first message is the parent of the others; groups are ordered
 * by their first message's date.  REFERENCES follows RFC 5256's steps:
 * link the ids of References (or In-Reply-To) without creating loops,
 * make each message the child of its last reference, prune dummies,
 * merge roots by base subject, order siblings by sent date (dummies by
 * their first child), sequence number breaking ties.
 */
#include "autoconfig.h"

#include "thread.h"

#include <string.h>

#include "parser.h"
#include "search-key.h"
#include "sortinfo.h"
#include "thread-tree.h"

struct ImapThread {
    gboolean is_references;
    ImapSearchProgram prog;
};

void
imap_thread_free(ImapThread *thread)
{
    if (thread == NULL)
        return;
    imap_search_key_free(thread->prog.root);
    g_free(thread);
}

ImapThread *
imap_thread_parse(GPtrArray *args, guint first, gboolean is_uid, GError **error)
{
    g_autoptr(ImapThread) thread = g_new0(ImapThread, 1);
    const ImapArg *algo = first < args->len ? args->pdata[first] : NULL;

    thread->prog.is_uid = is_uid;
    if (algo != NULL && imap_arg_atom_is(algo, "REFERENCES")) {
        thread->is_references = TRUE;
    } else if (algo == NULL || !imap_arg_atom_is(algo, "ORDEREDSUBJECT")) {
        g_set_error_literal(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX,
                            "Unknown threading algorithm");
        return NULL;
    }
    if (!imap_search_program_parse(&thread->prog, args, first + 1, "THREAD", error))
        return NULL;
    return g_steal_pointer(&thread);
}

gboolean
imap_thread_run(const ImapMailboxEnv *env, ImapThread *thread, GPtrArray *msgs, GPtrArray *out,
                GError **error)
{
    g_autoptr(GArray) infos = imap_sort_info_search(env, &thread->prog, msgs, error);
    g_autoptr(GString) text = g_string_new("* THREAD ");

    if (infos == NULL)
        return FALSE;
    ImapThreadTree *tree =
        thread->is_references ? imap_thread_references(infos) : imap_thread_orderedsubject(infos);
    imap_thread_tree_format(tree, text, thread->prog.is_uid);
    imap_thread_tree_free(tree);
    if (text->str[text->len - 1] == ' ')
        g_string_truncate(text, text->len - 1);
    g_string_append(text, "\r\n");
    g_ptr_array_add(out, g_bytes_new(text->str, text->len));
    return TRUE;
}
