/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * search-parse.c - turn SEARCH keys into an ImapSearchKey tree (RFC 9051
 * 6.4.4 and its search-key grammar; RFC 3501's NEW OLD RECENT UNRECENT;
 * RFC 7162's MODSEQ; RFC 5182's "$").
 *
 * Strings are folded (g_utf8_casefold) once here, so matching compares
 * folded haystacks.  Dates become day numbers.  Depth is capped so that a
 * deeply nested NOT/OR/() cannot exhaust the stack.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "parser.h"
#include "search-cache.h"
#include "search-key.h"

#define MAX_DEPTH 64

static gboolean
fail(GError **error, const char *why)
{
    g_set_error_literal(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX, why);
    return FALSE;
}

void
imap_search_key_free(ImapSearchKey *key)
{
    if (key == NULL)
        return;
    if (key->subs != NULL)
        g_ptr_array_unref(key->subs);
    imap_seqset_free(key->set);
    g_free(key->name);
    g_free(key->str);
    if (key->fts != NULL)
        g_array_unref(key->fts);
    if (key->resolved != NULL)
        g_array_unref(key->resolved);
    imap_search_cache_field_unref(key->cached);
    g_free(key);
}

static ImapSearchKey *
key_new(ImapSearchKind kind)
{
    ImapSearchKey *key = g_new0(ImapSearchKey, 1);
    key->kind = kind;
    if (kind == SK_AND || kind == SK_OR || kind == SK_NOT)
        key->subs = g_ptr_array_new_with_free_func((GDestroyNotify)imap_search_key_free);
    return key;
}

gboolean
imap_search_charset_ok(const char *charset, GError **error)
{
    if (g_ascii_strcasecmp(charset, "UTF-8") == 0 || g_ascii_strcasecmp(charset, "US-ASCII") == 0)
        return TRUE;
    g_set_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_BADCHARSET,
                "[BADCHARSET (UTF-8 US-ASCII)] Unsupported charset %.40s", charset);
    return FALSE;
}

gboolean
imap_search_charset_parse(GPtrArray *args, guint *i, GError **error)
{
    if (*i >= args->len || !imap_arg_atom_is(args->pdata[*i], "CHARSET"))
        return TRUE;
    if (*i + 1 >= args->len || !imap_arg_is_astring(args->pdata[*i + 1]))
        return fail(error, "CHARSET needs a name");
    const ImapArg *name = args->pdata[*i + 1];
    *i += 2;
    return imap_search_charset_ok(name->str, error);
}

typedef struct {
    GPtrArray *args;
    guint i;
    ImapSearchProgram *prog;
    guint depth;
} Cursor;

static const ImapArg *
next_arg(Cursor *c)
{
    return c->i < c->args->len ? c->args->pdata[c->i++] : NULL;
}

static gboolean
take_string(Cursor *c, char **out, gboolean fold)
{
    const ImapArg *arg = next_arg(c);

    if (arg == NULL || !imap_arg_is_astring(arg))
        return FALSE;
    g_autofree char *valid = g_utf8_make_valid(arg->str, -1);
    *out = fold ? g_utf8_casefold(valid, -1) : g_steal_pointer(&valid);
    return TRUE;
}

static gboolean
take_number(Cursor *c, guint64 *out)
{
    const ImapArg *arg = next_arg(c);
    char *end = NULL;

    if (arg == NULL || arg->type != IMAP_ARG_ATOM || !g_ascii_isdigit(arg->str[0]))
        return FALSE;
    *out = g_ascii_strtoull(arg->str, &end, 10);
    return *end == '\0' && *out < G_MAXINT64;
}

/* date-text "1-Feb-1994", optionally quoted. */
static gboolean
take_date(Cursor *c, gint64 *out)
{
    static const char *const months[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                         "jul", "aug", "sep", "oct", "nov", "dec"};
    const ImapArg *arg = next_arg(c);
    char mon[4] = {0};
    unsigned day = 0, year = 0;
    int used = 0;

    if (arg == NULL || !imap_arg_is_astring(arg) ||
        sscanf(arg->str, "%2u-%3c-%4u%n", &day, mon, &year, &used) != 3 ||
        (gsize)used != strlen(arg->str))
        return FALSE;
    for (guint m = 0; m < 12; m++) {
        if (g_ascii_strcasecmp(mon, months[m]) == 0 && g_date_valid_dmy(day, m + 1, year)) {
            GDate *d = g_date_new_dmy(day, m + 1, year);
            *out = g_date_get_julian(d);
            g_date_free(d);
            return TRUE;
        }
    }
    return FALSE;
}

