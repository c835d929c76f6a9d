/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * config-value.c - check and convert the text of one setting.
 *
 * Knows the value syntax of every HermodSettingType: integers, sizes with
 * K/M/G (binary multiples), durations with s/m/h/d (in seconds), booleans,
 * ports, enumerations and ';'-separated lists.  It says why a value is bad
 * in a short sentence; config.c adds file, section and key.  It knows
 * nothing about files, sections or defaults.
 *
 * PORT accepts 1..65535, or [min, max] when the row gives a range (a
 * listener table may allow 0, "any free port", for tests).
 */
#include "autoconfig.h"

#include <string.h>

#include "config/config-value.h"

static gboolean
has_range(const HermodSetting *row)
{
    return row->min != row->max;
}

/* Decimal digits only, no sign, no blanks; FALSE on overflow. */
static gboolean
parse_digits(const char *text, gsize len, guint64 *out)
{
    guint64 v = 0;

    if (len == 0)
        return FALSE;
    for (gsize i = 0; i < len; i++) {
        if (!g_ascii_isdigit(text[i]))
            return FALSE;
        guint d = (guint)(text[i] - '0');
        if (v > ((guint64)G_MAXINT64 - d) / 10)
            return FALSE;
        v = v * 10 + d;
    }
    *out = v;
    return TRUE;
}

static gboolean
parse_int(const char *text, gint64 *out)
{
    guint64 v;
    gboolean negative = text[0] == '-';
    const char *digits = negative ? text + 1 : text;

    if (!parse_digits(digits, strlen(digits), &v))
        return FALSE;
    *out = negative ? -(gint64)v : (gint64)v;
    return TRUE;
}

static guint64
suffix_factor(char c, gboolean is_size)
{
    switch (g_ascii_tolower(c)) {
    case 'k':
        return is_size ? 1024 : 0;
    case 'm':
        return is_size ? 1024 * 1024 : 60;
    case 'g':
        return is_size ? 1024 * 1024 * 1024 : 0;
    case 's':
        return is_size ? 0 : 1;
    case 'h':
        return is_size ? 0 : 3600;
    case 'd':
        return is_size ? 0 : 86400;
    default:
        return 0;
    }
}

/* "10", "10K", "2h": digits and an optional one-letter unit. */
static gboolean
parse_scaled(const char *text, gboolean is_size, gint64 *out)
{
    gsize len = strlen(text);
    guint64 factor = 1;
    guint64 v;

    if (len > 0 && !g_ascii_isdigit(text[len - 1])) {
        factor = suffix_factor(text[len - 1], is_size);
        if (factor == 0)
            return FALSE;
        len--;
    }
    if (!parse_digits(text, len, &v) || v > (guint64)G_MAXINT64 / factor)
        return FALSE;
    *out = (gint64)(v * factor);
    return TRUE;
}

static gboolean
parse_bool(const char *text, gint64 *out)
{
    static const char *const yes[] = {"yes", "true", "1", "on", NULL};
    static const char *const no[] = {"no", "false", "0", "off", NULL};

    for (guint i = 0; yes[i] != NULL; i++) {
        if (g_ascii_strcasecmp(text, yes[i]) == 0) {
            *out = 1;
            return TRUE;
        }
        if (g_ascii_strcasecmp(text, no[i]) == 0) {
            *out = 0;
            return TRUE;
        }
    }
    return FALSE;
}

static const char *
find_choice(const HermodSetting *row, const char *text)
{
    for (guint i = 0; row->choices != NULL && row->choices[i] != NULL; i++) {
        if (g_ascii_strcasecmp(text, row->choices[i]) == 0)
            return row->choices[i];
    }
    return NULL;
}

static char *
enum_reason(const HermodSetting *row, const char *text)
{
    g_autofree char *all = NULL;

    all = row->choices != NULL ? g_strjoinv(", ", (char **)row->choices) : g_strdup("");
    return g_strdup_printf("%s is not one of: %s", text, all);
}

