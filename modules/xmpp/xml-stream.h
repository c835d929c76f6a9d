/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * xml-stream.h - an XMPP client's XML stream (RFC 6120 4, 11) parsed into
 * events: the stream header, one tree per stanza, the stream's end.
 *
 * Bytes go in as they arrive (xmpp_stream_feed); events come out in order
 * (xmpp_stream_next).  The parser is libxml2's push parser driven through
 * SAX2, with XMPP's restrictions enforced: no DTD, no entity declarations
 * or references other than the five predefined ones, no comments, no
 * processing instructions, UTF-8 only; and with limits checked before
 * memory grows: a stanza may span at most max_stanza bytes of input and
 * nest at most max_depth elements.  Any violation is a stream error whose
 * condition (RFC 6120 4.9.3) the session sends before closing.  A restart
 * (after STARTTLS or SASL) is a new XmppStream.  Pure: no HermodApi, no
 * threads; fuzzed by tests/fuzz/fuzz-xmpp-stream.c.
 */
#ifndef XMPP_XML_STREAM_H
#define XMPP_XML_STREAM_H

#include <glib.h>

#include "node.h"

G_BEGIN_DECLS

#define XMPP_NS_STREAM "http://etherx.jabber.org/streams"
#define XMPP_NS_CLIENT "jabber:client"

typedef enum {
    XMPP_EVENT_OPEN,   /* the stream header; node holds its attributes */
    XMPP_EVENT_STANZA, /* a first-level element */
    XMPP_EVENT_CLOSE,  /* </stream:stream> */
} XmppEventKind;

typedef struct {
    XmppEventKind kind;
    XmppNode *node; /* OPEN, STANZA; owned by the event */
} XmppEvent;
void xmpp_event_free(XmppEvent *ev); /* nullable */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XmppEvent, xmpp_event_free)

typedef struct {
    gsize max_stanza; /* bytes of input per stanza (the header counts as one) */
    guint max_depth;  /* element depth inside a stanza (the stanza is 1) */
} XmppStreamLimits;

typedef struct XmppStream XmppStream;

XmppStream *xmpp_stream_new(const XmppStreamLimits *limits); /* transfer full */
void xmpp_stream_free(XmppStream *st);                       /* nullable */
/* Parse len more bytes.  FALSE once the stream is broken: *out_condition
 * (static string) is the stream error to send, e.g. "not-well-formed",
 * "restricted-xml", "policy-violation", "invalid-namespace",
 * "unsupported-encoding"; nothing more is parsed after that.  Events
 * completed before the fault are still returned by xmpp_stream_next. */
gboolean xmpp_stream_feed(XmppStream *st, const char *data, gsize len, const char **out_condition);
/* The next complete event, or NULL (transfer full). */
XmppEvent *xmpp_stream_next(XmppStream *st);

G_END_DECLS

#endif
