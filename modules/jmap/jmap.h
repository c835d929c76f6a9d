/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * jmap.h - what the jmap module's files share: the core's tables, the
 * per-request context the methods work in, and the methods' contract.
 *
 * A JMAP API request is parsed (request.c), then every method call runs
 * in one work-pool job with the account's store open (api.c); a method
 * reads its arguments from a JsonObject and appends one or more
 * responses (or one error) to the context.  Ids on the wire are prefixed
 * numbers ("M12" mailbox, "E345" email, "T67" thread, ...: ids.c); an id
 * that does not parse, or that is not the caller's, is simply not found.
 */
#ifndef HERMOD_JMAP_H
#define HERMOD_JMAP_H

#include <json-glib/json-glib.h>

#include <hermod/hermod.h>

#include "request.h"

G_BEGIN_DECLS

extern const HermodApi *jmap_api;
extern HermodModule *jmap_module;

#define JMAP_CAP_CORE       "urn:ietf:params:jmap:core"
#define JMAP_CAP_MAIL       "urn:ietf:params:jmap:mail"
#define JMAP_CAP_SUBMISSION "urn:ietf:params:jmap:submission"
#define JMAP_CAP_VACATION   "urn:ietf:params:jmap:vacationresponse"

/* The limits the server enforces and announces (session.c). */
#define JMAP_MAX_SIZE_REQUEST        (10 * 1024 * 1024)
#define JMAP_MAX_CALLS               32
#define JMAP_MAX_OBJECTS_GET         500
#define JMAP_MAX_OBJECTS_SET         500
#define JMAP_MAX_CONCURRENT_REQUESTS 8
#define JMAP_MAX_CONCURRENT_UPLOAD   4

/* Module kinds of the store's change log (HERMOD_MAIL_KIND_MODULE up). */
#define JMAP_KIND_IDENTITY   (HERMOD_MAIL_KIND_MODULE + 0)
#define JMAP_KIND_SUBMISSION (HERMOD_MAIL_KIND_MODULE + 1)
#define JMAP_KIND_VACATION   (HERMOD_MAIL_KIND_MODULE + 2)

/* One API request being run, on a work-pool thread. */
typedef struct {
    char *account;          /* canonical address */
    char *account_id;       /* its JMAP id */
    HermodMailStore *store; /* nullable until opened */
    JmapRequest *request;
    GHashTable *using;    /* capability -> itself */
    GHashTable *created;  /* creation id -> server id (createdIds) */
    JsonArray *responses; /* the methodResponses */
    const char *call_id;  /* of the method running */
    const char *session;  /* log session id */
    /* The mailboxes (HermodMailboxInfo *), read once per request and
     * dropped after a change (jmap_mailboxes). */
    GPtrArray *mailboxes;
} JmapCtx;

/* A method: reads args (transfer none), appends its responses. */
typedef void (*JmapMethod)(JmapCtx *ctx, JsonObject *args);

/* --- api.c */

/* Run ctx->request (ctx->account, account_id, store set); returns the
 * Response object's JSON.  Work-pool thread.  (transfer full) */
char *jmap_api_run(JmapCtx *ctx, const char *session_state);
/* Free what jmap_api_run made and the store reference. */
void jmap_ctx_clear(JmapCtx *ctx);

