/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * mam.c - Message Archive Management (XEP-0313, urn:xmpp:mam:2) over the
 * IM hub's history.
 *
 * The archive is the account's IM history, whatever brought each IM in
 * (XMPP, the webmail, a semaphore file, a reminder); an entry's archive id
 * is its hub history id, the same number the <stanza-id/> of a live
 * message carries.  Filters: the form fields "with" (a bare JID), "start"
 * and "end" (XEP-0082 timestamps, inclusive); paging with Result Set
 * Management (XEP-0059): <max/> (capped by [xmpp] mam_max), <after/>,
 * <before/> (empty: the last page).  A get of the query returns the form.
 * The history is read on the work pool; the results go out as
 * <message><result><forwarded><delay/><message/>, then the iq result with
 * <fin complete='true|false'> and the first and last ids.
 */
#include "autoconfig.h"

#include <string.h>

#include "xmpp.h"

typedef struct {
    XmppSession *s;
    XmppNode *iq;
    char *queryid;
    HermodImQuery q;
    char *account;
    char *with;
    guint max;
    GPtrArray *ims;
    gboolean is_bad;
} MamJob;

/* XEP-0082 to µs since the epoch; 0 when it is not a timestamp. */
static gint64
parse_time(const char *text)
{
    g_autoptr(GDateTime) t = text != NULL ? g_date_time_new_from_iso8601(text, NULL) : NULL;

    if (t == NULL)
        return 0;
    return g_date_time_to_unix(t) * G_USEC_PER_SEC + g_date_time_get_microsecond(t);
}

static gboolean
parse_form(MamJob *job, XmppNode *x)
{
    for (guint i = 0; x != NULL && i < x->children->len; i++) {
        XmppNode *f = x->children->pdata[i];
        const char *var = xmpp_node_attr(f, "var");
        const char *value = xmpp_node_text(xmpp_node_child(f, "value", NULL));
        if (!xmpp_node_is(f, "field", NULL) || var == NULL || strcmp(var, "FORM_TYPE") == 0)
            continue;
        if (strcmp(var, "with") == 0) {
            job->with = xmpp_jid_bare(value);
            if (job->with == NULL)
                return FALSE;
        } else if (strcmp(var, "start") == 0) {
            job->q.since = parse_time(value);
            if (job->q.since == 0)
                return FALSE;
        } else if (strcmp(var, "end") == 0) {
            job->q.until = parse_time(value) + 1;
            if (job->q.until == 1)
                return FALSE;
        } else {
            return FALSE; /* a field we do not support */
        }
    }
    return TRUE;
}

static gboolean
parse_rsm(MamJob *job, XmppNode *set)
{
    XmppNode *max = xmpp_node_child(set, "max", NULL);
    XmppNode *after = xmpp_node_child(set, "after", NULL);
    XmppNode *before = xmpp_node_child(set, "before", NULL);

    if (max != NULL) {
        guint64 n = g_ascii_strtoull(xmpp_node_text(max), NULL, 10);
        job->max = (guint)MIN(n, (guint64)job->max);
    }
    if (after != NULL) {
        job->q.after_id = g_ascii_strtoll(xmpp_node_text(after), NULL, 10);
        if (job->q.after_id <= 0)
            return FALSE;
    }
    if (before != NULL) {
        job->q.is_last = TRUE;
        if (*xmpp_node_text(before) != '\0') {
            job->q.before_id = g_ascii_strtoll(xmpp_node_text(before), NULL, 10);
            if (job->q.before_id <= 0)
                return FALSE;
        }
    }
    return TRUE;
}

static void
mam_work(gpointer data)
{
    MamJob *job = data;
    g_autoptr(GError) error = NULL;

    job->q.struct_size = sizeof job->q;
    job->q.account = job->account;
    job->q.with = job->with;
    job->q.limit = job->max + 1; /* one more says whether the page is complete */
    job->ims = xmpp_api->im->history(&job->q, &error);
    if (job->ims == NULL)
        xmpp_api->log(HERMOD_LOG_WARNING, NULL, "xmpp: archive of %s: %s", job->account,
                      error->message);
}

static void
send_result(XmppSession *s, const char *queryid, const HermodIm *im)
{
    g_autoptr(XmppNode) m = xmpp_node_new("message", XMPP_NS_CLIENT);
    XmppNode *r = xmpp_node_add(m, xmpp_node_new("result", XMPP_NS_MAM));
    XmppNode *fwd = xmpp_node_add(r, xmpp_node_new("forwarded", XMPP_NS_FORWARD));
    XmppNode *delay = xmpp_node_add(fwd, xmpp_node_new("delay", XMPP_NS_DELAY));
    g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, im->id);
    g_autofree char *stamp = xmpp_stamp(im->time);

    xmpp_node_set(m, "from", s->account);
    xmpp_node_set(m, "to", s->full_jid);
    xmpp_node_set(r, "queryid", queryid);
    xmpp_node_set(r, "id", id);
    xmpp_node_set(delay, "stamp", stamp);
    xmpp_node_add(fwd, xmpp_message_from_im(im, NULL));
    xmpp_send_node(s, m);
}

