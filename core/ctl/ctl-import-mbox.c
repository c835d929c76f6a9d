/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-import-mbox.c - "hermodctl import mbox PATH ADDRESS [MAILBOX]": the
 * messages of one mbox file into MAILBOX (default INBOX).
 *
 * Splitting, dates, flags and keys are described in ctl-import-local.c's
 * header, beside the Maildir reader.  The file is mapped, not read, so a
 * mailbox of gigabytes costs no memory; each message is copied once, to
 * undo the ">From " escaping and drop the mbox bookkeeping headers.
 * Lines may end in LF or CRLF.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "ctl/ctl-import.h"
#include "ctl/ctl-util.h"
#include "ctl/ctl.h"
#include "store/store.h"

/* The date at the end of a From_ line: "Www Mmm dd hh:mm:ss yyyy" with an
 * optional zone after it; 0 if there is none. */
static int
month_of(const char *word)
{
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    for (guint i = 0; i < G_N_ELEMENTS(months); i++) {
        if (strcmp(word, months[i]) == 0)
            return (int)i + 1;
    }
    return 0;
}

/* "Mmm dd hh:mm:ss yyyy [zone]" starting at w[0]; 0 if it is not that. */
static gint64
asctime_at(char **w, guint n)
{
    int month = n >= 4 ? month_of(w[0]) : 0, day, year, h, m, s;
    const char *zone = n >= 5 && (w[4][0] == '+' || w[4][0] == '-') ? w[4] : "+0000";

    if (month == 0 || sscanf(w[1], "%d", &day) != 1 || sscanf(w[2], "%d:%d:%d", &h, &m, &s) != 3 ||
        sscanf(w[3], "%d", &year) != 1)
        return 0;
    g_autoptr(GTimeZone) tz = g_time_zone_new_identifier(zone);
    g_autoptr(GDateTime) dt = tz != NULL ? g_date_time_new(tz, year, month, day, h, m, s) : NULL;
    return dt != NULL ? g_date_time_to_unix(dt) : 0;
}

/* The date of a From_ line, "From SENDER Www Mmm dd hh:mm:ss yyyy", with
 * an optional zone after it; 0 if there is none. */
static gint64
from_line_date(const char *line, gsize len)
{
    g_autofree char *text = g_strndup(line, len);
    g_auto(GStrv) w = g_strsplit_set(g_strstrip(text), " \t", -1);
    g_autoptr(GPtrArray) words = g_ptr_array_new();
    gint64 t = 0;

    for (guint i = 0; w[i] != NULL; i++) {
        if (*w[i] != '\0')
            g_ptr_array_add(words, w[i]);
    }
    /* "From", the sender, the weekday, then the month. */
    for (guint i = 3; t == 0 && i < words->len; i++)
        t = asctime_at((char **)words->pdata + i, words->len - i);
    return t;
}

/* Whether the line at p (of len bytes, without its end) separates two
 * messages. */
static gboolean
is_from_line(const char *p, gsize len)
{
    return len > 5 && memcmp(p, "From ", 5) == 0 && from_line_date(p, len) != 0;
}

typedef struct {
    guint32 flags;
    GPtrArray *keywords;
} Meta;

static const char *const bookkeeping[] = {"status", "x-status",   "x-keywords",     "x-uid",
                                          "x-imap", "x-imapbase", "content-length", NULL};

/* A header line of the message's header: drop it if bookkeeping, reading
 * the flags it holds. */
static gboolean
is_bookkeeping(const char *line, gsize len, Meta *meta)
{
    const char *colon = memchr(line, ':', len);
    g_autofree char *name = colon != NULL ? g_ascii_strdown(line, colon - line) : NULL;
    g_autofree char *value = colon != NULL ? g_strndup(colon + 1, len - (colon + 1 - line)) : NULL;

    if (name == NULL || !g_strv_contains(bookkeeping, name))
        return FALSE;
    g_strstrip(value);
    if (strcmp(name, "status") == 0 && strchr(value, 'R') != NULL)
        meta->flags |= HERMOD_MAIL_FLAG_SEEN;
    if (strcmp(name, "x-status") == 0) {
        meta->flags |= strchr(value, 'A') != NULL ? HERMOD_MAIL_FLAG_ANSWERED : 0;
        meta->flags |= strchr(value, 'F') != NULL ? HERMOD_MAIL_FLAG_FLAGGED : 0;
        meta->flags |= strchr(value, 'T') != NULL ? HERMOD_MAIL_FLAG_DRAFT : 0;
        meta->flags |= strchr(value, 'D') != NULL ? HERMOD_MAIL_FLAG_DELETED : 0;
    }
    if (strcmp(name, "x-keywords") == 0) {
        g_auto(GStrv) words = g_strsplit_set(value, " ,", -1);
        for (guint i = 0; words[i] != NULL; i++) {
            if (*words[i] != '\0')
                g_ptr_array_add(meta->keywords, g_strdup(words[i]));
        }
    }
    return TRUE;
}

/* The message between the From_ line and the next one, unescaped and
 * without bookkeeping headers.  (transfer full) */
