/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * schedule-local.c - an iTIP message for an account of this server: into
 * its schedule inbox (/dav/cal/ACCOUNT/inbox/), and applied to its
 * calendar as [dav] says.
 *
 * REQUEST (auto_schedule): a new invitation is placed in the account's
 * default calendar as STATUS:TENTATIVE (the copy named after a hash of
 * the UID, never the UID itself); an update replaces the copy but keeps
 * the account's own PARTSTAT.  If the account is busy then, it gets a
 * conflict notice naming both events (conflict_notices), and with
 * decline_conflicts the invitation is answered DECLINED; with
 * decline_recurring so is a recurring one.  CANCEL marks the copy
 * CANCELLED.  Each of auto_schedule, conflict_notices, decline_conflicts
 * and decline_recurring is the [dav] setting unless the account set its
 * own: a dead property {urn:hermod:dav}NAME ("true"/"false", dashes for
 * underscores) on its schedule inbox (PROPPATCH).  REPLY updates the replying attendee's PARTSTAT
 * in the organizer's copy, and once nobody is left to answer the organizer gets a summary mail
 * (organizer_summary).  Runs in the job of the request that caused it, on the work pool.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "dav/remind.h"
#include "dav/schedule.h"

typedef struct {
    DavJob *job;
    const char *account;
    HermodMailStore *store;
    icalcomponent *vcal; /* the message (transfer none) */
    const char *uid;
    char *me;     /* the account's address among the attendees */
    gint64 inbox; /* its schedule inbox, 0 if none */
    char *answer; /* DECLINED when a rule declined the request */
} Target;

/* The account's own choice (a dead property on its inbox), else [dav]. */
static gboolean
rule(Target *t, const char *setting)
{
    g_autofree char *dashed = g_strdelimit(g_strdup(setting), "_", '-');
    g_autofree char *key = g_strconcat("{urn:hermod:dav}", dashed, NULL);
    g_autoptr(GPtrArray) props =
        t->inbox != 0 ? dav_api->dav->props(t->store, t->inbox, "", NULL) : NULL;

    for (guint i = 0; props != NULL && i < props->len; i++) {
        const HermodDavProp *p = props->pdata[i];
        const char *gt = strchr(p->xml, '>');
        if (strcmp(p->name, key) != 0 || gt == NULL || gt[-1] == '/')
            continue;
        return g_ascii_strncasecmp(gt + 1, "true", 4) == 0 || gt[1] == '1';
    }
    return dav_api->setting_int(dav_module, setting) != 0;
}

static HermodDavCollection *
collection(HermodMailStore *store, const char *name, HermodDavKind kind)
{
    HermodDavNewCollection spec = {sizeof spec, "cal", name, kind,
                                   kind == HERMOD_DAV_KIND_CALENDAR ? "VEVENT,VTODO" : NULL};
    HermodDavCollection *c = NULL;

    if (dav_api->dav->collection(store, "cal", name, &c, NULL) && c != NULL)
        return c;
    dav_api->dav->collection_create(store, &spec, NULL);
    dav_api->dav->collection(store, "cal", name, &c, NULL);
    return c;
}

static gboolean
put_text(HermodMailStore *store, gint64 collection_id, const char *name, const char *text,
         const char *uid, const char *if_match)
{
    g_autoptr(GBytes) data = g_bytes_new(text, strlen(text));
    HermodDavPut put = {
        sizeof put, collection_id, name,       data,     "text/calendar; charset=utf-8",
        uid,        G_MININT64,    G_MAXINT64, if_match, FALSE};

    if (uid != NULL && !dav_api->dav->cal_span(text, &put.first_start, &put.last_end, NULL))
        put.first_start = G_MININT64, put.last_end = G_MAXINT64;
    return dav_api->dav->object_put(store, &put, NULL, NULL, NULL);
}

static char *
as_text(icalcomponent *vcal)
{
    char *raw = icalcomponent_as_ical_string_r(vcal);
    char *text = g_strdup(raw);

    free(raw);
    return text;
}

/* The account's copy of uid in any of its calendars: *out_coll and
 * *out_obj (transfer full) or both NULL. */
static void
find_copy(Target *t, HermodDavCollection **out_coll, HermodDavObject **out_obj)
{
    g_autoptr(GPtrArray) list = dav_api->dav->collections(t->store, "cal", NULL);

    *out_coll = NULL;
    *out_obj = NULL;
    for (guint i = 0; list != NULL && i < list->len && *out_obj == NULL; i++) {
        HermodDavCollection *c = list->pdata[i];
        g_autofree char *name = NULL;
        if (c->kind == HERMOD_DAV_KIND_CALENDAR &&
            dav_api->dav->object_by_uid(t->store, c->id, t->uid, &name, NULL) && name != NULL &&
            dav_api->dav->object(t->store, c->id, name, out_obj, NULL) && *out_obj != NULL)
            *out_coll = g_steal_pointer(&list->pdata[i]);
    }
}

