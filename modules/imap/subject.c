/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * subject.c - RFC 5256 2.1 base subject extraction for SORT and THREAD.
 *
 * The input is the decoded (UTF-8) subject.  Whitespace runs become one
 * space; then, repeatedly, trailing "(fwd)" and blanks go, leading
 * "Re:", "Fw:", "Fwd:" (with optional [blob]) and leading [blob]s go
 * (a blob only if something remains), and a "[fwd: ...]" wrapper is
 * unwrapped.  Anything removed marks the subject as a reply/forward.
 */
#include "autoconfig.h"

#include <string.h>

#include "sort.h"
#include "subject.h"

static char *
collapse_spaces(const char *subject)
{
    GString *out = g_string_new(NULL);
    gboolean was_space = FALSE;

    for (const char *p = subject; *p != '\0'; p++) {
        gboolean is_space = *p == ' ' || *p == '\t' || *p == '\r' || *p == '\n';
        if (is_space && !was_space)
            g_string_append_c(out, ' ');
        else if (!is_space)
            g_string_append_c(out, *p);
        was_space = is_space;
    }
    return g_string_free(out, FALSE);
}

/* Remove subj-trailer ("(fwd)" and blanks) from the end. */
static gboolean
strip_trailers(GString *s)
{
    gboolean removed = FALSE;

    for (;;) {
        if (s->len > 0 && s->str[s->len - 1] == ' ') {
            g_string_truncate(s, s->len - 1);
        } else if (s->len >= 5 && g_ascii_strcasecmp(s->str + s->len - 5, "(fwd)") == 0) {
            g_string_truncate(s, s->len - 5);
            removed = TRUE;
        } else {
            return removed;
        }
    }
}

/* Length of a subj-blob "[...]" plus its trailing blanks at p, or 0. */
static gsize
blob_len(const char *p)
{
    gsize n = 1;

    if (*p != '[')
        return 0;
    while (p[n] != '\0' && p[n] != '[' && p[n] != ']')
        n++;
    if (p[n] != ']')
        return 0;
    for (n++; p[n] == ' '; n++)
        ;
    return n;
}

/* Length of subj-refwd ("re" / "fw" / "fwd", blanks, [blob], ":") at p, or 0. */
static gsize
refwd_len(const char *p)
{
    gsize n;

    if (g_ascii_strncasecmp(p, "re", 2) == 0)
        n = 2;
    else if (g_ascii_strncasecmp(p, "fwd", 3) == 0)
        n = 3;
    else if (g_ascii_strncasecmp(p, "fw", 2) == 0)
        n = 2;
    else
        return 0;
    while (p[n] == ' ')
        n++;
    n += blob_len(p + n);
    return p[n] == ':' ? n + 1 : 0;
}

static gboolean
strip_leaders(GString *s)
{
    gboolean removed = FALSE, changed = TRUE;

    while (changed) {
        gsize n = 0;
        changed = FALSE;
        while (n < s->len && s->str[n] == ' ')
            n++;
        gsize r = refwd_len(s->str + n);
        gsize b = r == 0 ? blob_len(s->str + n) : 0;
        if (r > 0) {
            n += r;
            removed = changed = TRUE;
        } else if (b > 0 && s->str[n + b] != '\0') {
            n += b;
            changed = TRUE;
        }
        g_string_erase(s, 0, n);
    }
    return removed;
}

char *
imap_subject_base(const char *subject, gboolean *out_is_reply)
{
    g_autofree char *collapsed = collapse_spaces(subject != NULL ? subject : "");
    GString *s = g_string_new(collapsed);
    gboolean is_reply = FALSE;

    for (;;) {
        is_reply |= strip_trailers(s);
        is_reply |= strip_leaders(s);
        if (s->len >= 6 && g_ascii_strncasecmp(s->str, "[fwd:", 5) == 0 &&
            s->str[s->len - 1] == ']') {
            g_string_truncate(s, s->len - 1);
            g_string_erase(s, 0, 5);
            is_reply = TRUE;
            continue;
        }
        break;
    }
    if (out_is_reply != NULL)
        *out_is_reply = is_reply;
    return g_string_free(s, FALSE);
}

char *
imap_base_subject(const char *subject)
{
    return imap_subject_base(subject, NULL);
}
