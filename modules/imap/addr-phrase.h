/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * addr-phrase.h - the display names of an address header, as written.
 *
 * ENVELOPE's names are the header's own text (RFC 9051 7.5.2): encoded
 * words go out byte for byte as stored, never decoded and re-encoded.
 * GMime parses the address structure (envelope.c) but decodes names, so
 * this scanner reads the raw header alongside and hands envelope.c each
 * entry's phrase in order, to be matched by address.
 */
#ifndef IMAP_ADDR_PHRASE_H
#define IMAP_ADDR_PHRASE_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    gboolean is_group; /* a group's start: phrase is the group name */
    char *addr;        /* mailboxes: the addr-spec as written, trimmed; else NULL */
    char *phrase;      /* quoted strings unquoted, comments dropped, words joined by
                        * one space; encoded words untouched; NULL when none */
} ImapAddrPhrase;

/* Scan raw (an unfolded address header value) into its groups and
 * mailboxes in order; never fails (anything unparsable gives entries
 * that simply match nothing).  (transfer full): a GPtrArray of
 * ImapAddrPhrase that frees its elements. */
GPtrArray *imap_addr_phrases(const char *raw);

/* Find the first entry at or after *cursor that is a mailbox with addr
 * (ASCII case-insensitive) or, for addr NULL, a group: TRUE, *out_phrase
 * its phrase (nullable, transfer none) and *cursor past it.  FALSE and
 * nothing changed when none matches. */
gboolean imap_addr_phrase_take(GPtrArray *entries, guint *cursor, const char *addr,
                               const char **out_phrase);

G_END_DECLS

#endif
