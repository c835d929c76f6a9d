/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * maildrop.c - the POP3 maildrop: INBOX as it was at login, the
 * one-session-per-mailbox lock, and the UPDATE state.
 *
 * After a successful login the account's store is opened and INBOX listed
 * on the work pool (input paused); the snapshot fixes message numbers and
 * sizes for the whole session (RFC 1939 5).  Sizes are the octets RETR
 * sends (bare LFs as CRLF, RFC 1939 11), worked out once per message.  Messages that IMAP expunges
 * meanwhile stay listed; RETR then answers -ERR (retr.c).  DELE only marks;
 * at QUIT the marked UIDs are expunged (and, with set_seen, messages sent
 * whole get \Seen unless they had it at login: a session that only
 * re-reads old mail writes nothing) on the work pool, and "+OK" comes
 * only once they are gone.  A second POP3 login to a mailbox in use gets -ERR [IN-USE]
 * (RFC 2449 8.1.2); the lock table is process-wide, guarded by a mutex
 * because sessions run on several loop threads.
 */
#include "autoconfig.h"

#include <string.h>

#include "pop3.h"

struct Pop3Drop {
    HermodMailStore *store;
    guint32 uidvalidity;
    GArray *msgs; /* Pop3Msg */
    char *lock;   /* the in-use key we hold */
};

/* The parse-cache field that keeps a message's size as RETR sends it. */
#define WIRE_SIZE_FIELD "pop3.size"

G_LOCK_DEFINE_STATIC(in_use);
static GHashTable *in_use; /* lower-case account -> TRUE */

/* (transfer full) the key now held, or NULL: someone else holds it. */
static char *
lock_take(const char *account)
{
    char *key = g_utf8_strdown(account, -1);
    G_LOCK(in_use);
    if (in_use == NULL)
        in_use = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    gboolean is_free = !g_hash_table_contains(in_use, key);
    if (is_free)
        g_hash_table_add(in_use, g_strdup(key));
    G_UNLOCK(in_use);
    if (!is_free)
        g_clear_pointer(&key, g_free);
    return key;
}

static void
lock_release(char *key)
{
    if (key == NULL)
        return;
    G_LOCK(in_use);
    g_hash_table_remove(in_use, key);
    G_UNLOCK(in_use);
    g_free(key);
}

void
pop3_drop_free(Pop3Drop *drop)
{
    if (drop == NULL)
        return;
    if (drop->store != NULL)
        pop3_api->mail->unref(drop->store);
    g_array_unref(drop->msgs);
    lock_release(drop->lock);
    g_free(drop);
}

guint
pop3_drop_count(Pop3Drop *drop)
{
    return drop->msgs->len;
}

Pop3Msg *
pop3_drop_nth(Pop3Drop *drop, guint n)
{
    if (n == 0 || n > drop->msgs->len)
        return NULL;
    Pop3Msg *m = &g_array_index(drop->msgs, Pop3Msg, n - 1);
    return m->is_deleted ? NULL : m;
}

void
pop3_drop_rset(Pop3Drop *drop)
{
    for (guint i = 0; i < drop->msgs->len; i++)
        g_array_index(drop->msgs, Pop3Msg, i).is_deleted = FALSE;
}

Pop3Msg *
pop3_drop_msg(Pop3Session *s, const char *arg, gboolean reply)
{
    guint32 n;
    if (!pop3_parse_msgnum(arg, &n)) {
        if (reply)
            pop3_err(s, NULL, "Invalid message number");
        return NULL;
    }
    Pop3Msg *m = pop3_drop_nth(s->drop, n);
    if (m == NULL && reply) {
        if (n <= pop3_drop_count(s->drop))
            pop3_err(s, NULL, "Message %u already deleted", n);
        else
            pop3_err(s, NULL, "No such message");
    }
    return m;
}

guint32
pop3_drop_uidvalidity(Pop3Drop *drop)
{
    return drop->uidvalidity;
}

HermodMailStore *
pop3_drop_store(Pop3Drop *drop)
{
    return drop->store;
}

