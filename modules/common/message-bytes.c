/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * message-bytes.c - a stored message's bytes for IMAP and POP3, from any
 * 1.x core.
 *
 * Owns the choice between HermodMailApi.read_message (ABI 1.3: a small
 * message is copied, which spares every other CPU the TLB flush of an
 * munmap) and open_message (older cores: always mapped).  It does not
 * cache, parse or stream the message; msgdata.c (IMAP) and retr.c (POP3)
 * do that with what it returns.
 */
#include "autoconfig.h"

#include "message-bytes.h"

const HermodMailApi *
proto_mail_api(const HermodApi *api)
{
    return HERMOD_API_HAS(api, mail) ? api->mail : NULL;
}

GBytes *
proto_message_bytes(const HermodMailApi *mail, HermodMailStore *store, const char *mailbox,
                    guint32 uid, GError **error)
{
    if (HERMOD_MAIL_API_HAS(mail, read_message) && mail->read_message != NULL)
        return mail->read_message(store, mailbox, uid, error);
    GMappedFile *file = mail->open_message(store, mailbox, uid, error);
    if (file == NULL)
        return NULL;
    GBytes *bytes = g_mapped_file_get_bytes(file); /* holds its own reference */
    g_mapped_file_unref(file);
    return bytes;
}
