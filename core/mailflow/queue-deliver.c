/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue-deliver.c - one delivery attempt of a queued message.
 *
 * Groups the pending recipients by domain, asks queue-route.c for the next
 * hops and runs one SMTP transaction per domain through smtp-client.c:
 * EHLO with [core] hostname, opportunistic STARTTLS (a failed handshake is
 * retried once in plain text, as Postfix does), MAIL with SIZE, BODY,
 * SMTPUTF8 and the DSN parameters when the peer announced them, one RCPT per
 * recipient, DATA.  It records what each reply means for each recipient;
 * retry timing and reports are queue-settle.c's job.
 *
 * Choices: an 8-bit message goes as is to a peer without 8BITMIME (as
 * Postfix does; converting to quoted-printable would break signatures);
 * an SMTPUTF8 message fails (5.6.7) only when an address really needs it;
 * a message larger than the peer's SIZE fails (5.3.4); 4xx on RCPT does not
 * move on to the next MX host, only a failed connection or greeting does.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <hermod/api.h>

#include "lib/log.h"
#include "mailflow/queue-deliver.h"
#include "mailflow/queue-route.h"
#include "mailflow/queue.h"
#include "mailflow/smtp-client.h"

typedef struct {
    HermodConfig *cfg;
    HermodQueueEntry *entry;
    GBytes *data;
    const char *helo;
    guint timeout;
    GPtrArray *group; /* HermodQueueRcptState* of one domain, still queued */
    const char *host; /* the hop being tried, for Remote-MTA */
} Attempt;

/* "5.1.1" at the start of text, matching the reply's class; else NULL. */
static char *
enhanced_status(int code, const char *text)
{
    guint a, b, c;
    int used = 0;

    if (text != NULL && sscanf(text, "%1u.%3u.%3u%n", &a, &b, &c, &used) == 3 &&
        (text[used] == '\0' || text[used] == ' ') && (int)a == code / 100)
        return g_strndup(text, (gsize)used);
    return g_strdup_printf("%d.0.0", code / 100);
}

static void
set_outcome(HermodQueueRcptState *r, HermodRcptStatus status, char *dsn_status, char *diag,
            const char *host)
{
    r->status = status;
    g_free(r->dsn_status);
    r->dsn_status = dsn_status;
    g_free(r->diagnostic);
    r->diagnostic = diag;
    g_free(r->remote_mta);
    r->remote_mta = g_strdup(host);
}

/* A reply decides r's fate: 2xx delivered, 5xx failed, else queued. */
static void
apply_reply(Attempt *a, HermodQueueRcptState *r, const HermodSmtpReply *reply)
{
    HermodRcptStatus status = reply->code >= 500   ? HERMOD_RCPT_FAILED
                              : reply->code >= 400 ? HERMOD_RCPT_QUEUED
                              : reply->code >= 200 ? HERMOD_RCPT_DELIVERED
                                                   : HERMOD_RCPT_QUEUED;

    set_outcome(r, status, enhanced_status(reply->code, reply->text),
                g_strdup_printf("smtp; %d %s", reply->code, reply->text), a->host);
}

/* Our own verdict for every recipient of the group still queued. */
static void
apply_all(Attempt *a, HermodRcptStatus status, const char *dsn_status, const char *diag)
{
    for (guint i = 0; i < a->group->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(a->group, i);
        if (r->status == HERMOD_RCPT_QUEUED)
            set_outcome(r, status, g_strdup(dsn_status), g_strdup(diag), a->host);
    }
}

static void
apply_reply_all(Attempt *a, GPtrArray *rcpts, const HermodSmtpReply *reply)
{
    for (guint i = 0; i < rcpts->len; i++)
        apply_reply(a, g_ptr_array_index(rcpts, i), reply);
}

/* RFC 3461 xtext: '+', '=' and anything outside '!'..'~' as "+HH". */
static void
append_xtext(GString *s, const char *text)
{
    for (const guchar *p = (const guchar *)text; *p != '\0'; p++) {
        if (*p < '!' || *p > '~' || *p == '+' || *p == '=')
            g_string_append_printf(s, "+%02X", *p);
        else
            g_string_append_c(s, (char)*p);
    }
}

static gboolean
is_ascii(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((guchar)*s >= 0x80)
            return FALSE;
    }
    return TRUE;
}

