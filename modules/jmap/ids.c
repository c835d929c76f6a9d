/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ids.c - how JMAP ids, states, dates and keywords look on the wire.
 *
 * Object ids are a type letter and the store's number ("M12" a
 * mailbox, "E345" an email, "T67" a thread, "I1" an identity, "S8" a
 * submission): a letter keeps an email id from being taken for a
 * mailbox's.  The account id is derived from the address (a hash, so
 * that it says nothing and never changes).  States are "s" and the
 * change log's sequence number.  Keywords map to IMAP flags for the
 * four system ones ($seen is \Seen, ...) and are IMAP keywords
 * otherwise, lower-cased on output (both are case-insensitive).
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap.h"

char *
jmap_account_id(const char *account)
{
    g_autofree char *lower = g_ascii_strdown(account, -1);
    g_autofree char *hex = g_compute_checksum_for_string(G_CHECKSUM_SHA256, lower, -1);

    return g_strdup_printf("a%.16s", hex);
}

char *
jmap_id(char prefix, guint64 n)
{
    return g_strdup_printf("%c%" G_GUINT64_FORMAT, prefix, n);
}

static guint64
parse_number(const char *p)
{
    char *end = NULL;
    guint64 n;

    if (!g_ascii_isdigit(p[0]) || (p[0] == '0') || strlen(p) > 19)
        return 0;
    n = g_ascii_strtoull(p, &end, 10);
    return *end == '\0' ? n : 0;
}

guint64
jmap_id_parse(char prefix, const char *id)
{
    if (id == NULL || id[0] != prefix)
        return 0;
    return parse_number(id + 1);
}

char *
jmap_state(guint64 seq)
{
    return g_strdup_printf("s%" G_GUINT64_FORMAT, seq);
}

gboolean
jmap_state_parse(const char *state, guint64 *out)
{
    if (state == NULL || state[0] != 's')
        return FALSE;
    if (strcmp(state, "s0") == 0) {
        *out = 0;
        return TRUE;
    }
    *out = parse_number(state + 1);
    return *out != 0;
}

char *
jmap_utc_date(gint64 t)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

    if (dt == NULL)
        return g_strdup("1970-01-01T00:00:00Z");
    return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
}

gboolean
jmap_parse_date(const char *text, gint64 *out)
{
    g_autoptr(GDateTime) dt = NULL;

    if (text == NULL || strlen(text) < 20 || text[10] != 'T')
        return FALSE;
    dt = g_date_time_new_from_iso8601(text, NULL);
    if (dt == NULL)
        return FALSE;
    *out = g_date_time_to_unix(dt);
    return TRUE;
}

static const struct {
    const char *keyword;
    guint32 flag;
} system_flags[] = {
    {"$seen", HERMOD_MAIL_FLAG_SEEN},
    {"$flagged", HERMOD_MAIL_FLAG_FLAGGED},
    {"$answered", HERMOD_MAIL_FLAG_ANSWERED},
    {"$draft", HERMOD_MAIL_FLAG_DRAFT},
};

guint32
jmap_keyword_flag(const char *keyword)
{
    for (gsize i = 0; i < G_N_ELEMENTS(system_flags); i++) {
        if (g_ascii_strcasecmp(keyword, system_flags[i].keyword) == 0)
            return system_flags[i].flag;
    }
    return 0;
}

gboolean
jmap_keyword_valid(const char *keyword)
{
    gsize n = strlen(keyword);

    if (n == 0 || n > 255)
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        guchar c = (guchar)keyword[i];
        if (c < 0x21 || c > 0x7e || strchr("(){]%*\"\\", c) != NULL)
            return FALSE;
    }
    return TRUE;
}
