/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * search-cache.h - decoded header values that SEARCH looked at, kept in
 * memory for the next SEARCH of any session of this process.
 *
 * Threads: every function may be called from any thread (one lock).
 */
#ifndef HERMOD_IMAP_SEARCH_CACHE_H
#define HERMOD_IMAP_SEARCH_CACHE_H

#include "fetch.h"

G_BEGIN_DECLS

typedef enum {
    IMAP_CACHE_UNKNOWN = -1, /* not cached: decode the message */
    IMAP_CACHE_NO = 0,
    IMAP_CACHE_YES = 1,
} ImapCacheAnswer;

/* The cached values of one header field in env's mailbox, held for the
 * lookups of one SEARCH.  NULL when env has no account.  (transfer full) */
typedef struct ImapCacheField ImapCacheField;
ImapCacheField *imap_search_cache_field(const ImapMailboxEnv *env, const char *field);
void imap_search_cache_field_unref(ImapCacheField *values);
/* Does the field of message uid contain needle (already case-folded)?  A
 * message without that header never matches.  values nullable. */
ImapCacheAnswer imap_search_cache_match(ImapCacheField *values, guint32 uid, const char *needle);
/* Remember header field of uid: folded is its decoded, case-folded value
 * (transfer none), or NULL when the message has no such header.  Nothing
 * happens when env has no account. */
void imap_search_cache_put(const ImapMailboxEnv *env, guint32 uid, const char *field,
                           const char *folded);
/* Fill the cache for uid from its top-level header block data[0..len):
 * From, To, Cc, Bcc, Subject and field.  Returns field's answer for
 * needle (never IMAP_CACHE_UNKNOWN). */
ImapCacheAnswer imap_search_cache_fill(const ImapMailboxEnv *env, guint32 uid, const char *data,
                                       gsize len, const char *field, const char *needle);
/* Drop everything (tests, and past the memory bound). */
void imap_search_cache_clear(void);

G_END_DECLS

#endif
