# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/ctl/: hermodctl, the admin CLI, as its own program: one file per
# noun (user, alias, domain, cert, queue, mail), each a table of commands.
# It sits beside hermodd at the top and uses the same subsystems.

noinst_LTLIBRARIES += core/ctl/libhermod-ctl.la
core_ctl_libhermod_ctl_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_ctl_libhermod_ctl_la_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(GMIME_CFLAGS) $(GNUTLS_CFLAGS) \
	$(GMODULE_CFLAGS)
core_ctl_libhermod_ctl_la_SOURCES = \
	core/ctl/ctl.h core/ctl/ctl-util.c core/ctl/ctl-util.h core/ctl/ctl-password.c \
	core/ctl/ctl-alias.c core/ctl/ctl-cert.c core/ctl/ctl-domain.c core/ctl/ctl-mail.c core/ctl/ctl-im.c \
	core/ctl/ctl-queue.c core/ctl/ctl-user.c core/ctl/ctl-session.c \
	core/ctl/ctl-config.c core/ctl/ctl-import.c core/ctl/ctl-import.h \
	core/ctl/ctl-import-local.c core/ctl/ctl-import-mbox.c core/ctl/ctl-import-imap.c \
	core/ctl/imap-client.c core/ctl/imap-client.h

bin_PROGRAMS += core/ctl/hermodctl
core_ctl_hermodctl_SOURCES = core/ctl/ctl.c
core_ctl_hermodctl_CPPFLAGS = $(CORE_CPPFLAGS)
core_ctl_hermodctl_CFLAGS = $(AM_CFLAGS)
core_ctl_hermodctl_LDADD = core/ctl/libhermod-ctl.la core/hermodd/libhermod-hermodd.la \
	$(HERMOD_CORE_LIBS)
EXTRA_DIST += core/ctl/README
