/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-html-sanitize.c - the webmail's HTML sanitiser against a corpus of
 * the shapes mail XSS takes: script in every spelling, event handlers,
 * javascript:/vbscript:/data: URLs (entity-encoded, split by control
 * characters), SVG and MathML (animate, foreignObject, href), CSS
 * expression(), url(), @import, var() and escapes, <base>, <meta
 * refresh>, nested frames, forms and their controls, parser confusion
 * (unclosed attributes, comments, CDATA, noscript).  Every case is
 * checked for what must never come out, for what must survive, and for
 * being a fixed point (sanitising the output again changes nothing).
 * Remote images: blocked and counted, or rewritten to the proxy; cid:
 * images rewritten to the part's URL.
 */
#include "autoconfig.h"

#include <string.h>

#include "webmail/html-sanitize.h"

static const char *const never[] = {
    "<script",      "</script",  "onerror",     "onload",    "onclick",   "onmouseover",
    "onfocus",      "onbegin",   "javascript:", "vbscript:", "<svg",      "<math",
    "<iframe",      "<frame",    "<object",     "<embed",    "<base",     "<meta",
    "<link",        "<form",     "<input",      "<button",   "<textarea", "<select",
    "expression(",  "@import",   "url(",        "var(",      "srcdoc",    "formaction",
    "<template",    "<noscript", "<animate",    "<set",      "<use",      "xlink:",
    "<applet",      "<video",    "<audio",      "data:text", "<isindex",  "<!--",
    "-moz-binding", "behavior:", " id=",        " name=",    NULL,
};

