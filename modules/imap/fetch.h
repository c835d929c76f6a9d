/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fetch.h - the FETCH command's items and their response (RFC 9051 6.4.5,
 * RFC 3501 6.4.5, RFC 3516 BINARY, RFC 7162 CONDSTORE).
 *
 * The session parses the item list once with imap_fetch_spec_parse(), sets
 * \Seen itself when imap_fetch_spec_sets_seen() says so, then calls
 * imap_fetch_message() for each message.  Message data comes from the store
 * through HermodMailApi (open_message, cache_get/cache_set); the module's
 * MIME work uses GMime.
 *
 * Errors: every function here reports with IMAP_FETCH_ERROR.  Parse errors
 * (imap_fetch_spec_parse, imap_search_parse, imap_sort_parse,
 * imap_thread_parse) are answered "TAG BAD <message>"; run errors
 * (imap_fetch_message, imap_*_run) "TAG NO <message>".  When a response code
 * applies, error->message already starts with it ("[UNKNOWN-CTE] ...",
 * "[BADCHARSET (UTF-8 US-ASCII)] ..."), so the session writes the message
 * verbatim.
 *
 * Threads: parse/free/query functions are pure and may run anywhere.
 * imap_fetch_message() maps and parses the message and may call cache_set:
 * run it on the work pool.
 */
#ifndef HERMOD_IMAP_FETCH_H
#define HERMOD_IMAP_FETCH_H

#include <glib.h>
#include <hermod/api.h>
#include <hermod/mailstore.h>

G_BEGIN_DECLS

#define IMAP_FETCH_ERROR (imap_fetch_error_quark())
GQuark imap_fetch_error_quark(void);
typedef enum {
    IMAP_FETCH_ERROR_SYNTAX,      /* TAG BAD */
    IMAP_FETCH_ERROR_FAILED,      /* TAG NO: the message is gone (expunged meanwhile) */
    IMAP_FETCH_ERROR_UNKNOWN_CTE, /* TAG NO [UNKNOWN-CTE] (RFC 3516) */
    IMAP_FETCH_ERROR_BADCHARSET,  /* TAG NO [BADCHARSET (UTF-8 US-ASCII)] */
} ImapFetchError;

/* What a command needs to know of the selected mailbox and the client.
 * Everything is (transfer none) and outlives the call. */
typedef struct {
    const HermodApi *api;
    HermodMailStore *store;
    const char *mailbox;
    gboolean is_rev2;        /* IMAP4rev2 enabled */
    gboolean is_utf8_accept; /* UTF8=ACCEPT enabled */
    gboolean is_condstore;   /* CONDSTORE enabled (or implied) */
    /* The account (canonical address) and the mailbox's UIDVALIDITY: with
     * both, SEARCH keeps decoded header values for the next SEARCH
     * (search-cache.c).  account NULL: no such cache. */
    const char *account;
    guint32 uidvalidity;
} ImapMailboxEnv;

typedef struct ImapFetchSpec ImapFetchSpec;

/* Parse the items of FETCH/UID FETCH: args[first] is an atom (one item or
 * the macros ALL, FAST, FULL) or a list of items; optional args[first + 1]
 * is the modifier list "(CHANGEDSINCE n [VANISHED])".  Nothing may follow.
 * VANISHED is only accepted with is_uid (RFC 7162 3.2.6).
 * Returns (transfer full) or NULL with IMAP_FETCH_ERROR_SYNTAX. */
ImapFetchSpec *imap_fetch_spec_parse(GPtrArray *args, guint first, gboolean is_uid, GError **error);
void imap_fetch_spec_free(ImapFetchSpec *spec); /* nullable */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImapFetchSpec, imap_fetch_spec_free)

/* Does the fetch set \Seen (BODY[...], RFC822, RFC822.TEXT, BINARY[...]
 * without .PEEK)?  The session then updates the flag before calling
 * imap_fetch_message() with the updated HermodMsgInfo; FLAGS is then added
 * to the response even when the client did not ask for it. */
gboolean imap_fetch_spec_sets_seen(const ImapFetchSpec *spec);
/* Does any item need the store (message contents, the parse cache, a
 * \Seen update)?  FALSE: only what HermodMsgInfo holds (UID, FLAGS,
 * INTERNALDATE, RFC822.SIZE, MODSEQ), so imap_fetch_message() neither
 * blocks nor calls the store and may run on the loop thread. */
gboolean imap_fetch_spec_needs_store(const ImapFetchSpec *spec);
/* The CHANGEDSINCE value, 0 if none. */
guint64 imap_fetch_spec_changedsince(const ImapFetchSpec *spec);
/* Was VANISHED given (UID FETCH ... (CHANGEDSINCE n VANISHED))? */
gboolean imap_fetch_spec_has_vanished(const ImapFetchSpec *spec);

/* Append "* SEQ FETCH (...)\r\n" for msg to out as GBytes* chunks
 * (out's free func must be g_bytes_unref).  Large body parts are
 * zero-copy slices of the mapped message.  UID is included when is_uid,
 * MODSEQ when env->is_condstore or asked.  Blocking (see above).
 * Returns FALSE with IMAP_FETCH_ERROR_FAILED (the message cannot be
 * read: expunged meanwhile), _UNKNOWN_CTE, or the store's
 * HERMOD_MAIL_ERROR_IO (it failed); out is then left as it was. */
gboolean imap_fetch_message(const ImapMailboxEnv *env, const ImapFetchSpec *spec, guint32 seq,
                            const HermodMsgInfo *msg, GPtrArray *out, GError **error);

G_END_DECLS

#endif
