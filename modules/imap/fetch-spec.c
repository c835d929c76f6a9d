/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fetch-spec.c - parse FETCH items, macros and modifiers into an
 * ImapFetchSpec (RFC 9051 6.4.5, RFC 3516, RFC 7162 3.1.4 / 3.2.6).
 *
 * Each item is one parser atom ("BODY.PEEK[HEADER.FIELDS (From)]<0.10>"),
 * split here into its name, section and partial.
 */
#include "autoconfig.h"

#include "fetch-item.h"

#include <string.h>

#include "parser.h"

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(imap-fetch-error-quark, imap_fetch_error)
/* clang-format on */

static gboolean
fail(GError **error, const char *why)
{
    g_set_error_literal(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX, why);
    return FALSE;
}

static void
item_free(ImapFetchItem *item)
{
    imap_section_free(item->section);
    g_free(item);
}

void
imap_fetch_spec_free(ImapFetchSpec *spec)
{
    if (spec == NULL)
        return;
    g_ptr_array_unref(spec->items);
    g_free(spec);
}

static const struct {
    const char *name;
    ImapFetchKind kind;
} simple_items[] = {
    {"UID", IMAP_FETCH_UID},
    {"FLAGS", IMAP_FETCH_FLAGS},
    {"INTERNALDATE", IMAP_FETCH_INTERNALDATE},
    {"RFC822.SIZE", IMAP_FETCH_SIZE},
    {"ENVELOPE", IMAP_FETCH_ENVELOPE},
    {"BODYSTRUCTURE", IMAP_FETCH_BODYSTRUCTURE},
    {"BODY", IMAP_FETCH_BODY},
    {"MODSEQ", IMAP_FETCH_MODSEQ},
    {"RFC822", IMAP_FETCH_RFC822},
    {"RFC822.HEADER", IMAP_FETCH_RFC822_HEADER},
    {"RFC822.TEXT", IMAP_FETCH_RFC822_TEXT},
};

static const struct {
    const char *prefix;
    ImapFetchKind kind;
    gboolean is_peek;
} section_items[] = {
    {"BODY[", IMAP_FETCH_SECTION, FALSE},           {"BODY.PEEK[", IMAP_FETCH_SECTION, TRUE},
    {"BINARY[", IMAP_FETCH_BINARY, FALSE},          {"BINARY.PEEK[", IMAP_FETCH_BINARY, TRUE},
    {"BINARY.SIZE[", IMAP_FETCH_BINARY_SIZE, TRUE},
};

/* "<n.m>" at p (the whole rest of the item). */
static gboolean
parse_partial(const char *p, ImapFetchItem *item, GError **error)
{
    char *end = NULL;

    if (*p == '\0')
        return TRUE;
    if (*p != '<' || !g_ascii_isdigit(p[1]))
        return fail(error, "Invalid partial");
    item->partial_start = g_ascii_strtoull(p + 1, &end, 10);
    if (*end != '.' || !g_ascii_isdigit(end[1]))
        return fail(error, "Invalid partial");
    item->partial_len = g_ascii_strtoull(end + 1, &end, 10);
    if (strcmp(end, ">") != 0 || item->partial_len == 0 || item->partial_start > G_MAXUINT32 ||
        item->partial_len > G_MAXUINT32)
        return fail(error, "Invalid partial");
    item->has_partial = TRUE;
    return TRUE;
}

static gboolean
parse_section_item(const char *text, guint i, ImapFetchItem *item, GError **error)
{
    const char *open = text + strlen(section_items[i].prefix);
    const char *close = strrchr(open, ']');

    if (close == NULL)
        return fail(error, "Missing ] in fetch item");
    g_autofree char *inner = g_strndup(open, close - open);
    item->kind = section_items[i].kind;
    item->is_peek = section_items[i].is_peek;
    item->section = imap_section_parse(inner, item->kind != IMAP_FETCH_SECTION, error);
    if (item->section == NULL)
        return FALSE;
    if (item->kind == IMAP_FETCH_BINARY_SIZE && close[1] != '\0')
        return fail(error, "BINARY.SIZE takes no partial");
    return parse_partial(close + 1, item, error);
}

static ImapFetchItem *
parse_item(const char *text, GError **error)
{
    g_autofree ImapFetchItem *item = g_new0(ImapFetchItem, 1);

    for (guint i = 0; i < G_N_ELEMENTS(simple_items); i++) {
        if (g_ascii_strcasecmp(text, simple_items[i].name) == 0) {
            item->kind = simple_items[i].kind;
            return g_steal_pointer(&item);
        }
    }
    for (guint i = 0; i < G_N_ELEMENTS(section_items); i++) {
        if (g_ascii_strncasecmp(text, section_items[i].prefix, strlen(section_items[i].prefix)) ==
            0) {
            if (!parse_section_item(text, i, item, error)) {
                imap_section_free(item->section);
                return NULL;
            }
            return g_steal_pointer(&item);
        }
    }
    g_set_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX, "Unknown fetch item %.40s", text);
    return NULL;
}

static gboolean
add_item(ImapFetchSpec *spec, const char *text, GError **error)
{
    ImapFetchItem *item = parse_item(text, error);

    if (item == NULL)
        return FALSE;
    g_ptr_array_add(spec->items, item);
    return TRUE;
}

