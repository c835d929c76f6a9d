/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * session.h - the IMAP module's private contracts: one session per
 * connection, its output queue, its selected-mailbox view and the command
 * handlers.
 *
 * Every function here runs on the connection's loop thread unless it says
 * otherwise.  The module reaches the core only through imap_api (HermodApi)
 * and the store only through imap_mail (HermodMailApi).
 */
#ifndef HERMOD_IMAP_SESSION_H
#define HERMOD_IMAP_SESSION_H

#include <hermod/hermod.h>
#include <hermod/mailstore.h>

#include "fetch.h"
#include "parser.h"
#include "seqset.h"

G_BEGIN_DECLS

extern const HermodApi *imap_api;
extern const HermodMailApi *imap_mail; /* NULL in a core without the mail table */
extern HermodModule *imap_module;
extern const HermodProtocol imap_protocol;
extern const HermodSetting imap_settings[];

typedef enum {
    IMAP_STATE_NOAUTH,
    IMAP_STATE_AUTH,
    IMAP_STATE_SELECTED,
    IMAP_STATE_LOGOUT,
} ImapState;

/* What the next input line means. */
typedef enum {
    IMAP_IN_COMMAND, /* a command line (or its continuation after a literal) */
    IMAP_IN_LITERAL, /* counted bytes through on_data */
    IMAP_IN_SASL,    /* an AUTHENTICATE response line */
    IMAP_IN_IDLE,    /* waiting for DONE */
    IMAP_IN_WAIT,    /* paused: a store call or auth check is under way */
    IMAP_IN_CLOSING,
} ImapInput;

typedef struct {
    guint64 max_line;
    guint64 max_literal;
    guint64 max_message_size;
    guint max_bad;
    guint timeout;
    guint idle_timeout;
} ImapLimits;

/* output.c: a queue of chunks written in bounded pieces. */
typedef struct ImapOutput ImapOutput;

/* selected.c: the client's view of the selected mailbox. */
typedef struct {
    char *name; /* UTF-8, as the store knows it */
    gboolean is_readonly;
    guint32 uidvalidity;
    GPtrArray *msgs;        /* HermodMsgInfo* (owned copies) in sequence order */
    guint64 flags_modseq;   /* changes up to here are known */
    guint64 expunge_modseq; /* expunges up to here are reported */
    guint64 highestmodseq;
} ImapSelected;

typedef struct ImapSession ImapSession;
struct ImapSession {
    HermodConn *conn;
    ImapState state;
    ImapInput input;
    ImapLimits lim;
    ImapOutput *out;
    GByteArray *cmd; /* the command being assembled: lines and literals */
    gsize line_start;
    gboolean is_overflow;
    guint64 cmd_cap;
    guint bad_count;
    guint depth;
    gboolean is_closed;
    gboolean is_shutdown_pending;
    char *wait_tag; /* AUTHENTICATE or IDLE in progress */
    char *account;
    HermodMailStore *store;
    guint watch_id;
    ImapSelected *sel;
    GArray *searchres; /* SEARCHRES "$": guint32 UIDs, or NULL */
    /* Run once the output queue drained (a FETCH's next batch). */
    void (*on_drained)(ImapSession *s, gpointer data);
    gpointer on_drained_data;
    GDestroyNotify on_drained_free; /* frees on_drained_data if the session ends first */
    gboolean is_rev2, is_utf8, is_condstore, is_qresync;
    /* The account's mailboxes changed (a watch with no mailbox name, or our
     * own RENAME): check that sel still names the mailbox it showed before
     * the next command uses it (imap_selected_verify). */
    gboolean is_sel_suspect;
};

/* --- session.c --- */
ImapSession *imap_session_enter(HermodConn *conn);
void imap_session_leave(ImapSession *s);
/* Continue reading commands after a paused command finished. */
void imap_session_resume(ImapSession *s);
/* Write "* BYE text" and close. */
void imap_session_bye(ImapSession *s, const char *text);

