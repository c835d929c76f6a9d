/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-xml-stream.c - the XMPP stream parser (modules/xmpp/xml-stream.c):
 * events in order across arbitrary feed boundaries, namespaces, text and
 * escapes written back, and each restriction and limit giving its
 * stream error condition.
 */
#include "autoconfig.h"

#include <string.h>

#include "xml-stream.h"

#define HEADER                                                                                     \
    "<?xml version='1.0'?><stream:stream to='example.test' xmlns='jabber:client' "                 \
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"

/* Feed text piece bytes at a time; the events as one string, "!cond" on
 * failure. */
static char *
parse(const char *text, gsize piece, gsize max_stanza, guint max_depth)
{
    XmppStreamLimits lim = {.max_stanza = max_stanza, .max_depth = max_depth};
    XmppStream *st = xmpp_stream_new(&lim);
    GString *out = g_string_new(NULL);
    const char *cond = NULL;
    gsize len = strlen(text);
    gboolean ok = TRUE;

    for (gsize off = 0; off < len && ok; off += piece) {
        ok = xmpp_stream_feed(st, text + off, MIN(piece, len - off), &cond);
        XmppEvent *ev;
        while ((ev = xmpp_stream_next(st)) != NULL) {
            if (ev->kind == XMPP_EVENT_OPEN)
                g_string_append_printf(out, "[open to=%s]", xmpp_node_attr(ev->node, "to"));
            else if (ev->kind == XMPP_EVENT_CLOSE)
                g_string_append(out, "[close]");
            else
                xmpp_node_write(ev->node, XMPP_NS_CLIENT, out);
            xmpp_event_free(ev);
        }
    }
    if (!ok)
        g_string_append_printf(out, "!%s", cond);
    xmpp_stream_free(st);
    return g_string_free(out, FALSE);
}

static void
test_events(void)
{
    const char *in = HEADER "<message to='bob@example.test' type='chat'><body>a &amp; &lt;b&gt; "
                            "&#233;<![CDATA[<x>]]></body><x xmlns='urn:y' k=\"v'\"/></message>"
                            "  <presence/></stream:stream>";
    const char *want = "[open to=example.test]<message to='bob@example.test' type='chat'>"
                       "<body>a &amp; &lt;b&gt; \xc3\xa9&lt;x&gt;</body>"
                       "<x xmlns='urn:y' k='v&apos;'/></message><presence/>[close]";

    for (gsize piece = 1; piece <= strlen(in); piece += 7) {
        g_autofree char *got = parse(in, piece, 65536, 16);
        g_assert_cmpstr(got, ==, want);
    }
}

static void
expect(const char *in, const char *suffix, gsize max_stanza, guint max_depth)
{
    g_autofree char *got = parse(in, 5, max_stanza, max_depth);

    if (!g_str_has_suffix(got, suffix))
        g_error("%s: got %s, want ...%s", in, got, suffix);
}

static void
test_restrictions(void)
{
    expect("<?xml version='1.0'?><!DOCTYPE s [<!ENTITY a 'x'>]>" HEADER, "!restricted-xml", 65536,
           16);
    expect(HEADER "<message><body>&a;</body></message>", "!restricted-xml", 65536, 16);
    expect(HEADER "<!-- hi --><presence/>", "!restricted-xml", 65536, 16);
    expect(HEADER "<?php x?><presence/>", "!restricted-xml", 65536, 16);
    expect(HEADER "<message><body></message>", "!not-well-formed", 65536, 16);
    expect(HEADER "<message><body>&#0;</body></message>", "!not-well-formed", 65536, 16);
    expect("<stream xmlns='jabber:client'><x/></stream>", "!invalid-namespace", 65536, 16);
    expect("<?xml version='1.0' encoding='ISO-8859-1'?><stream:stream "
           "xmlns:stream='http://etherx.jabber.org/streams'>",
           "!unsupported-encoding", 65536, 16);
}

static void
test_limits(void)
{
    g_autoptr(GString) big = g_string_new(HEADER "<message><body>");

    for (int i = 0; i < 10000; i++)
        g_string_append(big, "xxxxxxxxxx");
    expect(big->str, "!policy-violation", 8192, 16);
    /* just under the limit passes, many times over (the limit is per stanza) */
    g_autoptr(GString) many = g_string_new(HEADER);
    for (int i = 0; i < 200; i++)
        g_string_append(many, "<message><body>0123456789012345678901234567890123456789</body>"
                              "</message>");
    g_autofree char *got = parse(many->str, 1000, 4096, 16);
    g_assert_false(strchr(got, '!'));
    expect(HEADER "<a><b><c><d><e/></d></c></b></a>", "!policy-violation", 65536, 4);
    /* names live for the whole stream: inventing new ones forever is capped */
    g_autoptr(GString) names = g_string_new(HEADER);
    for (int i = 0; i < 100000; i++)
        g_string_append_printf(names, "<m><x%d xmlns='urn:%d' a%d='v'/></m>", i, i, i);
    g_autofree char *capped = parse(names->str, 4096, 65536, 16);
    g_assert_true(g_str_has_suffix(capped, "!policy-violation"));
    expect(HEADER "<a><b><c><d/></c></b></a>", "<a><b><c><d/></c></b></a>", 65536, 4);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/xmpp/stream/events", test_events);
    g_test_add_func("/xmpp/stream/restrictions", test_restrictions);
    g_test_add_func("/xmpp/stream/limits", test_limits);
    return g_test_run();
}
