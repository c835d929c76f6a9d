/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * email-query.c - Email/query and Email/queryChanges (RFC 8621 4.4,
 * RFC 8620 5.6).
 *
 * The candidates are the emails of the one mailbox an inMailbox filter
 * names, else of the account, newest first from the index.  Filters are
 * evaluated per email, cheapest facts first: index fields (mailbox,
 * dates, size, keywords, thread keywords), then the full-text index
 * (text, body; and for from/to/cc/bcc/subject as a first cut, confirmed
 * against the parsed header), then the parsed message (hasAttachment,
 * header).  Sorts use the index's sort keys.  collapseThreads keeps the
 * first email of each thread.  The common "a mailbox, newest first"
 * (with or without collapseThreads) is answered from one page of the
 * store's index instead (emails_page).  queryChanges reports every email
 * changed since the old state, and every email of their threads, as
 * removed, and those now in the results as added at their index (the
 * RFC lets a server over-report removals); with the thread mates it
 * holds for collapseThreads and the thread conditions too.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-email.h"
#include "jmap-util.h"

typedef struct {
    JmapCtx *ctx;
    GPtrArray *all;         /* HermodEmailInfo *, newest first */
    GHashTable *by_box_uid; /* "box:uid" -> email */
    GHashTable *threads;    /* thread id -> GPtrArray of emails; lazy */
    GHashTable *text;       /* "field\nquery" -> set of email ids (guint64 *) */
    GHashTable *parsed;     /* email id -> JmapEmail *, lazy */
    gboolean failed;        /* a store read failed: serverFail sent */
} Query;

static const char *const conditions[] = {
    "inMailbox",
    "inMailboxOtherThan",
    "before",
    "after",
    "minSize",
    "maxSize",
    "allInThreadHaveKeyword",
    "someInThreadHaveKeyword",
    "noneInThreadHaveKeyword",
    "hasKeyword",
    "notKeyword",
    "hasAttachment",
    "text",
    "from",
    "to",
    "cc",
    "bcc",
    "subject",
    "body",
    "header",
    NULL,
};

static gboolean
has_keyword(const HermodEmailInfo *e, const char *kw)
{
    guint32 flag = jmap_keyword_flag(kw);

    if (flag != 0)
        return (e->flags & flag) != 0;
    for (gsize i = 0; e->keywords[i] != NULL; i++) {
        if (g_ascii_strcasecmp(e->keywords[i], kw) == 0)
            return TRUE;
    }
    return FALSE;
}

static GPtrArray *
thread_of(Query *q, const HermodEmailInfo *e)
{
    if (q->threads == NULL) {
        q->threads = g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL,
                                           (GDestroyNotify)g_ptr_array_unref);
        for (guint i = 0; i < q->all->len; i++) {
            HermodEmailInfo *x = q->all->pdata[i];
            GPtrArray *list = g_hash_table_lookup(q->threads, &x->thread_id);
            if (list == NULL) {
                list = g_ptr_array_new();
                g_hash_table_insert(q->threads, &x->thread_id, list);
            }
            g_ptr_array_add(list, x);
        }
    }
    return g_hash_table_lookup(q->threads, &e->thread_id);
}

/* 0 none, 1 some, 2 all emails of e's thread have kw. */
static int
thread_keyword(Query *q, const HermodEmailInfo *e, const char *kw)
{
    GPtrArray *list = thread_of(q, e);
    guint n = 0;

    for (guint i = 0; list != NULL && i < list->len; i++)
        n += has_keyword(list->pdata[i], kw) ? 1 : 0;
    return n == 0 ? 0 : (list != NULL && n == list->len) ? 2 : 1;
}

/* (mailbox, UID) -> email, for mapping full-text hits; built when the
 * first text condition needs it. */
static void
index_uids(Query *q)
{
    if (q->by_box_uid != NULL)
        return;
    q->by_box_uid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < q->all->len; i++) {
        HermodEmailInfo *e = q->all->pdata[i];
        g_hash_table_insert(q->by_box_uid,
                            g_strdup_printf("%" G_GINT64_FORMAT ":%u", e->mailbox_id, e->uid), e);
    }
}

