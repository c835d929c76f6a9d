/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * selected.c - the client's view of the selected mailbox.
 *
 * Keeps the sequence-number to UID map and a copy of every message's flags
 * as the client last heard them, and two watermarks: the modseq up to
 * which flag changes and new messages are known, and the one up to which
 * expunges were reported.  imap_selected_sync asks the store what changed
 * since (HermodMailApi.messages and expunged_since, quick reads on the
 * loop) and sends FETCH FLAGS, EXISTS and, where RFC 9051 7.5.3 allows it
 * (not after FETCH, STORE or SEARCH by sequence number), EXPUNGE - or
 * VANISHED once QRESYNC is enabled.  Sequence numbers therefore never shift
 * under a client's feet.
 */
#include "autoconfig.h"

#include <string.h>

#include "session.h"

HermodMsgInfo *
imap_msginfo_copy(const HermodMsgInfo *m)
{
    HermodMsgInfo *c = g_new0(HermodMsgInfo, 1);
    *c = *m;
    c->keywords = g_strdupv(m->keywords);
    if (c->keywords == NULL)
        c->keywords = g_new0(char *, 1);
    return c;
}

void
imap_msginfo_free(gpointer data)
{
    HermodMsgInfo *m = data;
    g_strfreev(m->keywords);
    g_free(m);
}

void
imap_selected_free(ImapSelected *sel)
{
    g_ptr_array_unref(sel->msgs);
    g_free(sel->name);
    g_free(sel);
}

ImapSelected *
imap_selected_open(ImapSession *s, const char *name, gboolean is_readonly, GError **error)
{
    HermodMailboxInfo *info = imap_mail->mailbox_status(s->store, name, error);
    if (info == NULL)
        return NULL;
    GPtrArray *all = imap_mail->messages(s->store, info->name, 0, error);
    if (all == NULL) {
        imap_mail->mailbox_info_free(info);
        return NULL;
    }
    ImapSelected *sel = g_new0(ImapSelected, 1);
    sel->name = g_strdup(info->name);
    sel->is_readonly = is_readonly;
    sel->uidvalidity = info->uidvalidity;
    sel->msgs = g_ptr_array_new_full(all->len, imap_msginfo_free);
    sel->highestmodseq = info->highestmodseq;
    for (guint i = 0; i < all->len; i++) {
        HermodMsgInfo *m = g_ptr_array_index(all, i);
        g_ptr_array_add(sel->msgs, imap_msginfo_copy(m));
        sel->highestmodseq = MAX(sel->highestmodseq, m->modseq);
    }
    sel->flags_modseq = sel->highestmodseq;
    sel->expunge_modseq = sel->highestmodseq;
    g_ptr_array_unref(all);
    imap_mail->mailbox_info_free(info);
    return sel;
}

/* The name the mailbox with sel's UIDVALIDITY has now, or NULL.  The store
 * never hands out a UIDVALIDITY twice within an account and keeps it
 * across a rename, so it identifies the mailbox. (transfer full) */
static char *
find_renamed(ImapSession *s, GError **error)
{
    g_autoptr(GPtrArray) boxes = imap_mail->mailboxes(s->store, error);
    for (guint i = 0; boxes != NULL && i < boxes->len; i++) {
        HermodMailboxInfo *b = g_ptr_array_index(boxes, i);
        if (b->uidvalidity == s->sel->uidvalidity && !b->is_noselect)
            return g_strdup(b->name);
    }
    return NULL;
}

/* Another session may delete or rename the mailbox this one has selected.
 * RFC 2180 3 lists what a server may do; we follow a rename (2180 3.4: the
 * view, its UIDs and UIDVALIDITY stay valid, commands keep working) and
 * end the session on a delete with "* BYE", as Dovecot does (2180 3.3).
 * Every client handles BYE by reconnecting and re-selecting; the gentler
 * alternatives either leave a view of messages that no longer exist or
 * need EXPUNGEs followed by NOs that clients read as random errors, and
 * IMAP has no response that moves a session back to the authenticated
 * state ([CLOSED] is for SELECT only). */
