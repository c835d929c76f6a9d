/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-smtp.h - what the SMTP unit tests add to the shared fake core
 * (tests/unit/fake-core.h): connections on a listener of a given role, and
 * small fixed fakes of the directory and of message submission:
 *
 *   local domains example.org and mx.example.org (the hostname): alice,
 *   bob, al (alias of alice), postmaster and alice+tag are LOCAL, other
 *   names UNKNOWN; '%', '!', quotes or a leading '@' are INVALID; other
 *   domains REMOTE.  While the directory is "down" a local domain's
 *   addresses are TEMPFAIL for addr_lookup and addr_check_owner, and
 *   UNKNOWN / not owned for the 1.0 members (as the core folds them).
 */
#ifndef FAKE_SMTP_H
#define FAKE_SMTP_H

#include "fake-core.h"

G_BEGIN_DECLS

#define FAKE_HOSTNAME "mx.example.org"

/* One submitted message as msg_submit saw it. */
typedef struct {
    char *sender;
    char *envid;
    GPtrArray *rcpts; /* "address notify orcpt" strings */
    guint flags;
    char *auth;
    GByteArray *data; /* NUL-terminated after its len bytes */
} FakeMessage;

/* Load the module (once per process) and reset every fake: settings,
 * submitted messages, the log, the submit result. */
void fake_core_reset(void);
/* A new connection on a listener with this role; on_connect has run. */
HermodConn *fake_conn_new(const char *role, gboolean implicit_tls);

/* Submitted messages (FakeMessage), oldest first. */
GPtrArray *fake_submitted(void);
/* Make the next msg_submit calls fail with this HERMOD_SUBMIT_ERROR code;
 * -1: succeed. */
void fake_set_submit_error(int code);
/* Make the directory fail (see above); fake_core_reset clears it. */
void fake_set_directory_down(gboolean down);
/* Pretend to be a 1.3 core: struct_size ends before addr_lookup, so the
 * module must fall back to addr_classify; fake_core_reset clears it. */
void fake_set_core_1_3(gboolean old);
/* EHLO (and for TLS roles STARTTLS + EHLO) then discard the output. */
void fake_ehlo(HermodConn *c, gboolean tls);
/* base64 of "\0alice@example.org\0secret" etc. (transfer full) */
char *fake_plain(const char *login, const char *password);

/* Feed one command; its output must start with want. */
#define EXPECT(c, cmd, want)                                                                       \
    do {                                                                                           \
        g_autofree char *got_ = fake_cmd((c), (cmd));                                              \
        if (!g_str_has_prefix(got_, (want))) {                                                     \
            g_printerr("%s: got \"%s\", want \"%s...\"\n", (cmd), got_, (want));                   \
            g_assert_not_reached();                                                                \
        }                                                                                          \
    } while (0)

/* The output so far must equal want exactly. */
#define EXPECT_OUTPUT(c, want)                                                                     \
    do {                                                                                           \
        g_autofree char *got_ = fake_take(c);                                                      \
        g_assert_cmpstr(got_, ==, (want));                                                         \
    } while (0)

G_END_DECLS

#endif
