/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * schedule.c - implicit scheduling (RFC 6638) after a PUT or DELETE in a
 * calendar: who is organizer, who attendee, and who hears what.
 *
 * An organizer's PUT of an event with ATTENDEEs sends METHOD:REQUEST to
 * each attendee whose SCHEDULE-AGENT is SERVER (the default): to a local
 * account's schedule inbox and calendar (schedule-local.c), to anyone
 * else as iMIP mail (imip.c); each attendee's SCHEDULE-STATUS records
 * the outcome (1.2 delivered, 1.1 sent by mail, 5.1 failed) in the
 * organizer's copy, which is then stored again as libical writes it.
 * An attendee's PUT that changes their own PARTSTAT sends REPLY to the
 * organizer (whose copy is updated when local).  Any of the account's
 * addresses (login and aliases, HermodApi.account_addresses) is the
 * account as organizer or attendee; an alias attendee is delivered to
 * its account.  The organizer's DELETE
 * sends CANCEL.  Failures are logged and recorded; they never fail the
 * client's request, which is already stored.
 */
#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include "dav/schedule.h"

char *
dav_cal_address(const char *uri)
{
    if (uri == NULL || g_ascii_strncasecmp(uri, "mailto:", 7) != 0 || uri[7] == '\0')
        return NULL;
    return g_ascii_strdown(uri + 7, -1);
}

icalcomponent *
dav_sched_main(icalcomponent *vcal)
{
    icalcomponent *first = NULL;

    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind k = icalcomponent_isa(c);
        if (k != ICAL_VEVENT_COMPONENT && k != ICAL_VTODO_COMPONENT)
            continue;
        if (icalcomponent_get_first_property(c, ICAL_RECURRENCEID_PROPERTY) == NULL)
            return c;
        if (first == NULL)
            first = c;
    }
    return first;
}

char *
dav_sched_message(icalcomponent *vcal, const char *method)
{
    icalcomponent *copy = icalcomponent_new_clone(vcal);
    icalproperty *m = icalcomponent_get_first_property(copy, ICAL_METHOD_PROPERTY);
    char *raw, *text;

    if (m != NULL) {
        icalcomponent_remove_property(copy, m);
        icalproperty_free(m);
    }
    icalcomponent_add_property(copy,
                               icalproperty_new_method(icalproperty_string_to_method(method)));
    raw = icalcomponent_as_ical_string_r(copy);
    text = g_strdup(raw);
    free(raw);
    icalcomponent_free(copy);
    return text;
}

char *
dav_sched_account(const char *address)
{
    g_autoptr(GError) error = NULL;
    char *account;

    if (dav_api->addr_lookup(address, NULL) != HERMOD_ADDR_LOCAL)
        return NULL;
    if (!HERMOD_API_HAS(dav_api, addr_account))
        /* Its own owner: an account (an alias owns nothing). */
        return dav_api->addr_check_owner(address, address, NULL) == HERMOD_AUTH_OK
                   ? g_ascii_strdown(address, -1)
                   : NULL;
    account = dav_api->addr_account(address, &error);
    if (error != NULL)
        dav_api->log(HERMOD_LOG_WARNING, NULL, "dav: who is <%s>: %s", address, error->message);
    return account;
}

gboolean
dav_addr_in(GPtrArray *addresses, const char *address)
{
    for (guint i = 0; address != NULL && i < addresses->len; i++)
        if (strcmp(addresses->pdata[i], address) == 0)
            return TRUE;
    return FALSE;
}

char *
dav_sched_me(icalcomponent *main, GPtrArray *addresses)
{
    for (icalproperty *p =
             main != NULL ? icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY) : NULL;
         p != NULL; p = icalcomponent_get_next_property(main, ICAL_ATTENDEE_PROPERTY)) {
        char *a = dav_cal_address(icalproperty_get_attendee(p));
        if (dav_addr_in(addresses, a))
            return a;
        g_free(a);
    }
    return NULL;
}

static char *
param(icalproperty *p, const char *name)
{
    return icalproperty_get_parameter_as_string_r(p, name);
}

