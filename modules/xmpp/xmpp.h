/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * xmpp.h - the XMPP module's session state and the functions its files
 * share.
 *
 * One XmppSession per connection, reference-counted: the connection holds
 * one reference until on_close, each work-pool job one until its
 * completion, so that a completion never touches freed memory and simply
 * does nothing once is_closed is set.  Every function here runs on the
 * connection's loop thread unless it says otherwise.  Files: module.c
 * (descriptor, settings), session.c (events, the stream, features, stream
 * errors, output), sasl.c (PLAIN, SCRAM-SHA-1/-256), iq.c (bind, session,
 * roster, disco, ping, carbons), presence.c (the hub session, presence in
 * and out), message.c (messages both ways, carbons, offline delivery),
 * mam.c (XEP-0313 archive queries), jid.c (JIDs, resources),
 * xml-stream.c and node.c (the XML).
 */
#ifndef XMPP_XMPP_H
#define XMPP_XMPP_H

#include <hermod/hermod.h>

#include "node.h"
#include "xml-stream.h"

G_BEGIN_DECLS

/* Set by init in module.c; valid until shutdown. */
extern const HermodApi *xmpp_api;
extern HermodModule *xmpp_module;
extern const HermodSetting xmpp_settings[];
extern const HermodProtocol xmpp_protocol;

#define XMPP_NS_TLS        "urn:ietf:params:xml:ns:xmpp-tls"
#define XMPP_NS_SASL       "urn:ietf:params:xml:ns:xmpp-sasl"
#define XMPP_NS_BIND       "urn:ietf:params:xml:ns:xmpp-bind"
#define XMPP_NS_SESSION    "urn:ietf:params:xml:ns:xmpp-session"
#define XMPP_NS_STANZAS    "urn:ietf:params:xml:ns:xmpp-stanzas"
#define XMPP_NS_STREAMS    "urn:ietf:params:xml:ns:xmpp-streams"
#define XMPP_NS_ROSTER     "jabber:iq:roster"
#define XMPP_NS_DISCO      "http://jabber.org/protocol/disco#info"
#define XMPP_NS_ITEMS      "http://jabber.org/protocol/disco#items"
#define XMPP_NS_PING       "urn:xmpp:ping"
#define XMPP_NS_CARBONS    "urn:xmpp:carbons:2"
#define XMPP_NS_FORWARD    "urn:xmpp:forward:0"
#define XMPP_NS_DELAY      "urn:xmpp:delay"
#define XMPP_NS_MAM        "urn:xmpp:mam:2"
#define XMPP_NS_RSM        "http://jabber.org/protocol/rsm"
#define XMPP_NS_DATA       "jabber:x:data"
#define XMPP_NS_SID        "urn:xmpp:sid:0"
#define XMPP_NS_HINTS      "urn:xmpp:hints"
#define XMPP_NS_VERSION    "jabber:iq:version"
#define XMPP_NS_CHATSTATES "http://jabber.org/protocol/chatstates"

typedef enum {
    XMPP_STATE_HEADER,  /* waiting for the client's stream header */
    XMPP_STATE_OPEN,    /* features sent; stanzas flow */
    XMPP_STATE_TLS,     /* <proceed/> sent, handshake runs */
    XMPP_STATE_CLOSING, /* stream error or </stream:stream> sent */
} XmppState;

/* The [xmpp] settings, read once per connection. */
typedef struct {
    gsize max_stanza;
    guint max_depth;
    guint idle_timeout;
    gboolean require_tls_for_auth;
    guint max_auth_failures;
    guint mam_max;
    gboolean offer_scram;
    gboolean offer_plain;
} XmppLimits;

typedef struct XmppScram XmppScram; /* sasl.c */

typedef struct {
    gint refs;
    HermodConn *conn;
    XmppLimits lim;
    XmppState state;
    XmppStream *stream;
    char *stream_id;
    char *domain; /* the stream's "to", lower-case */
    gboolean has_header_sent;
    gboolean is_closed; /* on_close ran */
    guint busy;         /* jobs whose completion must run before the next stanza */

    /* authentication */
    char *account; /* canonical bare JID once authenticated */
    guint auth_failures;
    XmppScram *scram;

    /* the bound resource */
    char *resource;
    char *full_jid;
    gboolean has_carbons;
    HermodImSession *im; /* the hub session while available */
    gboolean has_offline_sent;
} XmppSession;

