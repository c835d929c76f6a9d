# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/lib/: the bottom layer, GLib only: logging, the event loops, the
# work pool, network addresses.  It includes nothing else of the core.

noinst_LTLIBRARIES += core/lib/libhermod-lib.la
core_lib_libhermod_lib_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_lib_libhermod_lib_la_CFLAGS = $(AM_CFLAGS)
core_lib_libhermod_lib_la_LIBADD = $(GLIB_LIBS)
core_lib_libhermod_lib_la_SOURCES = \
	core/lib/log.c core/lib/log.h core/lib/loop.c core/lib/loop.h \
	core/lib/workpool.c core/lib/workpool.h core/lib/netaddr.c core/lib/netaddr.h \
	core/lib/stats.c core/lib/stats.h
EXTRA_DIST += core/lib/README
