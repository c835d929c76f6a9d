/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * submission.c - EmailSubmission/get, /changes, /query, /set (RFC 8621
 * 7): sending an email through the core's submission function
 * (msg_submit, the path SMTP submission takes).
 *
 * The sender ownership rule is SMTP submission's: the envelope sender
 * and every From address must be addresses the account owns
 * (addr_check_owner), else forbiddenFrom.  Without an envelope the
 * identity's address sends to every To, Cc and Bcc address; Bcc is taken
 * out of the message sent.  With [jmap] send_delay > 0 a submission
 * waits that long with undoStatus "pending" (a client's "undo send":
 * update undoStatus to "canceled"), then a sender thread submits it and
 * it becomes "final".  Submissions are records in the account store
 * (kind JMAP_KIND_SUBMISSION: the submission as JSON, and while pending
 * the message, due at sendAt), so a pending one survives a restart or a
 * crash: the sender thread finds the accounts with due records at
 * start-up (record_due_accounts), sends each when due, and marks it
 * final only once the core queued it (a crash in between sends it
 * again: never lost).  A cancel and the sender's take are serialised by
 * the lock and the set of submissions being sent.
 * onSuccessUpdateEmail / onSuccessDestroyEmail run an implicit Email/set
 * after the creates, as the RFC describes.
 */
#include "autoconfig.h"

#include <string.h>

#include "email-parse.h"
#include "jmap-email.h"
#include "jmap-submit.h"
#include "jmap-util.h"

typedef struct {
    guint64 id;
    char *account;
    char *session;
    guint64 identity;
    guint64 email_id, thread_id;
    char *mail_from;
    GPtrArray *rcpts; /* char * */
    gint64 send_at;   /* seconds */
    char *undo;       /* "pending", "final", "canceled" */
    char *reply;      /* the submission's result, per RFC "smtpReply" */
} Submission;

/* A pending submission the sender waits for. */
typedef struct {
    char *account;
    guint64 id;
    gint64 send_at;
} Due;

static GMutex lock;
static GCond wake;
static GPtrArray *due;      /* Due * (owns): what the sender waits for */
static GHashTable *sending; /* "account id" being sent now */
static GThread *sender;
static gboolean stopping;
static guint64 last_id;

static void
submission_free(gpointer p)
{
    Submission *s = p;

    if (s == NULL)
        return;
    g_free(s->account);
    g_free(s->session);
    g_free(s->mail_from);
    if (s->rcpts != NULL)
        g_ptr_array_unref(s->rcpts);
    g_free(s->undo);
    g_free(s->reply);
    g_free(s);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Submission, submission_free)

static void
due_free(gpointer p)
{
    Due *d = p;

    g_free(d->account);
    g_free(d);
}

/* --- the record: the submission as JSON, a NUL, then (while pending) the
 * message to send, Bcc removed */

static GBytes *
encode(const Submission *s, GBytes *msg)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;
    GByteArray *out;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "session");
    json_builder_add_string_value(b, s->session);
    json_builder_set_member_name(b, "identity");
    json_builder_add_int_value(b, (gint64)s->identity);
    json_builder_set_member_name(b, "email");
    json_builder_add_int_value(b, (gint64)s->email_id);
    json_builder_set_member_name(b, "thread");
    json_builder_add_int_value(b, (gint64)s->thread_id);
    json_builder_set_member_name(b, "mailFrom");
    json_builder_add_string_value(b, s->mail_from);
    json_builder_set_member_name(b, "rcptTo");
    json_builder_begin_array(b);
    for (guint i = 0; i < s->rcpts->len; i++)
        json_builder_add_string_value(b, s->rcpts->pdata[i]);
    json_builder_end_array(b);
    json_builder_set_member_name(b, "sendAt");
    json_builder_add_int_value(b, s->send_at);
    json_builder_set_member_name(b, "undo");
    json_builder_add_string_value(b, s->undo);
    if (s->reply != NULL) {
        json_builder_set_member_name(b, "reply");
        json_builder_add_string_value(b, s->reply);
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    text = json_to_string(root, FALSE);
    out = g_byte_array_new();
    g_byte_array_append(out, (const guint8 *)text, strlen(text) + 1);
    if (msg != NULL)
        g_byte_array_append(out, g_bytes_get_data(msg, NULL), g_bytes_get_size(msg));
    return g_byte_array_free_to_bytes(out);
}