/* The emails the full-text index finds for query in field. */
static GHashTable *
text_hits(Query *q, const char *field, const char *query)
{
    g_autofree char *key = g_strconcat(field, "\n", query, NULL);
    GHashTable *set = g_hash_table_lookup(q->text, key);
    GPtrArray *boxes = jmap_mailboxes(q->ctx);

    if (set != NULL || boxes == NULL) {
        q->failed |= boxes == NULL;
        return set;
    }
    index_uids(q);
    set = g_hash_table_new(g_int64_hash, g_int64_equal);
    for (guint i = 0; i < boxes->len; i++) {
        const HermodMailboxInfo *mb = boxes->pdata[i];
        g_autoptr(GError) error = NULL;
        g_autoptr(GArray) uids = NULL;
        if (mb->is_noselect)
            continue;
        uids = jmap_api->mail->search_text(q->ctx->store, mb->name, field, query, &error);
        if (uids == NULL) {
            jmap_store_error(q->ctx, error);
            q->failed = TRUE;
            break;
        }
        for (guint j = 0; j < uids->len; j++) {
            g_autofree char *bk =
                g_strdup_printf("%" G_GINT64_FORMAT ":%u", mb->id, g_array_index(uids, guint32, j));
            HermodEmailInfo *e = g_hash_table_lookup(q->by_box_uid, bk);
            if (e != NULL)
                g_hash_table_add(set, &e->email_id);
        }
    }
    g_hash_table_insert(q->text, g_steal_pointer(&key), set);
    return set;
}

static JmapEmail *
parsed(Query *q, const HermodEmailInfo *e)
{
    JmapEmail *m = g_hash_table_lookup(q->parsed, &e->email_id);

    if (m == NULL && !g_hash_table_contains(q->parsed, &e->email_id)) {
        m = jmap_email_load(q->ctx, e);
        g_hash_table_insert(q->parsed, (gpointer)&e->email_id, m);
    }
    return m;
}

/* Does header name of e (decoded text or addresses) contain value? */
static gboolean
header_contains(Query *q, const HermodEmailInfo *e, const char *name, const char *value)
{
    JmapEmail *m = parsed(q, e);
    g_autofree char *prop = g_strdup_printf("header:%s:all", name);
    g_autoptr(JsonNode) all = NULL;
    g_autoptr(JsonGenerator) gen = NULL;
    g_autofree char *text = NULL, *hay = NULL, *needle = NULL;
    JsonArray *a;

    if (m == NULL)
        return FALSE;
    all = jmap_header_value(GMIME_OBJECT(m->message), prop);
    a = json_node_get_array(all);
    if (json_array_get_length(a) == 0)
        return FALSE;
    if (value == NULL)
        return TRUE;
    for (guint i = 0; i < json_array_get_length(a); i++) {
        g_autoptr(JsonNode) t = jmap_header_form(json_array_get_string_element(a, i), "Text");
        g_autofree char *h = g_utf8_casefold(json_node_get_string(t), -1);
        g_autofree char *n = g_utf8_casefold(value, -1);
        if (strstr(h, n) != NULL)
            return TRUE;
    }
    return FALSE;
}

static gboolean match(Query *q, const HermodEmailInfo *e, JsonObject *f);

static gboolean
match_text(Query *q, const HermodEmailInfo *e, const char *key, const char *value)
{
    GHashTable *hits;

    if (strcmp(key, "text") == 0 || strcmp(key, "body") == 0) {
        hits = text_hits(q, key, value);
        return hits != NULL && g_hash_table_contains(hits, &e->email_id);
    }
    /* from, to, cc, bcc, subject: the index narrows, the header decides. */
    hits = text_hits(q, "text", value);
    if (hits == NULL || !g_hash_table_contains(hits, &e->email_id))
        return FALSE;
    return header_contains(q, e,
                           strcmp(key, "subject") == 0 ? "Subject"
                           : strcmp(key, "from") == 0  ? "From"
                           : strcmp(key, "to") == 0    ? "To"
                           : strcmp(key, "cc") == 0    ? "Cc"
                                                       : "Bcc",
                           value);
}