/* --- opening: store, INBOX snapshot (work pool) --- */

typedef struct {
    char *account;
    char *lock;
    HermodMailStore *store;
    GPtrArray *infos; /* HermodMsgInfo* */
    guint32 uidvalidity;
    GError *error;
} OpenJob;

static void
open_job_free(OpenJob *job)
{
    if (job->store != NULL)
        pop3_api->mail->unref(job->store);
    if (job->infos != NULL)
        g_ptr_array_unref(job->infos);
    lock_release(job->lock);
    g_clear_error(&job->error);
    g_free(job->account);
    g_free(job);
}

/* --- sizes as RETR sends them ---
 *
 * The size RETR sends (pop3_wire_size) differs from the stored size only
 * for content with bare LFs or no final line end (BDAT, APPEND), but only
 * reading a message tells.  A message is read once per process: the
 * difference is kept in memory per account (dropped when UIDVALIDITY
 * changes, all of it past WIRE_MAX entries), and for messages of
 * WIRE_KEEP bytes or more also in the store's parse cache, so that a
 * restart does not read big mailboxes again.  Small messages are cheaper
 * to read than to look up there.  An unreadable message keeps its stored
 * size (RETR will answer -ERR for it). */

#define WIRE_MAX  1000000
#define WIRE_KEEP (256 * 1024)

typedef struct {
    guint32 uidvalidity;
    GHashTable *extra; /* uid -> wire size - stored size + 1 */
} WireSizes;

G_LOCK_DEFINE_STATIC(wire);
static GHashTable *wire; /* lower-case account -> WireSizes */
static guint wire_entries;

static void
wire_sizes_free(gpointer p)
{
    WireSizes *w = p;
    g_hash_table_unref(w->extra);
    g_free(w);
}

/* Lock held.  The account's table for uidvalidity, made empty if needed. */
static WireSizes *
wire_sizes(const char *key, guint32 uidvalidity)
{
    if (wire == NULL || wire_entries > WIRE_MAX) {
        g_clear_pointer(&wire, g_hash_table_unref);
        wire = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, wire_sizes_free);
        wire_entries = 0;
    }
    WireSizes *w = g_hash_table_lookup(wire, key);
    if (w == NULL || w->uidvalidity != uidvalidity) {
        w = g_new0(WireSizes, 1);
        w->uidvalidity = uidvalidity;
        w->extra = g_hash_table_new(NULL, NULL);
        g_hash_table_replace(wire, g_strdup(key), w);
    }
    return w;
}

/* Work pool, no lock: read the message (or its cache entry). */
static guint64
wire_size_read(HermodMailStore *store, const HermodMsgInfo *info)
{
    const HermodMailApi *mail = pop3_api->mail;
    guint64 size;
    if (info->size >= WIRE_KEEP) {
        g_autofree char *cached = mail->cache_get(store, "INBOX", info->uid, WIRE_SIZE_FIELD);
        if (cached != NULL && g_ascii_string_to_unsigned(cached, 10, 0, G_MAXUINT64, &size, NULL))
            return size;
    }
    g_autoptr(GBytes) bytes = pop3_message_bytes(store, info->uid, NULL);
    if (bytes == NULL)
        return info->size;
    gsize len;
    const char *data = g_bytes_get_data(bytes, &len);
    size = pop3_wire_size(data, len);
    if (info->size >= WIRE_KEEP) {
        g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT, size);
        mail->cache_set(store, "INBOX", info->uid, WIRE_SIZE_FIELD, text);
    }
    return size;
}

