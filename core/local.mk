# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/: libhermodcore (everything but the two entry points), hermodd, hermodctl.
# One block per subsystem so that parallel work merges cleanly.

noinst_LTLIBRARIES += core/libhermodcore.la
core_libhermodcore_la_CFLAGS = $(AM_CFLAGS) $(GNUTLS_CFLAGS) $(SQLITE_CFLAGS) $(GMIME_CFLAGS) $(GMODULE_CFLAGS)
core_libhermodcore_la_LIBADD = $(GLIB_LIBS) $(GMODULE_LIBS) $(GNUTLS_LIBS) $(SQLITE_LIBS) \
	$(GMIME_LIBS) $(LIBCRYPT_LIBS)
core_libhermodcore_la_SOURCES =

# --- logging
core_libhermodcore_la_SOURCES += core/log.c core/log.h

# --- config, settings tables, module loader, function table
core_libhermodcore_la_SOURCES += core/config.c core/config.h core/config-value.c \
	core/config-value.h core/settings.c core/settings.h core/core-settings.c \
	core/core-settings.h core/ctl.h core/ctl-password.c core/privdrop.c core/privdrop.h \
	core/modules.c core/modules.h core/module-api.c core/module-api.h

# --- module loader (find, vet and load NAME.so; descriptor checks)
core_libhermodcore_la_SOURCES += core/module.c core/module.h

# --- loops, connections, listeners, work pool
core_libhermodcore_la_SOURCES += core/loop.c core/loop.h core/workpool.c core/workpool.h \
	core/conn.c core/conn-input.c core/conn-tls.c core/conn-private.h core/conn.h \
	core/conntrack.c core/conntrack.h core/listener.c core/listener.h core/net-settings.c \
	core/netaddr.c core/netaddr.h
core_libhermodcore_la_SOURCES += core/conn-deflate.c
core_libhermodcore_la_LIBADD += $(ZLIB_LIBS)

# --- TLS certificate store and certificate generation
core_libhermodcore_la_SOURCES += core/tls.c core/tls.h core/tls-cert.c core/tls-cert.h \
	core/tls-load.c core/certgen.c core/certgen.h core/ctl-cert.c

# --- directory, auth, store
core_libhermodcore_la_SOURCES += core/directory.h core/auth.h core/store.h
core_libhermodcore_la_SOURCES += core/directory.c core/directory-addr.c \
	core/directory-accounts.c core/directory-alias.c core/directory-private.h
core_libhermodcore_la_SOURCES += core/store.c core/store-append.c core/store-index.c core/store-file.c \
	core/store-read.c core/store-private.h core/store-mailbox.c core/store-flags.c \
	core/store-copy.c core/store-watch.c core/store-search.c core/mail-api.c core/mail-api.h
# --- store: read results shared between IDLE sessions
core_libhermodcore_la_SOURCES += core/store-share.c
core_libhermodcore_la_SOURCES += core/auth.c core/auth-async.c
core_libhermodcore_la_SOURCES += core/ctl-domain.c core/ctl-user.c core/ctl-alias.c core/ctl-mail.c \
	core/ctl-util.c core/ctl-util.h

# --- message submission and outbound queue
core_libhermodcore_la_SOURCES += core/message.h core/queue.h \
	core/message.c core/dsn.c core/dsn.h \
	core/queue.c core/queue-file.c core/queue-file.h \
	core/queue-route.c core/queue-route.h \
	core/queue-deliver.c core/queue-settle.c core/queue-deliver.h \
	core/smtp-client.c core/smtp-client.h \
	core/ctl-queue.c

# --- the daemon
sbin_PROGRAMS += core/hermodd
core_hermodd_SOURCES = core/main.c
core_hermodd_CFLAGS = $(core_libhermodcore_la_CFLAGS)
core_hermodd_LDADD = core/libhermodcore.la

# --- the admin CLI
sbin_PROGRAMS += core/hermodctl
core_hermodctl_SOURCES = core/ctl.c
core_hermodctl_CFLAGS = $(core_libhermodcore_la_CFLAGS)
core_hermodctl_LDADD = core/libhermodcore.la