static gboolean
match_one(Query *q, const HermodEmailInfo *e, const char *key, JsonNode *v)
{
    const char *s = JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING
                        ? json_node_get_string(v)
                        : NULL;
    gint64 t = 0;

    if (strcmp(key, "inMailbox") == 0)
        return jmap_id_parse('M', jmap_resolve_id(q->ctx, s)) == (guint64)e->mailbox_id;
    if (strcmp(key, "inMailboxOtherThan") == 0) {
        JsonArray *a = json_node_get_array(v);
        for (guint i = 0; i < json_array_get_length(a); i++) {
            const char *id = jmap_resolve_id(q->ctx, json_array_get_string_element(a, i));
            if (jmap_id_parse('M', id) == (guint64)e->mailbox_id)
                return FALSE;
        }
        return TRUE;
    }
    if (strcmp(key, "before") == 0)
        return jmap_parse_date(s, &t) && e->internal_date < t;
    if (strcmp(key, "after") == 0)
        return jmap_parse_date(s, &t) && e->internal_date >= t;
    if (strcmp(key, "minSize") == 0)
        return (gint64)e->size >= json_node_get_int(v);
    if (strcmp(key, "maxSize") == 0)
        return (gint64)e->size < json_node_get_int(v);
    if (strcmp(key, "hasKeyword") == 0)
        return has_keyword(e, s);
    if (strcmp(key, "notKeyword") == 0)
        return !has_keyword(e, s);
    if (strcmp(key, "allInThreadHaveKeyword") == 0)
        return thread_keyword(q, e, s) == 2;
    if (strcmp(key, "someInThreadHaveKeyword") == 0)
        return thread_keyword(q, e, s) >= 1;
    if (strcmp(key, "noneInThreadHaveKeyword") == 0)
        return thread_keyword(q, e, s) == 0;
    if (strcmp(key, "hasAttachment") == 0) {
        JmapEmail *m = parsed(q, e);
        return (m != NULL && m->attachments->len > 0) == json_node_get_boolean(v);
    }
    if (strcmp(key, "header") == 0) {
        JsonArray *a = json_node_get_array(v);
        return header_contains(q, e, json_array_get_string_element(a, 0),
                               json_array_get_length(a) > 1 ? json_array_get_string_element(a, 1)
                                                            : NULL);
    }
    return match_text(q, e, key, s);
}

static gboolean
match_operator(Query *q, const HermodEmailInfo *e, JsonObject *f)
{
    const char *op = json_object_get_string_member(f, "operator");
    JsonArray *conds = json_object_get_array_member(f, "conditions");
    guint n = json_array_get_length(conds), hits = 0;

    for (guint i = 0; i < n; i++) {
        gboolean m = match(q, e, json_array_get_object_element(conds, i));
        hits += m ? 1 : 0;
        if (strcmp(op, "AND") == 0 && !m)
            return FALSE;
        if (strcmp(op, "OR") == 0 && m)
            return TRUE;
        if (strcmp(op, "NOT") == 0 && m)
            return FALSE;
    }
    return strcmp(op, "AND") == 0 || strcmp(op, "NOT") == 0;
}

/* Index facts before text before parsing: members are tried in the
 * order of conditions[]. */
static gboolean
match(Query *q, const HermodEmailInfo *e, JsonObject *f)
{
    if (json_object_has_member(f, "operator"))
        return match_operator(q, e, f);
    for (gsize i = 0; conditions[i] != NULL && !q->failed; i++) {
        JsonNode *v = json_object_get_member(f, conditions[i]);
        if (v != NULL && !match_one(q, e, conditions[i], v))
            return FALSE;
    }
    return !q->failed;
}

/* --- validation */

static gboolean
valid_value(const char *key, JsonNode *v)
{
    gboolean is_str = JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_STRING;
    gint64 t;

    if (strcmp(key, "minSize") == 0 || strcmp(key, "maxSize") == 0)
        return JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_INT64 &&
               json_node_get_int(v) >= 0;
    if (strcmp(key, "hasAttachment") == 0)
        return JSON_NODE_HOLDS_VALUE(v) && json_node_get_value_type(v) == G_TYPE_BOOLEAN;
    if (strcmp(key, "before") == 0 || strcmp(key, "after") == 0)
        return is_str && jmap_parse_date(json_node_get_string(v), &t);
    if (strstr(key, "Keyword") != NULL)
        return is_str && jmap_keyword_valid(json_node_get_string(v));
    if (strcmp(key, "inMailboxOtherThan") == 0 || strcmp(key, "header") == 0) {
        JsonArray *a = JSON_NODE_HOLDS_ARRAY(v) ? json_node_get_array(v) : NULL;
        guint n = a != NULL ? json_array_get_length(a) : 0;
        for (guint i = 0; i < n; i++) {
            JsonNode *e = json_array_get_element(a, i);
            if (!JSON_NODE_HOLDS_VALUE(e) || json_node_get_value_type(e) != G_TYPE_STRING)
                return FALSE;
        }
        return a != NULL && (strcmp(key, "header") != 0 || (n >= 1 && n <= 2));
    }
    return is_str;
}

