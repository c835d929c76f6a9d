/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * remind-fire.c - hand out the alarms of one calendar object that came
 * due: an IM to the owner through the hub (source "reminder"), and for
 * EMAIL alarms a mail to the owner through the core's submission.
 *
 * The store records per object how far its alarms were handed out
 * (HermodDavApi.reminder_get/set, ABI 1.14).  An object seen for the
 * first time, or changed since (its ETag), starts at most GRACE seconds
 * back, so that a client's edit or an imported calendar does not bring
 * back alarms long past, while one due while the edit raced the
 * scheduler still fires.  Each alarm is recorded once handed out; the
 * IM carries a dedupe key (object, instance, alarm, time), so a crash
 * between the IM and the record does not repeat it.  A mail can come
 * twice only if hermodd dies between its submission and the record.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"
#include "dav/remind.h"
#include "dav/schedule.h"

#define GRACE 60

static char *
when(gint64 t)
{
    g_autoptr(GDateTime) d = g_date_time_new_from_unix_local(t);

    return d != NULL ? g_date_time_format(d, "%Y-%m-%d %H:%M %Z") : g_strdup("?");
}

/* The reminder's text (transfer full). */
static char *
text_of(const HermodCalAlarm *a)
{
    g_autofree char *start = when(a->start);
    GString *out = g_string_new(NULL);

    g_string_append_printf(out, "Reminder: %s, %s",
                           a->summary != NULL && a->summary[0] != '\0' ? a->summary : "(no title)",
                           start);
    if (a->location != NULL && a->location[0] != '\0')
        g_string_append_printf(out, ", %s", a->location);
    if (a->description != NULL && a->description[0] != '\0' &&
        g_strcmp0(a->description, a->summary) != 0)
        g_string_append_printf(out, "\n%s", a->description);
    return g_string_free(out, FALSE);
}

static gboolean
fire(const char *account, gint64 collection_id, const char *object, const HermodCalAlarm *a)
{
    g_autofree char *text = text_of(a);
    g_autofree char *sender = g_strconcat("calendar@", strrchr(account, '@') + 1, NULL);
    g_autofree char *key = g_strdup_printf(
        "%" G_GINT64_FORMAT "/%s/%s/%" G_GINT64_FORMAT "/%d/%" G_GINT64_FORMAT, collection_id,
        object, a->uid != NULL ? a->uid : "", a->recurrence_id, a->index, a->trigger);
    g_autoptr(GError) error = NULL;
    HermodImSend req = {.struct_size = sizeof req,
                        .source = "reminder",
                        .sender = sender,
                        .recipient = account,
                        .text = text,
                        .dedupe_key = key};

    if (!g_utf8_validate(text, -1, NULL))
        return TRUE; /* libical gave bytes that are not UTF-8: nothing to send */
    if (!dav_api->im->deliver_notice(&req, NULL, &error)) {
        dav_api->log(HERMOD_LOG_WARNING, NULL, "reminder IM to <%s>: %s", account, error->message);
        return !g_error_matches(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP);
    }
    if (a->action == HERMOD_CAL_ALARM_EMAIL) {
        g_autofree char *subject = g_strdup_printf(
            "Reminder: %s",
            a->summary != NULL && a->summary[0] != '\0' ? a->summary : "(no title)");
        g_autofree char *body = g_strconcat(text, "\r\n", NULL);
        if (!dav_notice_send(account, account, subject, body, &error)) {
            dav_api->log(HERMOD_LOG_WARNING, NULL, "reminder mail to <%s>: %s", account,
                         error->message);
            return !g_error_matches(error, HERMOD_SUBMIT_ERROR, HERMOD_SUBMIT_ERROR_TEMP);
        }
    }
    dav_api->log(HERMOD_LOG_INFO, NULL, "reminder to <%s>: %s %s", account, object,
                 a->action == HERMOD_CAL_ALARM_EMAIL ? "(IM and mail)" : "(IM)");
    return TRUE;
}

static gint
by_trigger(gconstpointer x, gconstpointer y)
{
    const HermodCalAlarm *a = *(HermodCalAlarm *const *)x, *b = *(HermodCalAlarm *const *)y;

    return a->trigger < b->trigger ? -1 : a->trigger > b->trigger;
}

/* Where the object's alarms start from: the record, or now - GRACE for
 * a new or changed object. */
static gboolean
start_of(HermodMailStore *store, gint64 collection_id, const HermodDavObject *o, gint64 now,
         gint64 *out_from, gboolean *out_changed, GError **error)
{
    g_autofree char *etag = NULL;
    gboolean found = FALSE;

    if (!dav_api->dav->reminder_get(store, collection_id, o->name, &found, out_from, &etag, error))
        return FALSE;
    *out_changed = !found || g_strcmp0(etag, o->etag) != 0;
    if (*out_changed)
        *out_from = found ? MAX(*out_from, now - GRACE) : now - GRACE;
    return TRUE;
}

gboolean
dav_remind_object(HermodMailStore *store, const char *account, gint64 collection_id,
                  const HermodDavObject *o, gint64 now, gint64 *out_next)
{
    const HermodDavApi *dav = dav_api->dav;
    g_autoptr(GPtrArray) due = g_ptr_array_new_with_free_func((GDestroyNotify)dav->cal_alarm_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *ical = NULL;
    gint64 from = 0;
    gboolean changed = FALSE;

    *out_next = G_MAXINT64;
    if (o->data == NULL || !start_of(store, collection_id, o, now, &from, &changed, &error)) {
        if (error != NULL)
            dav_api->log(HERMOD_LOG_WARNING, NULL, "reminders of <%s>: %s", account,
                         error->message);
        return error == NULL;
    }
    ical = g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));
    if (!dav->cal_alarms(ical, from, now, due, out_next, NULL))
        return TRUE; /* not iCalendar: no alarms */
    g_ptr_array_sort(due, by_trigger);
    for (guint i = 0; i < due->len; i++) {
        const HermodCalAlarm *a = due->pdata[i];
        if (!fire(account, collection_id, o->name, a)) {
            *out_next = now + GRACE / 2; /* try again soon */
            return FALSE;
        }
        if (!dav->reminder_set(store, collection_id, o->name, a->trigger, o->etag, &error)) {
            dav_api->log(HERMOD_LOG_WARNING, NULL, "reminders of <%s>: %s", account,
                         error->message);
            return FALSE;
        }
    }
    if ((changed || due->len > 0) &&
        !dav->reminder_set(store, collection_id, o->name, now, o->etag, &error)) {
        dav_api->log(HERMOD_LOG_WARNING, NULL, "reminders of <%s>: %s", account, error->message);
        return FALSE;
    }
    return TRUE;
}
