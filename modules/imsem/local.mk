# SPDX-License-Identifier: GPL-2.0-or-later
# modules/imsem/: IM-*.SEM semaphore files dropped by scripts, delivered
# through the IM hub (test-imsem.py; the parser: test-sem-parse,
# fuzz-sem-parse).

pkglib_LTLIBRARIES += modules/imsem.la
modules_imsem_la_SOURCES = modules/imsem/module.c modules/imsem/imsem.h \
	modules/imsem/drop.c modules/imsem/process.c \
	modules/imsem/sem-parse.c modules/imsem/sem-parse.h
modules_imsem_la_CFLAGS = $(HERMOD_MODULE_CC)
modules_imsem_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_imsem_la_LIBADD = $(GLIB_LIBS)
