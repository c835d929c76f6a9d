/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/im.h - the IM hub's table (ABI 1.8): deliver an instant message
 * to an account, live sessions with presence, the account's IM history,
 * admin broadcasts and per-account IM settings.
 *
 * Every IM -- from a semaphore file, a calendar reminder, the webmail or
 * an XMPP client -- goes through deliver: it is stored in the history of
 * each account the recipient address reaches (an account, an alias, a
 * plus-address, any case, as SMTP resolves it) and in the sender's when
 * the sender is a local account, durably, before deliver returns; then it
 * is pushed to the live sessions of those accounts (and to the sender's
 * other sessions, so that every client of a user shows what it sent:
 * XMPP carbons, XEP-0280); then one line goes to the daily central log
 * data_dir/logs/im-YYYY-MM-DD.log.
 *
 * A live session is a webmail event stream or an XMPP connection that
 * wants an account's IMs as they arrive and the domain's presence.  Each
 * history entry has an id that grows per account and never changes (the
 * XEP-0313 archive id, the webmail's cursor).  Offline storage (RFC 6121
 * 8.5.2) is the history itself: deliver sets HERMOD_IM_FLAG_PUSHED_XMPP on
 * an entry when an XMPP session of the account was live to receive it, so
 * an XMPP module asks history for incoming entries without that flag at
 * login, sends them and sets the flag with set_flags.
 *
 * Records come as pointers in GPtrArrays (free with the array), so that a
 * later minor may append members to them.  Requests carry struct_size.
 *
 * Errors: HERMOD_IM_ERROR (below).  A history read that fails fails whole
 * (never a short list); "nothing there" is an empty array.
 *
 * Threads: every member may be called from any thread.  Members marked
 * "blocking" write or read SQLite and may fsync: call them from the work
 * pool (HermodApi.work_run, HermodWebApi.work_run), never on a loop or web
 * thread.  The table is append-only like HermodApi; check
 * HERMOD_IM_API_HAS.
 */
#ifndef HERMOD_IM_H
#define HERMOD_IM_H

#include <glib.h>
#include <hermod/protocol.h>
#include <hermod/web.h>

G_BEGIN_DECLS

typedef struct HermodImSession HermodImSession; /* opaque: one live session */

/* Presence of a session, as XMPP's <show/> values. */
typedef enum {
    HERMOD_IM_PRESENCE_OFFLINE = 0, /* unavailable: the session ended */
    HERMOD_IM_PRESENCE_ONLINE,      /* available, no <show/> */
    HERMOD_IM_PRESENCE_AWAY,
    HERMOD_IM_PRESENCE_XA, /* extended away */
    HERMOD_IM_PRESENCE_DND,
    HERMOD_IM_PRESENCE_CHAT, /* free for chat */
} HermodImPresence;

/* The kind of a live session (HermodImSessionSpec.client); also the
 * PUSHED flag bits below. */
typedef enum {
    HERMOD_IM_CLIENT_WEB = 1 << 0,
    HERMOD_IM_CLIENT_XMPP = 1 << 1,
} HermodImClient;

/* Flags of a history entry (HermodIm.flags, set_flags). */
typedef enum {
    /* A live webmail / XMPP session of the account received it at
     * delivery (or an XMPP module delivered it from offline storage and
     * said so with set_flags). */
    HERMOD_IM_FLAG_PUSHED_WEB = HERMOD_IM_CLIENT_WEB,
    HERMOD_IM_FLAG_PUSHED_XMPP = HERMOD_IM_CLIENT_XMPP,
    /* The user has read it (the webmail's unread counts). */
    HERMOD_IM_FLAG_READ = 1 << 8,
} HermodImFlag;

/* One entry of an account's history, or an IM pushed to a session.
 * Read-only for modules. */
