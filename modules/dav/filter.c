/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * filter.c - the CALDAV:filter of calendar-query (RFC 4791 9.7) and the
 * CARDDAV:filter of addressbook-query (RFC 6352 10.5).
 *
 * Calendar filters walk libical's parse: comp-filter (is-not-defined,
 * time-range, nested comp-filter and prop-filter), prop-filter
 * (is-not-defined, text-match, time-range on a date-time value,
 * param-filter), param-filter (is-not-defined, text-match).  A
 * time-range on VEVENT, VTODO, VJOURNAL or VFREEBUSY is the core's test
 * over every instance (recurrences expanded, HermodDavApi.cal_overlaps);
 * one on a VALARM matches.  vCard filters work on the unfolded lines
 * (vcard.c) with test="anyof" (default) or "allof".  Collations: i;octet
 * is exact, anything else ASCII/Unicode case-insensitive.
 */
#include "autoconfig.h"

#include <libical/ical.h>
#include <string.h>

#include "dav/dav.h"

static char *
attr(const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetProp(n, (const xmlChar *)name);
    char *out = v != NULL ? g_strdup((const char *)v) : NULL;

    xmlFree(v);
    return out;
}

static gboolean
parse_time(const char *s, gint64 *out)
{
    struct icaltimetype t;

    if (s == NULL)
        return FALSE;
    t = icaltime_from_string(s);
    if (icaltime_is_null_time(t) || !icaltime_is_valid_time(t))
        return FALSE;
    *out = (gint64)icaltime_as_timet_with_zone(t, icaltimezone_get_utc_timezone());
    return TRUE;
}

gboolean
dav_time_range(const xmlNode *tr, gint64 *out_start, gint64 *out_end)
{
    g_autofree char *s = attr(tr, "start");
    g_autofree char *e = attr(tr, "end");

    *out_start = G_MININT64;
    *out_end = G_MAXINT64;
    if ((s == NULL && e == NULL) || (s != NULL && !parse_time(s, out_start)) ||
        (e != NULL && !parse_time(e, out_end)))
        return FALSE;
    return *out_start < *out_end;
}

/* text-match of value. */
static gboolean
text_match(const xmlNode *tm, const char *value)
{
    g_autofree char *collation = attr(tm, "collation");
    g_autofree char *negate = attr(tm, "negate-condition");
    g_autofree char *type = attr(tm, "match-type");
    g_autofree char *needle = dav_xml_text(tm);
    g_autofree char *hay = NULL, *pin = NULL;
    gboolean is_match;

    if (collation != NULL && strcmp(collation, "i;octet") == 0) {
        hay = g_strdup(value);
        pin = g_strdup(needle);
    } else {
        hay = g_utf8_casefold(value, -1);
        pin = g_utf8_casefold(needle, -1);
    }
    if (type != NULL && strcmp(type, "equals") == 0)
        is_match = strcmp(hay, pin) == 0;
    else if (type != NULL && strcmp(type, "starts-with") == 0)
        is_match = g_str_has_prefix(hay, pin);
    else if (type != NULL && strcmp(type, "ends-with") == 0)
        is_match = g_str_has_suffix(hay, pin);
    else
        is_match = strstr(hay, pin) != NULL;
    return negate != NULL && strcmp(negate, "yes") == 0 ? !is_match : is_match;
}

typedef struct {
    icalcomponent *vcal;
    const char *ical;
} Cal;

static gboolean
param_filter(const xmlNode *pf, icalproperty *p)
{
    g_autofree char *name = attr(pf, "name");
    g_autofree char *value = name != NULL ? icalproperty_get_parameter_as_string_r(p, name) : NULL;
    xmlNode *tm = dav_xml_child(pf, NS_CAL, "text-match");

    if (dav_xml_child(pf, NS_CAL, "is-not-defined") != NULL)
        return value == NULL;
    if (value == NULL)
        return FALSE;
    return tm == NULL || text_match(tm, value);
}