gboolean
imap_selected_verify(ImapSession *s)
{
    if (s->sel == NULL || s->store == NULL)
        return TRUE;
    if (!s->is_sel_suspect) {
        /* The watch that tells of a rename or delete may still be on its
         * way to this loop when the next command arrives; a name lookup
         * (an empty index range, no rows read) catches that cheaply. */
        GArray *none = imap_mail->expunged_since(s->store, s->sel->name, G_MAXINT64, NULL);
        if (none != NULL) {
            g_array_unref(none);
            return TRUE;
        }
    }
    s->is_sel_suspect = FALSE;
    g_autoptr(GError) error = NULL;
    HermodMailboxInfo *info = imap_mail->mailbox_status(s->store, s->sel->name, NULL);
    gboolean is_same =
        info != NULL && !info->is_noselect && info->uidvalidity == s->sel->uidvalidity;
    if (info != NULL)
        imap_mail->mailbox_info_free(info);
    if (is_same)
        return TRUE;
    char *now = find_renamed(s, &error);
    if (now != NULL) {
        g_free(s->sel->name);
        s->sel->name = now;
        return TRUE;
    }
    if (error != NULL) { /* the store failed: try again before the next command */
        s->is_sel_suspect = TRUE;
        return TRUE;
    }
    imap_session_bye(s, "Selected mailbox was deleted by another session");
    return FALSE;
}

/* Index of uid in sel->msgs (ascending UIDs), or -1. */
static gint
find_uid(ImapSelected *sel, guint32 uid)
{
    gint lo = 0, hi = (gint)sel->msgs->len - 1;
    while (lo <= hi) {
        gint mid = lo + (hi - lo) / 2;
        HermodMsgInfo *m = g_ptr_array_index(sel->msgs, mid);
        if (m->uid == uid)
            return mid;
        if (m->uid < uid)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

void
imap_selected_env(ImapSession *s, ImapMailboxEnv *env, const char *mailbox)
{
    env->api = imap_api;
    env->store = s->store;
    env->mailbox = mailbox;
    env->is_rev2 = s->is_rev2;
    env->is_utf8_accept = s->is_utf8;
    env->is_condstore = s->is_condstore;
    env->uidvalidity = s->sel->uidvalidity;
}

guint32
imap_selected_seq(ImapSelected *sel, guint32 uid)
{
    return (guint32)(find_uid(sel, uid) + 1);
}

char *
imap_flags_string(guint32 flags, char **keywords)
{
    static const struct {
        guint32 bit;
        const char *name;
    } names[] = {
        {HERMOD_MAIL_FLAG_SEEN, "\\Seen"},       {HERMOD_MAIL_FLAG_ANSWERED, "\\Answered"},
        {HERMOD_MAIL_FLAG_FLAGGED, "\\Flagged"}, {HERMOD_MAIL_FLAG_DELETED, "\\Deleted"},
        {HERMOD_MAIL_FLAG_DRAFT, "\\Draft"},
    };
    GString *out = g_string_new("(");
    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        if (flags & names[i].bit)
            g_string_append_printf(out, "%s%s", out->len > 1 ? " " : "", names[i].name);
    }
    for (char **k = keywords; k != NULL && *k != NULL; k++)
        g_string_append_printf(out, "%s%s", out->len > 1 ? " " : "", *k);
    g_string_append_c(out, ')');
    return g_string_free(out, FALSE);
}

static gboolean
is_keyword(const char *k)
{
    if (*k == '\0')
        return FALSE;
    for (const char *p = k; *p != '\0'; p++) {
        if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f || strchr("(){%*\"\\]", *p) != NULL)
            return FALSE;
    }
    return TRUE;
}

static gboolean
add_flag(const char *f, guint32 *flags, GPtrArray *kw)
{
    static const char *const sys[] = {"\\Seen", "\\Answered", "\\Flagged", "\\Deleted", "\\Draft"};
    for (guint i = 0; i < G_N_ELEMENTS(sys); i++) {
        if (g_ascii_strcasecmp(f, sys[i]) == 0) {
            *flags |= 1u << i;
            return TRUE;
        }
    }
    if (g_ascii_strcasecmp(f, "\\Recent") == 0)
        return TRUE; /* not settable; ignored as RFC 3501 clients may send it */
    if (*f == '\\' || !is_keyword(f))
        return FALSE;
    g_ptr_array_add(kw, g_strdup(f));
    return TRUE;
}

