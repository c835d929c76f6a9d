/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * iq.c - <iq/> stanzas (RFC 6120 8.2.3) for the server and the user's own
 * account: resource binding, the legacy session, the roster, service
 * discovery, ping, software version, carbons (XEP-0280) and the archive
 * (XEP-0313, mam.c).
 *
 * The roster (RFC 6121 2) is the account's domain: every other account
 * of it, with subscription "both", read from the IM hub's directory view;
 * it cannot be edited (roster sets get <not-allowed/>), since who is in a
 * domain is the admin's business.  An iq addressed to another user's JID
 * is not routed (no peer-to-peer iq through the hub): it gets
 * <service-unavailable/>, as RFC 6121 8.5 allows for a user with no
 * resource that handles it.
 */
#include "autoconfig.h"

#include <string.h>

#include "xmpp.h"

XmppNode *
xmpp_iq_result(XmppSession *s, const XmppNode *stanza)
{
    XmppNode *iq = xmpp_node_new("iq", XMPP_NS_CLIENT);

    xmpp_node_set(iq, "type", "result");
    xmpp_node_set(iq, "id", xmpp_node_attr(stanza, "id"));
    xmpp_node_set(iq, "from", xmpp_node_attr(stanza, "to"));
    xmpp_node_set(iq, "to", s->full_jid);
    return iq;
}

void
xmpp_send_result(XmppSession *s, const XmppNode *stanza)
{
    g_autoptr(XmppNode) iq = xmpp_iq_result(s, stanza);

    xmpp_send_node(s, iq);
}

void
xmpp_send_error(XmppSession *s, const XmppNode *stanza, const char *type, const char *condition)
{
    g_autoptr(XmppNode) reply = xmpp_node_new(stanza->name, XMPP_NS_CLIENT);
    XmppNode *error = xmpp_node_add(reply, xmpp_node_new("error", XMPP_NS_CLIENT));

    xmpp_node_set(reply, "type", "error");
    xmpp_node_set(reply, "id", xmpp_node_attr(stanza, "id"));
    xmpp_node_set(reply, "from", xmpp_node_attr(stanza, "to"));
    xmpp_node_set(reply, "to", s->full_jid);
    xmpp_node_set(error, "type", type);
    xmpp_node_add(error, xmpp_node_new(condition, XMPP_NS_STANZAS));
    xmpp_send_node(s, reply);
}

static void
bind_resource(XmppSession *s, XmppNode *iq, XmppNode *bind)
{
    const char *wish = xmpp_node_text(xmpp_node_child(bind, "resource", NULL));
    g_autofree char *resource = NULL;

    if (s->full_jid != NULL) {
        xmpp_send_error(s, iq, "cancel", "not-allowed");
        return;
    }
    if (*wish != '\0' && !xmpp_resource_is_valid(wish)) {
        xmpp_send_error(s, iq, "modify", "bad-request");
        return;
    }
    for (guint i = 0; i < 8 && s->full_jid == NULL; i++) {
        g_autofree char *rand = xmpp_random_hex(4);
        g_free(resource);
        resource = *wish != '\0' && i == 0 ? g_strdup(wish)
                   : *wish != '\0'         ? g_strconcat(wish, "-", rand, NULL)
                                           : g_strconcat("hermod-", rand, NULL);
        g_autofree char *full = g_strconcat(s->account, "/", resource, NULL);
        if (xmpp_jid_claim(full))
            s->full_jid = g_steal_pointer(&full);
    }
    if (s->full_jid == NULL) {
        xmpp_send_error(s, iq, "cancel", "conflict");
        return;
    }
    s->resource = g_steal_pointer(&resource);
    g_autoptr(XmppNode) reply = xmpp_iq_result(s, iq);
    XmppNode *b = xmpp_node_add(reply, xmpp_node_new("bind", XMPP_NS_BIND));
    xmpp_node_add_text(b, "jid", s->full_jid);
    xmpp_node_set(reply, "to", NULL);
    xmpp_send_node(s, reply);
    xmpp_api->log(HERMOD_LOG_INFO, xmpp_api->conn_session(s->conn), "xmpp: bound %s", s->full_jid);
}

/* --- the roster: the domain's accounts, read on the work pool --- */

