/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * message.c - one-to-one messages (RFC 6121 5, 8) through the IM hub,
 * message carbons (XEP-0280) and offline delivery.
 *
 * Out: a <message/> with a <body/> from the client is handed to the hub's
 * deliver on the work pool (source "xmpp", the client's id and the
 * recipient's resource kept), which stores it in both histories and
 * pushes it to the recipient's live sessions, webmail and XMPP, and to
 * the sender's other sessions.  A message without a body (chat states,
 * receipts) is not stored and not routed.  Errors come back as message
 * errors (RFC 6120 8.3): an unknown recipient is <service-unavailable/>.
 *
 * In: the hub calls xmpp_message_push on this connection's loop.  An IM
 * addressed to another bound resource of the account goes to that
 * resource; this one gets it as a <received/> carbon when it enabled
 * carbons, else not at all.  An IM this account sent from another
 * session comes as a <sent/> carbon, to carbon-enabled sessions only.
 *
 * Chat states (XEP-0085) pass as hub transients of kind "chatstate" whose
 * payload is the state's name ("composing", "paused", "active",
 * "inactive", "gone"), both ways, so that the webmail can show typing.
 *
 * Offline storage is the hub's history: entries no XMPP session received
 * lack HERMOD_IM_FLAG_PUSHED_XMPP; after the initial presence they are
 * sent with a <delay/> stamp (XEP-0203) and flagged, so that the next
 * login does not see them again.
 */
#include "autoconfig.h"

#include <string.h>

#include "xmpp.h"

char *
xmpp_stamp(gint64 usec)
{
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_utc(usec / G_USEC_PER_SEC);

    if (t == NULL)
        return g_strdup("1970-01-01T00:00:00Z");
    g_autofree char *day = g_date_time_format(t, "%Y-%m-%dT%H:%M:%S");
    return g_strdup_printf("%s.%06dZ", day, (int)(usec % G_USEC_PER_SEC));
}

XmppNode *
xmpp_message_from_im(const HermodIm *im, const char *to)
{
    XmppNode *m = xmpp_node_new("message", XMPP_NS_CLIENT);
    g_autofree char *sid = g_strdup_printf("%" G_GINT64_FORMAT, im->id);

    xmpp_node_set(m, "from", im->is_outgoing ? im->account : im->sender);
    xmpp_node_set(m, "to", to != NULL ? to : im->is_outgoing ? im->recipient : im->account);
    xmpp_node_set(m, "type", "chat");
    xmpp_node_set(m, "id", im->client_id != NULL ? im->client_id : sid);
    xmpp_node_add_text(m, "body", im->text);
    if (im->thread != NULL)
        xmpp_node_add_text(m, "thread", im->thread);
    XmppNode *stanza_id = xmpp_node_add(m, xmpp_node_new("stanza-id", XMPP_NS_SID));
    xmpp_node_set(stanza_id, "id", sid);
    xmpp_node_set(stanza_id, "by", im->account);
    return m;
}

/* <message from=bare to=full><sent|received><forwarded>inner... */
static void
send_carbon(XmppSession *s, const char *kind, XmppNode *inner)
{
    g_autoptr(XmppNode) m = xmpp_node_new("message", XMPP_NS_CLIENT);
    XmppNode *c = xmpp_node_add(m, xmpp_node_new(kind, XMPP_NS_CARBONS));
    XmppNode *fwd = xmpp_node_add(c, xmpp_node_new("forwarded", XMPP_NS_FORWARD));

    xmpp_node_set(m, "from", s->account);
    xmpp_node_set(m, "to", s->full_jid);
    xmpp_node_set(m, "type", "chat");
    xmpp_node_add(fwd, inner);
    xmpp_send_node(s, m);
}

void
xmpp_message_push(HermodImSession *im_session, const HermodIm *im, gpointer data)
{
    XmppSession *s = data;

    if (s->is_closed || s->full_jid == NULL)
        return;
    if (im->is_outgoing) {
        if (s->has_carbons)
            send_carbon(s, "sent", xmpp_message_from_im(im, NULL));
        return;
    }
    g_autofree char *target =
        im->resource != NULL ? g_strconcat(im->account, "/", im->resource, NULL) : NULL;
    if (target != NULL && strcmp(target, s->full_jid) != 0 && xmpp_jid_is_bound(target)) {
        if (s->has_carbons)
            send_carbon(s, "received", xmpp_message_from_im(im, target));
        return;
    }
    g_autoptr(XmppNode) m = xmpp_message_from_im(im, s->full_jid);
    xmpp_send_node(s, m);
}

/* --- out: a client's message to the hub --- */