static ImapSearchKey *parse_key(Cursor *c, GError **error);

typedef enum { ARG_NONE, ARG_HEADER, ARG_STRING, ARG_NUMBER, ARG_DATE, ARG_KEYWORD } ArgKind;

static const struct {
    const char *name;
    ImapSearchKind kind;
    guint32 flag;
    gboolean negate;
    ArgKind arg;
    const char *header;
} simple_keys[] = {
    {"ALL", SK_AND, 0, FALSE, ARG_NONE, NULL},
    {"ANSWERED", SK_FLAG, HERMOD_MAIL_FLAG_ANSWERED, FALSE, ARG_NONE, NULL},
    {"DELETED", SK_FLAG, HERMOD_MAIL_FLAG_DELETED, FALSE, ARG_NONE, NULL},
    {"DRAFT", SK_FLAG, HERMOD_MAIL_FLAG_DRAFT, FALSE, ARG_NONE, NULL},
    {"FLAGGED", SK_FLAG, HERMOD_MAIL_FLAG_FLAGGED, FALSE, ARG_NONE, NULL},
    {"SEEN", SK_FLAG, HERMOD_MAIL_FLAG_SEEN, FALSE, ARG_NONE, NULL},
    {"UNANSWERED", SK_FLAG, HERMOD_MAIL_FLAG_ANSWERED, TRUE, ARG_NONE, NULL},
    {"UNDELETED", SK_FLAG, HERMOD_MAIL_FLAG_DELETED, TRUE, ARG_NONE, NULL},
    {"UNDRAFT", SK_FLAG, HERMOD_MAIL_FLAG_DRAFT, TRUE, ARG_NONE, NULL},
    {"UNFLAGGED", SK_FLAG, HERMOD_MAIL_FLAG_FLAGGED, TRUE, ARG_NONE, NULL},
    {"UNSEEN", SK_FLAG, HERMOD_MAIL_FLAG_SEEN, TRUE, ARG_NONE, NULL},
    /* No \Recent in this store (see search.h). */
    {"NEW", SK_NONE, 0, FALSE, ARG_NONE, NULL},
    {"RECENT", SK_NONE, 0, FALSE, ARG_NONE, NULL},
    {"OLD", SK_AND, 0, FALSE, ARG_NONE, NULL},
    {"UNRECENT", SK_AND, 0, FALSE, ARG_NONE, NULL},
    {"BCC", SK_HEADER, 0, FALSE, ARG_STRING, "Bcc"},
    {"CC", SK_HEADER, 0, FALSE, ARG_STRING, "Cc"},
    {"FROM", SK_HEADER, 0, FALSE, ARG_STRING, "From"},
    {"SUBJECT", SK_HEADER, 0, FALSE, ARG_STRING, "Subject"},
    {"TO", SK_HEADER, 0, FALSE, ARG_STRING, "To"},
    {"HEADER", SK_HEADER, 0, FALSE, ARG_HEADER, NULL},
    {"BODY", SK_BODY, 0, FALSE, ARG_STRING, NULL},
    {"TEXT", SK_TEXT, 0, FALSE, ARG_STRING, NULL},
    {"KEYWORD", SK_KEYWORD, 0, FALSE, ARG_KEYWORD, NULL},
    {"UNKEYWORD", SK_KEYWORD, 0, TRUE, ARG_KEYWORD, NULL},
    {"LARGER", SK_LARGER, 0, FALSE, ARG_NUMBER, NULL},
    {"SMALLER", SK_SMALLER, 0, FALSE, ARG_NUMBER, NULL},
    {"BEFORE", SK_BEFORE, 0, FALSE, ARG_DATE, NULL},
    {"ON", SK_ON, 0, FALSE, ARG_DATE, NULL},
    {"SINCE", SK_SINCE, 0, FALSE, ARG_DATE, NULL},
    {"SENTBEFORE", SK_SENTBEFORE, 0, FALSE, ARG_DATE, NULL},
    {"SENTON", SK_SENTON, 0, FALSE, ARG_DATE, NULL},
    {"SENTSINCE", SK_SENTSINCE, 0, FALSE, ARG_DATE, NULL},
};