static gboolean
valid_filter(JmapCtx *ctx, JsonObject *f, int depth)
{
    GList *members;
    gboolean ok = TRUE;

    if (depth > 16) {
        jmap_error(ctx, "unsupportedFilter", "filters nest at most 16 deep");
        return FALSE;
    }
    if (json_object_has_member(f, "operator")) {
        JsonNode *op = json_object_get_member(f, "operator");
        JsonNode *c = json_object_get_member(f, "conditions");
        const char *s = JSON_NODE_HOLDS_VALUE(op) && json_node_get_value_type(op) == G_TYPE_STRING
                            ? json_node_get_string(op)
                            : "";
        if ((strcmp(s, "AND") != 0 && strcmp(s, "OR") != 0 && strcmp(s, "NOT") != 0) || c == NULL ||
            !JSON_NODE_HOLDS_ARRAY(c) || json_object_get_size(f) != 2) {
            jmap_error(ctx, "invalidArguments", "a FilterOperator is {operator, conditions}");
            return FALSE;
        }
        for (guint i = 0; ok && i < json_array_get_length(json_node_get_array(c)); i++) {
            JsonNode *e = json_array_get_element(json_node_get_array(c), i);
            ok = JSON_NODE_HOLDS_OBJECT(e)
                     ? valid_filter(ctx, json_node_get_object(e), depth + 1)
                     : (jmap_error(ctx, "invalidArguments", "conditions must be objects"), FALSE);
        }
        return ok;
    }
    members = json_object_get_members(f);
    for (GList *l = members; l != NULL && ok; l = l->next) {
        if (!g_strv_contains(conditions, l->data)) {
            jmap_error(ctx, "unsupportedFilter", "no filter condition %s", (char *)l->data);
            ok = FALSE;
        } else if (!valid_value(l->data, json_object_get_member(f, l->data))) {
            jmap_error(ctx, "invalidArguments", "bad value for filter %s", (char *)l->data);
            ok = FALSE;
        }
    }
    g_list_free(members);
    return ok;
}

/* --- sorting */

typedef struct {
    const char *property;
    const char *keyword;
    gboolean ascending;
} SortKey;

typedef struct {
    GArray *keys; /* SortKey */
    Query *q;
} SortCtx;

static gint
compare_one(const SortKey *k, Query *q, const HermodEmailInfo *a, const HermodEmailInfo *b)
{
    const char *p = k->property;

    if (strcmp(p, "receivedAt") == 0)
        return (a->internal_date > b->internal_date) - (a->internal_date < b->internal_date);
    if (strcmp(p, "size") == 0)
        return (a->size > b->size) - (a->size < b->size);
    if (strcmp(p, "from") == 0)
        return g_strcmp0(a->from, b->from);
    if (strcmp(p, "to") == 0)
        return g_strcmp0(a->to, b->to);
    if (strcmp(p, "subject") == 0)
        return g_strcmp0(a->subject, b->subject);
    if (strcmp(p, "hasKeyword") == 0)
        return has_keyword(a, k->keyword) - has_keyword(b, k->keyword);
    if (strcmp(p, "allInThreadHaveKeyword") == 0)
        return (thread_keyword(q, a, k->keyword) == 2) - (thread_keyword(q, b, k->keyword) == 2);
    return (thread_keyword(q, a, k->keyword) > 0) - (thread_keyword(q, b, k->keyword) > 0);
}

static gint
compare(gconstpointer pa, gconstpointer pb, gpointer data)
{
    SortCtx *s = data;
    const HermodEmailInfo *a = *(HermodEmailInfo *const *)pa;
    const HermodEmailInfo *b = *(HermodEmailInfo *const *)pb;

    for (guint i = 0; i < s->keys->len; i++) {
        const SortKey *k = &g_array_index(s->keys, SortKey, i);
        gint c = compare_one(k, s->q, a, b);
        if (c != 0)
            return k->ascending ? c : -c;
    }
    return (a->email_id < b->email_id) - (a->email_id > b->email_id);
}

static GArray *
sort_keys(JmapCtx *ctx, JsonObject *args)
{
    const char *const props[] = {"receivedAt",
                                 "size",
                                 "from",
                                 "to",
                                 "subject",
                                 "hasKeyword",
                                 "allInThreadHaveKeyword",
                                 "someInThreadHaveKeyword",
                                 NULL};
    JsonNode *n = json_object_get_member(args, "sort");
    GArray *keys = g_array_new(FALSE, FALSE, sizeof(SortKey));
    JsonArray *a;

    if (n == NULL || JSON_NODE_HOLDS_NULL(n))
        return keys;
    if (!JSON_NODE_HOLDS_ARRAY(n))
        goto bad;
    a = json_node_get_array(n);
    for (guint i = 0; i < json_array_get_length(a); i++) {
        JsonNode *c = json_array_get_element(a, i);
        JsonObject *o = JSON_NODE_HOLDS_OBJECT(c) ? json_node_get_object(c) : NULL;
        SortKey k = {NULL, NULL, TRUE};
        if (o == NULL || !jmap_arg_string(ctx, o, "property", FALSE, &k.property) ||
            !jmap_arg_string(ctx, o, "keyword", FALSE, &k.keyword) ||
            !jmap_arg_bool(ctx, o, "isAscending", &k.ascending)) {
            g_array_unref(keys);
            return NULL;
        }
        if (k.property == NULL || !g_strv_contains(props, k.property) ||
            (strstr(k.property, "Keyword") != NULL &&
             (k.keyword == NULL || !jmap_keyword_valid(k.keyword)))) {
            jmap_error(ctx, "unsupportedSort", "cannot sort on %s",
                       k.property != NULL ? k.property : "(nothing)");
            g_array_unref(keys);
            return NULL;
        }
        g_array_append_val(keys, k);
    }
    return keys;
bad:
    jmap_error(ctx, "invalidArguments", "sort must be an array of Comparators");
    g_array_unref(keys);
    return NULL;
}