/* The submission of record r; *out_msg (nullable) the message, if any. */
static Submission *
decode(const char *account, const HermodMailRecord *r, GBytes **out_msg)
{
    gsize len = 0;
    const char *p = g_bytes_get_data(r->data, &len);
    const char *nul = p != NULL ? memchr(p, '\0', len) : NULL;
    g_autoptr(JsonParser) parser = json_parser_new();
    JsonObject *o;
    JsonArray *rcpts;
    Submission *s;

    if (nul == NULL || !json_parser_load_from_data(parser, p, nul - p, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        return NULL;
    o = json_node_get_object(json_parser_get_root(parser));
    s = g_new0(Submission, 1);
    s->id = r->id;
    s->account = g_strdup(account);
    s->session = g_strdup(json_object_get_string_member_with_default(o, "session", ""));
    s->identity = (guint64)json_object_get_int_member_with_default(o, "identity", 0);
    s->email_id = (guint64)json_object_get_int_member_with_default(o, "email", 0);
    s->thread_id = (guint64)json_object_get_int_member_with_default(o, "thread", 0);
    s->mail_from = g_strdup(json_object_get_string_member_with_default(o, "mailFrom", ""));
    s->rcpts = g_ptr_array_new_with_free_func(g_free);
    rcpts = json_object_get_array_member(o, "rcptTo");
    for (guint i = 0; rcpts != NULL && i < json_array_get_length(rcpts); i++)
        g_ptr_array_add(s->rcpts, g_strdup(json_array_get_string_element(rcpts, i)));
    s->send_at = json_object_get_int_member_with_default(o, "sendAt", 0);
    s->undo = g_strdup(json_object_get_string_member_with_default(o, "undo", "final"));
    s->reply = g_strdup(json_object_get_string_member_with_default(o, "reply", NULL));
    if (out_msg != NULL)
        *out_msg = (gsize)(nul + 1 - p) < len
                       ? g_bytes_new_from_bytes(r->data, nul + 1 - p, len - (gsize)(nul + 1 - p))
                       : NULL;
    return s;
}

/* Store s (with msg while pending: due at send_at). */
static gboolean
persist(HermodMailStore *store, const Submission *s, GBytes *msg, GError **error)
{
    g_autoptr(GBytes) data = encode(s, msg);
    gboolean pending = msg != NULL && strcmp(s->undo, "pending") == 0;

    return jmap_api->mail->record_put(store, JMAP_KIND_SUBMISSION, s->id,
                                      pending ? MAX(s->send_at, 1) : 0, data, error);
}

/* The account's submissions, by id; NULL after a store failure. */
static GPtrArray *
load_all(HermodMailStore *store, const char *account, GError **error)
{
    g_autoptr(GPtrArray) records = jmap_api->mail->records(store, JMAP_KIND_SUBMISSION, error);
    GPtrArray *out;

    if (records == NULL)
        return NULL;
    out = g_ptr_array_new_with_free_func(submission_free);
    for (guint i = 0; i < records->len; i++) {
        Submission *s = decode(account, records->pdata[i], NULL);
        if (s != NULL)
            g_ptr_array_add(out, s);
    }
    return out;
}

/* The record of id, with its message (*out_msg, nullable). */
static Submission *
load_one(HermodMailStore *store, const char *account, guint64 id, GBytes **out_msg,
         gboolean *failed)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) records = jmap_api->mail->records(store, JMAP_KIND_SUBMISSION, &error);

    *failed = records == NULL;
    for (guint i = 0; records != NULL && i < records->len; i++) {
        const HermodMailRecord *r = records->pdata[i];
        if (r->id == id)
            return decode(account, r, out_msg);
    }
    return NULL;
}

static char *
sending_key(const char *account, guint64 id)
{
    return g_strdup_printf("%s %" G_GUINT64_FORMAT, account, id);
}

/* --- sending */

/* Submit s's message now and record the outcome in s.  No lock held. */
static void
send_now(Submission *s, GBytes *data)
{
    HermodMessage *msg = jmap_api->msg_new(s->session);
    g_autoptr(GError) error = NULL;
    g_autofree char *id = NULL;
    gboolean ok;

    jmap_api->msg_append(msg, g_bytes_get_data(data, NULL), g_bytes_get_size(data));
    jmap_api->msg_set_sender(msg, s->mail_from, NULL);
    for (guint i = 0; i < s->rcpts->len; i++)
        jmap_api->msg_add_recipient(msg, s->rcpts->pdata[i], HERMOD_NOTIFY_DEFAULT, NULL);
    jmap_api->msg_set_auth(msg, s->account);
    ok = jmap_api->msg_submit(msg, &id, &error);
    jmap_api->msg_free(msg);
    g_free(s->undo);
    s->undo = g_strdup("final");
    g_free(s->reply);
    s->reply = ok ? g_strdup_printf("250 2.0.0 queued as %s", id)
                  : g_strdup_printf("451 4.3.0 %s", error->message);
    jmap_api->log(ok ? HERMOD_LOG_INFO : HERMOD_LOG_WARNING, s->session,
                  "jmap %s: submission S%" G_GUINT64_FORMAT " from <%s>: %s", s->account, s->id,
                  s->mail_from, s->reply);
}

