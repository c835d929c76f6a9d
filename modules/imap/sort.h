/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sort.h - SORT and UID SORT (RFC 5256 3): criteria ARRIVAL CC DATE FROM
 * REVERSE SIZE SUBJECT TO over the messages a search selects.
 *
 * Errors use IMAP_FETCH_ERROR (see fetch.h).  imap_sort_run() opens
 * messages: run it on the work pool.
 */
#ifndef HERMOD_IMAP_SORT_H
#define HERMOD_IMAP_SORT_H

#include "fetch.h"

G_BEGIN_DECLS

typedef struct ImapSort ImapSort;

/* Parse args[first...]: the criteria list, the charset, the search keys.
 * (transfer full) or NULL with IMAP_FETCH_ERROR_SYNTAX / _BADCHARSET. */
ImapSort *imap_sort_parse(GPtrArray *args, guint first, gboolean is_uid, GError **error);
void imap_sort_free(ImapSort *sort); /* nullable */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImapSort, imap_sort_free)

/* Append "* SORT n n n\r\n" (sequence numbers, or UIDs for UID SORT) as
 * GBytes* chunks to out.  msgs as for imap_search_run().  Blocking. */
gboolean imap_sort_run(const ImapMailboxEnv *env, ImapSort *sort, GPtrArray *msgs, GPtrArray *out,
                       GError **error);

/* RFC 5256 2.1 base subject of a decoded (UTF-8) subject.  (transfer full)
 * Exposed for THREAD and the tests. */
char *imap_base_subject(const char *subject);

G_END_DECLS

#endif