/* Newest first is the order the store lists emails in (internal date,
 * then email id, descending: compare's tie-break). */
static gboolean
is_list_order(GArray *keys)
{
    const SortKey *k = &g_array_index(keys, SortKey, 0);

    return keys->len == 1 && strcmp(k->property, "receivedAt") == 0 && !k->ascending;
}

/* --- running a query */

static void
query_clear(Query *q)
{
    g_clear_pointer(&q->all, g_ptr_array_unref);
    g_clear_pointer(&q->by_box_uid, g_hash_table_unref);
    g_clear_pointer(&q->threads, g_hash_table_unref);
    g_clear_pointer(&q->text, g_hash_table_unref);
    g_clear_pointer(&q->parsed, g_hash_table_unref);
}

/* The emails of a mailbox (0: all) as the last query read them, kept
 * while the account's Email and Mailbox states stay the same: opening
 * the same list again (the webmail's inbox) reads no rows.  A few
 * lists are kept, the least recently used dropped.  Any thread. */
#define LIST_CACHE_MAX 8

typedef struct {
    char *account;
    gint64 mailbox_id;
    guint64 email_state, mailbox_state;
    GPtrArray *emails; /* a reference */
} CachedList;

static GMutex cache_lock;
static GQueue cache = G_QUEUE_INIT; /* CachedList *, most recent first */

static void
cached_free(gpointer p)
{
    CachedList *c = p;

    g_free(c->account);
    g_ptr_array_unref(c->emails);
    g_free(c);
}

void
jmap_query_cache_clear(void)
{
    g_mutex_lock(&cache_lock);
    g_queue_clear_full(&cache, cached_free);
    g_mutex_unlock(&cache_lock);
}

static GPtrArray *
cache_find(const char *account, gint64 box, guint64 es, guint64 ms)
{
    GPtrArray *out = NULL;

    g_mutex_lock(&cache_lock);
    for (GList *l = cache.head; l != NULL; l = l->next) {
        CachedList *c = l->data;
        if (c->mailbox_id == box && strcmp(c->account, account) == 0 && c->email_state == es &&
            c->mailbox_state == ms) {
            out = g_ptr_array_ref(c->emails);
            g_queue_unlink(&cache, l);
            g_queue_push_head_link(&cache, l);
            break;
        }
    }
    g_mutex_unlock(&cache_lock);
    return out;
}

static void
cache_put(const char *account, gint64 box, guint64 es, guint64 ms, GPtrArray *emails)
{
    CachedList *c = g_new0(CachedList, 1);

    c->account = g_strdup(account);
    c->mailbox_id = box;
    c->email_state = es;
    c->mailbox_state = ms;
    c->emails = g_ptr_array_ref(emails);
    g_mutex_lock(&cache_lock);
    for (GList *l = cache.head; l != NULL; l = l->next) {
        CachedList *old = l->data;
        if (old->mailbox_id == box && strcmp(old->account, account) == 0) {
            g_queue_delete_link(&cache, l);
            cached_free(old);
            break;
        }
    }
    g_queue_push_head(&cache, c);
    while (g_queue_get_length(&cache) > LIST_CACHE_MAX)
        cached_free(g_queue_pop_tail(&cache));
    g_mutex_unlock(&cache_lock);
}

/* The emails of box, from the cache when the states say it is current.
 * The states are read before the list, so a list is never filed under
 * a state older than what it shows... but may show a change its state
 * does not; a later query then sees a newer state and reads again. */
