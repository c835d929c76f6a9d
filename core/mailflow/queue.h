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
#include "config/config.h"

G_BEGIN_DECLS

#define HERMOD_QUEUE_ERROR (hermod_queue_error_quark())
GQuark hermod_queue_error_quark(void);
typedef enum {
    HERMOD_QUEUE_ERROR_IO,              /* data_dir/queue could not be written */
    HERMOD_QUEUE_ERROR_NOT_OPEN,        /* hermod_queue_open() was not called */
    HERMOD_QUEUE_ERROR_ROUTE_TEMPORARY, /* no route now (DNS failure): retry */
    HERMOD_QUEUE_ERROR_ROUTE_PERMANENT, /* no route ever (null MX, no such domain) */
} HermodQueueError;

extern const HermodSetting hermod_queue_settings[];

typedef struct {
    char *address;
    guint notify; /* HermodNotify */
    char *orcpt;  /* nullable */
} HermodQueueRcpt;

/* Open data_dir/queue and load what is queued. */
gboolean hermod_queue_open(HermodConfig *cfg, GError **error);
/* Start/stop the delivery thread. */
gboolean hermod_queue_start(GError **error);
void hermod_queue_stop(void);
/* Durably queue data for rcpts (element HermodQueueRcpt).  Blocking.
 * *out_id gets the queue id (transfer full). */
gboolean hermod_queue_enqueue(const char *session, const char *sender, const char *envid,
                              guint msg_flags, GPtrArray *rcpts, GBytes *data, char **out_id,
                              GError **error);

/* --- appended by the queue's owner; compatible with the above --- */
/* Stop the scheduler if running and forget the queue (tests reopen). */
void hermod_queue_close(void);
/* Make every queued message due now (hermodctl queue flush, SIGUSR1).
 * Any thread. */
void hermod_queue_flush(void);
/* Messages queued now (pending deliveries); any thread. */
guint hermod_queue_length(void);
/* hermodctl queue flush asks a running daemon through this file in
 * data_dir/queue: the scheduler checks for it every second and removes it. */
#define HERMOD_QUEUE_FLUSH_FILE ".flush"

G_END_DECLS

#endif
