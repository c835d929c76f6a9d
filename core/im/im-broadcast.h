/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-broadcast.h - admin notices shown once to every user's next webmail
 * page view (hermodctl im broadcast, HermodImApi.broadcast_take).
 */
#ifndef HERMOD_CORE_IM_BROADCAST_H
#define HERMOD_CORE_IM_BROADCAST_H

#include <glib.h>

G_BEGIN_DECLS

/* A new notice, shown until lifetime seconds from now to those who have
 * not seen it.  Durable when it returns.  Blocking; any thread. */
gboolean hermod_im_broadcast_add(const char *text, gint64 lifetime, GError **error);
/* The notices account has not seen yet, oldest first, now marked seen.
 * element char* (transfer full).  Blocking; any thread. */
GPtrArray *hermod_im_broadcast_take(const char *account, GError **error);
/* Notices still shown: element char* "ID EXPIRES TEXT" lines
 * (hermodctl im broadcast --list).  (transfer full) */
GPtrArray *hermod_im_broadcast_list(GError **error);

G_END_DECLS

#endif
