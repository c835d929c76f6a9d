/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * node.h - one XMPP stanza as a small tree of elements, and writing XML.
 *
 * The stream parser (xml-stream.c) builds an XmppNode per stanza; the
 * session reads it with the lookups below and writes replies with
 * xmpp_node_write or the escaping helpers.  Names are local names with
 * their namespace URI; attributes keep their qualified name ("xml:lang").
 * No threads of its own: a tree belongs to whoever holds it.
 */
#ifndef XMPP_NODE_H
#define XMPP_NODE_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct XmppNode XmppNode;
struct XmppNode {
    char *name;          /* local name */
    char *ns;            /* namespace URI; nullable */
    GPtrArray *attrs;    /* char *: name, value, name, value, ... */
    GString *text;       /* character data directly inside, concatenated */
    GPtrArray *children; /* XmppNode *, owned */
    XmppNode *parent;    /* transfer none */
};

/* A new element (transfer full); ns nullable. */
XmppNode *xmpp_node_new(const char *name, const char *ns);
void xmpp_node_free(XmppNode *node); /* nullable */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(XmppNode, xmpp_node_free)
/* A deep copy without parent (transfer full). */
XmppNode *xmpp_node_copy(const XmppNode *node);
/* Append child (transfer full) and return it. */
XmppNode *xmpp_node_add(XmppNode *node, XmppNode *child);
/* Append a child in node's namespace holding text, and return it. */
XmppNode *xmpp_node_add_text(XmppNode *node, const char *name, const char *text);
/* Set (replace) an attribute; value NULL removes it. */
void xmpp_node_set(XmppNode *node, const char *name, const char *value);
/* An attribute's value or NULL (transfer none). */
const char *xmpp_node_attr(const XmppNode *node, const char *name);
/* The first child with this name and namespace (either NULL: any), or
 * NULL (transfer none). */
XmppNode *xmpp_node_child(const XmppNode *node, const char *name, const char *ns);
/* The first child element, or NULL. */
XmppNode *xmpp_node_first(const XmppNode *node);
/* The text of node, "" if none (transfer none). */
const char *xmpp_node_text(const XmppNode *node);
/* Is node name in ns? */
gboolean xmpp_node_is(const XmppNode *node, const char *name, const char *ns);

/* Append node as XML to out; an xmlns attribute is written where its
 * namespace differs from parent_ns (nullable: always). */
void xmpp_node_write(const XmppNode *node, const char *parent_ns, GString *out);
/* Append text escaped for character data or an attribute value. */
void xmpp_escape(GString *out, const char *text);

G_END_DECLS

#endif
