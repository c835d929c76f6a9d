# SPDX-License-Identifier: GPL-2.0-or-later
# modules/autoconfig/: Thunderbird, Outlook and Apple mail client
# autoconfiguration from the real listeners (test-web-modules.py).

pkglib_LTLIBRARIES += modules/autoconfig.la
modules_autoconfig_la_SOURCES = modules/autoconfig/module.c modules/autoconfig/handler.c \
	modules/autoconfig/documents.c modules/autoconfig/autoconf.h
modules_autoconfig_la_CFLAGS = $(HERMOD_MODULE_CC)
modules_autoconfig_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_autoconfig_la_LIBADD = $(GLIB_LIBS)