/* Send the pending submission d (the sender thread; d is being sent).  It
 * stays pending in the store until the message is queued: a crash in
 * between sends it again after the restart, never loses it. */
static void
send_due(const Due *d)
{
    g_autoptr(GError) error = NULL;
    HermodMailStore *store = jmap_api->mail->open(d->account, &error);
    g_autoptr(GBytes) msg = NULL;
    g_autoptr(Submission) s = NULL;
    gboolean failed = FALSE;

    if (store == NULL) {
        jmap_api->log(HERMOD_LOG_WARNING, NULL, "jmap %s: submission S%" G_GUINT64_FORMAT ": %s",
                      d->account, d->id, error->message);
        return;
    }
    s = load_one(store, d->account, d->id, &msg, &failed);
    if (s != NULL && strcmp(s->undo, "pending") == 0 && msg != NULL) {
        send_now(s, msg);
        if (!persist(store, s, NULL, &error))
            jmap_api->log(HERMOD_LOG_WARNING, s->session,
                          "jmap %s: submission S%" G_GUINT64_FORMAT " sent, not recorded: %s",
                          d->account, d->id, error->message);
    }
    jmap_api->mail->unref(store);
}

/* The first due submission by now, taken from due; lock held. */
static Due *
take_due(gint64 now, gint64 *out_next)
{
    *out_next = G_MAXINT64;
    for (guint i = 0; due != NULL && i < due->len; i++) {
        Due *d = due->pdata[i];
        if (d->send_at <= now)
            return g_ptr_array_steal_index(due, i);
        *out_next = MIN(*out_next, d->send_at);
    }
    return NULL;
}

/* After a restart: the pending submissions of every account that has
 * some (record_due_accounts).  Sender thread, before the first wait. */
static void
load_due(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) accounts = jmap_api->mail->record_due_accounts(&error);

    for (guint i = 0; accounts != NULL && i < accounts->len; i++) {
        HermodMailStore *store = jmap_api->mail->open(accounts->pdata[i], NULL);
        g_autoptr(GPtrArray) records =
            store != NULL ? jmap_api->mail->records(store, JMAP_KIND_SUBMISSION, NULL) : NULL;
        for (guint j = 0; records != NULL && j < records->len; j++) {
            const HermodMailRecord *r = records->pdata[j];
            if (r->due <= 0)
                continue;
            Due *d = g_new0(Due, 1);
            d->account = g_strdup(accounts->pdata[i]);
            d->id = r->id;
            d->send_at = r->due;
            g_mutex_lock(&lock);
            g_ptr_array_add(due, d);
            last_id = MAX(last_id, r->id);
            g_mutex_unlock(&lock);
        }
        if (store != NULL)
            jmap_api->mail->unref(store);
    }
    if (accounts == NULL)
        jmap_api->log(HERMOD_LOG_WARNING, NULL, "jmap: pending submissions: %s", error->message);
}

static gpointer
sender_thread(gpointer unused)
{
    /* A second for the daemon to finish starting (its queue) first. */
    g_mutex_lock(&lock);
    gint64 until = g_get_monotonic_time() + G_USEC_PER_SEC;
    while (!stopping && g_cond_wait_until(&wake, &lock, until))
        ;
    g_mutex_unlock(&lock);
    if (!stopping)
        load_due();
    g_mutex_lock(&lock);
    for (;;) {
        gint64 next = 0, now = g_get_real_time() / G_USEC_PER_SEC;
        Due *d = stopping ? NULL : take_due(now, &next);
        if (d != NULL) {
            g_autofree char *key = sending_key(d->account, d->id);
            g_hash_table_add(sending, g_strdup(key));
            g_mutex_unlock(&lock);
            send_due(d);
            due_free(d);
            g_mutex_lock(&lock);
            g_hash_table_remove(sending, key);
            continue;
        }
        if (stopping)
            break;
        gint64 wait = next == G_MAXINT64 ? 60 : MAX(next - now, 0);
        g_cond_wait_until(&wake, &lock, g_get_monotonic_time() + wait * G_USEC_PER_SEC + 50000);
    }
    g_mutex_unlock(&lock);
    return NULL;
}

