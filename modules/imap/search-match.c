/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * search-match.c - evaluate a SEARCH key tree over a mailbox's messages.
 *
 * Flags, sizes, dates, sets and MODSEQ come from HermodMsgInfo; header keys
 * match case-insensitively (g_utf8_casefold) on GMime-decoded values;
 * SENT* use the Date header (the internal date when it has none or it
 * cannot be parsed); BEFORE/ON/SINCE the internal date's UTC day.
 * BODY/TEXT ask the store's full-text index (HermodMailApi.search_text,
 * word matching) when the core has it, else decode the text parts
 * (transfer encoding, charset to UTF-8) and look for the substring.
 * Messages are opened only when a key needs their contents; header values
 * decoded once are kept by search-cache.c for the next SEARCH.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>
#include <string.h>

#include "binary.h"
#include "search-cache.h"
#include "search-key.h"

typedef struct {
    const ImapMailboxEnv *env;
    GPtrArray *msgs;
    GArray *previous;
    const HermodMsgInfo *msg;
    guint32 seq;
    ImapMsgData d;
    gboolean failed;
    GError *error;
} Match;

static gboolean match_key(Match *m, ImapSearchKey *key);

static gboolean
folded_contains(const char *text, const char *needle)
{
    if (*needle == '\0')
        return TRUE;
    g_autofree char *valid = g_utf8_make_valid(text, -1);
    g_autofree char *folded = g_utf8_casefold(valid, -1);
    return strstr(folded, needle) != NULL;
}

static gboolean
load(Match *m)
{
    if (m->failed)
        return FALSE;
    if (imap_msg_data_load(&m->d, m->env, m->msg, &m->error))
        return TRUE;
    m->failed = TRUE;
    return FALSE;
}

/* Through search-cache.c; on a miss only the file is mapped (no tree). */
static gboolean
match_header(Match *m, ImapSearchKey *key)
{
    ImapCacheAnswer answer = imap_search_cache_match(key->cached, m->msg->uid, key->str);

    if (answer != IMAP_CACHE_UNKNOWN)
        return answer == IMAP_CACHE_YES;
    if (m->failed)
        return FALSE;
    if (!imap_msg_data_map(&m->d, m->env, m->msg, &m->error)) {
        m->failed = TRUE;
        return FALSE;
    }
    return imap_search_cache_fill(m->env, m->msg->uid, m->d.data, m->d.len, key->name, key->str) ==
           IMAP_CACHE_YES;
}

static gint64
utc_day(gint64 when)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(when);
    GDate date;

    if (dt == NULL)
        return 0;
    g_date_clear(&date, 1);
    g_date_set_dmy(&date, g_date_time_get_day_of_month(dt), g_date_time_get_month(dt),
                   g_date_time_get_year(dt));
    return g_date_get_julian(&date);
}

/* The Date header's day as written (its own zone), else the internal date's. */
static gint64
sent_day(Match *m)
{
    if (!load(m))
        return 0;
    g_autofree char *value = imap_mime_header(m->d.data, m->d.root->start, m->d.root->body, "Date");
    g_autoptr(GDateTime) dt = value != NULL ? g_mime_utils_header_decode_date(value) : NULL;
    GDate date;

    if (dt == NULL)
        return utc_day(m->msg->internal_date);
    g_date_clear(&date, 1);
    g_date_set_dmy(&date, g_date_time_get_day_of_month(dt), g_date_time_get_month(dt),
                   g_date_time_get_year(dt));
    return g_date_get_julian(&date);
}

static gboolean
match_day(ImapSearchKind kind, gint64 day, gint64 want)
{
    switch (kind) {
    case SK_BEFORE:
    case SK_SENTBEFORE:
        return day < want;
    case SK_ON:
    case SK_SENTON:
        return day == want;
    default:
        return day >= want;
    }
}

/* A text part decoded to UTF-8, appended to text. */
static void
append_part_text(Match *m, const ImapMimePart *part, GString *text)
{
    g_autoptr(GBytes) raw = imap_binary_decode(m->d.bytes, part, NULL);
    const char *charset = NULL;

    if (raw == NULL)
        return;
    for (guint i = 0; i + 1 < part->params->len; i += 2) {
        if (g_ascii_strcasecmp(part->params->pdata[i], "charset") == 0)
            charset = part->params->pdata[i + 1];
    }
    gsize len = 0;
    const char *p = g_bytes_get_data(raw, &len);
    g_autofree char *utf8 = NULL;
    if (charset != NULL && g_ascii_strcasecmp(charset, "utf-8") != 0 &&
        g_ascii_strcasecmp(charset, "us-ascii") != 0)
        utf8 = g_convert_with_fallback(p, len, "UTF-8", charset, "?", NULL, NULL, NULL);
    if (utf8 != NULL)
        g_string_append(text, utf8);
    else if (p != NULL)
        g_string_append_len(text, p, len);
    g_string_append_c(text, '\n');
}

static void
collect_text(Match *m, const ImapMimePart *part, GString *text, guint depth)
{
    if (depth > 32)
        return;
    if (part->children != NULL) {
        for (guint i = 0; i < part->children->len; i++)
            collect_text(m, part->children->pdata[i], text, depth + 1);
    } else if (part->message != NULL) {
        g_autofree char *hdr =
            g_strndup(m->d.data + part->message->start, part->message->body - part->message->start);
        g_autofree char *dec = g_mime_utils_header_decode_text(NULL, hdr);
        g_string_append(text, dec != NULL ? dec : hdr);
        collect_text(m, part->message, text, depth + 1);
    } else if (imap_mime_is(part, "text", NULL)) {
        append_part_text(m, part, text);
    }
}

