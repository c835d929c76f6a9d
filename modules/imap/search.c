/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * search.c - SEARCH / UID SEARCH: RETURN options, running the keys, and
 * the "* SEARCH" or "* ESEARCH" reply (RFC 9051 6.4.4 and 7.3.4,
 * RFC 4731, RFC 5182 SEARCHRES, RFC 7162 MODSEQ).
 *
 * IMAP4rev2 sessions always get ESEARCH (RFC 9051 7.3.4); rev1 sessions
 * get "* SEARCH" unless they asked RETURN.  SAVE alone returns no ESEARCH
 * (RFC 5182 2.1); SAVE with MIN and/or MAX only saves those (2.4).
 */
#include "autoconfig.h"

#include "search.h"

#include "parser.h"
#include "quote.h"
#include "search-key.h"

enum {
    RET_MIN = 1 << 0,
    RET_MAX = 1 << 1,
    RET_ALL = 1 << 2,
    RET_COUNT = 1 << 3,
    RET_SAVE = 1 << 4,
};

struct ImapSearch {
    ImapSearchProgram prog;
    gboolean has_return;
    guint ret; /* RET_ bits */
    char *tag;
};

static gboolean
fail(GError **error, const char *why)
{
    g_set_error_literal(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX, why);
    return FALSE;
}

void
imap_search_free(ImapSearch *s)
{
    if (s == NULL)
        return;
    imap_search_key_free(s->prog.root);
    g_free(s->tag);
    g_free(s);
}

static gboolean
parse_return(ImapSearch *s, const ImapArg *list, GError **error)
{
    static const struct {
        const char *name;
        guint bit;
    } opts[] = {{"MIN", RET_MIN},
                {"MAX", RET_MAX},
                {"ALL", RET_ALL},
                {"COUNT", RET_COUNT},
                {"SAVE", RET_SAVE}};

    if (list == NULL || list->type != IMAP_ARG_LIST)
        return fail(error, "RETURN needs a list");
    s->has_return = TRUE;
    for (guint i = 0; i < list->list->len; i++) {
        guint bit = 0;
        for (guint o = 0; o < G_N_ELEMENTS(opts); o++) {
            if (imap_arg_atom_is(list->list->pdata[i], opts[o].name))
                bit = opts[o].bit;
        }
        if (bit == 0)
            return fail(error, "Unknown RETURN option");
        s->ret |= bit;
    }
    if (s->ret == 0)
        s->ret = RET_ALL; /* "RETURN ()" */
    return TRUE;
}

ImapSearch *
imap_search_parse(GPtrArray *args, guint first, gboolean is_uid, GError **error)
{
    g_autoptr(ImapSearch) s = g_new0(ImapSearch, 1);
    guint i = first;

    s->prog.is_uid = is_uid;
    if (i < args->len && imap_arg_atom_is(args->pdata[i], "RETURN")) {
        if (!parse_return(s, i + 1 < args->len ? args->pdata[i + 1] : NULL, error))
            return NULL;
        i += 2;
    }
    if (!imap_search_charset_parse(args, &i, error))
        return NULL;
    s->prog.root = imap_search_keys_parse(args, i, &s->prog, error);
    if (s->prog.root == NULL)
        return NULL;
    return g_steal_pointer(&s);
}

void
imap_search_set_tag(ImapSearch *s, const char *tag)
{
    g_free(s->tag);
    s->tag = g_strdup(tag);
}

gboolean
imap_search_uses_saved(const ImapSearch *s)
{
    return s->prog.uses_saved;
}

gboolean
imap_search_check_seq(const ImapSearch *s, guint32 max, GError **error)
{
    return imap_search_keys_check_seq(s->prog.root, max, error);
}

static guint32
number_of(GPtrArray *msgs, guint idx, gboolean is_uid)
{
    return is_uid ? ((HermodMsgInfo *)msgs->pdata[idx])->uid : idx + 1;
}

static guint64
highest_modseq(GPtrArray *msgs, GArray *hits)
{
    guint64 max = 0;

    for (guint i = 0; i < hits->len; i++)
        max = MAX(max, ((HermodMsgInfo *)msgs->pdata[g_array_index(hits, guint, i)])->modseq);
    return max;
}

