/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * remind.h - calendar reminders: the scheduler (remind.c) and the
 * firing of one object's alarms (remind-fire.c).
 */
#ifndef HERMOD_DAV_REMIND_H
#define HERMOD_DAV_REMIND_H

#include <hermod/hermod.h>

/* Start the scheduler thread (dav_init) and stop it (dav_shutdown);
 * without the ABI 1.14 members it logs why and stays off. */
void dav_remind_start(void);
void dav_remind_stop(void);
/* account's calendars changed (a PUT, DELETE, MOVE...): look at its
 * alarms again soon.  Any thread. */
void dav_remind_changed(const char *account);
/* A PUT stored object name of account's calendar collection_id: look at
 * its alarms soon (and at no other object's).  Any thread. */
void dav_remind_object_changed(const char *account, gint64 collection_id, const char *name);

/* Fire the alarms of object o of calendar collection_id that came due
 * since they last were, up to now, and record how far that went.  The
 * next due time after now in *out_next (G_MAXINT64: none); FALSE when
 * the store or the hub failed (then try again soon).  Blocking. */
gboolean dav_remind_object(HermodMailStore *store, const char *account, gint64 collection_id,
                           const HermodDavObject *o, gint64 now, gint64 *out_next);

#endif
