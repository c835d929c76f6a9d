/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * presence.c - presence (RFC 6121 4) through the IM hub.
 *
 * A bound resource becomes available with its initial presence: that
 * opens a live session in the hub (client XMPP, on this connection's
 * loop), which tells every session of the domain -- webmail and XMPP --
 * and from then on hands this session the domain's presence changes and
 * the account's IMs.  The client gets the presence of every live session
 * of its domain at once, its own presence reflected, and then what waited
 * offline (message.c).  Unavailable presence, or the end of the
 * connection, closes the hub session.  Since the roster is the domain and
 * every subscription is "both", subscription requests are answered
 * "subscribed" for accounts of the domain and ignored otherwise; directed
 * presence and probes are not routed.
 */
#include "autoconfig.h"

#include <string.h>

#include "xmpp.h"

static const char *const shows[] = {
    [HERMOD_IM_PRESENCE_ONLINE] = NULL, [HERMOD_IM_PRESENCE_AWAY] = "away",
    [HERMOD_IM_PRESENCE_XA] = "xa",     [HERMOD_IM_PRESENCE_DND] = "dnd",
    [HERMOD_IM_PRESENCE_CHAT] = "chat",
};

static HermodImPresence
presence_of_show(const char *show)
{
    for (guint i = HERMOD_IM_PRESENCE_AWAY; i < G_N_ELEMENTS(shows); i++) {
        if (g_strcmp0(show, shows[i]) == 0)
            return (HermodImPresence)i;
    }
    return HERMOD_IM_PRESENCE_ONLINE;
}

/* <presence/> from one live session to this client. */
static void
send_presence(XmppSession *s, const HermodImPresenceInfo *info)
{
    g_autoptr(XmppNode) p = xmpp_node_new("presence", XMPP_NS_CLIENT);
    g_autofree char *from = g_strconcat(info->account, "/", info->resource, NULL);

    xmpp_node_set(p, "from", from);
    xmpp_node_set(p, "to", s->full_jid);
    if (info->presence == HERMOD_IM_PRESENCE_OFFLINE) {
        xmpp_node_set(p, "type", "unavailable");
    } else {
        const char *show = info->presence < G_N_ELEMENTS(shows) ? shows[info->presence] : NULL;
        g_autofree char *priority = g_strdup_printf("%d", info->priority);
        if (show != NULL)
            xmpp_node_add_text(p, "show", show);
        if (info->priority != 0)
            xmpp_node_add_text(p, "priority", priority);
    }
    if (info->status != NULL && info->status[0] != '\0')
        xmpp_node_add_text(p, "status", info->status);
    xmpp_send_node(s, p);
}

/* HermodImPresenceFunc, on this connection's loop. */
static void
on_presence(HermodImSession *session, const HermodImPresenceInfo *info, gpointer data)
{
    XmppSession *s = data;

    if (!s->is_closed)
        send_presence(s, info);
}

static void
send_everyone(XmppSession *s)
{
    const char *at = strchr(s->account, '@');
    g_autoptr(GPtrArray) list = xmpp_api->im->presence_list(at != NULL ? at + 1 : s->domain);

    for (guint i = 0; list != NULL && i < list->len; i++) {
        const HermodImPresenceInfo *info = list->pdata[i];
        if (g_strcmp0(info->account, s->account) == 0 &&
            g_strcmp0(info->resource, s->resource) == 0)
            continue;
        send_presence(s, info);
    }
}

static gboolean
open_hub_session(XmppSession *s, HermodImPresence presence)
{
    g_autoptr(GError) error = NULL;
    HermodImSessionSpec spec = {
        .struct_size = sizeof spec,
        .account = s->account,
        .resource = s->resource,
        .client = HERMOD_IM_CLIENT_XMPP,
        .presence = presence,
        .conn = s->conn,
        .on_im = xmpp_message_push,
        .on_presence = on_presence,
        .on_transient = xmpp_message_transient,
        .data = s,
    };

    s->im = xmpp_api->im->session_open(&spec, &error);
    if (s->im == NULL) {
        xmpp_api->log(HERMOD_LOG_WARNING, xmpp_api->conn_session(s->conn),
                      "xmpp: no hub session for %s: %s", s->full_jid, error->message);
        return FALSE;
    }
    return TRUE;
}

static void
available(XmppSession *s, XmppNode *p)
{
    HermodImPresence presence = presence_of_show(xmpp_node_text(xmpp_node_child(p, "show", NULL)));
    const char *status = xmpp_node_text(xmpp_node_child(p, "status", NULL));
    gint priority =
        (gint)g_ascii_strtoll(xmpp_node_text(xmpp_node_child(p, "priority", NULL)), NULL, 10);
    gboolean is_initial = s->im == NULL;

    if (is_initial && !open_hub_session(s, presence)) {
        xmpp_send_error(s, p, "wait", "internal-server-error");
        return;
    }
    /* session_open told the domain already, unless there is more to say. */
    if (!is_initial || *status != '\0' || priority != 0)
        xmpp_api->im->session_set_presence(s->im, presence, *status != '\0' ? status : NULL,
                                           CLAMP(priority, -128, 127));
    /* Reflect it to the client itself (RFC 6121 4.2.2). */
    g_autoptr(XmppNode) echo = xmpp_node_copy(p);
    xmpp_node_set(echo, "from", s->full_jid);
    xmpp_node_set(echo, "to", s->full_jid);
    xmpp_send_node(s, echo);
    if (is_initial) {
        send_everyone(s);
        xmpp_message_offline(s);
    }
}

static void
subscription(XmppSession *s, XmppNode *p, const char *type, const char *to)
{
    g_autofree char *bare = to != NULL ? xmpp_jid_bare(to) : NULL;
    const char *at = bare != NULL ? strrchr(bare, '@') : NULL;
    const char *mine = strrchr(s->account, '@');

    if (strcmp(type, "subscribe") != 0 || at == NULL || strcmp(at, mine) != 0)
        return;
    g_autoptr(XmppNode) reply = xmpp_node_new("presence", XMPP_NS_CLIENT);
    xmpp_node_set(reply, "from", bare);
    xmpp_node_set(reply, "to", s->account);
    xmpp_node_set(reply, "type", "subscribed");
    xmpp_send_node(s, reply);
}

void
xmpp_presence_end(XmppSession *s)
{
    if (s->im != NULL)
        xmpp_api->im->session_close(s->im);
    s->im = NULL;
}

void
xmpp_presence_stanza(XmppSession *s, XmppNode *p)
{
    const char *type = xmpp_node_attr(p, "type");
    const char *to = xmpp_node_attr(p, "to");

    if (type != NULL && strcmp(type, "unavailable") != 0 && strcmp(type, "error") != 0) {
        subscription(s, p, type, to);
    } else if (to != NULL || g_strcmp0(type, "error") == 0) {
        return; /* directed presence: not routed */
    } else if (type != NULL) {
        xmpp_presence_end(s);
        s->has_offline_sent = FALSE;
    } else {
        available(s, p);
    }
}
