/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * bodystructure.c - write BODYSTRUCTURE / BODY from a MIME tree.
 *
 * Follows the RFC 9051 body grammar: body-type-text carries the line
 * count, body-type-msg (message/rfc822 and message/global) the inner
 * envelope, body and line count; body-ext-1part is md5, disposition,
 * language, location; body-ext-mpart is parameters, disposition,
 * language, location.  Sizes are octets of the raw, still encoded body;
 * lines count its LFs plus a last unterminated line (Dovecot counts only
 * LFs).  Like Dovecot: types, subtypes and parameter names go lower-case
 * (values and encodings as written), a text part without charset gets
 * ("charset" "us-ascii") (RFC 2045's default, also for a part without
 * Content-Type), and the language is always a list.  Checked against
 * Dovecot 2.3.19 on tests/data/imap.
 */
#include "autoconfig.h"

#include "bodystructure.h"

#include <gmime/gmime.h>
#include <string.h>

#include "envelope.h"
#include "quote.h"

guint64
imap_count_lines(const char *data, gsize start, gsize end)
{
    guint64 lines = 0;

    for (const char *p = data + start, *e = data + end; p < e;) {
        const char *nl = memchr(p, '\n', e - p);
        if (nl == NULL) {
            lines++;
            break;
        }
        lines++;
        p = nl + 1;
    }
    return lines;
}

static void
append_header(GString *out, const char *data, const ImapMimePart *part, const char *name)
{
    g_autofree char *value = imap_mime_header(data, part->start, part->body, name);

    if (value != NULL)
        g_strstrip(value);
    imap_quote_nstring(out, value, -1);
}

static void
append_param_list(GString *out, GPtrArray *params)
{
    if (params == NULL || params->len < 2) {
        g_string_append(out, "NIL");
        return;
    }
    g_string_append_c(out, '(');
    for (guint i = 0; i + 1 < params->len; i += 2) {
        if (i > 0)
            g_string_append_c(out, ' ');
        g_autofree char *name = g_ascii_strdown(params->pdata[i], -1);
        imap_quote_nstring(out, name, -1);
        g_string_append_c(out, ' ');
        imap_quote_nstring(out, params->pdata[i + 1], -1);
    }
    g_string_append_c(out, ')');
}

static gboolean
has_param(const ImapMimePart *part, const char *name)
{
    for (guint i = 0; i + 1 < part->params->len; i += 2) {
        if (g_ascii_strcasecmp(part->params->pdata[i], name) == 0)
            return TRUE;
    }
    return FALSE;
}

/* A text part without charset gets the RFC 2045 default, as Dovecot does. */
static void
append_params(GString *out, const ImapMimePart *part)
{
    g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func(g_free);

    if (imap_mime_is(part, "text", NULL) && !has_param(part, "charset")) {
        g_ptr_array_add(params, g_strdup("charset"));
        g_ptr_array_add(params, g_strdup("us-ascii"));
    }
    for (guint i = 0; i < part->params->len; i++)
        g_ptr_array_add(params, g_strdup(part->params->pdata[i]));
    append_param_list(out, params);
}

static void
append_disposition(GString *out, const char *data, const ImapMimePart *part)
{
    g_autofree char *value = imap_mime_header(data, part->start, part->body, "Content-Disposition");
    GMimeContentDisposition *cd = NULL;

    if (value != NULL) {
        imap_mime_init();
        cd = g_mime_content_disposition_parse(NULL, value);
    }
    const char *dsp = cd != NULL ? g_mime_content_disposition_get_disposition(cd) : NULL;
    if (dsp == NULL || *dsp == '\0') {
        g_string_append(out, "NIL");
    } else {
        GPtrArray *params = g_ptr_array_new_with_free_func(g_free);
        GMimeParamList *list = g_mime_content_disposition_get_parameters(cd);
        for (int i = 0; list != NULL && i < g_mime_param_list_length(list); i++) {
            GMimeParam *param = g_mime_param_list_get_parameter_at(list, i);
            g_ptr_array_add(params, g_strdup(g_mime_param_get_name(param)));
            g_ptr_array_add(params, g_strdup(g_mime_param_get_value(param)));
        }
        g_string_append_c(out, '(');
        imap_quote_nstring(out, dsp, -1);
        g_string_append_c(out, ' ');
        append_param_list(out, params);
        g_string_append_c(out, ')');
        g_ptr_array_unref(params);
    }
    if (cd != NULL)
        g_object_unref(cd);
}

