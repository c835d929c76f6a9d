/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * session.c - one XMPP connection: core events, the XML stream, stream
 * features, STARTTLS, stream errors and output.
 *
 * The connection runs in stream mode (conn_read_stream): bytes go to the
 * XmppStream parser as they arrive and the events it completes are
 * handled in order.  A stanza that needs the work pool (a login, a
 * delivery, a history read) marks the session busy: input pauses and the
 * events already parsed wait in the parser's queue until the job's
 * completion calls xmpp_session_done, so that stanzas are answered in the
 * order they came.  The stream restarts (a new parser, a new header) after
 * TLS and after SASL success (RFC 6120 5.3.4, 6.4.6).  Stanzas go to
 * sasl.c before authentication and to iq.c, presence.c and message.c
 * after resource binding.
 */
#include "autoconfig.h"

#include <string.h>
#include <sys/random.h>

#include "xmpp.h"

static void process(XmppSession *s);

static void
load_limits(XmppLimits *l)
{
    const HermodApi *api = xmpp_api;

    l->max_stanza = (gsize)api->setting_int(xmpp_module, "max_stanza");
    l->max_depth = (guint)api->setting_int(xmpp_module, "max_depth");
    l->idle_timeout = (guint)api->setting_int(xmpp_module, "idle_timeout");
    l->require_tls_for_auth = api->setting_int(xmpp_module, "require_tls_for_auth") != 0;
    l->max_auth_failures = (guint)api->setting_int(xmpp_module, "max_auth_failures");
    l->mam_max = (guint)api->setting_int(xmpp_module, "mam_max");
    l->offer_scram = api->setting_int(xmpp_module, "scram") != 0;
    l->offer_plain = api->setting_int(xmpp_module, "plain") != 0;
}

char *
xmpp_random_hex(gsize count)
{
    guint8 buf[32];
    GString *out = g_string_new(NULL);

    count = MIN(count, sizeof buf);
    if (getrandom(buf, count, 0) != (gssize)count) {
        for (gsize i = 0; i < count; i++)
            buf[i] = (guint8)g_random_int();
    }
    for (gsize i = 0; i < count; i++)
        g_string_append_printf(out, "%02x", buf[i]);
    return g_string_free(out, FALSE);
}

XmppSession *
xmpp_session_ref(XmppSession *s)
{
    s->refs++;
    return s;
}

void
xmpp_session_unref(XmppSession *s)
{
    if (--s->refs > 0)
        return;
    xmpp_stream_free(s->stream);
    xmpp_scram_free(s->scram);
    g_free(s->stream_id);
    g_free(s->domain);
    g_free(s->account);
    g_free(s->resource);
    g_free(s->full_jid);
    g_free(s);
}

void
xmpp_send(XmppSession *s, const char *xml)
{
    if (!s->is_closed)
        xmpp_api->conn_write(s->conn, xml, strlen(xml));
}

void
xmpp_send_node(XmppSession *s, const XmppNode *node)
{
    g_autoptr(GString) out = g_string_new(NULL);

    xmpp_node_write(node, XMPP_NS_CLIENT, out);
    xmpp_send(s, out->str);
}

static void
send_header(XmppSession *s)
{
    g_autoptr(GString) out =
        g_string_new("<?xml version='1.0'?><stream:stream xmlns='" XMPP_NS_CLIENT
                     "' xmlns:stream='" XMPP_NS_STREAM "' id='");

    g_free(s->stream_id);
    s->stream_id = xmpp_random_hex(12);
    g_string_append(out, s->stream_id);
    if (s->domain != NULL) {
        g_string_append(out, "' from='");
        xmpp_escape(out, s->domain);
    }
    g_string_append(out, "' version='1.0' xml:lang='en'>");
    xmpp_send(s, out->str);
    s->has_header_sent = TRUE;
}

void
xmpp_stream_error(XmppSession *s, const char *condition, const char *text)
{
    g_autoptr(GString) out = g_string_new(NULL);

    if (s->state == XMPP_STATE_CLOSING || s->is_closed)
        return;
    xmpp_api->log(HERMOD_LOG_INFO, xmpp_api->conn_session(s->conn), "xmpp: stream error %s%s%s",
                  condition, text != NULL ? ": " : "", text != NULL ? text : "");
    if (!s->has_header_sent)
        send_header(s);
    g_string_printf(out, "<stream:error><%s xmlns='" XMPP_NS_STREAMS "'/>", condition);
    if (text != NULL) {
        g_string_append(out, "<text xmlns='" XMPP_NS_STREAMS "'>");
        xmpp_escape(out, text);
        g_string_append(out, "</text>");
    }
    g_string_append(out, "</stream:error></stream:stream>");
    xmpp_send(s, out->str);
    s->state = XMPP_STATE_CLOSING;
    xmpp_api->conn_close(s->conn);
}

