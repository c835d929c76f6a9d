/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * message.c - a message in transit and the core's one submission path.
 *
 * A HermodMessage gathers raw bytes (up to a limit), the envelope and who
 * authenticated.  hermod_message_submit() expands every recipient through
 * the directory (aliases may fan out to local accounts and remote
 * addresses; duplicates are dropped), stores a copy with Return-Path into
 * each local account's INBOX and queues the remote rest, all durably, then
 * logs one summary line.  It does not speak SMTP and does not retry: the
 * queue (queue.c) does that.
 *
 * Partial failure: an over-quota account is refused with
 * HERMOD_SUBMIT_ERROR_QUOTA while nothing is durable yet; once another copy
 * was stored, the over-quota recipient gets a failure report instead (a
 * retry by the client would duplicate the other copies).  Other store or
 * queue errors give HERMOD_SUBMIT_ERROR_TEMP: a duplicate on retry is
 * better than a loss.
 */
#include "autoconfig.h"

#include <string.h>

#include "directory/directory.h"
#include "lib/stats.h"
#include "mailflow/delivery-watch.h"
#include "mailflow/dsn.h"
#include "lib/log.h"
#include "mailflow/message.h"
#include "mailflow/queue.h"
#include "mailflow/vacation.h"
#include "store/store.h"

struct HermodMessage {
    char *session;
    GByteArray *data;
    gsize limit;  /* 0: none */
    gsize total;  /* bytes offered, kept or not */
    char *sender; /* "" is the null sender */
    char *envid;
    GPtrArray *rcpts; /* HermodQueueRcpt* as given */
    guint flags;
    char *auth;
};

/* One submission's expansion and its outcome. */
typedef struct {
    HermodMessage *msg;
    GPtrArray *local;      /* HermodQueueRcpt*: account, notify, orcpt */
    GPtrArray *remote;     /* HermodQueueRcpt* */
    GHashTable *seen;      /* lower-case address -> TRUE */
    GPtrArray *delivered;  /* HermodDsnRcpt* for NOTIFY=SUCCESS */
    GPtrArray *over_quota; /* HermodDsnRcpt* */
    guint n_stored;
} Submission;

static void
rcpt_free(HermodQueueRcpt *r)
{
    g_free(r->address);
    g_free(r->orcpt);
    g_free(r);
}

static HermodQueueRcpt *
rcpt_new(const char *address, guint notify, const char *orcpt)
{
    HermodQueueRcpt *r = g_new0(HermodQueueRcpt, 1);

    r->address = g_strdup(address);
    r->notify = notify;
    r->orcpt = g_strdup(orcpt);
    return r;
}

HermodMessage *
hermod_message_new(const char *session)
{
    HermodMessage *msg = g_new0(HermodMessage, 1);

    msg->session = g_strdup(session);
    msg->data = g_byte_array_new();
    msg->sender = g_strdup("");
    msg->rcpts = g_ptr_array_new_with_free_func((GDestroyNotify)rcpt_free);
    return msg;
}

gboolean
hermod_message_append(HermodMessage *msg, const void *data, gsize len)
{
    msg->total += len;
    if (msg->limit > 0 && msg->total > msg->limit)
        return FALSE;
    g_byte_array_append(msg->data, data, (guint)len);
    return TRUE;
}

void
hermod_message_set_limit(HermodMessage *msg, gsize max_size)
{
    msg->limit = max_size;
}

gsize
hermod_message_size(HermodMessage *msg)
{
    return msg->total;
}

void
hermod_message_set_sender(HermodMessage *msg, const char *sender, const char *envid)
{
    g_free(msg->sender);
    g_free(msg->envid);
    msg->sender = g_strdup(sender != NULL ? sender : "");
    msg->envid = g_strdup(envid);
}

void
hermod_message_add_recipient(HermodMessage *msg, const char *rcpt, guint notify, const char *orcpt)
{
    g_ptr_array_add(msg->rcpts, rcpt_new(rcpt, notify, orcpt));
}

void
hermod_message_set_flags(HermodMessage *msg, guint flags)
{
    msg->flags = flags;
}

