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
 * it becomes "final".  Submissions live in memory: a pending one is
 * sent at once when the server stops, and the list starts empty after
 * a restart.  onSuccessUpdateEmail / onSuccessDestroyEmail run an
 * implicit Email/set after the creates, as the RFC describes.
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
    guint identity;
    guint64 email_id, thread_id;
    char *mail_from;
    GPtrArray *rcpts; /* char * */
    gint64 send_at;   /* seconds */
    const char *undo; /* "pending", "final", "canceled" */
    char *reply;      /* the submission's result, per RFC "smtpReply" */
    GBytes *data;     /* the message to send, Bcc removed; NULL once sent */
} Submission;

static GMutex lock;
static GCond wake;
static GPtrArray *all; /* Submission * (owns) */
static GThread *sender;
static gboolean stopping;
static guint64 last_id;

static void
submission_free(gpointer p)
{
    Submission *s = p;

    g_free(s->account);
    g_free(s->session);
    g_free(s->mail_from);
    g_ptr_array_unref(s->rcpts);
    g_free(s->reply);
    if (s->data != NULL)
        g_bytes_unref(s->data);
    g_free(s);
}

/* Submit s now.  No lock held; s->data is ours. */
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
    g_mutex_lock(&lock);
    s->undo = "final";
    g_free(s->reply);
    s->reply = ok ? g_strdup_printf("250 2.0.0 queued as %s", id)
                  : g_strdup_printf("451 4.3.0 %s", error->message);
    g_mutex_unlock(&lock);
    jmap_api->log(ok ? HERMOD_LOG_INFO : HERMOD_LOG_WARNING, s->session,
                  "jmap %s: submission S%" G_GUINT64_FORMAT " from <%s>: %s", s->account, s->id,
                  s->mail_from, s->reply);
}

static void
log_change(const char *account, guint64 id)
{
    g_autoptr(GError) error = NULL;
    HermodMailStore *store = jmap_api->mail->open(account, &error);

    if (store != NULL) {
        jmap_api->mail->change_log(store, JMAP_KIND_SUBMISSION, id, FALSE, NULL);
        jmap_api->mail->unref(store);
    }
}

/* The first pending submission due by now, its data taken; lock held. */
static Submission *
take_due(gint64 now, gint64 *out_next)
{
    *out_next = G_MAXINT64;
    for (guint i = 0; all != NULL && i < all->len; i++) {
        Submission *s = all->pdata[i];
        if (s->data == NULL || strcmp(s->undo, "pending") != 0)
            continue;
        if (s->send_at <= now || stopping)
            return s;
        *out_next = MIN(*out_next, s->send_at);
    }
    return NULL;
}

