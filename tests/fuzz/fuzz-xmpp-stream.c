/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-xmpp-stream.c - fuzz target: arbitrary bytes as an XMPP client's
 * XML stream (modules/xmpp/xml-stream.c on libxml2's push parser).
 *
 * The input is fed three ways: whole, in pieces of a length taken from
 * its first byte (so that tags, references and UTF-8 sequences straddle
 * feeds), and with tiny limits (stanza size, depth), so that the limit
 * paths see hostile input too.  Every stanza that comes out is written
 * back as XML and copied, the way the session forwards stanzas.  Stream
 * errors are expected; crashes, hangs, leaks and undefined behaviour are
 * the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "xml-stream.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
drain(XmppStream *st)
{
    XmppEvent *ev;

    while ((ev = xmpp_stream_next(st)) != NULL) {
        if (ev->node != NULL) {
            g_autoptr(GString) out = g_string_new(NULL);
            g_autoptr(XmppNode) copy = xmpp_node_copy(ev->node);
            xmpp_node_write(copy, XMPP_NS_CLIENT, out);
            g_assert_true(strlen(out->str) == out->len);
            (void)xmpp_node_child(ev->node, "body", NULL);
            (void)xmpp_node_attr(ev->node, "to");
        }
        xmpp_event_free(ev);
    }
}

static void
run(const guint8 *data, size_t size, gsize piece, gsize max_stanza, guint max_depth)
{
    XmppStreamLimits lim = {.max_stanza = max_stanza, .max_depth = max_depth};
    XmppStream *st = xmpp_stream_new(&lim);
    const char *cond = NULL;

    for (size_t off = 0; off < size;) {
        gsize n = MIN(piece, size - off);
        gboolean ok = xmpp_stream_feed(st, (const char *)data + off, n, &cond);
        drain(st);
        if (!ok) {
            g_assert_nonnull(cond);
            break;
        }
        off += n;
    }
    xmpp_stream_free(st);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    gsize piece = size > 0 ? 1 + data[0] % 97 : 1;

    run(data, size, MAX(size, 1), 65536, 32);
    run(data, size, piece, 65536, 32);
    run(data, size, piece, 256, 3);
    return 0;
}