void
jmap_submission_start(void)
{
    g_mutex_lock(&lock);
    if (due == NULL)
        due = g_ptr_array_new_with_free_func(due_free);
    if (sending == NULL)
        sending = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    if (sender == NULL)
        sender = g_thread_new("jmap-submit", sender_thread, NULL);
    g_mutex_unlock(&lock);
}

/* Pending submissions stay in the store: the next start sends them when
 * due (and they can still be canceled meanwhile). */
void
jmap_submission_shutdown(void)
{
    g_mutex_lock(&lock);
    GThread *t = sender;
    stopping = TRUE;
    g_cond_broadcast(&wake);
    g_mutex_unlock(&lock);
    if (t != NULL)
        g_thread_join(t);
    g_mutex_lock(&lock);
    sender = NULL;
    stopping = FALSE;
    g_clear_pointer(&due, g_ptr_array_unref);
    g_clear_pointer(&sending, g_hash_table_unref);
    g_mutex_unlock(&lock);
}

/* --- the object */

static JsonObject *
address_json(const char *email)
{
    JsonObject *o = json_object_new();

    json_object_set_string_member(o, "email", email);
    json_object_set_null_member(o, "parameters");
    return o;
}

static JsonObject *
submission_json(const Submission *s)
{
    JsonObject *o = json_object_new(), *env = json_object_new(), *status = json_object_new();
    JsonArray *rcpt = json_array_new();
    g_autofree char *id = jmap_id('S', s->id), *iid = jmap_id('I', s->identity);
    g_autofree char *eid = jmap_id('E', s->email_id), *tid = jmap_id('T', s->thread_id);
    g_autofree char *at = jmap_utc_date(s->send_at);

    json_object_set_string_member(o, "id", id);
    json_object_set_string_member(o, "identityId", iid);
    json_object_set_string_member(o, "emailId", eid);
    json_object_set_string_member(o, "threadId", tid);
    json_object_set_object_member(env, "mailFrom", address_json(s->mail_from));
    for (guint i = 0; i < s->rcpts->len; i++) {
        JsonObject *d = json_object_new();
        json_array_add_object_element(rcpt, address_json(s->rcpts->pdata[i]));
        json_object_set_string_member(d, "smtpReply", s->reply != NULL ? s->reply : "");
        json_object_set_string_member(
            d, "delivered", s->reply != NULL && s->reply[0] == '2' ? "queued" : "unknown");
        json_object_set_string_member(d, "displayed", "unknown");
        json_object_set_object_member(status, s->rcpts->pdata[i], d);
    }
    json_object_set_array_member(env, "rcptTo", rcpt);
    json_object_set_object_member(o, "envelope", env);
    json_object_set_string_member(o, "sendAt", at);
    json_object_set_string_member(o, "undoStatus", s->undo);
    if (s->reply != NULL)
        json_object_set_object_member(o, "deliveryStatus", status);
    else {
        json_object_unref(status);
        json_object_set_null_member(o, "deliveryStatus");
    }
    json_object_set_array_member(o, "dsnBlobIds", json_array_new());
    json_object_set_array_member(o, "mdnBlobIds", json_array_new());
    return o;
}

/* The submission id in list, or NULL. */
static Submission *
find(JmapCtx *ctx, GPtrArray *list, const char *id)
{
    guint64 n = jmap_id_parse('S', jmap_resolve_id(ctx, id));

    for (guint i = 0; n != 0 && list != NULL && i < list->len; i++) {
        Submission *s = list->pdata[i];
        if (s->id == n)
            return s;
    }
    return NULL;
}

static JsonObject *
get_one(JmapCtx *ctx, const char *id, gpointer data)
{
    Submission *s = find(ctx, data, id);

    return s != NULL ? submission_json(s) : NULL;
}

static GPtrArray *
all_ids(JmapCtx *ctx, gpointer data)
{
    GPtrArray *list = data, *ids = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < list->len; i++)
        g_ptr_array_add(ids, jmap_id('S', ((Submission *)list->pdata[i])->id));
    return ids;
}

/* The account's submissions; NULL after serverFail. */
static GPtrArray *
list_of(JmapCtx *ctx)
{
    g_autoptr(GError) error = NULL;
    GPtrArray *list = load_all(ctx->store, ctx->account, &error);

    if (list == NULL)
        jmap_store_error(ctx, error);
    return list;
}

