/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-fetch.c - the session side of FETCH, SEARCH, SORT and THREAD.
 *
 * The grammar and the responses belong to fetch.c, search.c, sort.c and
 * thread.c; this file resolves the message set against the selected view,
 * hands each a snapshot of the messages on the work pool (they open and
 * parse message files) and queues their output; a small FETCH of flags,
 * UIDs, dates or sizes alone is answered on the loop.  FETCH runs in batches:
 * each batch's chunks go to the output queue, and the next batch starts
 * only once the queue drained, so a FETCH of many large bodies holds at
 * most one batch in memory.  A FETCH that sets \Seen first updates the
 * flags in the store.
 */
#include "autoconfig.h"

#include <string.h>

#include "fetch.h"
#include "search.h"
#include "session.h"
#include "sort.h"
#include "thread.h"

#define BATCH_MESSAGES 64
#define BATCH_BYTES    (4u << 20)

typedef struct {
    ImapSession *s;
    char *tag;
    char *mailbox;
    ImapMailboxEnv env;
    ImapFetchSpec *spec;
    GPtrArray *msgs; /* HermodMsgInfo* copies to fetch */
    GArray *seqs;    /* their sequence numbers */
    GArray *seen;    /* UIDs to flag \Seen first, or NULL */
    guint next;
    gboolean is_uid, ok;
    gboolean is_kept; /* fetch_done continues: the work's free must not free */
    GPtrArray *out;   /* GBytes* of the current batch */
    GError *error;
} FetchJob;

static void
fetch_job_free(gpointer data)
{
    FetchJob *j = data;
    g_free(j->tag);
    g_free(j->mailbox);
    imap_fetch_spec_free(j->spec);
    g_ptr_array_unref(j->msgs);
    g_array_unref(j->seqs);
    g_clear_pointer(&j->seen, g_array_unref);
    g_clear_pointer(&j->out, g_ptr_array_unref);
    g_clear_error(&j->error);
    g_free(j);
}

static void
env_fill(ImapSession *s, ImapMailboxEnv *env, const char *mailbox)
{
    env->api = imap_api;
    env->store = s->store;
    env->mailbox = mailbox;
    env->is_rev2 = s->is_rev2;
    env->is_utf8_accept = s->is_utf8;
    env->is_condstore = s->is_condstore;
    env->uidvalidity = s->sel->uidvalidity;
}

/* A FETCH, SEARCH, SORT or THREAD that failed: the store's errors with
 * their response codes ([UNAVAILABLE] when it could not answer), others
 * as a plain NO. */
static void
reply_failed(ImapSession *s, const char *tag, const GError *error, const char *fallback)
{
    if (error != NULL && error->domain == HERMOD_MAIL_ERROR)
        imap_reply_error(s, tag, error);
    else
        imap_tagged(s, tag, "NO", NULL, error != NULL ? error->message : fallback);
}

/* Work pool: flag \Seen once, then fetch one batch. */
static void
fetch_work(gpointer data)
{
    FetchJob *j = data;
    j->ok = TRUE;
    if (j->seen != NULL && j->seen->len > 0) {
        j->ok = imap_mail->update_flags(j->env.store, j->mailbox, (const guint32 *)j->seen->data,
                                        j->seen->len, HERMOD_FLAGS_ADD, HERMOD_MSG_SEEN, NULL, 0,
                                        NULL, &j->error);
        g_clear_pointer(&j->seen, g_array_unref);
    }
    gsize bytes = 0;
    for (guint n = 0; j->ok && j->next < j->msgs->len && n < BATCH_MESSAGES; n++, j->next++) {
        HermodMsgInfo *m = g_ptr_array_index(j->msgs, j->next);
        guint32 seq = g_array_index(j->seqs, guint32, j->next);
        g_autoptr(GError) error = NULL;
        if (!imap_fetch_message(&j->env, j->spec, seq, m, j->out, &error)) {
            if (!g_error_matches(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_FAILED)) {
                j->ok = FALSE;
                g_propagate_error(&j->error, g_steal_pointer(&error));
            }
            continue; /* a message expunged meanwhile is skipped (RFC 9051 7.5.3) */
        }
        bytes += m->size;
        if (bytes > BATCH_BYTES)
            n = BATCH_MESSAGES;
    }
}