static gpointer
sender_thread(gpointer unused)
{
    g_mutex_lock(&lock);
    for (;;) {
        gint64 next = 0, now = g_get_real_time() / G_USEC_PER_SEC;
        Submission *s = take_due(now, &next);
        if (s != NULL) {
            GBytes *data = g_steal_pointer(&s->data);
            g_autofree char *account = g_strdup(s->account);
            guint64 id = s->id;
            g_mutex_unlock(&lock);
            send_now(s, data);
            g_bytes_unref(data);
            log_change(account, id);
            g_mutex_lock(&lock);
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
    g_clear_pointer(&all, g_ptr_array_unref);
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

/* The account's submission id, or NULL; lock held. */
static Submission *
find(JmapCtx *ctx, const char *id)
{
    guint64 n = jmap_id_parse('S', jmap_resolve_id(ctx, id));

    for (guint i = 0; n != 0 && all != NULL && i < all->len; i++) {
        Submission *s = all->pdata[i];
        if (s->id == n && strcmp(s->account, ctx->account) == 0)
            return s;
    }
    return NULL;
}

static JsonObject *
get_one(JmapCtx *ctx, const char *id, gpointer data)
{
    JsonObject *o = NULL;

    g_mutex_lock(&lock);
    Submission *s = find(ctx, id);
    if (s != NULL)
        o = submission_json(s);
    g_mutex_unlock(&lock);
    return o;
}

static GPtrArray *
all_ids(JmapCtx *ctx, gpointer data)
{
    GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

    g_mutex_lock(&lock);
    for (guint i = 0; all != NULL && i < all->len; i++) {
        Submission *s = all->pdata[i];
        if (strcmp(s->account, ctx->account) == 0)
            g_ptr_array_add(ids, jmap_id('S', s->id));
    }
    g_mutex_unlock(&lock);
    return ids;
}

void
jmap_submission_get(JmapCtx *ctx, JsonObject *args)
{
    JmapGet get = {JMAP_KIND_SUBMISSION, get_one, all_ids, NULL};

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
    g_mutex_lock(&lock);
    for (guint i = all != NULL ? all->len : 0; i > 0; i--) {
        Submission *s = all->pdata[i - 1];
        if (strcmp(s->account, ctx->account) == 0 && (undo == NULL || strcmp(undo, s->undo) == 0))
            g_array_append_val(ids, s->id);
    }
    g_mutex_unlock(&lock);
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
    guint identity;
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

static void
start_sender(void)
{
    if (all == NULL)
        all = g_ptr_array_new_with_free_func(submission_free);
    if (sender == NULL)
        sender = g_thread_new("jmap-submit", sender_thread, NULL);
}

static Submission *
submission_new(JmapCtx *ctx, const HermodEmailInfo *e, Envelope *env, GBytes *data)
{
    Submission *s = g_new0(Submission, 1);
    gint64 delay = jmap_api->setting_int(jmap_module, "send_delay");

    s->account = g_strdup(ctx->account);
    s->session = g_strdup(ctx->session);
    s->identity = env->identity;
    s->email_id = e->email_id;
    s->thread_id = e->thread_id;
    s->mail_from = g_steal_pointer(&env->mail_from);
    s->rcpts = g_steal_pointer(&env->rcpts);
    s->send_at = g_get_real_time() / G_USEC_PER_SEC + delay;
    s->undo = "pending";
    g_mutex_lock(&lock);
    start_sender();
    s->id = last_id = MAX(last_id + 1, (guint64)(g_get_real_time() / 1000));
    if (delay > 0)
        s->data = without_bcc(data);
    g_ptr_array_add(all, s);
    g_cond_broadcast(&wake);
    g_mutex_unlock(&lock);
    if (delay == 0) {
        g_autoptr(GBytes) now = without_bcc(data);
        send_now(s, now); /* s stays in the list: nobody frees it meanwhile */
    }
    return s;
}

static JsonObject *
create_one(JmapCtx *ctx, JsonObject *o, GPtrArray *identities, guint64 *out_id,
           JsonObject **out_made)
{
    const char *iid = json_object_get_string_member_with_default(o, "identityId", NULL);
    const char *eid = json_object_get_string_member_with_default(o, "emailId", NULL);
    guint64 n = jmap_id_parse('I', iid);
    gboolean failed = FALSE;
    HermodEmailInfo *e = NULL;
    g_autoptr(JmapEmail) m = NULL;
    g_autoptr(GBytes) data = NULL;
    Envelope env = {(guint)n, NULL, NULL};
    JsonObject *err = NULL;
    Submission *s;

    if (n < 1 || n > identities->len)
        return jmap_set_error("invalidProperties", "no identity %s", iid ? iid : "(none)");
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
        err = envelope_of(ctx, o, identities->pdata[n - 1], m, &env);
    if (err == NULL) {
        s = submission_new(ctx, e, &env, data);
        *out_id = s->id;
        *out_made = json_object_new();
        g_autofree char *sid = jmap_id('S', s->id), *at = jmap_utc_date(s->send_at);
        g_autofree char *tid = jmap_id('T', e->thread_id);
        json_object_set_string_member(*out_made, "id", sid);
        json_object_set_string_member(*out_made, "sendAt", at);
        json_object_set_string_member(*out_made, "threadId", tid);
        g_mutex_lock(&lock);
        json_object_set_string_member(*out_made, "undoStatus", s->undo);
        g_mutex_unlock(&lock);
        jmap_api->mail->change_log(ctx->store, JMAP_KIND_SUBMISSION, s->id, FALSE, NULL);
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

static JsonObject *
update_one(JmapCtx *ctx, const char *id, JsonObject *patch)
{
    const char *undo = json_object_get_string_member_with_default(patch, "undoStatus", NULL);
    JsonObject *err = NULL;

    if (undo == NULL || strcmp(undo, "canceled") != 0 || json_object_get_size(patch) != 1)
        return jmap_set_error("invalidProperties", "only undoStatus: canceled can be set");
    g_mutex_lock(&lock);
    Submission *s = find(ctx, id);
    if (s == NULL)
        err = jmap_set_error("notFound", "no submission %s", id);
    else if (strcmp(s->undo, "pending") != 0 || s->data == NULL)
        err = jmap_set_error("cannotUnsend", "it has been sent");
    else {
        s->undo = "canceled";
        g_clear_pointer(&s->data, g_bytes_unref);
    }
    g_mutex_unlock(&lock);
    if (err == NULL)
        jmap_api->mail->change_log(ctx->store, JMAP_KIND_SUBMISSION, jmap_id_parse('S', id), FALSE,
                                   NULL);
    return err;
}

static JsonObject *
destroy_one(JmapCtx *ctx, const char *id)
{
    guint64 n = 0;

    g_mutex_lock(&lock);
    Submission *s = find(ctx, id);
    if (s != NULL && s->data == NULL && strcmp(s->undo, "pending") != 0) {
        n = s->id;
        g_ptr_array_remove(all, s);
    }
    g_mutex_unlock(&lock);
    if (n == 0)
        return jmap_set_error("notFound", "no finished submission %s", id);
    jmap_api->mail->change_log(ctx->store, JMAP_KIND_SUBMISSION, n, TRUE, NULL);
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
    g_autoptr(GPtrArray) identities = jmap_identities(ctx);
    GList *members = json_object_get_members(create);

    for (GList *l = members; identities != NULL && l != NULL; l = l->next) {
        JsonNode *n = json_object_get_member(create, l->data);
        JsonObject *made = NULL, *err;
        guint64 id = 0;
        err = JSON_NODE_HOLDS_OBJECT(n)
                  ? create_one(ctx, json_node_get_object(n), identities, &id, &made)
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

    if (key[0] == '#')
        return g_strdup(g_hash_table_lookup(r->made, key + 1));
    g_mutex_lock(&lock);
    Submission *s = find(ctx, key);
    if (s != NULL)
        out = jmap_id('E', s->email_id);
    g_mutex_unlock(&lock);
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