void
jmap_submission_get(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(GPtrArray) list = list_of(ctx);
    JmapGet get = {JMAP_KIND_SUBMISSION, get_one, all_ids, list};

    if (list != NULL)
        jmap_get(ctx, args, "EmailSubmission/get", &get);
}

void
jmap_submission_changes(JmapCtx *ctx, JsonObject *args)
{
    jmap_changes(ctx, args, "EmailSubmission/changes", JMAP_KIND_SUBMISSION, 'S');
}

void
jmap_submission_query(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *filter = NULL;
    const char *undo = NULL;
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(guint64));

    if (!jmap_check_account(ctx, args) || !jmap_arg_object(ctx, args, "filter", &filter) ||
        (filter != NULL && !jmap_arg_string(ctx, filter, "undoStatus", FALSE, &undo)))
        return;
    g_autoptr(GPtrArray) list = list_of(ctx);
    if (list == NULL)
        return;
    for (guint i = list->len; i > 0; i--) {
        Submission *s = list->pdata[i - 1];
        if (undo == NULL || strcmp(undo, s->undo) == 0)
            g_array_append_val(ids, s->id);
    }
    jmap_query_reply(ctx, args, "EmailSubmission/query", JMAP_KIND_SUBMISSION, ids, 'S', FALSE);
}

/* --- create */

static gboolean
owned(JmapCtx *ctx, const char *address)
{
    return jmap_api->addr_check_owner(address, ctx->account, NULL) == HERMOD_AUTH_OK;
}

static void
add_rcpts(GPtrArray *out, JsonNode *list)
{
    JsonArray *a = list != NULL && JSON_NODE_HOLDS_ARRAY(list) ? json_node_get_array(list) : NULL;

    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonObject *o = jmap_elem_obj(a, i);
        const char *email =
            o != NULL ? json_object_get_string_member_with_default(o, "email", NULL) : NULL;
        if (email != NULL && !g_ptr_array_find_with_equal_func(out, email, g_str_equal, NULL))
            g_ptr_array_add(out, g_strdup(email));
    }
}

/* From header addresses all owned?  Recipients from To/Cc/Bcc. */
static JsonObject *
check_headers(JmapCtx *ctx, JmapEmail *m, GPtrArray *rcpts)
{
    GMimeObject *top = GMIME_OBJECT(m->message);
    g_autoptr(JsonNode) from = jmap_header_value(top, "header:From:asAddresses");
    JsonArray *a = JSON_NODE_HOLDS_ARRAY(from) ? json_node_get_array(from) : NULL;
    const char *const hdrs[] = {"header:To:asAddresses", "header:Cc:asAddresses",
                                "header:Bcc:asAddresses"};

    for (guint i = 0; a != NULL && i < json_array_get_length(a); i++) {
        JsonObject *ao = jmap_elem_obj(a, i);
        const char *email = ao != NULL ? json_object_get_string_member(ao, "email") : "";
        if (!owned(ctx, email))
            return jmap_set_error("forbiddenFrom", "the account may not send as %s", email);
    }
    for (gsize i = 0; rcpts != NULL && i < G_N_ELEMENTS(hdrs); i++) {
        g_autoptr(JsonNode) n = jmap_header_value(top, hdrs[i]);
        add_rcpts(rcpts, n);
    }
    return NULL;
}

/* The message without its Bcc header fields.  (transfer full) */
static GBytes *
without_bcc(GBytes *data)
{
    gsize len = 0;
    const char *p = g_bytes_get_data(data, &len), *end = p + len;
    GString *out = g_string_sized_new(len);
    gboolean skipping = FALSE, in_header = TRUE;

    while (p < end) {
        const char *nl = memchr(p, '\n', end - p);
        gsize n = nl != NULL ? (gsize)(nl - p + 1) : (gsize)(end - p);
        if (in_header && (n <= 2 && (p[0] == '\r' || p[0] == '\n')))
            in_header = FALSE;
        if (in_header && p[0] != ' ' && p[0] != '\t')
            skipping = g_ascii_strncasecmp(p, "Bcc:", 4) == 0;
        if (!in_header || !skipping)
            g_string_append_len(out, p, n);
        p += n;
    }
    return g_string_free_to_bytes(out);
}

typedef struct {
    guint64 identity;
    char *mail_from;
    GPtrArray *rcpts;
} Envelope;