static void fetch_done(ImapSession *s, gpointer data);

/* After each batch's done (or instead of it once the connection closed). */
static void
fetch_job_release(gpointer data)
{
    FetchJob *j = data;
    if (j->is_kept)
        j->is_kept = FALSE;
    else
        fetch_job_free(j);
}

static void
fetch_next(ImapSession *s, FetchJob *j)
{
    s->on_drained = NULL;
    s->on_drained_data = NULL;
    s->on_drained_free = NULL;
    j->out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    imap_session_work(s, fetch_work, fetch_done, j, fetch_job_release);
}

static void
fetch_drained(ImapSession *s, gpointer data)
{
    fetch_next(s, data);
}

static void
fetch_finish(ImapSession *s, FetchJob *j)
{
    if (!j->ok) {
        reply_failed(s, j->tag, j->error, "FETCH failed");
    } else {
        /* The client already heard of the \Seen this FETCH set. */
        for (guint i = 0; s->sel != NULL && i < j->msgs->len; i++) {
            HermodMsgInfo *m = g_ptr_array_index(j->msgs, i);
            guint32 seq = imap_selected_seq(s->sel, m->uid);
            if (seq > 0)
                ((HermodMsgInfo *)g_ptr_array_index(s->sel->msgs, seq - 1))->flags |=
                    m->flags & HERMOD_MSG_SEEN;
        }
        imap_session_after_command(s, j->is_uid);
        imap_tagged(s, j->tag, "OK", NULL, "FETCH completed");
    }
    imap_session_resume(s); /* fetch_job_release frees j */
}

static void
fetch_done(ImapSession *s, gpointer data)
{
    FetchJob *j = data;
    for (guint i = 0; i < j->out->len; i++)
        imap_write_bytes(s, g_ptr_array_index(j->out, i));
    g_clear_pointer(&j->out, g_ptr_array_unref);
    if (!j->ok || j->next >= j->msgs->len) {
        fetch_finish(s, j);
        return;
    }
    j->is_kept = TRUE;
    imap_flush(s);
    if (imap_output_queued(s) == 0) {
        fetch_next(s, j);
        return;
    }
    /* Wait for the client to read: the next batch starts from on_writable. */
    s->on_drained = fetch_drained;
    s->on_drained_data = j;
    s->on_drained_free = fetch_job_free;
}

/* A small FETCH of what the selected view already holds (FLAGS, UID, ...):
 * answered on the loop thread, without the work pool's round trip. */
static void
fetch_inline(ImapSession *s, FetchJob *j)
{
    j->out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    /* fetch_work stops a batch at BATCH_BYTES of message sizes, though
     * nothing here reads a message file: go on to the last message. */
    do
        fetch_work(j);
    while (j->ok && j->next < j->msgs->len);
    for (guint i = 0; i < j->out->len; i++)
        imap_write_bytes(s, g_ptr_array_index(j->out, i));
    if (!j->ok) {
        reply_failed(s, j->tag, j->error, "FETCH failed");
    } else {
        imap_session_after_command(s, j->is_uid);
        imap_tagged(s, j->tag, "OK", NULL, "FETCH completed");
    }
    fetch_job_free(j);
}

static void
fetch_vanished(ImapSession *s, FetchJob *j, GArray *uids)
{
    guint64 since = imap_fetch_spec_changedsince(j->spec);
    g_autoptr(GArray) gone = imap_mail->expunged_since(s->store, j->mailbox, since, NULL);
    g_autoptr(GArray) in_set = g_array_new(FALSE, FALSE, sizeof(guint32));
    guint32 lo = uids->len > 0 ? g_array_index(uids, guint32, 0) : 0;
    guint32 hi = uids->len > 0 ? g_array_index(uids, guint32, uids->len - 1) : 0;
    for (guint i = 0; gone != NULL && i < gone->len; i++) {
        guint32 uid = g_array_index(gone, guint32, i);
        if (uid >= lo && uid <= hi)
            g_array_append_val(in_set, uid);
    }
    if (in_set->len > 0) {
        g_autofree char *set = imap_seqset_from_sorted((const guint32 *)in_set->data, in_set->len);
        imap_printf(s, "* VANISHED (EARLIER) %s\r\n", set);
    }
}