/* Set the parameter name of every ATTENDEE of address, in every component,
 * to value (SCHEDULE-STATUS, PARTSTAT). */
static void
set_attendee_param(icalcomponent *vcal, const char *address, const char *name, const char *value)
{
    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT))
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY);
             p != NULL; p = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
            g_autofree char *a = dav_cal_address(icalproperty_get_attendee(p));
            if (a != NULL && strcmp(a, address) == 0)
                icalproperty_set_parameter_from_string(p, name, value);
        }
}

/* method from from to to as iMIP mail; is_applied: to is a local account
 * whose calendar has it already (the mail is for reading it, in the
 * webmail as an invitation card). */
static gboolean
mail_one(DavJob *job, const char *from, const char *to, const char *method, icalcomponent *vcal,
         gboolean is_applied)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = dav_sched_message(vcal, method);
    icalcomponent *main = dav_sched_main(vcal);
    const char *summary = main != NULL ? icalcomponent_get_summary(main) : NULL;
    g_autofree char *what = main != NULL ? dav_describe(main) : g_strdup("");
    g_autofree char *subject = g_strdup_printf("%s: %s",
                                               strcmp(method, "REQUEST") == 0  ? "Invitation"
                                               : strcmp(method, "CANCEL") == 0 ? "Cancelled"
                                                                               : "Reply",
                                               summary != NULL ? summary : "(no title)");

    if (dav_imip_send(from, to, method, subject, what, text, is_applied, &error))
        return TRUE;
    dav_api->log(HERMOD_LOG_WARNING, job->session, "dav: iMIP %s to <%s> failed: %s", method, to,
                 error->message);
    return FALSE;
}

const char *
dav_sched_send(DavJob *job, const char *from, const char *to, const char *method,
               icalcomponent *vcal, char **out_partstat)
{
    g_autofree char *account = dav_sched_account(to);

    if (account != NULL) {
        const char *status =
            dav_sched_deliver_local(job, account, method, vcal, from, out_partstat);
        if (dav_api->setting_int(dav_module, "local_invitation_mail"))
            mail_one(job, from, to, method, vcal, TRUE);
        return status;
    }
    return mail_one(job, from, to, method, vcal, FALSE) ? "1.1" : "5.1";
}

/* The attendees to schedule: SCHEDULE-AGENT SERVER, not the organizer.
 * (transfer full) element char *. */
static GPtrArray *
attendees(icalcomponent *main, const char *organizer)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    for (icalproperty *p = icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY);
         p != NULL; p = icalcomponent_get_next_property(main, ICAL_ATTENDEE_PROPERTY)) {
        g_autofree char *agent = param(p, "SCHEDULE-AGENT");
        char *a = dav_cal_address(icalproperty_get_attendee(p));
        if (a == NULL || strcmp(a, organizer) == 0 ||
            (agent != NULL && g_ascii_strcasecmp(agent, "SERVER") != 0)) {
            g_free(a);
            continue;
        }
        g_ptr_array_add(out, a);
    }
    return out;
}

static char *
as_text(icalcomponent *vcal)
{
    char *raw = icalcomponent_as_ical_string_r(vcal);
    char *text = g_strdup(raw);

    free(raw);
    return text;
}

static char *
organizer_put(DavJob *job, icalcomponent *vcal, icalcomponent *main, const char *organizer)
{
    g_autoptr(GPtrArray) list = attendees(main, organizer);

    if (list->len == 0)
        return NULL;
    for (guint i = 0; i < list->len; i++) {
        g_autofree char *answer = NULL;
        const char *to = list->pdata[i];
        set_attendee_param(vcal, to, "SCHEDULE-STATUS",
                           dav_sched_send(job, organizer, to, "REQUEST", vcal, &answer));
        if (answer != NULL)
            set_attendee_param(vcal, to, "PARTSTAT", answer);
    }
    return as_text(vcal);
}

