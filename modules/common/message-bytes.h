/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * message-bytes.h - what IMAP and POP3 need of the core's mail store
 * whatever minor version of ABI 1 the running core offers: the table
 * itself (HermodApi.mail arrived in 1.1) and a message's bytes
 * (HermodMailApi.read_message arrived in 1.3; open_message before).
 *
 * Decided at run time with HERMOD_API_HAS / HERMOD_MAIL_API_HAS, never by
 * the HERMOD_ABI_MINOR the module was built against: a module built with
 * these headers runs on an older 1.x core.
 */
#ifndef HERMOD_PROTO_MESSAGE_BYTES_H
#define HERMOD_PROTO_MESSAGE_BYTES_H

#include <hermod/hermod.h>
#include <hermod/mailstore.h>

G_BEGIN_DECLS

/* The core's mail table, or NULL when the core has none (ABI 1.0, or a
 * core built without a store).  (transfer none)  Any thread. */
const HermodMailApi *proto_mail_api(const HermodApi *api);

/* The raw bytes of message uid in mailbox: read_message where the core's
 * table has it (read when small, mapped when big), else open_message's
 * mapping wrapped as bytes.  (transfer full), or NULL with the store's
 * error (HERMOD_MAIL_ERROR_NO_MESSAGE when it was expunged).  A quick read
 * that any thread may make. */
GBytes *proto_message_bytes(const HermodMailApi *mail, HermodMailStore *store, const char *mailbox,
                            guint32 uid, GError **error);

G_END_DECLS

#endif
