/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * args.c - the arguments several commands read alike: the n-th argument,
 * a mailbox name (modified UTF-7 or UTF-8 from the client, the store's
 * UTF-8 with INBOX normalised) and a message set (sequence numbers or
 * UIDs, as UIDs of the selected view).
 *
 * Each answers "TAG BAD" itself when the argument is not what the command
 * needs, so a command only checks for NULL.  Commands own their grammar
 * beyond these.
 */
#include "autoconfig.h"

#include <string.h>

#include "mutf7.h"
#include "session.h"

ImapArg *
imap_cmd_arg(ImapCommand *cmd, guint i)
{
    return i < cmd->args->len ? g_ptr_array_index(cmd->args, i) : NULL;
}

char *
imap_arg_mailbox(ImapSession *s, const char *tag, const ImapArg *arg)
{
    if (arg == NULL || !imap_arg_is_astring(arg) || memchr(arg->str, '\0', arg->len) != NULL) {
        imap_tagged(s, tag, "BAD", "CLIENTBUG", "Mailbox name expected");
        return NULL;
    }
    char *name = NULL;
    if (s->is_utf8 || s->is_rev2)
        name = g_utf8_validate(arg->str, -1, NULL) ? g_strdup(arg->str) : NULL;
    else
        name = imap_mutf7_decode(arg->str);
    if (name == NULL) {
        imap_tagged(s, tag, "BAD", "CLIENTBUG", "Mailbox name is not valid");
        return NULL;
    }
    gsize len = strlen(name);
    while (len > 1 && name[len - 1] == '/')
        name[--len] = '\0'; /* "foo/" names the mailbox foo (RFC 9051 6.3.4) */
    if (g_ascii_strcasecmp(name, "INBOX") == 0 || (g_ascii_strncasecmp(name, "INBOX/", 6) == 0))
        memcpy(name, "INBOX", 5);
    return name;
}

GArray *
imap_arg_uids(ImapSession *s, ImapCommand *cmd, guint i, gboolean is_uid)
{
    ImapArg *a = imap_cmd_arg(cmd, i);
    g_autoptr(GError) error = NULL;
    GArray *uids = a != NULL && a->type == IMAP_ARG_ATOM
                       ? imap_selected_uids(s, a->str, is_uid, &error)
                       : NULL;
    if (uids == NULL)
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG",
                    error != NULL ? error->message : "Message set expected");
    return uids;
}