void
hermod_message_set_auth(HermodMessage *msg, const char *account)
{
    g_free(msg->auth);
    msg->auth = g_strdup(account);
}

void
hermod_message_free(HermodMessage *msg)
{
    if (msg == NULL)
        return;
    g_free(msg->session);
    g_byte_array_unref(msg->data);
    g_free(msg->sender);
    g_free(msg->envid);
    g_ptr_array_unref(msg->rcpts);
    g_free(msg->auth);
    g_free(msg);
}

/* Add address to list unless this submission already has it. */
static void
add_unique(Submission *s, GPtrArray *list, const char *address, const HermodQueueRcpt *from)
{
    char *key = g_utf8_strdown(address, -1);

    if (!g_hash_table_add(s->seen, key))
        return;
    /* An expanded alias keeps the address the sender used as ORCPT. */
    g_autofree char *orcpt = from->orcpt != NULL || strcmp(address, from->address) == 0
                                 ? g_strdup(from->orcpt)
                                 : g_strdup_printf("rfc822;%s", from->address);
    g_ptr_array_add(list, rcpt_new(address, from->notify, orcpt));
}

/* Each recipient's addresses into s->local and s->remote: a local one
 * fans out to the accounts (and remote addresses) it resolves to, all in
 * one directory lookup per recipient. */
static gboolean
expand(Submission *s, GError **error)
{
    for (guint i = 0; i < s->msg->rcpts->len; i++) {
        const HermodQueueRcpt *r = g_ptr_array_index(s->msg->rcpts, i);
        g_autoptr(GError) err = NULL;
        g_autoptr(GPtrArray) targets = NULL;
        HermodAddrKind kind = HERMOD_ADDR_UNKNOWN;
        if (!hermod_directory_expand(r->address, &kind, &targets, &err)) {
            g_set_error(error, HERMOD_SUBMIT_ERROR, HERMOD_SUBMIT_ERROR_TEMP,
                        "cannot look up <%s>: %s", r->address, err->message);
            return FALSE;
        }
        if (kind == HERMOD_ADDR_REMOTE) {
            add_unique(s, s->remote, r->address, r);
            continue;
        }
        if (kind != HERMOD_ADDR_LOCAL) {
            g_set_error(error, HERMOD_SUBMIT_ERROR, HERMOD_SUBMIT_ERROR_REJECTED,
                        "no such recipient <%s>", r->address);
            return FALSE;
        }
        for (guint j = 0; j < targets->len; j++) {
            const HermodDirectoryTarget *t = g_ptr_array_index(targets, j);
            if (t->kind == HERMOD_ADDR_LOCAL)
                add_unique(s, s->local, t->address, r);
            else if (t->kind == HERMOD_ADDR_REMOTE)
                add_unique(s, s->remote, t->address, r);
            else
                hermod_log(HERMOD_LOG_WARNING, s->msg->session,
                           "alias target <%s> of <%s> does not exist; skipped", t->address,
                           r->address);
        }
    }
    return TRUE;
}

static HermodDsnRcpt *
dsn_rcpt_new(const HermodQueueRcpt *r, HermodDsnAction action, const char *status,
             const char *diagnostic)
{
    HermodDsnRcpt *d = g_new0(HermodDsnRcpt, 1);

    d->address = r->address;
    d->orcpt = r->orcpt;
    d->action = action;
    d->status = status;
    d->diagnostic = diagnostic;
    return d;
}

static HermodDeliveredHook delivered_hook;

void
hermod_message_set_delivered_hook(HermodDeliveredHook hook)
{
    g_atomic_pointer_set(&delivered_hook, hook);
}

