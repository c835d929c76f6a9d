/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mailbox-env.h - one INBOX of the unit tests' fake store
 * (tests/unit/fake-store.h) as FETCH, SEARCH, SORT and THREAD see it: an
 * ImapMailboxEnv over the fake core's table and the message list the
 * session would hold, for the tests that call the module's code directly,
 * without a session.
 */
#ifndef HERMOD_IMAP_MAILBOX_ENV_H
#define HERMOD_IMAP_MAILBOX_ENV_H

#include "fake-store.h"
#include "fetch.h"

G_BEGIN_DECLS

#define MAILBOX_ENV_ACCOUNT "alice@example.org"

typedef struct {
    ImapMailboxEnv env; /* the fake core's table, the account's store, INBOX */
    GPtrArray *msgs;    /* HermodMsgInfo *, INBOX as messages() lists it */
} MailboxEnv;

/* Reset the fake store and return an empty INBOX.  has_fts: the store
 * offers search_text (a case-insensitive word match) and read_message;
 * without it the table ends before search_text, as an older core's does,
 * so FETCH reads through open_message and SEARCH matches by itself. */
MailboxEnv *mailbox_env_new(gboolean has_fts);
void mailbox_env_free(MailboxEnv *mb);
/* Add a message (len -1: NUL-terminated) with flags and an internal date
 * (0: FAKE_STORE_NOW); UIDs count from 1, modseqs from 11.  Returns its
 * info (transfer none, valid until the next add). */
HermodMsgInfo *mailbox_env_add(MailboxEnv *mb, const char *data, gssize len, guint32 flags,
                               gint64 date);
/* The same, from a file of tests/data/imap. */
HermodMsgInfo *mailbox_env_add_file(MailboxEnv *mb, const char *name, guint32 flags, gint64 date);
/* Replace a message's keywords (fake_store_set_keywords). */
void mailbox_env_set_keywords(MailboxEnv *mb, guint32 uid, const char *const *keywords);
/* The message's file disappears (fake_store_lose). */
void mailbox_env_lose(MailboxEnv *mb, guint32 uid);
/* Concatenate out's chunks into one string (transfer full). */
char *mailbox_env_join(GPtrArray *out, gsize *out_len);

G_END_DECLS

#endif
