/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mutf7.h - mailbox names in modified UTF-7 (RFC 3501 section 5.1.3).
 *
 * The store keeps names in UTF-8; IMAP4rev1 clients without UTF8=ACCEPT see
 * and send modified UTF-7.
 */
#ifndef HERMOD_IMAP_MUTF7_H
#define HERMOD_IMAP_MUTF7_H

#include <glib.h>

G_BEGIN_DECLS

/* UTF-8 to modified UTF-7.  NULL if utf8 is not valid UTF-8 or holds a
 * control character.  (transfer full) */
char *imap_mutf7_encode(const char *utf8);
/* Modified UTF-7 to UTF-8.  NULL if the input is not canonical modified
 * UTF-7 (bad base64, padding, an encoded printable ASCII character, a
 * non-shortest form, unpaired surrogates, control characters).  (transfer full) */
char *imap_mutf7_decode(const char *mutf7);

G_END_DECLS

#endif