typedef struct {
    gint64 id;            /* the account's history id: > 0, grows, stable */
    gint64 time;          /* when the hub accepted it: microseconds since the epoch, UTC */
    char *account;        /* whose history this entry is in (canonical address) */
    char *sender;         /* as accepted: canonical when local, else as given (lower-case) */
    char *recipient;      /* the address it was sent to, as given (an alias stays an alias) */
    char *text;           /* UTF-8 */
    char *source;         /* "sem", "xmpp", "webmail", "reminder", "notify", "ctl", ... */
    gboolean is_outgoing; /* TRUE in the sender's own history (account sent it) */
    guint32 flags;        /* HERMOD_IM_FLAG_* */
    char *thread;         /* nullable: conversation/thread id (XMPP <thread/>, webmail groups) */
    char *client_id;      /* nullable: the sending client's message id (XMPP id/origin-id) */
    char *resource;       /* nullable: the recipient resource asked for (XMPP full JID) */
    char **group;         /* nullable, NULL-terminated: every participant of a group IM */
} HermodIm;

/* Who is online: one live session.  Read-only for modules. */
typedef struct {
    char *account;  /* canonical address */
    char *resource; /* unique among the account's sessions: XMPP resource, "web-..." */
    guint32 client; /* HERMOD_IM_CLIENT_* */
    HermodImPresence presence;
    char *status; /* nullable: free text (<status/>) */
    gint priority;
} HermodImPresenceInfo;

/* A new IM in the session's account's history (incoming, or outgoing from
 * another session of the account): transfer none, valid during the call.
 * Never called for an IM the session itself sent (HermodImSend.origin). */
typedef void (*HermodImFunc)(HermodImSession *session, const HermodIm *im, gpointer data);
/* Presence of a session of an account of the session's domain changed
 * (the session's own account's other sessions included, the session
 * itself not); OFFLINE when it ended.  transfer none. */
typedef void (*HermodImPresenceFunc)(HermodImSession *session, const HermodImPresenceInfo *info,
                                     gpointer data);
/* Something passing that is not stored (send_transient): a chat state
 * ("composing"), a receipt, a presence subscription request.  kind and
 * payload are the sender's; from_resource the sending session's.
 * transfer none. */
typedef void (*HermodImTransientFunc)(HermodImSession *session, const char *from_account,
                                      const char *from_resource, const char *kind,
                                      const char *payload, gpointer data);

/* What session_open needs.  Callback threads: with conn, on conn's loop
 * thread like a protocol callback (writes leave at once), and the session
 * closes by itself when conn closes; with sse and no callbacks, the hub
 * writes the events to the stream itself (below) and closes the session
 * when the stream is gone; with neither, on whatever thread delivered or
 * changed presence, and they must not block (e.g. queue for sse_send). */
typedef struct {
    guint32 struct_size;       /* sizeof (HermodImSessionSpec) at build time */
    const char *account;       /* canonical address (from auth) */
    const char *resource;      /* nullable: a wish; the hub makes it unique */
    guint32 client;            /* one HERMOD_IM_CLIENT_* */
    HermodImPresence presence; /* initial; OFFLINE is taken as ONLINE */
    HermodConn *conn;          /* nullable: see above */
    /* nullable.  Without on_im and on_presence the hub sends
     *   event: im        data: {"id","time","account","sender","recipient",
     *                           "text","source","outgoing","read","thread",
     *                           "group"} (im_json, ABI 1.14)
     *   event: presence  data: {"account","resource","client":"web"|"xmpp",
     *                           "presence":"online"|"away"|..|"offline","status"}
     * (JSON, time in milliseconds) and ends the session once a send fails
     * or the stream closes.  The hub takes no reference: close the session
     * before sse_close. */
    HermodSse *sse;
    HermodImFunc on_im;               /* nullable */
    HermodImPresenceFunc on_presence; /* nullable */
    /* nullable; with sse and no callbacks the hub sends
     *   event: transient data: {"from","resource","kind","payload"} */
    HermodImTransientFunc on_transient;
    gpointer data;
} HermodImSessionSpec;

