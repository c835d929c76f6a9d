/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * webim.h - what the webim module's files share: the core's table, one
 * request's state, and the routes (api.c) and the event stream
 * (events.c).
 */
#ifndef HERMOD_WEBIM_H
#define HERMOD_WEBIM_H

#include <hermod/hermod.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

extern const HermodApi *webim_api;
extern HermodModule *webim_module;

/* One request, from on_request to its end (req_set_data frees it). */
typedef struct {
    HermodHttpRequest *req;
    char *account;       /* canonical, once the session is checked */
    JsonNode *body;      /* POST: the parsed JSON object, else NULL */
    guint status;        /* the answer work prepared */
    char *out;           /* its JSON */
    HermodSse *sse;      /* events: the stream (a reference) */
    HermodImSession *im; /* events: the hub session */
    void (*work)(gpointer call);
} WebimCall;

/* --- api.c (web thread) --- */
void webim_on_request(HermodHttpRequest *req, gpointer data);

/* --- events.c (web thread) --- */
/* GET events: the stream, and a hub session writing to it. */
void webim_events(WebimCall *c);
/* The session of account's stream resource (a reference through the
 * returned pointer is not taken: valid while the registry lock is held
 * inside the call), for presence and typing POSTs. */
gboolean webim_with_session(const char *account, const char *resource,
                            void (*fn)(HermodImSession *s, gpointer data), gpointer data);
void webim_events_forget(WebimCall *c);

/* --- JSON helpers (api.c) --- */
char *webim_json_error(const char *type, const char *message);
char *webim_json_finish(JsonBuilder *b);

G_END_DECLS

#endif