typedef struct {
    XmppSession *s;
    XmppNode *stanza;
    char *sender;
    char *recipient;
    char *resource;
    char *text;
    char *thread;
    char *client_id;
    char *session;
    GError *error;
} SendJob;

static void
send_work(gpointer data)
{
    SendJob *job = data;
    HermodImSend req = {
        .struct_size = sizeof req,
        .source = "xmpp",
        .sender = job->sender,
        .recipient = job->recipient,
        .text = job->text,
        .session = job->session,
        .origin = job->s->im,
        .client_id = job->client_id,
        .resource = job->resource,
        .thread = job->thread,
    };

    (void)xmpp_api->im->deliver(&req, NULL, NULL, &job->error);
}

static void
report_error(XmppSession *s, XmppNode *stanza, const GError *error)
{
    const char *cond = "service-unavailable", *type = "cancel";

    if (g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP)) {
        cond = "internal-server-error";
        type = "wait";
    } else if (g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TOO_BIG)) {
        cond = "policy-violation";
        type = "modify";
    } else if (g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_BAD_TEXT)) {
        cond = "not-acceptable";
        type = "modify";
    } else if (g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_BAD_ADDRESS)) {
        cond = "jid-malformed";
        type = "modify";
    }
    xmpp_api->log(HERMOD_LOG_INFO, xmpp_api->conn_session(s->conn), "xmpp: message to %s: %s",
                  xmpp_node_attr(stanza, "to"), error->message);
    xmpp_send_error(s, stanza, type, cond);
}

static void
send_done(HermodConn *conn, gpointer data)
{
    SendJob *job = data;

    if (!job->s->is_closed && job->error != NULL)
        report_error(job->s, job->stanza, job->error);
    xmpp_session_done(job->s);
    xmpp_node_free(job->stanza);
    g_clear_error(&job->error);
    g_free(job->sender);
    g_free(job->recipient);
    g_free(job->resource);
    g_free(job->text);
    g_free(job->thread);
    g_free(job->client_id);
    g_free(job->session);
    g_free(job);
}

static const char *const chat_states[] = {"active", "composing", "paused", "inactive", "gone"};

/* The chat state element of m, or NULL. */
static const char *
chat_state(const XmppNode *m)
{
    for (guint i = 0; i < m->children->len; i++) {
        const XmppNode *c = m->children->pdata[i];
        for (guint j = 0; j < G_N_ELEMENTS(chat_states); j++) {
            if (xmpp_node_is(c, chat_states[j], XMPP_NS_CHATSTATES))
                return chat_states[j];
        }
    }
    return NULL;
}

/* A bodyless message with a chat state: a hub transient, not stored. */
static void
send_chat_state(XmppSession *s, const char *to, const char *state)
{
    g_autofree char *bare = to != NULL ? xmpp_jid_bare(to) : NULL;
    g_autofree char *resource = NULL;

    if (s->im == NULL || bare == NULL || strchr(bare, '@') == NULL)
        return;
    (void)xmpp_jid_split(to, NULL, NULL, &resource);
    (void)xmpp_api->im->send_transient(s->im, bare, resource, "chatstate", state);
}

void
xmpp_message_transient(HermodImSession *im_session, const char *from_account,
                       const char *from_resource, const char *kind, const char *payload,
                       gpointer data)
{
    XmppSession *s = data;

    if (s->is_closed || s->full_jid == NULL || g_strcmp0(kind, "chatstate") != 0)
        return;
    for (guint j = 0; j < G_N_ELEMENTS(chat_states); j++) {
        if (g_strcmp0(payload, chat_states[j]) != 0)
            continue;
        g_autoptr(XmppNode) m = xmpp_node_new("message", XMPP_NS_CLIENT);
        g_autofree char *from = from_resource != NULL
                                    ? g_strconcat(from_account, "/", from_resource, NULL)
                                    : g_strdup(from_account);
        xmpp_node_set(m, "from", from);
        xmpp_node_set(m, "to", s->full_jid);
        xmpp_node_set(m, "type", "chat");
        xmpp_node_add(m, xmpp_node_new(chat_states[j], XMPP_NS_CHATSTATES));
        xmpp_send_node(s, m);
        return;
    }
}