static GPtrArray *
load_emails(JmapCtx *ctx, gint64 box, GError **error)
{
    guint64 es = 0, ms = 0;
    GPtrArray *list;

    if (!jmap_api->mail->state(ctx->store, HERMOD_MAIL_KIND_EMAIL, &es, error) ||
        !jmap_api->mail->state(ctx->store, HERMOD_MAIL_KIND_MAILBOX, &ms, error))
        return NULL;
    list = cache_find(ctx->account, box, es, ms);
    if (list != NULL)
        return list;
    list = jmap_api->mail->emails(ctx->store, box, error);
    if (list != NULL)
        cache_put(ctx->account, box, es, ms, list);
    return list;
}

static gboolean
query_load(Query *q, JsonObject *filter)
{
    JsonNode *in = filter != NULL ? json_object_get_member(filter, "inMailbox") : NULL;
    gint64 box = 0;
    g_autoptr(GError) error = NULL;

    /* The thread conditions look at the whole account. */
    if (in != NULL && json_object_get_size(filter) == 1)
        box = (gint64)jmap_id_parse('M', jmap_resolve_id(q->ctx, json_node_get_string(in)));
    if (in != NULL && json_object_get_size(filter) == 1 && box == 0)
        box = -1; /* no such mailbox: nothing */
    q->all = box >= 0 ? load_emails(q->ctx, box, &error) : g_ptr_array_new();
    if (q->all == NULL) {
        jmap_store_error(q->ctx, error);
        return FALSE;
    }
    q->text =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_hash_table_unref);
    q->parsed =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, NULL, (GDestroyNotify)jmap_email_free);
    return TRUE;
}

/* The ids of the results in order; NULL after an error.  (transfer full) */
static GArray *
run_query(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *filter = NULL;
    gboolean collapse = FALSE;
    g_autoptr(GArray) keys = NULL;
    g_autoptr(GPtrArray) hits = g_ptr_array_new();
    g_autoptr(GHashTable) seen = g_hash_table_new(g_int64_hash, g_int64_equal);
    GArray *out;
    Query q = {ctx};
    SortCtx s;

    if (!jmap_check_account(ctx, args) || !jmap_arg_object(ctx, args, "filter", &filter) ||
        (filter != NULL && !valid_filter(ctx, filter, 0)) ||
        !jmap_arg_bool(ctx, args, "collapseThreads", &collapse) ||
        (keys = sort_keys(ctx, args)) == NULL || !query_load(&q, filter))
        return NULL;
    for (guint i = 0; i < q.all->len && !q.failed; i++) {
        if (filter == NULL || match(&q, q.all->pdata[i], filter))
            g_ptr_array_add(hits, q.all->pdata[i]);
    }
    if (q.failed) {
        query_clear(&q);
        return NULL;
    }
    s = (SortCtx){keys, &q};
    if (keys->len > 0 && !is_list_order(keys))
        g_ptr_array_sort_with_data(hits, compare, &s);
    out = g_array_sized_new(FALSE, FALSE, sizeof(guint64), hits->len);
    for (guint i = 0; i < hits->len; i++) {
        HermodEmailInfo *e = hits->pdata[i];
        if (collapse && g_hash_table_contains(seen, &e->thread_id))
            continue;
        g_hash_table_add(seen, &e->thread_id);
        g_array_append_val(out, e->email_id);
    }
    query_clear(&q);
    return out;
}

/* --- the common shape, from one page of the index */

/* Is the query "a mailbox, newest first" ({inMailbox} alone, no sort or
 * receivedAt descending alone)?  Then emails_page answers it.  *box: the
 * mailbox id (0: no such id, left to the general path). */
static gboolean
is_page_shape(JmapCtx *ctx, JsonObject *args, gint64 *box)
{
    JsonNode *f = json_object_get_member(args, "filter");
    JsonNode *sort = json_object_get_member(args, "sort");
    JsonNode *in, *c;
    JsonObject *k;

    if (f == NULL || !JSON_NODE_HOLDS_OBJECT(f) ||
        json_object_get_size(json_node_get_object(f)) != 1)
        return FALSE;
    in = json_object_get_member(json_node_get_object(f), "inMailbox");
    if (in == NULL || !JSON_NODE_HOLDS_VALUE(in) || json_node_get_value_type(in) != G_TYPE_STRING)
        return FALSE;
    *box = (gint64)jmap_id_parse('M', jmap_resolve_id(ctx, json_node_get_string(in)));
    if (*box <= 0)
        return FALSE;
    if (sort == NULL || JSON_NODE_HOLDS_NULL(sort))
        return TRUE;
    if (!JSON_NODE_HOLDS_ARRAY(sort) || json_array_get_length(json_node_get_array(sort)) != 1)
        return FALSE;
    c = json_array_get_element(json_node_get_array(sort), 0);
    if (!JSON_NODE_HOLDS_OBJECT(c))
        return FALSE;
    k = json_node_get_object(c);
    return g_strcmp0(json_object_get_string_member_with_default(k, "property", NULL),
                     "receivedAt") == 0 &&
           json_object_has_member(k, "isAscending") &&
           JSON_NODE_HOLDS_VALUE(json_object_get_member(k, "isAscending")) &&
           json_node_get_value_type(json_object_get_member(k, "isAscending")) == G_TYPE_BOOLEAN &&
           !json_object_get_boolean_member(k, "isAscending") && json_object_get_size(k) == 2;
}

