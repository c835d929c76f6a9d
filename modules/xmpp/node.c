/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * node.c - the XmppNode tree: building, lookups, copies and XML output.
 *
 * Output escapes <, >, &, ' and " everywhere, so that whatever a client
 * sent (a body, a resource, an id) comes out as text, never as markup.
 * The parser guarantees names and text are UTF-8 without NUL.
 */
#include "autoconfig.h"

#include <string.h>

#include "node.h"

XmppNode *
xmpp_node_new(const char *name, const char *ns)
{
    XmppNode *node = g_new0(XmppNode, 1);

    node->name = g_strdup(name);
    node->ns = g_strdup(ns);
    node->attrs = g_ptr_array_new_with_free_func(g_free);
    node->children = g_ptr_array_new_with_free_func((GDestroyNotify)xmpp_node_free);
    return node;
}

void
xmpp_node_free(XmppNode *node)
{
    if (node == NULL)
        return;
    g_free(node->name);
    g_free(node->ns);
    g_ptr_array_unref(node->attrs);
    g_ptr_array_unref(node->children);
    if (node->text != NULL)
        g_string_free(node->text, TRUE);
    g_free(node);
}

XmppNode *
xmpp_node_copy(const XmppNode *node)
{
    XmppNode *copy = xmpp_node_new(node->name, node->ns);

    for (guint i = 0; i + 1 < node->attrs->len; i += 2)
        xmpp_node_set(copy, node->attrs->pdata[i], node->attrs->pdata[i + 1]);
    if (node->text != NULL)
        copy->text = g_string_new_len(node->text->str, (gssize)node->text->len);
    for (guint i = 0; i < node->children->len; i++)
        xmpp_node_add(copy, xmpp_node_copy(node->children->pdata[i]));
    return copy;
}

XmppNode *
xmpp_node_add(XmppNode *node, XmppNode *child)
{
    child->parent = node;
    g_ptr_array_add(node->children, child);
    return child;
}

XmppNode *
xmpp_node_add_text(XmppNode *node, const char *name, const char *text)
{
    XmppNode *child = xmpp_node_add(node, xmpp_node_new(name, node->ns));

    child->text = g_string_new(text);
    return child;
}

void
xmpp_node_set(XmppNode *node, const char *name, const char *value)
{
    for (guint i = 0; i + 1 < node->attrs->len; i += 2) {
        if (strcmp(node->attrs->pdata[i], name) != 0)
            continue;
        g_ptr_array_remove_range(node->attrs, i, 2);
        break;
    }
    if (value == NULL)
        return;
    g_ptr_array_add(node->attrs, g_strdup(name));
    g_ptr_array_add(node->attrs, g_strdup(value));
}

const char *
xmpp_node_attr(const XmppNode *node, const char *name)
{
    for (guint i = 0; node != NULL && i + 1 < node->attrs->len; i += 2) {
        if (strcmp(node->attrs->pdata[i], name) == 0)
            return node->attrs->pdata[i + 1];
    }
    return NULL;
}

gboolean
xmpp_node_is(const XmppNode *node, const char *name, const char *ns)
{
    return node != NULL && (name == NULL || strcmp(node->name, name) == 0) &&
           (ns == NULL || g_strcmp0(node->ns, ns) == 0);
}

XmppNode *
xmpp_node_child(const XmppNode *node, const char *name, const char *ns)
{
    for (guint i = 0; node != NULL && i < node->children->len; i++) {
        if (xmpp_node_is(node->children->pdata[i], name, ns))
            return node->children->pdata[i];
    }
    return NULL;
}

XmppNode *
xmpp_node_first(const XmppNode *node)
{
    return node != NULL && node->children->len > 0 ? node->children->pdata[0] : NULL;
}

const char *
xmpp_node_text(const XmppNode *node)
{
    return node != NULL && node->text != NULL ? node->text->str : "";
}

void
xmpp_escape(GString *out, const char *text)
{
    for (const char *p = text; p != NULL && *p != '\0'; p++) {
        switch (*p) {
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '\'':
            g_string_append(out, "&apos;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        default:
            g_string_append_c(out, *p);
        }
    }
}

void
xmpp_node_write(const XmppNode *node, const char *parent_ns, GString *out)
{
    g_string_append_printf(out, "<%s", node->name);
    if (node->ns != NULL && g_strcmp0(node->ns, parent_ns) != 0) {
        g_string_append(out, " xmlns='");
        xmpp_escape(out, node->ns);
        g_string_append_c(out, '\'');
    }
    for (guint i = 0; i + 1 < node->attrs->len; i += 2) {
        g_string_append_printf(out, " %s='", (const char *)node->attrs->pdata[i]);
        xmpp_escape(out, node->attrs->pdata[i + 1]);
        g_string_append_c(out, '\'');
    }
    if (node->children->len == 0 && (node->text == NULL || node->text->len == 0)) {
        g_string_append(out, "/>");
        return;
    }
    g_string_append_c(out, '>');
    if (node->text != NULL)
        xmpp_escape(out, node->text->str);
    for (guint i = 0; i < node->children->len; i++)
        xmpp_node_write(node->children->pdata[i], node->ns != NULL ? node->ns : parent_ns, out);
    g_string_append_printf(out, "</%s>", node->name);
}