/* PARTSTAT of address in main, or NULL.  (transfer full) */
static char *
partstat_of(icalcomponent *main, const char *address)
{
    for (icalproperty *p = icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY);
         p != NULL; p = icalcomponent_get_next_property(main, ICAL_ATTENDEE_PROPERTY)) {
        g_autofree char *a = dav_cal_address(icalproperty_get_attendee(p));
        if (a != NULL && strcmp(a, address) == 0) {
            char *s = param(p, "PARTSTAT");
            return s != NULL ? s : g_strdup("NEEDS-ACTION");
        }
    }
    return NULL;
}

/* vcal cut down to a REPLY: only me among the attendees. */
static void
only_me(icalcomponent *vcal, const char *me)
{
    for (icalcomponent *c = icalcomponent_get_first_component(vcal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(vcal, ICAL_ANY_COMPONENT)) {
        g_autoptr(GPtrArray) drop = g_ptr_array_new();
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ATTENDEE_PROPERTY);
             p != NULL; p = icalcomponent_get_next_property(c, ICAL_ATTENDEE_PROPERTY)) {
            g_autofree char *a = dav_cal_address(icalproperty_get_attendee(p));
            if (a == NULL || strcmp(a, me) != 0)
                g_ptr_array_add(drop, p);
        }
        for (guint i = 0; i < drop->len; i++) {
            icalcomponent_remove_property(c, drop->pdata[i]);
            icalproperty_free(drop->pdata[i]);
        }
    }
}

static void
attendee_put(DavJob *job, icalcomponent *vcal, icalcomponent *main, const char *old_text,
             const char *organizer)
{
    g_autofree char *me = dav_sched_me(main, dav_job_addresses(job));
    g_autofree char *now = me != NULL ? partstat_of(main, me) : NULL;
    g_autofree char *before = NULL;
    icalcomponent *old = old_text != NULL ? icalparser_parse_string(old_text) : NULL;

    if (me != NULL && old != NULL && dav_sched_main(old) != NULL)
        before = partstat_of(dav_sched_main(old), me);
    if (old != NULL)
        icalcomponent_free(old);
    if (now == NULL || g_strcmp0(now, before) == 0 ||
        (before == NULL && strcmp(now, "NEEDS-ACTION") == 0))
        return;
    only_me(vcal, me);
    dav_sched_send(job, me, organizer, "REPLY", vcal, NULL);
}

char *
dav_schedule_put(DavJob *job, const char *old_text, const char *new_text)
{
    icalcomponent *vcal = icalparser_parse_string(new_text);
    icalcomponent *main = vcal != NULL ? dav_sched_main(vcal) : NULL;
    icalproperty *org =
        main != NULL ? icalcomponent_get_first_property(main, ICAL_ORGANIZER_PROPERTY) : NULL;
    g_autofree char *organizer =
        org != NULL ? dav_cal_address(icalproperty_get_organizer(org)) : NULL;
    char *updated = NULL;

    if (organizer != NULL && dav_addr_in(dav_job_addresses(job), organizer))
        updated = organizer_put(job, vcal, main, organizer);
    else if (organizer != NULL)
        attendee_put(job, vcal, main, old_text, organizer);
    if (vcal != NULL)
        icalcomponent_free(vcal);
    return updated;
}

void
dav_schedule_delete(DavJob *job, const char *old_text)
{
    icalcomponent *vcal = old_text != NULL ? icalparser_parse_string(old_text) : NULL;
    icalcomponent *main = vcal != NULL ? dav_sched_main(vcal) : NULL;
    icalproperty *org =
        main != NULL ? icalcomponent_get_first_property(main, ICAL_ORGANIZER_PROPERTY) : NULL;
    g_autofree char *organizer =
        org != NULL ? dav_cal_address(icalproperty_get_organizer(org)) : NULL;

    if (organizer != NULL && dav_addr_in(dav_job_addresses(job), organizer)) {
        g_autoptr(GPtrArray) list = attendees(main, organizer);
        icalcomponent_set_status(main, ICAL_STATUS_CANCELLED);
        for (guint i = 0; i < list->len; i++)
            dav_sched_send(job, organizer, list->pdata[i], "CANCEL", vcal, NULL);
    }
    if (vcal != NULL)
        icalcomponent_free(vcal);
}