static void
new_parser(XmppSession *s)
{
    XmppStreamLimits lim = {.max_stanza = s->lim.max_stanza, .max_depth = s->lim.max_depth};

    xmpp_stream_free(s->stream);
    s->stream = xmpp_stream_new(&lim);
    s->state = XMPP_STATE_HEADER;
}

void
xmpp_session_restart(XmppSession *s)
{
    new_parser(s);
}

static gboolean
may_auth(XmppSession *s)
{
    return xmpp_api->conn_is_tls(s->conn) || !s->lim.require_tls_for_auth ||
           xmpp_api->conn_is_trusted(s->conn);
}

static void
send_features(XmppSession *s)
{
    g_autoptr(GString) out = g_string_new("<stream:features>");

    if (s->account != NULL) {
        g_string_append(out, "<bind xmlns='" XMPP_NS_BIND "'/>"
                             "<session xmlns='" XMPP_NS_SESSION "'><optional/></session>");
    } else {
        gboolean tls = xmpp_api->conn_may_start_tls(s->conn);
        if (tls)
            g_string_append_printf(out, "<starttls xmlns='" XMPP_NS_TLS "'>%s</starttls>",
                                   may_auth(s) ? "" : "<required/>");
        if (may_auth(s))
            xmpp_sasl_features(s, out);
    }
    g_string_append(out, "</stream:features>");
    xmpp_send(s, out->str);
}

gboolean
xmpp_domain_is_local(const char *domain)
{
    g_autofree char *probe = g_strconcat("postmaster@", domain, NULL);
    HermodAddrKind kind = xmpp_api->addr_lookup(probe, NULL);

    return kind == HERMOD_ADDR_LOCAL;
}

static void
on_open(XmppSession *s, XmppNode *header)
{
    const char *to = xmpp_node_attr(header, "to");
    const char *version = xmpp_node_attr(header, "version");

    if (s->domain == NULL && to != NULL && xmpp_domain_is_local(to))
        s->domain = g_ascii_strdown(to, -1);
    send_header(s);
    if (s->domain == NULL) {
        xmpp_stream_error(s, "host-unknown", "this server does not serve that domain");
        return;
    }
    if (version == NULL || strtol(version, NULL, 10) < 1) {
        xmpp_stream_error(s, "unsupported-version", NULL);
        return;
    }
    s->state = XMPP_STATE_OPEN;
    send_features(s);
}

static void
on_starttls(XmppSession *s)
{
    if (!xmpp_api->conn_may_start_tls(s->conn)) {
        xmpp_send(s, "<failure xmlns='" XMPP_NS_TLS "'/></stream:stream>");
        s->state = XMPP_STATE_CLOSING;
        xmpp_api->conn_close(s->conn);
        return;
    }
    xmpp_send(s, "<proceed xmlns='" XMPP_NS_TLS "'/>");
    s->state = XMPP_STATE_TLS;
    xmpp_api->conn_start_tls(s->conn);
}

static void
on_stanza(XmppSession *s, XmppNode *node)
{
    if (s->account == NULL) {
        if (xmpp_node_is(node, "starttls", XMPP_NS_TLS))
            on_starttls(s);
        else if (g_strcmp0(node->ns, XMPP_NS_SASL) == 0 && may_auth(s))
            xmpp_sasl_stanza(s, node);
        else
            xmpp_stream_error(s, "not-authorized", NULL);
        return;
    }
    if (g_strcmp0(node->ns, XMPP_NS_CLIENT) != 0) {
        xmpp_stream_error(s, "unsupported-stanza-type", NULL);
    } else if (strcmp(node->name, "iq") == 0) {
        xmpp_iq_stanza(s, node);
    } else if (s->full_jid == NULL) {
        xmpp_stream_error(s, "not-authorized", "bind a resource first");
    } else if (strcmp(node->name, "message") == 0) {
        xmpp_message_stanza(s, node);
    } else if (strcmp(node->name, "presence") == 0) {
        xmpp_presence_stanza(s, node);
    } else {
        xmpp_stream_error(s, "unsupported-stanza-type", NULL);
    }
}

