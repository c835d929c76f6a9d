# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/config/: the config file (GKeyFile), typed values, settings tables
# and the [core] table.  Includes lib/ only.

noinst_LTLIBRARIES += core/config/libhermod-config.la
core_config_libhermod_config_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_config_libhermod_config_la_CFLAGS = $(AM_CFLAGS)
core_config_libhermod_config_la_SOURCES = \
	core/config/config.c core/config/config.h core/config/config-value.c \
	core/config/config-value.h core/config/settings.h \
	core/config/core-settings.c core/config/core-settings.h
EXTRA_DIST += core/config/README
