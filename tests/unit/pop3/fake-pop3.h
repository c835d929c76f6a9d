/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-pop3.h - what the POP3 unit tests add to the shared fake core
 * (tests/unit/fake-core.h): connections on "pop3" and "pop3s" listeners, a
 * login helper, and an in-memory HermodMailApi.  Each account has an
 * INBOX (UIDVALIDITY FAKE_UIDVALIDITY) whose messages live in files under
 * a temporary folder, so open_message maps real files.  Store calls the
 * module makes outside a work job, where the real ones block, fail the
 * test.
 */
#ifndef FAKE_POP3_H
#define FAKE_POP3_H

#include "fake-core.h"

G_BEGIN_DECLS

#define FAKE_HOSTNAME    "mail.example.org"
#define FAKE_UIDVALIDITY 1700000001u

/* Load the module (once per process) and reset every fake: settings, the
 * log, the store (emptied). */
void fake_core_reset(void);
/* Remove the store's temporary folder (end of the test program). */
void fake_core_cleanup(void);
/* A new connection; implicit: a pop3s listener.  on_connect has run. */
HermodConn *fake_conn_new(gboolean implicit_tls);

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
/* update_flags calls so far. */
guint fake_mail_flag_calls(void);

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
