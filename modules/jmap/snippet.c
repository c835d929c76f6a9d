/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * snippet.c - SearchSnippet/get (RFC 8621 5): for each email, its
 * subject and a piece of its text around the first hit, with the words
 * of the filter's text conditions (text, body, subject, from, to, cc,
 * bcc) marked <mark>...</mark> and everything else HTML-escaped.  The
 * full-text index (store-search.c) finds the emails; the words are
 * marked here, matched as the index matches them: a case-insensitive
 * word prefix.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap-email.h"
#include "jmap-submit.h"
#include "jmap-util.h"

#define SNIPPET_CHARS 200

static void
collect_words(JsonObject *f, GPtrArray *out, int depth)
{
    const char *const keys[] = {"text", "body", "subject", "from", "to", "cc", "bcc"};
    JsonArray *conds = json_object_has_member(f, "conditions") &&
                               JSON_NODE_HOLDS_ARRAY(json_object_get_member(f, "conditions"))
                           ? json_object_get_array_member(f, "conditions")
                           : NULL;

    for (guint i = 0; conds != NULL && depth < 8 && i < json_array_get_length(conds); i++) {
        JsonNode *c = json_array_get_element(conds, i);
        if (JSON_NODE_HOLDS_OBJECT(c))
            collect_words(json_node_get_object(c), out, depth + 1);
    }
    for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
        const char *v = json_object_get_string_member_with_default(f, keys[k], NULL);
        g_auto(GStrv) words = v != NULL ? g_str_tokenize_and_fold(v, NULL, NULL) : NULL;
        for (gsize i = 0; words != NULL && words[i] != NULL; i++)
            g_ptr_array_add(out, g_strdup(words[i]));
    }
}

/* Does a word of words start at p (a word start)?  Its byte length. */
static gsize
hit_at(const char *p, GPtrArray *words)
{
    for (guint i = 0; i < words->len; i++) {
        gsize n = strlen(words->pdata[i]);
        g_autofree char *piece = g_utf8_casefold(p, (gssize)MIN(strlen(p), n * 2 + 4));
        if (g_str_has_prefix(piece, words->pdata[i])) {
            const char *e = p;
            while (*e != '\0' && (g_unichar_isalnum(g_utf8_get_char(e))))
                e = g_utf8_next_char(e);
            return (gsize)(e - p) > 0 ? (gsize)(e - p) : n;
        }
    }
    return 0;
}

static void
append_escaped(GString *out, const char *p, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        switch (p[i]) {
        case '<':
            g_string_append(out, "&lt;");
            break;
        case '>':
            g_string_append(out, "&gt;");
            break;
        case '&':
            g_string_append(out, "&amp;");
            break;
        case '"':
            g_string_append(out, "&quot;");
            break;
        default:
            g_string_append_c(out, p[i]);
        }
    }
}

/* text with hits marked; NULL if nothing matched.  (transfer full) */
static char *
mark(const char *text, GPtrArray *words, gboolean window)
{
    GString *out = g_string_new(NULL);
    const char *p = text, *start = text;
    gboolean any = FALSE, at_word = TRUE;
    glong chars = 0;

    for (; *p != '\0'; p = g_utf8_next_char(p)) {
        gsize n = at_word ? hit_at(p, words) : 0;
        if (n > 0 && !any && window) {
            start = p; /* begin the preview a little before the first hit */
            for (int back = 0; back < 40 && start > text; back++)
                start = g_utf8_prev_char(start);
            out = g_string_truncate(out, 0);
            if (start > text)
                g_string_append(out, "\u2026");
            append_escaped(out, start, (gsize)(p - start));
        }
        if (n > 0) {
            g_string_append(out, "<mark>");
            append_escaped(out, p, n);
            g_string_append(out, "</mark>");
            any = TRUE;
            p += n - 1;
            at_word = FALSE;
            continue;
        }
        at_word = !g_unichar_isalnum(g_utf8_get_char(p));
        if (!window || any)
            append_escaped(out, p, (gsize)(g_utf8_next_char(p) - p));
        if (any && window && ++chars > SNIPPET_CHARS)
            break;
    }
    if (!any) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

static JsonObject *
snippet(JmapCtx *ctx, const HermodEmailInfo *e, GPtrArray *words)
{
    g_autoptr(JmapEmail) m = jmap_email_load(ctx, e);
    JsonObject *o = json_object_new(), *view = json_object_new();
    JmapViewOptions opt = {NULL, TRUE, FALSE, FALSE, 0, ""};
    g_autofree char *id = jmap_id('E', e->email_id);
    g_autofree char *subject = NULL, *preview = NULL;

    json_object_set_string_member(o, "emailId", id);
    if (m != NULL) {
        const char *s = g_mime_message_get_subject(m->message);
        subject = s != NULL ? mark(s, words, FALSE) : NULL;
        jmap_email_property(m, "bodyValues", &opt, view);
        JsonObject *values = json_object_get_object_member(view, "bodyValues");
        GList *parts = json_object_get_values(values);
        for (GList *l = parts; l != NULL && preview == NULL; l = l->next)
            preview = mark(json_object_get_string_member(json_node_get_object(l->data), "value"),
                           words, TRUE);
        g_list_free(parts);
    }
    jmap_set_nullable_string(o, "subject", subject);
    jmap_set_nullable_string(o, "preview", preview);
    json_object_unref(view);
    return o;
}

void
jmap_search_snippet_get(JmapCtx *ctx, JsonObject *args)
{
    JsonObject *filter = NULL, *out;
    g_autoptr(GPtrArray) ids = NULL;
    g_autoptr(GPtrArray) words = g_ptr_array_new_with_free_func(g_free);
    JsonArray *list, *not_found;

    if (!jmap_check_account(ctx, args) || !jmap_arg_object(ctx, args, "filter", &filter))
        return;
    if (!jmap_arg_strings(ctx, args, "emailIds", &ids) || ids == NULL ||
        ids->len > JMAP_MAX_OBJECTS_GET) {
        if (ids == NULL)
            jmap_error(ctx, "invalidArguments", "emailIds is required");
        else
            jmap_error(ctx, "requestTooLarge", "at most %d emailIds", JMAP_MAX_OBJECTS_GET);
        return;
    }
    if (filter != NULL)
        collect_words(filter, words, 0);
    list = json_array_new();
    not_found = json_array_new();
    for (guint i = 0; i < ids->len; i++) {
        gboolean failed = FALSE;
        HermodEmailInfo *e = jmap_email_find(ctx, ids->pdata[i], &failed);
        if (e == NULL) {
            json_array_add_string_element(not_found, ids->pdata[i]);
            continue;
        }
        json_array_add_object_element(list, snippet(ctx, e, words));
        g_free(e->mailbox);
        g_strfreev(e->keywords);
        g_free(e->subject);
        g_free(e->from);
        g_free(e->to);
        g_free(e);
    }
    out = json_object_new();
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_array_member(out, "list", list);
    json_object_set_array_member(out, "notFound", not_found);
    jmap_reply(ctx, "SearchSnippet/get", out);
}
