/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * hermod/api.h - the function table the core hands every module.
 *
 * A module reaches the core only through HermodApi.  The table is
 * append-only: a new member goes at the end and bumps HERMOD_ABI_MINOR.  A
 * module built against a newer minor checks HERMOD_API_HAS(api, member)
 * before calling a member the running core might not have.
 *
 * Threads: unless a member says otherwise it may be called from the loop
 * thread that owns the connection it is given, or from the main thread
 * during init/shutdown/reload.  Members marked "any thread" may also be
 * called from work-pool functions.
 */
#ifndef HERMOD_API_H
#define HERMOD_API_H

#include <glib.h>
#include <hermod/im.h>
#include <hermod/mailstore.h>
#include <hermod/module.h>
#include <hermod/protocol.h>
#include <hermod/web.h>
#include <hermod/dav.h>

G_BEGIN_DECLS

typedef enum {
    HERMOD_LOG_ERROR = 3,
    HERMOD_LOG_WARNING = 4,
    HERMOD_LOG_NOTICE = 5,
    HERMOD_LOG_INFO = 6,
    HERMOD_LOG_DEBUG = 7,
} HermodLogLevel;

/* Result of an authentication attempt. */
typedef enum {
    HERMOD_AUTH_OK = 0,
    HERMOD_AUTH_FAILED,  /* wrong login or password; counted for screening */
    HERMOD_AUTH_BLOCKED, /* the peer is refused for a while (dynamic screening) */
    HERMOD_AUTH_TEMPFAIL /* the directory could not be read */
} HermodAuthResult;

/* What the directory knows about an address. */
typedef enum {
    HERMOD_ADDR_LOCAL = 0, /* an account, alias, plus-address or postmaster of a local domain */
    HERMOD_ADDR_UNKNOWN,   /* the domain is local but nobody has this address */
    HERMOD_ADDR_REMOTE,    /* the domain is not ours */
    HERMOD_ADDR_INVALID,   /* not a usable mailbox (source route, %-hack, bang path, bad syntax) */
    /* ABI 1.4: the directory could not be read, so nobody knows yet; try
     * again later (SMTP 451 4.3.0).  Only addr_lookup returns it. */
    HERMOD_ADDR_TEMPFAIL,
} HermodAddrKind;

/* Per-recipient DSN NOTIFY bits (RFC 3461). */
typedef enum {
    HERMOD_NOTIFY_DEFAULT = 0, /* none given: failure and delay */
    HERMOD_NOTIFY_NEVER = 1 << 0,
    HERMOD_NOTIFY_SUCCESS = 1 << 1,
    HERMOD_NOTIFY_FAILURE = 1 << 2,
    HERMOD_NOTIFY_DELAY = 1 << 3,
} HermodNotify;

/* Flags of a message being submitted (msg_set_flags): its body and DSN
 * options.  Not to be confused with the IMAP flags of a stored message,
 * HERMOD_MAIL_FLAG_* in hermod/mailstore.h. */
typedef enum {
    HERMOD_MSG_8BITMIME = 1 << 0,
    HERMOD_MSG_SMTPUTF8 = 1 << 1,
    HERMOD_MSG_BINARYMIME = 1 << 2,
    HERMOD_MSG_RET_HDRS = 1 << 3, /* DSN RET=HDRS; default RET=FULL */
} HermodMsgFlags;

/* Opaque: a message being received, owned by the module until submitted. */
typedef struct HermodMessage HermodMessage;

/* Work-pool callbacks.  work runs on a pool thread and must not touch the
 * connection except through "any thread" members; done runs afterwards on
 * the connection's loop thread, also when the connection was closed in the
 * meantime (then hermod_conn_is_closed is TRUE and writes are dropped), so
 * that it can free data. */
typedef void (*HermodWorkFunc)(gpointer data);
typedef void (*HermodDoneFunc)(HermodConn *conn, gpointer data);

