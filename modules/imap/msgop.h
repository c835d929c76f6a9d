/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * msgop.h - the work-pool job of the commands that change messages:
 * APPEND (cmd-append.c), STORE (cmd-store.c), COPY and MOVE (cmd-copy.c),
 * EXPUNGE (cmd-expunge.c) and CLOSE (cmd-close.c).  Private to the module.
 *
 * A command fills an ImapMsgOp on the loop, imap_session_work runs
 * imap_msgop_work (the one blocking store call) on the work pool, and the
 * command's own completion reads the result on the loop again.
 */
#ifndef HERMOD_IMAP_MSGOP_H
#define HERMOD_IMAP_MSGOP_H

#include "session.h"

G_BEGIN_DECLS

typedef enum {
    IMAP_MSGOP_APPEND,  /* dest, data, flags, keywords, date -> out_uid, out_uidvalidity */
    IMAP_MSGOP_STORE,   /* uids, op, flags, keywords, unchangedsince -> out_a (modified) */
    IMAP_MSGOP_COPY,    /* uids, dest, is_move -> out_a, out_b (src, dst), out_uidvalidity */
    IMAP_MSGOP_EXPUNGE, /* uids (NULL: every \Deleted one) */
    IMAP_MSGOP_CLOSE,   /* as EXPUNGE, then the mailbox is closed */
} ImapMsgOpKind;

typedef struct {
    ImapMsgOpKind kind;
    HermodMailStore *store;
    char *tag;
    char *mailbox; /* the selected mailbox, or NULL */
    char *dest;
    gboolean is_uid, is_move, is_silent, ok;
    GArray *uids;
    GBytes *data;
    guint32 flags;
    char **keywords;
    gint64 date;
    HermodFlagsOp op;
    guint64 unchangedsince;
    guint32 out_uid, out_uidvalidity;
    GArray *out_a, *out_b; /* modified / src+dst UIDs */
    GError *error;
} ImapMsgOp;

/* A job of kind for cmd, on s's store and selected mailbox.  (transfer
 * full: imap_msgop_free) */
ImapMsgOp *imap_msgop_new(ImapSession *s, ImapCommand *cmd, ImapMsgOpKind kind);
void imap_msgop_free(gpointer op);
/* The store call of op->kind; sets op->ok, or op->error.  Work pool. */
void imap_msgop_work(gpointer op);

/* Refuse a change in a read-only (EXAMINEd) mailbox: FALSE after "TAG NO
 * [READ-ONLY]". */
gboolean imap_msgop_writable(ImapSession *s, const char *tag);

G_END_DECLS

#endif