static icalcomponent *
parse_object(const HermodDavObject *o)
{
    g_autofree char *text = g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));

    return icalparser_parse_string(text);
}

/* Set PARTSTAT (and SCHEDULE-STATUS when status) of address everywhere. */
static void
set_partstat(icalcomponent *vcal, const char *address, const char *partstat, const char *status)
{
    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT))
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY);
             p != NULL; p = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
            g_autofree char *a = dav_cal_address(icalproperty_get_attendee(p));
            if (a == NULL || strcmp(a, address) != 0)
                continue;
            icalproperty_set_parameter_from_string(p, "PARTSTAT", partstat);
            if (status != NULL)
                icalproperty_set_parameter_from_string(p, "SCHEDULE-STATUS", status);
        }
}

static char *
partstat(icalcomponent *vcal, const char *address)
{
    icalcomponent *main = dav_sched_main(vcal);

    for (icalproperty *p =
             main != NULL ? icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY) : NULL;
         p != NULL; p = icalcomponent_get_next_property(main, ICAL_ATTENDEE_PROPERTY)) {
        g_autofree char *a = dav_cal_address(icalproperty_get_attendee(p));
        char *s;
        if (a == NULL || strcmp(a, address) != 0)
            continue;
        s = icalproperty_get_parameter_as_string_r(p, "PARTSTAT");
        return s != NULL ? s : g_strdup("NEEDS-ACTION");
    }
    return NULL;
}

/* The summary of another object that is busy during main's first
 * instance, or NULL.  (transfer full) */
static char *
conflict(Target *t, icalcomponent *main)
{
    gint64 s = (gint64)icaltime_as_timet_with_zone(icalcomponent_get_dtstart(main),
                                                   icaltimezone_get_utc_timezone());
    gint64 e = (gint64)icaltime_as_timet_with_zone(icalcomponent_get_dtend(main),
                                                   icaltimezone_get_utc_timezone());
    g_autoptr(GPtrArray) colls = dav_api->dav->collections(t->store, "cal", NULL);
    char *found = NULL;

    e = MAX(e, s + 1);
    for (guint i = 0; colls != NULL && i < colls->len && found == NULL; i++) {
        HermodDavCollection *c = colls->pdata[i];
        g_autoptr(GPtrArray) objs = c->kind == HERMOD_DAV_KIND_CALENDAR
                                        ? dav_api->dav->objects(t->store, c->id, TRUE, s, e, NULL)
                                        : NULL;
        for (guint j = 0; objs != NULL && j < objs->len && found == NULL; j++) {
            HermodDavObject *o = objs->pdata[j];
            g_autofree char *text =
                g_strndup(g_bytes_get_data(o->data, NULL), g_bytes_get_size(o->data));
            g_autoptr(GArray) busy = g_array_new(FALSE, FALSE, sizeof(HermodCalPeriod));
            if (g_strcmp0(o->uid, t->uid) == 0 || !dav_api->dav->cal_busy(text, s, e, busy, NULL) ||
                busy->len == 0)
                continue;
            icalcomponent *other = icalparser_parse_string(text);
            icalcomponent *m = other != NULL ? dav_sched_main(other) : NULL;
            found =
                g_strdup(m != NULL && icalcomponent_get_summary(m) ? icalcomponent_get_summary(m)
                                                                   : "(no title)");
            if (other != NULL)
                icalcomponent_free(other);
        }
    }
    return found;
}

static void
notice_conflict(Target *t, icalcomponent *main, const char *other)
{
    g_autofree char *what = dav_describe(main);
    const char *summary = icalcomponent_get_summary(main);
    g_autofree char *subject = g_strdup_printf("Conflict: %s overlaps %s",
                                               summary != NULL ? summary : "(no title)", other);
    g_autofree char *text = g_strdup_printf("You are invited to an event while you are busy "
                                            "with \"%s\".\r\n\r\n%s",
                                            other, what);

    dav_notice_send(t->account, t->account, subject, text, NULL);
}

