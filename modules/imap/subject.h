/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * subject.h - RFC 5256 base subject with the "was a reply/forward" mark
 * THREAD=REFERENCES needs.
 */
#ifndef HERMOD_IMAP_SUBJECT_H
#define HERMOD_IMAP_SUBJECT_H

#include <glib.h>

G_BEGIN_DECLS

/* Base subject of a decoded subject (NULL: ""); *out_is_reply (nullable)
 * says whether a Re:/Fwd:/(fwd)/[fwd:] was removed.  (transfer full) */
char *imap_subject_base(const char *subject, gboolean *out_is_reply);

G_END_DECLS

#endif
