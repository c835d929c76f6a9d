/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * html-sanitize.h - a mail's HTML made safe to show: parsed with a real
 * HTML5 parser (libgumbo, the same tree a browser builds) and written
 * out again from an allow-list of elements, attributes, URL schemes and
 * CSS.
 *
 * Used by the webmail (body.c) for incoming mail and for the rich-text
 * editor's output; kept apart from the module so that the unit tests
 * and the fuzzer run it alone.  Pure: no I/O, any thread.
 */
#ifndef WM_HTML_SANITIZE_H
#define WM_HTML_SANITIZE_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
    /* Remote (http/https) images: when FALSE they are removed and
     * counted in out_blocked; when TRUE each URL goes through
     * rewrite_remote (the image proxy), or is removed if that is NULL. */
    gboolean allow_remote;
    /* Nullable.  A URL for the inline part with this Content-ID (no
     * "cid:", no angle brackets); NULL removes the image.
     * (transfer full) */
    char *(*rewrite_cid)(const char *cid, gpointer data);
    /* Nullable.  The proxy URL for a remote http(s) URL.  (transfer full) */
    char *(*rewrite_remote)(const char *url, gpointer data);
    gpointer data;
    /* Out: remote images (and remote CSS) removed because allow_remote
     * was FALSE. */
    guint out_blocked;
} WmSanitizeOptions;

/* The body content of html (len bytes, any charset already converted to
 * UTF-8; invalid UTF-8 is replaced) as safe HTML: only allow-listed
 * elements and attributes, links to http, https, mailto and tel only,
 * every text and attribute value escaped.  Never NULL.  (transfer full) */
GString *wm_html_sanitize(const char *html, gsize len, WmSanitizeOptions *opts);

/* Is css (a style attribute or a <style> element's text) free of
 * anything that loads, runs or escapes: url(), image-set(), @import,
 * expression(), behavior, -moz-binding, javascript:, var(), backslash
 * escapes, comments and "</"?  Exposed for the tests. */
gboolean wm_css_is_safe(const char *css);

G_END_DECLS

#endif