/* ABI 1.13: called after a message was delivered into a local account's
 * INBOX (account canonical; sender the envelope sender, "" for the null
 * sender; message the stored bytes, transfer none: g_bytes_ref to keep
 * them), on the delivering thread, before the delivery is answered.  It
 * must return quickly and must not call the store or submit mail: queue
 * the work (a GThreadPool of the module's own). */
typedef void (*HermodDeliveryFunc)(const char *account, const char *sender, GBytes *message,
                                   gpointer data);

/* Completion of auth_check, on the connection's loop thread.  account is
 * the canonical account address on HERMOD_AUTH_OK, else NULL; transfer none. */
typedef void (*HermodAuthFunc)(HermodConn *conn, HermodAuthResult result, const char *account,
                               gpointer data);

/* ABI 1.11: one SCRAM step (RFC 5802, RFC 7677) for scram_salt or
 * scram_verify.  The module owns the exchange (nonces, GS2 header,
 * base64, the messages); the core owns the keys and the screening.
 * Strings are copied; the struct need not outlive the call. */
typedef struct {
    guint32 struct_size;   /* sizeof (HermodScramRequest) at build time */
    const char *protocol;  /* the caller in the auth-failure log ("xmpp") */
    const char *mechanism; /* "SCRAM-SHA-1" or "SCRAM-SHA-256" */
    const char *login;     /* the authcid, saslname already decoded */
    /* scram_verify only: client-first-message-bare "," server-first-message
     * "," client-final-message-without-proof, and the decoded proof. */
    const char *auth_message;
    const guint8 *proof;
    gsize proof_len;
} HermodScramRequest;

/* Completion of a SCRAM step, on the connection's loop thread; strings
 * transfer none, valid during the call.  scram_salt: result OK with salt
 * (base64) and iterations -- for an unknown login too, made up and stable,
 * so that the first reply does not tell who exists -- or BLOCKED,
 * TEMPFAIL, FAILED (not a SCRAM mechanism).  scram_verify: OK with
 * account (canonical) and server_signature (base64, for "v="), or FAILED,
 * BLOCKED, TEMPFAIL; NULL strings otherwise. */
typedef struct {
    const char *salt;
    guint iterations;
    const char *account;
    const char *server_signature;
} HermodScramReply;
typedef void (*HermodScramFunc)(HermodConn *conn, HermodAuthResult result,
                                const HermodScramReply *reply, gpointer data);

struct HermodApi {
    guint32 struct_size; /* sizeof (HermodApi) in the running core */
    guint32 abi_major;
    guint32 abi_minor;

    /* --- logging (any thread) --- */
    /* One line; session is a connection's session id or NULL. */
    void (*log)(HermodLogLevel level, const char *session, const char *fmt, ...)
        G_GNUC_PRINTF(3, 4);

    /* --- settings of the module's own section (any thread) --- */
    /* Values reflect the config currently in force (SIGHUP may change them).
     * key must be in the module's settings table. */
    const char *(*setting_string)(HermodModule *self,
                                  const char *key); /* transfer none; valid until the next reload */
    gint64 (*setting_int)(
        HermodModule *self,
        const char *key); /* INT, SIZE (bytes), DURATION (seconds), PORT, BOOL (0/1) */
    /* [core] hostname: the server's own name for greetings and headers. */
    const char *(*hostname)(void);

    /* --- protocols --- */
    /* Attach proto to every listener whose "protocol" is name.  Called
     * from init.  The core copies proto->struct_size bytes of it into a
     * zero-filled HermodProtocol of its own (callbacks a shorter struct
     * lacks read as NULL) and uses only that copy.  Still keep *proto valid
     * until shutdown (a static const struct): cores built before the copy
     * was introduced, with the same ABI version, keep the pointer. */
    gboolean (*register_protocol)(HermodModule *self, const char *name, const HermodProtocol *proto,
                                  GError **error);