static gboolean
prop_passes(const xmlNode *pf, icalproperty *p)
{
    for (xmlNode *t = dav_xml_first(pf); t != NULL; t = dav_xml_next(t)) {
        if (dav_xml_is(t, NS_CAL, "text-match")) {
            const char *v = icalproperty_get_value_as_string(p);
            if (!text_match(t, v != NULL ? v : ""))
                return FALSE;
        } else if (dav_xml_is(t, NS_CAL, "time-range")) {
            gint64 s, e, v;
            icalvalue *val = icalproperty_get_value(p);
            if (!dav_time_range(t, &s, &e) || val == NULL ||
                icalvalue_isa(val) != ICAL_DATETIME_VALUE)
                return FALSE;
            v = (gint64)icaltime_as_timet_with_zone(icalvalue_get_datetime(val),
                                                    icaltimezone_get_utc_timezone());
            if (!(v >= s && v < e))
                return FALSE;
        } else if (dav_xml_is(t, NS_CAL, "param-filter") && !param_filter(t, p)) {
            return FALSE;
        }
    }
    return TRUE;
}

static gboolean
prop_filter(const xmlNode *pf, icalcomponent *c)
{
    g_autofree char *name = attr(pf, "name");
    icalproperty_kind kind = name != NULL ? icalproperty_string_to_kind(name) : ICAL_NO_PROPERTY;
    gboolean is_x = kind == ICAL_X_PROPERTY || kind == ICAL_NO_PROPERTY;
    gboolean any = FALSE;

    for (icalproperty *p = icalcomponent_get_first_property(c, is_x ? ICAL_X_PROPERTY : kind);
         p != NULL && name != NULL;
         p = icalcomponent_get_next_property(c, is_x ? ICAL_X_PROPERTY : kind)) {
        if (is_x && g_ascii_strcasecmp(icalproperty_get_x_name(p) ? icalproperty_get_x_name(p) : "",
                                       name) != 0)
            continue;
        any = TRUE;
        if (dav_xml_child(pf, NS_CAL, "is-not-defined") == NULL && prop_passes(pf, p))
            return TRUE;
    }
    return dav_xml_child(pf, NS_CAL, "is-not-defined") != NULL ? !any : FALSE;
}

static gboolean comp_tests(const xmlNode *cf, icalcomponent *c, Cal *cal);

static gboolean
comp_filter(const xmlNode *cf, icalcomponent *parent, Cal *cal)
{
    g_autofree char *name = attr(cf, "name");
    icalcomponent_kind kind = name != NULL ? icalcomponent_string_to_kind(name) : ICAL_NO_COMPONENT;
    xmlNode *tr = dav_xml_child(cf, NS_CAL, "time-range");
    gboolean any = FALSE;

    if (kind == ICAL_NO_COMPONENT)
        return FALSE;
    for (icalcomponent *c = icalcomponent_get_first_component(parent, kind); c != NULL;
         c = icalcomponent_get_next_component(parent, kind)) {
        any = TRUE;
        break;
    }
    if (dav_xml_child(cf, NS_CAL, "is-not-defined") != NULL)
        return !any;
    if (!any)
        return FALSE;
    if (tr != NULL && kind != ICAL_VALARM_COMPONENT) {
        gint64 s, e;
        gboolean hit = FALSE;
        if (!dav_time_range(tr, &s, &e) ||
            !dav_api->dav->cal_overlaps(cal->ical, name, s, e, &hit, NULL) || !hit)
            return FALSE;
    }
    /* A collected list: nested walks reuse the parent's iterator. */
    g_autoptr(GPtrArray) subs = g_ptr_array_new();
    for (icalcomponent *c = icalcomponent_get_first_component(parent, kind); c != NULL;
         c = icalcomponent_get_next_component(parent, kind))
        g_ptr_array_add(subs, c);
    for (guint i = 0; i < subs->len; i++)
        if (comp_tests(cf, subs->pdata[i], cal))
            return TRUE;
    return FALSE;
}