static void
apply_request(Target *t)
{
    HermodDavCollection *coll = NULL;
    HermodDavObject *obj = NULL;
    icalcomponent *copy = icalcomponent_new_clone(t->vcal);
    icalcomponent *main = dav_sched_main(copy);
    g_autofree char *text = NULL, *mine = NULL, *other = NULL;

    icalproperty *method = icalcomponent_get_first_property(copy, ICAL_METHOD_PROPERTY);

    if (method != NULL) {
        icalcomponent_remove_property(copy, method);
        icalproperty_free(method);
    }
    find_copy(t, &coll, &obj);
    if (obj != NULL) {
        icalcomponent *old = parse_object(obj);
        mine = old != NULL ? partstat(old, t->me) : NULL;
        if (old != NULL)
            icalcomponent_free(old);
        if (mine != NULL)
            set_partstat(copy, t->me, mine, NULL);
    } else {
        gboolean notices = rule(t, "conflict_notices"), decline = rule(t, "decline_conflicts");
        coll = collection(t->store, "calendar", HERMOD_DAV_KIND_CALENDAR);
        if (icalcomponent_get_first_property(main, ICAL_STATUS_PROPERTY) == NULL)
            icalcomponent_set_status(main, ICAL_STATUS_TENTATIVE);
        other = notices || decline ? conflict(t, main) : NULL;
        if (other != NULL && notices)
            notice_conflict(t, main, other);
        if ((other != NULL && decline) ||
            (rule(t, "decline_recurring") &&
             (icalcomponent_get_first_property(main, ICAL_RRULE_PROPERTY) != NULL ||
              icalcomponent_get_first_property(main, ICAL_RDATE_PROPERTY) != NULL))) {
            t->answer = g_strdup("DECLINED");
            set_partstat(copy, t->me, t->answer, NULL);
        }
    }
    text = as_text(copy);
    if (coll != NULL) {
        g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, t->uid, -1);
        g_autofree char *name =
            obj != NULL ? g_strdup(obj->name) : g_strdup_printf("sched-%.24s.ics", sum);
        put_text(t->store, coll->id, name, text, t->uid, obj != NULL ? obj->etag : NULL);
    }
    icalcomponent_free(copy);
    dav_api->dav->object_free(obj);
    dav_api->dav->collection_free(coll);
}

static void
apply_cancel(Target *t)
{
    HermodDavCollection *coll = NULL;
    HermodDavObject *obj = NULL;
    icalcomponent *old;

    find_copy(t, &coll, &obj);
    old = obj != NULL ? parse_object(obj) : NULL;
    if (old != NULL) {
        for (icalcomponent *c = icalcomponent_get_first_component(old, ICAL_ANY_COMPONENT);
             c != NULL; c = icalcomponent_get_next_component(old, ICAL_ANY_COMPONENT))
            if (icalcomponent_isa(c) == ICAL_VEVENT_COMPONENT ||
                icalcomponent_isa(c) == ICAL_VTODO_COMPONENT)
                icalcomponent_set_status(c, ICAL_STATUS_CANCELLED);
        g_autofree char *text = as_text(old);
        put_text(t->store, coll->id, obj->name, text, t->uid, obj->etag);
        icalcomponent_free(old);
    }
    dav_api->dav->object_free(obj);
    dav_api->dav->collection_free(coll);
}

/* Everyone but the organizer answered?  Then the summary text, else NULL. */
static char *
summary_of(icalcomponent *vcal, const char *organizer)
{
    icalcomponent *main = dav_sched_main(vcal);
    GString *out = g_string_new(NULL);
    gboolean is_complete = TRUE;

    for (icalproperty *p = icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY);
         p != NULL; p = icalcomponent_get_next_property(main, ICAL_ATTENDEE_PROPERTY)) {
        g_autofree char *a = dav_cal_address(icalproperty_get_attendee(p));
        g_autofree char *s = icalproperty_get_parameter_as_string_r(p, "PARTSTAT");
        if (a == NULL || strcmp(a, organizer) == 0)
            continue;
        if (s == NULL || g_ascii_strcasecmp(s, "NEEDS-ACTION") == 0)
            is_complete = FALSE;
        g_string_append_printf(out, "  %-40s %s\r\n", a, s != NULL ? s : "NEEDS-ACTION");
    }
    if (is_complete && out->len > 0)
        return g_string_free(out, FALSE);
    g_string_free(out, TRUE);
    return NULL;
}

