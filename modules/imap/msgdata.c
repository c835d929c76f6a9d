/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * msgdata.c - read a message through HermodMailApi.read_message (ABI 1.3;
 * open_message from an older core) and build its MIME tree, once, for the
 * commands that read message contents.  A caller that needs only the bytes
 * (a whole BODY[], the top-level header block) reads without building the
 * tree.
 */
#include "autoconfig.h"

#include "msgdata.h"

#include <hermod/version.h>

const HermodMailApi *
imap_mail_api(const ImapMailboxEnv *env)
{
#if HERMOD_ABI_MINOR >= 1
    return HERMOD_API_HAS(env->api, mail) ? env->api->mail : NULL;
#else
    (void)env; /* HermodApi.mail arrives with ABI 1.1 */
    return NULL;
#endif
}

/* The bytes of msg: read (small) or mapped (big) by a 1.3 core, mapped by
 * an older one.  (transfer full) */
static GBytes *
message_bytes(const HermodMailApi *mail, const ImapMailboxEnv *env, guint32 uid, GError **error)
{
#if HERMOD_ABI_MINOR >= 3
    if (HERMOD_MAIL_API_HAS(mail, read_message))
        return mail->read_message(env->store, env->mailbox, uid, error);
#endif
    GMappedFile *file = mail->open_message(env->store, env->mailbox, uid, error);
    if (file == NULL)
        return NULL;
    GBytes *bytes = g_mapped_file_get_bytes(file); /* holds its own reference */
    g_mapped_file_unref(file);
    return bytes;
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
    d->bytes = message_bytes(mail, env, msg->uid, &local);
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
