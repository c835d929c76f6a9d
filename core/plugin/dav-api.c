/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dav-api.c - the HermodDavApi table (hermod/dav.h): calendars, address
 * books and WebDAV collections in the store, and the calendar arithmetic
 * of core/calendar/.
 *
 * Each member is the store-dav or calendar function of the same name;
 * the adapters here only rewrite errors into HERMOD_DAV_ERROR (the
 * store's own codes become IO or OVER_QUOTA, the calendar's INVALID).
 * module-api.c hands the table out as HermodApi.dav (ABI 1.9).
 */
#include "autoconfig.h"

#include "calendar/calendar.h"
#include "plugin/dav-api.h"
#include "store/store-dav.h"

#define STORE(s) ((HermodStore *)(s))

static gboolean
mapped(gboolean ok, GError **error)
{
    if (ok || error == NULL || *error == NULL || (*error)->domain == HERMOD_DAV_ERROR)
        return ok;
    if ((*error)->domain == HERMOD_STORE_ERROR && (*error)->code == HERMOD_STORE_ERROR_OVER_QUOTA)
        (*error)->code = HERMOD_DAV_ERROR_OVER_QUOTA;
    else if ((*error)->domain == HERMOD_CALENDAR_ERROR)
        (*error)->code = HERMOD_DAV_ERROR_INVALID;
    else
        (*error)->code = HERMOD_DAV_ERROR_IO;
    (*error)->domain = HERMOD_DAV_ERROR;
    return FALSE;
}

static GPtrArray *
collections(HermodMailStore *store, const char *home, GError **error)
{
    GPtrArray *out = hermod_store_dav_collections(STORE(store), home, error);

    mapped(out != NULL, error);
    return out;
}

static gboolean
collection(HermodMailStore *store, const char *home, const char *name, HermodDavCollection **out,
           GError **error)
{
    return mapped(hermod_store_dav_collection(STORE(store), home, name, out, error), error);
}

static gboolean
collection_create(HermodMailStore *store, const HermodDavNewCollection *spec, GError **error)
{
    return mapped(hermod_store_dav_collection_create(STORE(store), spec, error), error);
}

static gboolean
collection_delete(HermodMailStore *store, gint64 id, GError **error)
{
    return mapped(hermod_store_dav_collection_delete(STORE(store), id, error), error);
}

static GPtrArray *
objects(HermodMailStore *store, gint64 collection_id, gboolean with_data, gint64 start, gint64 end,
        GError **error)
{
    GPtrArray *out =
        hermod_store_dav_objects(STORE(store), collection_id, with_data, start, end, error);

    mapped(out != NULL, error);
    return out;
}

static gboolean
object(HermodMailStore *store, gint64 collection_id, const char *name, HermodDavObject **out,
       GError **error)
{
    return mapped(hermod_store_dav_object(STORE(store), collection_id, name, out, error), error);
}

static gboolean
object_by_uid(HermodMailStore *store, gint64 collection_id, const char *uid, char **out_name,
              GError **error)
{
    return mapped(hermod_store_dav_object_by_uid(STORE(store), collection_id, uid, out_name, error),
                  error);
}

static gboolean
object_put(HermodMailStore *store, const HermodDavPut *put, char **out_etag, gboolean *out_created,
           GError **error)
{
    return mapped(hermod_store_dav_put(STORE(store), put, out_etag, out_created, error), error);
}

static gboolean
object_delete(HermodMailStore *store, gint64 collection_id, const char *name, const char *if_match,
              GError **error)
{
    return mapped(hermod_store_dav_delete(STORE(store), collection_id, name, if_match, error),
                  error);
}

static GPtrArray *
changes(HermodMailStore *store, gint64 collection_id, guint64 since, GError **error)
{
    GPtrArray *out = hermod_store_dav_changes(STORE(store), collection_id, since, error);

    mapped(out != NULL, error);
    return out;
}

static GPtrArray *
props(HermodMailStore *store, gint64 collection_id, const char *object, GError **error)
{
    GPtrArray *out = hermod_store_dav_props(STORE(store), collection_id, object, error);

    mapped(out != NULL, error);
    return out;
}

