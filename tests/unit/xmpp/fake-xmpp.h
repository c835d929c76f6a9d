/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-xmpp.h - what the XMPP module's unit tests and session fuzz target
 * add to the shared fake core (tests/unit/fake-core.h): an in-memory IM
 * hub (HermodImApi: deliver, live sessions with presence, transients,
 * history with flags, the domain's accounts), the directory lookups the
 * module makes (example.org is local), and fake SCRAM steps.
 *
 * Accounts: alice@example.org / secret and bob@example.org / secret2 (the
 * fake core's logins).  SCRAM: scram_salt answers salt "c2FsdA==" with
 * 4096 iterations; scram_verify accepts alice@example.org when the proof
 * is 32 bytes of 'A' and answers the ServerSignature "c2lnbmF0dXJl".
 * Hub callbacks run at once, on the one test thread.
 */
#ifndef FAKE_XMPP_H
#define FAKE_XMPP_H

#include "fake-core.h"

G_BEGIN_DECLS

#define FAKE_XMPP_HEADER                                                                           \
    "<?xml version='1.0'?><stream:stream to='example.org' xmlns='jabber:client' "                  \
    "xmlns:stream='http://etherx.jabber.org/streams' version='1.0'>"

/* Load the module (once per process) and reset every fake. */
void fake_xmpp_reset(void);
/* A connection on a starttls listener, already over TLS (as after
 * STARTTLS), or on a direct-TLS one; its greeting not yet sent. */
HermodConn *fake_xmpp_conn(gboolean is_implicit_tls);
/* Open the stream, SASL PLAIN as user, restart, bind resource and (with
 * available) send initial presence; the output so far is dropped. */
void fake_xmpp_login(HermodConn *c, const char *user, const char *password, const char *resource,
                     gboolean available);
/* Feed text and return what it caused (transfer full). */
char *fake_xmpp_feed(HermodConn *c, const char *text);
/* The hub's history entries (all accounts), as "account:in|out:sender>recipient:text"
 * lines (transfer full). */
char *fake_xmpp_history(void);
/* Deliver an IM into the hub as a script would (source "sem"). */
void fake_xmpp_deliver(const char *sender, const char *recipient, const char *text);

G_END_DECLS

#endif