/* An IM to deliver.  Strings are copied. */
typedef struct {
    guint32 struct_size; /* sizeof (HermodImSend) at build time */
    const char *source;  /* who hands it in: "sem", "xmpp", "webmail", ... (the log's source) */
    const char *sender; /* any syntactically valid address; a local account's history gets a copy */
    /* A local account or alias (plus-addressing and case as in SMTP).
     * Required unless group is set. */
    const char *recipient;
    const char *text;        /* UTF-8, NUL-terminated; at most HERMOD_IM_TEXT_MAX bytes */
    const char *session;     /* nullable: log session id for the central log */
    HermodImSession *origin; /* nullable: the live session that sent it; it gets no echo */
    const char *client_id;   /* nullable: kept in both histories (XMPP message id) */
    const char *resource;    /* nullable: recipient's resource (XMPP full JID) */
    const char *thread;      /* nullable */
    /* nullable, NULL-terminated: a group IM goes to every address listed
     * (the sender skipped), each history records the whole list, and the
     * sender keeps one copy; recipient is then ignored. */
    const char *const *group;
    /* nullable: the caller's unique key for this IM (the imsem module's
     * claimed file name).  A second deliver with the same source and key
     * stores nothing, pushes nothing and succeeds with the first ids, so a
     * caller that crashed after deliver returned can simply retry. */
    const char *dedupe_key;
} HermodImSend;

/* What history reads.  Times in microseconds since the epoch. */
typedef struct {
    guint32 struct_size; /* sizeof (HermodImQuery) at build time */
    const char *account; /* canonical address */
    const char *with;    /* nullable: only IMs exchanged with this address (canonicalised) */
    gint64 since;        /* 0: no lower bound; else time >= since */
    gint64 until;        /* 0: no upper bound; else time < until */
    gint64 after_id;     /* 0: none; else id > after_id */
    gint64 before_id;    /* 0: none; else id < before_id */
    guint limit;         /* 0: every match (the hub caps at HERMOD_IM_HISTORY_MAX) */
    gboolean is_last;    /* with limit: the last limit matches, not the first (MAM <before/>) */
    gboolean is_incoming_only;
    guint32 without_flags; /* only entries that have none of these HERMOD_IM_FLAG_* */
    const char *thread;    /* nullable: only this thread */
} HermodImQuery;

#define HERMOD_IM_TEXT_MAX    (256 * 1024)
#define HERMOD_IM_HISTORY_MAX 10000

#define HERMOD_IM_ERROR (g_quark_from_static_string("hermod-im-error"))
typedef enum {
    HERMOD_IM_ERROR_TEMP,         /* the store or directory failed: try again later */
    HERMOD_IM_ERROR_NO_RECIPIENT, /* no local account or alias has that address */
    HERMOD_IM_ERROR_BAD_ADDRESS,  /* sender or recipient is not a valid address */
    HERMOD_IM_ERROR_BAD_TEXT,     /* empty, not UTF-8, or a NUL/control byte */
    HERMOD_IM_ERROR_TOO_BIG,      /* longer than HERMOD_IM_TEXT_MAX */
    HERMOD_IM_ERROR_INVALID,      /* a bad request (struct_size, missing member) */
} HermodImError;

