# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/hermodd/: the daemon's entry point (start-up order, signals) and the
# privilege drop it shares with hermodctl.  The top of the core: it may
# include every folder below it.

noinst_LTLIBRARIES += core/hermodd/libhermod-hermodd.la
core_hermodd_libhermod_hermodd_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_hermodd_libhermod_hermodd_la_CFLAGS = $(AM_CFLAGS)
core_hermodd_libhermod_hermodd_la_SOURCES = core/hermodd/privdrop.c core/hermodd/privdrop.h \
	core/hermodd/sections.c core/hermodd/sections.h core/hermodd/settings-dump.c \
	core/hermodd/settings-dump.h core/hermodd/notify.c core/hermodd/notify.h

sbin_PROGRAMS += core/hermodd/hermodd
core_hermodd_hermodd_SOURCES = core/hermodd/main.c
core_hermodd_hermodd_CPPFLAGS = $(CORE_CPPFLAGS)
core_hermodd_hermodd_CFLAGS = $(AM_CFLAGS) $(GMODULE_CFLAGS)
core_hermodd_hermodd_LDADD = core/hermodd/libhermod-hermodd.la $(HERMOD_CORE_LIBS)
EXTRA_DIST += core/hermodd/README