/* Append [name, args, callId]; takes args (transfer full). */
void jmap_reply(JmapCtx *ctx, const char *name, JsonObject *args);
/* Append ["error", {"type": type, "description": ...}, callId]. */
void jmap_error(JmapCtx *ctx, const char *type, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
/* The store error as a method error (serverFail, logged). */
void jmap_store_error(JmapCtx *ctx, const GError *error);
/* Check args' accountId against the caller's; sends accountNotFound. */
gboolean jmap_check_account(JmapCtx *ctx, JsonObject *args);
/* The server id a "#creationId" was given in this request, or id itself
 * (transfer none); NULL for an unknown creation id. */
const char *jmap_resolve_id(JmapCtx *ctx, const char *id);

/* --- args.c: reading method arguments; FALSE after sending
 * invalidArguments.  *out untouched when the member is absent. */

gboolean jmap_arg_string(JmapCtx *ctx, JsonObject *args, const char *name, gboolean nullable,
                         const char **out);
gboolean jmap_arg_int(JmapCtx *ctx, JsonObject *args, const char *name, gint64 min, gint64 *out);
gboolean jmap_arg_bool(JmapCtx *ctx, JsonObject *args, const char *name, gboolean *out);
/* An array of strings, or null (*out NULL).  (transfer container) */
gboolean jmap_arg_strings(JmapCtx *ctx, JsonObject *args, const char *name, GPtrArray **out);
gboolean jmap_arg_object(JmapCtx *ctx, JsonObject *args, const char *name, JsonObject **out);
/* Every member of args is one of allowed (NULL-terminated). */
gboolean jmap_args_known(JmapCtx *ctx, JsonObject *args, const char *const *allowed);

/* util.c: o's member name if it is an object, else NULL (transfer none). */
JsonObject *jmap_obj(JsonObject *o, const char *name);
/* a's element i if it is an object, else NULL (transfer none). */
JsonObject *jmap_elem_obj(JsonArray *a, guint i);

/* --- ids.c */

/* "a" + 16 hex digits of the account's SHA-256.  (transfer full) */
char *jmap_account_id(const char *account);
/* prefix + decimal number.  (transfer full) */
char *jmap_id(char prefix, guint64 n);
/* The number of an id with prefix, or 0 if it is not one. */
guint64 jmap_id_parse(char prefix, const char *id);
/* A state string for a change-log sequence number. */
char *jmap_state(guint64 seq);
/* Parse a state string; FALSE if it is not one of ours. */
gboolean jmap_state_parse(const char *state, guint64 *out);
/* An RFC 3339 UTC date.  (transfer full) */
char *jmap_utc_date(gint64 t);
/* Parse one; FALSE if bad. */
gboolean jmap_parse_date(const char *text, gint64 *out);
/* The IMAP keyword of a JMAP keyword and back ($seen <-> \Seen bit).
 * Returns the flag bit, or 0 for a plain keyword. */
guint32 jmap_keyword_flag(const char *keyword);
/* Is keyword a valid JMAP keyword (RFC 8621 4.1.1)? */
gboolean jmap_keyword_valid(const char *keyword);

/* --- mailbox.c */

/* The account's mailboxes (cached in ctx; transfer none), or NULL after
 * sending serverFail. */
GPtrArray *jmap_mailboxes(JmapCtx *ctx);
/* Forget the cache after a change. */
void jmap_mailboxes_changed(JmapCtx *ctx);
/* The mailbox of a JMAP id (transfer none), or NULL. */
const HermodMailboxInfo *jmap_mailbox_by_id(JmapCtx *ctx, const char *id);
/* The mailbox with special use (e.g. "\\Trash"), or NULL. */
const HermodMailboxInfo *jmap_mailbox_by_role(JmapCtx *ctx, const char *special_use);
/* Its role name ("inbox", "sent", ...) or NULL. */
const char *jmap_mailbox_role(const HermodMailboxInfo *mb);

/* --- session.c */

/* The session resource for account, with URLs under base
 * ("https://host:port").  (transfer full) */
char *jmap_session_json(const char *account, const char *base);
/* The session's state string (changes only with the server's
 * capabilities).  (transfer full) */
char *jmap_session_state(const char *account);
/* The capabilities the server knows, NULL-terminated. */
extern const char *const jmap_capabilities[];

/* --- the methods (one file per type) */
void jmap_core_echo(JmapCtx *ctx, JsonObject *args);
void jmap_mailbox_get(JmapCtx *ctx, JsonObject *args);
void jmap_mailbox_changes(JmapCtx *ctx, JsonObject *args);
void jmap_mailbox_query(JmapCtx *ctx, JsonObject *args);
void jmap_mailbox_query_changes(JmapCtx *ctx, JsonObject *args);
void jmap_mailbox_set(JmapCtx *ctx, JsonObject *args);
void jmap_thread_get(JmapCtx *ctx, JsonObject *args);
void jmap_thread_changes(JmapCtx *ctx, JsonObject *args);
void jmap_email_get(JmapCtx *ctx, JsonObject *args);
void jmap_email_changes(JmapCtx *ctx, JsonObject *args);
void jmap_email_query(JmapCtx *ctx, JsonObject *args);
void jmap_email_query_changes(JmapCtx *ctx, JsonObject *args);
/* Drop the lists Email/query keeps (module shutdown). */
void jmap_query_cache_clear(void);
void jmap_email_set(JmapCtx *ctx, JsonObject *args);

/* --- changes.c: /changes of a store kind */
void jmap_changes(JmapCtx *ctx, JsonObject *args, const char *name, HermodMailKind kind,
                  char prefix);
/* The state string of kind now, or NULL after sending serverFail. */
char *jmap_kind_state(JmapCtx *ctx, HermodMailKind kind);

G_END_DECLS

#endif