static void
on_event(XmppSession *s, XmppEvent *ev)
{
    if (ev->kind == XMPP_EVENT_OPEN && s->state == XMPP_STATE_HEADER) {
        on_open(s, ev->node);
    } else if (ev->kind == XMPP_EVENT_CLOSE) {
        xmpp_send(s, "</stream:stream>");
        s->state = XMPP_STATE_CLOSING;
        xmpp_api->conn_close(s->conn);
    } else if (ev->kind == XMPP_EVENT_STANZA && s->state == XMPP_STATE_OPEN) {
        on_stanza(s, ev->node);
    }
}

/* Handle the events parsed so far, until a job makes the session busy. */
static void
process(XmppSession *s)
{
    while (!s->is_closed && s->busy == 0 && s->state != XMPP_STATE_CLOSING &&
           s->state != XMPP_STATE_TLS) {
        XmppStream *st = s->stream;
        g_autoptr(XmppEvent) ev = xmpp_stream_next(st);
        if (ev == NULL)
            return;
        on_event(s, ev);
    }
}

XmppSession *
xmpp_session_busy(XmppSession *s)
{
    if (s->busy++ == 0)
        xmpp_api->conn_pause(s->conn);
    return xmpp_session_ref(s);
}

void
xmpp_session_done(XmppSession *s)
{
    if (!s->is_closed && --s->busy == 0) {
        xmpp_api->conn_resume(s->conn);
        process(s);
    }
    xmpp_session_unref(s);
}

static void
on_connect(HermodConn *conn)
{
    XmppSession *s = g_new0(XmppSession, 1);

    s->refs = 1;
    s->conn = conn;
    load_limits(&s->lim);
    new_parser(s);
    xmpp_api->conn_set_data(conn, s);
    xmpp_api->conn_set_timeout(conn, s->lim.idle_timeout);
    xmpp_api->conn_read_stream(conn);
}

static void
on_data(HermodConn *conn, const guint8 *data, gsize len, gboolean is_last)
{
    XmppSession *s = xmpp_api->conn_get_data(conn);
    const char *condition = NULL;

    if (s == NULL || s->state == XMPP_STATE_CLOSING || s->state == XMPP_STATE_TLS)
        return;
    gboolean ok = xmpp_stream_feed(s->stream, (const char *)data, len, &condition);
    xmpp_session_ref(s);
    process(s);
    if (!ok)
        xmpp_stream_error(s, condition, NULL);
    xmpp_session_unref(s);
}

static void
on_tls_ready(HermodConn *conn)
{
    XmppSession *s = xmpp_api->conn_get_data(conn);

    new_parser(s); /* RFC 6120 5.4.3.3: a new stream over TLS */
    s->has_header_sent = FALSE;
}

static void
on_timeout(HermodConn *conn)
{
    XmppSession *s = xmpp_api->conn_get_data(conn);

    xmpp_stream_error(s, "connection-timeout", NULL);
}

static void
on_shutdown(HermodConn *conn)
{
    XmppSession *s = xmpp_api->conn_get_data(conn);

    xmpp_stream_error(s, "system-shutdown", NULL);
}

static void
on_close(HermodConn *conn)
{
    XmppSession *s = xmpp_api->conn_get_data(conn);

    if (s == NULL)
        return;
    xmpp_presence_end(s);
    if (s->full_jid != NULL)
        xmpp_jid_release(s->full_jid);
    s->is_closed = TRUE;
    xmpp_api->conn_set_data(conn, NULL);
    xmpp_session_unref(s);
}

const HermodProtocol xmpp_protocol = {
    .struct_size = sizeof(HermodProtocol),
    .on_connect = on_connect,
    .on_data = on_data,
    .on_tls_ready = on_tls_ready,
    .on_timeout = on_timeout,
    .on_shutdown = on_shutdown,
    .on_close = on_close,
    .busy_reply = "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
                  "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"
                  "<stream:error><policy-violation xmlns='urn:ietf:params:xml:ns:xmpp-streams'/>"
                  "</stream:error></stream:stream>",
};
