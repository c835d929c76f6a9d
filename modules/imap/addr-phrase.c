/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * addr-phrase.c - the display names of an address header, as written.
 *
 * A small scanner over RFC 5322 address lists (with the obsolete forms
 * clients still send): quoted strings, nested comments, angle addresses
 * with source routes, groups.  It does not validate: GMime owns the
 * structure (envelope.c); this file only recovers the raw text of each
 * name that GMime decodes.  A mailbox written "addr (Name)" takes the
 * comment as its name, as GMime does.
 */
#include "autoconfig.h"

#include "addr-phrase.h"

#include <string.h>

typedef enum { IN_TEXT, IN_ANGLE, AFTER_ANGLE } Where;

typedef struct {
    GString *text;  /* the element outside <...>, comments kept */
    GString *angle; /* inside <...> */
    Where where;
    gboolean in_group;
    GPtrArray *out;
} Scan;

static void
entry_free(gpointer p)
{
    ImapAddrPhrase *e = p;

    g_free(e->addr);
    g_free(e->phrase);
    g_free(e);
}

/* Index just past the quoted string or (nested) comment at s[i]. */
static gsize
skip_delimited(const char *s, gsize i)
{
    int depth = 0;

    for (gsize j = i; s[j] != '\0'; j++) {
        if (s[j] == '\\' && s[j + 1] != '\0')
            j++;
        else if (s[i] == '"' && s[j] == '"' && j > i)
            return j + 1;
        else if (s[i] == '(' && s[j] == '(')
            depth++;
        else if (s[i] == '(' && s[j] == ')' && --depth == 0)
            return j + 1;
    }
    return strlen(s);
}

/* The content of the quoted string s[i..end), unescaped. */
static void
append_unquoted(GString *out, const char *s, gsize i, gsize end)
{
    gsize stop = end > i + 1 && s[end - 1] == '"' ? end - 1 : end;

    for (gsize j = i + 1; j < stop; j++) {
        if (s[j] == '\\' && j + 1 < stop)
            j++;
        g_string_append_c(out, s[j]);
    }
}

/* The words of s: quoted strings unquoted, comments dropped, joined by
 * one space; NULL when there are none.  *out_comment (nullable) gets the
 * last comment's words.  (transfer full) */
static char *
words_of(const char *s, char **out_comment)
{
    GString *out = g_string_new(NULL);

    for (gsize i = 0; s[i] != '\0';) {
        gsize end;
        if (s[i] == ' ' || s[i] == '\t') {
            i++;
            continue;
        }
        if (s[i] == '(') {
            end = skip_delimited(s, i);
            if (out_comment != NULL) {
                g_autofree char *inner =
                    g_strndup(s + i + 1, end - i - (s[end - 1] == ')' ? 2 : 1));
                g_free(*out_comment);
                *out_comment = words_of(inner, NULL);
            }
            i = end;
            continue;
        }
        if (out->len > 0)
            g_string_append_c(out, ' ');
        if (s[i] == '"') {
            end = skip_delimited(s, i);
            append_unquoted(out, s, i, end);
        } else {
            end = i + strcspn(s + i, " \t\"(");
            g_string_append_len(out, s + i, (gssize)(end - i));
        }
        i = end;
    }
    if (out->len == 0) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

/* An addr-spec without its source route, comments or spaces. */
static char *
addr_of(const char *s)
{
    const char *colon = *s == '@' ? strchr(s, ':') : NULL;
    g_autofree char *words = words_of(colon != NULL ? colon + 1 : s, NULL);
    GString *out = g_string_new(NULL);

    for (const char *p = words; p != NULL && *p != '\0'; p++) {
        if (*p != ' ')
            g_string_append_c(out, *p);
    }
    if (out->len == 0) {
        g_string_free(out, TRUE);
        return NULL;
    }
    return g_string_free(out, FALSE);
}

static void
emit(Scan *sc)
{
    ImapAddrPhrase *e = g_new0(ImapAddrPhrase, 1);

    if (sc->where != IN_TEXT) {
        e->addr = addr_of(sc->angle->str);
        e->phrase = words_of(sc->text->str, NULL);
    } else {
        e->addr = addr_of(sc->text->str);
        g_free(words_of(sc->text->str, &e->phrase)); /* "addr (Name)" */
    }
    if (e->addr != NULL)
        g_ptr_array_add(sc->out, e);
    else
        entry_free(e);
    g_string_truncate(sc->text, 0);
    g_string_truncate(sc->angle, 0);
    sc->where = IN_TEXT;
}

static void
group_start(Scan *sc)
{
    ImapAddrPhrase *e = g_new0(ImapAddrPhrase, 1);

    e->is_group = TRUE;
    e->phrase = words_of(sc->text->str, NULL);
    g_ptr_array_add(sc->out, e);
    g_string_truncate(sc->text, 0);
    sc->in_group = TRUE;
}

/* The character, quoted string or comment at raw[i]; returns the index
 * after it. */
static gsize
step(Scan *sc, const char *raw, gsize i)
{
    char c = raw[i];

    if (c == '"' || c == '(') {
        gsize end = skip_delimited(raw, i);
        if (sc->where != AFTER_ANGLE)
            g_string_append_len(sc->where == IN_ANGLE ? sc->angle : sc->text, raw + i,
                                (gssize)(end - i));
        return end;
    }
    if (sc->where == IN_ANGLE) {
        if (c == '>')
            sc->where = AFTER_ANGLE;
        else
            g_string_append_c(sc->angle, c);
    } else if (c == ',') {
        emit(sc);
    } else if (c == ';' && sc->in_group) {
        emit(sc);
        sc->in_group = FALSE;
    } else if (sc->where == AFTER_ANGLE) {
        /* trailing text after an angle address is noise */
    } else if (c == '<') {
        sc->where = IN_ANGLE;
    } else if (c == ':' && !sc->in_group) {
        group_start(sc);
    } else {
        g_string_append_c(sc->text, c);
    }
    return i + 1;
}

GPtrArray *
imap_addr_phrases(const char *raw)
{
    Scan sc = {g_string_new(NULL), g_string_new(NULL), IN_TEXT, FALSE,
               g_ptr_array_new_with_free_func(entry_free)};

    for (gsize i = 0; raw != NULL && raw[i] != '\0';)
        i = step(&sc, raw, i);
    emit(&sc);
    g_string_free(sc.text, TRUE);
    g_string_free(sc.angle, TRUE);
    return sc.out;
}

gboolean
imap_addr_phrase_take(GPtrArray *entries, guint *cursor, const char *addr, const char **out_phrase)
{
    for (guint i = *cursor; entries != NULL && i < entries->len; i++) {
        const ImapAddrPhrase *e = entries->pdata[i];
        gboolean is_match = addr == NULL ? e->is_group
                                         : !e->is_group && e->addr != NULL &&
                                               g_ascii_strcasecmp(e->addr, addr) == 0;
        if (is_match) {
            *cursor = i + 1;
            *out_phrase = e->phrase;
            return TRUE;
        }
    }
    return FALSE;
}
