/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * quote.h - write IMAP strings: quoted when safe, else literals.
 *
 * A value goes as a quoted string when it is 7-bit, has no CR, LF or NUL,
 * is at most QUOTE_MAX bytes and holds few quote/backslash characters;
 * otherwise as a literal {n}.  8-bit values thus always go as literals,
 * which every client (rev1 without UTF8=ACCEPT included) accepts.
 */
#ifndef HERMOD_IMAP_QUOTE_H
#define HERMOD_IMAP_QUOTE_H

#include <glib.h>

G_BEGIN_DECLS

/* Append s (len bytes; -1: NUL-terminated) as a string, or NIL if s is NULL. */
void imap_quote_nstring(GString *out, const char *s, gssize len);
/* Append s lower-cased, as a string (s is an ASCII token). */
void imap_quote_lower(GString *out, const char *s);

G_END_DECLS

#endif
