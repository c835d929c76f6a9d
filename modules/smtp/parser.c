/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * parser.c - SMTP command-line grammar.
 *
 * Splits a command line into verb and arguments, parses paths
 * ("<local@domain>", source routes, the null path, SMTPUTF8 addresses),
 * ESMTP parameters and xtext.  It decides syntax only: whether an address
 * is ours, allowed or a relay trick is the directory's call (addr_classify)
 * and the session's.  Input comes straight from the network, so every loop
 * is bounded by the input and nothing is allocated from a length the peer
 * sent.
 */
#include "autoconfig.h"

#include <string.h>

#include "parser.h"

static const struct {
    const char *name;
    SmtpCmd cmd;
} verbs[] = {
    {"HELO", SMTP_CMD_HELO},
    {"EHLO", SMTP_CMD_EHLO},
    {"MAIL", SMTP_CMD_MAIL},
    {"RCPT", SMTP_CMD_RCPT},
    {"DATA", SMTP_CMD_DATA},
    {"BDAT", SMTP_CMD_BDAT},
    {"RSET", SMTP_CMD_RSET},
    {"NOOP", SMTP_CMD_NOOP},
    {"QUIT", SMTP_CMD_QUIT},
    {"VRFY", SMTP_CMD_VRFY},
    {"EXPN", SMTP_CMD_EXPN},
    {"HELP", SMTP_CMD_HELP},
    {"STARTTLS", SMTP_CMD_STARTTLS},
    {"AUTH", SMTP_CMD_AUTH},
    {"TURN", SMTP_CMD_NOT_IMPLEMENTED},
    {"ETRN", SMTP_CMD_NOT_IMPLEMENTED},
    {"ATRN", SMTP_CMD_NOT_IMPLEMENTED},
    {"SEND", SMTP_CMD_NOT_IMPLEMENTED},
    {"SOML", SMTP_CMD_NOT_IMPLEMENTED},
    {"SAML", SMTP_CMD_NOT_IMPLEMENTED},
    {"BURL", SMTP_CMD_NOT_IMPLEMENTED},
    {"XCLIENT", SMTP_CMD_NOT_IMPLEMENTED},
    {"XFORWARD", SMTP_CMD_NOT_IMPLEMENTED},
    {"GET", SMTP_CMD_HTTP},
    {"POST", SMTP_CMD_HTTP},
    {"HEAD", SMTP_CMD_HTTP},
    {"PUT", SMTP_CMD_HTTP},
    {"CONNECT", SMTP_CMD_HTTP},
};

static SmtpCmd
lookup_verb(const char *verb, gsize len)
{
    for (gsize i = 0; i < G_N_ELEMENTS(verbs); i++) {
        if (strlen(verbs[i].name) == len && g_ascii_strncasecmp(verbs[i].name, verb, len) == 0)
            return verbs[i].cmd;
    }
    return SMTP_CMD_UNKNOWN;
}

SmtpLineResult
smtp_parse_line(char *line, gsize len, SmtpCommandLine *out)
{
    memset(out, 0, sizeof(*out));
    if (len > 0 && line[len - 1] == '\n')
        len--;
    if (len > 0 && line[len - 1] == '\r')
        len--;
    for (gsize i = 0; i < len; i++) {
        guchar c = (guchar)line[i];
        if (c < 0x20 || c == 0x7f)
            return SMTP_LINE_BAD_CHARS;
    }
    while (len > 0 && line[len - 1] == ' ')
        len--;
    line[len] = '\0';
    if (len == 0)
        return SMTP_LINE_EMPTY;

    gsize v = 0;
    while (v < len && line[v] != ' ')
        v++;
    out->verb = line;
    out->verb_len = v;
    out->cmd = lookup_verb(line, v);
    while (v < len && line[v] == ' ')
        v++;
    out->args = line + v;
    return SMTP_LINE_OK;
}

