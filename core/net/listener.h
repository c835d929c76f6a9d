/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * listener.h - listening sockets from [listener NAME] sections.
 *
 * Listeners are bound before privileges are dropped (ports < 1024) and
 * before modules are loaded; a listener starts accepting only once the
 * module that registered its protocol is ready.  Accepting enforces the
 * [limits] connection caps (total and per IP), picks a loop and creates the
 * connection.
 *
 * Threads: the main thread only.  hermod_listeners_start, _stop and
 * hermod_conns_drain wait on the loop threads, so the loops must be running
 * (stop order: listeners, drain, work pool, loops).
 */
#ifndef HERMOD_CORE_LISTENER_H
#define HERMOD_CORE_LISTENER_H

#include <glib.h>
#include <hermod/protocol.h>
#include "config/config.h"

G_BEGIN_DECLS

/* The settings tables of [limits] and [listener NAME] (net-settings.c). */
extern const HermodSetting hermod_limits_settings[];
extern const HermodSetting hermod_listener_settings[];

/* Bind every [listener NAME] of cfg.  Called as root if need be. */
gboolean hermod_listeners_bind(HermodConfig *cfg, GError **error);
/* Attach a protocol to every listener with protocol = name.  Returns the
 * number of listeners attached. */
guint hermod_listeners_attach(const char *name, const HermodProtocol *proto);
/* Fail (naming the listener) if a listener's protocol was never registered. */
gboolean hermod_listeners_check_attached(GError **error);
/* Start accepting on the loops. */
gboolean hermod_listeners_start(GError **error);
/* Stop accepting; existing connections go on. */
void hermod_listeners_stop(void);
/* Tell every connection the daemon is stopping (on_shutdown), wait up to
 * drain_seconds for them to close, then close the rest. */
void hermod_conns_drain(guint drain_seconds);
/* The actual port of a listener (for port = 0 in tests); 0 if unknown. */
guint16 hermod_listener_port(const char *name);

/* One bound socket of a listener that another server takes over (the web
 * server takes every listener with protocol = http). */
typedef struct {
    const char *listener; /* its name; transfer none, lives until exit */
    const char *role;     /* transfer none, lives until exit */
    const char *endpoint; /* "127.0.0.1:8080", "[::1]:8080"; transfer none */
    gboolean is_implicit_tls;
    guint16 port;
    int fd; /* transfer full: the taker closes it */
} HermodListenSocket;

/* Take the sockets of every bound listener whose protocol is protocol:
 * they count as attached (hermod_listeners_check_attached), are never
 * accepted on here, and are the caller's to close.  Call after
 * hermod_listeners_bind, before hermod_listeners_start.  Main thread.
 * (transfer full) element HermodListenSocket; empty when there are none. */
GArray *hermod_listeners_take(const char *protocol);

G_END_DECLS

#endif