static JsonObject *
envelope_of(JmapCtx *ctx, JsonObject *o, const char *identity_email, JmapEmail *m, Envelope *env)
{
    JsonNode *en = json_object_get_member(o, "envelope");
    JsonObject *err;

    env->rcpts = g_ptr_array_new_with_free_func(g_free);
    if (en != NULL && JSON_NODE_HOLDS_OBJECT(en)) {
        JsonObject *e = json_node_get_object(en);
        JsonObject *mf = jmap_obj(e, "mailFrom");
        const char *from =
            mf != NULL ? json_object_get_string_member_with_default(mf, "email", NULL) : NULL;
        if (from == NULL)
            return jmap_set_error("invalidProperties", "envelope.mailFrom needs an email");
        env->mail_from = g_strdup(from);
        add_rcpts(env->rcpts, json_object_get_member(e, "rcptTo"));
        err = check_headers(ctx, m, NULL);
    } else {
        env->mail_from = g_strdup(identity_email);
        err = check_headers(ctx, m, env->rcpts);
    }
    if (err != NULL)
        return err;
    if (!owned(ctx, env->mail_from))
        return jmap_set_error("forbiddenMailFrom", "the account may not send as %s",
                              env->mail_from);
    if (env->rcpts->len == 0)
        return jmap_set_error("noRecipients", "the email has no recipients");
    return NULL;
}

/* A new submission of e, stored; with a send delay it waits (pending,
 * due at sendAt), else it is sent now.  NULL with the SetError in *err. */
static Submission *
submission_new(JmapCtx *ctx, const HermodEmailInfo *e, Envelope *env, GBytes *data,
               JsonObject **err)
{
    g_autoptr(Submission) s = g_new0(Submission, 1);
    gint64 delay = jmap_api->setting_int(jmap_module, "send_delay");
    g_autoptr(GBytes) msg = without_bcc(data);
    g_autoptr(GError) error = NULL;

    s->account = g_strdup(ctx->account);
    s->session = g_strdup(ctx->session);
    s->identity = env->identity;
    s->email_id = e->email_id;
    s->thread_id = e->thread_id;
    s->mail_from = g_steal_pointer(&env->mail_from);
    s->rcpts = g_steal_pointer(&env->rcpts);
    s->send_at = g_get_real_time() / G_USEC_PER_SEC + delay;
    s->undo = g_strdup("pending");
    g_mutex_lock(&lock);
    s->id = last_id = MAX(last_id + 1, (guint64)(g_get_real_time() / 1000));
    g_mutex_unlock(&lock);
    if (delay == 0)
        send_now(s, msg);
    if (!persist(ctx->store, s, delay > 0 ? msg : NULL, &error)) {
        *err = jmap_set_error("serverFail", "%s", error->message);
        return NULL;
    }
    if (delay > 0) {
        Due *d = g_new0(Due, 1);
        d->account = g_strdup(s->account);
        d->id = s->id;
        d->send_at = s->send_at;
        jmap_submission_start();
        g_mutex_lock(&lock);
        g_ptr_array_add(due, d);
        g_cond_broadcast(&wake);
        g_mutex_unlock(&lock);
    }
    return g_steal_pointer(&s);
}

static JsonObject *
create_one(JmapCtx *ctx, JsonObject *o, guint64 *out_id, JsonObject **out_made)
{
    const char *iid = json_object_get_string_member_with_default(o, "identityId", NULL);
    const char *eid = json_object_get_string_member_with_default(o, "emailId", NULL);
    gboolean failed = FALSE;
    g_autofree char *from = NULL;
    HermodEmailInfo *e = NULL;
    g_autoptr(JmapEmail) m = NULL;
    g_autoptr(GBytes) data = NULL;
    Envelope env = {jmap_id_parse('I', jmap_resolve_id(ctx, iid)), NULL, NULL};
    JsonObject *err = NULL;
    g_autoptr(Submission) s = NULL;

    from = iid != NULL ? jmap_identity_email(ctx, jmap_resolve_id(ctx, iid), &failed) : NULL;
    if (from == NULL)
        return jmap_set_error(failed ? "serverFail" : "invalidProperties", "no identity %s",
                              iid ? iid : "(none)");
    e = jmap_email_find(ctx, eid, &failed);
    if (e == NULL)
        return jmap_set_error(failed ? "serverFail" : "invalidProperties", "no email %s",
                              eid != NULL ? eid : "(none)");
    data = jmap_api->mail->read_message(ctx->store, e->mailbox, e->uid, NULL);
    m = data != NULL ? jmap_email_parse(g_bytes_get_data(data, NULL), g_bytes_get_size(data))
                     : NULL;
    if (m == NULL)
        err = jmap_set_error("invalidEmail", "the email cannot be read");
    if (err == NULL)
        err = envelope_of(ctx, o, from, m, &env);
    if (err == NULL && (s = submission_new(ctx, e, &env, data, &err)) != NULL) {
        *out_id = s->id;
        *out_made = json_object_new();
        g_autofree char *sid = jmap_id('S', s->id), *at = jmap_utc_date(s->send_at);
        g_autofree char *tid = jmap_id('T', e->thread_id);
        json_object_set_string_member(*out_made, "id", sid);
        json_object_set_string_member(*out_made, "sendAt", at);
        json_object_set_string_member(*out_made, "threadId", tid);
        json_object_set_string_member(*out_made, "undoStatus", s->undo);
    }
    g_free(env.mail_from);
    if (env.rcpts != NULL)
        g_ptr_array_unref(env.rcpts);
    g_free(e->mailbox);
    g_strfreev(e->keywords);
    g_free(e->subject);
    g_free(e->from);
    g_free(e->to);
    g_free(e);
    return err;
}

