# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/calendar/: recurrence expansion, time-range and free/busy on
# libical, with no SQL.  Includes only lib/.

noinst_LTLIBRARIES += core/calendar/libhermod-calendar.la
core_calendar_libhermod_calendar_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_calendar_libhermod_calendar_la_CFLAGS = $(AM_CFLAGS) $(ICAL_CFLAGS)
core_calendar_libhermod_calendar_la_LIBADD = $(ICAL_LIBS)
core_calendar_libhermod_calendar_la_SOURCES = \
	core/calendar/calendar.h core/calendar/calendar-instances.c \
	core/calendar/calendar-instances.h core/calendar/calendar.c core/calendar/calendar-expand.c \
	core/calendar/calendar-limit.c \
	core/calendar/calendar-alarms.c
EXTRA_DIST += core/calendar/README