static void
send_fin(MamJob *job, guint from, guint to, gboolean is_complete)
{
    g_autoptr(XmppNode) reply = xmpp_iq_result(job->s, job->iq);
    XmppNode *fin = xmpp_node_add(reply, xmpp_node_new("fin", XMPP_NS_MAM));
    XmppNode *set = xmpp_node_add(fin, xmpp_node_new("set", XMPP_NS_RSM));

    xmpp_node_set(fin, "complete", is_complete ? "true" : "false");
    if (to > from) {
        g_autofree char *first =
            g_strdup_printf("%" G_GINT64_FORMAT, ((HermodIm *)job->ims->pdata[from])->id);
        g_autofree char *last =
            g_strdup_printf("%" G_GINT64_FORMAT, ((HermodIm *)job->ims->pdata[to - 1])->id);
        xmpp_node_set(xmpp_node_add_text(set, "first", first), "index", "0");
        xmpp_node_add_text(set, "last", last);
    }
    xmpp_send_node(job->s, reply);
}

static void
mam_done(HermodConn *conn, gpointer data)
{
    MamJob *job = data;
    XmppSession *s = job->s;

    if (!s->is_closed && job->ims == NULL) {
        xmpp_send_error(s, job->iq, "wait", "internal-server-error");
    } else if (!s->is_closed) {
        guint n = job->ims->len, from = 0, to = n;
        gboolean is_complete = n <= job->max;
        if (!is_complete && job->q.is_last)
            from = n - job->max; /* the extra one is the oldest */
        else if (!is_complete)
            to = job->max;
        for (guint i = from; i < to; i++)
            send_result(s, job->queryid, job->ims->pdata[i]);
        send_fin(job, from, to, is_complete);
    }
    if (job->ims != NULL)
        g_ptr_array_unref(job->ims);
    xmpp_node_free(job->iq);
    g_free(job->queryid);
    g_free(job->account);
    g_free(job->with);
    xmpp_session_done(s);
    g_free(job);
}

static void
send_form(XmppSession *s, XmppNode *iq)
{
    static const char *const vars[] = {"with", "start", "end"};
    g_autoptr(XmppNode) reply = xmpp_iq_result(s, iq);
    XmppNode *q = xmpp_node_add(reply, xmpp_node_new("query", XMPP_NS_MAM));
    XmppNode *x = xmpp_node_add(q, xmpp_node_new("x", XMPP_NS_DATA));
    XmppNode *ft = xmpp_node_add(x, xmpp_node_new("field", XMPP_NS_DATA));

    xmpp_node_set(x, "type", "form");
    xmpp_node_set(ft, "var", "FORM_TYPE");
    xmpp_node_set(ft, "type", "hidden");
    xmpp_node_add_text(ft, "value", XMPP_NS_MAM);
    for (guint i = 0; i < G_N_ELEMENTS(vars); i++) {
        XmppNode *f = xmpp_node_add(x, xmpp_node_new("field", XMPP_NS_DATA));
        xmpp_node_set(f, "var", vars[i]);
        xmpp_node_set(f, "type", i == 0 ? "jid-single" : "text-single");
    }
    xmpp_send_node(s, reply);
}

void
xmpp_mam_query(XmppSession *s, XmppNode *iq, XmppNode *query)
{
    MamJob *job;

    if (g_strcmp0(xmpp_node_attr(iq, "type"), "get") == 0) {
        send_form(s, iq);
        return;
    }
    job = g_new0(MamJob, 1);
    job->max = s->lim.mam_max;
    if (!parse_form(job, xmpp_node_child(query, "x", XMPP_NS_DATA)) ||
        !parse_rsm(job, xmpp_node_child(query, "set", XMPP_NS_RSM))) {
        xmpp_send_error(s, iq, "modify", "bad-request");
        g_free(job->with);
        g_free(job);
        return;
    }
    job->iq = xmpp_node_copy(iq);
    job->queryid = g_strdup(xmpp_node_attr(query, "queryid"));
    job->account = g_strdup(s->account);
    job->s = xmpp_session_busy(s);
    xmpp_api->work_run(s->conn, mam_work, mam_done, job);
}