static gboolean
comp_tests(const xmlNode *cf, icalcomponent *c, Cal *cal)
{
    for (xmlNode *t = dav_xml_first(cf); t != NULL; t = dav_xml_next(t)) {
        if (dav_xml_is(t, NS_CAL, "comp-filter") && !comp_filter(t, c, cal))
            return FALSE;
        if (dav_xml_is(t, NS_CAL, "prop-filter") && !prop_filter(t, c))
            return FALSE;
    }
    return TRUE;
}

gboolean
dav_cal_filter(const xmlNode *filter, const char *ical)
{
    xmlNode *top = dav_xml_child(filter, NS_CAL, "comp-filter");
    g_autofree char *name = top != NULL ? attr(top, "name") : NULL;
    Cal cal = {NULL, ical};
    gboolean ok;

    if (filter == NULL)
        return TRUE;
    if (name == NULL || g_ascii_strcasecmp(name, "VCALENDAR") != 0)
        return FALSE;
    cal.vcal = icalparser_parse_string(ical);
    if (cal.vcal == NULL)
        return FALSE;
    ok = icalcomponent_isa(cal.vcal) == ICAL_VCALENDAR_COMPONENT && comp_tests(top, cal.vcal, &cal);
    icalcomponent_free(cal.vcal);
    return ok;
}

static gboolean
card_prop_ok(const xmlNode *pf, const char *line)
{
    g_autofree char *test = attr(pf, "test");
    gboolean is_all = test != NULL && strcmp(test, "allof") == 0;
    gboolean any_test = FALSE;

    for (xmlNode *t = dav_xml_first(pf); t != NULL; t = dav_xml_next(t)) {
        gboolean ok;
        if (dav_xml_is(t, NS_CARD, "text-match")) {
            ok = text_match(t, dav_vcard_value(line));
        } else if (dav_xml_is(t, NS_CARD, "param-filter")) {
            g_autofree char *pname = attr(t, "name");
            g_autofree char *pv = pname != NULL ? dav_vcard_param(line, pname) : NULL;
            xmlNode *tm = dav_xml_child(t, NS_CARD, "text-match");
            ok = dav_xml_child(t, NS_CARD, "is-not-defined") != NULL
                     ? pv == NULL
                     : pv != NULL && (tm == NULL || text_match(tm, pv));
        } else {
            continue;
        }
        any_test = TRUE;
        if (is_all && !ok)
            return FALSE;
        if (!is_all && ok)
            return TRUE;
    }
    return !any_test || is_all;
}

static gboolean
card_prop_filter(const xmlNode *pf, GPtrArray *lines)
{
    g_autofree char *name = attr(pf, "name");
    gboolean any = FALSE;

    for (guint i = 0; i < lines->len && name != NULL; i++) {
        g_autofree char *n = dav_vcard_name(lines->pdata[i]);
        if (g_ascii_strcasecmp(n, name) != 0)
            continue;
        any = TRUE;
        if (dav_xml_child(pf, NS_CARD, "is-not-defined") == NULL &&
            card_prop_ok(pf, lines->pdata[i]))
            return TRUE;
    }
    return dav_xml_child(pf, NS_CARD, "is-not-defined") != NULL ? !any : FALSE;
}

gboolean
dav_card_filter(const xmlNode *filter, const char *vcard)
{
    g_autofree char *test = filter != NULL ? attr(filter, "test") : NULL;
    gboolean is_all = test != NULL && strcmp(test, "allof") == 0;
    g_autoptr(GPtrArray) lines = NULL;
    gboolean any_filter = FALSE;

    if (filter == NULL)
        return TRUE;
    lines = dav_vcard_unfold(vcard);
    for (xmlNode *pf = dav_xml_first(filter); pf != NULL; pf = dav_xml_next(pf)) {
        if (!dav_xml_is(pf, NS_CARD, "prop-filter"))
            continue;
        any_filter = TRUE;
        gboolean ok = card_prop_filter(pf, lines);
        if (is_all && !ok)
            return FALSE;
        if (!is_all && ok)
            return TRUE;
    }
    return !any_filter || is_all;
}
