# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/plugin/: finding, vetting and loading modules, and the function
# tables (HermodApi, HermodMailApi) handed to them.  GModule.

noinst_LTLIBRARIES += core/plugin/libhermod-plugin.la
core_plugin_libhermod_plugin_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_plugin_libhermod_plugin_la_CFLAGS = $(AM_CFLAGS) $(GMODULE_CFLAGS)
core_plugin_libhermod_plugin_la_LIBADD = $(GMODULE_LIBS)
core_plugin_libhermod_plugin_la_SOURCES = \
	core/plugin/module.c core/plugin/module.h core/plugin/modules.c \
	core/plugin/modules.h core/plugin/module-api.c core/plugin/module-api.h \
	core/plugin/mail-api.c core/plugin/mail-api.h \
	core/plugin/web-api.c core/plugin/web-api.h \
	core/plugin/im-api.c core/plugin/im-api.h \
	core/plugin/dav-api.c core/plugin/dav-api.h
EXTRA_DIST += core/plugin/README
