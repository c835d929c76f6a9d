/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fetch.c - write one message's FETCH response (RFC 9051 7.5.2).
 *
 * The response is a list of GBytes chunks: the small items are gathered
 * in a GString; message contents are zero-copy slices of the mapped file
 * (g_bytes_new_from_bytes), so a large body is never copied.  The message
 * is mapped, and its MIME tree built, only when an item needs them (the
 * whole message, BODY[] or BINARY[], needs no tree); ENVELOPE
 * and BODYSTRUCTURE first ask the store's parse cache ("envelope",
 * "bodystructure") and fill it after building.
 */
#include "autoconfig.h"

#include <string.h>

#include "binary.h"
#include "bodystructure.h"
#include "envelope.h"
#include "fetch-item.h"
#include "msgdata.h"

typedef struct {
    const ImapMailboxEnv *env;
    const HermodMsgInfo *msg;
    GPtrArray *out;
    GString *buf;
    ImapMsgData d;
} Fetch;

static void
flush(Fetch *f)
{
    if (f->buf->len > 0) {
        g_ptr_array_add(f->out, g_bytes_new(f->buf->str, f->buf->len));
        g_string_truncate(f->buf, 0);
    }
}

static gboolean
load_tree(Fetch *f, GError **error)
{
    return imap_msg_data_load(&f->d, f->env, f->msg, error);
}

static void
append_flags(Fetch *f)
{
    static const struct {
        guint32 bit;
        const char *name;
    } flags[] = {{HERMOD_MAIL_FLAG_SEEN, "\\Seen"},
                 {HERMOD_MAIL_FLAG_ANSWERED, "\\Answered"},
                 {HERMOD_MAIL_FLAG_FLAGGED, "\\Flagged"},
                 {HERMOD_MAIL_FLAG_DELETED, "\\Deleted"},
                 {HERMOD_MAIL_FLAG_DRAFT, "\\Draft"}};

    g_string_append(f->buf, "FLAGS (");
    for (guint i = 0; i < G_N_ELEMENTS(flags); i++) {
        if (f->msg->flags & flags[i].bit)
            g_string_append_printf(f->buf, "%s ", flags[i].name);
    }
    for (guint i = 0; f->msg->keywords != NULL && f->msg->keywords[i] != NULL; i++)
        g_string_append_printf(f->buf, "%s ", f->msg->keywords[i]);
    if (f->buf->str[f->buf->len - 1] == ' ')
        g_string_truncate(f->buf, f->buf->len - 1);
    g_string_append_c(f->buf, ')');
}

static void
append_internaldate(Fetch *f)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(f->msg->internal_date);
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

    if (dt == NULL)
        dt = g_date_time_new_from_unix_utc(0);
    g_string_append_printf(f->buf, "INTERNALDATE \"%02d-%s-%04d %02d:%02d:%02d +0000\"",
                           g_date_time_get_day_of_month(dt), months[g_date_time_get_month(dt) - 1],
                           g_date_time_get_year(dt), g_date_time_get_hour(dt),
                           g_date_time_get_minute(dt), g_date_time_get_second(dt));
}

/* ENVELOPE or BODYSTRUCTURE through the store's parse cache. */
static gboolean
append_cached(Fetch *f, const char *field, gboolean is_envelope, GError **error)
{
    const HermodMailApi *mail = imap_mail_api(f->env);
    g_autofree char *value =
        mail != NULL ? mail->cache_get(f->env->store, f->env->mailbox, f->msg->uid, field) : NULL;

    if (value == NULL) {
        if (!load_tree(f, error))
            return FALSE;
        GString *s = g_string_new(NULL);
        if (is_envelope)
            imap_envelope_append(s, f->d.data, f->d.root);
        else
            imap_bodystructure_append(s, f->d.data, f->d.root, TRUE);
        value = g_string_free(s, FALSE);
        if (mail != NULL)
            mail->cache_set(f->env->store, f->env->mailbox, f->msg->uid, field, value);
    }
    g_string_append_printf(f->buf, "%s %s", is_envelope ? "ENVELOPE" : "BODYSTRUCTURE", value);
    return TRUE;
}

