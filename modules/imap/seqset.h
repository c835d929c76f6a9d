/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * seqset.h - IMAP sequence sets ("1:3,5,7:*") as sorted, merged ranges.
 *
 * The same type serves message sequence numbers and UIDs; "*" is resolved
 * against the largest number in use when the set is applied, so one parsed
 * set can be used as the mailbox changes.
 */
#ifndef HERMOD_IMAP_SEQSET_H
#define HERMOD_IMAP_SEQSET_H

#include <glib.h>

G_BEGIN_DECLS

#define IMAP_SEQ_STAR G_MAXUINT32 /* "*" before resolution */

typedef struct {
    guint32 first;
    guint32 last; /* first <= last after imap_seqset_resolve */
} ImapSeqRange;

typedef struct {
    GArray *ranges; /* ImapSeqRange, as written */
} ImapSeqSet;

/* Parse a sequence set; NULL (and error) on bad syntax or a zero.
 * (transfer full) */
ImapSeqSet *imap_seqset_parse(const char *text, GError **error);
void imap_seqset_free(ImapSeqSet *set);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImapSeqSet, imap_seqset_free)

/* The ranges with "*" replaced by max, each range ordered, sorted and
 * merged.  With max == 0 ("*" in an empty mailbox) "*" stays unmatched.
 * (transfer full) GArray of ImapSeqRange. */
GArray *imap_seqset_resolve(const ImapSeqSet *set, guint32 max);
/* Message sequence numbers past the mailbox's end are invalid (RFC 9051
 * 9, seq-number: "tagged BAD ... greater than the number of messages").
 * FALSE (and error naming the number) if an explicit number of set is
 * above max.  "*" and a range with "*" at one end ("5:*") are let through
 * as "*:5" so that the common "1:*" works in an empty mailbox; UID sets
 * are never checked (a UID past the last simply matches nothing). */
gboolean imap_seqset_check_max(const ImapSeqSet *set, guint32 max, GError **error);
/* Is n in resolved (the output of imap_seqset_resolve)?  Binary search. */
gboolean imap_seqset_contains(GArray *resolved, guint32 n);
/* Write resolved ranges back as text ("1:3,5"), e.g. for COPYUID.
 * (transfer full) */
char *imap_seqset_format(GArray *resolved);
/* Build a set from a sorted list of numbers, compressing runs. (transfer full) */
char *imap_seqset_from_sorted(const guint32 *numbers, gsize n);

G_END_DECLS

#endif