static void
page_reply(JmapCtx *ctx, const char *state, GPtrArray *emails, const HermodEmailPage *page,
           gboolean total, gint64 limit)
{
    JsonObject *out = json_object_new();
    JsonArray *ids = json_array_new();

    for (guint i = 0; i < emails->len; i++) {
        g_autofree char *id = jmap_id('E', ((HermodEmailInfo *)emails->pdata[i])->email_id);
        json_array_add_string_element(ids, id);
    }
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_string_member(out, "queryState", state);
    json_object_set_boolean_member(out, "canCalculateChanges", TRUE);
    json_object_set_int_member(out, "position", (gint64)page->out_position);
    json_object_set_array_member(out, "ids", ids);
    if (total)
        json_object_set_int_member(out, "total", (gint64)page->total);
    if (limit >= 0)
        json_object_set_int_member(out, "limit", limit);
    jmap_reply(ctx, "Email/query", out);
}

/* Answer from emails_page; FALSE when the query is not of that shape
 * (nothing sent).  The state is read before the page: a client that
 * asks for changes since it may get some twice, never miss one. */
static gboolean
page_query(JmapCtx *ctx, JsonObject *args)
{
    HermodEmailPage page = {0};
    const char *anchor = NULL;
    gint64 limit = -1, position = 0, offset = 0;
    gboolean total = FALSE;
    g_autofree char *state = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) emails = NULL;

    if (!is_page_shape(ctx, args, &page.mailbox_id))
        return FALSE;
    if (!jmap_check_account(ctx, args) ||
        !jmap_arg_bool(ctx, args, "collapseThreads", &page.collapse_threads) ||
        !jmap_arg_string(ctx, args, "anchor", TRUE, &anchor) ||
        !jmap_arg_int(ctx, args, "position", G_MININT64, &position) ||
        !jmap_arg_int(ctx, args, "anchorOffset", G_MININT64, &offset) ||
        !jmap_arg_int(ctx, args, "limit", 0, &limit) ||
        !jmap_arg_bool(ctx, args, "calculateTotal", &total) ||
        (state = jmap_kind_state(ctx, HERMOD_MAIL_KIND_EMAIL)) == NULL)
        return TRUE;
    page.position = position;
    page.anchor_offset = offset;
    page.limit = limit < 0 ? 0 : (guint)MIN(limit, G_MAXUINT);
    if (anchor != NULL && (page.anchor = jmap_id_parse('E', anchor)) == 0) {
        jmap_error(ctx, "anchorNotFound", "%s is not in the results", anchor);
        return TRUE;
    }
    if (limit == 0) {
        page.limit = 1; /* the total and position, no ids */
        emails = jmap_api->mail->emails_page(ctx->store, &page, &error);
        if (emails != NULL)
            g_ptr_array_set_size(emails, 0);
    } else
        emails = jmap_api->mail->emails_page(ctx->store, &page, &error);
    if (emails == NULL && g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE))
        jmap_error(ctx, "anchorNotFound", "%s is not in the results", anchor);
    else if (emails == NULL)
        jmap_store_error(ctx, error);
    else
        page_reply(ctx, state, emails, &page, total, limit);
    return TRUE;
}

void
jmap_email_query(JmapCtx *ctx, JsonObject *args)
{
    g_autoptr(GArray) ids = NULL;

    if (page_query(ctx, args))
        return;
    ids = run_query(ctx, args);

    if (ids != NULL)
        jmap_query_reply(ctx, args, "Email/query", HERMOD_MAIL_KIND_EMAIL, ids, 'E', TRUE);
}

/* --- Email/queryChanges */

static void
add_id(GHashTable *set, guint64 id)
{
    if (!g_hash_table_contains(set, &id))
        g_hash_table_add(set, g_memdup2(&id, sizeof id));
}

static void
add_changed(GHashTable *set, GArray *a)
{
    for (guint i = 0; a != NULL && i < a->len; i++)
        add_id(set, g_array_index(a, guint64, i));
}