    /* --- one connection (its loop thread) --- */
    void (*conn_write)(HermodConn *conn, const void *data, gsize len);
    void (*conn_printf)(HermodConn *conn, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
    /* Bytes queued but not yet sent. */
    gsize (*conn_output_pending)(HermodConn *conn);
    /* Ask for one on_writable once pending output drops below the core's
     * low-water mark; used to stream large responses. */
    void (*conn_want_writable)(HermodConn *conn);
    /* Flush pending output, then run the TLS handshake; on success the
     * protocol's on_tls_ready runs, on failure the connection closes.  Input
     * that arrived after the command that asked for TLS is discarded (no
     * plaintext injection). */
    void (*conn_start_tls)(HermodConn *conn);
    /* Deliver the next n bytes through on_data instead of lines. */
    void (*conn_read_bytes)(HermodConn *conn, gsize n);
    void (*conn_pause)(HermodConn *conn);  /* stop input events */
    void (*conn_resume)(HermodConn *conn); /* restart them; buffered lines are delivered */
    /* Flush pending output, then close.  on_close follows. */
    void (*conn_close)(HermodConn *conn);
    gboolean (*conn_is_closed)(HermodConn *conn);
    gboolean (*conn_is_tls)(HermodConn *conn);
    /* The listener's "role" setting ("mx", "submission", ...); transfer none. */
    const char *(*conn_role)(HermodConn *conn);
    /* Implicit TLS listener (e.g. 465, 993)? */
    gboolean (*conn_is_implicit_tls)(HermodConn *conn);
    /* Peer address without port, e.g. "127.0.0.1" or "::1"; transfer none. */
    const char *(*conn_peer)(HermodConn *conn);
    /* Unique id of this connection in every log line; transfer none; any thread. */
    const char *(*conn_session)(HermodConn *conn);
    /* TLS protocol and cipher ("TLS1.3 AES-256-GCM"), or NULL; transfer none. */
    const char *(*conn_tls_info)(HermodConn *conn);
    /* The module's per-connection state. */
    void (*conn_set_data)(HermodConn *conn, gpointer data);
    gpointer (*conn_get_data)(HermodConn *conn);
    /* Idle timeout for the next read, in seconds (0: the core default). */
    void (*conn_set_timeout)(HermodConn *conn, guint seconds);
    /* Is the peer inside [auth] trusted_networks? */
    gboolean (*conn_is_trusted)(HermodConn *conn);

    /* --- work pool --- */
    /* Run work(data) on the pool, then done(conn, data) on conn's loop. */
    void (*work_run)(HermodConn *conn, HermodWorkFunc work, HermodDoneFunc done, gpointer data);

    /* --- authentication and directory --- */
    /* Check a login and password off the loop; counts failures per peer
     * across all protocols and logs each one.  protocol names the caller in
     * the auth-failure log ("smtp", "imap").  Strings are copied. */
    void (*auth_check)(HermodConn *conn, const char *protocol, const char *login,
                       const char *password, HermodAuthFunc done, gpointer data);
    /* Classify a recipient address (any thread).  When the directory
     * cannot be read it answers UNKNOWN, as it always did (and the core
     * logs the failure): use addr_lookup (ABI 1.4) where the core has it. */
    HermodAddrKind (*addr_classify)(const char *address);
    /* May account use address as envelope sender or From?  (any thread)
     * FALSE, too, when the directory cannot be read: see addr_check_owner. */
    gboolean (*addr_owned_by)(const char *address, const char *account);

    /* --- messages (the core's one submission path) --- */
    /* A new message for the connection's session (or NULL session). */
    HermodMessage *(*msg_new)(const char *session);
    /* Append raw bytes (any thread).  FALSE once the message's size passed
     * max_size given to msg_set_limit; bytes past it are dropped. */
    gboolean (*msg_append)(HermodMessage *msg, const void *data, gsize len);
    void (*msg_set_limit)(HermodMessage *msg, gsize max_size);
    gsize (*msg_size)(HermodMessage *msg);
    /* Envelope.  sender "" is the null sender.  envid may be NULL. */
    void (*msg_set_sender)(HermodMessage *msg, const char *sender, const char *envid);
    /* orcpt may be NULL. */
    void (*msg_add_recipient)(HermodMessage *msg, const char *rcpt, guint notify,
                              const char *orcpt);
    void (*msg_set_flags)(HermodMessage *msg, guint flags);
    /* Who authenticated (for the log and the Received header), or NULL. */
    void (*msg_set_auth)(HermodMessage *msg, const char *account);
    /* Deliver local recipients into their INBOX and queue the rest; returns
     * only once everything is durable.  Blocking: call from a work function.
     * On success *out_id is the queue or message id (transfer full). */
    gboolean (*msg_submit)(HermodMessage *msg, char **out_id, GError **error);
    void (*msg_free)(HermodMessage *msg); /* nullable msg */

    /* --- ABI 1.1 --- */
    /* The mail store: mailboxes and messages of an account (IMAP, POP3,
     * webmail); see hermod/mailstore.h.  Never NULL in a 1.1 core. */
    const HermodMailApi *mail;

    /* --- ABI 1.2 --- */
    /* May the module offer STARTTLS (STLS) now?  TRUE only on a listener
     * with tls = starttls while the connection is plain text; FALSE on tls
     * = none (no TLS to start), on implicit TLS, once TLS runs and under
     * DEFLATE.  A module must neither advertise nor accept STARTTLS when
     * this is FALSE. */
    gboolean (*conn_may_start_tls)(HermodConn *conn);
    /* Start raw DEFLATE (RFC 1951, windowBits -15: IMAP COMPRESS=DEFLATE,
     * RFC 4978) in both directions.  What was written before the call goes
     * out as it is; everything written after it is compressed, then
     * encrypted if TLS runs, and flushed (Z_SYNC_FLUSH) each time the core
     * sends what a callback wrote.  Input after the line or data being
     * delivered -- bytes already received included -- is decompressed, at
     * most one read's worth ahead of the module, so line_max and counted
     * reads bound memory as before.  FALSE, and nothing changes, if DEFLATE
     * is already on, TLS is being started, the connection is closing or
     * zlib cannot start.  conn_start_tls after it closes the connection. */
    gboolean (*conn_start_deflate)(HermodConn *conn);
    /* Is DEFLATE on (conn_start_deflate succeeded)? */
    gboolean (*conn_is_deflate)(HermodConn *conn);

    /* --- ABI 1.4: directory lookups that can say "failed" ---
     * addr_classify and addr_owned_by fold a directory failure into "no
     * such user" and "not yours", which a module then refuses for good
     * (SMTP 550, 553).  These two tell it apart.  The answer stays one
     * enum value, as for logins (HERMOD_AUTH_TEMPFAIL), so that a module
     * switches on it as before and -Wswitch points at the new case; the
     * GError carries the reason for the module's log.  Its domain and
     * code are the core's: read only its message.  error is nullable.
     * Check HERMOD_API_HAS(api, addr_lookup) and fall back to
     * addr_classify / addr_owned_by on an older core.  Any thread; a
     * quick indexed read, like addr_classify. */
    /* addr_classify, or HERMOD_ADDR_TEMPFAIL with error set when the
     * directory could not be read. */
    HermodAddrKind (*addr_lookup)(const char *address, GError **error);
    /* addr_owned_by as HERMOD_AUTH_OK (account may use address) or
     * HERMOD_AUTH_FAILED (it may not), or HERMOD_AUTH_TEMPFAIL with error
     * set when the directory could not be read.  Never BLOCKED. */
    HermodAuthResult (*addr_check_owner)(const char *address, const char *account, GError **error);
    /* --- ABI 1.6 --- */
    /* The web server: mounts on path prefixes, requests, responses
     * (memory, file, stream, server-sent events), HTTP Basic, web
     * sessions, the listeners and counters autoconfig and metrics
     * describe; see hermod/web.h.  Never NULL in a 1.6 core. */
    const HermodWebApi *web;

    /* --- ABI 1.7 --- */
    /* The addresses account may send as: itself first, then the aliases
     * that lead to it alone and that addr_check_owner accepts (JMAP
     * identities).  Blocking (the directory): call from a work function.
     * (transfer full) element char *, or NULL with error. */
    GPtrArray *(*account_addresses)(const char *account, GError **error);
    /* --- ABI 1.8 --- */
    /* The IM hub: deliver an IM to an account, live sessions and
     * presence, the IM history, broadcasts; see hermod/im.h.  Never NULL
     * in a 1.8 core. */
    const HermodImApi *im;
    /* --- ABI 1.9 --- */
    /* Calendars, address books and WebDAV collections in the account's
     * store, and recurrence, time-range and free/busy arithmetic; see
     * hermod/dav.h.  Never NULL in a 1.9 core. */
    const HermodDavApi *dav;

    /* --- ABI 1.11: what an XMPP listener needs (modules/xmpp) --- */
    /* Stream mode, for protocols without lines (an XML stream): from now
     * on every byte received is handed to on_data as it arrives, in pieces
     * of at most one read, is_last always FALSE, with no line framing and
     * none of the line or counted-data deadlines; the idle timeout still
     * applies (conn_set_timeout).  Stays on for the life of the
     * connection, STARTTLS included (input after the STARTTLS request is
     * discarded as for lines).  Call it from on_connect or later. */
    void (*conn_read_stream)(HermodConn *conn);
    /* SCRAM, first step: the salt and iteration count of req->login for
     * req->mechanism.  Checks the peer against dynamic screening first
     * (BLOCKED).  The keys are those the directory stored when the
     * password was last set; an account whose password predates SCRAM
     * support has none, gets made-up ones, and cannot log in with SCRAM
     * until its next password login (PLAIN, LOGIN, the webmail), which
     * stores its keys, or until its password is set again. */
    void (*scram_salt)(HermodConn *conn, const HermodScramRequest *req, HermodScramFunc done,
                       gpointer data);
    /* SCRAM, last step: check req->proof over req->auth_message.  A wrong
     * proof is a failed login exactly as in auth_check: logged to the
     * auth-failure log and counted for screening (an account without
     * SCRAM keys is logged but not counted: no password was guessed). */
    void (*scram_verify)(HermodConn *conn, const HermodScramRequest *req, HermodScramFunc done,
                         gpointer data);

    /* --- ABI 1.13: delivery watches and alias owners (modules/dav) --- */
    /* Call fn(account, sender, message, data) after every local delivery
     * into an INBOX (SMTP, LMTP, submission, msg_submit; not IMAP APPEND
     * or JMAP import, which are the account's own).  Any thread; returns
     * an id > 0 for delivery_watch_remove, after which fn is no longer
     * called (a call in progress has returned).  Remove it at unload. */
    guint (*delivery_watch_add)(HermodDeliveryFunc fn, gpointer data);
    void (*delivery_watch_remove)(guint id);
    /* The account address leads to: itself for an account, the only
     * target of an alias that the target owns as a sender (as in
     * account_addresses); NULL with error unset for anything else (an
     * unknown or remote address, a list alias), NULL with error set when
     * the directory could not be read.  Blocking (the directory): call
     * from a work function.  (transfer full) */
    char *(*addr_account)(const char *address, GError **error);
};

/* Does the running core's table have member? */
#define HERMOD_API_HAS(api, member)                                                                \
    ((api)->struct_size >= G_STRUCT_OFFSET(HermodApi, member) + sizeof((api)->member))

/* Errors from msg_submit. */
/* A quark by name, so modules need no core symbol. */
#define HERMOD_SUBMIT_ERROR (g_quark_from_static_string("hermod-submit-error"))
typedef enum {
    HERMOD_SUBMIT_ERROR_TEMP,     /* try again later: 451 4.3.0 */
    HERMOD_SUBMIT_ERROR_QUOTA,    /* a recipient is over quota: 452 4.2.2 */
    HERMOD_SUBMIT_ERROR_TOO_BIG,  /* 552 5.3.4 */
    HERMOD_SUBMIT_ERROR_REJECTED, /* permanent: 554 5.6.0 */
} HermodSubmitError;

G_END_DECLS

#endif
