/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * parser.c - IMAP command grammar (RFC 9051 section 9) into ImapArg trees.
 *
 * The input is one complete command: the session already read every literal
 * the command's lines announced and placed it verbatim after its "{N}\r\n".
 * The parser is strict where clients never differ (quoting, literal sizes,
 * nesting) and lenient where real clients do (atoms may hold ']' and '%',
 * a fetch item's "[...]" may hold spaces and parentheses).  Nesting depth
 * and argument counts are bounded so a hostile line cannot exhaust memory.
 */
#include "autoconfig.h"

#include <string.h>

#include "parser.h"

#define MAX_DEPTH 16
#define MAX_ARGS  100000

/* The quark name must stay one word. */
/* clang-format off */
G_DEFINE_QUARK(imap-parse-error-quark, imap_parse_error)
/* clang-format on */

typedef struct {
    const char *p;
    const char *end;
    guint nargs;
} Cursor;

static void arg_free(gpointer data);

static ImapArg *
arg_new(ImapArgType type, const char *s, gsize len)
{
    ImapArg *arg = g_new0(ImapArg, 1);

    arg->type = type;
    if (type == IMAP_ARG_LIST) {
        arg->list = g_ptr_array_new_with_free_func(arg_free);
    } else if (s != NULL) {
        arg->str = g_malloc(len + 1);
        memcpy(arg->str, s, len);
        arg->str[len] = '\0';
        arg->len = len;
    }
    return arg;
}

static void
arg_free(gpointer data)
{
    ImapArg *arg = data;

    if (arg->list != NULL)
        g_ptr_array_unref(arg->list);
    g_free(arg->str);
    g_free(arg);
}

static gboolean
is_atom_char(char c)
{
    /* ATOM-CHAR minus the few specials, plus resp-specials and wildcards,
     * which astring and list-mailbox allow. */
    return (unsigned char)c > 0x20 && c != 0x7f && c != '(' && c != ')' && c != '{' && c != '"' &&
           c != '\\';
}

static gboolean
fail(GError **error, const char *why)
{
    g_set_error_literal(error, IMAP_PARSE_ERROR, IMAP_PARSE_ERROR_SYNTAX, why);
    return FALSE;
}

/* An atom; a '[' inside it runs to the matching ']' (fetch sections). */
static ImapArg *
parse_atom(Cursor *c, GError **error)
{
    const char *start = c->p;
    int brackets = 0;

    if (*c->p == '\\')
        c->p++; /* a flag: "\" atom */
    while (c->p < c->end) {
        char ch = *c->p;
        if (ch == '[') {
            brackets++;
        } else if (ch == ']' && brackets > 0) {
            brackets--;
        } else if (brackets == 0 && !is_atom_char(ch)) {
            break;
        } else if (brackets > 0 && (ch == '\r' || ch == '\n')) {
            break;
        }
        c->p++;
    }
    if (brackets != 0) {
        fail(error, "Unbalanced [ in argument");
        return NULL;
    }
    if (c->p == start) {
        fail(error, "Expected an argument");
        return NULL;
    }
    if (c->p - start == 3 && g_ascii_strncasecmp(start, "NIL", 3) == 0)
        return arg_new(IMAP_ARG_NIL, NULL, 0);
    return arg_new(IMAP_ARG_ATOM, start, c->p - start);
}

static ImapArg *
parse_quoted(Cursor *c, GError **error)
{
    g_autoptr(GString) s = g_string_new(NULL);

    c->p++; /* opening quote */
    while (c->p < c->end && *c->p != '"') {
        char ch = *c->p++;
        if (ch == '\r' || ch == '\n' || ch == '\0') {
            fail(error, "Quoted string holds CR, LF or NUL");
            return NULL;
        }
        if (ch == '\\') {
            if (c->p >= c->end || (*c->p != '"' && *c->p != '\\')) {
                fail(error, "Bad escape in quoted string");
                return NULL;
            }
            ch = *c->p++;
        }
        g_string_append_c(s, ch);
    }
    if (c->p >= c->end) {
        fail(error, "Unterminated quoted string");
        return NULL;
    }
    c->p++; /* closing quote */
    return arg_new(IMAP_ARG_STRING, s->str, s->len);
}

/* "{N}" or "{N+}" CRLF, then N bytes; "~" before "{" for literal8. */
static ImapArg *
parse_literal(Cursor *c, GError **error)
{
    gboolean is8 = FALSE;
    guint64 n = 0;

    if (*c->p == '~') {
        is8 = TRUE;
        c->p++;
    }
    if (c->p >= c->end || *c->p != '{') {
        fail(error, "Expected { after ~");
        return NULL;
    }
    c->p++;
    const char *digits = c->p;
    while (c->p < c->end && g_ascii_isdigit(*c->p) && c->p - digits < 19)
        n = n * 10 + (guint64)(*c->p++ - '0');
    if (c->p == digits)
        return fail(error, "Literal size missing"), NULL;
    if (c->p < c->end && *c->p == '+')
        c->p++;
    if (c->p + 3 > c->end || c->p[0] != '}' || c->p[1] != '\r' || c->p[2] != '\n')
        return fail(error, "Literal size must be followed by }CRLF"), NULL;
    c->p += 3;
    if (n > (guint64)(c->end - c->p))
        return fail(error, "Literal shorter than announced"), NULL;
    if (!is8 && memchr(c->p, '\0', n) != NULL)
        return fail(error, "NUL in a literal (use literal8)"), NULL;
    ImapArg *arg = arg_new(IMAP_ARG_LITERAL, c->p, n);
    arg->is_literal8 = is8;
    c->p += n;
    return arg;
}

static gboolean parse_list_into(Cursor *c, GPtrArray *out, int depth, char close, GError **error);

static ImapArg *
parse_arg(Cursor *c, int depth, GError **error)
{
    if (++c->nargs > MAX_ARGS)
        return fail(error, "Too many arguments"), NULL;
    switch (*c->p) {
    case '"':
        return parse_quoted(c, error);
    case '{':
    case '~':
        return parse_literal(c, error);
    case '(': {
        if (depth >= MAX_DEPTH)
            return fail(error, "Lists nested too deeply"), NULL;
        c->p++;
        ImapArg *arg = arg_new(IMAP_ARG_LIST, NULL, 0);
        if (!parse_list_into(c, arg->list, depth + 1, ')', error)) {
            arg_free(arg);
            return NULL;
        }
        return arg;
    }
    case ')':
        return fail(error, "Unexpected )"), NULL;
    default:
        return parse_atom(c, error);
    }
}

static gboolean
at_eol(Cursor *c)
{
    return c->p >= c->end ||
           (*c->p == '\r' && c->p + 1 < c->end && c->p[1] == '\n' && c->p + 2 == c->end) ||
           (*c->p == '\n' && c->p + 1 == c->end);
}

/* Arguments separated by single spaces until close (or the end if close is 0). */
static gboolean
parse_list_into(Cursor *c, GPtrArray *out, int depth, char close, GError **error)
{
    gboolean first = TRUE;

    for (;;) {
        if (close != '\0' && c->p < c->end && *c->p == close) {
            c->p++;
            return TRUE;
        }
        if (at_eol(c)) {
            if (close != '\0')
                return fail(error, "Missing )");
            return TRUE;
        }
        if (!first) {
            if (*c->p != ' ')
                return fail(error, "Expected a space between arguments");
            c->p++;
            if (close != '\0' && c->p < c->end && *c->p == close)
                return fail(error, "Space before )");
        }
        if (at_eol(c))
            return fail(error, "Trailing space");
        ImapArg *arg = parse_arg(c, depth, error);
        if (arg == NULL)
            return FALSE;
        g_ptr_array_add(out, arg);
        first = FALSE;
    }
}

static char *
take_word(Cursor *c)
{
    const char *start = c->p;

    while (c->p < c->end && is_atom_char(*c->p) && *c->p != '%' && *c->p != '*' && *c->p != ']')
        c->p++;
    if (c->p == start)
        return NULL;
    return g_strndup(start, c->p - start);
}

ImapCommand *
imap_parse_command(const char *buf, gsize len, char **out_tag, GError **error)
{
    Cursor c = {buf, buf + len, 0};
    g_autofree char *tag = take_word(&c);

    if (out_tag != NULL)
        *out_tag = NULL;
    if (tag == NULL || tag[0] == '+') {
        g_set_error_literal(error, IMAP_PARSE_ERROR, IMAP_PARSE_ERROR_NO_TAG,
                            "Missing or invalid tag");
        return NULL;
    }
    if (out_tag != NULL)
        *out_tag = g_strdup(tag);
    if (c.p >= c.end || *c.p != ' ') {
        fail(error, "Missing command");
        return NULL;
    }
    c.p++;
    g_autofree char *name = take_word(&c);
    if (name == NULL) {
        fail(error, "Missing command");
        return NULL;
    }
    g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(arg_free);
    if (!at_eol(&c)) {
        if (*c.p != ' ')
            return fail(error, "Expected a space after the command"), NULL;
        c.p++;
        if (!parse_list_into(&c, args, 0, '\0', error))
            return NULL;
    }
    ImapCommand *cmd = g_new0(ImapCommand, 1);
    cmd->tag = g_steal_pointer(&tag);
    cmd->name = g_ascii_strup(name, -1);
    cmd->args = g_steal_pointer(&args);
    return cmd;
}

void
imap_command_free(ImapCommand *cmd)
{
    if (cmd == NULL)
        return;
    g_free(cmd->tag);
    g_free(cmd->name);
    g_ptr_array_unref(cmd->args);
    g_free(cmd);
}

gboolean
imap_line_literal(const char *line, gsize len, guint64 *out_size, gboolean *out_nonsync)
{
    const char *end = line + len;

    if (end > line && end[-1] == '\n')
        end--;
    if (end > line && end[-1] == '\r')
        end--;
    if (end == line || end[-1] != '}')
        return FALSE;
    const char *p = end - 1;
    gboolean nonsync = FALSE;
    if (p > line && p[-1] == '+') {
        nonsync = TRUE;
        p--;
    }
    const char *digits_end = p;
    while (p > line && g_ascii_isdigit(p[-1]))
        p--;
    if (p == digits_end || p == line || p[-1] != '{' || digits_end - p > 19)
        return FALSE;
    guint64 n = g_ascii_strtoull(p, NULL, 10);
    *out_size = n;
    *out_nonsync = nonsync;
    return TRUE;
}

gboolean
imap_arg_is_astring(const ImapArg *arg)
{
    return arg->type == IMAP_ARG_ATOM || arg->type == IMAP_ARG_STRING ||
           arg->type == IMAP_ARG_LITERAL;
}

gboolean
imap_arg_atom_is(const ImapArg *arg, const char *word)
{
    return arg->type == IMAP_ARG_ATOM && g_ascii_strcasecmp(arg->str, word) == 0;
}