static gboolean
take_args(Cursor *c, ImapSearchKey *key, guint i)
{
    switch (simple_keys[i].arg) {
    case ARG_NONE:
        return TRUE;
    case ARG_HEADER:
        return take_string(c, &key->name, FALSE) && take_string(c, &key->str, TRUE);
    case ARG_STRING:
        key->name = g_strdup(simple_keys[i].header);
        return take_string(c, &key->str, TRUE);
    case ARG_NUMBER:
        return take_number(c, &key->num);
    case ARG_DATE:
        return take_date(c, &key->day);
    case ARG_KEYWORD: {
        const ImapArg *arg = next_arg(c);
        if (arg == NULL || arg->type != IMAP_ARG_ATOM)
            return FALSE;
        key->str = g_strdup(arg->str);
        return TRUE;
    }
    }
    return FALSE;
}

static ImapSearchKey *
negate(ImapSearchKey *key)
{
    ImapSearchKey *not = key_new(SK_NOT);
    g_ptr_array_add(not ->subs, key);
    return not ;
}

static ImapSearchKey *
parse_simple(Cursor *c, const ImapArg *arg, GError **error)
{
    for (guint i = 0; i < G_N_ELEMENTS(simple_keys); i++) {
        if (!imap_arg_atom_is(arg, simple_keys[i].name))
            continue;
        ImapSearchKey *key = key_new(simple_keys[i].kind);
        key->num = simple_keys[i].flag;
        if (!take_args(c, key, i)) {
            imap_search_key_free(key);
            g_set_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX,
                        "Missing or invalid argument to %s", simple_keys[i].name);
            return NULL;
        }
        return simple_keys[i].negate ? negate(key) : key;
    }
    return NULL;
}

/* MODSEQ [entry-name entry-type-req] mod-sequence-valzer (RFC 7162). */
static ImapSearchKey *
parse_modseq(Cursor *c, GError **error)
{
    ImapSearchKey *key = key_new(SK_MODSEQ);

    if (c->i < c->args->len && ((ImapArg *)c->args->pdata[c->i])->type == IMAP_ARG_STRING) {
        const ImapArg *type = c->i + 1 < c->args->len ? c->args->pdata[c->i + 1] : NULL;
        if (type == NULL || !(imap_arg_atom_is(type, "priv") || imap_arg_atom_is(type, "shared") ||
                              imap_arg_atom_is(type, "all"))) {
            imap_search_key_free(key);
            return fail(error, "Invalid MODSEQ entry"), NULL;
        }
        c->i += 2;
    }
    if (!take_number(c, &key->num)) {
        imap_search_key_free(key);
        return fail(error, "Invalid MODSEQ value"), NULL;
    }
    c->prog->uses_modseq = TRUE;
    return key;
}

static ImapSearchKey *
parse_group(Cursor *c, GPtrArray *list, GError **error)
{
    Cursor sub = {.args = list, .i = 0, .prog = c->prog, .depth = c->depth + 1};
    ImapSearchKey *and = key_new(SK_AND);

    if (list->len == 0) {
        imap_search_key_free(and);
        return fail(error, "Empty search group"), NULL;
    }
    while (sub.i < list->len) {
        ImapSearchKey *key = parse_key(&sub, error);
        if (key == NULL) {
            imap_search_key_free(and);
            return NULL;
        }
        g_ptr_array_add(and->subs, key);
    }
    return and;
}

/* NOT key / OR key key. */
static ImapSearchKey *
parse_logic(Cursor *c, ImapSearchKind kind, GError **error)
{
    ImapSearchKey *key = key_new(kind);

    for (guint n = 0; n < (kind == SK_OR ? 2u : 1u); n++) {
        ImapSearchKey *sub = parse_key(c, error);
        if (sub == NULL) {
            imap_search_key_free(key);
            return NULL;
        }
        g_ptr_array_add(key->subs, sub);
    }
    return key;
}

