/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * events.c - GET /im/api/events: a browser tab's live IM session.
 *
 * The tab opens an EventSource; this file answers with the core's event
 * stream and opens an IM hub session (client "web") that writes to it:
 * the hub itself sends "im", "presence" and "transient" events as JSON.
 * The first event, "hello", tells the tab its resource, which it names
 * in later POSTs (presence, typing) so that they act on this session.
 * The session ends when the request does (the client went away, the
 * server stops): WebimCall's free function calls webim_events_forget.
 * The registry of streams by account and resource is the only state,
 * behind one lock; the web threads and nothing else use it.
 */
#include "autoconfig.h"

#include "webim.h"

static GMutex lock;
static GHashTable *streams; /* "account\nresource" -> WebimCall* (not owned) */

static char *
key_of(const char *account, const char *resource)
{
    return g_strconcat(account, "\n", resource, NULL);
}

void
webim_events(WebimCall *c)
{
    const HermodWebApi *web = webim_api->web;
    g_autoptr(GError) error = NULL;
    HermodImSessionSpec spec = {
        .struct_size = sizeof spec,
        .account = c->account,
        .client = HERMOD_IM_CLIENT_WEB,
        .presence = HERMOD_IM_PRESENCE_ONLINE,
    };
    g_autofree char *hello = NULL;
    JsonBuilder *b;

    c->sse = web->respond_sse(c->req);
    spec.sse = c->sse;
    c->im = webim_api->im->session_open(&spec, &error);
    if (c->im == NULL) {
        webim_api->log(HERMOD_LOG_WARNING, web->req_session(c->req), "webim: %s", error->message);
        web->sse_close(c->sse);
        c->sse = NULL;
        return;
    }
    b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "resource");
    json_builder_add_string_value(b, webim_api->im->session_resource(c->im));
    json_builder_set_member_name(b, "account");
    json_builder_add_string_value(b, c->account);
    json_builder_end_object(b);
    hello = webim_json_finish(b);
    web->sse_send(c->sse, "hello", hello);
    g_mutex_lock(&lock);
    if (streams == NULL)
        streams = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_hash_table_insert(streams, key_of(c->account, webim_api->im->session_resource(c->im)), c);
    g_mutex_unlock(&lock);
}

void
webim_events_forget(WebimCall *c)
{
    if (c->im != NULL) {
        g_autofree char *key = key_of(c->account, webim_api->im->session_resource(c->im));
        g_mutex_lock(&lock);
        if (streams != NULL && g_hash_table_lookup(streams, key) == c)
            g_hash_table_remove(streams, key);
        g_mutex_unlock(&lock);
        webim_api->im->session_close(c->im);
        c->im = NULL;
    }
    if (c->sse != NULL)
        webim_api->web->sse_close(c->sse);
    c->sse = NULL;
}

gboolean
webim_with_session(const char *account, const char *resource,
                   void (*fn)(HermodImSession *s, gpointer data), gpointer data)
{
    g_autofree char *key = key_of(account, resource != NULL ? resource : "");
    WebimCall *c;

    g_mutex_lock(&lock);
    c = streams != NULL ? g_hash_table_lookup(streams, key) : NULL;
    if (c != NULL)
        fn(c->im, data);
    g_mutex_unlock(&lock);
    return c != NULL;
}
