# SPDX-License-Identifier: GPL-2.0-or-later
#
# core/im/: the IM hub: deliver an IM to an account (history in the
# account's store, push to live sessions, the daily IM log), live sessions
# and presence, broadcasts, new-mail notifications.  json-glib, GMime.
# Includes lib/ .. web/ (the store's
# history, the directory's addresses, net's loops, web's event streams).

noinst_LTLIBRARIES += core/im/libhermod-im.la
core_im_libhermod_im_la_CPPFLAGS = $(CORE_CPPFLAGS)
core_im_libhermod_im_la_CFLAGS = $(AM_CFLAGS) $(JSON_CFLAGS) $(GMIME_CFLAGS)
core_im_libhermod_im_la_LIBADD = $(JSON_LIBS) $(GMIME_LIBS)
core_im_libhermod_im_la_SOURCES = \
	core/im/im.c core/im/im.h core/im/im-deliver.c core/im/im-history.c \
	core/im/im-log.c core/im/im-session.c core/im/im-session.h \
	core/im/im-json.c core/im/im-json.h core/im/im-broadcast.c core/im/im-broadcast.h \
	core/im/im-notify.c
EXTRA_DIST += core/im/README