static void
add_threads(GHashTable *threads, GArray *a)
{
    for (guint i = 0; a != NULL && i < a->len; i++)
        add_id(threads, g_array_index(a, guint64, i));
}

/* Widen changed to every email of a thread that changed: which email
 * stands for a thread (collapseThreads), and whether an email matches a
 * thread condition (someInThreadHaveKeyword...), follow its thread
 * mates.  The threads are those of the changed emails that still exist
 * and those the change log has (a thread's last email destroyed, or a
 * new one).  FALSE after a store failure (sent). */
static gboolean
widen_to_threads(JmapCtx *ctx, guint64 seq, const HermodMailChanges *c, GHashTable *changed)
{
    g_autoptr(GHashTable) threads =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    g_autoptr(GArray) existing = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_autoptr(GPtrArray) emails = NULL, mates = NULL;
    g_autoptr(GArray) list = g_array_new(FALSE, FALSE, sizeof(guint64));
    g_autoptr(GError) error = NULL;
    HermodMailChanges tc;
    GHashTableIter it;
    gpointer key;

    g_array_append_vals(existing, c->created->data, c->created->len);
    g_array_append_vals(existing, c->updated->data, c->updated->len);
    emails = jmap_api->mail->emails_get(ctx->store, (const guint64 *)existing->data, existing->len,
                                        &error);
    if (emails == NULL ||
        !jmap_api->mail->changes(ctx->store, HERMOD_MAIL_KIND_THREAD, seq, 0, &tc, &error)) {
        jmap_store_error(ctx, error);
        return FALSE;
    }
    for (guint i = 0; i < emails->len; i++)
        add_id(threads, ((HermodEmailInfo *)emails->pdata[i])->thread_id);
    add_threads(threads, tc.created);
    add_threads(threads, tc.updated);
    jmap_api->mail->changes_clear(&tc);
    g_hash_table_iter_init(&it, threads);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_array_append_val(list, *(guint64 *)key);
    mates =
        jmap_api->mail->thread_emails(ctx->store, (const guint64 *)list->data, list->len, &error);
    if (mates == NULL) {
        jmap_store_error(ctx, error);
        return FALSE;
    }
    for (guint i = 0; i < mates->len; i++)
        add_id(changed, ((HermodEmailInfo *)mates->pdata[i])->email_id);
    return TRUE;
}

void
jmap_email_query_changes(JmapCtx *ctx, JsonObject *args)
{
    const char *since = NULL;
    guint64 seq = 0;
    gint64 max = 0;
    gboolean total = FALSE, collapse = FALSE;
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) ids = NULL;
    g_autoptr(GHashTable) changed =
        g_hash_table_new_full(g_int64_hash, g_int64_equal, g_free, NULL);
    HermodMailChanges c;

    if (!jmap_check_account(ctx, args) ||
        !jmap_arg_string(ctx, args, "sinceQueryState", FALSE, &since) ||
        !jmap_arg_int(ctx, args, "maxChanges", 1, &max) ||
        !jmap_arg_bool(ctx, args, "calculateTotal", &total) ||
        !jmap_arg_bool(ctx, args, "collapseThreads", &collapse))
        return;
    if (since == NULL || !jmap_state_parse(since, &seq)) {
        jmap_error(ctx, "cannotCalculateChanges", "sinceQueryState is not a state of ours");
        return;
    }
    if (!jmap_api->mail->changes(ctx->store, HERMOD_MAIL_KIND_EMAIL, seq, 0, &c, &error)) {
        jmap_error(ctx, "cannotCalculateChanges", "%s", error->message);
        return;
    }
    add_changed(changed, c.created);
    add_changed(changed, c.updated);
    add_changed(changed, c.destroyed);
    if (g_hash_table_size(changed) > 0 && widen_to_threads(ctx, seq, &c, changed) &&
        (ids = run_query(ctx, args)) != NULL) {
        if (max > 0 && g_hash_table_size(changed) > (guint64)max)
            jmap_error(ctx, "tooManyChanges", "%u changes", g_hash_table_size(changed));
        else
            jmap_query_changes_reply(ctx, "Email/queryChanges", HERMOD_MAIL_KIND_EMAIL, 'E', since,
                                     ids, changed, total);
    } else if (g_hash_table_size(changed) == 0 && (ids = run_query(ctx, args)) != NULL) {
        jmap_query_changes_reply(ctx, "Email/queryChanges", HERMOD_MAIL_KIND_EMAIL, 'E', since, ids,
                                 changed, total);
    }
    jmap_api->mail->changes_clear(&c);
}
