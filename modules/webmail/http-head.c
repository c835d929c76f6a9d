/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * http-head.c - reading a remote server's response head for the image
 * proxy: the status line and the three headers the proxy acts on
 * (Content-Type, Content-Length, Transfer-Encoding).  Anything malformed
 * is BAD and the image is refused: a proxy that guesses is a proxy that
 * can be confused.
 */
#include "autoconfig.h"

#include <string.h>

#include "http-head.h"

static gboolean
parse_status(const char *line, guint *out)
{
    if (strncmp(line, "HTTP/1.", 7) != 0 || (line[7] != '0' && line[7] != '1') || line[8] != ' ')
        return FALSE;
    if (!g_ascii_isdigit(line[9]) || !g_ascii_isdigit(line[10]) || !g_ascii_isdigit(line[11]))
        return FALSE;
    if (line[12] != '\0' && line[12] != ' ')
        return FALSE;
    *out = (guint)((line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0'));
    return *out >= 100;
}

static gboolean
parse_length(const char *v, gint64 *out)
{
    gint64 n = 0;

    if (*v == '\0')
        return FALSE;
    for (; *v != '\0'; v++) {
        if (!g_ascii_isdigit(*v) || n > G_MAXINT64 / 10 - 10)
            return FALSE;
        n = n * 10 + (*v - '0');
    }
    *out = n;
    return TRUE;
}

static gboolean
header(WmHttpHead *out, char *line)
{
    char *colon = strchr(line, ':');
    char *v;

    if (colon == NULL || colon == line)
        return FALSE;
    *colon = '\0';
    v = g_strstrip(colon + 1);
    if (g_ascii_strcasecmp(line, "Content-Type") == 0) {
        char *semi = strchr(v, ';');
        if (semi != NULL)
            *semi = '\0';
        g_free(out->content_type);
        out->content_type = g_ascii_strdown(g_strstrip(v), -1);
    } else if (g_ascii_strcasecmp(line, "Content-Length") == 0) {
        gint64 n;
        if (!parse_length(v, &n) || (out->content_length >= 0 && out->content_length != n))
            return FALSE;
        out->content_length = n;
    } else if (g_ascii_strcasecmp(line, "Transfer-Encoding") == 0) {
        out->is_chunked = TRUE;
    }
    return TRUE;
}

static const char *
find_end(const char *buf, gsize len)
{
    for (gsize i = 0; i + 3 < len; i++)
        if (buf[i] == '\r' && buf[i + 1] == '\n' && buf[i + 2] == '\r' && buf[i + 3] == '\n')
            return buf + i;
    return NULL;
}

WmHttpHeadResult
wm_http_head_parse(const char *buf, gsize len, gsize max_head, WmHttpHead *out)
{
    const char *end = find_end(buf, MIN(len, max_head));
    g_autofree char *head = NULL;
    g_auto(GStrv) lines = NULL;

    memset(out, 0, sizeof *out);
    out->content_length = -1;
    if (end == NULL)
        return len >= max_head ? WM_HTTP_HEAD_BAD : WM_HTTP_HEAD_MORE;
    head = g_strndup(buf, end - buf);
    if (strlen(head) != (gsize)(end - buf))
        return WM_HTTP_HEAD_BAD; /* a NUL in the head */
    lines = g_strsplit(head, "\r\n", -1);
    if (!parse_status(lines[0], &out->status))
        return WM_HTTP_HEAD_BAD;
    for (guint i = 1; lines[i] != NULL; i++) {
        if (lines[i][0] == ' ' || lines[i][0] == '\t' || !header(out, lines[i])) {
            wm_http_head_clear(out);
            return WM_HTTP_HEAD_BAD;
        }
    }
    out->head_len = (gsize)(end - buf) + 4;
    return WM_HTTP_HEAD_OK;
}

void
wm_http_head_clear(WmHttpHead *head)
{
    g_clear_pointer(&head->content_type, g_free);
}