/* --- update (cancel), destroy, onSuccess*, the method */

/* Cancel: under the lock, so that the sender either took it first
 * (cannotUnsend) or finds it canceled. */
static JsonObject *
update_one(JmapCtx *ctx, const char *id, JsonObject *patch)
{
    const char *undo = json_object_get_string_member_with_default(patch, "undoStatus", NULL);
    guint64 n = jmap_id_parse('S', jmap_resolve_id(ctx, id));
    g_autoptr(Submission) s = NULL;
    g_autoptr(GBytes) msg = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *key = sending_key(ctx->account, n);
    gboolean failed = FALSE;
    JsonObject *err = NULL;

    if (undo == NULL || strcmp(undo, "canceled") != 0 || json_object_get_size(patch) != 1)
        return jmap_set_error("invalidProperties", "only undoStatus: canceled can be set");
    g_mutex_lock(&lock);
    s = n != 0 ? load_one(ctx->store, ctx->account, n, &msg, &failed) : NULL;
    if (s == NULL)
        err = jmap_set_error(failed ? "serverFail" : "notFound", "no submission %s", id);
    else if (strcmp(s->undo, "pending") != 0 || msg == NULL ||
             (sending != NULL && g_hash_table_contains(sending, key)))
        err = jmap_set_error("cannotUnsend", "it has been sent");
    else {
        g_free(s->undo);
        s->undo = g_strdup("canceled");
        if (!persist(ctx->store, s, NULL, &error))
            err = jmap_set_error("serverFail", "%s", error->message);
    }
    g_mutex_unlock(&lock);
    return err;
}

static JsonObject *
destroy_one(JmapCtx *ctx, const char *id)
{
    guint64 n = jmap_id_parse('S', jmap_resolve_id(ctx, id));
    gboolean failed = FALSE;
    g_autoptr(GBytes) msg = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(Submission) s = n != 0 ? load_one(ctx->store, ctx->account, n, &msg, &failed) : NULL;

    if (s == NULL || strcmp(s->undo, "pending") == 0)
        return jmap_set_error(failed ? "serverFail" : "notFound", "no finished submission %s", id);
    if (!jmap_api->mail->record_delete(ctx->store, JMAP_KIND_SUBMISSION, n, &error))
        return jmap_set_error("serverFail", "%s", error->message);
    return NULL;
}

typedef struct {
    JsonObject *created, *updated, *not_created, *not_updated, *not_destroyed;
    JsonArray *destroyed;
    GHashTable *made; /* creation id -> email id (char *) */
} Result;

static void
each_create(JmapCtx *ctx, JsonObject *create, Result *r)
{
    GList *members = json_object_get_members(create);

    for (GList *l = members; l != NULL; l = l->next) {
        JsonNode *n = json_object_get_member(create, l->data);
        JsonObject *made = NULL, *err;
        guint64 id = 0;
        err = JSON_NODE_HOLDS_OBJECT(n) ? create_one(ctx, json_node_get_object(n), &id, &made)
                                        : jmap_set_error("invalidProperties", "not an object");
        if (err != NULL) {
            json_object_set_object_member(r->not_created, l->data, err);
            continue;
        }
        const char *eid = jmap_resolve_id(ctx, json_object_get_string_member_with_default(
                                                   json_node_get_object(n), "emailId", ""));
        g_hash_table_insert(r->made, g_strdup(l->data), g_strdup(eid));
        g_hash_table_insert(ctx->created, g_strdup(l->data), jmap_id('S', id));
        json_object_set_object_member(r->created, l->data, made);
    }
    g_list_free(members);
}

