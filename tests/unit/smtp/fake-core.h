/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-core.h - an in-memory HermodApi for unit-testing the SMTP module.
 *
 * The fake loads the module through its descriptor exactly as the core
 * does (init, register_protocol) and then plays the core's part for one
 * connection at a time: it splits fed bytes into lines (in pieces past its
 * line limit) or counted data, honours pause/resume, STARTTLS (dropping
 * pipelined input) and close, and runs work-pool jobs and auth checks from
 * its own event pump, after the callback that queued them has returned.
 * Directory, auth and message submission are small fixed fakes:
 *
 *   local domains example.org and mx.example.org (the hostname): alice,
 *   bob, al (alias of alice), postmaster and alice+tag are LOCAL, other
 *   names UNKNOWN; '%', '!', quotes or a leading '@' are INVALID; other
 *   domains REMOTE.  Login alice@example.org / secret works, "blocked"
 *   is blocked, "tempfail" fails temporarily.
 */
#ifndef FAKE_CORE_H
#define FAKE_CORE_H

#include <hermod/hermod.h>

G_BEGIN_DECLS

#define FAKE_HOSTNAME "mx.example.org"
#define FAKE_SESSION  "sess-1"
#define FAKE_PEER     "192.0.2.1"

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
/* Override a [smtp] setting as the config file would. */
void fake_set_setting(const char *key, const char *value);

/* A new connection on a listener with this role; on_connect has run. */
HermodConn *fake_conn_new(const char *role, gboolean implicit_tls);
/* Feed bytes as if read from the socket, then pump events.  len -1: strlen. */
void fake_feed(HermodConn *c, const char *data, gssize len);
/* Everything written since the last call (transfer full). */
char *fake_take(HermodConn *c);
/* The peer went away: on_close, then pending jobs. */
void fake_conn_drop(HermodConn *c);
void fake_conn_free(HermodConn *c);
/* Core line limit for partial lines (default 4096). */
void fake_set_line_limit(HermodConn *c, gsize limit);
/* Hold work-pool jobs and auth checks until fake_run_jobs. */
void fake_hold_jobs(HermodConn *c, gboolean hold);
void fake_run_jobs(HermodConn *c);
gboolean fake_is_paused(HermodConn *c);
gboolean fake_is_closed(HermodConn *c);
gboolean fake_is_tls(HermodConn *c);
guint fake_timeout(HermodConn *c);
const HermodProtocol *fake_protocol(void);

/* Submitted messages (FakeMessage), oldest first. */
GPtrArray *fake_submitted(void);
/* Make the next msg_submit calls fail with this HERMOD_SUBMIT_ERROR code;
 * -1: succeed. */
void fake_set_submit_error(int code);
/* The log so far, one line per entry. */
const char *fake_log(void);

/* Helpers for tests: feed one line ("\r\n" appended) and return the
 * output it caused (transfer full). */
char *fake_cmd(HermodConn *c, const char *line);
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