static void
fetch_select(ImapSession *s, FetchJob *j, GArray *uids)
{
    guint64 since = imap_fetch_spec_changedsince(j->spec);
    gboolean sets_seen = imap_fetch_spec_sets_seen(j->spec) && !s->sel->is_readonly;
    for (guint i = 0; i < uids->len; i++) {
        guint32 seq = imap_selected_seq(s->sel, g_array_index(uids, guint32, i));
        HermodMsgInfo *m = imap_msginfo_copy(g_ptr_array_index(s->sel->msgs, seq - 1));
        if (since > 0 && m->modseq <= since) {
            imap_msginfo_free(m);
            continue;
        }
        if (sets_seen && !(m->flags & HERMOD_MSG_SEEN)) {
            if (j->seen == NULL)
                j->seen = g_array_new(FALSE, FALSE, sizeof(guint32));
            g_array_append_val(j->seen, m->uid);
            m->flags |= HERMOD_MSG_SEEN;
        }
        g_ptr_array_add(j->msgs, m);
        g_array_append_val(j->seqs, seq);
    }
}

void
imap_cmd_fetch(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    g_autoptr(GError) error = NULL;
    ImapArg *set = cmd->args->len > 0 ? g_ptr_array_index(cmd->args, 0) : NULL;
    g_autoptr(ImapFetchSpec) spec = imap_fetch_spec_parse(cmd->args, 1, is_uid, &error);
    if (spec == NULL || set == NULL || set->type != IMAP_ARG_ATOM) {
        imap_tagged(s, cmd->tag, "BAD", NULL, error != NULL ? error->message : "FETCH set items");
        return;
    }
    g_autoptr(GArray) uids = imap_selected_uids(s, set->str, is_uid, &error);
    if (uids == NULL) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", error->message);
        return;
    }
    FetchJob *j = g_new0(FetchJob, 1);
    j->s = s;
    j->tag = g_strdup(cmd->tag);
    j->mailbox = g_strdup(s->sel->name);
    j->is_uid = is_uid;
    j->spec = g_steal_pointer(&spec);
    j->msgs = g_ptr_array_new_with_free_func(imap_msginfo_free);
    j->seqs = g_array_new(FALSE, FALSE, sizeof(guint32));
    if (imap_fetch_spec_changedsince(j->spec) > 0)
        s->is_condstore = TRUE; /* RFC 7162 3.1: CHANGEDSINCE enables CONDSTORE */
    env_fill(s, &j->env, j->mailbox);
    if (imap_fetch_spec_has_vanished(j->spec))
        fetch_vanished(s, j, uids);
    fetch_select(s, j, uids);
    if (!imap_fetch_spec_needs_store(j->spec) && j->msgs->len <= BATCH_MESSAGES)
        fetch_inline(s, j);
    else
        fetch_next(s, j);
}

/* --- SEARCH, SORT, THREAD --- */

typedef enum { Q_SEARCH, Q_SORT, Q_THREAD } QueryKind;

static char *no_keywords[] = {NULL}; /* shared by snapshot rows without keywords */

typedef struct {
    QueryKind kind;
    char *tag;
    char *mailbox;
    char *account; /* env.account: the search cache's key */
    ImapMailboxEnv env;
    gpointer query;       /* ImapSearch*, ImapSort* or ImapThread* */
    HermodMsgInfo *block; /* the snapshot: one allocation for every message */
    guint n_block;
    GPtrArray *msgs; /* pointers into block */
    GArray *previous;
    GArray *saved;
    GPtrArray *out;
    gboolean is_uid, ok;
    GError *error;
} QueryJob;

static void
query_free(gpointer data)
{
    QueryJob *q = data;
    if (q->kind == Q_SEARCH)
        imap_search_free(q->query);
    else if (q->kind == Q_SORT)
        imap_sort_free(q->query);
    else
        imap_thread_free(q->query);
    g_free(q->tag);
    g_free(q->mailbox);
    g_free(q->account);
    g_ptr_array_unref(q->msgs);
    for (guint i = 0; i < q->n_block; i++) {
        if (q->block[i].keywords != no_keywords)
            g_strfreev(q->block[i].keywords);
    }
    g_free(q->block);
    g_clear_pointer(&q->previous, g_array_unref);
    g_clear_pointer(&q->saved, g_array_unref);
    g_ptr_array_unref(q->out);
    g_clear_error(&q->error);
    g_free(q);
}