/* Work pool.  Sets every info->size to the size RETR sends. */
static void
wire_sizes_fill(const char *account, guint32 uidvalidity, HermodMailStore *store, GPtrArray *infos)
{
    g_autofree char *key = g_utf8_strdown(account, -1);
    g_autoptr(GArray) todo = g_array_new(FALSE, FALSE, sizeof(guint));
    G_LOCK(wire);
    WireSizes *w = wire_sizes(key, uidvalidity);
    for (guint i = 0; i < infos->len; i++) {
        HermodMsgInfo *info = g_ptr_array_index(infos, i);
        gsize extra = GPOINTER_TO_SIZE(g_hash_table_lookup(w->extra, GUINT_TO_POINTER(info->uid)));
        if (extra > 0)
            info->size += extra - 1;
        else
            g_array_append_val(todo, i);
    }
    G_UNLOCK(wire);
    g_autoptr(GArray) sizes = g_array_sized_new(FALSE, FALSE, sizeof(guint64), todo->len);
    for (guint i = 0; i < todo->len; i++) {
        guint64 size =
            wire_size_read(store, g_ptr_array_index(infos, g_array_index(todo, guint, i)));
        g_array_append_val(sizes, size);
    }
    G_LOCK(wire);
    w = wire_sizes(key, uidvalidity);
    for (guint i = 0; i < todo->len; i++) {
        HermodMsgInfo *info = g_ptr_array_index(infos, g_array_index(todo, guint, i));
        guint64 size = g_array_index(sizes, guint64, i);
        gsize extra = size >= info->size ? (gsize)(size - info->size) + 1 : 1;
        g_hash_table_insert(w->extra, GUINT_TO_POINTER(info->uid), GSIZE_TO_POINTER(extra));
        wire_entries++;
        info->size += extra - 1;
    }
    G_UNLOCK(wire);
}

/* Work pool: blocking store calls. */
static void
open_work(gpointer data)
{
    OpenJob *job = data;
    const HermodMailApi *mail = pop3_api->mail;
    job->store = mail->open(job->account, &job->error);
    if (job->store == NULL)
        return;
    HermodMailboxInfo *info = mail->mailbox_status(job->store, "INBOX", &job->error);
    if (info == NULL)
        return;
    job->uidvalidity = info->uidvalidity;
    mail->mailbox_info_free(info);
    job->infos = mail->messages(job->store, "INBOX", 0, &job->error);
    if (job->infos != NULL)
        wire_sizes_fill(job->account, job->uidvalidity, job->store, job->infos);
}

static Pop3Drop *
drop_from(OpenJob *job)
{
    Pop3Drop *drop = g_new0(Pop3Drop, 1);
    drop->store = g_steal_pointer(&job->store);
    drop->lock = g_steal_pointer(&job->lock);
    drop->uidvalidity = job->uidvalidity;
    drop->msgs = g_array_sized_new(FALSE, TRUE, sizeof(Pop3Msg), job->infos->len);
    for (guint i = 0; i < job->infos->len; i++) {
        const HermodMsgInfo *info = g_ptr_array_index(job->infos, i);
        Pop3Msg m = {.uid = info->uid,
                     .size = info->size,
                     .was_seen = (info->flags & HERMOD_MAIL_FLAG_SEEN) != 0};
        g_array_append_val(drop->msgs, m);
    }
    return drop;
}

static void
open_done(HermodConn *conn, gpointer data)
{
    OpenJob *job = data;
    Pop3Session *s = pop3_session_enter(conn);
    if (s == NULL) {
        open_job_free(job);
        return;
    }
    if (job->infos == NULL) {
        pop3_api->log(HERMOD_LOG_ERROR, pop3_api->conn_session(conn),
                      "pop3: cannot open INBOX of %s: %s", job->account,
                      job->error != NULL ? job->error->message : "unknown error");
        pop3_err_close(s, "SYS/TEMP", "Cannot open the mailbox; try again later");
    } else {
        s->drop = drop_from(job);
        s->account = g_strdup(job->account);
        pop3_api->log(HERMOD_LOG_INFO, pop3_api->conn_session(conn),
                      "pop3: login %s from %s, %u messages", s->account, pop3_api->conn_peer(conn),
                      pop3_drop_count(s->drop));
        pop3_ok(s, "Logged in, %u messages", pop3_drop_count(s->drop));
        pop3_session_resume(s, POP3_STATE_TRANSACTION);
    }
    open_job_free(job);
    pop3_session_leave(s);
}

