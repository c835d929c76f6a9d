/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * search-key.h - the parsed SEARCH program: a tree of keys, shared by
 * search-parse.c (building it), search.c (running it) and SORT/THREAD.
 * Private to the IMAP module.
 */
#ifndef HERMOD_IMAP_SEARCH_KEY_H
#define HERMOD_IMAP_SEARCH_KEY_H

#include "fetch.h"
#include "msgdata.h"
#include "seqset.h"

G_BEGIN_DECLS

typedef enum {
    SK_AND,     /* subs: every one (ALL is an empty AND) */
    SK_OR,      /* subs[0] or subs[1] */
    SK_NOT,     /* subs[0] */
    SK_SEQ,     /* set: sequence numbers */
    SK_UID,     /* set: UIDs */
    SK_SAVED,   /* "$" */
    SK_FLAG,    /* flag bit set (num = a HERMOD_MAIL_FLAG_* bit) */
    SK_KEYWORD, /* keyword str set */
    SK_NONE,    /* matches nothing (RECENT, NEW: no \Recent here) */
    SK_LARGER,  /* size > num */
    SK_SMALLER, /* size < num */
    SK_BEFORE,  /* internal date (days) < day */
    SK_ON,      /* == day */
    SK_SINCE,   /* >= day */
    SK_SENTBEFORE,
    SK_SENTON,
    SK_SENTSINCE, /* Date: header */
    SK_HEADER,    /* header name contains str (decoded, case-insensitive) */
    SK_BODY,      /* body contains str */
    SK_TEXT,      /* header or body contains str */
    SK_MODSEQ,    /* modseq >= num */
} ImapSearchKind;

typedef struct ImapSearchKey ImapSearchKey;
struct ImapSearchKey {
    ImapSearchKind kind;
    GPtrArray *subs; /* ImapSearchKey* (owned) for AND/OR/NOT */
    ImapSeqSet *set;
    char *name; /* HEADER field name */
    char *str;  /* folded (g_utf8_casefold) needle, keyword */
    guint64 num;
    gint64 day;       /* days since 1-Jan-0001 (g_date_get_julian) */
    GArray *fts;      /* BODY/TEXT: UIDs from the store's index, or NULL */
    GArray *resolved; /* SEQ/UID/SAVED: ranges while running */
    gpointer cached;  /* HEADER: ImapCacheField* (search-cache.c) while running */
};

typedef struct {
    ImapSearchKey *root;
    gboolean is_uid;
    gboolean uses_saved;
    gboolean uses_modseq;
} ImapSearchProgram;

/* Parse search keys args[first...] (after RETURN/CHARSET).  (transfer full) */
ImapSearchKey *imap_search_keys_parse(GPtrArray *args, guint first, ImapSearchProgram *prog,
                                      GError **error);
/* Parse an optional "CHARSET x" at args[*i]; fails with BADCHARSET. */
gboolean imap_search_charset_parse(GPtrArray *args, guint *i, GError **error);
/* Check a charset name ("UTF-8", "US-ASCII"). */
gboolean imap_search_charset_ok(const char *charset, GError **error);
/* SORT's and THREAD's tail, args[first...]: a charset (required, checked)
 * and the search keys, into prog->root.  command names the command in
 * the error ("SORT needs a charset"). */
gboolean imap_search_program_parse(ImapSearchProgram *prog, GPtrArray *args, guint first,
                                   const char *command, GError **error);
void imap_search_key_free(ImapSearchKey *key);
/* Sequence-number keys of the tree within a mailbox of max messages
 * (imap_seqset_check_max); fails with IMAP_FETCH_ERROR_SYNTAX (TAG BAD). */
gboolean imap_search_keys_check_seq(const ImapSearchKey *key, guint32 max, GError **error);

/* Evaluate over msgs (HermodMsgInfo* in sequence order); returns the
 * matching 0-based indexes, ascending.  previous: "$" UIDs (nullable). */
GArray *imap_search_program_run(const ImapMailboxEnv *env, ImapSearchProgram *prog, GPtrArray *msgs,
                                GArray *previous, GError **error);

G_END_DECLS

#endif
