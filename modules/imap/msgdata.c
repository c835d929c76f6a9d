/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * msgdata.c - read a message (modules/common's proto_message_bytes:
 * read_message from an ABI 1.3 core, open_message from an older one) and
 * build its MIME tree, once, for the commands that read message contents.
 * A caller that needs only the bytes (a whole BODY[], the top-level header
 * block) reads without building the tree.
 */
#include "autoconfig.h"

#include "msgdata.h"

#include "common/message-bytes.h"

const HermodMailApi *
imap_mail_api(const ImapMailboxEnv *env)
{
    return proto_mail_api(env->api);
}

gboolean
imap_msg_data_map(ImapMsgData *d, const ImapMailboxEnv *env, const HermodMsgInfo *msg,
                  GError **error)
{
    const HermodMailApi *mail = imap_mail_api(env);
    g_autoptr(GError) local = NULL;

    if (d->bytes != NULL)
        return TRUE;
    if (mail == NULL) {
        g_set_error_literal(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_FAILED, "No mail store");
        return FALSE;
    }
    d->bytes = proto_message_bytes(mail, env->store, env->mailbox, msg->uid, &local);
    if (d->bytes == NULL && local != NULL && local->domain == HERMOD_MAIL_ERROR &&
        local->code != HERMOD_MAIL_ERROR_NO_MESSAGE) {
        g_propagate_error(error, g_steal_pointer(&local)); /* the store failed: not skipped */
        return FALSE;
    }
    if (d->bytes == NULL) {
        g_set_error(error, IMAP_FETCH_ERROR, IMAP_FETCH_ERROR_FAILED,
                    "Message UID %u cannot be read: %s", msg->uid,
                    local != NULL ? local->message : "unknown error");
        return FALSE;
    }
    d->data = g_bytes_get_data(d->bytes, &d->len);
    if (d->data == NULL)
        d->data = "";
    return TRUE;
}

gboolean
imap_msg_data_load(ImapMsgData *d, const ImapMailboxEnv *env, const HermodMsgInfo *msg,
                   GError **error)
{
    if (d->root != NULL)
        return TRUE;
    if (!imap_msg_data_map(d, env, msg, error))
        return FALSE;
    d->root = imap_mime_parse(d->data, d->len);
    return TRUE;
}

void
imap_msg_data_clear(ImapMsgData *d)
{
    imap_mime_part_free(d->root);
    if (d->bytes != NULL)
        g_bytes_unref(d->bytes);
    *d = (ImapMsgData){0};
}
