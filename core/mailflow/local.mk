# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/mailflow/: message submission (local delivery or the queue), the
# durable outbound queue, routing, DSNs, the SMTP client.  GMime, GnuTLS.

noinst_LTLIBRARIES += core/mailflow/libhermod-mailflow.la
core_mailflow_libhermod_mailflow_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_mailflow_libhermod_mailflow_la_CFLAGS = $(AM_CFLAGS) $(GMIME_CFLAGS) $(GNUTLS_CFLAGS)
core_mailflow_libhermod_mailflow_la_LIBADD = $(GMIME_LIBS) $(GNUTLS_LIBS)
core_mailflow_libhermod_mailflow_la_SOURCES = \
	core/mailflow/message.c core/mailflow/message.h core/mailflow/dsn.c \
	core/mailflow/dsn.h core/mailflow/queue.c core/mailflow/queue.h \
	core/mailflow/queue-file.c core/mailflow/queue-file.h \
	core/mailflow/queue-route.c core/mailflow/queue-route.h \
	core/mailflow/queue-deliver.c core/mailflow/queue-deliver.h \
	core/mailflow/queue-settle.c core/mailflow/smtp-client.c \
	core/mailflow/smtp-client.h core/mailflow/vacation.c core/mailflow/vacation.h \
	core/mailflow/delivery-watch.c core/mailflow/delivery-watch.h
EXTRA_DIST += core/mailflow/README
