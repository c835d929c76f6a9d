/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-pop3.h - what the POP3 unit tests add to the shared fake core
 * (tests/unit/fake-core.h): connections on "pop3" and "pop3s" listeners, a
 * login helper, and the shared fake store (tests/unit/fake-store.h), where
 * each account has an INBOX.  Store calls the module makes outside a work
 * job, where the real ones block, fail the test (FAKE_STORE_ALL_IN_WORK).
 */
#ifndef FAKE_POP3_H
#define FAKE_POP3_H

#include "fake-core.h"
#include "fake-store.h"

G_BEGIN_DECLS

#define FAKE_HOSTNAME "mail.example.org"

/* Load the module (once per process) and reset every fake: settings, the
 * log, the store (emptied). */
void fake_core_reset(void);
/* A new connection; implicit: a pop3s listener.  on_connect has run. */
HermodConn *fake_conn_new(gboolean implicit_tls);

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
