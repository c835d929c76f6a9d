/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * api.c - the webmail's IM API under /im/api/, JSON in and out:
 *
 *   GET  events             the tab's live session (events.c)
 *   GET  contacts           the domain's accounts: presence, unread count
 *   GET  history?with=A[&before=ID][&limit=N]   a conversation, oldest first
 *   GET  broadcasts         the admin's notices not shown yet (marks them)
 *   POST send    {"to"|"group":[...], "text", "thread"?}   -> {"id"}
 *   POST read    {"with"}   incoming IMs from with are read
 *   POST presence {"resource","presence","status"?}
 *   POST typing  {"resource","to","state"}   a passing chat state
 *
 * Every route needs the core's web session (the webmail's login; POSTs
 * its CSRF header, which the core checks).  Routes that read or write
 * the history run on the work pool with the request suspended; presence
 * and typing touch only the hub's registry.  Errors are JSON objects
 * {"type","message"} with a 4xx/5xx status; nothing here builds HTML.
 */
#include "autoconfig.h"

#include <string.h>

#include "webim.h"

#define HISTORY_DEFAULT 50

static void
add_string(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value != NULL)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

char *
webim_json_finish(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);

    json_generator_set_root(gen, root);
    g_object_unref(b);
    return json_generator_to_data(gen, NULL);
}

char *
webim_json_error(const char *type, const char *message)
{
    JsonBuilder *b = json_builder_new();

    json_builder_begin_object(b);
    add_string(b, "type", type);
    add_string(b, "message", message);
    json_builder_end_object(b);
    return webim_json_finish(b);
}

static void
fail(WebimCall *c, guint status, const char *type, const char *message)
{
    g_free(c->out);
    c->status = status;
    c->out = webim_json_error(type, message);
}

static const char *
body_string(WebimCall *c, const char *name)
{
    JsonObject *o = c->body != NULL ? json_node_get_object(c->body) : NULL;
    JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

    return n != NULL && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
               ? json_node_get_string(n)
               : NULL;
}

/* --- work functions (pool threads) --- */

static void
work_contacts(gpointer p)
{
    WebimCall *c = p;
    const HermodImApi *im = webim_api->im;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) accounts = im->accounts(strrchr(c->account, '@') + 1, &error);
    g_autoptr(GHashTable) unread = NULL;
    guint total = 0;

    if (accounts == NULL || !im->unread(c->account, &total, &unread, &error)) {
        fail(c, 503, "serverFail", error->message);
        return;
    }
    JsonBuilder *b = json_builder_new();
    json_builder_begin_array(b);
    for (guint i = 0; i < accounts->len; i++) {
        const char *a = accounts->pdata[i];
        if (g_str_equal(a, c->account))
            continue;
        json_builder_begin_object(b);
        add_string(b, "address", a);
        add_string(b, "presence",
                   im->presence_of(a) == HERMOD_IM_PRESENCE_OFFLINE  ? "offline"
                   : im->presence_of(a) == HERMOD_IM_PRESENCE_ONLINE ? "online"
                   : im->presence_of(a) == HERMOD_IM_PRESENCE_CHAT   ? "online"
                                                                     : "away");
        json_builder_set_member_name(b, "unread");
        json_builder_add_int_value(b, GPOINTER_TO_UINT(g_hash_table_lookup(unread, a)));
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    c->status = 200;
    c->out = webim_json_finish(b);
}

static gint64
query_int(WebimCall *c, const char *name, gint64 fallback)
{
    const char *v = webim_api->web->req_query_arg(c->req, name);
    char *end = NULL;
    gint64 n = v != NULL ? g_ascii_strtoll(v, &end, 10) : fallback;

    return v != NULL && (end == v || *end != '\0' || n < 0) ? -1 : n;
}

static void
work_history(gpointer p)
{
    WebimCall *c = p;
    const char *with = webim_api->web->req_query_arg(c->req, "with");
    gint64 before = query_int(c, "before", 0), limit = query_int(c, "limit", HISTORY_DEFAULT);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;

    if (with == NULL || before < 0 || limit <= 0 || limit > 500) {
        fail(c, 400, "invalidArguments", "with=ADDRESS, before=ID, limit=1..500");
        return;
    }
    HermodImQuery q = {.struct_size = sizeof q,
                       .account = c->account,
                       .with = with,
                       .before_id = before,
                       .limit = (guint)limit,
                       .is_last = TRUE};
    list = webim_api->im->history(&q, &error);
    if (list == NULL) {
        fail(c, 503, "serverFail", error->message);
        return;
    }
    /* the hub's own JSON for each IM: the event stream's shape */
    GString *out = g_string_new("[");
    for (guint i = 0; i < list->len; i++) {
        g_autofree char *one = webim_api->im->im_json(list->pdata[i]);
        g_string_append(out, i > 0 ? "," : "");
        g_string_append(out, one);
    }
    g_string_append_c(out, ']');
    c->status = 200;
    c->out = g_string_free(out, FALSE);
}

