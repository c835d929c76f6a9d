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

HermodMessage *hermod_message_new(const char *session);
gboolean hermod_message_append(HermodMessage *msg, const void *data, gsize len);
void hermod_message_set_limit(HermodMessage *msg, gsize max_size);
gsize hermod_message_size(HermodMessage *msg);
void hermod_message_set_sender(HermodMessage *msg, const char *sender, const char *envid);
void hermod_message_add_recipient(HermodMessage *msg, const char *rcpt, guint notify,
                                  const char *orcpt);
void hermod_message_set_flags(HermodMessage *msg, guint flags);
void hermod_message_set_auth(HermodMessage *msg, const char *account);
/* Blocking; any thread but a loop thread.  Logs one summary line. */
gboolean hermod_message_submit(HermodMessage *msg, char **out_id, GError **error);
void hermod_message_free(HermodMessage *msg);

G_END_DECLS

#endif