static GBytes *
unmbox(const char *p, gsize len, Meta *meta)
{
    GByteArray *out = g_byte_array_sized_new(len);
    gboolean in_header = TRUE;
    gsize pos = 0;

    while (pos < len) {
        const char *nl = memchr(p + pos, '\n', len - pos);
        gsize line_len = nl != NULL ? (gsize)(nl - (p + pos)) + 1 : len - pos;
        const char *line = p + pos;
        gsize text_len = line_len - (nl != NULL) - (line_len > 1 && nl != NULL && nl[-1] == '\r');

        pos += line_len;
        if (in_header && text_len == 0)
            in_header = FALSE;
        if (in_header && line[0] != ' ' && line[0] != '\t' &&
            is_bookkeeping(line, text_len, meta)) {
            /* and its continuation lines */
            while (pos < len && (p[pos] == ' ' || p[pos] == '\t')) {
                const char *next = memchr(p + pos, '\n', len - pos);
                pos = next != NULL ? (gsize)(next - p) + 1 : len;
            }
            continue;
        }
        gsize gt = 0;
        while (gt < text_len && line[gt] == '>')
            gt++;
        if (gt > 0 && text_len - gt >= 5 && memcmp(line + gt, "From ", 5) == 0) {
            line++; /* mboxrd: one '>' less */
            line_len--;
        }
        g_byte_array_append(out, (const guint8 *)line, (guint)line_len);
    }
    return g_byte_array_free_to_bytes(out);
}

/* Offsets of the From_ lines of the whole file, in order. */
static GArray *
find_messages(const char *p, gsize len)
{
    GArray *starts = g_array_new(FALSE, FALSE, sizeof(gsize));
    gsize pos = 0;

    while (pos < len) {
        const char *nl = memchr(p + pos, '\n', len - pos);
        gsize end = nl != NULL ? (gsize)(nl - p) : len;
        gsize text = end - pos - (end > pos && p[end - 1] == '\r');

        if (is_from_line(p + pos, text))
            g_array_append_val(starts, pos);
        pos = end + 1;
    }
    return starts;
}

/* Message i: from after its From_ line to before the blank line that
 * precedes the next one. */
static void
message_span(const char *p, gsize len, GArray *starts, guint i, gsize *out_from, gsize *out_to)
{
    gsize from = g_array_index(starts, gsize, i);
    gsize to = i + 1 < starts->len ? g_array_index(starts, gsize, i + 1) : len;
    const char *nl = memchr(p + from, '\n', to - from);

    from = nl != NULL ? (gsize)(nl - p) + 1 : to;
    if (i + 1 < starts->len) {
        if (to >= from + 2 && p[to - 1] == '\n' && p[to - 2] == '\r')
            to -= 2;
        else if (to >= from + 1 && p[to - 1] == '\n')
            to -= 1;
    }
    *out_from = from;
    *out_to = to;
}

static gboolean
import_one(HermodImport *imp, const char *p, gsize len, GArray *starts, guint i,
           const char *mailbox, GError **error)
{
    gsize from, to;
    gsize start = g_array_index(starts, gsize, i);
    const char *eol = memchr(p + start, '\n', len - start);
    gint64 date = from_line_date(p + start, eol != NULL ? (gsize)(eol - p) - start : len - start);
    g_autofree char *digest = NULL;
    g_autofree char *key = NULL;

    message_span(p, len, starts, i, &from, &to);
    digest = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)p + from, to - from);
    key = g_strdup_printf("%u:%s", i, digest);
    if (hermod_import_has(imp, key)) {
        hermod_import_skip(imp, to - from);
        return TRUE;
    }
    Meta meta = {0, g_ptr_array_new_with_free_func(g_free)};
    g_autoptr(GBytes) data = unmbox(p + from, to - from, &meta);
    g_ptr_array_add(meta.keywords, NULL);
    HermodImportMessage m = {
        mailbox, key, data, meta.flags, (const char *const *)meta.keywords->pdata, date};
    gboolean ok = hermod_import_add(imp, &m, error);
    g_ptr_array_unref(meta.keywords);
    return ok;
}

int
hermod_ctl_import_mbox(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    g_autofree char *path = NULL;
    g_autofree char *source = NULL;
    g_autoptr(GMappedFile) file = NULL;
    g_autoptr(GArray) starts = NULL;
    const char *mailbox = argc == 4 ? argv[3] : "INBOX";
    HermodImport *imp;

    if (argc != 3 && argc != 4)
        return hermod_ctl_usage("import", "mbox", "PATH ADDRESS [MAILBOX]");
    path = g_canonicalize_filename(argv[1], NULL);
    file = g_mapped_file_new(path, FALSE, &error);
    if (file == NULL)
        return hermod_ctl_report(error);
    const char *p = g_mapped_file_get_contents(file);
    gsize len = g_mapped_file_get_length(file);
    starts = find_messages(p, len);
    source = g_strconcat("mbox:", path, NULL);
    imp = hermod_import_new(cfg, argv[2], source, &error);
    if (imp == NULL)
        return hermod_ctl_report(error);
    hermod_import_set_totals(imp, starts->len, len);
    for (guint i = 0; i < starts->len && !hermod_import_is_stopped(imp); i++) {
        g_autoptr(GError) one = NULL;
        if (import_one(imp, p, len, starts, i, mailbox, &one))
            continue;
        if (g_error_matches(one, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA)) {
            error = g_steal_pointer(&one);
            break;
        }
        fprintf(stderr, "\nhermodctl: %s: message %u: %s\n", path, i + 1, one->message);
    }
    return hermod_import_finish(imp, error);
}
