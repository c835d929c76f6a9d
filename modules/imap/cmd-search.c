/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-search.c - the session side of SEARCH, SORT and THREAD, with their
 * UID forms (RFC 9051 6.4.4, RFC 5256, ESEARCH and SEARCHRES).
 *
 * The grammar and the responses belong to search.c, sort.c and thread.c;
 * this file parses the command with the right one, checks sequence
 * numbers against the view, hands a snapshot of the selected mailbox's
 * messages (and the saved "$" result) to the work pool, where header and
 * body keys open message files, and on completion writes the untagged
 * response and keeps a new "$".
 */
#include "autoconfig.h"

#include <string.h>

#include "search.h"
#include "session.h"
#include "sort.h"
#include "thread.h"

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
        imap_reply_failed(s, q->tag, q->error, "Failed");
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
    imap_selected_env(s, &q->env, q->mailbox);
    q->account = g_strdup(s->account);
    q->env.account = q->account;
    snapshot(q, s->sel->msgs);
    if (s->searchres != NULL)
        q->previous = g_array_copy(s->searchres);
    q->out = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    imap_session_work(s, query_work, query_done, q, query_free);
}
