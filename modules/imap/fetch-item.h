/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fetch-item.h - the inside of an ImapFetchSpec, shared by fetch-spec.c
 * (parsing) and fetch.c (answering).  Private to the IMAP module.
 */
#ifndef HERMOD_IMAP_FETCH_ITEM_H
#define HERMOD_IMAP_FETCH_ITEM_H

#include "fetch.h"
#include "section.h"

G_BEGIN_DECLS

typedef enum {
    IMAP_FETCH_UID,
    IMAP_FETCH_FLAGS,
    IMAP_FETCH_INTERNALDATE,
    IMAP_FETCH_SIZE,
    IMAP_FETCH_ENVELOPE,
    IMAP_FETCH_BODYSTRUCTURE,
    IMAP_FETCH_BODY, /* the non-extensible BODY structure */
    IMAP_FETCH_MODSEQ,
    IMAP_FETCH_RFC822,
    IMAP_FETCH_RFC822_HEADER,
    IMAP_FETCH_RFC822_TEXT,
    IMAP_FETCH_SECTION, /* BODY[...] and BODY.PEEK[...] */
    IMAP_FETCH_BINARY,
    IMAP_FETCH_BINARY_SIZE,
} ImapFetchKind;

typedef struct {
    ImapFetchKind kind;
    ImapSection *section; /* SECTION, BINARY, BINARY_SIZE */
    gboolean is_peek;
    gboolean has_partial;
    guint64 partial_start;
    guint64 partial_len;
} ImapFetchItem;

struct ImapFetchSpec {
    GPtrArray *items; /* ImapFetchItem* (owned), in the client's order */
    gboolean is_uid;  /* UID FETCH: UID goes into every response */
    gboolean has_flags;
    gboolean has_modseq;
    gboolean sets_seen;
    guint64 changedsince;
    gboolean has_vanished;
};

G_END_DECLS

#endif
