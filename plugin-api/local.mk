# SPDX-License-Identifier: GPL-2.0-or-later
# plugin-api/: the public headers, hermod.pc, the ABI baseline and gate.
hermodincludedir = $(includedir)/hermod
hermodinclude_HEADERS = plugin-api/hermod/hermod.h plugin-api/hermod/version.h \
	plugin-api/hermod/setting.h plugin-api/hermod/protocol.h \
	plugin-api/hermod/module.h plugin-api/hermod/api.h
pkgconfig_DATA += plugin-api/hermod.pc
