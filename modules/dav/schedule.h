/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * schedule.h - implicit scheduling (RFC 6638) and iMIP (RFC 6047): what
 * schedule.c, schedule-local.c and imip.c share.
 */
#ifndef HERMOD_DAV_SCHEDULE_H
#define HERMOD_DAV_SCHEDULE_H

#include <libical/ical.h>

#include "dav/dav.h"

/* "mailto:X" -> x, lower case; NULL for anything else.  (transfer full) */
char *dav_cal_address(const char *uri);
/* The calendar object's main component (the master, else the first of
 * VEVENT/VTODO).  (transfer none) */
icalcomponent *dav_sched_main(icalcomponent *vcal);
/* A copy of vcal with METHOD: method (VTIMEZONEs kept). (transfer full) */
char *dav_sched_message(icalcomponent *vcal, const char *method);
/* Is address an account of this server (so its calendar can take the
 * message)?  An alias or an unknown address is not. */
gboolean dav_sched_is_account(const char *address);

/* Deliver an iTIP message to a local account: into its schedule inbox,
 * and applied to its calendar as [dav] says.  from is the sender.
 * Returns the SCHEDULE-STATUS ("1.2" delivered, "5.1" could not). */
const char *dav_sched_deliver_local(DavJob *job, const char *account, const char *method,
                                    icalcomponent *vcal, const char *from);

/* Mail (imip.c).  Blocking (msg_submit).  is_applied: to is a local
 * account that has the message applied already; the mail says so in
 * X-Hermod-iTIP: applied, and imip-in.c leaves it alone. */
gboolean dav_imip_send(const char *from, const char *to, const char *method, const char *subject,
                       const char *readable, const char *ical, gboolean is_applied, GError **error);
gboolean dav_notice_send(const char *from, const char *to, const char *subject,
                         const char *readable, GError **error);
/* What, when, where and who of comp, for a person.  (transfer full) */
char *dav_describe(icalcomponent *comp);

#endif