static void
work_broadcasts(gpointer p)
{
    WebimCall *c = p;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = webim_api->im->broadcast_take(c->account, &error);

    if (list == NULL) {
        fail(c, 503, "serverFail", error->message);
        return;
    }
    JsonBuilder *b = json_builder_new();
    json_builder_begin_array(b);
    for (guint i = 0; i < list->len; i++)
        json_builder_add_string_value(b, list->pdata[i]);
    json_builder_end_array(b);
    c->status = 200;
    c->out = webim_json_finish(b);
}

/* group: the body's string array, NULL-terminated (transfer container). */
static const char **
body_group(WebimCall *c)
{
    JsonObject *o = json_node_get_object(c->body);
    JsonArray *a =
        json_object_has_member(o, "group") ? json_object_get_array_member(o, "group") : NULL;
    guint n = a != NULL ? json_array_get_length(a) : 0;
    const char **out = n > 0 && n <= 50 ? g_new0(const char *, n + 1) : NULL;

    for (guint i = 0; out != NULL && i < n; i++) {
        JsonNode *e = json_array_get_element(a, i);
        out[i] = JSON_NODE_HOLDS_VALUE(e) && json_node_get_value_type(e) == G_TYPE_STRING
                     ? json_node_get_string(e)
                     : "";
    }
    return out;
}

static void
work_send(gpointer p)
{
    WebimCall *c = p;
    g_autofree const char **group = body_group(c);
    g_autoptr(GError) error = NULL;
    HermodImSend req = {.struct_size = sizeof req,
                        .source = "webmail",
                        .sender = c->account,
                        .recipient = body_string(c, "to"),
                        .text = body_string(c, "text"),
                        .thread = body_string(c, "thread"),
                        .session = webim_api->web->req_session(c->req),
                        .group = (const char *const *)group};
    gint64 id = 0, sent = 0;

    if (req.text == NULL || (req.recipient == NULL && group == NULL)) {
        fail(c, 400, "invalidArguments", "send needs \"text\" and \"to\" or \"group\"");
        return;
    }
    if (!webim_api->im->deliver(&req, &id, &sent, &error)) {
        gboolean is_temp = g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP);
        fail(c, is_temp ? 503 : 422, is_temp ? "serverFail" : "invalidRecipient", error->message);
        return;
    }
    JsonBuilder *b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, sent != 0 ? sent : id);
    json_builder_end_object(b);
    c->status = 200;
    c->out = webim_json_finish(b);
}

static void
work_read(gpointer p)
{
    WebimCall *c = p;
    const char *with = body_string(c, "with");
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));

    if (with == NULL) {
        fail(c, 400, "invalidArguments", "read needs \"with\"");
        return;
    }
    HermodImQuery q = {.struct_size = sizeof q,
                       .account = c->account,
                       .with = with,
                       .is_incoming_only = TRUE,
                       .without_flags = HERMOD_IM_FLAG_READ};
    list = webim_api->im->history(&q, &error);
    for (guint i = 0; list != NULL && i < list->len; i++)
        g_array_append_val(ids, ((HermodIm *)list->pdata[i])->id);
    if (list == NULL || !webim_api->im->set_flags(c->account, (const gint64 *)ids->data, ids->len,
                                                  HERMOD_IM_FLAG_READ, TRUE, &error)) {
        fail(c, 503, "serverFail", error->message);
        return;
    }
    c->status = 200;
    c->out = g_strdup_printf("{\"read\":%u}", ids->len);
}

/* --- immediate routes (web thread; the hub's registry only) --- */

typedef struct {
    WebimCall *call;
    gboolean is_ok;
} Act;

static HermodImPresence
presence_of_name(const char *name)
{
    static const char *const names[] = {"offline", "online", "away", "xa", "dnd", "chat", NULL};

    for (int i = 0; name != NULL && names[i] != NULL; i++) {
        if (g_str_equal(name, names[i]))
            return (HermodImPresence)i;
    }
    return (HermodImPresence)-1;
}

static void
set_presence(HermodImSession *s, gpointer data)
{
    Act *a = data;
    HermodImPresence p = presence_of_name(body_string(a->call, "presence"));

    a->is_ok = (int)p >= 0;
    if (a->is_ok)
        webim_api->im->session_set_presence(s, p, body_string(a->call, "status"), 0);
}

