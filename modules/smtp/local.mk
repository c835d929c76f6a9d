# SPDX-License-Identifier: GPL-2.0-or-later
# modules/smtp/: the SMTP module (MX, submission, SMTPS roles).
#
# The sources are listed once in SMTP_SOURCES so that the unit tests
# (tests/unit/smtp) build the same files against a fake core.

SMTP_SOURCES = \
	modules/smtp/smtp.h \
	modules/smtp/module.c \
	modules/smtp/session.c \
	modules/smtp/commands.c \
	modules/smtp/envelope.c \
	modules/smtp/data.c \
	modules/smtp/header.c modules/smtp/header.h \
	modules/smtp/auth.c \
	modules/smtp/reply.c \
	modules/smtp/parser.c modules/smtp/parser.h

pkglib_LTLIBRARIES += modules/smtp.la
modules_smtp_la_SOURCES = $(SMTP_SOURCES)
modules_smtp_la_CPPFLAGS = $(HERMOD_MODULE_CPPFLAGS)
modules_smtp_la_CFLAGS = $(HERMOD_MODULE_CC)
modules_smtp_la_LDFLAGS = $(HERMOD_MODULE_LINK)
modules_smtp_la_LIBADD = $(HERMOD_PROTO_LIB) $(GLIB_LIBS)
