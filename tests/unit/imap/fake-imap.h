/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-imap.h - what the IMAP unit tests add to the shared fake core
 * (tests/unit/fake-core.h): connections with role "imap", a LOGIN helper,
 * and a small in-memory mail store (session-store.c) with INBOX and Sent,
 * modseqs, expunge history, a quota and change watches that the fake
 * core's pump runs.
 */
#ifndef FAKE_IMAP_H
#define FAKE_IMAP_H

#include "fake-core.h"

G_BEGIN_DECLS

#define FAKE_HOSTNAME "mail.example.org"
#define FAKE_ACCOUNT  "alice@example.org"

/* Load the module (once) and reset settings, the log and the store. */
void fake_core_reset(void);
/* A connection on an "imap" listener, TLS already up or not. */
HermodConn *fake_conn_new(gboolean tls);
/* LOGIN as alice on a TLS connection. */
HermodConn *fake_login(void);

/* session-store.c */
const HermodMailApi *fake_mail_api(void);
void fake_mail_reset(void);
/* Deliver a message into mailbox as another session would; watches fire. */
guint32 fake_mail_deliver(const char *mailbox, const char *text, guint32 flags);
/* Change flags or expunge as another session would; watches fire. */
void fake_mail_set_flags(const char *mailbox, guint32 uid, guint32 flags);
void fake_mail_expunge(const char *mailbox, guint32 uid);
void fake_mail_set_quota(guint64 limit);
/* How many mailbox_status calls the module made since the last reset. */
guint fake_mail_status_calls(void);
/* Forget the watch callbacks queued so far (a notification still on its
 * way when the next command arrives). */
void fake_mail_drop_watches(void);
/* Called by the fake core's pump: run queued watch callbacks for conn. */
gboolean fake_mail_run_watches(HermodConn *conn);

/* Feed one command; its output must contain want. */
#define EXPECT(c, cmd, want)                                                                       \
    do {                                                                                           \
        g_autofree char *got_ = fake_cmd((c), (cmd));                                              \
        if (strstr(got_, (want)) == NULL) {                                                        \
            g_printerr("%s: got \"%s\", want \"...%s...\"\n", (cmd), got_, (want));                \
            g_assert_not_reached();                                                                \
        }                                                                                          \
    } while (0)

G_END_DECLS

#endif
