/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-list.c - LIST (RFC 9051 6.3.9 with LIST-EXTENDED, RFC 5258), LSUB,
 * the CHILDREN and SPECIAL-USE attributes and LIST-STATUS (RFC 5819).
 * LSUB exists only until the client enables IMAP4rev2.
 *
 * The store lists every mailbox of the account at once; this file matches
 * the client's patterns against them ("*" matches anything, "%" anything
 * but the delimiter "/"), with a dynamic-programming matcher so that no
 * pattern can make it backtrack exponentially, and writes one LIST (or
 * LSUB) line per match, followed by a STATUS line when RETURN (STATUS ...)
 * asked for one.
 */
#include "autoconfig.h"

#include <string.h>

#include "mutf7.h"
#include "session.h"

typedef struct {
    gboolean is_lsub;
    gboolean sel_subscribed, sel_special, sel_recursive;
    gboolean ret_subscribed, ret_special, ret_children;
    ImapArg *ret_status; /* the STATUS item list, or NULL */
    GPtrArray *patterns; /* char* UTF-8, reference prepended */
} ListArgs;

/* Does name match pattern?  O(len(name) * len(pattern)). */
static gboolean
glob_match(const char *pattern, const char *name)
{
    gsize pl = strlen(pattern), nl = strlen(name);
    g_autofree gboolean *row = g_new0(gboolean, nl + 1);
    g_autofree gboolean *next = g_new0(gboolean, nl + 1);
    row[0] = TRUE;
    for (gsize p = 0; p < pl; p++) {
        char c = pattern[p];
        next[0] = row[0] && (c == '*' || c == '%');
        for (gsize n = 1; n <= nl; n++) {
            char d = name[n - 1];
            if (c == '*')
                next[n] = next[n - 1] || row[n];
            else if (c == '%')
                next[n] = row[n] || (d != '/' && next[n - 1]);
            else
                next[n] = row[n - 1] && c == d;
        }
        memcpy(row, next, (nl + 1) * sizeof(gboolean));
    }
    return row[nl];
}

static gboolean
name_matches(const char *pattern, const char *name)
{
    if (g_ascii_strncasecmp(pattern, "INBOX", 5) == 0 && g_str_has_prefix(name, "INBOX")) {
        g_autofree char *fixed = g_strdup(pattern);
        memcpy(fixed, "INBOX", 5);
        return glob_match(fixed, name);
    }
    return glob_match(pattern, name);
}

static char *
client_text(ImapSession *s, const ImapArg *arg)
{
    if (!imap_arg_is_astring(arg))
        return NULL;
    if (s->is_utf8 || s->is_rev2)
        return g_utf8_validate(arg->str, -1, NULL) ? g_strdup(arg->str) : NULL;
    return imap_mutf7_decode(arg->str);
}

static gboolean
parse_selection(ListArgs *la, const ImapArg *opts)
{
    for (guint i = 0; i < opts->list->len; i++) {
        ImapArg *o = g_ptr_array_index(opts->list, i);
        if (imap_arg_atom_is(o, "SUBSCRIBED"))
            la->sel_subscribed = la->ret_subscribed = TRUE;
        else if (imap_arg_atom_is(o, "SPECIAL-USE"))
            la->sel_special = la->ret_special = TRUE;
        else if (imap_arg_atom_is(o, "RECURSIVEMATCH"))
            la->sel_recursive = TRUE;
        else if (!imap_arg_atom_is(o, "REMOTE"))
            return FALSE;
    }
    /* RFC 5258 3: RECURSIVEMATCH alone is an error. */
    return !la->sel_recursive || la->sel_subscribed || la->sel_special;
}

static gboolean
parse_return(ListArgs *la, const ImapArg *opts)
{
    for (guint i = 0; i < opts->list->len; i++) {
        ImapArg *o = g_ptr_array_index(opts->list, i);
        ImapArg *next = i + 1 < opts->list->len ? g_ptr_array_index(opts->list, i + 1) : NULL;
        if (imap_arg_atom_is(o, "SUBSCRIBED"))
            la->ret_subscribed = TRUE;
        else if (imap_arg_atom_is(o, "SPECIAL-USE"))
            la->ret_special = TRUE;
        else if (imap_arg_atom_is(o, "CHILDREN"))
            la->ret_children = TRUE;
        else if (imap_arg_atom_is(o, "STATUS") && next != NULL && next->type == IMAP_ARG_LIST)
            la->ret_status = next, i++;
        else
            return FALSE;
    }
    return TRUE;
}

static gboolean
add_pattern(ImapSession *s, ListArgs *la, const char *ref, const ImapArg *arg)
{
    char *pat = client_text(s, arg);
    if (pat == NULL)
        return FALSE;
    if (*ref != '\0' && *pat != '/')
        g_ptr_array_add(la->patterns, g_strconcat(ref, pat, NULL));
    else
        g_ptr_array_add(la->patterns, g_strdup(pat));
    g_free(pat);
    return TRUE;
}

