/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-mail.c - "hermodctl mail folders|list|cat": look into an account's
 * store without a mail client.
 *
 * list prints one tab-separated line per message: UID, internal date (UTC),
 * size, flags as maildir letters (D draft, F flagged, R answered, S seen,
 * T deleted; "-" for none), From and Subject decoded by GMime.  cat writes
 * the message's raw bytes to stdout.  Only accounts the directory knows
 * are opened, so a typo never creates a mail folder.  The store may be
 * open in the running daemon at the same time: SQLite's WAL lets both read.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>
#include <stdio.h>

#include "ctl/ctl-util.h"
#include "ctl/ctl.h"
#include "directory/directory.h"
#include "store/store.h"

static HermodStore *
open_account(const char *address, GError **error)
{
    g_autofree char *account = hermod_directory_canonical(address);
    gboolean exists = FALSE;

    if (account != NULL && !hermod_directory_account_exists(account, &exists, error))
        return NULL;
    if (!exists) {
        g_set_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND,
                    "no such account: %s", address);
        return NULL;
    }
    return hermod_store_open(account, error);
}

static char *
flag_letters(guint32 flags)
{
    GString *s = g_string_new(NULL);

    if (flags & HERMOD_MAIL_FLAG_DRAFT)
        g_string_append_c(s, 'D');
    if (flags & HERMOD_MAIL_FLAG_FLAGGED)
        g_string_append_c(s, 'F');
    if (flags & HERMOD_MAIL_FLAG_ANSWERED)
        g_string_append_c(s, 'R');
    if (flags & HERMOD_MAIL_FLAG_SEEN)
        g_string_append_c(s, 'S');
    if (flags & HERMOD_MAIL_FLAG_DELETED)
        g_string_append_c(s, 'T');
    if (s->len == 0)
        g_string_append_c(s, '-');
    return g_string_free(s, FALSE);
}

/* One line, whatever the header held. */
static char *
flat(const char *text)
{
    char *out = g_strdup(text != NULL ? text : "");

    for (char *p = out; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    }
    return out;
}

/* From and Subject of a message, decoded; empty strings when absent. */
static void
read_headers(GMappedFile *file, char **out_from, char **out_subject)
{
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(g_mapped_file_get_contents(file),
                                                            g_mapped_file_get_length(file));
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
    InternetAddressList *from = msg != NULL ? g_mime_message_get_from(msg) : NULL;
    g_autofree char *from_text =
        from != NULL ? internet_address_list_to_string(from, NULL, FALSE) : NULL;

    *out_from = flat(from_text);
    *out_subject = flat(msg != NULL ? g_mime_message_get_subject(msg) : NULL);
    if (msg != NULL)
        g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(stream);
}

static void
print_message(HermodStore *store, const char *mailbox, HermodStoreMessage *m)
{
    g_autoptr(GDateTime) date = g_date_time_new_from_unix_utc(m->internal_date);
    g_autofree char *when = date != NULL ? g_date_time_format(date, "%Y-%m-%dT%H:%M:%SZ") : NULL;
    g_autofree char *flags = flag_letters(m->flags);
    g_autofree char *from = NULL;
    g_autofree char *subject = NULL;
    GMappedFile *file = hermod_store_open_message(store, mailbox, m->uid, NULL);

    if (file != NULL) {
        read_headers(file, &from, &subject);
        g_mapped_file_unref(file);
    }
    printf("%u\t%s\t%" G_GUINT64_FORMAT "\t%s\t%s\t%s\n", m->uid, when != NULL ? when : "-",
           m->size, flags, from != NULL ? from : "(unreadable)", subject != NULL ? subject : "");
}

static int
cmd_list(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    const char *mailbox = argc == 3 ? argv[2] : "INBOX";
    g_autoptr(HermodStore) store = NULL;
    g_autoptr(GPtrArray) msgs = NULL;

    if (argc != 2 && argc != 3)
        return hermod_ctl_usage("mail", "list", "ADDRESS [MAILBOX]");
    store = open_account(argv[1], &error);
    msgs = store != NULL ? hermod_store_messages(store, mailbox, &error) : NULL;
    if (msgs == NULL)
        return hermod_ctl_report(error);
    g_mime_init();
    for (guint i = 0; i < msgs->len; i++)
        print_message(store, mailbox, msgs->pdata[i]);
    g_mime_shutdown();
    return 0;
}

static int
cmd_folders(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    g_autoptr(HermodStore) store = NULL;
    g_autoptr(GPtrArray) boxes = NULL;

    if (argc != 2)
        return hermod_ctl_usage("mail", "folders", "ADDRESS");
    store = open_account(argv[1], &error);
    boxes = store != NULL ? hermod_store_mailboxes(store, &error) : NULL;
    if (boxes == NULL)
        return hermod_ctl_report(error);
    for (guint i = 0; i < boxes->len; i++) {
        HermodStoreMailbox *mb = boxes->pdata[i];
        printf("%s\t%s\tmessages=%u\tunseen=%u\tsize=%" G_GUINT64_FORMAT
               "\tuidvalidity=%u\tuidnext=%u\n",
               mb->name, mb->special_use != NULL ? mb->special_use : "-", mb->messages, mb->unseen,
               mb->size, mb->uidvalidity, mb->uidnext);
    }
    return 0;
}

static int
cmd_cat(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    g_autoptr(HermodStore) store = NULL;
    GMappedFile *file = NULL;
    guint64 uid = 0;
    gsize len;

    if (argc != 4 || !g_ascii_string_to_unsigned(argv[3], 10, 1, G_MAXUINT32, &uid, NULL))
        return hermod_ctl_usage("mail", "cat", "ADDRESS MAILBOX UID");
    store = open_account(argv[1], &error);
    file = store != NULL ? hermod_store_open_message(store, argv[2], (guint32)uid, &error) : NULL;
    if (file == NULL)
        return hermod_ctl_report(error);
    len = g_mapped_file_get_length(file);
    if (len > 0 && fwrite(g_mapped_file_get_contents(file), 1, len, stdout) != len) {
        g_mapped_file_unref(file);
        fprintf(stderr, "hermodctl: cannot write to stdout\n");
        return 1;
    }
    g_mapped_file_unref(file);
    return fflush(stdout) == 0 ? 0 : 1;
}

const HermodCtlCommand hermod_ctl_mail_commands[] = {
    {"mail", "folders", "ADDRESS", "list an account's mailboxes with their counters", cmd_folders},
    {"mail", "list", "ADDRESS [MAILBOX]",
     "one line per message: UID, date, size, flags, From, Subject", cmd_list},
    {"mail", "cat", "ADDRESS MAILBOX UID", "write one message's raw bytes to stdout", cmd_cat},
    {NULL, NULL, NULL, NULL, NULL},
};