static void
append_language(GString *out, const char *data, const ImapMimePart *part)
{
    g_autofree char *value = imap_mime_header(data, part->start, part->body, "Content-Language");
    g_auto(GStrv) tokens = value != NULL ? g_strsplit_set(value, ", \t", -1) : NULL;
    GPtrArray *langs = g_ptr_array_new();

    for (guint i = 0; tokens != NULL && tokens[i] != NULL; i++) {
        if (*tokens[i] != '\0')
            g_ptr_array_add(langs, tokens[i]);
    }
    if (langs->len == 0) {
        g_string_append(out, "NIL");
    } else {
        g_string_append_c(out, '(');
        for (guint i = 0; i < langs->len; i++) {
            if (i > 0)
                g_string_append_c(out, ' ');
            imap_quote_nstring(out, langs->pdata[i], -1);
        }
        g_string_append_c(out, ')');
    }
    g_ptr_array_unref(langs);
}

/* SP dsp SP lang SP loc, common to both extension forms. */
static void
append_ext_tail(GString *out, const char *data, const ImapMimePart *part)
{
    g_string_append_c(out, ' ');
    append_disposition(out, data, part);
    g_string_append_c(out, ' ');
    append_language(out, data, part);
    g_string_append_c(out, ' ');
    append_header(out, data, part, "Content-Location");
}

static void
append_multipart(GString *out, const char *data, const ImapMimePart *part, gboolean extended)
{
    for (guint i = 0; i < part->children->len; i++)
        imap_bodystructure_append(out, data, part->children->pdata[i], extended);
    g_string_append_c(out, ' ');
    imap_quote_lower(out, part->subtype);
    if (extended) {
        g_string_append_c(out, ' ');
        append_param_list(out, part->params);
        append_ext_tail(out, data, part);
    }
}

static void
append_encoding(GString *out, const char *data, const ImapMimePart *part)
{
    g_autofree char *cte =
        imap_mime_header(data, part->start, part->body, "Content-Transfer-Encoding");

    if (cte != NULL)
        g_strstrip(cte);
    imap_quote_nstring(out, cte != NULL && *cte != '\0' ? cte : "7bit", -1);
}

static void
append_single(GString *out, const char *data, const ImapMimePart *part, gboolean extended)
{
    imap_quote_lower(out, part->type);
    g_string_append_c(out, ' ');
    imap_quote_lower(out, part->subtype);
    g_string_append_c(out, ' ');
    append_params(out, part);
    g_string_append_c(out, ' ');
    append_header(out, data, part, "Content-ID");
    g_string_append_c(out, ' ');
    append_header(out, data, part, "Content-Description");
    g_string_append_c(out, ' ');
    append_encoding(out, data, part);
    g_string_append_printf(out, " %" G_GSIZE_FORMAT, part->end - part->body);
    if (part->message != NULL) {
        g_string_append_c(out, ' ');
        imap_envelope_append(out, data, part->message);
        g_string_append_c(out, ' ');
        imap_bodystructure_append(out, data, part->message, extended);
    }
    if (part->message != NULL || imap_mime_is(part, "text", NULL))
        g_string_append_printf(out, " %" G_GUINT64_FORMAT,
                               imap_count_lines(data, part->body, part->end));
    if (extended) {
        g_string_append_c(out, ' ');
        append_header(out, data, part, "Content-MD5");
        append_ext_tail(out, data, part);
    }
}

void
imap_bodystructure_append(GString *out, const char *data, const ImapMimePart *part,
                          gboolean extended)
{
    g_string_append_c(out, '(');
    if (part->children != NULL)
        append_multipart(out, data, part, extended);
    else
        append_single(out, data, part, extended);
    g_string_append_c(out, ')');
}
