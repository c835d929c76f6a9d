/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im.h - the IM hub: one function delivers an instant message to an
 * account (history, live sessions, the daily IM log), and the reads the
 * webmail, XMPP and hermodctl need.
 *
 * HermodImApi (hermod/im.h) is these functions; its comments are the
 * contract.  Live sessions are im-session.h's, broadcasts
 * im-broadcast.h's.  Calls marked blocking there block here too.
 */
#ifndef HERMOD_CORE_IM_H
#define HERMOD_CORE_IM_H

#include <glib.h>
#include <hermod/im.h>

G_BEGIN_DECLS

/* Where the hub keeps its files (data_dir/im: broadcasts); the central
 * log goes through lib/log.c's data_dir/logs.  Call once at start-up
 * (hermodd, hermodctl). */
void hermod_im_set_data_dir(const char *data_dir);
/* data_dir/im (transfer none), or NULL before hermod_im_set_data_dir. */
const char *hermod_im_dir(void);
/* End live sessions and the dispatcher (daemon exit). */
void hermod_im_shutdown(void);

gboolean hermod_im_deliver(const HermodImSend *req, gint64 *out_id, gint64 *out_sender_id,
                           GError **error);
/* The same for a notice from the server itself (new mail, reminders):
 * req->sender is shown as the sender but never gets a copy, even if it
 * is a local address. */
gboolean hermod_im_deliver_notice(const HermodImSend *req, gint64 *out_id, GError **error);
/* New-mail notifications (im-notify.c): hook into mail delivery; stop
 * waits for the queued ones (hermod_im_shutdown calls it). */
void hermod_im_notify_start(void);
void hermod_im_notify_stop(void);

GPtrArray *hermod_im_history(const HermodImQuery *q, GError **error);
gboolean hermod_im_set_flags(const char *account, const gint64 *ids, gsize n_ids, guint32 flags,
                             gboolean is_on, GError **error);
gboolean hermod_im_unread(const char *account, guint *out_total, GHashTable **out_by_sender,
                          GError **error);
gboolean hermod_im_resolve(const char *address, char **out_account, GError **error);
GPtrArray *hermod_im_accounts(const char *domain, GError **error);
gboolean hermod_im_setting_get(const char *account, const char *key, char **out_value,
                               GError **error);
gboolean hermod_im_setting_set(const char *account, const char *key, const char *value,
                               GError **error);

/* One line of the central log data_dir/logs/im-YYYY-MM-DD.log (local
 * date, rotated by name): time, source, session, sender, recipient,
 * size, result.  Any thread. */
void hermod_im_log(const char *source, const char *session, const char *sender,
                   const char *recipient, gsize size, const char *result);

G_END_DECLS

#endif
