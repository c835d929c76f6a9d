/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * header.h - just enough RFC 5322 header parsing to check From.
 *
 * Pure functions over bytes, any thread; safe on arbitrary input (the fuzz
 * target calls them too).
 */
#ifndef SMTP_HEADER_H
#define SMTP_HEADER_H

#include <glib.h>

G_BEGIN_DECLS

/* Longest From field kept (unfolded); a longer one fails the check. */
#define SMTP_FROM_MAX 65536

typedef struct SmtpHeaders SmtpHeaders;

SmtpHeaders *smtp_headers_new(void); /* (transfer full) */
void smtp_headers_free(SmtpHeaders *h);
/* Feed message bytes in order, in pieces of any size; bytes after the
 * header section are ignored cheaply. */
void smtp_headers_feed(SmtpHeaders *h, const char *data, gsize len);
/* The message ended: finish a last header line without a terminator. */
void smtp_headers_finish(SmtpHeaders *h);
/* How many From fields the header section had. */
guint smtp_headers_from_count(SmtpHeaders *h);
/* The unfolded value of the first From field, NULL if none or if it was
 * longer than SMTP_FROM_MAX; transfer none. */
const char *smtp_headers_from(SmtpHeaders *h);

/* The addr-specs of a From value (a mailbox-list: "Name <a@b>, c@d",
 * comments and quoted display names allowed, groups tolerated).  Returns a
 * NULL-terminated array (transfer full, g_strfreev) or NULL if the value is
 * malformed or holds no address. */
char **smtp_from_addresses(const char *value);

G_END_DECLS

#endif