static char *
mail_command(Attempt *a, guint ext)
{
    HermodQueueEntry *e = a->entry;
    GString *s = g_string_new(NULL);

    g_string_printf(s, "MAIL FROM:<%s>", e->sender);
    if (ext & HERMOD_SMTP_EXT_SIZE)
        g_string_append_printf(s, " SIZE=%" G_GSIZE_FORMAT, g_bytes_get_size(a->data));
    if ((e->flags & HERMOD_MSG_8BITMIME) && (ext & HERMOD_SMTP_EXT_8BITMIME))
        g_string_append(s, " BODY=8BITMIME");
    if ((e->flags & HERMOD_MSG_SMTPUTF8) && (ext & HERMOD_SMTP_EXT_SMTPUTF8))
        g_string_append(s, " SMTPUTF8");
    if (ext & HERMOD_SMTP_EXT_DSN) {
        if (e->flags & HERMOD_MSG_RET_HDRS)
            g_string_append(s, " RET=HDRS");
        if (e->envid != NULL) {
            g_string_append(s, " ENVID=");
            append_xtext(s, e->envid);
        }
    }
    return g_string_free(s, FALSE);
}

static void
append_notify(GString *s, guint notify)
{
    static const struct {
        guint bit;
        const char *name;
    } names[] = {{HERMOD_NOTIFY_SUCCESS, "SUCCESS"},
                 {HERMOD_NOTIFY_FAILURE, "FAILURE"},
                 {HERMOD_NOTIFY_DELAY, "DELAY"}};
    const char *sep = " NOTIFY=";

    if (notify & HERMOD_NOTIFY_NEVER) {
        g_string_append(s, " NOTIFY=NEVER");
        return;
    }
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        if (notify & names[i].bit) {
            g_string_append_printf(s, "%s%s", sep, names[i].name);
            sep = ",";
        }
    }
}

static char *
rcpt_command(const HermodQueueRcptState *r, guint ext)
{
    GString *s = g_string_new(NULL);

    g_string_printf(s, "RCPT TO:<%s>", r->address);
    if (!(ext & HERMOD_SMTP_EXT_DSN))
        return g_string_free(s, FALSE);
    append_notify(s, r->notify);
    const char *semi = r->orcpt != NULL ? strchr(r->orcpt, ';') : NULL;
    if (semi != NULL) {
        g_string_append_printf(s, " ORCPT=%.*s;", (int)(semi - r->orcpt), r->orcpt);
        append_xtext(s, semi + 1);
    }
    return g_string_free(s, FALSE);
}

/* A reason not to start the transaction with this peer at all. */
static gboolean
refuse_early(Attempt *a, HermodSmtpClient *c)
{
    guint64 max = hermod_smtp_client_max_size(c);
    guint ext = hermod_smtp_client_extensions(c);
    gsize size = g_bytes_get_size(a->data);

    if (max > 0 && size > max) {
        g_autofree char *diag = g_strdup_printf("message size %" G_GSIZE_FORMAT
                                                " exceeds the limit %" G_GUINT64_FORMAT " of %s",
                                                size, max, a->host);
        apply_all(a, HERMOD_RCPT_FAILED, "5.3.4", diag);
        return TRUE;
    }
    if ((a->entry->flags & HERMOD_MSG_SMTPUTF8) && !(ext & HERMOD_SMTP_EXT_SMTPUTF8)) {
        gboolean needs = !is_ascii(a->entry->sender);
        for (guint i = 0; i < a->group->len; i++)
            needs = needs || !is_ascii(((HermodQueueRcptState *)a->group->pdata[i])->address);
        if (needs) {
            apply_all(a, HERMOD_RCPT_FAILED, "5.6.7", "the peer does not support SMTPUTF8");
            return TRUE;
        }
    }
    return FALSE;
}

/* RCPT for every recipient; the accepted ones go to accepted. */
static gboolean
send_rcpts(Attempt *a, HermodSmtpClient *c, GPtrArray *accepted, GError **error)
{
    guint ext = hermod_smtp_client_extensions(c);

    for (guint i = 0; i < a->group->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(a->group, i);
        g_autofree char *cmd = rcpt_command(r, ext);
        HermodSmtpReply reply = {0};
        if (!hermod_smtp_client_command(c, cmd, &reply, error))
            return FALSE;
        if (reply.code >= 200 && reply.code < 300)
            g_ptr_array_add(accepted, r);
        else
            apply_reply(a, r, &reply);
        hermod_smtp_reply_clear(&reply);
    }
    return TRUE;
}

/* MAIL, RCPTs, DATA.  FALSE on a broken connection (error set). */
static gboolean
transaction(Attempt *a, HermodSmtpClient *c, GError **error)
{
    g_autofree char *mail = mail_command(a, hermod_smtp_client_extensions(c));
    g_autoptr(GPtrArray) accepted = g_ptr_array_new();
    HermodSmtpReply reply = {0};

    if (refuse_early(a, c))
        return TRUE;
    if (!hermod_smtp_client_command(c, mail, &reply, error))
        return FALSE;
    if (reply.code < 200 || reply.code >= 300) {
        apply_reply_all(a, a->group, &reply);
        hermod_smtp_reply_clear(&reply);
        return TRUE;
    }
    hermod_smtp_reply_clear(&reply);
    if (!send_rcpts(a, c, accepted, error))
        return FALSE;
    if (accepted->len == 0)
        return TRUE;
    if (!hermod_smtp_client_data(c, a->data, &reply, error))
        return FALSE;
    apply_reply_all(a, accepted, &reply);
    gboolean is_relayed = !(hermod_smtp_client_extensions(c) & HERMOD_SMTP_EXT_DSN);
    for (guint i = 0; i < accepted->len; i++)
        ((HermodQueueRcptState *)accepted->pdata[i])->is_relayed = is_relayed;
    hermod_smtp_reply_clear(&reply);
    return TRUE;
}