/* A store call on the work pool: input paused until done(s, data) ran on the
 * loop.  done is skipped (free_fn still runs) when the connection closed. */
typedef void (*ImapDoneFunc)(ImapSession *s, gpointer data);
void imap_session_work(ImapSession *s, HermodWorkFunc work, ImapDoneFunc done, gpointer data,
                       GDestroyNotify free_fn);

/* --- output.c --- */
ImapOutput *imap_output_new(void);
void imap_output_free(ImapOutput *out);
void imap_printf(ImapSession *s, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void imap_write(ImapSession *s, const char *text, gsize len);
/* Queue a chunk (transfer none: a reference is taken). */
void imap_write_bytes(ImapSession *s, GBytes *bytes);
/* Send what is queued, as far as the core's buffer allows. */
void imap_flush(ImapSession *s);
/* Bytes still queued in the module (not yet handed to the core). */
gsize imap_output_queued(ImapSession *s);
void imap_output_on_writable(ImapSession *s);
/* Append an astring / mailbox name as a quoted string or literal. */
void imap_append_string(GString *out, const char *text);
/* A mailbox name for the client (UTF-8 or modified UTF-7), quoted.
 * (transfer full) */
char *imap_quote_mailbox(ImapSession *s, const char *name);

/* --- reply.c-ish helpers in session.c --- */
/* "TAG OK|NO|BAD [code] text".  code nullable. */
void imap_tagged(ImapSession *s, const char *tag, const char *status, const char *code,
                 const char *text);
/* Map a store error to a NO with its response code. */
void imap_reply_error(ImapSession *s, const char *tag, const GError *error);
/* A FETCH, SEARCH, SORT or THREAD that failed: the store's errors with
 * their response codes ([UNAVAILABLE] when it could not answer), others
 * (nullable error: fallback) as a plain NO. */
void imap_reply_failed(ImapSession *s, const char *tag, const GError *error, const char *fallback);
gboolean imap_require_store(ImapSession *s, const char *tag);
/* Report pending changes (expunges included, imap_session_after_command),
 * then "TAG OK text". */
void imap_ok_after_command(ImapSession *s, const char *tag, const char *text);

/* --- args.c: arguments several commands share --- */
/* cmd's argument i, or NULL past the last.  (transfer none) */
ImapArg *imap_cmd_arg(ImapCommand *cmd, guint i);
/* A client's mailbox argument in the store's UTF-8, INBOX normalised, or NULL
 * after writing "TAG BAD". (transfer full) */
char *imap_arg_mailbox(ImapSession *s, const char *tag, const ImapArg *arg);
/* cmd's argument i as a message set (UIDs when is_uid, else sequence
 * numbers) resolved to ascending UIDs of the view, or NULL after writing
 * "TAG BAD".  (transfer full) */
GArray *imap_arg_uids(ImapSession *s, ImapCommand *cmd, guint i, gboolean is_uid);

/* --- selected.c --- */
/* Build the view of name from the store. */
ImapSelected *imap_selected_open(ImapSession *s, const char *name, gboolean is_readonly,
                                 GError **error);
void imap_selected_free(ImapSelected *sel);
/* Is the selected mailbox still there?  (A cheap name lookup, and a full
 * check after is_sel_suspect or a failed lookup.)  A mailbox
 * renamed (by anyone) is followed to its new name, known by its
 * UIDVALIDITY; a deleted one (or one replaced by a new mailbox of the same
 * name) ends the session with BYE and FALSE.  TRUE when all is well. */
gboolean imap_selected_verify(ImapSession *s);
/* Learn what changed in the store and tell the client: flag changes as
 * FETCH, new messages as EXISTS and, when allow_expunge, EXPUNGE or
 * VANISHED.  skip_uids (nullable, ascending) get no FETCH (STORE .SILENT). */
void imap_selected_sync(ImapSession *s, gboolean allow_expunge, GArray *skip_uids);
/* Message set argument (sequence numbers or UIDs) to ascending UIDs present
 * in the view.  NULL with error on bad syntax or a sequence number past
 * the last message (imap_seqset_check_max). (transfer full) */
GArray *imap_selected_uids(ImapSession *s, const char *set, gboolean is_uid, GError **error);
/* Sequence number of uid, or 0. */
guint32 imap_selected_seq(ImapSelected *sel, guint32 uid);
/* Fill env for a work-pool job on mailbox (the selected one, copied by the
 * caller so that it outlives the view): the store, the client's enabled
 * extensions, the view's UIDVALIDITY.  env->account is left alone. */
void imap_selected_env(ImapSession *s, ImapMailboxEnv *env, const char *mailbox);
HermodMsgInfo *imap_msginfo_copy(const HermodMsgInfo *m);
void imap_msginfo_free(gpointer m);
/* "(\Seen $Label)" (transfer full) */
char *imap_flags_string(guint32 flags, char **keywords);
/* Parse a flag list or single flag into bits and keywords; FALSE on a bad
 * flag. keywords: (transfer full) NULL-terminated. */
gboolean imap_parse_flags(const ImapArg *arg, guint32 *out_flags, char ***out_keywords);

/* --- command handlers: cmd-NAME.c holds NAME (and its twins) --- */
typedef void (*ImapCmdFunc)(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
/* cmd-capability.c; imap_capabilities: the list for the session's state
 * (transfer full) */
char *imap_capabilities(ImapSession *s);
void imap_cmd_capability(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_enable(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
/* cmd-noop.c: NOOP, CHECK */
void imap_cmd_noop(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_check(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
/* cmd-logout.c, cmd-id.c, cmd-namespace.c, cmd-starttls.c, cmd-compress.c */
void imap_cmd_logout(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_id(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_namespace(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_starttls(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_compress(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
/* cmd-login.c: LOGIN, AUTHENTICATE and its response line;
 * imap_may_login: are logins allowed here (TLS or a trusted peer)? */
gboolean imap_may_login(ImapSession *s);
void imap_cmd_login(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_authenticate(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_auth_line(ImapSession *s, const char *line, gsize len);
/* cmd-select.c: SELECT, EXAMINE */
void imap_cmd_select(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
/* cmd-create.c: CREATE, DELETE, RENAME, (UN)SUBSCRIBE */
void imap_cmd_create(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_delete(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_rename(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_subscribe(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
/* cmd-list.c: LIST, LSUB */
void imap_cmd_list(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
/* cmd-status.c; imap_status_items: "(MESSAGES 3 ...)" for LIST-STATUS too,
 * NULL on an unknown item (transfer full) */
void imap_cmd_status(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
char *imap_status_items(ImapSession *s, const HermodMailboxInfo *info, const ImapArg *items);
/* cmd-append.c, cmd-store.c, cmd-copy.c (COPY, MOVE), cmd-expunge.c,
 * cmd-close.c (CLOSE, UNSELECT); their job is msgop.h's */
void imap_cmd_append(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_store(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_copy(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_expunge(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_close(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
/* cmd-idle.c: IDLE, its DONE line, a change while idling */
void imap_cmd_idle(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_idle_line(ImapSession *s, const char *line, gsize len);
void imap_idle_changed(ImapSession *s);
/* cmd-quota.c: GETQUOTA, GETQUOTAROOT */
void imap_cmd_getquota(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
/* cmd-fetch.c: FETCH; cmd-search.c: SEARCH, SORT, THREAD */
void imap_cmd_fetch(ImapSession *s, ImapCommand *cmd, gboolean is_uid);
void imap_cmd_search(ImapSession *s, ImapCommand *cmd, gboolean is_uid);

/* After a command: report pending changes where RFC 9051 7.5.3 allows. */
void imap_session_after_command(ImapSession *s, gboolean allow_expunge);

G_END_DECLS

#endif
