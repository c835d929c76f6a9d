# SPDX-License-Identifier: GPL-2.0-or-later
# modules/webim/: the webmail's IM API under /im/api/ over the IM hub
# (test-webim.py).  json-glib.

pkglib_LTLIBRARIES += modules/webim.la
modules_webim_la_SOURCES = modules/webim/module.c modules/webim/webim.h \
	modules/webim/api.c modules/webim/events.c
modules_webim_la_CFLAGS = $(HERMOD_MODULE_CC) $(JSON_CFLAGS)
modules_webim_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_webim_la_LIBADD = $(JSON_LIBS) $(GLIB_LIBS)
# The webmail's IM panel that talks to it (test-im-panel.py, in Chromium).
EXTRA_DIST += themes/default/js/im.js themes/default/css/im.css
