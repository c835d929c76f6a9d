/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * section.c - parse and resolve BODY[...] / BINARY[...] sections.
 *
 * Part numbers walk the MIME tree as RFC 9051 6.4.5 says: the parts of a
 * multipart are numbered from 1; a non-multipart message (or an
 * encapsulated one) has one part, "1", its body; a number after a
 * message/rfc822 part addresses the parts of the inner message.
 * HEADER, HEADER.FIELDS[.NOT] and TEXT after a part number apply to the
 * inner message of a message/rfc822 part; MIME is a part's own header
 * block.  Ranges are raw bytes of the stored message.
 */
#include "autoconfig.h"

#include "section.h"

#include <string.h>

#include "fetch.h"

#define MAX_PARTS  64
#define MAX_FIELDS 256

static gboolean
fail(GError **error, const char *why)
{
    g_set_error_literal(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_SYNTAX, why);
    return FALSE;
}

void
imap_section_free(ImapSection *section)
{
    if (section == NULL)
        return;
    if (section->parts != NULL)
        g_array_unref(section->parts);
    g_strfreev(section->fields);
    g_free(section->text);
    g_free(section);
}

/* Leading "n.n.n" part numbers; p advances past them and one dot. */
static gboolean
parse_parts(const char **p, GArray *parts, GError **error)
{
    while (g_ascii_isdigit(**p)) {
        char *end = NULL;
        guint64 n = g_ascii_strtoull(*p, &end, 10);
        if (n == 0 || n > G_MAXUINT32 || **p == '0' || parts->len >= MAX_PARTS)
            return fail(error, "Invalid section part number");
        guint32 v = (guint32)n;
        g_array_append_val(parts, v);
        *p = end;
        if (**p == '.')
            (*p)++;
        else if (**p != '\0')
            return fail(error, "Invalid section");
    }
    return TRUE;
}

/* One header-fld-name (atom or quoted string) at *p. */
static char *
parse_field_name(const char **p)
{
    GString *name = g_string_new(NULL);

    if (**p == '"') {
        for ((*p)++; **p != '\0' && **p != '"'; (*p)++) {
            if (**p == '\\' && (*p)[1] != '\0')
                (*p)++;
            g_string_append_c(name, **p);
        }
        if (**p != '"')
            return g_string_free(name, TRUE), NULL;
        (*p)++;
    } else {
        for (; **p > ' ' && **p < 0x7f && **p != '(' && **p != ')' && **p != '"' && **p != ':';
             (*p)++)
            g_string_append_c(name, **p);
    }
    if (name->len == 0)
        return g_string_free(name, TRUE), NULL;
    return g_string_free(name, FALSE);
}

static gboolean
parse_fields(const char *p, ImapSection *section, GError **error)
{
    GPtrArray *names = g_ptr_array_new();

    if (*p++ != ' ' || *p++ != '(')
        return g_ptr_array_unref(names), fail(error, "Expected a header field list");
    while (*p != ')') {
        char *name = names->len < MAX_FIELDS ? parse_field_name(&p) : NULL;
        if (name == NULL || (*p != ' ' && *p != ')')) {
            g_free(name);
            g_ptr_array_set_free_func(names, g_free);
            g_ptr_array_unref(names);
            return fail(error, "Invalid header field list");
        }
        g_ptr_array_add(names, name);
        if (*p == ' ')
            p++;
    }
    g_ptr_array_add(names, NULL);
    section->fields = (char **)g_ptr_array_free(names, FALSE);
    if (section->fields[0] == NULL || p[1] != '\0')
        return fail(error, "Invalid header field list");
    return TRUE;
}

static gboolean
parse_text(const char *p, ImapSection *section, GError **error)
{
    if (*p == '\0')
        section->kind = IMAP_SECTION_BODY;
    else if (g_ascii_strcasecmp(p, "HEADER") == 0)
        section->kind = IMAP_SECTION_HEADER;
    else if (g_ascii_strcasecmp(p, "TEXT") == 0)
        section->kind = IMAP_SECTION_TEXT;
    else if (g_ascii_strcasecmp(p, "MIME") == 0 && section->parts->len > 0)
        section->kind = IMAP_SECTION_MIME;
    else if (g_ascii_strncasecmp(p, "HEADER.FIELDS.NOT", 17) == 0) {
        section->kind = IMAP_SECTION_FIELDS_NOT;
        return parse_fields(p + 17, section, error);
    } else if (g_ascii_strncasecmp(p, "HEADER.FIELDS", 13) == 0) {
        section->kind = IMAP_SECTION_FIELDS;
        return parse_fields(p + 13, section, error);
    } else
        return fail(error, "Unknown section");
    return TRUE;
}

