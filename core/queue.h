/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue.h - the durable outbound queue.
 *
 * Queued messages live in data_dir/queue/ as one file per message plus its
 * envelope, written tmp -> fsync -> rename -> fsync(dir).  A scheduler on
 * its own thread delivers them: [routes] static routes, [queue] smarthost,
 * else MX lookup (GResolver) with A/AAAA fallback; opportunistic STARTTLS;
 * retries with back-off; a delay notice and a failure DSN (RFC 3464) to the
 * sender; null-sender messages never bounce.
 */
#ifndef HERMOD_CORE_QUEUE_H
#define HERMOD_CORE_QUEUE_H

#include <glib.h>
#include "config.h"

G_BEGIN_DECLS

#define HERMOD_QUEUE_ERROR (hermod_queue_error_quark())
GQuark hermod_queue_error_quark(void);

extern const HermodSetting hermod_queue_settings[];

typedef struct {
    char *address;
    guint notify;  /* HermodNotify */
    char *orcpt;   /* nullable */
} HermodQueueRcpt;

/* Open data_dir/queue and load what is queued. */
gboolean hermod_queue_open(HermodConfig *cfg, GError **error);
/* Start/stop the delivery thread. */
gboolean hermod_queue_start(GError **error);
void hermod_queue_stop(void);
/* Durably queue data for rcpts (element HermodQueueRcpt).  Blocking.
 * *out_id gets the queue id (transfer full). */
gboolean hermod_queue_enqueue(const char *session, const char *sender, const char *envid,
                              guint msg_flags, GPtrArray *rcpts, GBytes *data,
                              char **out_id, GError **error);

G_END_DECLS

#endif