void
pop3_drop_open(Pop3Session *s, const char *account)
{
    char *lock = lock_take(account);
    if (lock == NULL) {
        pop3_err(s, "IN-USE", "Mailbox is in use by another POP3 session");
        pop3_session_resume(s, POP3_STATE_AUTHORIZATION);
        return;
    }
    OpenJob *job = g_new0(OpenJob, 1);
    job->account = g_strdup(account);
    job->lock = lock;
    pop3_session_wait(s);
    pop3_api->work_run(s->conn, open_work, open_done, job);
}

/* --- UPDATE: expunge and \Seen at QUIT (work pool) --- */

typedef struct {
    Pop3Drop *drop;
    GArray *deleted; /* guint32 UIDs, ascending */
    GArray *seen;
    guint removed;
    GError *error;
} UpdateJob;

static void
update_work(gpointer data)
{
    UpdateJob *job = data;
    const HermodMailApi *mail = pop3_api->mail;
    HermodMailStore *store = job->drop->store;
    if (job->seen->len > 0) {
        g_autoptr(GError) error = NULL;
        /* Losing \Seen is no reason to keep deleted mail: log and go on. */
        if (!mail->update_flags(store, "INBOX", (const guint32 *)job->seen->data, job->seen->len,
                                HERMOD_FLAGS_ADD, HERMOD_MAIL_FLAG_SEEN, NULL, 0, NULL, &error))
            pop3_api->log(HERMOD_LOG_WARNING, NULL, "pop3: setting \\Seen failed: %s",
                          error->message);
    }
    if (job->deleted->len == 0)
        return; /* never call expunge with no UIDs: that means "all \Deleted" */
    GArray *gone = mail->expunge(store, "INBOX", (const guint32 *)job->deleted->data,
                                 job->deleted->len, &job->error);
    if (gone != NULL) {
        job->removed = gone->len;
        g_array_unref(gone);
    }
}

static void
update_done(HermodConn *conn, gpointer data)
{
    UpdateJob *job = data;
    /* Free the lock first: a client that logs in again right after our
     * +OK must not find the mailbox in use. */
    pop3_drop_free(job->drop);
    Pop3Session *s = pop3_session_enter(conn);
    if (s != NULL) {
        g_clear_pointer(&s->drop, pop3_drop_free);
        if (job->error != NULL) {
            pop3_api->log(HERMOD_LOG_ERROR, pop3_api->conn_session(conn),
                          "pop3: expunge for %s failed: %s", s->account, job->error->message);
            pop3_err_close(s, "SYS/TEMP", "Some deleted messages were not removed");
        } else {
            pop3_ok(s, "%s POP3 server signing off (%u messages deleted)", pop3_api->hostname(),
                    job->deleted->len);
            pop3_session_set_state(s, POP3_STATE_CLOSING);
            pop3_api->conn_close(conn);
        }
        pop3_session_leave(s);
    }
    g_array_unref(job->deleted);
    g_array_unref(job->seen);
    g_clear_error(&job->error);
    g_free(job);
}

void
pop3_drop_update(Pop3Session *s)
{
    UpdateJob *job = g_new0(UpdateJob, 1);
    job->deleted = g_array_new(FALSE, FALSE, sizeof(guint32));
    job->seen = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = 0; i < s->drop->msgs->len; i++) {
        const Pop3Msg *m = &g_array_index(s->drop->msgs, Pop3Msg, i);
        if (m->is_deleted)
            g_array_append_val(job->deleted, m->uid);
        else if (m->is_read && s->lim.set_seen && !m->was_seen)
            g_array_append_val(job->seen, m->uid);
    }
    /* The job shares the drop (store and lock) until it is done. */
    job->drop = g_new0(Pop3Drop, 1);
    job->drop->store = s->drop->store;
    job->drop->msgs = g_array_new(FALSE, FALSE, sizeof(Pop3Msg));
    job->drop->lock = g_steal_pointer(&s->drop->lock);
    s->drop->store = NULL;
    pop3_session_wait(s);
    pop3_api->work_run(s->conn, update_work, update_done, job);
}