/* Connect, greet, STARTTLS if offered and is_tls_ok.  NULL on failure. */
static HermodSmtpClient *
open_session(Attempt *a, const HermodRouteHop *hop, gboolean is_tls_ok, GError **error)
{
    HermodSmtpClient *c = hermod_smtp_client_connect(hop->host, hop->port, a->timeout,
                                                     hermod_queue_cancellable(), error);

    if (c == NULL)
        return NULL;
    if (!hermod_smtp_client_hello(c, a->helo, error)) {
        hermod_smtp_client_close(c);
        return NULL;
    }
    if (is_tls_ok && (hermod_smtp_client_extensions(c) & HERMOD_SMTP_EXT_STARTTLS) &&
        !hermod_smtp_client_starttls(c, hop->host, a->helo, error)) {
        hermod_smtp_client_close(c);
        return NULL;
    }
    return c;
}

/* One hop.  FALSE when no session could be had (try the next hop). */
static gboolean
try_hop(Attempt *a, const HermodRouteHop *hop, GError **error)
{
    g_autoptr(GError) err = NULL;
    HermodSmtpClient *c = open_session(a, hop, TRUE, &err);

    a->host = hop->host;
    if (c == NULL && g_error_matches(err, HERMOD_SMTP_CLIENT_ERROR, HERMOD_SMTP_CLIENT_ERROR_TLS)) {
        hermod_log(HERMOD_LOG_NOTICE, a->entry->session, "id=%s %s; retrying without TLS",
                   a->entry->id, err->message);
        g_clear_error(&err);
        c = open_session(a, hop, FALSE, &err);
    }
    if (c == NULL) {
        g_propagate_error(error, g_steal_pointer(&err));
        return FALSE;
    }
    if (hermod_smtp_client_tls_info(c) != NULL)
        hermod_log(HERMOD_LOG_INFO, a->entry->session, "id=%s TLS with %s port %u: %s",
                   a->entry->id, hop->host, hop->port, hermod_smtp_client_tls_info(c));
    if (!transaction(a, c, &err)) {
        g_autofree char *diag = g_strdup_printf("lost connection: %s", err->message);
        apply_all(a, HERMOD_RCPT_QUEUED, "4.4.2", diag);
    }
    hermod_smtp_client_close(c);
    return TRUE;
}

static void
attempt_domain(Attempt *a, const char *domain)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) hops = hermod_queue_route(a->cfg, domain, &err);

    a->host = NULL;
    if (hops == NULL) {
        gboolean is_perm =
            g_error_matches(err, HERMOD_QUEUE_ERROR, HERMOD_QUEUE_ERROR_ROUTE_PERMANENT);
        apply_all(a, is_perm ? HERMOD_RCPT_FAILED : HERMOD_RCPT_QUEUED, is_perm ? "5.1.2" : "4.4.3",
                  err->message);
        return;
    }
    for (guint i = 0; i < hops->len; i++) {
        g_clear_error(&err);
        if (try_hop(a, g_ptr_array_index(hops, i), &err))
            return;
    }
    a->host = NULL; /* no peer answered: no Remote-MTA */
    apply_all(a, HERMOD_RCPT_QUEUED, "4.4.1", err->message);
}

static const char *
domain_of(const char *address)
{
    const char *at = strrchr(address, '@');

    return at != NULL ? at + 1 : "";
}

void
hermod_queue_attempt(HermodConfig *cfg, HermodQueueEntry *entry, GBytes *data)
{
    g_autoptr(GHashTable) domains =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    Attempt a = {.cfg = cfg, .entry = entry, .data = data};

    a.helo = hermod_config_string(cfg, "core", "hostname");
    a.timeout = (guint)hermod_config_int(cfg, "queue", "timeout");
    for (guint i = 0; i < entry->rcpts->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(entry->rcpts, i);
        if (r->status != HERMOD_RCPT_QUEUED)
            continue;
        r->attempts++;
        char *domain = g_ascii_strdown(domain_of(r->address), -1);
        GPtrArray *group = g_hash_table_lookup(domains, domain);
        if (group == NULL) {
            group = g_ptr_array_new();
            g_hash_table_insert(domains, g_strdup(domain), group);
        }
        g_ptr_array_add(group, r);
        g_free(domain);
    }
    GHashTableIter iter;
    gpointer key, value;
    g_hash_table_iter_init(&iter, domains);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        a.group = value;
        attempt_domain(&a, key);
    }
}
