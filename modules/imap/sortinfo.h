/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sortinfo.h - what SORT and THREAD need of one message: sort address
 * keys, sent date, base subject, message ids.  Private to the module.
 */
#ifndef HERMOD_IMAP_SORTINFO_H
#define HERMOD_IMAP_SORTINFO_H

#include "fetch.h"
#include "search-key.h"

G_BEGIN_DECLS

typedef struct {
    guint idx; /* 0-based position in the mailbox (sequence - 1) */
    const HermodMsgInfo *msg;
    char *from; /* first From mailbox local part, upper-cased; "" if none */
    char *to;
    char *cc;
    gint64 sent;   /* Date header (UTC seconds), else the internal date */
    char *subject; /* base subject, upper-cased (i;ascii-casemap) */
    gboolean is_reply;
    char *message_id;  /* without <>, or NULL */
    char **references; /* References (or In-Reply-To) ids, oldest first; never NULL */
} ImapSortInfo;

/* Fill info for msgs->pdata[idx] (opens the message).  FALSE with
 * IMAP_FETCH_ERROR_FAILED if the store cannot open it. */
gboolean imap_sort_info_load(ImapSortInfo *info, const ImapMailboxEnv *env, GPtrArray *msgs,
                             guint idx, GError **error);
void imap_sort_info_clear(ImapSortInfo *info);

/* SORT's and THREAD's first step: run prog over msgs (as
 * imap_search_program_run, without "$") and load the sort information of
 * every hit, in mailbox order.  (transfer full) GArray of ImapSortInfo
 * that clears its elements, or NULL with the search's or the store's
 * error.  Blocking (opens every hit). */
GArray *imap_sort_info_search(const ImapMailboxEnv *env, ImapSearchProgram *prog, GPtrArray *msgs,
                              GError **error);

/* The <id>s of a References / In-Reply-To value, in order.  (transfer full) */
char **imap_parse_msgids(const char *value);

G_END_DECLS

#endif