static gboolean
store_one(Submission *s, const HermodQueueRcpt *r, GBytes *data, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodStore) store = hermod_store_open(r->address, &err);

    if (store != NULL && hermod_store_append(store, "INBOX", data, 0, 0, NULL, &err)) {
        HermodDeliveredHook hook = g_atomic_pointer_get(&delivered_hook);
        s->n_stored++;
        hermod_stats_add("hermod_messages_delivered_total", "local", 1);
        if (hook != NULL)
            hook(r->address, data);
        hermod_delivery_watch_notify(r->address, s->msg->sender, data);
        if (r->notify & HERMOD_NOTIFY_SUCCESS)
            g_ptr_array_add(s->delivered, dsn_rcpt_new(r, HERMOD_DSN_DELIVERED, "2.0.0", NULL));
        hermod_vacation_after_delivery(s->msg->session, r->address, s->msg->sender, data);
        return TRUE;
    }
    if (g_error_matches(err, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA)) {
        if (s->n_stored == 0) {
            g_set_error(error, HERMOD_SUBMIT_ERROR, HERMOD_SUBMIT_ERROR_QUOTA, "<%s> is over quota",
                        r->address);
            return FALSE;
        }
        if (!(r->notify & HERMOD_NOTIFY_NEVER))
            g_ptr_array_add(s->over_quota,
                            dsn_rcpt_new(r, HERMOD_DSN_FAILED, "5.2.2", "mailbox full"));
        hermod_log(HERMOD_LOG_NOTICE, s->msg->session, "<%s> is over quota", r->address);
        return TRUE;
    }
    g_set_error(error, HERMOD_SUBMIT_ERROR, HERMOD_SUBMIT_ERROR_TEMP, "cannot store for <%s>: %s",
                r->address, err->message);
    return FALSE;
}

/* The local copy is the content with Return-Path in front.  It is put in
 * front of the content in place (the buffer usually has the room, so a
 * 50 MB message is not held twice) and taken off again afterwards, for
 * the queue and the reports; g_bytes_unref_to_array copies only if the
 * store kept a reference. */
static gboolean
store_local(Submission *s, GError **error)
{
    if (s->local->len == 0)
        return TRUE;
    g_autofree char *rp = g_strdup_printf("Return-Path: <%s>\r\n", s->msg->sender);
    guint rp_len = (guint)strlen(rp);
    gboolean ok = TRUE;

    g_byte_array_prepend(s->msg->data, (const guint8 *)rp, rp_len);
    GBytes *data = g_byte_array_free_to_bytes(s->msg->data);
    for (guint i = 0; ok && i < s->local->len; i++)
        ok = store_one(s, g_ptr_array_index(s->local, i), data, error);
    s->msg->data = g_bytes_unref_to_array(data);
    g_byte_array_remove_range(s->msg->data, 0, rp_len);
    return ok;
}

/* [core] hostname of the config in force, else the machine's name; and
 * whether a report may return the whole message ([queue]
 * bounce_size_limit, 1M without a config). */
static char *
reporting_host(gsize size, gboolean *out_is_too_big)
{
    g_autoptr(HermodConfig) cfg = hermod_config_get_current();
    const char *host = cfg != NULL ? hermod_config_string(cfg, "core", "hostname") : NULL;
    gint64 limit = cfg != NULL ? hermod_config_int(cfg, "queue", "bounce_size_limit") : 1 << 20;

    *out_is_too_big = (gint64)size > limit;
    return g_strdup(host != NULL && *host != '\0' ? host : g_get_host_name());
}

/* Reports for local outcomes: NOTIFY=SUCCESS, over quota after acceptance. */
static void
report_local(Submission *s, GPtrArray *list)
{
    g_autofree char *host = NULL;
    g_autoptr(GBytes) data = NULL;
    g_autoptr(GError) err = NULL;

    if (list->len == 0 || *s->msg->sender == '\0')
        return;
    gboolean is_too_big;
    host = reporting_host(s->msg->data->len, &is_too_big);
    data = g_bytes_new(s->msg->data->data, s->msg->data->len);
    g_autoptr(GArray) rcpts = g_array_new(FALSE, FALSE, sizeof(HermodDsnRcpt));
    for (guint i = 0; i < list->len; i++)
        g_array_append_vals(rcpts, g_ptr_array_index(list, i), 1);
    HermodDsnReport report = {
        .reporting_mta = host,
        .sender = s->msg->sender,
        .envid = s->msg->envid,
        .arrival = g_get_real_time() / G_USEC_PER_SEC,
        .is_headers_only = (s->msg->flags & HERMOD_MSG_RET_HDRS) != 0 || is_too_big,
        .original = data,
        .rcpts = (const HermodDsnRcpt *)(void *)rcpts->data,
        .n_rcpts = rcpts->len,
    };
    if (!hermod_dsn_send(&report, s->msg->session, &err))
        hermod_log(HERMOD_LOG_WARNING, s->msg->session, "cannot send report to <%s>: %s",
                   s->msg->sender, err->message);
}

