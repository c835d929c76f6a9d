/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module.c - the dav module's whole surface: descriptor, settings, init.
 *
 * CalDAV (RFC 4791), CardDAV (RFC 6352), sync-collection (RFC 6578) and
 * the plain WebDAV (RFC 4918) they stand on, below /dav on the web
 * server, with discovery (RFC 6764) at /.well-known/caldav and
 * /.well-known/carddav.  Layout (path.c):
 *
 *   /dav/principals/ACCOUNT/           the principal
 *   /dav/cal/ACCOUNT/NAME/OBJECT.ics   calendars (and plain collections)
 *   /dav/card/ACCOUNT/NAME/OBJECT.vcf  address books
 *
 * Logins: HTTP Basic over TLS (the core counts failures for screening),
 * or the core's web session cookie with its CSRF header, so that the
 * webmail reaches the same data from the browser.  Objects live in the
 * account's store (HermodApi.dav, ABI 1.9); recurrence and time-range
 * arithmetic is the core's (core/calendar/).  Calendar reminders
 * (remind.c) fire the events' alarms as IMs and mail.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>
#include <libical/ical.h>

#include "dav/dav.h"
#include "dav/remind.h"

const HermodApi *dav_api;
HermodModule *dav_module;

void dav_on_request(HermodHttpRequest *req, gpointer data);

const HermodSetting dav_settings[] = {
    {"max_resource_size", HERMOD_SETTING_SIZE, "10M", 1024, 1073741824, NULL,
     "largest calendar object, vCard or file a PUT may store, in bytes"},
    {"allow_plain_http", HERMOD_SETTING_BOOL, "false", 0, 0, NULL,
     "accept HTTP Basic passwords over plain HTTP (never do this off loopback)"},
    {"scheduling", HERMOD_SETTING_BOOL, "true", 0, 0, NULL,
     "implicit scheduling: invitations, replies and cancellations to attendees and organizers "
     "(local ones directly, others by iMIP mail)"},
    {"auto_schedule", HERMOD_SETTING_BOOL, "true", 0, 0, NULL,
     "place invitations for local accounts on their calendar as tentative, apply updates and "
     "cancellations"},
    {"conflict_notices", HERMOD_SETTING_BOOL, "true", 0, 0, NULL,
     "mail an invited account that is busy at the proposed time"},
    {"decline_conflicts", HERMOD_SETTING_BOOL, "false", 0, 0, NULL,
     "answer DECLINED to a new invitation that overlaps an event already on the calendar"},
    {"decline_recurring", HERMOD_SETTING_BOOL, "false", 0, 0, NULL,
     "answer DECLINED to a new invitation to a recurring event"},
    {"organizer_summary", HERMOD_SETTING_BOOL, "true", 0, 0, NULL,
     "mail the organizer a summary once every attendee has answered"},
    {"local_invitation_mail", HERMOD_SETTING_BOOL, "true", 0, 0, NULL,
     "also mail local accounts the invitations, cancellations and replies scheduled for them, "
     "so that they show in their mail (the webmail's invitation card)"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static gboolean
mount_one(HermodModule *self, const char *prefix, GError **error)
{
    HermodWebMount mount = {
        .struct_size = sizeof(HermodWebMount),
        .prefix = prefix,
        .max_body = (gsize)dav_api->setting_int(self, "max_resource_size") + 64 * 1024,
        .on_request = dav_on_request,
    };

    return dav_api->web->mount(self, &mount, error);
}

static gboolean
dav_init(const HermodApi *api, HermodModule *self, GError **error)
{
    if (!HERMOD_API_HAS(api, dav) || api->dav == NULL || api->web == NULL) {
        g_set_error(error, g_quark_from_static_string("dav-error"), 0,
                    "dav needs the calendar store of ABI 1.9; this core offers %u.%u",
                    api->abi_major, api->abi_minor);
        return FALSE;
    }
    dav_api = api;
    dav_module = self;
    LIBXML_TEST_VERSION;
    icalerror_set_errors_are_fatal(0);
    g_mime_init();
    if (!mount_one(self, DAV_ROOT, error) || !mount_one(self, "/.well-known/caldav", error) ||
        !mount_one(self, "/.well-known/carddav", error))
        return FALSE;
    dav_imip_start();
    dav_remind_start();
    return TRUE;
}

static void
dav_shutdown(HermodModule *self)
{
    dav_imip_stop();
    dav_instances_clear();
    dav_remind_stop();
    dav_module = NULL;
}

HERMOD_MODULE(dav) = {
    HERMOD_MODULE_HEADER,     .name = "dav",    .version = PACKAGE_VERSION,
    .settings = dav_settings, .init = dav_init, .shutdown = dav_shutdown,
};