/* The messages as the query sees them, copied in one block: SEARCH runs
 * on every message of the mailbox, and a copy per message (two
 * allocations each) cost more than the search itself. */
static void
snapshot(QueryJob *q, GPtrArray *msgs)
{
    q->n_block = msgs->len;
    q->block = g_new(HermodMsgInfo, MAX(msgs->len, 1));
    q->msgs = g_ptr_array_sized_new(msgs->len);
    for (guint i = 0; i < msgs->len; i++) {
        const HermodMsgInfo *m = g_ptr_array_index(msgs, i);
        q->block[i] = *m;
        q->block[i].keywords = m->keywords != NULL && m->keywords[0] != NULL
                                   ? g_strdupv(m->keywords)
                                   : (char **)no_keywords;
        g_ptr_array_add(q->msgs, &q->block[i]);
    }
}

static void
query_work(gpointer data)
{
    QueryJob *q = data;
    if (q->kind == Q_SEARCH)
        q->ok =
            imap_search_run(&q->env, q->query, q->msgs, q->previous, q->out, &q->saved, &q->error);
    else if (q->kind == Q_SORT)
        q->ok = imap_sort_run(&q->env, q->query, q->msgs, q->out, &q->error);
    else
        q->ok = imap_thread_run(&q->env, q->query, q->msgs, q->out, &q->error);
}

static void
query_done(ImapSession *s, gpointer data)
{
    QueryJob *q = data;
    if (!q->ok) {
        reply_failed(s, q->tag, q->error, "Failed");
        imap_session_resume(s);
        return;
    }
    for (guint i = 0; i < q->out->len; i++)
        imap_write_bytes(s, g_ptr_array_index(q->out, i));
    if (q->saved != NULL) {
        g_clear_pointer(&s->searchres, g_array_unref);
        s->searchres = g_steal_pointer(&q->saved);
    }
    imap_session_after_command(s, q->is_uid);
    imap_tagged(s, q->tag, "OK", NULL, "Completed");
    imap_session_resume(s);
}

static gpointer
query_parse(QueryKind kind, ImapCommand *cmd, gboolean is_uid, GError **error)
{
    if (kind == Q_SEARCH) {
        ImapSearch *search = imap_search_parse(cmd->args, 0, is_uid, error);
        if (search != NULL)
            imap_search_set_tag(search, cmd->tag);
        return search;
    }
    if (kind == Q_SORT)
        return imap_sort_parse(cmd->args, 0, is_uid, error);
    return imap_thread_parse(cmd->args, 0, is_uid, error);
}

void
imap_cmd_search(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    QueryKind kind = strcmp(cmd->name, "SORT") == 0     ? Q_SORT
                     : strcmp(cmd->name, "THREAD") == 0 ? Q_THREAD
                                                        : Q_SEARCH;
    g_autoptr(GError) error = NULL;
    gpointer query = query_parse(kind, cmd, is_uid, &error);
    if (query != NULL && kind == Q_SEARCH &&
        !imap_search_check_seq(query, s->sel->msgs->len, &error)) {
        imap_search_free(query);
        query = NULL;
    }
    if (query == NULL) {
        gboolean is_bad = g_error_matches(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX);
        imap_tagged(s, cmd->tag, is_bad ? "BAD" : "NO", NULL, error->message);
        return;
    }
    QueryJob *q = g_new0(QueryJob, 1);
    q->kind = kind;
    q->query = query;
    q->tag = g_strdup(cmd->tag);
    q->mailbox = g_strdup(s->sel->name);
    q->is_uid = is_uid;
    env_fill(s, &q->env, q->mailbox);
    q->account = g_strdup(s->account);
    q->env.account = q->account;
    snapshot(q, s->sel->msgs);
    if (s->searchres != NULL)
        q->previous = g_array_copy(s->searchres);
    q->out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    imap_session_work(s, query_work, query_done, q, query_free);
}