static const struct {
    const char *in;
    const char *keep; /* nullable: a substring that must survive */
} corpus[] = {
    {"<script>alert(1)</script>hello", "hello"},
    {"<SCRIPT SRC=//evil/x.js></SCRIPT>ok", "ok"},
    {"<scr<script>ipt>alert(1)</scr</script>ipt>", NULL},
    {"<img src=x onerror=alert(1)>", "<img"},
    {"<img src=\"x\" ONERROR=\"alert(1)\" alt=\"pic\">", "alt=\"pic\""},
    {"<body onload=alert(1)><p>text</p>", "<p>text</p>"},
    {"<a href=\"javascript:alert(1)\">x</a>", ">x</a>"},
    {"<a href=\"JaVaScRiPt:alert(1)\">x</a>", ">x</a>"},
    {"<a href=\"&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;:alert(1)\">x</a>", NULL},
    {"<a href=\"java\tscript:alert(1)\">x</a>", NULL},
    {"<a href=\"java&#x09;script:alert(1)\">x</a>", NULL},
    {"<a href=\" \x01javascript:alert(1)\">x</a>", NULL},
    {"<a href=\"vbscript:msgbox(1)\">x</a>", NULL},
    {"<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>", NULL},
    {"<a href=\"https://example.com/?a=1&b=2\">link</a>",
     "href=\"https://example.com/?a=1&amp;b=2\""},
    {"<a href=\"mailto:someone@example.com\">mail</a>", "mailto:someone@example.com"},
    {"<svg><animate onbegin=alert(1) attributeName=x dur=1s>", NULL},
    {"<svg><a xlink:href=\"javascript:alert(1)\"><text>t</text></a></svg>", NULL},
    {"<svg><set attributeName=href to=javascript:alert(1) /></svg>", NULL},
    {"<svg><foreignObject><iframe src=javascript:alert(1)></iframe></foreignObject></svg>", NULL},
    {"<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", NULL},
    {"<math href=\"javascript:alert(1)\">CLICK</math>", NULL},
    {"<div style=\"width: expression(alert(1))\">x</div>", "<div>x</div>"},
    {"<div style=\"background:url(javascript:alert(1))\">x</div>", "<div>x</div>"},
    {"<div style=\"background:u\\rl(http://evil/x)\">x</div>", "<div>x</div>"},
    {"<div style=\"--x: url(http://evil/); background: var(--x)\">x</div>", "<div>x</div>"},
    {"<div style=\"behavior: url(x.htc)\">x</div>", NULL},
    {"<div style=\"-moz-binding: url(x.xml#xss)\">x</div>", NULL},
    {"<style>@import 'http://evil/x.css';</style>plain", "plain"},
    {"<style>body{background:url(http://evil/track)}</style>t", "t"},
    {"<style>p { color: red; }</style><p>red</p>", "<style>p { color: red; }</style>"},
    {"<style>p{color:red}</style><style>x{}</"
     "style><script>alert(1)</script>",
     NULL},
    {"<div style=\"color: red; font-weight: bold\">kept</div>",
     "style=\"color: red; font-weight: bold\""},
    {"<base href=\"javascript:alert(1)//\"><a href=\"x\">x</a>", NULL},
    {"<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">", NULL},
    {"<iframe src=\"https://evil\"></iframe><iframe srcdoc=\"<script>alert(1)</script>\">", NULL},
    {"<frameset><frame src=javascript:alert(1)></frameset>", NULL},
    {"<object data=\"javascript:alert(1)\"></object><embed src=x.swf>", NULL},
    {"<form action=\"https://evil\"><input name=pw type=password><button formaction=x>go</button>"
     "</form>after",
     "after"},
    {"<isindex type=image src=1 onerror=alert(1)>", NULL},
    {"<p title=\"a\" onmouseover=\"alert(1)\">hover</p>", "title=\"a\""},
    {"<p id=\"x\" name=\"y\">clobber</p>", "clobber"},
    {"<!--<img src=x onerror=alert(1)>-->visible", "visible"},
    {"<![CDATA[<script>alert(1)</script>]]>", NULL},
    {"<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>", NULL},
    {"<template><script>alert(1)</script></template>", NULL},
    {"<img src=\"data:image/svg+xml;base64,PHN2Zz48L3N2Zz4=\">", NULL},
    {"<img src=\"data:image/png;base64,iVBORw0KGgo=\">",
     "src=\"data:image/png;base64,iVBORw0KGgo=\""},
    {"<table><tr><td colspan=\"2\" bgcolor=\"#fff\">cell</td></tr></table>", "colspan=\"2\""},
    {"<p>a &lt;b&gt; &amp; \"q\"</p>", "a &lt;b&gt; &amp; \"q\""},
    {"<o:p>office</o:p><font face=\"Arial\" color=\"red\">f</font>", "office"},
    {"<video><source onerror=alert(1)></video><audio src=x onerror=alert(1)>", NULL},
    {"<a href=\"https://x\" target=\"_self\" rel=\"opener\">t</a>", "rel=\"noopener noreferrer\""},
    {"<div><img src=\"x\" style=\"x:expression(alert(1))\"></div>", NULL},
    {"<p style=\"color:red\\;\">escape</p>", "escape"},
    {"\"><script>alert(1)</script><\"", NULL},
    {"<img src=`x`onerror=alert(1)>", NULL},
    {"<img/src=x/onerror=alert(1)>", NULL},
    {"<div/onmouseover='alert(1)'>style</div>", "style"},
    {"<dialog open onclose=alert(1)><form method=dialog><button>x</button></form></dialog>", NULL},
    {"<details open ontoggle=alert(1)><summary>s</summary></details>", "<summary>s</summary>"},
    {"<link rel=stylesheet href=http://evil/x.css><p>l</p>", "<p>l</p>"},
};

/* The markup of out without text and attribute values: what a browser
 * reads as tags and attribute names.  Lower case.  (transfer full) */
static char *
markup_only(const char *out)
{
    GString *m = g_string_new(NULL);
    gboolean in_tag = FALSE, in_value = FALSE;

    for (const char *p = out; *p != '\0'; p++) {
        if (!in_tag && *p == '<')
            in_tag = TRUE;
        else if (in_tag && !in_value && *p == '>')
            in_tag = FALSE;
        else if (in_tag && *p == '"')
            in_value = !in_value;
        if (in_tag && !in_value)
            g_string_append_c(m, g_ascii_tolower(*p));
        else if (*p == '>' || *p == '<')
            g_string_append_c(m, *p);
    }
    return g_string_free(m, FALSE);
}

/* Every href and src value is one of the allowed kinds, every style
 * value passes the CSS check. */
static void
check_values(const char *out)
{
    g_autoptr(GRegex) re = g_regex_new("\\s(href|src|style)=\"([^\"]*)\"", 0, 0, NULL);
    g_autoptr(GMatchInfo) m = NULL;

    g_regex_match(re, out, 0, &m);
    for (; g_match_info_matches(m); g_match_info_next(m, NULL)) {
        g_autofree char *name = g_match_info_fetch(m, 1);
        g_autofree char *value = g_match_info_fetch(m, 2);
        if (strcmp(name, "href") == 0)
            g_assert_true(g_str_has_prefix(value, "http") || g_str_has_prefix(value, "mailto:") ||
                          g_str_has_prefix(value, "tel:"));
        else if (strcmp(name, "src") == 0)
            g_assert_true(g_str_has_prefix(value, "data:image/png") ||
                          g_str_has_prefix(value, "/webmail/") || g_str_has_prefix(value, "part/"));
        else
            g_assert_true(wm_css_is_safe(value));
    }
}

static void
check_never(const char *out)
{
    g_autofree char *markup = markup_only(out);

    for (guint i = 0; never[i] != NULL; i++)
        if (strstr(markup, never[i]) != NULL)
            g_error("\"%s\" in output: %s", never[i], out);
    check_values(out);
}

static void
test_corpus(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(corpus); i++) {
        g_autoptr(GString) out = wm_html_sanitize(corpus[i].in, strlen(corpus[i].in), NULL);
        g_autoptr(GString) again = wm_html_sanitize(out->str, out->len, NULL);
        check_never(out->str);
        if (corpus[i].keep != NULL && strstr(out->str, corpus[i].keep) == NULL)
            g_error("case %u: \"%s\" not kept in: %s", i, corpus[i].keep, out->str);
        if (strcmp(out->str, again->str) != 0)
            g_error("case %u not a fixed point:\n%s\n%s", i, out->str, again->str);
    }
}