static void
append_search(GString *out, ImapSearch *s, GPtrArray *msgs, GArray *hits)
{
    g_string_append(out, "* SEARCH");
    for (guint i = 0; i < hits->len; i++)
        g_string_append_printf(out, " %u",
                               number_of(msgs, g_array_index(hits, guint, i), s->prog.is_uid));
    if (s->prog.uses_modseq && hits->len > 0)
        g_string_append_printf(out, " (MODSEQ %" G_GUINT64_FORMAT ")", highest_modseq(msgs, hits));
    g_string_append(out, "\r\n");
}

static char *
format_all(GPtrArray *msgs, GArray *hits, gboolean is_uid)
{
    g_autofree guint32 *numbers = g_new(guint32, MAX(hits->len, 1));

    for (guint i = 0; i < hits->len; i++)
        numbers[i] = number_of(msgs, g_array_index(hits, guint, i), is_uid);
    return imap_seqset_from_sorted(numbers, hits->len);
}

static void
append_esearch(GString *out, ImapSearch *s, GPtrArray *msgs, GArray *hits, guint ret)
{
    gboolean is_uid = s->prog.is_uid;

    g_string_append(out, "* ESEARCH");
    if (s->tag != NULL) {
        g_string_append(out, " (TAG ");
        imap_quote_nstring(out, s->tag, -1);
        g_string_append_c(out, ')');
    }
    if (is_uid)
        g_string_append(out, " UID");
    if ((ret & RET_MIN) && hits->len > 0)
        g_string_append_printf(out, " MIN %u",
                               number_of(msgs, g_array_index(hits, guint, 0), is_uid));
    if ((ret & RET_MAX) && hits->len > 0)
        g_string_append_printf(out, " MAX %u",
                               number_of(msgs, g_array_index(hits, guint, hits->len - 1), is_uid));
    if ((ret & RET_ALL) && hits->len > 0) {
        g_autofree char *all = format_all(msgs, hits, is_uid);
        g_string_append_printf(out, " ALL %s", all);
    }
    if (ret & RET_COUNT)
        g_string_append_printf(out, " COUNT %u", hits->len);
    if (s->prog.uses_modseq && hits->len > 0)
        g_string_append_printf(out, " MODSEQ %" G_GUINT64_FORMAT, highest_modseq(msgs, hits));
    g_string_append(out, "\r\n");
}

/* The new "$": every hit, or only MIN/MAX when those alone were asked. */
static GArray *
saved_result(ImapSearch *s, GPtrArray *msgs, GArray *hits)
{
    GArray *saved = g_array_new(FALSE, FALSE, sizeof(guint32));
    gboolean only_ends = (s->ret & (RET_MIN | RET_MAX)) && !(s->ret & (RET_ALL | RET_COUNT));

    for (guint i = 0; i < hits->len; i++) {
        gboolean is_end =
            (i == 0 && (s->ret & RET_MIN)) || (i == hits->len - 1 && (s->ret & RET_MAX));
        if (!only_ends || is_end) {
            guint32 uid = number_of(msgs, g_array_index(hits, guint, i), TRUE);
            g_array_append_val(saved, uid);
        }
    }
    return saved;
}

gboolean
imap_search_run(const ImapMailboxEnv *env, ImapSearch *s, GPtrArray *msgs, GArray *previous_result,
                GPtrArray *out, GArray **out_saved, GError **error)
{
    g_autoptr(GArray) hits = imap_search_program_run(env, &s->prog, msgs, previous_result, error);
    g_autoptr(GString) text = g_string_new(NULL);

    if (hits == NULL)
        return FALSE;
    if (!s->has_return && !env->is_rev2)
        append_search(text, s, msgs, hits);
    else if (s->ret != RET_SAVE)
        append_esearch(text, s, msgs, hits, s->has_return ? s->ret : RET_ALL);
    if (text->len > 0)
        g_ptr_array_add(out, g_bytes_new(text->str, text->len));
    if ((s->ret & RET_SAVE) && out_saved != NULL)
        *out_saved = saved_result(s, msgs, hits);
    return TRUE;
}