static char *
join_rcpts(HermodMessage *msg)
{
    g_autoptr(GString) s = g_string_new(NULL);

    for (guint i = 0; i < msg->rcpts->len; i++) {
        const HermodQueueRcpt *r = g_ptr_array_index(msg->rcpts, i);
        g_string_append_printf(s, "%s<%s>", i > 0 ? "," : "", r->address);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
log_summary(Submission *s, const char *id, const GError *error)
{
    g_autofree char *to = join_rcpts(s->msg);

    hermod_log(error == NULL ? HERMOD_LOG_INFO : HERMOD_LOG_NOTICE, s->msg->session,
               "id=%s from=<%s> to=%s size=%" G_GSIZE_FORMAT "%s%s local=%u queued=%u result=%s%s",
               id, s->msg->sender, to, s->msg->total, s->msg->auth != NULL ? " auth=" : "",
               s->msg->auth != NULL ? s->msg->auth : "", s->n_stored,
               s->remote != NULL ? s->remote->len : 0,
               error == NULL ? "ok" : "failed: ", error == NULL ? "" : error->message);
}

static gboolean
check_message(HermodMessage *msg, GError **error)
{
    if (msg->limit > 0 && msg->total > msg->limit) {
        g_set_error(error, HERMOD_SUBMIT_ERROR, HERMOD_SUBMIT_ERROR_TOO_BIG,
                    "message is larger than %" G_GSIZE_FORMAT " bytes", msg->limit);
        return FALSE;
    }
    if (msg->rcpts->len == 0) {
        g_set_error(error, HERMOD_SUBMIT_ERROR, HERMOD_SUBMIT_ERROR_REJECTED, "no recipients");
        return FALSE;
    }
    return TRUE;
}

static gboolean
enqueue_remote(Submission *s, char **out_id, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GBytes) data = NULL;

    if (s->remote->len == 0)
        return TRUE;
    data = g_bytes_new(s->msg->data->data, s->msg->data->len);
    if (hermod_queue_enqueue(s->msg->session, s->msg->sender, s->msg->envid, s->msg->flags,
                             s->remote, data, out_id, &err))
        return TRUE;
    g_set_error(error, HERMOD_SUBMIT_ERROR, HERMOD_SUBMIT_ERROR_TEMP, "cannot queue: %s",
                err->message);
    return FALSE;
}

static gboolean
submit(Submission *s, char **out_id, GError **error)
{
    if (!check_message(s->msg, error) || !expand(s, error))
        return FALSE;
    if (!store_local(s, error) || !enqueue_remote(s, out_id, error))
        return FALSE;
    report_local(s, s->delivered);
    report_local(s, s->over_quota);
    return TRUE;
}

gboolean
hermod_message_submit(HermodMessage *msg, char **out_id, GError **error)
{
    Submission s = {
        .msg = msg,
        .local = g_ptr_array_new_with_free_func((GDestroyNotify)rcpt_free),
        .remote = g_ptr_array_new_with_free_func((GDestroyNotify)rcpt_free),
        .seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL),
        .delivered = g_ptr_array_new_with_free_func(g_free),
        .over_quota = g_ptr_array_new_with_free_func(g_free),
    };
    char *id = NULL;
    GError *err = NULL;
    gboolean ok = submit(&s, &id, &err);

    if (id == NULL)
        id = hermod_log_session_new();
    log_summary(&s, id, err);
    if (ok)
        hermod_stats_add("hermod_messages_accepted_total", NULL, 1);
    if (!ok)
        g_propagate_error(error, err);
    if (ok && out_id != NULL)
        *out_id = g_steal_pointer(&id);
    g_free(id);
    g_ptr_array_unref(s.local);
    g_ptr_array_unref(s.remote);
    g_hash_table_unref(s.seen);
    g_ptr_array_unref(s.delivered);
    g_ptr_array_unref(s.over_quota);
    return ok;
}
