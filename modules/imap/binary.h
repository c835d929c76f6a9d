/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * binary.h - BINARY[section] content: a part decoded from its
 * Content-Transfer-Encoding (RFC 3516).
 */
#ifndef HERMOD_IMAP_BINARY_H
#define HERMOD_IMAP_BINARY_H

#include <glib.h>

#include "mime.h"

G_BEGIN_DECLS

/* Decode part's body (data[part->body, part->end)) per its
 * Content-Transfer-Encoding: base64, quoted-printable and uuencode are
 * decoded; 7bit, 8bit, binary (or none) are returned as they are.  A
 * multipart or message part is returned raw.  An unknown encoding fails
 * with IMAP_FETCH_ERROR_UNKNOWN_CTE.  (transfer full) */
GBytes *imap_binary_decode(GBytes *message, const ImapMimePart *part, GError **error);

G_END_DECLS

#endif
