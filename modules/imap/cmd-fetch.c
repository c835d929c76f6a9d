/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-fetch.c - the session side of FETCH and UID FETCH (RFC 9051 6.4.5,
 * CHANGEDSINCE and VANISHED of RFC 7162).
 *
 * The grammar and the responses belong to fetch.c; this file resolves the
 * message set against the selected view, hands copies of the messages to
 * the work pool (where fetch.c opens and parses message files) and queues
 * the output; a small FETCH of flags, UIDs, dates or sizes alone is
 * answered on the loop.  FETCH runs in batches:
 * each batch's chunks go to the output queue, and the next batch starts
 * only once the queue drained, so a FETCH of many large bodies holds at
 * most one batch in memory.  A FETCH that sets \Seen first updates the
 * flags in the store.
 */
#include "autoconfig.h"

#include <string.h>

#include "fetch.h"
#include "session.h"

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

/* Work pool: flag \Seen once, then fetch one batch. */
static void
fetch_work(gpointer data)
{
    FetchJob *j = data;
    j->ok = TRUE;
    if (j->seen != NULL && j->seen->len > 0) {
        j->ok = imap_mail->update_flags(j->env.store, j->mailbox, (const guint32 *)j->seen->data,
                                        j->seen->len, HERMOD_FLAGS_ADD, HERMOD_MAIL_FLAG_SEEN, NULL,
                                        0, NULL, &j->error);
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
        imap_reply_failed(s, j->tag, j->error, "FETCH failed");
    } else {
        /* The client already heard of the \Seen this FETCH set. */
        for (guint i = 0; s->sel != NULL && i < j->msgs->len; i++) {
            HermodMsgInfo *m = g_ptr_array_index(j->msgs, i);
            guint32 seq = imap_selected_seq(s->sel, m->uid);
            if (seq > 0)
                ((HermodMsgInfo *)g_ptr_array_index(s->sel->msgs, seq - 1))->flags |=
                    m->flags & HERMOD_MAIL_FLAG_SEEN;
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
        imap_reply_failed(s, j->tag, j->error, "FETCH failed");
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
        if (sets_seen && !(m->flags & HERMOD_MAIL_FLAG_SEEN)) {
            if (j->seen == NULL)
                j->seen = g_array_new(FALSE, FALSE, sizeof(guint32));
            g_array_append_val(j->seen, m->uid);
            m->flags |= HERMOD_MAIL_FLAG_SEEN;
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
    imap_selected_env(s, &j->env, j->mailbox);
    if (imap_fetch_spec_has_vanished(j->spec))
        fetch_vanished(s, j, uids);
    fetch_select(s, j, uids);
    if (!imap_fetch_spec_needs_store(j->spec) && j->msgs->len <= BATCH_MESSAGES)
        fetch_inline(s, j);
    else
        fetch_next(s, j);
}