typedef struct {
    XmppSession *s;
    XmppNode *iq;
    char *domain;
    GPtrArray *accounts;
    gboolean ok;
} RosterJob;

static void
roster_work(gpointer data)
{
    RosterJob *job = data;
    g_autoptr(GError) error = NULL;

    job->accounts = xmpp_api->im->accounts(job->domain, &error);
    job->ok = job->accounts != NULL;
    if (!job->ok)
        xmpp_api->log(HERMOD_LOG_WARNING, NULL, "xmpp: roster of %s: %s", job->domain,
                      error->message);
}

static void
roster_done(HermodConn *conn, gpointer data)
{
    RosterJob *job = data;
    XmppSession *s = job->s;

    if (!s->is_closed && !job->ok) {
        xmpp_send_error(s, job->iq, "wait", "internal-server-error");
    } else if (!s->is_closed) {
        g_autoptr(XmppNode) reply = xmpp_iq_result(s, job->iq);
        XmppNode *q = xmpp_node_add(reply, xmpp_node_new("query", XMPP_NS_ROSTER));
        for (guint i = 0; i < job->accounts->len; i++) {
            const char *acct = job->accounts->pdata[i];
            if (g_ascii_strcasecmp(acct, s->account) == 0)
                continue;
            XmppNode *item = xmpp_node_add(q, xmpp_node_new("item", XMPP_NS_ROSTER));
            g_autofree char *name = g_strndup(acct, strcspn(acct, "@"));
            xmpp_node_set(item, "jid", acct);
            xmpp_node_set(item, "name", name);
            xmpp_node_set(item, "subscription", "both");
        }
        xmpp_send_node(s, reply);
    }
    if (job->accounts != NULL)
        g_ptr_array_unref(job->accounts);
    xmpp_node_free(job->iq);
    g_free(job->domain);
    xmpp_session_done(s);
    g_free(job);
}

static void
roster_get(XmppSession *s, XmppNode *iq)
{
    RosterJob *job = g_new0(RosterJob, 1);
    const char *at = strchr(s->account, '@');

    job->iq = xmpp_node_copy(iq);
    job->domain = g_strdup(at != NULL ? at + 1 : s->domain);
    job->s = xmpp_session_busy(s);
    xmpp_api->work_run(s->conn, roster_work, roster_done, job);
}

/* --- service discovery --- */

static void
add_feature(XmppNode *q, const char *var)
{
    xmpp_node_set(xmpp_node_add(q, xmpp_node_new("feature", XMPP_NS_DISCO)), "var", var);
}

static void
disco_info(XmppSession *s, XmppNode *iq, gboolean is_account)
{
    g_autoptr(XmppNode) reply = xmpp_iq_result(s, iq);
    XmppNode *q = xmpp_node_add(reply, xmpp_node_new("query", XMPP_NS_DISCO));
    XmppNode *id = xmpp_node_add(q, xmpp_node_new("identity", XMPP_NS_DISCO));

    xmpp_node_set(q, "node", xmpp_node_attr(xmpp_node_first(iq), "node"));
    xmpp_node_set(id, "category", is_account ? "account" : "server");
    xmpp_node_set(id, "type", is_account ? "registered" : "im");
    xmpp_node_set(id, "name", "Hermod");
    add_feature(q, XMPP_NS_DISCO);
    add_feature(q, XMPP_NS_ITEMS);
    add_feature(q, XMPP_NS_MAM);
    if (!is_account) {
        add_feature(q, XMPP_NS_PING);
        add_feature(q, XMPP_NS_CARBONS);
        add_feature(q, XMPP_NS_VERSION);
        add_feature(q, XMPP_NS_ROSTER);
        add_feature(q, XMPP_NS_CHATSTATES);
    }
    xmpp_send_node(s, reply);
}

static void
version(XmppSession *s, XmppNode *iq)
{
    g_autoptr(XmppNode) reply = xmpp_iq_result(s, iq);
    XmppNode *q = xmpp_node_add(reply, xmpp_node_new("query", XMPP_NS_VERSION));

    xmpp_node_add_text(q, "name", "Hermod");
    xmpp_node_add_text(q, "version", PACKAGE_VERSION);
    xmpp_send_node(s, reply);
}

/* XEP-0313 preferences: the hub keeps every IM, so the answer is always
 * "always", whatever a set asked for. */
