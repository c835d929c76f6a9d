/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * xml-stream.c - the XMPP stream parser: libxml2's push parser, SAX2
 * callbacks building one XmppNode per stanza, and XMPP's limits.
 *
 * Depth 0 is <stream:stream>, depth 1 a stanza, deeper its content.
 * Input is fed in slices of at most SLICE bytes; before each slice the
 * bytes fed since the end of the last complete stanza (or the header) are
 * compared with max_stanza, so that neither libxml2's buffer nor the tree
 * grows past the limit by more than a slice.  The tree's own size is
 * counted as well (names, attributes, text), which catches what a slice
 * could expand to, and the dictionary of names libxml2 keeps for the
 * whole stream is capped (DICT_LIMIT).  Anything XMPP forbids (RFC 6120 11.1) stops the parser
 * from inside the callback that saw it.  libxml2's error handlers are
 * silenced per parser (structured handler on the SAX table), so that a
 * hostile client cannot fill the log.
 */
#include "autoconfig.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <string.h>

#include "xml-stream.h"

#define SLICE 1024
/* libxml2 interns every element and attribute name in the parser's
 * dictionary for the life of the stream; this much, plus max_stanza,
 * and a client inventing new names forever gets policy-violation. */
#define DICT_LIMIT (1024 * 1024)

struct XmppStream {
    xmlParserCtxtPtr ctxt;
    XmppStreamLimits lim;
    GQueue events;       /* XmppEvent * */
    XmppNode *cur;       /* the element being built, or NULL */
    XmppNode *stanza;    /* its root */
    guint depth;         /* elements open, the stream header included */
    gsize tree_size;     /* bytes of the stanza's names, attributes, text */
    guint64 fed;         /* bytes fed */
    guint64 boundary;    /* fed at the end of the last event */
    const char *failure; /* condition once broken */
    gboolean is_open;
};

void
xmpp_event_free(XmppEvent *ev)
{
    if (ev == NULL)
        return;
    xmpp_node_free(ev->node);
    g_free(ev);
}

static void
fail(XmppStream *st, const char *condition)
{
    if (st->failure == NULL)
        st->failure = condition;
    xmlStopParser(st->ctxt);
}

static void
push_event(XmppStream *st, XmppEventKind kind, XmppNode *node)
{
    XmppEvent *ev = g_new0(XmppEvent, 1);

    ev->kind = kind;
    ev->node = node;
    g_queue_push_tail(&st->events, ev);
    st->boundary = st->fed;
    st->tree_size = 0;
}

static gboolean
grow(XmppStream *st, gsize n)
{
    st->tree_size += n;
    if (st->tree_size <= st->lim.max_stanza)
        return TRUE;
    fail(st, "policy-violation");
    return FALSE;
}

/* Attributes of a SAX2 start tag into node: unprefixed ones and xml:*;
 * other namespaced attributes are dropped (no stanza XMPP handles has any). */
static gboolean
add_attrs(XmppStream *st, XmppNode *node, int n, const xmlChar **attrs)
{
    for (int i = 0; i < n; i++) {
        const char *local = (const char *)attrs[5 * i];
        const char *prefix = (const char *)attrs[5 * i + 1];
        gsize len = (gsize)(attrs[5 * i + 4] - attrs[5 * i + 3]);
        if (!grow(st, strlen(local) + len + 8))
            return FALSE;
        if (prefix != NULL && strcmp(prefix, "xml") != 0)
            continue;
        g_autofree char *name =
            prefix != NULL ? g_strconcat(prefix, ":", local, NULL) : g_strdup(local);
        g_autofree char *value = g_strndup((const char *)attrs[5 * i + 3], len);
        if (strlen(value) != len) { /* a NUL through a character reference */
            fail(st, "not-well-formed");
            return FALSE;
        }
        xmpp_node_set(node, name, value);
    }
    return TRUE;
}

static void
open_stream(XmppStream *st, XmppNode *node, const xmlChar *prefix)
{
    const char *enc = (const char *)st->ctxt->encoding;

    if (!xmpp_node_is(node, "stream", XMPP_NS_STREAM)) {
        xmpp_node_free(node);
        fail(st, "invalid-namespace");
        return;
    }
    if (enc != NULL && g_ascii_strcasecmp(enc, "UTF-8") != 0) {
        xmpp_node_free(node);
        fail(st, "unsupported-encoding");
        return;
    }
    st->is_open = TRUE;
    push_event(st, XMPP_EVENT_OPEN, node);
}

static void
on_start(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri, int n_ns,
         const xmlChar **ns, int n_attrs, int n_defaulted, const xmlChar **attrs)
{
    XmppStream *st = user;
    XmppNode *node;

    if (st->failure != NULL)
        return;
    if (st->depth > st->lim.max_depth) {
        fail(st, "policy-violation");
        return;
    }
    if (!grow(st, strlen((const char *)local) + 16))
        return;
    node = xmpp_node_new((const char *)local, (const char *)uri);
    if (!add_attrs(st, node, n_attrs, attrs)) {
        xmpp_node_free(node);
        return;
    }
    st->depth++;
    if (st->depth == 1) {
        open_stream(st, node, prefix);
    } else if (st->cur == NULL) {
        st->stanza = st->cur = node;
    } else {
        st->cur = xmpp_node_add(st->cur, node);
    }
}

