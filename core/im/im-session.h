/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-session.h - the IM hub's live sessions: who is online, with what
 * presence, and pushing new IMs and presence changes to them.
 *
 * The members behind HermodImApi's session_*, presence_* (hermod/im.h has
 * the contract), and what the hub's delivery calls.  Quick (no SQLite);
 * any thread.
 */
#ifndef HERMOD_CORE_IM_SESSION_H
#define HERMOD_CORE_IM_SESSION_H

#include <glib.h>
#include <hermod/im.h>

G_BEGIN_DECLS

HermodImSession *hermod_im_session_open(const HermodImSessionSpec *spec, GError **error);
void hermod_im_session_close(HermodImSession *session);
void hermod_im_session_set_presence(HermodImSession *session, HermodImPresence presence,
                                    const char *status, gint priority);
const char *hermod_im_session_resource(HermodImSession *session);
/* (transfer full) element HermodImPresenceInfo*; domain nullable. */
GPtrArray *hermod_im_presence_list(const char *domain);
HermodImPresence hermod_im_presence_of(const char *account);
gboolean hermod_im_send_transient(HermodImSession *from, const char *to_account,
                                  const char *to_resource, const char *kind, const char *payload);
void hermod_im_presence_info_free(HermodImPresenceInfo *info);

/* The HERMOD_IM_CLIENT_* bits of account's live sessions now. */
guint32 hermod_im_live_clients(const char *account);
/* Queue im (copied) for every live session of im->account but origin
 * (nullable).  Returns at once; the sessions get it on their threads. */
void hermod_im_push(const HermodIm *im, HermodImSession *origin);
/* Stop the dispatcher thread and end every session (daemon exit, tests). */
void hermod_im_sessions_shutdown(void);
/* Live sessions now (tests, metrics). */
guint hermod_im_session_count(void);

G_END_DECLS

#endif