static char *
proxy(const char *url, gpointer data)
{
    g_autofree char *esc = g_uri_escape_string(url, NULL, FALSE);

    return g_strconcat("/webmail/api/image?url=", esc, NULL);
}

static char *
cid_url(const char *cid, gpointer data)
{
    return strcmp(cid, "logo@x") == 0 ? g_strdup("part/logo") : NULL;
}

static void
test_remote_images(void)
{
    const char *in = "<img src=\"https://tracker.example/p.gif\"><img src=\"http://x/y.png\">"
                     "<div style=\"background:url(https://x/b.png)\">b</div>"
                     "<table background=\"http://x/t.png\"><tr><td>t</td></tr></table>"
                     "<img src=\"cid:logo@x\"><img src=\"cid:other\"><img src=\"//x/rel.png\">";
    WmSanitizeOptions blocked = {.rewrite_cid = cid_url, .rewrite_remote = proxy};
    WmSanitizeOptions allowed = {
        .allow_remote = TRUE, .rewrite_cid = cid_url, .rewrite_remote = proxy};
    g_autoptr(GString) out = wm_html_sanitize(in, strlen(in), &blocked);
    g_autoptr(GString) out2 = NULL;

    g_assert_null(strstr(out->str, "tracker.example"));
    g_assert_null(strstr(out->str, "http"));
    g_assert_cmpuint(blocked.out_blocked, ==, 5);
    g_assert_nonnull(strstr(out->str, "src=\"part/logo\""));
    g_assert_null(strstr(out->str, "cid:"));
    out2 = wm_html_sanitize(in, strlen(in), &allowed);
    g_assert_cmpuint(allowed.out_blocked, ==, 0);
    g_assert_nonnull(
        strstr(out2->str, "src=\"/webmail/api/image?url=https%3A%2F%2Ftracker.example%2Fp.gif\""));
    g_assert_null(strstr(out2->str, "src=\"//x"));
}

static void
test_css_check(void)
{
    g_assert_true(wm_css_is_safe("color: red; margin: 0 auto"));
    g_assert_false(wm_css_is_safe("background: URL(x)"));
    g_assert_false(wm_css_is_safe("@IMPORT 'x'"));
    g_assert_false(wm_css_is_safe("width: eXpReSsIoN(1)"));
    g_assert_false(wm_css_is_safe("color: var(--a)"));
    g_assert_false(wm_css_is_safe("a\\72l(x)"));
    g_assert_false(wm_css_is_safe("x: y /* */"));
}

static void
test_odd_input(void)
{
    const char nul[] = "<p>a\0<script>alert(1)</script>b</p>";
    const guint8 bad_utf8[] = {'<', 'p', '>', 0xff, 0xfe, 'x', '<', '/', 'p', '>'};
    g_autoptr(GString) a = wm_html_sanitize(nul, sizeof nul - 1, NULL);
    g_autoptr(GString) b = wm_html_sanitize((const char *)bad_utf8, sizeof bad_utf8, NULL);
    g_autoptr(GString) deep = g_string_new(NULL);
    g_autoptr(GString) c = NULL;
    g_autoptr(GString) empty = wm_html_sanitize("", 0, NULL);

    check_never(a->str);
    g_assert_nonnull(strstr(a->str, "b</p>"));
    g_assert_true(g_utf8_validate(b->str, -1, NULL));
    for (int i = 0; i < 5000; i++)
        g_string_append(deep, "<div>");
    g_string_append(deep, "deep<script>x</script>");
    c = wm_html_sanitize(deep->str, deep->len, NULL);
    g_assert_nonnull(strstr(c->str, "deep"));
    check_never(c->str);
    g_assert_cmpstr(empty->str, ==, "");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/html-sanitize/xss-corpus", test_corpus);
    g_test_add_func("/html-sanitize/remote-images", test_remote_images);
    g_test_add_func("/html-sanitize/css", test_css_check);
    g_test_add_func("/html-sanitize/odd-input", test_odd_input);
    return g_test_run();
}
