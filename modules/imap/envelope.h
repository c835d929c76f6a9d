/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * envelope.h - the ENVELOPE of a message (RFC 9051 7.5.2).
 */
#ifndef HERMOD_IMAP_ENVELOPE_H
#define HERMOD_IMAP_ENVELOPE_H

#include <glib.h>

#include "mime.h"

G_BEGIN_DECLS

/* Append "(date subject from sender reply-to to cc bcc in-reply-to
 * message-id)" for the message whose header block is data[msg->start,
 * msg->body) to out.  Date, subject and ids are the raw (unfolded) header
 * values; address names are GMime's decoded phrase, sent as written when
 * 7-bit, as UTF-8 when the raw header is 8-bit, else RFC 2047 re-encoded. */
void imap_envelope_append(GString *out, const char *data, const ImapMimePart *msg);

G_END_DECLS

#endif
