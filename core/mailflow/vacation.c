/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * vacation.c - the out-of-office auto-reply (RFC 3834), sent by the
 * delivery path after a message reached an account whose vacation reply
 * (store-vacation.c, set over JMAP) is on and in its date range.
 *
 * Never to the null sender, to mailer daemons or no-reply addresses, to
 * mail that is itself automatic (Auto-Submitted other than "no") or from
 * a list or bulk sender (List-Id, List-Unsubscribe, Precedence bulk,
 * list or junk); at most once per sender per HERMOD_VACATION_PERIOD.
 * The reply has a null envelope sender and Auto-Submitted:
 * auto-replied, so no other responder answers it, and goes through the
 * core's one submission path like any message.
 */
#include "autoconfig.h"

#include <string.h>

#include <gmime/gmime.h>

#include "lib/log.h"
#include "mailflow/message.h"
#include "mailflow/vacation.h"
#include "store/store.h"

static gboolean
sender_ok(const char *sender)
{
    g_autofree char *lower = sender != NULL ? g_ascii_strdown(sender, -1) : NULL;
    const char *const refused[] = {"mailer-daemon@", "postmaster@", "noreply", "no-reply",
                                   "owner-",         "-request@",   "bounce"};

    if (lower == NULL || *lower == '\0' || strchr(lower, '@') == NULL)
        return FALSE;
    for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
        if (strstr(lower, refused[i]) != NULL)
            return FALSE;
    }
    return TRUE;
}

static GMimeMessage *
parse(GBytes *data)
{
    static gsize once;
    GMimeStream *stream;
    GMimeParser *parser;
    GMimeMessage *msg;

    if (g_once_init_enter(&once)) {
        g_mime_init();
        g_once_init_leave(&once, 1);
    }
    stream =
        g_mime_stream_mem_new_with_buffer(g_bytes_get_data(data, NULL), g_bytes_get_size(data));
    parser = g_mime_parser_new_with_stream(stream);
    g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
    msg = g_mime_parser_construct_message(parser, NULL);
    g_object_unref(parser);
    g_object_unref(stream);
    return msg;
}

/* Is the message automatic or from a list? */
static gboolean
is_automatic(GMimeMessage *msg)
{
    GMimeObject *o = GMIME_OBJECT(msg);
    const char *auto_sub = g_mime_object_get_header(o, "Auto-Submitted");
    const char *prec = g_mime_object_get_header(o, "Precedence");

    if (auto_sub != NULL && g_ascii_strncasecmp(g_strchug((char *)auto_sub), "no", 2) != 0)
        return TRUE;
    if (g_mime_object_get_header(o, "List-Id") != NULL ||
        g_mime_object_get_header(o, "List-Unsubscribe") != NULL)
        return TRUE;
    return prec != NULL && (strstr(prec, "bulk") != NULL || strstr(prec, "list") != NULL ||
                            strstr(prec, "junk") != NULL);
}

static char *
reply_text(const HermodVacation *v, const char *account, const char *sender, GMimeMessage *orig)
{
    const char *subject = g_mime_message_get_subject(orig);
    const char *msgid = g_mime_message_get_message_id(orig);
    GMimeMessage *msg = g_mime_message_new(TRUE);
    GMimeTextPart *body = g_mime_text_part_new_with_subtype("plain");
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *subj = v->subject != NULL && *v->subject != '\0'
                                ? g_strdup(v->subject)
                                : g_strdup_printf("Auto: %s", subject != NULL ? subject : "");
    g_autofree char *uuid = g_uuid_string_random();
    g_autofree char *id = g_strdup_printf("%s@%s", uuid, strchr(account, '@') + 1);
    GMimeFormatOptions *opts = g_mime_format_options_new();
    char *text;

    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, NULL, account);
    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, sender);
    g_mime_message_set_subject(msg, subj, "utf-8");
    g_mime_message_set_date(msg, now);
    g_mime_message_set_message_id(msg, id);
    g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted", "auto-replied", NULL);
    if (msgid != NULL) {
        g_autofree char *ref = g_strdup_printf("<%s>", msgid);
        g_mime_object_set_header(GMIME_OBJECT(msg), "In-Reply-To", ref, NULL);
        g_mime_object_set_header(GMIME_OBJECT(msg), "References", ref, NULL);
    }
    g_mime_text_part_set_text(body, v->text_body != NULL ? v->text_body : "");
    g_mime_message_set_mime_part(msg, GMIME_OBJECT(body));
    g_object_unref(body);
    g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
    text = g_mime_object_to_string(GMIME_OBJECT(msg), opts);
    g_mime_format_options_free(opts);
    g_object_unref(msg);
    return text;
}

static void
send_reply(const char *session, const char *account, const char *sender, const char *text)
{
    HermodMessage *msg = hermod_message_new(session);
    g_autoptr(GError) error = NULL;
    g_autofree char *id = NULL;

    hermod_message_append(msg, text, strlen(text));
    hermod_message_set_sender(msg, "", NULL);
    hermod_message_add_recipient(msg, sender, HERMOD_NOTIFY_NEVER, NULL);
    if (hermod_message_submit(msg, &id, &error))
        hermod_log(HERMOD_LOG_INFO, session, "vacation: %s replied to <%s>", account, sender);
    else
        hermod_log(HERMOD_LOG_WARNING, session, "vacation: %s could not reply to <%s>: %s", account,
                   sender, error->message);
    hermod_message_free(msg);
}

/* Is v on now? */
static gboolean
in_range(const HermodVacation *v, gint64 now)
{
    return v->is_enabled && (v->from_date == 0 || now >= v->from_date) &&
           (v->to_date == 0 || now < v->to_date);
}

void
hermod_vacation_after_delivery(const char *session, const char *account, const char *sender,
                               GBytes *data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodStore) store = NULL;
    HermodVacation v = {0};
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;
    gboolean due = FALSE;
    GMimeMessage *orig = NULL;
    g_autofree char *text = NULL;

    if (!sender_ok(sender) || (store = hermod_store_open(account, &error)) == NULL ||
        !hermod_store_vacation_get(store, &v, &error) || !in_range(&v, now))
        goto out;
    orig = parse(data);
    if (orig == NULL || is_automatic(orig) ||
        !hermod_store_vacation_due(store, sender, now, HERMOD_VACATION_PERIOD, &due, &error) ||
        !due)
        goto out;
    text = reply_text(&v, account, sender, orig);
    send_reply(session, account, sender, text);
out:
    if (error != NULL)
        hermod_log(HERMOD_LOG_WARNING, session, "vacation: %s", error->message);
    if (orig != NULL)
        g_object_unref(orig);
    hermod_store_vacation_clear(&v);
}
