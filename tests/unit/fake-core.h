/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-core.h - the one in-memory HermodApi of the unit tests: the
 * protocol modules' (SMTP, IMAP, POP3) tests, the FETCH/SEARCH tests and
 * the loader and ABI tests (tests/abi/test-abi.c, tests/unit/core/
 * test-module.c) all use this table, filled in one place (fake-core.c).
 *
 * Two ways in.  A module linked into the test (FakeCoreSpec.module) is
 * loaded by fake_core_start exactly as the core does (abi check, init,
 * register_protocol); a test that loads a module itself through the real
 * loader, or calls module code that wants a HermodApi, takes the table from
 * fake_core_table.  Either way the fake then plays the core's part for any
 * number of connections: it splits fed bytes into lines (in pieces past its
 * line limit) or counted data (conn_read_bytes), or hands them over as
 * they come (conn_read_stream), honours pause/resume,
 * STARTTLS (dropping pipelined input), want_writable and close, and runs
 * work-pool jobs and auth checks from its own event pump, after the
 * callback that queued them has returned.  Each protocol's tests add what
 * only they need (the mail store of fake-store.h, the directory and
 * submission) through FakeCoreSpec; see tests/unit/{smtp,imap,pop3}/fake-*.h.
 *
 * Logins: alice@example.org / secret and bob@example.org / secret2 work
 * (the account is the lower-case login), "blocked" is blocked, "tempfail"
 * fails temporarily, anything else fails.  One fake per process, main
 * thread only.
 */
#ifndef FAKE_CORE_H
#define FAKE_CORE_H

#include <hermod/hermod.h>
#include <hermod/mailstore.h>

G_BEGIN_DECLS

#define FAKE_SESSION "sess-1"
#define FAKE_PEER    "192.0.2.1"

typedef struct {
    const char *protocol; /* the protocol registered, as in auth_check and fake_conn_open */
    const char *hostname; /* what hostname() answers */
    /* nullable: the module linked into the test, for fake_core_start. */
    const HermodModuleDescriptor *module;
    /* nullable: the settings table of a module the test loaded itself
     * (hermod_module_settings), for setting_string and setting_int. */
    const HermodSetting *(*settings_of)(HermodModule *self);
    const HermodMailApi *mail; /* nullable: HermodApi.mail */
    /* nullable: fill protocol-specific members of the table (once). */
    void (*fill_api)(HermodApi *api);
    /* nullable: run one pending store event for c (a watch); TRUE if one ran. */
    gboolean (*run_event)(HermodConn *c);
    const HermodWebApi *web; /* nullable: HermodApi.web */
} FakeCoreSpec;

/* Load spec->module (the first time) and reset settings and the log. */
void fake_core_start(const FakeCoreSpec *spec);
/* Reset the fake for spec (settings, the log, registered protocols) and
 * return its table (transfer none), for a module the test loads itself or
 * for module code called directly.  Valid until the next call. */
const HermodApi *fake_core_table(const FakeCoreSpec *spec);
/* Override a setting of the module's section as the config file would. */
void fake_set_setting(const char *key, const char *value);
/* The protocol registered as spec->protocol, or NULL (transfer none): the
 * fake keeps a zero-filled copy, so a module built against older headers
 * (a shorter HermodProtocol) reads as NULL past its end. */
const HermodProtocol *fake_protocol(void);
/* The log so far, one "LEVEL [session] text" line per entry. */
const char *fake_log(void);
/* Is a work job's work function running (where store calls may block)? */
gboolean fake_in_work(void);

/* A new connection on a listener with this role; on_connect has run. */
HermodConn *fake_conn_open(const char *role, gboolean is_implicit_tls, gboolean is_tls);
/* Feed bytes as if read from the socket, then pump events.  len -1: strlen. */
void fake_feed(HermodConn *c, const char *data, gssize len);
/* Everything written since the last call (transfer full). */
char *fake_take(HermodConn *c);
/* Run the pump (jobs, store events, input). */
void fake_pump(HermodConn *c);
/* The peer went away: on_close, then pending jobs. */
void fake_conn_drop(HermodConn *c);
/* Drop (if not yet) and free; no job may be left. */
void fake_conn_free(HermodConn *c);
/* Core line limit for partial lines (default 4096). */
void fake_set_line_limit(HermodConn *c, gsize limit);
/* Hold work-pool jobs and auth checks until fake_run_jobs. */
void fake_hold_jobs(HermodConn *c, gboolean hold);
void fake_run_jobs(HermodConn *c);
void fake_set_trusted(HermodConn *c, gboolean trusted);
/* The connection's listener has tls = none: no STARTTLS/STLS to offer. */
void fake_set_no_tls(HermodConn *c);
/* Where in the output not yet taken DEFLATE started (0: before all of
 * it), or -1 while it is off.  The fake compresses nothing. */
gssize fake_deflate_mark(HermodConn *c);
/* Make conn_output_pending report n more bytes, as if the core's buffer
 * held them; on_writable waits until n is 0 again (0: back to normal). */
void fake_set_pending_extra(HermodConn *c, gsize n);
/* Let the core's buffer fill: conn_output_pending reports the bytes written
 * since the last fake_take, and on_writable runs only from fake_drain
 * (without back-pressure it runs from the pump as soon as asked for). */
void fake_set_backpressure(HermodConn *c, gboolean on);
/* Take what the "socket" sent and run on_writable if it was asked for. */
char *fake_drain(HermodConn *c);
gboolean fake_is_paused(HermodConn *c);
gboolean fake_is_closed(HermodConn *c);
gboolean fake_is_tls(HermodConn *c);
guint fake_timeout(HermodConn *c);
/* The largest single conn_write since the connection began. */
gsize fake_max_write(HermodConn *c);

/* Feed one line ("\r\n" appended) and return the output it caused
 * (transfer full). */
char *fake_cmd(HermodConn *c, const char *line);

G_END_DECLS

#endif
