/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-core.h - an in-memory HermodApi and HermodMailApi for unit-testing
 * the IMAP module.
 *
 * The fake loads the module through its descriptor as the core does and
 * plays the core's part for one connection at a time: it splits fed bytes
 * into lines (in pieces past its line limit) or counted data, honours
 * pause/resume, STARTTLS (dropping pipelined input) and close, and runs
 * work-pool jobs and auth checks from its event pump after the callback
 * that queued them returned.  Login alice@example.org / secret works.
 * The mail store is a small in-memory one (session-store.c) with INBOX, modseqs,
 * expunge history, a quota and change watches.
 */
#ifndef FAKE_IMAP_CORE_H
#define FAKE_IMAP_CORE_H

#include <hermod/hermod.h>
#include <hermod/mailstore.h>

G_BEGIN_DECLS

#define FAKE_HOSTNAME "mail.example.org"
#define FAKE_ACCOUNT  "alice@example.org"

void fake_core_reset(void);
void fake_set_setting(const char *key, const char *value);

HermodConn *fake_conn_new(gboolean tls);
void fake_feed(HermodConn *c, const char *data, gssize len);
char *fake_take(HermodConn *c); /* (transfer full) everything written since the last call */
void fake_conn_free(HermodConn *c);
void fake_set_line_limit(HermodConn *c, gsize limit);
gboolean fake_is_paused(HermodConn *c);
gboolean fake_is_closed(HermodConn *c);
void fake_set_trusted(HermodConn *c, gboolean trusted);
/* Let the core's buffer fill: conn_output_pending reports the bytes written
 * since the last fake_drain, and on_writable runs only from fake_drain. */
void fake_set_backpressure(HermodConn *c, gboolean on);
/* Take what the "socket" sent and run on_writable if it was asked for. */
char *fake_drain(HermodConn *c);
/* Run the pump (jobs, queued watch callbacks). */
void fake_pump(HermodConn *c);

/* Feed one line ("\r\n" appended) and return the output (transfer full). */
char *fake_cmd(HermodConn *c, const char *line);
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
/* Forget the watch callbacks queued so far (a notification still on its
 * way when the next command arrives). */
void fake_mail_drop_watches(void);
/* Called by the fake core's pump: run queued watch callbacks for conn. */
gboolean fake_mail_run_watches(HermodConn *conn);

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
