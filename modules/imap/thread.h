/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * thread.h - THREAD and UID THREAD (RFC 5256 3): ORDEREDSUBJECT and
 * REFERENCES over the messages a search selects.
 *
 * Errors use IMAP_FETCH_ERROR (see fetch.h).  imap_thread_run() opens
 * messages: run it on the work pool.
 */
#ifndef HERMOD_IMAP_THREAD_H
#define HERMOD_IMAP_THREAD_H

#include "fetch.h"

G_BEGIN_DECLS

typedef struct ImapThread ImapThread;

/* Parse args[first...]: the algorithm (ORDEREDSUBJECT or REFERENCES), the
 * charset, the search keys.  (transfer full) or NULL with
 * IMAP_FETCH_ERROR_SYNTAX / _BADCHARSET. */
ImapThread *imap_thread_parse(GPtrArray *args, guint first, gboolean is_uid, GError **error);
void imap_thread_free(ImapThread *thread); /* nullable */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImapThread, imap_thread_free)

/* Append "* THREAD (..)(..)\r\n" as GBytes* chunks to out.  msgs as for
 * imap_search_run().  Blocking. */
gboolean imap_thread_run(const ImapMailboxEnv *env, ImapThread *thread, GPtrArray *msgs,
                         GPtrArray *out, GError **error);

G_END_DECLS

#endif