gboolean
imap_parse_flags(const ImapArg *arg, guint32 *out_flags, char ***out_keywords)
{
    g_autoptr(GPtrArray) kw = g_ptr_array_new_with_free_func(g_free);
    *out_flags = 0;
    gboolean ok = TRUE;
    if (arg->type == IMAP_ARG_LIST) {
        for (guint i = 0; ok && i < arg->list->len; i++) {
            ImapArg *f = g_ptr_array_index(arg->list, i);
            ok = f->type == IMAP_ARG_ATOM && add_flag(f->str, out_flags, kw);
        }
    } else {
        ok = arg->type == IMAP_ARG_ATOM && add_flag(arg->str, out_flags, kw);
    }
    if (!ok)
        return FALSE;
    g_ptr_array_set_free_func(kw, NULL);
    g_ptr_array_add(kw, NULL);
    *out_keywords = (char **)g_ptr_array_free(g_steal_pointer(&kw), FALSE);
    return TRUE;
}

static gboolean
same_flags(const HermodMsgInfo *a, const HermodMsgInfo *b)
{
    if (a->flags != b->flags || g_strv_length(a->keywords) != g_strv_length(b->keywords))
        return FALSE;
    for (char **k = a->keywords; *k != NULL; k++) {
        if (!g_strv_contains((const char *const *)b->keywords, *k))
            return FALSE;
    }
    return TRUE;
}

static gboolean
in_sorted(GArray *uids, guint32 uid)
{
    for (guint i = 0; uids != NULL && i < uids->len; i++) {
        if (g_array_index(uids, guint32, i) == uid)
            return TRUE;
    }
    return FALSE;
}

static void
send_fetch_flags(ImapSession *s, guint32 seq, const HermodMsgInfo *m)
{
    g_autofree char *flags = imap_flags_string(m->flags, m->keywords);
    imap_printf(s, "* %u FETCH (UID %u FLAGS %s", seq, m->uid, flags);
    if (s->is_condstore)
        imap_printf(s, " MODSEQ (%" G_GUINT64_FORMAT ")", m->modseq);
    imap_printf(s, ")\r\n");
}

/* Flag changes and new messages; TRUE if new messages arrived. */
static gboolean
apply_changes(ImapSession *s, GPtrArray *changed, GArray *skip_uids)
{
    ImapSelected *sel = s->sel;
    gboolean has_new = FALSE;
    for (guint i = 0; i < changed->len; i++) {
        HermodMsgInfo *m = g_ptr_array_index(changed, i);
        sel->flags_modseq = MAX(sel->flags_modseq, m->modseq);
        gint at = find_uid(sel, m->uid);
        HermodMsgInfo *last =
            sel->msgs->len > 0 ? g_ptr_array_index(sel->msgs, sel->msgs->len - 1) : NULL;
        if (at < 0 && (last == NULL || m->uid > last->uid)) {
            g_ptr_array_add(sel->msgs, imap_msginfo_copy(m));
            has_new = TRUE;
            continue;
        }
        if (at < 0)
            continue; /* expunged meanwhile, reported below */
        HermodMsgInfo *old = g_ptr_array_index(sel->msgs, at);
        gboolean is_changed = !same_flags(old, m);
        g_ptr_array_index(sel->msgs, at) = imap_msginfo_copy(m);
        imap_msginfo_free(old);
        if ((is_changed || s->is_condstore) && !in_sorted(skip_uids, m->uid))
            send_fetch_flags(s, (guint32)at + 1, m);
    }
    return has_new;
}

static void
report_expunges(ImapSession *s, GArray *gone)
{
    ImapSelected *sel = s->sel;
    g_autoptr(GArray) vanished = g_array_new(FALSE, FALSE, sizeof(guint32));
    /* Highest first, so that earlier sequence numbers stay valid. */
    for (guint i = gone->len; i-- > 0;) {
        guint32 uid = g_array_index(gone, guint32, i);
        gint at = find_uid(sel, uid);
        if (at < 0)
            continue;
        if (s->is_qresync)
            g_array_prepend_val(vanished, uid);
        else
            imap_printf(s, "* %d EXPUNGE\r\n", at + 1);
        g_ptr_array_remove_index(sel->msgs, at);
    }
    if (vanished->len > 0) {
        g_autofree char *set =
            imap_seqset_from_sorted((const guint32 *)vanished->data, vanished->len);
        imap_printf(s, "* VANISHED %s\r\n", set);
    }
}

