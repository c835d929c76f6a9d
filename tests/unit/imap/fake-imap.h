/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-imap.h - what the IMAP unit tests add to the shared fake core
 * (tests/unit/fake-core.h): connections with role "imap", a LOGIN helper,
 * and the shared fake store (tests/unit/fake-store.h) with INBOX and Sent
 * for FAKE_ACCOUNT, whose watches the fake core's pump runs.
 */
#ifndef FAKE_IMAP_H
#define FAKE_IMAP_H

#include "fake-core.h"
#include "fake-store.h"

G_BEGIN_DECLS

#define FAKE_HOSTNAME "mail.example.org"
#define FAKE_ACCOUNT  "alice@example.org"

/* Load the module (once) and reset settings, the log and the store
 * (blocking store calls must come from a work job). */
void fake_core_reset(void);
/* A connection on an "imap" listener, TLS already up or not. */
HermodConn *fake_conn_new(gboolean tls);
/* LOGIN as alice on a TLS connection. */
HermodConn *fake_login(void);

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
