/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fetch-fake.h - an in-memory HermodApi/HermodMailApi for the FETCH and
 * SEARCH tests: messages live in a temporary folder (so open_message can
 * map them), the parse cache in a hash table, search_text is optional.
 */
#ifndef HERMOD_IMAP_FETCH_FAKE_H
#define HERMOD_IMAP_FETCH_FAKE_H

#include <hermod/version.h>

#include "fetch.h"

/* HermodApi.mail arrives with ABI 1.1; built against 1.0 the store
 * tests skip (fake_store_skip). */
#define FAKE_STORE_USABLE (HERMOD_ABI_MINOR >= 1)

typedef struct {
    HermodApi api;
    HermodMailApi mail;
    ImapMailboxEnv env;
    char *dir;
    GPtrArray *msgs;   /* HermodMsgInfo* */
    GHashTable *cache; /* "uid/field" -> value */
    guint cache_sets;
    guint fts_calls;
} FakeMail;

/* has_fts: offer search_text (a case-insensitive word match). */
FakeMail *fake_mail_new(gboolean has_fts);
void fake_mail_free(FakeMail *fake);
/* Add a message (data of len bytes) with flags and an internal date;
 * UIDs count from 1.  Returns its info (transfer none). */
HermodMsgInfo *fake_mail_add(FakeMail *fake, const char *data, gssize len, guint32 flags,
                             gint64 date);
/* The same, from a file of tests/data/imap. */
HermodMsgInfo *fake_mail_add_file(FakeMail *fake, const char *name, guint32 flags, gint64 date);
/* A test body that skips: the store cannot be reached before ABI 1.1. */
void fake_store_skip(void);
/* Concatenate out's chunks into one string. (transfer full) */
char *fake_join(GPtrArray *out, gsize *out_len);

#endif