static void
on_end(void *user, const xmlChar *local, const xmlChar *prefix, const xmlChar *uri)
{
    XmppStream *st = user;

    if (st->failure != NULL || st->depth == 0)
        return;
    st->depth--;
    if (st->depth == 0) {
        push_event(st, XMPP_EVENT_CLOSE, NULL);
        return;
    }
    if (st->cur == NULL)
        return;
    if (st->cur->parent != NULL) {
        st->cur = st->cur->parent;
        return;
    }
    push_event(st, XMPP_EVENT_STANZA, g_steal_pointer(&st->stanza));
    st->cur = NULL;
}

static void
on_text(void *user, const xmlChar *text, int len)
{
    XmppStream *st = user;

    if (st->failure != NULL || len <= 0)
        return;
    if (memchr(text, '\0', (gsize)len) != NULL) {
        fail(st, "not-well-formed");
        return;
    }
    if (st->cur == NULL || !grow(st, (gsize)len)) /* whitespace between stanzas */
        return;
    if (st->cur->text == NULL)
        st->cur->text = g_string_new(NULL);
    g_string_append_len(st->cur->text, (const char *)text, len);
}

static void
on_forbidden(void *user)
{
    fail(user, "restricted-xml");
}

static void
on_dtd(void *user, const xmlChar *name, const xmlChar *external, const xmlChar *system)
{
    on_forbidden(user);
}

static void
on_comment(void *user, const xmlChar *value)
{
    on_forbidden(user);
}

static void
on_pi(void *user, const xmlChar *target, const xmlChar *data)
{
    on_forbidden(user);
}

static void
on_entity_decl(void *user, const xmlChar *name, int type, const xmlChar *public_id,
               const xmlChar *system_id, xmlChar *content)
{
    on_forbidden(user);
}

static xmlEntityPtr
on_get_entity(void *user, const xmlChar *name)
{
    /* The five predefined entities never get here; anything else is an
     * entity XMPP forbids. */
    on_forbidden(user);
    return NULL;
}

static void
on_reference(void *user, const xmlChar *name)
{
    on_forbidden(user);
}

static void
on_error(void *user, xmlErrorPtr error)
{
    /* Silenced: the feed's return value reports the fault. */
}

static xmlSAXHandler sax = {
    .internalSubset = on_dtd,
    .externalSubset = on_dtd,
    .getEntity = on_get_entity,
    .getParameterEntity = on_get_entity,
    .entityDecl = on_entity_decl,
    .reference = on_reference,
    .characters = on_text,
    .cdataBlock = on_text,
    .comment = on_comment,
    .processingInstruction = on_pi,
    .initialized = XML_SAX2_MAGIC,
    .startElementNs = on_start,
    .endElementNs = on_end,
    .serror = on_error,
};

XmppStream *
xmpp_stream_new(const XmppStreamLimits *limits)
{
    XmppStream *st = g_new0(XmppStream, 1);

    st->lim = *limits;
    g_queue_init(&st->events);
    st->ctxt = xmlCreatePushParserCtxt(&sax, st, NULL, 0, NULL);
    if (st->ctxt == NULL) {
        st->failure = "internal-server-error";
        return st;
    }
    /* No network, no entity substitution, no DTD loading; keep libxml2's
     * own size limits (no XML_PARSE_HUGE). */
    xmlCtxtUseOptions(st->ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    st->ctxt->replaceEntities = 0;
    st->ctxt->loadsubset = 0;
    if (st->ctxt->dict != NULL)
        xmlDictSetLimit(st->ctxt->dict, DICT_LIMIT + limits->max_stanza);
    return st;
}

void
xmpp_stream_free(XmppStream *st)
{
    if (st == NULL)
        return;
    if (st->ctxt != NULL) {
        if (st->ctxt->myDoc != NULL)
            xmlFreeDoc(st->ctxt->myDoc);
        xmlFreeParserCtxt(st->ctxt);
    }
    xmpp_node_free(st->stanza);
    g_queue_clear_full(&st->events, (GDestroyNotify)xmpp_event_free);
    g_free(st);
}

gboolean
xmpp_stream_feed(XmppStream *st, const char *data, gsize len, const char **out_condition)
{
    while (st->failure == NULL && len > 0) {
        gsize n = MIN(len, SLICE);
        if (st->fed - st->boundary + n > st->lim.max_stanza + SLICE) {
            fail(st, "policy-violation");
            break;
        }
        st->fed += n;
        if (memchr(data, '\0', n) != NULL)
            fail(st, "not-well-formed");
        else if (xmlParseChunk(st->ctxt, data, (int)n, 0) != 0 && st->failure == NULL)
            fail(st, st->ctxt->errNo == XML_ERR_NO_MEMORY ? "policy-violation" : "not-well-formed");
        data += n;
        len -= n;
    }
    *out_condition = st->failure;
    return st->failure == NULL;
}

XmppEvent *
xmpp_stream_next(XmppStream *st)
{
    return g_queue_pop_head(&st->events);
}