/* The email id behind "#creationId" of this call (or a submission id).
 * (transfer full) */
static char *
success_email(JmapCtx *ctx, Result *r, const char *key)
{
    char *out = NULL;

    gboolean failed = FALSE;
    g_autoptr(Submission) s = NULL;

    if (key[0] == '#')
        return g_strdup(g_hash_table_lookup(r->made, key + 1));
    s = load_one(ctx->store, ctx->account, jmap_id_parse('S', key), NULL, &failed);
    if (s != NULL)
        out = jmap_id('E', s->email_id);
    return out;
}

/* onSuccessUpdateEmail and onSuccessDestroyEmail as one Email/set. */
static void
on_success(JmapCtx *ctx, JsonObject *args, Result *r)
{
    JsonObject *update = NULL, *eset = json_object_new(), *patches = json_object_new();
    GPtrArray *destroy = NULL;
    JsonArray *gone = json_array_new();
    GList *members;

    jmap_arg_object(ctx, args, "onSuccessUpdateEmail", &update);
    jmap_arg_strings(ctx, args, "onSuccessDestroyEmail", &destroy);
    members = update != NULL ? json_object_get_members(update) : NULL;
    for (GList *l = members; l != NULL; l = l->next) {
        g_autofree char *eid = success_email(ctx, r, l->data);
        if (eid != NULL)
            json_object_set_member(patches, eid,
                                   json_node_copy(json_object_get_member(update, l->data)));
    }
    g_list_free(members);
    for (guint i = 0; destroy != NULL && i < destroy->len; i++) {
        g_autofree char *eid = success_email(ctx, r, destroy->pdata[i]);
        if (eid != NULL)
            json_array_add_string_element(gone, eid);
    }
    if (destroy != NULL)
        g_ptr_array_unref(destroy);
    json_object_set_string_member(eset, "accountId", ctx->account_id);
    json_object_set_object_member(eset, "update", patches);
    json_object_set_array_member(eset, "destroy", gone);
    if (json_object_get_size(patches) > 0 || json_array_get_length(gone) > 0)
        jmap_email_set(ctx, eset);
    json_object_unref(eset);
}

static void
each_update(JmapCtx *ctx, JsonObject *update, Result *r)
{
    GList *members = json_object_get_members(update);

    for (GList *l = members; l != NULL; l = l->next) {
        JsonNode *n = json_object_get_member(update, l->data);
        JsonObject *err = JSON_NODE_HOLDS_OBJECT(n)
                              ? update_one(ctx, l->data, json_node_get_object(n))
                              : jmap_set_error("invalidPatch", "not an object");
        if (err != NULL)
            json_object_set_object_member(r->not_updated, l->data, err);
        else
            json_object_set_null_member(r->updated, l->data);
    }
    g_list_free(members);
}

void
jmap_submission_set(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *create, *update;
    g_autoptr(GPtrArray) destroy = NULL;
    g_autofree char *old = NULL, *now = NULL;
    Result r;

    if (!jmap_set_args(ctx, args, &create, &update, &destroy) ||
        !jmap_if_in_state(ctx, args, JMAP_KIND_SUBMISSION, &old))
        return;
    r = (Result){json_object_new(),
                 json_object_new(),
                 json_object_new(),
                 json_object_new(),
                 json_object_new(),
                 json_array_new(),
                 g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free)};
    if (create != NULL)
        each_create(ctx, create, &r);
    if (update != NULL)
        each_update(ctx, update, &r);
    for (guint i = 0; destroy != NULL && i < destroy->len; i++) {
        JsonObject *err = destroy_one(ctx, destroy->pdata[i]);
        if (err != NULL)
            json_object_set_object_member(r.not_destroyed, destroy->pdata[i], err);
        else
            json_array_add_string_element(r.destroyed, destroy->pdata[i]);
    }
    now = jmap_kind_state(ctx, JMAP_KIND_SUBMISSION);
    jmap_reply(ctx, "EmailSubmission/set",
               jmap_set_result(ctx, old, now != NULL ? now : old, r.created, r.updated, r.destroyed,
                               r.not_created, r.not_updated, r.not_destroyed));
    on_success(ctx, args, &r);
    g_hash_table_unref(r.made);
}
