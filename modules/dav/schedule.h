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
/* The account of this server whose calendar takes messages for address:
 * the account itself, or the account an alias leads to alone (ABI 1.13
 * addr_account); NULL for anyone else.  Blocking.  (transfer full) */
char *dav_sched_account(const char *address);
/* The account's calendar user addresses (lower case): the login first,
 * then its aliases.  Blocking.  (transfer full) element char * */
GPtrArray *dav_addresses_of(const char *account);
gboolean dav_addr_in(GPtrArray *addresses, const char *address);
/* The first ATTENDEE of main whose address is in addresses, or NULL.
 * (transfer full) */
char *dav_sched_me(icalcomponent *main, GPtrArray *addresses);

/* Send method from the calendar user from to to: delivered locally
 * (dav_sched_deliver_local) or as iMIP mail.  The SCHEDULE-STATUS. */
const char *dav_sched_send(DavJob *job, const char *from, const char *to, const char *method,
                           icalcomponent *vcal, char **out_partstat);

/* Deliver an iTIP message to a local account: into its schedule inbox,
 * and applied to its calendar as [dav] says.  from is the sender.  A
 * new REQUEST the account's rules decline (decline_conflicts,
 * decline_recurring) is answered DECLINED: in *out_partstat (transfer
 * full) when out_partstat is given (the organizer's copy is being
 * written by the caller), else by a REPLY sent to the organizer.
 * Returns the SCHEDULE-STATUS ("1.2" delivered, "5.1" could not). */
const char *dav_sched_deliver_local(DavJob *job, const char *account, const char *method,
                                    icalcomponent *vcal, const char *from, char **out_partstat);

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