static void
send_typing(HermodImSession *s, gpointer data)
{
    Act *a = data;
    const char *to = body_string(a->call, "to"), *state = body_string(a->call, "state");

    a->is_ok = to != NULL && state != NULL;
    if (a->is_ok)
        webim_api->im->send_transient(s, to, NULL, "chatstate", state);
}

static void
run_immediate(WebimCall *c, void (*fn)(HermodImSession *s, gpointer data))
{
    Act a = {c, FALSE};

    if (!webim_with_session(c->account, body_string(c, "resource"), fn, &a)) {
        fail(c, 404, "notFound", "no live session with that resource (GET events first)");
        return;
    }
    if (!a.is_ok) {
        fail(c, 400, "invalidArguments", "bad or missing arguments");
        return;
    }
    c->status = 200;
    c->out = g_strdup("{}");
}

/* --- dispatch --- */

typedef struct {
    const char *method;
    const char *name;
    void (*work)(gpointer call);                                        /* on the pool */
    void (*now)(WebimCall *c, void (*fn)(HermodImSession *, gpointer)); /* on the web thread */
    void (*fn)(HermodImSession *s, gpointer data);
} Route;

static const Route routes[] = {
    {"GET", "events", NULL, NULL, NULL},
    {"GET", "contacts", work_contacts, NULL, NULL},
    {"GET", "history", work_history, NULL, NULL},
    {"GET", "broadcasts", work_broadcasts, NULL, NULL},
    {"POST", "send", work_send, NULL, NULL},
    {"POST", "read", work_read, NULL, NULL},
    {"POST", "presence", NULL, run_immediate, set_presence},
    {"POST", "typing", NULL, run_immediate, send_typing},
};

static void
call_free(gpointer p)
{
    WebimCall *c = p;

    webim_events_forget(c);
    g_free(c->account);
    if (c->body != NULL)
        json_node_unref(c->body);
    g_free(c->out);
    g_free(c);
}

static void
answer(WebimCall *c)
{
    const HermodWebApi *web = webim_api->web;
    g_autoptr(GBytes) body = g_bytes_new(c->out, strlen(c->out));

    web->resp_header(c->req, "Cache-Control", "no-store");
    web->respond(c->req, c->status, "application/json", body);
}

static void
on_done(HermodHttpRequest *req, gpointer data)
{
    answer(data);
}

static const Route *
find_route(HermodHttpRequest *req)
{
    const HermodWebApi *web = webim_api->web;
    const char *path = web->req_path(req);
    const char *name = g_str_has_prefix(path, "/im/api/") ? path + strlen("/im/api/") : "";

    for (gsize i = 0; i < G_N_ELEMENTS(routes); i++) {
        if (g_str_equal(routes[i].name, name) &&
            g_str_equal(routes[i].method, web->req_method(req)))
            return &routes[i];
    }
    return NULL;
}

static gboolean
parse_body(WebimCall *c)
{
    gsize len = 0;
    const guint8 *data = webim_api->web->req_body(c->req, &len);
    g_autoptr(JsonParser) parser = json_parser_new();

    if (!json_parser_load_from_data(parser, (const char *)data, (gssize)len, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
        return FALSE;
    c->body = json_node_copy(json_parser_get_root(parser));
    return TRUE;
}

static void
on_auth(HermodHttpRequest *req, HermodWebAuthResult result, const char *account, gpointer data)
{
    WebimCall *c = data;
    const Route *r = find_route(req);

    if (result != HERMOD_WEB_AUTH_OK) {
        fail(c,
             result == HERMOD_WEB_AUTH_TEMPFAIL ? 503
             : result == HERMOD_WEB_AUTH_CSRF   ? 403
                                                : 401,
             "unauthorized", "log in to the webmail first");
        answer(c);
        return;
    }
    c->account = g_strdup(account);
    if (g_str_equal(r->method, "POST") && !parse_body(c)) {
        fail(c, 400, "notJSON", "the body must be a JSON object");
        answer(c);
    } else if (r->work != NULL) {
        webim_api->web->work_run(req, r->work, on_done, c);
    } else if (r->now != NULL) {
        r->now(c, r->fn);
        answer(c);
    } else {
        webim_events(c);
        if (c->sse == NULL) {
            fail(c, 503, "serverFail", "cannot open the IM session");
            answer(c);
        }
    }
}

void
webim_on_request(HermodHttpRequest *req, gpointer data)
{
    WebimCall *c = g_new0(WebimCall, 1);

    c->req = req;
    webim_api->web->req_set_data(req, c, call_free);
    if (find_route(req) == NULL) {
        fail(c, 404, "notFound", "no such IM API route");
        answer(c);
        return;
    }
    webim_api->web->session_check(req, on_auth, c);
}