/* The section text for the response: upper-cased keywords, names as given. */
static char *
section_text(const char *text)
{
    const char *paren = strchr(text, '(');
    g_autofree char *head = g_ascii_strup(text, paren != NULL ? paren - text : -1);
    return g_strconcat(head, paren != NULL ? paren : "", NULL);
}

ImapSection *
imap_section_parse(const char *text, gboolean is_binary, GError **error)
{
    g_autoptr(ImapSection) section = g_new0(ImapSection, 1);
    const char *p = text;

    section->parts = g_array_new(FALSE, FALSE, sizeof(guint32));
    if (!parse_parts(&p, section->parts, error))
        return NULL;
    if (p > text && p[-1] == '.' && *p == '\0')
        return fail(error, "Invalid section"), NULL;
    if (is_binary && *p != '\0')
        return fail(error, "BINARY takes only a part number"), NULL;
    if (!parse_text(p, section, error))
        return NULL;
    section->text = section_text(text);
    return g_steal_pointer(&section);
}

const ImapMimePart *
imap_section_find_part(const ImapMimePart *root, const ImapSection *section)
{
    const ImapMimePart *node = root;

    for (guint i = 0; i < section->parts->len; i++) {
        guint32 n = g_array_index(section->parts, guint32, i);
        const ImapMimePart *container = i > 0 && node->message != NULL ? node->message : node;
        if (container->children != NULL) {
            if (n > container->children->len)
                return NULL;
            node = container->children->pdata[n - 1];
        } else if (n == 1) {
            node = container;
        } else {
            return NULL;
        }
    }
    return node;
}

static gboolean
field_listed(const char *data, gsize p, gsize eol, char *const *fields)
{
    const char *colon = memchr(data + p, ':', eol - p);

    if (colon == NULL)
        return FALSE;
    gsize n = colon - (data + p);
    while (n > 0 && (data[p + n - 1] == ' ' || data[p + n - 1] == '\t'))
        n--;
    for (guint i = 0; fields[i] != NULL; i++) {
        if (strlen(fields[i]) == n && g_ascii_strncasecmp(data + p, fields[i], n) == 0)
            return TRUE;
    }
    return FALSE;
}

GBytes *
imap_section_header_fields(const char *data, gsize start, gsize end, char *const *fields,
                           gboolean is_not)
{
    GString *out = g_string_new(NULL);
    gboolean keep = FALSE;

    for (gsize p = start; p < end;) {
        const char *nl = memchr(data + p, '\n', end - p);
        gsize eol = nl != NULL ? (gsize)(nl - data) + 1 : end;
        if (data[p] == '\n' || (data[p] == '\r' && p + 1 < end && data[p + 1] == '\n'))
            break;
        if (data[p] != ' ' && data[p] != '\t')
            keep = field_listed(data, p, eol, fields) != is_not;
        if (keep)
            g_string_append_len(out, data + p, eol - p);
        p = eol;
    }
    g_string_append(out, "\r\n");
    return g_string_free_to_bytes(out);
}

gboolean
imap_section_extract(const char *data, gsize len, const ImapMimePart *root,
                     const ImapSection *section, gsize *out_start, gsize *out_end,
                     GBytes **out_built)
{
    const ImapMimePart *part = imap_section_find_part(root, section);
    gboolean has_parts = section->parts->len > 0;

    *out_built = NULL;
    if (part == NULL)
        return FALSE;
    if (section->kind == IMAP_SECTION_BODY || section->kind == IMAP_SECTION_MIME) {
        *out_start = !has_parts ? 0 : section->kind == IMAP_SECTION_MIME ? part->start : part->body;
        *out_end = !has_parts ? len : section->kind == IMAP_SECTION_MIME ? part->body : part->end;
        return TRUE;
    }
    const ImapMimePart *msg = has_parts ? part->message : root;
    if (msg == NULL)
        return FALSE;
    *out_start = section->kind == IMAP_SECTION_TEXT ? msg->body : msg->start;
    *out_end = section->kind == IMAP_SECTION_TEXT ? msg->end : msg->body;
    if (section->kind == IMAP_SECTION_FIELDS || section->kind == IMAP_SECTION_FIELDS_NOT)
        *out_built = imap_section_header_fields(data, msg->start, msg->body, section->fields,
                                                section->kind == IMAP_SECTION_FIELDS_NOT);
    return TRUE;
}