static ImapSearchKey *
parse_set(Cursor *c, const ImapArg *arg, ImapSearchKind kind, GError **error)
{
    if (arg == NULL || arg->type != IMAP_ARG_ATOM)
        return fail(error, "Expected a sequence set"), NULL;
    if (strcmp(arg->str, "$") == 0) {
        c->prog->uses_saved = TRUE;
        return key_new(SK_SAVED);
    }
    g_autoptr(GError) local = NULL;
    ImapSeqSet *set = imap_seqset_parse(arg->str, &local);
    if (set == NULL)
        return fail(error, "Invalid sequence set"), NULL;
    ImapSearchKey *key = key_new(kind);
    key->set = set;
    return key;
}

static ImapSearchKey *
parse_key(Cursor *c, GError **error)
{
    const ImapArg *arg = next_arg(c);
    ImapSearchKey *key;

    if (arg == NULL)
        return fail(error, "Missing search key"), NULL;
    if (c->depth >= MAX_DEPTH)
        return fail(error, "Search keys nested too deeply"), NULL;
    if (arg->type == IMAP_ARG_LIST)
        return parse_group(c, arg->list, error);
    if (arg->type != IMAP_ARG_ATOM)
        return fail(error, "Expected a search key"), NULL;
    c->depth++;
    if (imap_arg_atom_is(arg, "NOT") || imap_arg_atom_is(arg, "OR"))
        key = parse_logic(c, imap_arg_atom_is(arg, "OR") ? SK_OR : SK_NOT, error);
    else if (imap_arg_atom_is(arg, "UID"))
        key = parse_set(c, next_arg(c), SK_UID, error);
    else if (imap_arg_atom_is(arg, "MODSEQ"))
        key = parse_modseq(c, error);
    else if (g_ascii_isdigit(arg->str[0]) || arg->str[0] == '*' || arg->str[0] == '$')
        key = parse_set(c, arg, SK_SEQ, error);
    else if ((key = parse_simple(c, arg, error)) == NULL && (error == NULL || *error == NULL))
        g_set_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX, "Unknown search key %.40s",
                    arg->str);
    c->depth--;
    return key;
}

ImapSearchKey *
imap_search_keys_parse(GPtrArray *args, guint first, ImapSearchProgram *prog, GError **error)
{
    Cursor c = {.args = args, .i = first, .prog = prog, .depth = 0};
    ImapSearchKey *and = key_new(SK_AND);

    if (first >= args->len) {
        imap_search_key_free(and);
        return fail(error, "Missing search keys"), NULL;
    }
    while (c.i < args->len) {
        ImapSearchKey *key = parse_key(&c, error);
        if (key == NULL) {
            imap_search_key_free(and);
            return NULL;
        }
        g_ptr_array_add(and->subs, key);
    }
    return and;
}

gboolean
imap_search_program_parse(ImapSearchProgram *prog, GPtrArray *args, guint first,
                          const char *command, GError **error)
{
    const ImapArg *charset = first < args->len ? args->pdata[first] : NULL;

    if (charset == NULL || !imap_arg_is_astring(charset)) {
        g_set_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX, "%s needs a charset",
                    command);
        return FALSE;
    }
    if (!imap_search_charset_ok(charset->str, error))
        return FALSE;
    prog->root = imap_search_keys_parse(args, first + 1, prog, error);
    return prog->root != NULL;
}

gboolean
imap_search_keys_check_seq(const ImapSearchKey *key, guint32 max, GError **error)
{
    if (key->kind == SK_SEQ && key->set != NULL) {
        g_autoptr(GError) local = NULL;
        if (!imap_seqset_check_max(key->set, max, &local))
            return fail(error, local->message);
    }
    for (guint i = 0; key->subs != NULL && i < key->subs->len; i++) {
        if (!imap_search_keys_check_seq(key->subs->pdata[i], max, error))
            return FALSE;
    }
    return TRUE;
}