static void
mam_prefs(XmppSession *s, XmppNode *iq)
{
    g_autoptr(XmppNode) reply = xmpp_iq_result(s, iq);
    XmppNode *prefs = xmpp_node_add(reply, xmpp_node_new("prefs", XMPP_NS_MAM));

    xmpp_node_set(prefs, "default", "always");
    xmpp_send_node(s, reply);
}

/* Is the iq for the server (no to, or the domain) or the user's bare JID?
 * *out_is_account says which. */
static gboolean
is_for_us(XmppSession *s, const char *to, gboolean *out_is_account)
{
    g_autofree char *bare = to != NULL ? xmpp_jid_bare(to) : NULL;

    *out_is_account = FALSE;
    if (to == NULL || (s->domain != NULL && g_ascii_strcasecmp(to, s->domain) == 0))
        return TRUE;
    if (bare != NULL && s->account != NULL && strcmp(bare, s->account) == 0 &&
        strchr(to, '/') == NULL) {
        *out_is_account = TRUE;
        return TRUE;
    }
    return FALSE;
}

static void
iq_get(XmppSession *s, XmppNode *iq, XmppNode *q, gboolean is_account)
{
    if (xmpp_node_is(q, "query", XMPP_NS_ROSTER))
        roster_get(s, iq);
    else if (xmpp_node_is(q, "query", XMPP_NS_DISCO))
        disco_info(s, iq, is_account);
    else if (xmpp_node_is(q, "query", XMPP_NS_ITEMS))
        xmpp_send_result(s, iq); /* no items: an empty result is enough */
    else if (xmpp_node_is(q, "ping", XMPP_NS_PING))
        xmpp_send_result(s, iq);
    else if (xmpp_node_is(q, "query", XMPP_NS_VERSION) && !is_account)
        version(s, iq);
    else if (xmpp_node_is(q, "query", XMPP_NS_MAM))
        xmpp_mam_query(s, iq, q);
    else if (xmpp_node_is(q, "prefs", XMPP_NS_MAM))
        mam_prefs(s, iq);
    else
        xmpp_send_error(s, iq, "cancel", "service-unavailable");
}

static void
iq_set(XmppSession *s, XmppNode *iq, XmppNode *q)
{
    if (xmpp_node_is(q, "session", XMPP_NS_SESSION)) {
        xmpp_send_result(s, iq);
    } else if (xmpp_node_is(q, "enable", XMPP_NS_CARBONS) ||
               xmpp_node_is(q, "disable", XMPP_NS_CARBONS)) {
        s->has_carbons = strcmp(q->name, "enable") == 0;
        xmpp_send_result(s, iq);
    } else if (xmpp_node_is(q, "query", XMPP_NS_ROSTER)) {
        xmpp_send_error(s, iq, "cancel", "not-allowed");
    } else if (xmpp_node_is(q, "query", XMPP_NS_MAM)) {
        xmpp_mam_query(s, iq, q);
    } else if (xmpp_node_is(q, "prefs", XMPP_NS_MAM)) {
        mam_prefs(s, iq);
    } else {
        xmpp_send_error(s, iq, "cancel", "service-unavailable");
    }
}

void
xmpp_iq_stanza(XmppSession *s, XmppNode *iq)
{
    const char *type = xmpp_node_attr(iq, "type");
    XmppNode *q = xmpp_node_first(iq);
    gboolean is_get = g_strcmp0(type, "get") == 0, is_set = g_strcmp0(type, "set") == 0;
    gboolean is_account = FALSE;

    if (!is_get && !is_set)
        return; /* result, error: nothing of ours asked */
    if (q == NULL || xmpp_node_attr(iq, "id") == NULL || iq->children->len != 1) {
        xmpp_send_error(s, iq, "modify", "bad-request");
    } else if (xmpp_node_is(q, "bind", XMPP_NS_BIND) && is_set) {
        bind_resource(s, iq, q);
    } else if (s->full_jid == NULL) {
        xmpp_send_error(s, iq, "auth", "not-authorized");
    } else if (!is_for_us(s, xmpp_node_attr(iq, "to"), &is_account)) {
        xmpp_send_error(s, iq, "cancel", "service-unavailable");
    } else if (is_get) {
        iq_get(s, iq, q, is_account);
    } else {
        iq_set(s, iq, q);
    }
}
