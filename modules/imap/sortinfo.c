/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sortinfo.c - read the headers SORT and THREAD work on (RFC 5256):
 * the first mailbox of From/To/Cc (its local part, the "addr-mailbox"),
 * the sent date (Date header in UTC, the internal date when missing or
 * unparsable), the base subject and the message ids; and the step both
 * commands start with, running their search and loading those of each hit
 * (imap_sort_info_search).  Ordering and threading stay in sort.c and
 * thread.c.
 */
#include "autoconfig.h"

#include "sortinfo.h"

#include <gmime/gmime.h>
#include <string.h>

#include "msgdata.h"
#include "subject.h"

static char *
first_mailbox(const ImapMsgData *d, const char *name)
{
    g_autofree char *raw = imap_mime_header(d->data, d->root->start, d->root->body, name);
    InternetAddressList *list = raw != NULL ? internet_address_list_parse(NULL, raw) : NULL;
    char *out = NULL;

    for (int i = 0; list != NULL && out == NULL && i < internet_address_list_length(list); i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(ia)) {
            InternetAddressList *m = internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia));
            if (m == NULL || internet_address_list_length(m) == 0)
                continue;
            ia = internet_address_list_get_address(m, 0);
            if (INTERNET_ADDRESS_IS_GROUP(ia))
                continue;
        }
        const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
        const char *at = addr != NULL ? strrchr(addr, '@') : NULL;
        out = g_ascii_strup(addr != NULL ? addr : "", at != NULL ? at - addr : -1);
    }
    if (list != NULL)
        g_object_unref(list);
    return out != NULL ? out : g_strdup("");
}

char **
imap_parse_msgids(const char *value)
{
    GPtrArray *ids = g_ptr_array_new();

    for (const char *p = value; p != NULL && (p = strchr(p, '<')) != NULL;) {
        const char *end = strchr(p + 1, '>');
        if (end == NULL)
            break;
        if (end > p + 1 && memchr(p + 1, '<', end - p - 1) == NULL)
            g_ptr_array_add(ids, g_strndup(p + 1, end - p - 1));
        p = end + 1;
    }
    g_ptr_array_add(ids, NULL);
    return (char **)g_ptr_array_free(ids, FALSE);
}

static gint64
sent_date(const ImapMsgData *d, const HermodMsgInfo *msg)
{
    g_autofree char *raw = imap_mime_header(d->data, d->root->start, d->root->body, "Date");
    g_autoptr(GDateTime) dt = raw != NULL ? g_mime_utils_header_decode_date(raw) : NULL;
    return dt != NULL ? g_date_time_to_unix(dt) : msg->internal_date;
}

static void
load_ids(ImapSortInfo *info, const ImapMsgData *d)
{
    g_autofree char *id = imap_mime_header(d->data, d->root->start, d->root->body, "Message-ID");
    g_auto(GStrv) ids = imap_parse_msgids(id);
    g_autofree char *refs = imap_mime_header(d->data, d->root->start, d->root->body, "References");

    info->message_id = ids[0] != NULL ? g_strdup(ids[0]) : NULL;
    info->references = imap_parse_msgids(refs);
    if (info->references[0] == NULL) {
        g_strfreev(info->references);
        g_autofree char *irt =
            imap_mime_header(d->data, d->root->start, d->root->body, "In-Reply-To");
        g_auto(GStrv) parents = imap_parse_msgids(irt);
        info->references = g_new0(char *, 2);
        info->references[0] = g_strdup(parents[0]);
    }
}

gboolean
imap_sort_info_load(ImapSortInfo *info, const ImapMailboxEnv *env, GPtrArray *msgs, guint idx,
                    GError **error)
{
    ImapMsgData d = {0};

    *info = (ImapSortInfo){.idx = idx, .msg = msgs->pdata[idx]};
    if (!imap_msg_data_load(&d, env, info->msg, error))
        return FALSE;
    info->from = first_mailbox(&d, "From");
    info->to = first_mailbox(&d, "To");
    info->cc = first_mailbox(&d, "Cc");
    info->sent = sent_date(&d, info->msg);
    g_autofree char *subject =
        imap_mime_header_decoded(d.data, d.root->start, d.root->body, "Subject");
    g_autofree char *base = imap_subject_base(subject, &info->is_reply);
    info->subject = g_ascii_strup(base, -1);
    load_ids(info, &d);
    imap_msg_data_clear(&d);
    return TRUE;
}

void
imap_sort_info_clear(ImapSortInfo *info)
{
    g_free(info->from);
    g_free(info->to);
    g_free(info->cc);
    g_free(info->subject);
    g_free(info->message_id);
    g_strfreev(info->references);
}

static void
info_clear(gpointer p)
{
    imap_sort_info_clear(p);
}

GArray *
imap_sort_info_search(const ImapMailboxEnv *env, ImapSearchProgram *prog, GPtrArray *msgs,
                      GError **error)
{
    g_autoptr(GArray) hits = imap_search_program_run(env, prog, msgs, NULL, error);
    if (hits == NULL)
        return NULL;
    /* Zero-filled, so that clearing entries not yet loaded is harmless. */
    g_autoptr(GArray) infos = g_array_new(FALSE, TRUE, sizeof(ImapSortInfo));
    g_array_set_clear_func(infos, info_clear);
    g_array_set_size(infos, hits->len);
    for (guint i = 0; i < hits->len; i++) {
        if (!imap_sort_info_load(&g_array_index(infos, ImapSortInfo, i), env, msgs,
                                 g_array_index(hits, guint, i), error))
            return NULL;
    }
    return g_steal_pointer(&infos);
}
