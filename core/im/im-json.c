/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-json.c - an IM or a presence change as one JSON object.
 *
 * Built with json-glib, so every string is escaped by the library; times
 * are milliseconds since the epoch (what a browser's Date takes).  It
 * formats only: who gets the text is im-session.c's business.
 */
#include "autoconfig.h"

#include <json-glib/json-glib.h>

#include "im/im-json.h"

const char *
hermod_im_presence_name(HermodImPresence presence)
{
    switch (presence) {
    case HERMOD_IM_PRESENCE_ONLINE:
        return "online";
    case HERMOD_IM_PRESENCE_AWAY:
        return "away";
    case HERMOD_IM_PRESENCE_XA:
        return "xa";
    case HERMOD_IM_PRESENCE_DND:
        return "dnd";
    case HERMOD_IM_PRESENCE_CHAT:
        return "chat";
    case HERMOD_IM_PRESENCE_OFFLINE:
    default:
        return "offline";
    }
}

static char *
finish(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);

    json_generator_set_root(gen, root);
    return json_generator_to_data(gen, NULL);
}

static void
add_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value != NULL)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

char *
hermod_im_json_im(const HermodIm *im)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, im->id);
    json_builder_set_member_name(b, "time");
    json_builder_add_int_value(b, im->time / 1000);
    add_string(b, "account", im->account);
    add_string(b, "sender", im->sender);
    add_string(b, "recipient", im->recipient);
    add_string(b, "text", im->text);
    add_string(b, "source", im->source);
    json_builder_set_member_name(b, "outgoing");
    json_builder_add_boolean_value(b, im->is_outgoing);
    json_builder_set_member_name(b, "read");
    json_builder_add_boolean_value(b, (im->flags & HERMOD_IM_FLAG_READ) != 0);
    add_string(b, "thread", im->thread);
    json_builder_set_member_name(b, "group");
    if (im->group == NULL) {
        json_builder_add_null_value(b);
    } else {
        json_builder_begin_array(b);
        for (char **g = im->group; *g != NULL; g++)
            json_builder_add_string_value(b, *g);
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
    return finish(b);
}

char *
hermod_im_json_presence(const HermodImPresenceInfo *info)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_string(b, "account", info->account);
    add_string(b, "resource", info->resource);
    add_string(b, "client", info->client == HERMOD_IM_CLIENT_WEB ? "web" : "xmpp");
    add_string(b, "presence", hermod_im_presence_name(info->presence));
    add_string(b, "status", info->status);
    json_builder_end_object(b);
    return finish(b);
}

char *
hermod_im_json_transient(const char *from, const char *resource, const char *kind,
                         const char *payload)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_string(b, "from", from);
    add_string(b, "resource", resource);
    add_string(b, "kind", kind);
    add_string(b, "payload", payload);
    json_builder_end_object(b);
    return finish(b);
}
