# SPDX-License-Identifier: GPL-2.0-or-later
# modules/dav/: CalDAV, CardDAV, sync-collection and the WebDAV under
# them, below /dav on the web server (test-dav*.py).  libxml2, libical.

pkglib_LTLIBRARIES += modules/dav.la
modules_dav_la_SOURCES = modules/dav/module.c modules/dav/dav.h modules/dav/request.c \
	modules/dav/path.c modules/dav/resource.c modules/dav/xml.c modules/dav/props.c \
	modules/dav/response.c modules/dav/propfind.c modules/dav/proppatch.c \
	modules/dav/mkcol.c modules/dav/object.c modules/dav/copymove.c modules/dav/report.c \
	modules/dav/freebusy.c modules/dav/filter.c modules/dav/ical.c modules/dav/vcard.c \
	modules/dav/schedule.h modules/dav/schedule.c modules/dav/schedule-local.c modules/dav/imip.c modules/dav/plain.c modules/dav/locks.c modules/dav/lock.c modules/dav/outbox.c modules/dav/imip-in.c \
	modules/dav/instances.c \
	modules/dav/remind.h modules/dav/remind.c modules/dav/remind-fire.c
modules_dav_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_dav_la_CFLAGS = $(HERMOD_MODULE_CC) $(XML_CFLAGS) $(ICAL_CFLAGS) $(GMIME_CFLAGS)
modules_dav_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_dav_la_LIBADD = $(GLIB_LIBS) $(XML_LIBS) $(ICAL_LIBS) $(GMIME_LIBS)
