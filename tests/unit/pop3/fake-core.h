/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-core.h - an in-memory HermodApi and HermodMailApi for unit-testing
 * the POP3 module.
 *
 * The fake loads the module through its descriptor exactly as the core
 * does (init, register_protocol) and then plays the core's part for any
 * number of connections: it splits fed bytes into lines (in pieces past
 * its line limit), honours pause/resume, STLS (dropping pipelined input),
 * want_writable and close, and runs work-pool jobs and auth checks from
 * its own event pump, after the callback that queued them has returned.
 * Store calls the module makes outside a work job, where the real ones
 * block, fail the test.
 *
 * Logins: alice@example.org / secret and bob@example.org / secret2 work
 * (the account is the lower-case login), "blocked" is blocked,
 * "tempfail" fails temporarily, anything else fails.  Each account has an
 * INBOX (UIDVALIDITY FAKE_UIDVALIDITY) whose messages live in files under
 * a temporary folder, so open_message maps real files.
 */
#ifndef FAKE_CORE_H
#define FAKE_CORE_H

#include <hermod/hermod.h>
#include <hermod/mailstore.h>

G_BEGIN_DECLS

#define FAKE_HOSTNAME    "mail.example.org"
#define FAKE_UIDVALIDITY 1700000001u

/* Load the module (once per process) and reset every fake: settings, the
 * log, the store (emptied). */
void fake_core_reset(void);
/* Remove the store's temporary folder (end of the test program). */
void fake_core_cleanup(void);
/* Override a [pop3] setting as the config file would. */
void fake_set_setting(const char *key, const char *value);

/* A new connection; implicit: a pop3s listener.  on_connect has run. */
HermodConn *fake_conn_new(gboolean implicit_tls);
void fake_set_trusted(HermodConn *c, gboolean trusted);
/* Feed bytes as if read from the socket, then pump events.  len -1: strlen. */
void fake_feed(HermodConn *c, const char *data, gssize len);
/* Everything written since the last call (transfer full). */
char *fake_take(HermodConn *c);
void fake_conn_free(HermodConn *c); /* the peer goes away, then freed */
void fake_set_line_limit(HermodConn *c, gsize limit);
void fake_hold_jobs(HermodConn *c, gboolean hold);
void fake_run_jobs(HermodConn *c);
gboolean fake_is_paused(HermodConn *c);
gboolean fake_is_closed(HermodConn *c);
gboolean fake_is_tls(HermodConn *c);
/* The largest single conn_write since the connection began. */
gsize fake_max_write(HermodConn *c);
const char *fake_log(void);

/* The store.  Messages are added to account's INBOX; returns the UID. */
guint32 fake_mail_add(const char *account, const char *data, gsize len);
/* Expunge one message as another (IMAP) session would. */
void fake_mail_remove(const char *account, guint32 uid);
/* UIDs in INBOX, ascending (transfer full). */
GArray *fake_mail_uids(const char *account);
guint32 fake_mail_flags(const char *account, guint32 uid);
/* Make expunge fail (IO error) until called again with FALSE. */
void fake_mail_fail_expunge(gboolean fail);
guint fake_mail_expunge_calls(void);

/* Feed one line ("\r\n" appended), return the output it caused. */
char *fake_cmd(HermodConn *c, const char *line);
/* STLS if needed (not on implicit), then USER/PASS; asserts +OK. */
void fake_login(HermodConn *c, const char *user, const char *password);

/* Feed one command; its output must start with want. */
#define EXPECT(c, cmd, want)                                                                       \
    do {                                                                                           \
        g_autofree char *got_ = fake_cmd((c), (cmd));                                              \
        if (!g_str_has_prefix(got_, (want))) {                                                     \
            g_printerr("%s: got \"%s\", want \"%s...\"\n", (cmd), got_, (want));                   \
            g_assert_not_reached();                                                                \
        }                                                                                          \
    } while (0)

#define EXPECT_EXACT(c, cmd, want)                                                                 \
    do {                                                                                           \
        g_autofree char *got_ = fake_cmd((c), (cmd));                                              \
        g_assert_cmpstr(got_, ==, (want));                                                         \
    } while (0)

G_END_DECLS

#endif