/* Write content as a literal (literal8 "~{n}" when is_binary and it has a
 * NUL), as a zero-copy chunk. */
static void
append_literal(Fetch *f, GBytes *content, gboolean is_binary)
{
    gsize n = 0;
    const char *p = g_bytes_get_data(content, &n);
    gboolean has_nul = n > 0 && memchr(p, '\0', n) != NULL;

    g_string_append_printf(f->buf, "%s{%" G_GSIZE_FORMAT "}\r\n", is_binary && has_nul ? "~" : "",
                           n);
    flush(f);
    if (n > 0)
        g_ptr_array_add(f->out, g_bytes_ref(content));
}

static GBytes *
apply_partial(const ImapFetchItem *item, GBytes *content)
{
    gsize n = g_bytes_get_size(content);

    if (!item->has_partial)
        return g_bytes_ref(content);
    gsize start = MIN(item->partial_start, n);
    gsize len = MIN(item->partial_len, n - start);
    return g_bytes_new_from_bytes(content, start, len);
}

static void
append_label(Fetch *f, const ImapFetchItem *item)
{
    const char *name = item->kind == IMAP_FETCH_SECTION  ? "BODY"
                       : item->kind == IMAP_FETCH_BINARY ? "BINARY"
                                                         : "BINARY.SIZE";
    g_string_append_printf(f->buf, "%s[%s]", name, item->section->text);
    if (item->has_partial)
        g_string_append_printf(f->buf, "<%" G_GUINT64_FORMAT ">", item->partial_start);
    g_string_append_c(f->buf, ' ');
}

/* The raw content of a BODY[] section, or NULL when it does not exist. */
static GBytes *
section_content(Fetch *f, const ImapSection *section)
{
    gsize start = 0, end = 0;
    GBytes *built = NULL;

    if (!imap_section_extract(f->d.data, f->d.len, f->d.root, section, &start, &end, &built))
        return NULL;
    return built != NULL ? built : g_bytes_new_from_bytes(f->d.bytes, start, end - start);
}

/* BODY[], BINARY[] and BINARY.SIZE[]: the whole file, no MIME tree needed. */
static gboolean
is_whole_message(const ImapFetchItem *item)
{
    return item->section->parts->len == 0 &&
           (item->kind != IMAP_FETCH_SECTION || item->section->kind == IMAP_SECTION_BODY);
}

static gboolean
append_section(Fetch *f, const ImapFetchItem *item, GError **error)
{
    g_autoptr(GBytes) content = NULL;
    gboolean is_whole = is_whole_message(item);

    if (!(is_whole ? imap_msg_data_map(&f->d, f->env, f->msg, error) : load_tree(f, error)))
        return FALSE;
    append_label(f, item);
    if (is_whole) {
        content = g_bytes_ref(f->d.bytes);
    } else if (item->kind == IMAP_FETCH_SECTION) {
        content = section_content(f, item->section);
    } else {
        const ImapMimePart *part = imap_section_find_part(f->d.root, item->section);
        if (part != NULL && item->section->parts->len == 0)
            content = g_bytes_ref(f->d.bytes);
        else if (part != NULL && (content = imap_binary_decode(f->d.bytes, part, error)) == NULL)
            return FALSE;
    }
    if (content == NULL) {
        g_string_append(f->buf, "NIL");
    } else if (item->kind == IMAP_FETCH_BINARY_SIZE) {
        g_string_truncate(f->buf, f->buf->len - 1);
        g_string_append_printf(f->buf, " %" G_GSIZE_FORMAT, g_bytes_get_size(content));
    } else {
        g_autoptr(GBytes) part = apply_partial(item, content);
        append_literal(f, part, item->kind == IMAP_FETCH_BINARY);
    }
    return TRUE;
}

/* RFC822, RFC822.HEADER, RFC822.TEXT (rev1 names). */
static gboolean
append_rfc822(Fetch *f, ImapFetchKind kind, GError **error)
{
    if (!load_tree(f, error))
        return FALSE;
    gsize start = kind == IMAP_FETCH_RFC822_TEXT ? f->d.root->body : 0;
    gsize end = kind == IMAP_FETCH_RFC822_HEADER ? f->d.root->body : f->d.len;
    g_autoptr(GBytes) content = g_bytes_new_from_bytes(f->d.bytes, start, end - start);

    g_string_append(f->buf, kind == IMAP_FETCH_RFC822          ? "RFC822 "
                            : kind == IMAP_FETCH_RFC822_HEADER ? "RFC822.HEADER "
                                                               : "RFC822.TEXT ");
    append_literal(f, content, FALSE);
    return TRUE;
}

