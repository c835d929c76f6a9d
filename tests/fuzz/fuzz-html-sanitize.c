/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-html-sanitize.c - fuzz target: arbitrary bytes as a mail's HTML
 * through the webmail's sanitiser (libgumbo and the allow-list walk),
 * with remote images blocked and then allowed through a proxy rewrite.
 * The output must be valid UTF-8, free of "<script" and "javascript:",
 * and (images blocked) a fixed point of the sanitiser; anything else, a crash, a leak or undefined
 * behaviour is a bug.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "webmail/html-sanitize.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static char *
proxy(const char *url, gpointer data)
{
    return g_strdup_printf("/p?%zu", strlen(url));
}

static char *
cid(const char *id, gpointer data)
{
    /* Rewritten to itself, so the output stays a fixed point. */
    return id[0] == 'a' ? g_strconcat("cid:", id, NULL) : NULL;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    WmSanitizeOptions opts = {.rewrite_cid = cid, .rewrite_remote = proxy};
    GString *out, *again;

    if (size > 256 * 1024)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        opts.allow_remote = pass == 1;
        out = wm_html_sanitize((const char *)data, size, &opts);
        if (!g_utf8_validate(out->str, (gssize)out->len, NULL))
            abort();
        g_autofree char *lower = g_ascii_strdown(out->str, (gssize)out->len);
        if (strstr(lower, "<script") != NULL || strstr(lower, "javascript:") != NULL)
            abort();
        /* Blocked images leave nothing to rewrite: a fixed point. */
        if (pass == 0) {
            again = wm_html_sanitize(out->str, out->len, &opts);
            if (strcmp(again->str, out->str) != 0)
                abort();
            g_string_free(again, TRUE);
        }
        g_string_free(out, TRUE);
    }
    return 0;
}