static GPtrArray *
objects_brief(HermodMailStore *store, gint64 collection_id, GError **error)
{
    GPtrArray *out = hermod_store_dav_objects_brief(STORE(store), collection_id, error);

    mapped(out != NULL, error);
    return out;
}

static GPtrArray *
props_objects(HermodMailStore *store, gint64 collection_id, GError **error)
{
    GPtrArray *out = hermod_store_dav_props_objects(STORE(store), collection_id, error);

    mapped(out != NULL, error);
    return out;
}

static char *
cal_limit(const char *ical, gint64 start, gint64 end, GError **error)
{
    char *out = hermod_calendar_limit(ical, start, end, error);

    mapped(out != NULL, error);
    return out;
}

static gboolean
cal_instances_of(const char *ical, const char *component, GArray *out, GError **error)
{
    return mapped(hermod_calendar_instances(ical, component, out, error), error);
}

static gboolean
props_update(HermodMailStore *store, gint64 collection_id, const char *object, GPtrArray *changes,
             GError **error)
{
    return mapped(
        hermod_store_dav_props_update(STORE(store), collection_id, object, changes, error), error);
}

static gboolean
cal_span(const char *ical, gint64 *out_start, gint64 *out_end, GError **error)
{
    return mapped(hermod_calendar_span(ical, out_start, out_end, error), error);
}

static gboolean
cal_overlaps(const char *ical, const char *component, gint64 start, gint64 end, gboolean *out,
             GError **error)
{
    return mapped(hermod_calendar_overlaps(ical, component, start, end, out, error), error);
}

static char *
cal_expand(const char *ical, gint64 start, gint64 end, GError **error)
{
    char *out = hermod_calendar_expand(ical, start, end, error);

    mapped(out != NULL, error);
    return out;
}

static gboolean
cal_busy(const char *ical, gint64 start, gint64 end, GArray *out, GError **error)
{
    return mapped(hermod_calendar_busy(ical, start, end, out, error), error);
}

static gboolean
cal_alarms(const char *ical, gint64 after, gint64 until, GPtrArray *out, gint64 *out_next,
           GError **error)
{
    return mapped(hermod_calendar_alarms(ical, after, until, out, out_next, error), error);
}

static gboolean
reminder_get(HermodMailStore *store, gint64 collection_id, const char *object, gboolean *out_found,
             gint64 *out_fired_until, char **out_etag, GError **error)
{
    return mapped(hermod_store_reminder_get(STORE(store), collection_id, object, out_found,
                                            out_fired_until, out_etag, error),
                  error);
}

static gboolean
reminder_set(HermodMailStore *store, gint64 collection_id, const char *object, gint64 fired_until,
             const char *etag, GError **error)
{
    return mapped(
        hermod_store_reminder_set(STORE(store), collection_id, object, fired_until, etag, error),
        error);
}

static gboolean
reminder_prune(HermodMailStore *store, gint64 collection_id, GError **error)
{
    return mapped(hermod_store_reminder_prune(STORE(store), collection_id, error), error);
}

const HermodDavApi hermod_dav_api = {
    .struct_size = sizeof(HermodDavApi),
    .collections = collections,
    .collection = collection,
    .collection_create = collection_create,
    .collection_delete = collection_delete,
    .collection_free = hermod_store_dav_collection_free,
    .objects = objects,
    .object = object,
    .object_by_uid = object_by_uid,
    .object_put = object_put,
    .object_delete = object_delete,
    .object_free = hermod_store_dav_object_free,
    .changes = changes,
    .props = props,
    .props_update = props_update,
    .prop_free = hermod_store_dav_prop_free,
    .change_free = hermod_store_dav_change_free,
    .cal_span = cal_span,
    .cal_overlaps = cal_overlaps,
    .cal_expand = cal_expand,
    .cal_busy = cal_busy,
    .props_objects = props_objects,
    .cal_limit = cal_limit,
    .cal_instances = cal_instances_of,
    /* ABI 1.14 */
    .cal_alarms = cal_alarms,
    .cal_alarm_free = hermod_calendar_alarm_free,
    .reminder_get = reminder_get,
    .reminder_set = reminder_set,
    .reminder_prune = reminder_prune,
    /* ABI 1.15 */
    .objects_brief = objects_brief,
};