static gboolean
append_body(Fetch *f, GError **error)
{
    if (!load_tree(f, error))
        return FALSE;
    g_string_append(f->buf, "BODY ");
    imap_bodystructure_append(f->buf, f->d.data, f->d.root, FALSE);
    return TRUE;
}

static gboolean
append_item(Fetch *f, const ImapFetchItem *item, GError **error)
{
    switch (item->kind) {
    case IMAP_FETCH_UID:
        return TRUE; /* written first */
    case IMAP_FETCH_FLAGS:
        append_flags(f);
        return TRUE;
    case IMAP_FETCH_INTERNALDATE:
        append_internaldate(f);
        return TRUE;
    case IMAP_FETCH_SIZE:
        g_string_append_printf(f->buf, "RFC822.SIZE %" G_GUINT64_FORMAT, f->msg->size);
        return TRUE;
    case IMAP_FETCH_MODSEQ:
        g_string_append_printf(f->buf, "MODSEQ (%" G_GUINT64_FORMAT ")", f->msg->modseq);
        return TRUE;
    case IMAP_FETCH_ENVELOPE:
        return append_cached(f, "envelope", TRUE, error);
    case IMAP_FETCH_BODYSTRUCTURE:
        return append_cached(f, "bodystructure", FALSE, error);
    case IMAP_FETCH_BODY:
        return append_body(f, error);
    case IMAP_FETCH_RFC822:
    case IMAP_FETCH_RFC822_HEADER:
    case IMAP_FETCH_RFC822_TEXT:
        return append_rfc822(f, item->kind, error);
    default:
        return append_section(f, item, error);
    }
}

static void
separate(Fetch *f, gboolean *first)
{
    if (!*first)
        g_string_append_c(f->buf, ' ');
    *first = FALSE;
}

static gboolean
append_items(Fetch *f, const ImapFetchSpec *spec, gboolean is_uid, GError **error)
{
    gboolean first = TRUE;
    gboolean wants_uid = is_uid;

    for (guint i = 0; i < spec->items->len; i++)
        wants_uid |= ((ImapFetchItem *)spec->items->pdata[i])->kind == IMAP_FETCH_UID;
    if (wants_uid) {
        separate(f, &first);
        g_string_append_printf(f->buf, "UID %u", f->msg->uid);
    }
    for (guint i = 0; i < spec->items->len; i++) {
        const ImapFetchItem *item = spec->items->pdata[i];
        if (item->kind == IMAP_FETCH_UID)
            continue;
        separate(f, &first);
        if (!append_item(f, item, error))
            return FALSE;
    }
    if (spec->sets_seen && !spec->has_flags) {
        separate(f, &first);
        append_flags(f);
    }
    if ((f->env->is_condstore || spec->changedsince > 0) && !spec->has_modseq) {
        separate(f, &first);
        g_string_append_printf(f->buf, "MODSEQ (%" G_GUINT64_FORMAT ")", f->msg->modseq);
    }
    return TRUE;
}

gboolean
imap_fetch_message(const ImapMailboxEnv *env, const ImapFetchSpec *spec, guint32 seq,
                   const HermodMsgInfo *msg, GPtrArray *out, GError **error)
{
    Fetch f = {.env = env, .msg = msg, .out = out, .buf = g_string_new(NULL)};
    guint mark = out->len;
    gboolean ok;

    g_string_printf(f.buf, "* %u FETCH (", seq);
    ok = append_items(&f, spec, spec->is_uid, error);
    if (ok) {
        g_string_append(f.buf, ")\r\n");
        flush(&f);
    } else {
        g_ptr_array_set_size(out, mark); /* no half response */
    }
    g_string_free(f.buf, TRUE);
    imap_msg_data_clear(&f.d);
    return ok;
}