typedef struct {
    guint32 struct_size; /* sizeof (HermodImApi) in the running core */

    /* --- delivering --- */
    /* Blocking.  Deliver req (above).  TRUE once every history copy is
     * durable; the push to live sessions and the log line follow before
     * it returns.  out_id: the id in the (first) recipient's history,
     * out_sender_id: in the sender's (0 when the sender is not local);
     * both nullable.  An alias that reaches several accounts gives each a
     * copy; addresses it reaches outside our domains are skipped.
     * Errors: NO_RECIPIENT, BAD_ADDRESS, BAD_TEXT, TOO_BIG, TEMP. */
    gboolean (*deliver)(const HermodImSend *req, gint64 *out_id, gint64 *out_sender_id,
                        GError **error);

    /* --- live sessions and presence (quick; no SQLite) --- */
    /* (transfer full): close it with session_close.  Every session of the
     * domain hears of the new one through on_presence.  NULL with
     * INVALID for a bad spec. */
    HermodImSession *(*session_open)(const HermodImSessionSpec *spec, GError **error);
    /* The session ends (OFFLINE to the domain); no callback runs after
     * it returns, unless it is called from one (then none after that
     * one).  nullable session. */
    void (*session_close)(HermodImSession *session);
    /* Change the session's presence; tells the domain.  status nullable. */
    void (*session_set_presence)(HermodImSession *session, HermodImPresence presence,
                                 const char *status, gint priority);
    /* The unique resource the hub gave it.  transfer none, as long as the
     * session. */
    const char *(*session_resource)(HermodImSession *session);
    /* Every live session of domain's accounts (NULL: of every domain), by
     * account then resource.  element HermodImPresenceInfo* (transfer
     * full, free with the array). */
    GPtrArray *(*presence_list)(const char *domain);
    /* The account's presence: the most available of its sessions
     * (ONLINE/CHAT > AWAY > XA > DND > OFFLINE). */
    HermodImPresence (*presence_of)(const char *account);
    /* Pass kind and payload (short UTF-8 strings, at most 4 KB together)
     * from session to the live sessions of to_account (to_resource
     * nullable: all of them), through their on_transient; nothing is
     * stored or logged.  FALSE when nobody got it (to_account offline,
     * too long). */
    gboolean (*send_transient)(HermodImSession *from, const char *to_account,
                               const char *to_resource, const char *kind, const char *payload);

    /* --- the history --- */
    /* Blocking.  Entries of q->account that match q, ascending id.
     * element HermodIm* (transfer full, free with the array). */
    GPtrArray *(*history)(const HermodImQuery *q, GError **error);
    /* Blocking.  Set (is_on) or clear flags on the account's entries ids;
     * ids that do not exist are skipped. */
    gboolean (*set_flags)(const char *account, const gint64 *ids, gsize n_ids, guint32 flags,
                          gboolean is_on, GError **error);
    /* Blocking.  How many incoming entries lack HERMOD_IM_FLAG_READ, in
     * total and (out_by_sender, nullable: sender -> count as
     * GUINT_TO_POINTER, transfer full) per sender. */
    gboolean (*unread)(const char *account, guint *out_total, GHashTable **out_by_sender,
                       GError **error);

    /* --- the directory, as IM needs it --- */
    /* Blocking.  The account address reaches: TRUE with *out_account the
     * canonical account (transfer full) or NULL when it is no local
     * account or alias of exactly one account; FALSE with TEMP when the
     * directory could not be read. */
    gboolean (*resolve)(const char *address, char **out_account, GError **error);
    /* Blocking.  The accounts of domain (an XMPP roster, the webmail's
     * contacts), sorted.  element char* (transfer full). */
    GPtrArray *(*accounts)(const char *domain, GError **error);

    /* --- broadcasts and settings --- */
    /* Blocking.  The admin broadcasts (hermodctl im broadcast) account
     * has not been shown yet, oldest first, marked shown by this call:
     * the webmail calls it on each page view and shows what it gets.
     * element char* text (transfer full). */
    GPtrArray *(*broadcast_take)(const char *account, GError **error);
    /* Blocking.  A per-account IM setting: "notify_new_mail" (a template
     * with %from% and %subject%; "" or absent: off).  *out_value NULL when
     * unset (transfer full). */
    gboolean (*setting_get)(const char *account, const char *key, char **out_value, GError **error);
    /* Blocking.  value NULL unsets.  INVALID for an unknown key. */
    gboolean (*setting_set)(const char *account, const char *key, const char *value,
                            GError **error);

    /* --- ABI 1.14 --- */
    /* Blocking.  deliver for a notice from the server itself (calendar
     * reminders, new-mail notices): req->sender is shown as the sender
     * but never gets a copy, even when it is a local address, and
     * req->recipient must be set (no group).  out_id nullable.  Same
     * errors as deliver; dedupe_key works the same. */
    gboolean (*deliver_notice)(const HermodImSend *req, gint64 *out_id, GError **error);
    /* One IM as the JSON object the hub's event stream sends ("event:
     * im" above: id, time in milliseconds, account, sender, recipient,
     * text, source, outgoing, read, thread, group), and hermodctl im
     * history --json writes: the one shape every IM reader gets (the
     * webmail's history too).  No newline.  (transfer full) */
    char *(*im_json)(const HermodIm *im);
} HermodImApi;

/* Does the running core's IM table have member? */
#define HERMOD_IM_API_HAS(im, member)                                                              \
    ((im)->struct_size >= G_STRUCT_OFFSET(HermodImApi, member) + sizeof((im)->member))

G_END_DECLS

#endif
