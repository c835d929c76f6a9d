/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conntrack.h - the table of live connections: the [limits] caps checked
 * at accept, and the set hermod_conns_drain walks at shutdown.
 *
 * Threads: any (one mutex).
 */
#ifndef HERMOD_CORE_CONNTRACK_H
#define HERMOD_CORE_CONNTRACK_H

#include <glib.h>
#include <hermod/protocol.h>

G_BEGIN_DECLS

/* Set the caps; 0 means no cap.  Main thread, at bind. */
void hermod_conntrack_set_caps(guint max_total, guint max_per_ip);
/* At accept: count a connection from ip, or FALSE (nothing counted) when
 * that would pass a cap; out_why then names the cap (transfer none). */
gboolean hermod_conntrack_admit(const char *ip, const char **out_why);
/* Undo an admit whose connection was never created. */
void hermod_conntrack_release(const char *ip);
/* The connection exists (its loop thread); counted by an earlier admit. */
void hermod_conntrack_add(HermodConn *conn);
/* The connection closed (its loop thread); releases its admit. */
void hermod_conntrack_remove(HermodConn *conn);
/* Live connections now. */
guint hermod_conntrack_count(void);

G_END_DECLS

#endif