static char *
check_range(const HermodSetting *row, const char *text, gint64 v)
{
    if (row->type == HERMOD_SETTING_PORT) {
        gint64 lo = has_range(row) ? row->min : 1;
        gint64 hi = has_range(row) ? row->max : 65535;
        if (v < lo || v > hi)
            return g_strdup_printf("%s is not a port (%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT ")",
                                   text, lo, hi);
        return NULL;
    }
    if (has_range(row) && (v < row->min || v > row->max))
        return g_strdup_printf("%s is out of range (%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT ")",
                               text, row->min, row->max);
    return NULL;
}

/* The number of a numeric type, or a reason.  (transfer full) */
static char *
parse_number(const HermodSetting *row, const char *text, gint64 *out)
{
    switch (row->type) {
    case HERMOD_SETTING_INT:
        if (!parse_int(text, out))
            return g_strdup_printf("%s is not an integer", text);
        break;
    case HERMOD_SETTING_PORT:
        if (!parse_int(text, out))
            return check_range(row, text, -1);
        break;
    case HERMOD_SETTING_SIZE:
        if (!parse_scaled(text, TRUE, out))
            return g_strdup_printf("%s is not a size (bytes, or a number with K, M or G)", text);
        break;
    case HERMOD_SETTING_DURATION:
        if (!parse_scaled(text, FALSE, out))
            return g_strdup_printf("%s is not a duration (seconds, or a number with s, m, h or d)",
                                   text);
        break;
    default:
        g_assert_not_reached();
    }
    return check_range(row, text, *out);
}

static char *
parse_other(const HermodSetting *row, const char *text, gint64 *out, const char **out_choice)
{
    switch (row->type) {
    case HERMOD_SETTING_STRING:
    case HERMOD_SETTING_LIST:
    case HERMOD_SETTING_PATH: /* empty: none */
        return NULL;
    case HERMOD_SETTING_BOOL:
        if (!parse_bool(text, out))
            return g_strdup_printf("%s is not a boolean (yes/no, true/false, 1/0)", text);
        return NULL;
    case HERMOD_SETTING_ENUM:
        *out_choice = find_choice(row, text);
        return *out_choice == NULL ? enum_reason(row, text) : NULL;
    default:
        return parse_number(row, text, out);
    }
}

gboolean
hermod_config_value_parse(const HermodSetting *row, const char *text, gint64 *out_int,
                          const char **out_choice, char **out_reason)
{
    gint64 v = 0;
    const char *choice = NULL;
    char *reason;

    if (!g_utf8_validate(text, -1, NULL))
        reason = g_strdup("not valid UTF-8");
    else
        reason = parse_other(row, text, &v, &choice);
    if (reason != NULL) {
        *out_reason = reason;
        return FALSE;
    }
    if (out_int != NULL)
        *out_int = v;
    if (out_choice != NULL)
        *out_choice = choice;
    return TRUE;
}

char **
hermod_config_value_split(const char *text)
{
    g_auto(GStrv) parts = g_strsplit(text != NULL ? text : "", ";", -1);
    GPtrArray *items = g_ptr_array_new();

    for (guint i = 0; parts[i] != NULL; i++) {
        g_strstrip(parts[i]);
        if (*parts[i] != '\0')
            g_ptr_array_add(items, g_strdup(parts[i]));
    }
    g_ptr_array_add(items, NULL);
    return (char **)g_ptr_array_free(items, FALSE);
}

gboolean
hermod_config_value_equal(const HermodSetting *row, const char *a, const char *b)
{
    gint64 na = 0, nb = 0;
    const char *ca = NULL, *cb = NULL;
    g_autofree char *ra = NULL;
    g_autofree char *rb = NULL;

    if (a == NULL || b == NULL)
        return a == b;
    if (row->type == HERMOD_SETTING_LIST) {
        g_auto(GStrv) la = hermod_config_value_split(a);
        g_auto(GStrv) lb = hermod_config_value_split(b);
        return g_strv_equal((const char *const *)la, (const char *const *)lb);
    }
    if (!hermod_config_value_parse(row, a, &na, &ca, &ra) ||
        !hermod_config_value_parse(row, b, &nb, &cb, &rb))
        return strcmp(a, b) == 0;
    if (row->type == HERMOD_SETTING_STRING || row->type == HERMOD_SETTING_PATH)
        return strcmp(a, b) == 0;
    if (row->type == HERMOD_SETTING_ENUM)
        return g_strcmp0(ca, cb) == 0;
    return na == nb;
}
