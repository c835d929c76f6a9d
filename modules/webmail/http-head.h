/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * http-head.h - the head of an HTTP/1.x response, as the image proxy
 * reads it from a remote server: status, media type, length.  Pure; the
 * fuzzer runs it alone.
 */
#ifndef WM_HTTP_HEAD_H
#define WM_HTTP_HEAD_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    guint status;
    char *content_type;    /* lower case, no parameters; NULL when absent */
    gint64 content_length; /* -1 when absent */
    gboolean is_chunked;
    gsize head_len; /* bytes up to and including the blank line */
} WmHttpHead;

typedef enum {
    WM_HTTP_HEAD_OK,
    WM_HTTP_HEAD_MORE, /* no blank line yet: read more */
    WM_HTTP_HEAD_BAD,  /* not an HTTP/1.x response head */
} WmHttpHeadResult;

/* Parse the head at the start of buf (len bytes; at most max_head are
 * looked at, a longer head is BAD).  On OK fills out (free with
 * wm_http_head_clear). */
WmHttpHeadResult wm_http_head_parse(const char *buf, gsize len, gsize max_head, WmHttpHead *out);
void wm_http_head_clear(WmHttpHead *head);

G_END_DECLS

#endif
