/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * notify.h - tell systemd what the daemon is doing (Type=notify).
 */
#ifndef HERMOD_CORE_NOTIFY_H
#define HERMOD_CORE_NOTIFY_H

#include <glib.h>

G_BEGIN_DECLS

/* Send state (newline-separated "KEY=VALUE" lines, e.g. "READY=1") to
 * $NOTIFY_SOCKET as one datagram, as sd_notify(3) does.  Without
 * $NOTIFY_SOCKET (not started by systemd) it does nothing and returns
 * FALSE; a failure to send is returned as FALSE too, and is never fatal:
 * systemd then times the start out by itself.  Main thread. */
gboolean hermod_notify(const char *state);
/* "RELOADING=1" with MONOTONIC_USEC, as systemd asks of a reload. */
gboolean hermod_notify_reloading(void);

G_END_DECLS

#endif