static gboolean
is_atext(guchar c)
{
    return g_ascii_isalnum(c) || c >= 0x80 || (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static gboolean
is_let_dig(guchar c)
{
    return g_ascii_isalnum(c) || c >= 0x80;
}

/* Domain = sub-domain *("." sub-domain); sub-domain = Let-dig [Ldh-str]. */
static const char *
skip_domain(const char *p)
{
    for (;;) {
        if (!is_let_dig((guchar)*p))
            return NULL;
        const char *start = p;
        while (is_let_dig((guchar)*p) || *p == '-')
            p++;
        if (p[-1] == '-' || p - start > 63)
            return NULL;
        if (*p != '.')
            return p;
        p++;
    }
}

/* address-literal = "[" dcontent... "]", dcontent = %d33-90 / %d94-126. */
static const char *
skip_address_literal(const char *p)
{
    p++;
    const char *start = p;
    while (*p >= 33 && *p <= 126 && *p != '[' && *p != '\\' && *p != ']')
        p++;
    if (*p != ']' || p == start)
        return NULL;
    return p + 1;
}

/* Local-part = Dot-string / Quoted-string. */
static const char *
skip_local_part(const char *p)
{
    if (*p == '"') {
        for (p++; *p != '"'; p++) {
            if (*p == '\\')
                p++;
            if ((guchar)*p < 32 || *p == 127)
                return NULL;
        }
        return p + 1;
    }
    for (;;) {
        if (!is_atext((guchar)*p))
            return NULL;
        while (is_atext((guchar)*p))
            p++;
        if (*p != '.')
            return p;
        p++;
    }
}

/* A-d-l = At-domain *( "," At-domain ) ":" */
static const char *
skip_route(const char *p)
{
    for (;;) {
        if (*p != '@')
            return NULL;
        p = skip_domain(p + 1);
        if (p == NULL)
            return NULL;
        if (*p == ':')
            return p + 1;
        if (*p != ',')
            return NULL;
        p++;
    }
}

static const char *
skip_mailbox(const char *p)
{
    p = skip_local_part(p);
    if (p == NULL || *p != '@')
        return NULL;
    p++;
    return *p == '[' ? skip_address_literal(p) : skip_domain(p);
}

static SmtpPathResult
finish_path(const char *open, const char *box, const char *end, SmtpPath *out)
{
    if (end - open + 1 > SMTP_PATH_MAX)
        return SMTP_PATH_TOO_LONG;
    for (const char *c = box; c < end; c++) {
        if ((guchar)*c >= 0x80)
            out->is_utf8 = TRUE;
    }
    if (out->is_utf8 && !g_utf8_validate(box, end - box, NULL))
        return SMTP_PATH_BAD_UTF8;
    out->address = g_strndup(box, end - box);
    return SMTP_PATH_OK;
}

SmtpPathResult
smtp_parse_path(const char **pp, gboolean allow_null, SmtpPath *out)
{
    const char *open = *pp;
    memset(out, 0, sizeof(*out));
    if (*open != '<')
        return SMTP_PATH_SYNTAX;
    const char *box = open + 1;
    if (*box == '>' && allow_null) {
        out->address = g_strdup("");
        *pp = box + 1;
        return SMTP_PATH_OK;
    }
    if (g_ascii_strncasecmp(box, "postmaster>", 11) == 0) {
        out->address = g_strdup("postmaster");
        *pp = box + 11;
        return SMTP_PATH_OK;
    }
    if (*box == '@') {
        out->has_route = TRUE;
        box = skip_route(box);
        if (box == NULL)
            return SMTP_PATH_SYNTAX;
    }
    const char *end = skip_mailbox(box);
    if (end == NULL || *end != '>')
        return SMTP_PATH_SYNTAX;
    SmtpPathResult r = finish_path(open, box, end, out);
    if (r == SMTP_PATH_OK)
        *pp = end + 1;
    return r;
}

static void
param_free(gpointer data)
{
    SmtpParam *param = data;
    g_free(param->keyword);
    g_free(param->value);
    g_free(param);
}

/* esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-");
 * esmtp-value = 1*(%d33-60 / %d62-126 / UTF8-non-ascii). */
static const char *
parse_one_param(const char *p, GPtrArray *params)
{
    const char *k = p;
    if (!g_ascii_isalnum(*p))
        return NULL;
    while (g_ascii_isalnum(*p) || *p == '-')
        p++;
    SmtpParam *param = g_new0(SmtpParam, 1);
    param->keyword = g_ascii_strup(k, p - k);
    g_ptr_array_add(params, param);
    if (*p != '=')
        return p;
    const char *v = ++p;
    while ((guchar)*p > 32 && *p != '=' && *p != 127)
        p++;
    if (p == v)
        return NULL;
    param->value = g_strndup(v, p - v);
    return p;
}

GPtrArray *
smtp_parse_params(const char *p)
{
    g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func(param_free);
    while (*p != '\0') {
        if (*p != ' ')
            return NULL;
        while (*p == ' ')
            p++;
        if (*p == '\0')
            break;
        p = parse_one_param(p, params);
        if (p == NULL)
            return NULL;
    }
    return g_steal_pointer(&params);
}

gboolean
smtp_xtext_decode(const char *s, char **out_decoded)
{
    g_autoptr(GString) out = g_string_new(NULL);
    for (const char *p = s; *p != '\0'; p++) {
        if (*p == '+') {
            if (!g_ascii_isxdigit(p[1]) || !g_ascii_isxdigit(p[2]))
                return FALSE;
            g_string_append_c(out,
                              (char)(g_ascii_xdigit_value(p[1]) * 16 + g_ascii_xdigit_value(p[2])));
            p += 2;
        } else if (*p >= 33 && *p <= 126 && *p != '=') {
            g_string_append_c(out, *p);
        } else {
            return FALSE;
        }
    }
    *out_decoded = g_string_free(g_steal_pointer(&out), FALSE);
    return TRUE;
}

gboolean
smtp_parse_number(const char *s, guint64 *out_value)
{
    guint64 v = 0;
    if (*s == '\0' || strlen(s) > 19)
        return FALSE;
    for (const char *p = s; *p != '\0'; p++) {
        if (!g_ascii_isdigit(*p))
            return FALSE;
        v = v * 10 + (guint64)(*p - '0');
    }
    *out_value = v;
    return TRUE;
}

gboolean
smtp_is_helo_name(const char *s)
{
    gsize n = 0;
    for (const char *p = s; *p != '\0'; p++, n++) {
        if (!g_ascii_isalnum(*p) && strchr(".-_:[]", *p) == NULL)
            return FALSE;
    }
    return n > 0 && n <= 255;
}
