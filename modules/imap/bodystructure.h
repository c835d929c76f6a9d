/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * bodystructure.h - BODYSTRUCTURE and BODY (RFC 9051 7.5.2 body grammar).
 */
#ifndef HERMOD_IMAP_BODYSTRUCTURE_H
#define HERMOD_IMAP_BODYSTRUCTURE_H

#include <glib.h>

#include "mime.h"

G_BEGIN_DECLS

/* Append the body structure of part (a message's tree from
 * imap_mime_parse) to out: with extension data (BODYSTRUCTURE) when
 * extended, else the non-extensible BODY form. */
void imap_bodystructure_append(GString *out, const char *data, const ImapMimePart *part,
                               gboolean extended);

/* Lines of data[start, end): its LFs, plus one for an unterminated last
 * line.  (body-fld-lines) */
guint64 imap_count_lines(const char *data, gsize start, gsize end);

G_END_DECLS

#endif
