/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * delivery-watch.h - who is told of each local delivery (modules, through
 * HermodApi.delivery_watch_add, ABI 1.13).
 */
#ifndef HERMOD_DELIVERY_WATCH_H
#define HERMOD_DELIVERY_WATCH_H

#include <glib.h>
#include <hermod/api.h>

G_BEGIN_DECLS

/* Any thread.  Returns an id > 0. */
guint hermod_delivery_watch_add(HermodDeliveryFunc fn, gpointer data);
/* After it returns, fn is not called again and no call is running. */
void hermod_delivery_watch_remove(guint id);
/* Call every watch: a message was stored in account's INBOX. */
void hermod_delivery_watch_notify(const char *account, const char *sender, GBytes *message);

G_END_DECLS

#endif
