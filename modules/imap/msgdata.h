/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * msgdata.h - one message's bytes and MIME tree, loaded on first need
 * from the store (FETCH, SEARCH, SORT and THREAD share it).
 */
#ifndef HERMOD_IMAP_MSGDATA_H
#define HERMOD_IMAP_MSGDATA_H

#include "fetch.h"
#include "mime.h"

G_BEGIN_DECLS

typedef struct {
    GBytes *bytes; /* the whole message */
    const char *data;
    gsize len;
    ImapMimePart *root;
} ImapMsgData;

/* The store's mail table, or NULL when the core has none. */
const HermodMailApi *imap_mail_api(const ImapMailboxEnv *env);

/* Read msg (once) without building its tree: d->root stays NULL until
 * imap_msg_data_load.  FALSE with IMAP_FETCH_ERROR_FAILED when the message
 * is gone, with the store's HERMOD_MAIL_ERROR_IO when the store failed. */
gboolean imap_msg_data_map(ImapMsgData *d, const ImapMailboxEnv *env, const HermodMsgInfo *msg,
                           GError **error);
/* Read msg (once) and parse its tree (once).  FALSE with
 * IMAP_FETCH_ERROR_FAILED or HERMOD_MAIL_ERROR_IO, as imap_msg_data_map. */
gboolean imap_msg_data_load(ImapMsgData *d, const ImapMailboxEnv *env, const HermodMsgInfo *msg,
                            GError **error);
/* Release what load took; d may be reused. */
void imap_msg_data_clear(ImapMsgData *d);

G_END_DECLS

#endif
