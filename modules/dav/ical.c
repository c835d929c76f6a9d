/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ical.c - is a PUT body one calendar object resource (RFC 4791 4.1,
 * 5.3.2)?  libical parses; the rules are checked here.
 *
 * Refused, nothing stored: text libical cannot read or marks with
 * X-LIC-ERROR (valid-calendar-data); no VCALENDAR, a METHOD, no
 * component, components of several types or UIDs, two masters or two
 * overrides of one instance (valid-calendar-object-resource); a type the
 * calendar does not take (supported-calendar-component).  The bytes are
 * stored as sent, so a client's X- properties come back byte for byte;
 * libical's parse is only looked at.  The span for the store's prefilter
 * comes from the core (HermodDavApi.cal_span).
 */
#include "autoconfig.h"

#include <libical/ical.h>
#include <string.h>

#include "dav/dav.h"

void
dav_check_clear(DavCheck *c)
{
    g_clear_pointer(&c->uid, g_free);
    g_clear_pointer(&c->detail, g_free);
}

static void
refuse(DavCheck *out, const char *precondition, const char *detail)
{
    out->precondition = precondition;
    g_free(out->detail);
    out->detail = g_strdup(detail);
}

static gboolean
has_errors(icalcomponent *c)
{
    if (icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY) != NULL)
        return TRUE;
    for (icalcomponent *s = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT); s != NULL;
         s = icalcomponent_get_next_component(c, ICAL_ANY_COMPONENT))
        if (has_errors(s))
            return TRUE;
    return FALSE;
}

static gboolean
is_object_kind(icalcomponent_kind k)
{
    return k == ICAL_VEVENT_COMPONENT || k == ICAL_VTODO_COMPONENT ||
           k == ICAL_VJOURNAL_COMPONENT || k == ICAL_VFREEBUSY_COMPONENT;
}

static gboolean
is_allowed(const char *components, const char *kind)
{
    g_auto(GStrv) list =
        g_strsplit(components != NULL ? components : "VEVENT,VTODO,VJOURNAL", ",", -1);

    return g_strv_contains((const char *const *)list, kind);
}

/* One type, one UID, one master, distinct RECURRENCE-IDs. */
static void
check_components(icalcomponent *vcal, const char *components, DavCheck *out)
{
    icalcomponent_kind kind = ICAL_NO_COMPONENT;
    g_autoptr(GHashTable) rids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    int masters = 0;

    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT);
         c != NULL && out->precondition == NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind k = icalcomponent_isa(c);
        const char *uid = icalcomponent_get_uid(c);
        icalproperty *rid = icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY);
        if (!is_object_kind(k))
            continue;
        if (kind != ICAL_NO_COMPONENT && k != kind)
            refuse(out, "valid-calendar-object-resource", "components of more than one type");
        else if (uid == NULL || *uid == '\0')
            refuse(out, "valid-calendar-object-resource", "a component without UID");
        else if (out->uid != NULL && strcmp(out->uid, uid) != 0)
            refuse(out, "valid-calendar-object-resource", "more than one UID");
        else if (rid == NULL && ++masters > 1)
            refuse(out, "valid-calendar-object-resource", "two components without RECURRENCE-ID");
        else if (rid != NULL &&
                 !g_hash_table_add(rids, g_strdup(icalproperty_get_value_as_string(rid))))
            refuse(out, "valid-calendar-object-resource", "one RECURRENCE-ID twice");
        kind = k;
        if (out->uid == NULL && uid != NULL)
            out->uid = g_strdup(uid);
    }
    if (out->precondition == NULL && kind == ICAL_NO_COMPONENT)
        refuse(out, "valid-calendar-object-resource", "no VEVENT, VTODO, VJOURNAL or VFREEBUSY");
    else if (out->precondition == NULL &&
             !is_allowed(components, icalcomponent_kind_to_string(kind)))
        refuse(out, "supported-calendar-component", icalcomponent_kind_to_string(kind));
}

void
dav_ical_check(const char *data, gsize len, const char *components, DavCheck *out)
{
    g_autofree char *text = g_strndup(data, len);
    icalcomponent *vcal = NULL;
    g_autoptr(GError) error = NULL;

    if (strlen(text) != len || !g_utf8_validate(text, -1, NULL)) {
        refuse(out, "valid-calendar-data", "not UTF-8 text");
        return;
    }
    vcal = icalparser_parse_string(text);
    if (vcal == NULL || icalcomponent_isa(vcal) != ICAL_VCALENDAR_COMPONENT)
        refuse(out, "valid-calendar-data", "not one VCALENDAR");
    else if (has_errors(vcal))
        refuse(out, "valid-calendar-data", "libical found errors in it");
    else if (icalcomponent_get_first_property(vcal, ICAL_METHOD_PROPERTY) != NULL)
        refuse(out, "valid-calendar-object-resource", "METHOD is not allowed in a calendar");
    else
        check_components(vcal, components, out);
    if (vcal != NULL)
        icalcomponent_free(vcal);
    if (out->precondition == NULL && !dav_api->dav->cal_span(text, &out->start, &out->end, &error))
        refuse(out, "valid-calendar-data", error->message);
}