/* LIST [(sel)] ref (pattern | (patterns)) [RETURN (opts)]; LSUB ref pattern. */
static gboolean
parse_list(ImapSession *s, ImapCommand *cmd, ListArgs *la)
{
    GPtrArray *a = cmd->args;
    guint i = 0;
    if (!la->is_lsub && a->len > 0 && ((ImapArg *)a->pdata[0])->type == IMAP_ARG_LIST) {
        if (!parse_selection(la, a->pdata[0]))
            return FALSE;
        i++;
    }
    if (i + 2 > a->len)
        return FALSE;
    g_autofree char *ref = client_text(s, a->pdata[i]);
    ImapArg *pats = a->pdata[i + 1];
    if (ref == NULL)
        return FALSE;
    if (pats->type == IMAP_ARG_LIST && !la->is_lsub) {
        for (guint k = 0; k < pats->list->len; k++) {
            if (!add_pattern(s, la, ref, pats->list->pdata[k]))
                return FALSE;
        }
    } else if (!add_pattern(s, la, ref, pats)) {
        return FALSE;
    }
    i += 2;
    if (i == a->len)
        return TRUE;
    ImapArg *opts = i + 1 < a->len ? a->pdata[i + 1] : NULL;
    if (la->is_lsub || !imap_arg_atom_is(a->pdata[i], "RETURN") || opts == NULL ||
        opts->type != IMAP_ARG_LIST || i + 2 != a->len)
        return FALSE;
    return parse_return(la, opts);
}

static gboolean
has_child(GPtrArray *boxes, const char *name)
{
    gsize len = strlen(name);
    for (guint i = 0; i < boxes->len; i++) {
        HermodMailboxInfo *b = g_ptr_array_index(boxes, i);
        if (strncmp(b->name, name, len) == 0 && b->name[len] == '/')
            return TRUE;
    }
    return FALSE;
}

static gboolean
matches_any(ListArgs *la, const char *name)
{
    for (guint i = 0; i < la->patterns->len; i++) {
        if (name_matches(la->patterns->pdata[i], name))
            return TRUE;
    }
    return FALSE;
}

static void
list_one(ImapSession *s, ListArgs *la, GPtrArray *boxes, HermodMailboxInfo *b)
{
    GString *attrs = g_string_new(NULL);
    gboolean children = has_child(boxes, b->name);
    g_string_append(attrs, children ? "\\HasChildren" : "\\HasNoChildren");
    if (b->is_noselect)
        g_string_append(attrs, " \\Noselect");
    if ((la->ret_subscribed || la->is_lsub) && b->is_subscribed)
        g_string_append(attrs, " \\Subscribed");
    if (b->special_use != NULL)
        g_string_append_printf(attrs, " %s", b->special_use);
    g_autofree char *q = imap_quote_mailbox(s, b->name);
    imap_printf(s, "* %s (%s) \"/\" %s\r\n", la->is_lsub ? "LSUB" : "LIST", attrs->str, q);
    g_string_free(attrs, TRUE);
    if (la->ret_status != NULL) {
        HermodMailboxInfo *info = imap_mail->mailbox_status(s->store, b->name, NULL);
        g_autofree char *items = info != NULL ? imap_status_items(s, info, la->ret_status) : NULL;
        if (items != NULL)
            imap_printf(s, "* STATUS %s %s\r\n", q, items);
        if (info != NULL)
            imap_mail->mailbox_info_free(info);
    }
}

static gboolean
selected_by_options(ListArgs *la, HermodMailboxInfo *b)
{
    if ((la->sel_subscribed || la->is_lsub) && !b->is_subscribed)
        return FALSE;
    if (la->sel_special && b->special_use == NULL)
        return FALSE;
    return TRUE;
}

static void
list_all(ImapSession *s, ListArgs *la, GPtrArray *boxes)
{
    if (la->patterns->len == 1 && *(char *)la->patterns->pdata[0] == '\0') {
        /* An empty pattern asks for the delimiter (RFC 9051 6.3.9). */
        imap_printf(s, "* %s (\\Noselect) \"/\" \"\"\r\n", la->is_lsub ? "LSUB" : "LIST");
        return;
    }
    for (guint i = 0; i < boxes->len; i++) {
        HermodMailboxInfo *b = g_ptr_array_index(boxes, i);
        if (matches_any(la, b->name) && selected_by_options(la, b))
            list_one(s, la, boxes, b);
    }
}

void
imap_cmd_list(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    ListArgs la = {0};
    la.is_lsub = strcmp(cmd->name, "LSUB") == 0;
    if (la.is_lsub && s->is_rev2) {
        /* RFC 9051 dropped LSUB (Appendix E); its grammar has neither the
         * command nor the response. */
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG",
                    "LSUB is not part of IMAP4rev2; use LIST (SUBSCRIBED)");
        return;
    }
    la.patterns = g_ptr_array_new_with_free_func(g_free);
    if (!imap_require_store(s, cmd->tag)) {
        g_ptr_array_unref(la.patterns);
        return;
    }
    if (!parse_list(s, cmd, &la)) {
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "Bad LIST arguments");
        g_ptr_array_unref(la.patterns);
        return;
    }
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) boxes = imap_mail->mailboxes(s->store, &error);
    if (boxes == NULL) {
        imap_reply_error(s, cmd->tag, error);
    } else {
        list_all(s, &la, boxes);
        imap_session_after_command(s, TRUE);
        imap_tagged(s, cmd->tag, "OK", NULL, la.is_lsub ? "LSUB completed" : "LIST completed");
    }
    g_ptr_array_unref(la.patterns);
}
