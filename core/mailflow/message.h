/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * message.h - a message in transit and the core's one submission path.
 *
 * HermodMessage gathers an envelope and raw bytes (HermodApi.msg_*).
 * hermod_message_submit() delivers local recipients into their INBOX
 * (adding Return-Path) through the store and hands the rest to the outbound
 * queue; it returns only once everything is durable.  Every module that
 * sends mail (SMTP, CalDAV invitations, bounces) comes through here.
 */
#ifndef HERMOD_CORE_MESSAGE_H
#define HERMOD_CORE_MESSAGE_H

#include <glib.h>
#include <hermod/api.h>

G_BEGIN_DECLS

/* These back HermodApi.msg_* one for one (contracts in hermod/api.h).  A
 * message is used by one thread at a time; any thread may build it. */

/* A new, empty message; session (nullable) tags its log lines.
 * (transfer full) */
HermodMessage *hermod_message_new(const char *session);
/* Append raw bytes.  Once the total offered passes the limit, returns FALSE
 * and keeps nothing more; submit then fails with TOO_BIG. */
gboolean hermod_message_append(HermodMessage *msg, const void *data, gsize len);
/* 0: no limit (the default). */
void hermod_message_set_limit(HermodMessage *msg, gsize max_size);
/* Bytes offered so far, kept or not (compare with the limit for 552). */
gsize hermod_message_size(HermodMessage *msg);
/* sender "" (or NULL) is the null sender; envid (nullable) is DSN ENVID,
 * xtext-decoded.  Strings are copied. */
void hermod_message_set_sender(HermodMessage *msg, const char *sender, const char *envid);
/* notify: HermodNotify bits; orcpt (nullable): "rfc822;addr", xtext-decoded.
 * Strings are copied. */
void hermod_message_add_recipient(HermodMessage *msg, const char *rcpt, guint notify,
                                  const char *orcpt);
/* HermodMsgFlags. */
void hermod_message_set_flags(HermodMessage *msg, guint flags);
/* The authenticated account, for the log line; nullable; copied. */
void hermod_message_set_auth(HermodMessage *msg, const char *account);
/* Expand the recipients through the directory (aliases fan out; duplicates
 * go), store a copy with "Return-Path: <sender>" into each local account's
 * INBOX and queue the rest, all durably, then log one line:
 *   id=ID from=<s> to=<r1>,<r2> size=N [auth=A] local=N queued=N result=ok
 * Errors: HERMOD_SUBMIT_ERROR (TEMP, QUOTA, TOO_BIG, REJECTED for an
 * unknown local recipient).  *out_id (nullable out) gets the queue id, or a
 * message id when nothing was queued (transfer full).  Blocking (fsync):
 * any thread but a loop thread.  msg stays the caller's. */
gboolean hermod_message_submit(HermodMessage *msg, char **out_id, GError **error);
/* Nullable. */
void hermod_message_free(HermodMessage *msg);

/* Called after each message submit delivered into a local account's
 * INBOX (account canonical, data the stored bytes, transfer none), on
 * the submitting thread: it must return quickly (queue slow work).  A
 * higher layer (the IM hub's new-mail notifications) registers it; NULL
 * removes it.  Set once at start-up. */
typedef void (*HermodDeliveredHook)(const char *account, GBytes *data);
void hermod_message_set_delivered_hook(HermodDeliveredHook hook);

G_END_DECLS

#endif