static void
apply_reply(Target *t, const char *from)
{
    HermodDavCollection *coll = NULL;
    HermodDavObject *obj = NULL;
    icalcomponent *old;
    g_autofree char *answer = partstat(t->vcal, from);

    find_copy(t, &coll, &obj);
    old = obj != NULL && answer != NULL ? parse_object(obj) : NULL;
    if (old != NULL) {
        set_partstat(old, from, answer, "2.0");
        g_autofree char *text = as_text(old);
        g_autofree char *summary = summary_of(old, t->account);
        if (put_text(t->store, coll->id, obj->name, text, t->uid, obj->etag) && summary != NULL &&
            dav_api->setting_int(dav_module, "organizer_summary")) {
            const char *s = icalcomponent_get_summary(dav_sched_main(old));
            g_autofree char *subject =
                g_strdup_printf("Replies are in: %s", s != NULL ? s : "(no title)");
            g_autofree char *body =
                g_strdup_printf("Every attendee has answered:\r\n\r\n%s", summary);
            dav_notice_send(t->account, t->account, subject, body, NULL);
        }
        icalcomponent_free(old);
    }
    dav_api->dav->object_free(obj);
    dav_api->dav->collection_free(coll);
}

/* Answer the organizer: t->answer for t->me, as a REPLY. */
static void
reply_answer(Target *t, char **out_partstat)
{
    icalcomponent *reply = icalcomponent_new_clone(t->vcal);
    icalcomponent *main = dav_sched_main(reply);
    icalproperty *org = icalcomponent_get_first_property(main, ICAL_ORGANIZER_PROPERTY);
    g_autofree char *organizer =
        org != NULL ? dav_cal_address(icalproperty_get_organizer(org)) : NULL;

    dav_api->log(HERMOD_LOG_INFO, t->job->session, "dav: %s declines %s (%s)", t->me, t->uid,
                 "its scheduling rules");
    if (out_partstat != NULL) {
        *out_partstat = g_strdup(t->answer);
    } else if (organizer != NULL) {
        set_partstat(reply, t->me, t->answer, NULL);
        for (icalcomponent *c = icalcomponent_get_first_component(reply, ICAL_ANY_COMPONENT);
             c != NULL; c = icalcomponent_get_next_component(reply, ICAL_ANY_COMPONENT)) {
            g_autoptr(GPtrArray) drop = g_ptr_array_new();
            for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY);
                 p != NULL; p = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
                g_autofree char *a = dav_cal_address(icalproperty_get_attendee(p));
                if (a == NULL || strcmp(a, t->me) != 0)
                    g_ptr_array_add(drop, p);
            }
            for (guint i = 0; i < drop->len; i++) {
                icalcomponent_remove_property(c, drop->pdata[i]);
                icalproperty_free(drop->pdata[i]);
            }
        }
        dav_sched_send(t->job, t->me, organizer, "REPLY", reply, NULL);
    }
    icalcomponent_free(reply);
}

const char *
dav_sched_deliver_local(DavJob *job, const char *account, const char *method, icalcomponent *vcal,
                        const char *from, char **out_partstat)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) mine = dav_addresses_of(account);
    Target t = {job, account, NULL, vcal, NULL, NULL, 0, NULL};
    icalcomponent *main = dav_sched_main(vcal);
    HermodDavCollection *inbox;
    g_autofree char *msg = NULL, *uuid = NULL, *name = NULL;

    t.uid = main != NULL ? icalcomponent_get_uid(main) : NULL;
    t.me = dav_sched_me(main, mine);
    if (t.me == NULL)
        t.me = g_strdup(account);
    t.store = dav_api->mail->open(account, &error);
    if (t.store == NULL || t.uid == NULL) {
        dav_api->log(HERMOD_LOG_WARNING, job->session, "dav: cannot schedule for %s: %s", account,
                     error != NULL ? error->message : "no UID");
        if (t.store != NULL)
            dav_api->mail->unref(t.store);
        g_free(t.me);
        return "5.1";
    }
    inbox = collection(t.store, "inbox", HERMOD_DAV_KIND_INBOX);
    msg = dav_sched_message(vcal, method);
    uuid = g_uuid_string_random();
    name = g_strdup_printf("itip-%s.ics", uuid);
    t.inbox = inbox != NULL ? inbox->id : 0;
    if (inbox != NULL)
        put_text(t.store, inbox->id, name, msg, NULL, NULL);
    if (strcmp(method, "REQUEST") == 0 && rule(&t, "auto_schedule"))
        apply_request(&t);
    else if (strcmp(method, "CANCEL") == 0 && rule(&t, "auto_schedule"))
        apply_cancel(&t);
    else if (strcmp(method, "REPLY") == 0)
        apply_reply(&t, from);
    dav_api->log(HERMOD_LOG_INFO, job->session, "dav: %s from %s delivered to %s", method, from,
                 account);
    if (t.answer != NULL)
        reply_answer(&t, out_partstat);
    dav_remind_changed(account);
    dav_api->dav->collection_free(inbox);
    dav_api->mail->unref(t.store);
    g_free(t.me);
    g_free(t.answer);
    return inbox != NULL ? "1.2" : "5.1";
}