void
xmpp_message_stanza(XmppSession *s, XmppNode *m)
{
    const char *type = xmpp_node_attr(m, "type");
    const char *to = xmpp_node_attr(m, "to");
    XmppNode *body = xmpp_node_child(m, "body", XMPP_NS_CLIENT);
    g_autofree char *local = NULL, *domain = NULL, *resource = NULL;

    if (g_strcmp0(type, "error") == 0)
        return;
    if (body == NULL) {
        const char *state = chat_state(m);
        if (state != NULL)
            send_chat_state(s, to, state);
        return; /* nothing to store */
    }
    if (g_strcmp0(type, "groupchat") == 0) {
        xmpp_send_error(s, m, "cancel", "service-unavailable");
        return;
    }
    if (to == NULL)
        to = s->account; /* RFC 6120 8.1.1.1: to the user's bare JID */
    if (!xmpp_jid_split(to, &local, &domain, &resource)) {
        xmpp_send_error(s, m, "modify", "jid-malformed");
        return;
    }
    if (local == NULL || !xmpp_domain_is_local(domain)) {
        /* a server, or another domain: no federation (RFC 6120 8.3.3.15) */
        xmpp_send_error(s, m, "cancel",
                        local == NULL ? "service-unavailable" : "remote-server-not-found");
        return;
    }
    SendJob *job = g_new0(SendJob, 1);
    job->stanza = xmpp_node_copy(m);
    job->sender = g_strdup(s->account);
    job->recipient = g_strconcat(local, "@", domain, NULL);
    job->resource = g_steal_pointer(&resource);
    job->text = g_strdup(xmpp_node_text(body));
    XmppNode *thread = xmpp_node_child(m, "thread", XMPP_NS_CLIENT);
    job->thread = thread != NULL && thread->text != NULL ? g_strdup(thread->text->str) : NULL;
    job->client_id = g_strdup(xmpp_node_attr(m, "id"));
    job->session = g_strdup(xmpp_api->conn_session(s->conn));
    job->s = xmpp_session_busy(s);
    xmpp_api->work_run(s->conn, send_work, send_done, job);
}

/* --- offline delivery --- */

typedef struct {
    XmppSession *s;
    char *account;
    GPtrArray *ims;
} OfflineJob;

static void
offline_work(gpointer data)
{
    OfflineJob *job = data;
    g_autoptr(GError) error = NULL;
    HermodImQuery q = {
        .struct_size = sizeof q,
        .account = job->account,
        .is_incoming_only = TRUE,
        .without_flags = HERMOD_IM_FLAG_PUSHED_XMPP,
    };

    job->ims = xmpp_api->im->history(&q, &error);
    if (job->ims == NULL)
        xmpp_api->log(HERMOD_LOG_WARNING, NULL, "xmpp: offline messages of %s: %s", job->account,
                      error->message);
}

/* Flag what was sent, on the pool: it runs after the messages are queued. */
static void
flag_work(gpointer data)
{
    OfflineJob *job = data;
    g_autoptr(GError) error = NULL;
    g_autofree gint64 *ids = g_new(gint64, job->ims->len);

    for (guint i = 0; i < job->ims->len; i++)
        ids[i] = ((const HermodIm *)job->ims->pdata[i])->id;
    if (!xmpp_api->im->set_flags(job->account, ids, job->ims->len, HERMOD_IM_FLAG_PUSHED_XMPP, TRUE,
                                 &error))
        xmpp_api->log(HERMOD_LOG_WARNING, NULL, "xmpp: offline flags of %s: %s", job->account,
                      error->message);
}

static void
offline_free(HermodConn *conn, gpointer data)
{
    OfflineJob *job = data;

    xmpp_session_unref(job->s);
    if (job->ims != NULL)
        g_ptr_array_unref(job->ims);
    g_free(job->account);
    g_free(job);
}

static void
offline_done(HermodConn *conn, gpointer data)
{
    OfflineJob *job = data;
    XmppSession *s = job->s;

    if (s->is_closed || job->ims == NULL || job->ims->len == 0) {
        offline_free(conn, job);
        return;
    }
    for (guint i = 0; i < job->ims->len; i++) {
        const HermodIm *im = job->ims->pdata[i];
        g_autoptr(XmppNode) m = xmpp_message_from_im(im, s->full_jid);
        g_autofree char *stamp = xmpp_stamp(im->time);
        XmppNode *delay = xmpp_node_add(m, xmpp_node_new("delay", XMPP_NS_DELAY));
        xmpp_node_set(delay, "from", s->domain);
        xmpp_node_set(delay, "stamp", stamp);
        xmpp_send_node(s, m);
    }
    xmpp_api->log(HERMOD_LOG_INFO, xmpp_api->conn_session(s->conn),
                  "xmpp: %u offline message(s) to %s", job->ims->len, s->full_jid);
    xmpp_api->work_run(s->conn, flag_work, offline_free, job);
}

void
xmpp_message_offline(XmppSession *s)
{
    OfflineJob *job;

    if (s->has_offline_sent)
        return;
    s->has_offline_sent = TRUE;
    job = g_new0(OfflineJob, 1);
    job->account = g_strdup(s->account);
    job->s = xmpp_session_ref(s);
    xmpp_api->work_run(s->conn, offline_work, offline_done, job);
}
