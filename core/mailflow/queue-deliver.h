/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue-deliver.h - one delivery attempt of a queued message, and what
 * follows from it (retry schedule, expiry, delivery status reports).
 *
 * Used by the queue's delivery threads only; blocking.
 */
#ifndef HERMOD_CORE_QUEUE_DELIVER_H
#define HERMOD_CORE_QUEUE_DELIVER_H

#include <gio/gio.h>
#include "config/config.h"
#include "mailflow/queue-file.h"

G_BEGIN_DECLS

/* Try every pending recipient of entry once, a connection per domain (all
 * of that domain's recipients in one transaction).  Counts the attempt and
 * sets each recipient's status, dsn_status, diagnostic and remote_mta; 5xx
 * fails a recipient, 4xx and connection trouble leave it queued. */
void hermod_queue_attempt(HermodConfig *cfg, HermodQueueEntry *entry, GBytes *data);
/* Cancelled by hermod_queue_stop(): attempts under way end at once and
 * their recipients stay queued.  (transfer none) */
GCancellable *hermod_queue_cancellable(void);
/* After an attempt: expire recipients past [queue] max_age,
 * schedule the next attempt (retry_min doubling up to retry_max), send the
 * failure, delay and success reports that are due.  TRUE when nothing is
 * pending any more (the entry can go). */
gboolean hermod_queue_settle(HermodConfig *cfg, HermodQueueEntry *entry, GBytes *data);

G_END_DECLS

#endif
