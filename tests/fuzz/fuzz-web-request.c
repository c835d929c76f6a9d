/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-web-request.c - fuzz target: the web server's request glue.
 *
 * libmicrohttpd parses HTTP; what Hermod adds on top is fuzzed here: the
 * first line of the input is a request target (split into path and query
 * and percent-decoded, NUL and bad escapes refused; an absolute-form one
 * split into authority and origin form), each further line a
 * "Name: value" header counted for the smuggling checks, and every value
 * is also tried as a Host header and a file name for the MIME table.
 * Refusals are expected; crashes, leaks, undefined behaviour, and a
 * decoded path that is not what was asked for are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "web/web-private.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
target(const char *line)
{
    char *path = NULL;
    char *query = NULL;

    if (hermod_web_split_target(line, &path, &query)) {
        g_assert(path != NULL && path[0] == '/');
        g_assert(strlen(path) <= strlen(line));
        g_assert(query == NULL || strchr(line, '?') != NULL);
    } else {
        g_assert(path == NULL && query == NULL);
    }
    g_free(path);
    g_free(query);
    if (hermod_web_absolute_target(line, &path, &query)) {
        g_assert(path[0] != '\0' && strchr(path, '@') == NULL && strchr(path, '/') == NULL);
        g_assert(query[0] == '/' && strlen(query) <= strlen(line));
    } else {
        g_assert(path == NULL && query == NULL);
    }
    g_free(path);
    g_free(query);
}

static void
header(WebHeaderCounts *counts, char *line)
{
    char *colon = strchr(line, ':');
    char *host;

    if (colon == NULL)
        return;
    *colon = '\0';
    hermod_web_count_header(counts, line, colon + 1);
    host = hermod_web_host_of(g_strstrip(colon + 1));
    g_assert(host == NULL || strlen(host) <= strlen(colon + 1));
    g_free(host);
    g_assert(hermod_web_mime_type(colon + 1) != NULL);
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    g_auto(GStrv) lines = g_strsplit(text, "\n", 200);
    WebHeaderCounts counts = {0};

    if (lines[0] == NULL)
        return 0;
    g_strchomp(lines[0]);
    target(lines[0]);
    for (guint i = 1; lines[i] != NULL; i++)
        header(&counts, g_strchomp(lines[i]));
    (void)hermod_web_check_counts(&counts, TRUE);
    (void)hermod_web_check_counts(&counts, FALSE);
    return 0;
}
