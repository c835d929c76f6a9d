/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * cmd-capability.c - CAPABILITY (RFC 9051 6.1.1) and ENABLE (RFC 5161,
 * RFC 9051 6.3.1): what the server can do in the session's state, and
 * switching on the extensions that change what it sends (IMAP4rev2,
 * UTF8=ACCEPT, CONDSTORE, QRESYNC).
 *
 * imap_capabilities is also the list the greeting and a good login carry
 * in their [CAPABILITY] code.  Logins are advertised only where
 * imap_may_login allows them.
 */
#include "autoconfig.h"

#include "session.h"

char *
imap_capabilities(ImapSession *s)
{
    GString *c = g_string_new("IMAP4rev1 IMAP4rev2 LITERAL+ ID ENABLE IDLE NAMESPACE");
    if (s->state == IMAP_STATE_NOAUTH) {
        if (imap_api->conn_may_start_tls(s->conn))
            g_string_append(c, " STARTTLS");
        if (imap_may_login(s))
            g_string_append(c, " AUTH=PLAIN SASL-IR");
        else
            g_string_append(c, " LOGINDISABLED");
        return g_string_free(c, FALSE);
    }
    g_string_append(c, " UNSELECT CHILDREN SPECIAL-USE LIST-EXTENDED LIST-STATUS UIDPLUS MOVE"
                       " CONDSTORE QRESYNC QUOTA QUOTA=RES-STORAGE UTF8=ACCEPT"
                       " ESEARCH SEARCHRES SORT THREAD=ORDEREDSUBJECT THREAD=REFERENCES BINARY"
                       " COMPRESS=DEFLATE");
    g_string_append_printf(c, " APPENDLIMIT=%" G_GUINT64_FORMAT, s->lim.max_message_size);
    return g_string_free(c, FALSE);
}

void
imap_cmd_capability(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    g_autofree char *caps = imap_capabilities(s);
    imap_printf(s, "* CAPABILITY %s\r\n", caps);
    imap_ok_after_command(s, cmd->tag, "CAPABILITY completed");
}

void
imap_cmd_enable(ImapSession *s, ImapCommand *cmd, gboolean is_uid)
{
    GString *enabled = g_string_new("* ENABLED");
    for (guint i = 0; i < cmd->args->len; i++) {
        ImapArg *a = g_ptr_array_index(cmd->args, i);
        gboolean *flag = NULL;
        if (imap_arg_atom_is(a, "IMAP4rev2"))
            flag = &s->is_rev2;
        else if (imap_arg_atom_is(a, "UTF8=ACCEPT"))
            flag = &s->is_utf8;
        else if (imap_arg_atom_is(a, "CONDSTORE"))
            flag = &s->is_condstore;
        else if (imap_arg_atom_is(a, "QRESYNC"))
            flag = &s->is_qresync;
        if (flag == NULL || *flag)
            continue;
        *flag = TRUE;
        if (flag == &s->is_qresync)
            s->is_condstore = TRUE;
        g_string_append_printf(enabled, " %s", a->str);
    }
    if (cmd->args->len == 0) {
        g_string_free(enabled, TRUE);
        imap_tagged(s, cmd->tag, "BAD", "CLIENTBUG", "ENABLE needs capabilities");
        return;
    }
    g_string_append(enabled, "\r\n");
    imap_write(s, enabled->str, enabled->len);
    g_string_free(enabled, TRUE);
    imap_ok_after_command(s, cmd->tag, "ENABLE completed");
}
