/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * core.c - Core/echo (RFC 8620 4): the arguments come back unchanged,
 * which is how a client tests its connection and result references.
 */
#include "autoconfig.h"

#include "jmap.h"

void
jmap_core_echo(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
    JsonNode *copy;

    json_node_set_object(node, args);
    copy = json_node_copy(node);
    jmap_reply(ctx, "Core/echo", json_node_dup_object(copy));
    json_node_unref(copy);
}