static gboolean
match_text(Match *m, ImapSearchKey *key)
{
    if (key->fts != NULL) {
        guint lo = 0, hi = key->fts->len;
        while (lo < hi) {
            guint mid = (lo + hi) / 2;
            guint32 uid = g_array_index(key->fts, guint32, mid);
            if (uid == m->msg->uid)
                return TRUE;
            if (uid < m->msg->uid)
                lo = mid + 1;
            else
                hi = mid;
        }
        return FALSE;
    }
    if (!load(m))
        return FALSE;
    g_autoptr(GString) text = g_string_new(NULL);
    if (key->kind == SK_TEXT) {
        g_autofree char *hdr = g_strndup(m->d.data, m->d.root->body);
        g_autofree char *dec = g_mime_utils_header_decode_text(NULL, hdr);
        g_string_append(text, dec != NULL ? dec : hdr);
    }
    collect_text(m, m->d.root, text, 0);
    return folded_contains(text->str, key->str);
}

static gboolean
has_keyword(const HermodMsgInfo *msg, const char *keyword)
{
    for (guint i = 0; msg->keywords != NULL && msg->keywords[i] != NULL; i++) {
        if (g_ascii_strcasecmp(msg->keywords[i], keyword) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
match_logic(Match *m, ImapSearchKey *key)
{
    switch (key->kind) {
    case SK_AND:
        for (guint i = 0; i < key->subs->len; i++) {
            if (!match_key(m, key->subs->pdata[i]))
                return FALSE;
        }
        return TRUE;
    case SK_OR:
        return match_key(m, key->subs->pdata[0]) || match_key(m, key->subs->pdata[1]);
    default:
        return !match_key(m, key->subs->pdata[0]);
    }
}

static gboolean
match_key(Match *m, ImapSearchKey *key)
{
    switch (key->kind) {
    case SK_AND:
    case SK_OR:
    case SK_NOT:
        return match_logic(m, key);
    case SK_SEQ:
        return imap_seqset_contains(key->resolved, m->seq);
    case SK_UID:
    case SK_SAVED:
        return imap_seqset_contains(key->resolved, m->msg->uid);
    case SK_FLAG:
        return (m->msg->flags & key->num) != 0;
    case SK_KEYWORD:
        return has_keyword(m->msg, key->str);
    case SK_NONE:
        return FALSE;
    case SK_LARGER:
        return m->msg->size > key->num;
    case SK_SMALLER:
        return m->msg->size < key->num;
    case SK_BEFORE:
    case SK_ON:
    case SK_SINCE:
        return match_day(key->kind, utc_day(m->msg->internal_date), key->day);
    case SK_SENTBEFORE:
    case SK_SENTON:
    case SK_SENTSINCE:
        return match_day(key->kind, sent_day(m), key->day);
    case SK_HEADER:
        return match_header(m, key);
    case SK_BODY:
    case SK_TEXT:
        return match_text(m, key);
    case SK_MODSEQ:
        return m->msg->modseq >= key->num;
    }
    return FALSE;
}

static GArray *
ranges_of(GArray *uids)
{
    GArray *ranges = g_array_new(FALSE, FALSE, sizeof(ImapSeqRange));

    for (guint i = 0; uids != NULL && i < uids->len; i++) {
        guint32 uid = g_array_index(uids, guint32, i);
        ImapSeqRange r = {uid, uid};
        g_array_append_val(ranges, r);
    }
    return ranges;
}

/* Resolve sets and ask the full-text index, once per run. */
static void
prepare(Match *m, ImapSearchKey *key)
{
    const HermodMailApi *mail = imap_mail_api(m->env);
    guint32 max_uid =
        m->msgs->len > 0 ? ((HermodMsgInfo *)m->msgs->pdata[m->msgs->len - 1])->uid : 0;

    for (guint i = 0; key->subs != NULL && i < key->subs->len; i++)
        prepare(m, key->subs->pdata[i]);
    g_clear_pointer(&key->resolved, g_array_unref);
    g_clear_pointer(&key->fts, g_array_unref);
    g_clear_pointer(&key->cached, imap_search_cache_field_unref);
    if (key->kind == SK_HEADER)
        key->cached = imap_search_cache_field(m->env, key->name);
    else if (key->kind == SK_SEQ)
        key->resolved = imap_seqset_resolve(key->set, m->msgs->len);
    else if (key->kind == SK_UID)
        key->resolved = imap_seqset_resolve(key->set, max_uid);
    else if (key->kind == SK_SAVED)
        key->resolved = ranges_of(m->previous);
    else if ((key->kind == SK_BODY || key->kind == SK_TEXT) && mail != NULL &&
             HERMOD_MAIL_API_HAS(mail, search_text) && mail->search_text != NULL) {
        /* Failure here is not fatal: the decoding path still answers. */
        key->fts = mail->search_text(m->env->store, m->env->mailbox,
                                     key->kind == SK_BODY ? "body" : "text", key->str, NULL);
    }
}

GArray *
imap_search_program_run(const ImapMailboxEnv *env, ImapSearchProgram *prog, GPtrArray *msgs,
                        GArray *previous, GError **error)
{
    Match m = {.env = env, .msgs = msgs, .previous = previous};
    GArray *hits = g_array_new(FALSE, FALSE, sizeof(guint));

    prepare(&m, prog->root);
    for (guint i = 0; i < msgs->len; i++) {
        m.msg = msgs->pdata[i];
        m.seq = i + 1;
        gboolean hit = match_key(&m, prog->root);
        imap_msg_data_clear(&m.d);
        if (m.failed) {
            g_propagate_error(error, m.error);
            g_array_unref(hits);
            return NULL;
        }
        if (hit)
            g_array_append_val(hits, i);
    }
    return hits;
}