static gboolean
add_macro(ImapFetchSpec *spec, const char *name, GError **error)
{
    static const char *const fast[] = {"FLAGS", "INTERNALDATE", "RFC822.SIZE", NULL};
    gboolean is_all = g_ascii_strcasecmp(name, "ALL") == 0;
    gboolean is_full = g_ascii_strcasecmp(name, "FULL") == 0;

    for (guint i = 0; fast[i] != NULL; i++)
        add_item(spec, fast[i], error);
    if (is_all || is_full)
        add_item(spec, "ENVELOPE", error);
    if (is_full)
        add_item(spec, "BODY", error);
    return TRUE;
}

static gboolean
parse_items(ImapFetchSpec *spec, const ImapArg *arg, GError **error)
{
    if (arg->type == IMAP_ARG_ATOM) {
        if (imap_arg_atom_is(arg, "ALL") || imap_arg_atom_is(arg, "FAST") ||
            imap_arg_atom_is(arg, "FULL"))
            return add_macro(spec, arg->str, error);
        return add_item(spec, arg->str, error);
    }
    if (arg->type != IMAP_ARG_LIST || arg->list->len == 0)
        return fail(error, "Expected fetch items");
    for (guint i = 0; i < arg->list->len; i++) {
        const ImapArg *sub = arg->list->pdata[i];
        if (sub->type != IMAP_ARG_ATOM)
            return fail(error, "Expected a fetch item");
        if (!add_item(spec, sub->str, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
parse_modifiers(ImapFetchSpec *spec, const ImapArg *arg, gboolean is_uid, GError **error)
{
    if (arg->type != IMAP_ARG_LIST || arg->list->len == 0)
        return fail(error, "Expected fetch modifiers");
    for (guint i = 0; i < arg->list->len; i++) {
        const ImapArg *m = arg->list->pdata[i];
        if (imap_arg_atom_is(m, "CHANGEDSINCE") && i + 1 < arg->list->len &&
            spec->changedsince == 0) {
            const ImapArg *n = arg->list->pdata[++i];
            char *end = NULL;
            if (n->type != IMAP_ARG_ATOM || !g_ascii_isdigit(n->str[0]))
                return fail(error, "Invalid CHANGEDSINCE");
            spec->changedsince = g_ascii_strtoull(n->str, &end, 10);
            if (*end != '\0' || spec->changedsince == 0 || spec->changedsince >= G_MAXINT64)
                return fail(error, "Invalid CHANGEDSINCE");
        } else if (imap_arg_atom_is(m, "VANISHED") && is_uid && !spec->has_vanished) {
            spec->has_vanished = TRUE;
        } else {
            return fail(error, "Unknown fetch modifier");
        }
    }
    if (spec->has_vanished && spec->changedsince == 0)
        return fail(error, "VANISHED needs CHANGEDSINCE");
    return TRUE;
}

static void
summarise(ImapFetchSpec *spec)
{
    for (guint i = 0; i < spec->items->len; i++) {
        const ImapFetchItem *item = spec->items->pdata[i];
        spec->has_flags |= item->kind == IMAP_FETCH_FLAGS;
        spec->has_modseq |= item->kind == IMAP_FETCH_MODSEQ;
        spec->sets_seen |=
            (item->kind == IMAP_FETCH_SECTION || item->kind == IMAP_FETCH_BINARY) && !item->is_peek;
        spec->sets_seen |= item->kind == IMAP_FETCH_RFC822 || item->kind == IMAP_FETCH_RFC822_TEXT;
    }
}

ImapFetchSpec *
imap_fetch_spec_parse(GPtrArray *args, guint first, gboolean is_uid, GError **error)
{
    g_autoptr(ImapFetchSpec) spec = g_new0(ImapFetchSpec, 1);

    spec->items = g_ptr_array_new_with_free_func((GDestroyNotify)item_free);
    spec->is_uid = is_uid;
    if (first >= args->len)
        return fail(error, "Missing fetch items"), NULL;
    if (!parse_items(spec, args->pdata[first], error))
        return NULL;
    if (first + 1 < args->len && !parse_modifiers(spec, args->pdata[first + 1], is_uid, error))
        return NULL;
    if (first + 2 < args->len)
        return fail(error, "Unexpected argument after fetch items"), NULL;
    summarise(spec);
    return g_steal_pointer(&spec);
}

gboolean
imap_fetch_spec_needs_store(const ImapFetchSpec *spec)
{
    for (guint i = 0; i < spec->items->len; i++) {
        switch (((const ImapFetchItem *)spec->items->pdata[i])->kind) {
        case IMAP_FETCH_UID:
        case IMAP_FETCH_FLAGS:
        case IMAP_FETCH_INTERNALDATE:
        case IMAP_FETCH_SIZE:
        case IMAP_FETCH_MODSEQ:
            break;
        default:
            return TRUE;
        }
    }
    return spec->sets_seen;
}

gboolean
imap_fetch_spec_sets_seen(const ImapFetchSpec *spec)
{
    return spec->sets_seen;
}

guint64
imap_fetch_spec_changedsince(const ImapFetchSpec *spec)
{
    return spec->changedsince;
}

gboolean
imap_fetch_spec_has_vanished(const ImapFetchSpec *spec)
{
    return spec->has_vanished;
}