/* Expunges by anyone since the last report.  Usually there are none, and
 * that answer is an index range read; only when there are some is the
 * mailbox's modseq read for the new watermark (a status read costs
 * O(mailbox) in the store: before, every UID command paid it, and mbsync's
 * one UID FETCH per message made a 10,000-message pull take ten minutes).
 * The list is read again after the mark, so an expunge between the reads
 * is reported now, not lost. */
static void
sync_expunges(ImapSession *s)
{
    ImapSelected *sel = s->sel;
    g_autoptr(GArray) gone =
        imap_mail->expunged_since(s->store, sel->name, sel->expunge_modseq, NULL);
    if (gone == NULL || gone->len == 0)
        return;
    HermodMailboxInfo *info = imap_mail->mailbox_status(s->store, sel->name, NULL);
    if (info == NULL) { /* report without moving the mark: seen again, skipped then */
        report_expunges(s, gone);
        return;
    }
    guint64 mark = info->highestmodseq;
    imap_mail->mailbox_info_free(info);
    g_array_unref(g_steal_pointer(&gone));
    gone = imap_mail->expunged_since(s->store, sel->name, sel->expunge_modseq, NULL);
    if (gone == NULL)
        return;
    report_expunges(s, gone);
    sel->expunge_modseq = MAX(sel->expunge_modseq, mark);
    sel->highestmodseq = MAX(sel->highestmodseq, mark);
}

void
imap_selected_sync(ImapSession *s, gboolean allow_expunge, GArray *skip_uids)
{
    ImapSelected *sel = s->sel;
    g_autoptr(GError) error = NULL;
    if (!imap_selected_verify(s))
        return;
    if (allow_expunge)
        sync_expunges(s);
    g_autoptr(GPtrArray) changed =
        imap_mail->messages(s->store, sel->name, sel->flags_modseq, &error);
    if (changed == NULL)
        return;
    if (apply_changes(s, changed, skip_uids))
        imap_printf(s, "* %u EXISTS\r\n", sel->msgs->len);
    sel->highestmodseq = MAX(sel->highestmodseq, sel->flags_modseq);
}

/* Index of the first message whose UID is >= uid (msgs->len if none). */
static guint
first_at_or_above(ImapSelected *sel, guint32 uid)
{
    guint lo = 0, hi = sel->msgs->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (((HermodMsgInfo *)g_ptr_array_index(sel->msgs, mid))->uid < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

GArray *
imap_selected_uids(ImapSession *s, const char *text, gboolean is_uid, GError **error)
{
    ImapSelected *sel = s->sel;
    GArray *uids = g_array_new(FALSE, FALSE, sizeof(guint32));
    if (strcmp(text, "$") == 0) {
        for (guint i = 0; s->searchres != NULL && i < s->searchres->len; i++) {
            guint32 uid = g_array_index(s->searchres, guint32, i);
            if (find_uid(sel, uid) >= 0)
                g_array_append_val(uids, uid);
        }
        return uids;
    }
    g_autoptr(ImapSeqSet) set = imap_seqset_parse(text, error);
    if (set == NULL || (!is_uid && !imap_seqset_check_max(set, sel->msgs->len, error))) {
        g_array_unref(uids);
        return NULL;
    }
    HermodMsgInfo *last =
        sel->msgs->len > 0 ? g_ptr_array_index(sel->msgs, sel->msgs->len - 1) : NULL;
    guint32 max = is_uid ? (last != NULL ? last->uid : 0) : sel->msgs->len;
    g_autoptr(GArray) ranges = imap_seqset_resolve(set, max);
    /* Ranges are sorted and merged: walk only the messages inside them. */
    for (guint r = 0; r < ranges->len; r++) {
        const ImapSeqRange *range = &g_array_index(ranges, ImapSeqRange, r);
        guint i = is_uid ? first_at_or_above(sel, range->first) : MAX(range->first, 1) - 1;
        for (; i < sel->msgs->len; i++) {
            HermodMsgInfo *m = g_ptr_array_index(sel->msgs, i);
            if ((is_uid ? m->uid : i + 1) > range->last)
                break;
            g_array_append_val(uids, m->uid);
        }
    }
    return uids;
}