/* session.c */
XmppSession *xmpp_session_ref(XmppSession *s);
void xmpp_session_unref(XmppSession *s);
/* Output: a string as is, or a tree. */
void xmpp_send(XmppSession *s, const char *xml);
void xmpp_send_node(XmppSession *s, const XmppNode *node);
/* Stream error condition (RFC 6120 4.9.3), optional text, then close. */
void xmpp_stream_error(XmppSession *s, const char *condition, const char *text);
/* Begin a job (input waits until xmpp_session_done); returns s, ref'd. */
XmppSession *xmpp_session_busy(XmppSession *s);
/* A job ended: resume input and the stanzas that waited; drops the ref. */
void xmpp_session_done(XmppSession *s);
/* After SASL success: the client opens a new stream. */
void xmpp_session_restart(XmppSession *s);
/* Is domain one of ours (postmaster@domain is local)?  A quick indexed
 * read through addr_lookup. */
gboolean xmpp_domain_is_local(const char *domain);
/* A fresh id for a stream or a nonce: count bytes of randomness in hex
 * (transfer full). */
char *xmpp_random_hex(gsize count);

/* sasl.c */
void xmpp_sasl_features(XmppSession *s, GString *out);
void xmpp_sasl_stanza(XmppSession *s, XmppNode *node);
void xmpp_scram_free(XmppScram *scram); /* nullable */

/* iq.c */
void xmpp_iq_stanza(XmppSession *s, XmppNode *node);
/* An error reply to stanza (iq, message, presence): type and condition. */
void xmpp_send_error(XmppSession *s, const XmppNode *stanza, const char *type,
                     const char *condition);
/* An empty iq result for stanza. */
void xmpp_send_result(XmppSession *s, const XmppNode *stanza);
/* A new <iq type='result'> for stanza, to fill (transfer full). */
XmppNode *xmpp_iq_result(XmppSession *s, const XmppNode *stanza);

/* presence.c */
void xmpp_presence_stanza(XmppSession *s, XmppNode *node);
/* The session goes away: close the hub session. */
void xmpp_presence_end(XmppSession *s);

/* message.c */
void xmpp_message_stanza(XmppSession *s, XmppNode *node);
/* The hub pushed im (HermodImFunc). */
void xmpp_message_push(HermodImSession *im_session, const HermodIm *im, gpointer data);
/* The hub passed a transient (HermodImTransientFunc): chat states. */
void xmpp_message_transient(HermodImSession *im_session, const char *from_account,
                            const char *from_resource, const char *kind, const char *payload,
                            gpointer data);
/* After initial presence: what arrived while no XMPP client was online. */
void xmpp_message_offline(XmppSession *s);
/* <message> for im as the account's client sees it (transfer full). */
XmppNode *xmpp_message_from_im(const HermodIm *im, const char *to);
/* "2026-12-06T10:00:00.000000Z" for µs since the epoch (transfer full). */
char *xmpp_stamp(gint64 usec);

/* mam.c */
void xmpp_mam_query(XmppSession *s, XmppNode *iq, XmppNode *query);

/* jid.c */
/* Split "local@domain/resource"; parts nullable out, lower-cased except
 * the resource.  FALSE when it is not a JID. */
gboolean xmpp_jid_split(const char *jid, char **out_local, char **out_domain, char **out_resource);
/* The bare JID of jid, lower-case, or NULL (transfer full). */
char *xmpp_jid_bare(const char *jid);
/* May text be a resource (UTF-8, 1..1023 bytes, no control characters)? */
gboolean xmpp_resource_is_valid(const char *text);
/* Module-wide registry of bound full JIDs, any thread.  claim: TRUE when
 * jid was free and is now taken. */
gboolean xmpp_jid_claim(const char *full_jid);
void xmpp_jid_release(const char *full_jid);
gboolean xmpp_jid_is_bound(const char *full_jid);
/* Forget every binding (module shutdown, after every connection closed). */
void xmpp_jid_registry_free(void);

G_END_DECLS

#endif
