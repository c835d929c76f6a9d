/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue-settle.c - what follows a delivery attempt: the retry schedule,
 * expiry, and the delivery status reports that are due.
 *
 * Back-off: after the n-th failed attempt a recipient waits
 * retry_min * 2^(n-1), at most retry_max.  A message older than max_age
 * fails its pending recipients (4.4.7).  Reports follow RFC 3461 NOTIFY:
 * none given means failure and delay; NEVER means none; SUCCESS gives a
 * "relayed" report when the next hop does not speak DSN (one that does
 * reports itself).  One delay report per message, once it is older than
 * delay_notice.  Null-sender messages never get a report (dsn.c).
 */
#include "autoconfig.h"

#include <hermod/api.h>

#include "mailflow/dsn.h"
#include "lib/log.h"
#include "mailflow/queue-deliver.h"

typedef struct {
    HermodQueueEntry *entry;
    GArray *failed;  /* HermodDsnRcpt */
    GArray *success; /* HermodDsnRcpt */
    GArray *delayed; /* HermodDsnRcpt */
} Reports;

static gboolean
wants(guint notify, guint bit)
{
    if (notify & HERMOD_NOTIFY_NEVER)
        return FALSE;
    if (notify == HERMOD_NOTIFY_DEFAULT)
        return bit == HERMOD_NOTIFY_FAILURE || bit == HERMOD_NOTIFY_DELAY;
    return (notify & bit) != 0;
}

static void
add(GArray *list, const HermodQueueRcptState *r, HermodDsnAction action)
{
    HermodDsnRcpt d = {
        .address = r->address,
        .orcpt = r->orcpt,
        .action = action,
        .status = r->dsn_status,
        .diagnostic = r->diagnostic,
        .remote_mta = r->remote_mta,
    };

    g_array_append_val(list, d);
}

static void
expire(HermodQueueEntry *e)
{
    for (guint i = 0; i < e->rcpts->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(e->rcpts, i);
        if (r->status != HERMOD_RCPT_QUEUED)
            continue;
        char *diag = g_strdup_printf("delivery time expired after %u attempts; last error: %s",
                                     r->attempts, r->diagnostic != NULL ? r->diagnostic : "none");
        r->status = HERMOD_RCPT_FAILED;
        g_free(r->dsn_status);
        r->dsn_status = g_strdup("4.4.7");
        g_free(r->diagnostic);
        r->diagnostic = diag;
    }
}

static void
collect_final(Reports *rep)
{
    for (guint i = 0; i < rep->entry->rcpts->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(rep->entry->rcpts, i);
        if (r->status == HERMOD_RCPT_QUEUED || r->is_reported)
            continue;
        r->is_reported = TRUE;
        if (r->status == HERMOD_RCPT_FAILED && wants(r->notify, HERMOD_NOTIFY_FAILURE))
            add(rep->failed, r, HERMOD_DSN_FAILED);
        else if (r->status == HERMOD_RCPT_DELIVERED && r->is_relayed &&
                 wants(r->notify, HERMOD_NOTIFY_SUCCESS))
            add(rep->success, r, HERMOD_DSN_RELAYED);
    }
}

static void
collect_delayed(Reports *rep)
{
    for (guint i = 0; i < rep->entry->rcpts->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(rep->entry->rcpts, i);
        if (r->status == HERMOD_RCPT_QUEUED && wants(r->notify, HERMOD_NOTIFY_DELAY)) {
            add(rep->delayed, r, HERMOD_DSN_DELAYED);
            g_array_index(rep->delayed, HermodDsnRcpt, rep->delayed->len - 1).status =
                r->dsn_status != NULL && r->dsn_status[0] == '4' ? r->dsn_status : "4.0.0";
        }
    }
}

static void
send(HermodConfig *cfg, HermodQueueEntry *e, GBytes *data, GArray *list, gint64 retry_until)
{
    g_autoptr(GError) err = NULL;
    HermodDsnReport report = {
        .reporting_mta = hermod_config_string(cfg, "core", "hostname"),
        .sender = e->sender,
        .envid = e->envid,
        .queue_id = e->id,
        .arrival = e->created,
        .retry_until = retry_until,
        .is_headers_only =
            (e->flags & HERMOD_MSG_RET_HDRS) != 0 ||
            (gint64)g_bytes_get_size(data) > hermod_config_int(cfg, "queue", "bounce_size_limit"),
        .original = data,
        .rcpts = (const HermodDsnRcpt *)(void *)list->data,
        .n_rcpts = list->len,
    };

    if (list->len == 0 || *e->sender == '\0')
        return;
    if (!hermod_dsn_send(&report, e->session, &err))
        hermod_log(HERMOD_LOG_WARNING, e->session, "id=%s cannot send report to <%s>: %s", e->id,
                   e->sender, err->message);
    else
        hermod_log(HERMOD_LOG_INFO, e->session, "id=%s sent a %s report to <%s>", e->id,
                   list->len > 0 &&
                           g_array_index(list, HermodDsnRcpt, 0).action == HERMOD_DSN_FAILED
                       ? "failure"
                       : "status",
                   e->sender);
}

/* The fewest attempts of a pending recipient, or 0 when none is pending. */
static guint
count_attempt(HermodQueueEntry *e)
{
    guint fewest = 0;

    for (guint i = 0; i < e->rcpts->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(e->rcpts, i);
        if (r->status != HERMOD_RCPT_QUEUED)
            continue;
        if (fewest == 0 || r->attempts < fewest)
            fewest = r->attempts;
    }
    return fewest;
}

static gint64
backoff(HermodConfig *cfg, guint attempts)
{
    gint64 delay = hermod_config_int(cfg, "queue", "retry_min");
    gint64 max = hermod_config_int(cfg, "queue", "retry_max");

    for (guint i = 1; i < attempts && delay < max; i++)
        delay *= 2;
    return MAX(MIN(delay, max), 1);
}

gboolean
hermod_queue_settle(HermodConfig *cfg, HermodQueueEntry *e, GBytes *data)
{
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    gint64 max_age = hermod_config_int(cfg, "queue", "max_age");
    guint attempts = count_attempt(e);
    Reports rep = {
        .entry = e,
        .failed = g_array_new(FALSE, FALSE, sizeof(HermodDsnRcpt)),
        .success = g_array_new(FALSE, FALSE, sizeof(HermodDsnRcpt)),
        .delayed = g_array_new(FALSE, FALSE, sizeof(HermodDsnRcpt)),
    };

    if (attempts > 0 && now - e->created >= max_age) {
        expire(e);
        attempts = 0;
    }
    collect_final(&rep);
    if (attempts > 0) {
        /* Rounded up, so that a retry never comes sooner than its back-off. */
        e->next_attempt = now + 1 + backoff(cfg, attempts);
        if (!e->delay_notified &&
            now - e->created >= hermod_config_int(cfg, "queue", "delay_notice")) {
            e->delay_notified = TRUE;
            collect_delayed(&rep);
        }
    }
    send(cfg, e, data, rep.failed, 0);
    send(cfg, e, data, rep.success, 0);
    send(cfg, e, data, rep.delayed, e->created + max_age);
    g_array_unref(rep.failed);
    g_array_unref(rep.success);
    g_array_unref(rep.delayed);
    return attempts == 0;
}
