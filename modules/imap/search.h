/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * search.h - SEARCH and UID SEARCH (RFC 9051 6.4.4, RFC 3501 6.4.4), with
 * ESEARCH RETURN options (RFC 4731), SEARCHRES "$" (RFC 5182) and
 * CONDSTORE's MODSEQ key (RFC 7162).
 *
 * Errors use IMAP_FETCH_ERROR (see fetch.h): parse errors for TAG BAD,
 * run errors for TAG NO.  imap_search_run() may open messages (header and
 * body keys): run it on the work pool.
 *
 * \Recent: Hermod's store keeps no \Recent flag (IMAP4rev2 removed it), so
 * no message is recent: RECENT and NEW match nothing, OLD and UNRECENT
 * match every message (NEW = RECENT UNSEEN, OLD = NOT RECENT).
 */
#ifndef HERMOD_IMAP_SEARCH_H
#define HERMOD_IMAP_SEARCH_H

#include "fetch.h"

G_BEGIN_DECLS

typedef struct ImapSearch ImapSearch;

/* Parse args[first...]: optional "RETURN (MIN MAX ALL COUNT SAVE)" (an
 * ESEARCH request; "RETURN ()" means ALL), optional "CHARSET x" (UTF-8 and
 * US-ASCII; others fail with IMAP_FETCH_ERROR_BADCHARSET, a TAG NO), then
 * the search keys.  With is_rev2 set later through the env the reply is
 * always ESEARCH.  (transfer full) */
ImapSearch *imap_search_parse(GPtrArray *args, guint first, gboolean is_uid, GError **error);
void imap_search_free(ImapSearch *s); /* nullable */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImapSearch, imap_search_free)

/* The command's tag, for "* ESEARCH (TAG "x")".  Copied. */
void imap_search_set_tag(ImapSearch *s, const char *tag);

/* Did the keys use "$"?  (The session may need to wait for a pending
 * SAVE, RFC 5182 2.1.) */
gboolean imap_search_uses_saved(const ImapSearch *s);

/* Are s's sequence-number keys within a mailbox of max messages?  A
 * number past the end fails with IMAP_FETCH_ERROR_SYNTAX (RFC 9051 9,
 * seq-number), for TAG BAD. */
gboolean imap_search_check_seq(const ImapSearch *s, guint32 max, GError **error);

/* Run s over msgs (HermodMsgInfo*, in sequence order: msgs[0] is
 * sequence 1).  previous_result (nullable) is the "$" set as a GArray of
 * guint32 UIDs, ascending; NULL or empty means "$" matches nothing.
 * Appends the untagged response as GBytes* chunks to out: "* SEARCH ..."
 * (rev1 without RETURN) or "* ESEARCH (TAG "x") [UID] ...".  When SAVE
 * was asked and out_saved is not NULL, *out_saved receives the new "$"
 * (transfer full, GArray of guint32 UIDs, ascending); otherwise *out_saved
 * is left alone.  Blocking. */
gboolean imap_search_run(const ImapMailboxEnv *env, ImapSearch *s, GPtrArray *msgs,
                         GArray *previous_result, GPtrArray *out, GArray **out_saved,
                         GError **error);

G_END_DECLS

#endif
