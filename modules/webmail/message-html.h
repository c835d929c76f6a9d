/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * message-html.h - what the reading view needs of a raw message: its
 * HTML body (or its plain text turned into HTML) and its inline parts by
 * Content-ID.  GMime does the MIME; html-sanitize.c makes the result
 * safe.  Pure: no I/O, any thread.
 */
#ifndef WM_MESSAGE_HTML_H
#define WM_MESSAGE_HTML_H

#include <glib.h>

#include "html-sanitize.h"

G_BEGIN_DECLS

/* The message's body as sanitised HTML: its first text/html part (the
 * richest alternative), else its first text/plain part escaped, with
 * links made clickable and line breaks kept.  Charsets are converted to
 * UTF-8.  Never NULL (an empty body for a message without text).
 * (transfer full) */
GString *wm_message_body_html(GBytes *raw, WmSanitizeOptions *opts);

/* The part whose Content-ID is cid (no angle brackets): its decoded
 * bytes and *out_type its media type, or NULL when there is none.
 * (transfer full) */
GBytes *wm_message_cid_part(GBytes *raw, const char *cid, char **out_type);

/* text (plain, UTF-8) as HTML: escaped, http(s) and mailto links made
 * clickable, line breaks kept.  (transfer full) */
char *wm_plain_to_html(const char *text);

G_END_DECLS

#endif
