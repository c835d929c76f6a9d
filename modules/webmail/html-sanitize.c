/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * html-sanitize.c - the allow-list walker over libgumbo's HTML5 tree.
 *
 * libgumbo builds the tree a browser would (so "<scr<script>ipt>",
 * unclosed attributes, entity tricks and mis-nesting end up exactly as
 * the browser would see them); this file writes the tree out again,
 * keeping only what it knows is inert:
 *
 *   elements   text formatting, lists, tables, links, images: kept with
 *              their allowed attributes.  Script, style sheets that fail
 *              the CSS check, frames, objects, forms' controls, media,
 *              meta/link/base, template, and everything in the SVG and
 *              MathML namespaces: dropped with their content.  Anything
 *              else (html, body, form, font-less Office tags such as
 *              <o:p>): the element goes, its content stays.
 *   attributes per the table below; never an event handler (on*), never
 *              id or name (no DOM clobbering), style only if the CSS
 *              check passes.
 *   URLs       href: http, https, mailto, tel, after removing the
 *              whitespace and control characters browsers ignore in a
 *              scheme.  img src: cid: (rewritten to the part's URL),
 *              data:image/{png,gif,jpeg,webp}, and http(s) only through
 *              the caller's proxy and only when remote images are
 *              allowed.  Links open in a new tab without a referrer.
 *   output     every text node and attribute value escaped; comments,
 *              doctypes and processing instructions dropped.
 *
 * Depth: past MAX_DEPTH nested elements only text is kept, so the walk
 * needs bounded stack whatever the input.
 */
#include "autoconfig.h"

#include <gumbo.h>
#include <string.h>

#include "html-sanitize.h"

#define MAX_DEPTH 200

typedef enum { KEEP, UNWRAP, DROP } Action;

static Action
tag_action(GumboTag tag)
{
    switch (tag) {
    case GUMBO_TAG_A:
    case GUMBO_TAG_ABBR:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_B:
    case GUMBO_TAG_BDI:
    case GUMBO_TAG_BDO:
    case GUMBO_TAG_BIG:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_BR:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_CITE:
    case GUMBO_TAG_CODE:
    case GUMBO_TAG_COL:
    case GUMBO_TAG_COLGROUP:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_DEL:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_DFN:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_EM:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FONT:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_I:
    case GUMBO_TAG_IMG:
    case GUMBO_TAG_INS:
    case GUMBO_TAG_KBD:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_MARK:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_P:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_Q:
    case GUMBO_TAG_S:
    case GUMBO_TAG_SAMP:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_SMALL:
    case GUMBO_TAG_SPAN:
    case GUMBO_TAG_STRIKE:
    case GUMBO_TAG_STRONG:
    case GUMBO_TAG_SUB:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_SUP:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_TBODY:
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TFOOT:
    case GUMBO_TAG_TH:
    case GUMBO_TAG_THEAD:
    case GUMBO_TAG_TIME:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TT:
    case GUMBO_TAG_U:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_VAR:
    case GUMBO_TAG_WBR:
        return KEEP;
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_TITLE:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_FRAME:
    case GUMBO_TAG_FRAMESET:
    case GUMBO_TAG_NOFRAMES:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_APPLET:
    case GUMBO_TAG_PARAM:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_OPTION:
    case GUMBO_TAG_OPTGROUP:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_INPUT:
    case GUMBO_TAG_KEYGEN:
    case GUMBO_TAG_DATALIST:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_SOURCE:
    case GUMBO_TAG_TRACK:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_MAP:
    case GUMBO_TAG_AREA:
    case GUMBO_TAG_META:
    case GUMBO_TAG_LINK:
    case GUMBO_TAG_BASE:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_XMP:
    case GUMBO_TAG_PLAINTEXT:
    case GUMBO_TAG_NOEMBED:
    case GUMBO_TAG_MENUITEM:

        return DROP;
    default:
        return UNWRAP;
    }
}

/* Attributes any kept element may carry (besides the per-tag URLs). */
static const char *const plain_attrs[] = {
    "align",       "valign",      "width",   "height",   "bgcolor", "color", "border",
    "cellpadding", "cellspacing", "colspan", "rowspan",  "face",    "size",  "title",
    "dir",         "lang",        "alt",     "class",    "start",   "type",  "nowrap",
    "scope",       "headers",     "abbr",    "span",     "summary", "clear", "hspace",
    "vspace",      "reversed",    "value",   "datetime", NULL,
};

static gboolean
is_plain_attr(const char *name)
{
    for (guint i = 0; plain_attrs[i] != NULL; i++)
        if (g_ascii_strcasecmp(name, plain_attrs[i]) == 0)
            return TRUE;
    return FALSE;
}

typedef struct {
    GString *out;
    WmSanitizeOptions *opts;
} Walk;

static void
escape_into(GString *out, const char *s, gboolean is_attr)
{
    for (; *s != '\0'; s++) {
        switch (*s) {
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '"':
            if (is_attr) {
                g_string_append(out, "&quot;");
                break;
            }
            /* fall through */
        default:
            g_string_append_c(out, *s);
        }
    }
}

/* --- CSS */

gboolean
wm_css_is_safe(const char *css)
{
    static const char *const bad[] = {
        "url(",        "image-set(", "image(", "@import", "expression", "behavior", "-moz-binding",
        "javascript:", "vbscript:",  "var(",   "\\",      "/*",         "</",       "<",
        "@font-face",  "@namespace", "attr(",  "src(",    NULL,
    };
    g_autofree char *lower = g_ascii_strdown(css, -1);

    for (guint i = 0; bad[i] != NULL; i++)
        if (strstr(lower, bad[i]) != NULL)
            return FALSE;
    return TRUE;
}

static gboolean
css_loads(const char *css)
{
    g_autofree char *lower = g_ascii_strdown(css, -1);

    return strstr(lower, "url(") != NULL || strstr(lower, "@import") != NULL ||
           strstr(lower, "image-set(") != NULL;
}

/* --- URLs */

/* The URL without the whitespace and control characters that browsers
 * drop from it, so "java\tscript:" cannot slip by.  (transfer full) */
static char *
clean_url(const char *url)
{
    GString *out = g_string_new(NULL);

    for (const char *p = url; *p != '\0'; p++)
        if ((guchar)*p > 0x20 && (guchar)*p != 0x7f)
            g_string_append_c(out, *p);
    return g_string_free(out, FALSE);
}

static gboolean
has_scheme(const char *url, const char *scheme)
{
    return g_ascii_strncasecmp(url, scheme, strlen(scheme)) == 0;
}

static gboolean
is_link_ok(const char *url)
{
    return has_scheme(url, "http://") || has_scheme(url, "https://") ||
           has_scheme(url, "mailto:") || has_scheme(url, "tel:");
}

static gboolean
is_data_image(const char *url)
{
    static const char *const ok[] = {"data:image/png;", "data:image/gif;",  "data:image/jpeg;",
                                     "data:image/jpg;", "data:image/webp;", NULL};

    for (guint i = 0; ok[i] != NULL; i++)
        if (has_scheme(url, ok[i]))
            return TRUE;
    return FALSE;
}

/* What an img's src becomes: (transfer full), NULL to leave it out. */
static char *
image_url(Walk *w, const char *raw)
{
    g_autofree char *url = clean_url(raw);
    WmSanitizeOptions *o = w->opts;

    if (has_scheme(url, "cid:")) {
        g_autofree char *cid = g_uri_unescape_string(url + 4, NULL);
        return cid != NULL && o->rewrite_cid != NULL ? o->rewrite_cid(cid, o->data) : NULL;
    }
    if (is_data_image(url))
        return g_steal_pointer(&url);
    if (has_scheme(url, "http://") || has_scheme(url, "https://") || has_scheme(url, "//")) {
        if (!o->allow_remote) {
            o->out_blocked++;
            return NULL;
        }
        return o->rewrite_remote != NULL && !has_scheme(url, "//") ? o->rewrite_remote(url, o->data)
                                                                   : NULL;
    }
    return NULL;
}

static void
put_attr(GString *out, const char *name, const char *value)
{
    g_string_append_printf(out, " %s=\"", name);
    escape_into(out, value, TRUE);
    g_string_append_c(out, '"');
}

static void
put_attrs(Walk *w, GumboElement *el)
{
    for (guint i = 0; i < el->attributes.length; i++) {
        GumboAttribute *a = el->attributes.data[i];
        g_autofree char *name = g_ascii_strdown(a->name, -1);
        if (el->tag == GUMBO_TAG_A && strcmp(name, "href") == 0) {
            g_autofree char *url = clean_url(a->value);
            if (is_link_ok(url))
                put_attr(w->out, "href", url);
        } else if (el->tag == GUMBO_TAG_IMG && strcmp(name, "src") == 0) {
            g_autofree char *url = image_url(w, a->value);
            if (url != NULL)
                put_attr(w->out, "src", url);
        } else if (strcmp(name, "style") == 0) {
            if (wm_css_is_safe(a->value))
                put_attr(w->out, "style", a->value);
            else if (css_loads(a->value) && !w->opts->allow_remote)
                w->opts->out_blocked++;
        } else if (strcmp(name, "background") == 0) {
            g_autofree char *url = clean_url(a->value);
            if (!w->opts->allow_remote && (has_scheme(url, "http") || has_scheme(url, "//")))
                w->opts->out_blocked++;
        } else if (is_plain_attr(name)) {
            put_attr(w->out, name, a->value);
        }
    }
    if (el->tag == GUMBO_TAG_A)
        g_string_append(w->out, " target=\"_blank\" rel=\"noopener noreferrer\"");
}

/* --- the walk */

static void walk_node(Walk *w, GumboNode *node, guint depth);

static void
walk_children(Walk *w, GumboVector *children, guint depth)
{
    for (guint i = 0; i < children->length; i++)
        walk_node(w, children->data[i], depth + 1);
}

static gboolean
is_void(GumboTag tag)
{
    return tag == GUMBO_TAG_BR || tag == GUMBO_TAG_HR || tag == GUMBO_TAG_IMG ||
           tag == GUMBO_TAG_COL || tag == GUMBO_TAG_WBR;
}

/* A <style> element: its text as it is when the CSS check passes. */
static void
walk_style(Walk *w, GumboElement *el)
{
    g_autoptr(GString) css = g_string_new(NULL);

    for (guint i = 0; i < el->children.length; i++) {
        GumboNode *c = el->children.data[i];
        if (c->type == GUMBO_NODE_TEXT || c->type == GUMBO_NODE_WHITESPACE)
            g_string_append(css, c->v.text.text);
    }
    if (wm_css_is_safe(css->str)) {
        g_string_append(w->out, "<style>");
        g_string_append(w->out, css->str);
        g_string_append(w->out, "</style>");
    } else if (css_loads(css->str) && !w->opts->allow_remote) {
        w->opts->out_blocked++;
    }
}

static void
walk_element(Walk *w, GumboElement *el, guint depth)
{
    const char *name = gumbo_normalized_tagname(el->tag);
    Action action = el->tag_namespace != GUMBO_NAMESPACE_HTML ? DROP : tag_action(el->tag);

    if (el->tag == GUMBO_TAG_STYLE && el->tag_namespace == GUMBO_NAMESPACE_HTML) {
        walk_style(w, el);
        return;
    }
    if (action == DROP)
        return;
    if (action == UNWRAP || depth > MAX_DEPTH) {
        walk_children(w, &el->children, depth);
        return;
    }
    g_string_append_printf(w->out, "<%s", name);
    put_attrs(w, el);
    g_string_append_c(w->out, '>');
    if (is_void(el->tag))
        return;
    walk_children(w, &el->children, depth);
    g_string_append_printf(w->out, "</%s>", name);
}

static void
walk_node(Walk *w, GumboNode *node, guint depth)
{
    switch (node->type) {
    case GUMBO_NODE_DOCUMENT:
        walk_children(w, &node->v.document.children, depth);
        break;
    case GUMBO_NODE_ELEMENT:
        walk_element(w, &node->v.element, depth);
        break;
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_WHITESPACE:
    case GUMBO_NODE_CDATA:
        escape_into(w->out, node->v.text.text, FALSE);
        break;
    default: /* comments, templates (dropped) */
        break;
    }
}

GString *
wm_html_sanitize(const char *html, gsize len, WmSanitizeOptions *opts)
{
    g_autofree char *copy = g_malloc(len + 1);
    g_autofree char *valid = NULL;
    WmSanitizeOptions none = {0};
    Walk w = {g_string_sized_new(len + 64), opts != NULL ? opts : &none};
    GumboOptions options = kGumboDefaultOptions;
    GumboOutput *tree;

    /* A NUL would end the text early (make_valid keeps it): a space. */
    for (gsize i = 0; i < len; i++)
        copy[i] = html[i] != '\0' ? html[i] : ' ';
    valid = g_utf8_make_valid(copy, (gssize)len);
    options.max_errors = 0;
    tree = gumbo_parse_with_options(&options, valid, strlen(valid));
    walk_node(&w, tree->document, 0);
    gumbo_destroy_output(&options, tree);
    return w.out;
}
