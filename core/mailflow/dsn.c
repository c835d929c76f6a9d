/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dsn.c - delivery status notifications (RFC 3464).
 *
 * Builds the multipart/report with GMime (the structure, boundaries, header
 * encoding and dates are GMime's; the message/delivery-status fields are
 * ours) and sends it through hermod_message_submit() with the null sender.
 * It does not decide when a report is due: the queue does.
 */
#include "autoconfig.h"

#include <string.h>
#include <gmime/gmime.h>

#include "mailflow/dsn.h"
#include "mailflow/message.h"

static const char *const action_names[] = {"failed", "delayed", "relayed", "delivered"};
static const char *const default_status[] = {"5.0.0", "4.0.0", "2.0.0", "2.0.0"};

static void
gmime_init_once(void)
{
    static gsize done;

    if (g_once_init_enter(&done)) {
        g_mime_init();
        g_once_init_leave(&done, 1);
    }
}

static char *
format_date(gint64 t)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);

    return g_mime_utils_header_format_date(dt);
}

/* The worst action of the report decides the subject and the text. */
static HermodDsnAction
main_action(const HermodDsnReport *r)
{
    HermodDsnAction worst = HERMOD_DSN_DELIVERED;

    for (guint i = 0; i < r->n_rcpts; i++) {
        if (r->rcpts[i].action < worst)
            worst = r->rcpts[i].action;
    }
    return worst;
}

static char *
human_text(const HermodDsnReport *r, HermodDsnAction action)
{
    g_autoptr(GString) s = g_string_new(NULL);

    g_string_append_printf(s, "This is the mail system at host %s.\r\n\r\n", r->reporting_mta);
    if (action == HERMOD_DSN_FAILED)
        g_string_append(s, "I'm sorry to have to inform you that your message could not\r\n"
                           "be delivered to one or more recipients. It's attached below.\r\n");
    else if (action == HERMOD_DSN_DELAYED)
        g_string_append(s, "Your message could not be delivered yet to one or more\r\n"
                           "recipients. The mail system will keep trying; you do not need\r\n"
                           "to send it again.\r\n");
    else
        g_string_append(s, "Your message was successfully delivered to the destination(s)\r\n"
                           "listed below. You asked to be notified.\r\n");
    g_string_append(s, "\r\n");
    for (guint i = 0; i < r->n_rcpts; i++) {
        const HermodDsnRcpt *rc = &r->rcpts[i];
        g_string_append_printf(s, "<%s>: %s%s%s\r\n", rc->address, action_names[rc->action],
                               rc->diagnostic != NULL ? ": " : "",
                               rc->diagnostic != NULL ? rc->diagnostic : "");
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

static void
rcpt_fields(GString *s, const HermodDsnReport *r, const HermodDsnRcpt *rc)
{
    g_string_append_printf(s, "\r\nFinal-Recipient: rfc822; %s\r\n", rc->address);
    if (rc->orcpt != NULL)
        g_string_append_printf(s, "Original-Recipient: %s\r\n", rc->orcpt);
    g_string_append_printf(s, "Action: %s\r\n", action_names[rc->action]);
    g_string_append_printf(s, "Status: %s\r\n",
                           rc->status != NULL ? rc->status : default_status[rc->action]);
    if (rc->remote_mta != NULL)
        g_string_append_printf(s, "Remote-MTA: dns; %s\r\n", rc->remote_mta);
    if (rc->diagnostic != NULL && g_str_has_prefix(rc->diagnostic, "smtp; "))
        g_string_append_printf(s, "Diagnostic-Code: %s\r\n", rc->diagnostic);
    else if (rc->diagnostic != NULL)
        g_string_append_printf(s, "X-Hermod-Diagnostic: %s\r\n", rc->diagnostic);
    if (rc->action == HERMOD_DSN_DELAYED && r->retry_until > 0) {
        g_autofree char *until = format_date(r->retry_until);
        g_string_append_printf(s, "Will-Retry-Until: %s\r\n", until);
    }
}

static char *
status_fields(const HermodDsnReport *r)
{
    g_autoptr(GString) s = g_string_new(NULL);
    g_autofree char *now = format_date(g_get_real_time() / G_USEC_PER_SEC);

    g_string_append_printf(s, "Reporting-MTA: dns; %s\r\n", r->reporting_mta);
    if (r->queue_id != NULL)
        g_string_append_printf(s, "X-Hermod-Queue-ID: %s\r\n", r->queue_id);
    if (r->envid != NULL)
        g_string_append_printf(s, "Original-Envelope-Id: %s\r\n", r->envid);
    if (r->arrival > 0) {
        g_autofree char *arrival = format_date(r->arrival);
        g_string_append_printf(s, "Arrival-Date: %s\r\n", arrival);
    }
    for (guint i = 0; i < r->n_rcpts; i++) {
        rcpt_fields(s, r, &r->rcpts[i]);
        g_string_append_printf(s, "Last-Attempt-Date: %s\r\n", now);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* A part whose content is written as is. */
static GMimeObject *
raw_part(const char *type, const char *subtype, const void *data, gsize len, gboolean is_8bit)
{
    GMimePart *part = g_mime_part_new_with_type(type, subtype);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(data, len);
    GMimeDataWrapper *wrapper =
        g_mime_data_wrapper_new_with_stream(stream, GMIME_CONTENT_ENCODING_DEFAULT);

    g_mime_part_set_content(part, wrapper);
    g_object_unref(wrapper);
    g_object_unref(stream);
    g_mime_part_set_content_encoding(part, is_8bit ? GMIME_CONTENT_ENCODING_8BIT
                                                   : GMIME_CONTENT_ENCODING_7BIT);
    return GMIME_OBJECT(part);
}

static gboolean
has_8bit(const char *p, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        if ((guchar)p[i] >= 0x80)
            return TRUE;
    }
    return FALSE;
}

/* message/rfc822 for a failure with RET=FULL, else the header block. */
static GMimeObject *
original_part(const HermodDsnReport *r, HermodDsnAction action, gboolean *is_8bit)
{
    gsize len;
    const char *data = g_bytes_get_data(r->original, &len);
    gboolean is_full = action == HERMOD_DSN_FAILED && !r->is_headers_only;

    if (data == NULL)
        data = "";
    if (!is_full) {
        const char *end = g_strstr_len(data, (gssize)len, "\r\n\r\n");
        const char *lf = g_strstr_len(data, (gssize)len, "\n\n");
        if (end != NULL && (lf == NULL || end < lf))
            len = (gsize)(end - data) + 2;
        else if (lf != NULL)
            len = (gsize)(lf - data) + 1;
    }
    *is_8bit = has_8bit(data, len);
    return raw_part(is_full ? "message" : "text", is_full ? "rfc822" : "rfc822-headers", data, len,
                    *is_8bit);
}

static const char *
subject_for(HermodDsnAction action)
{
    if (action == HERMOD_DSN_FAILED)
        return "Undelivered Mail Returned to Sender";
    if (action == HERMOD_DSN_DELAYED)
        return "Delayed Mail (still being retried)";
    return "Successful Mail Delivery Report";
}

static GMimeMultipart *
report_body(const HermodDsnReport *r, HermodDsnAction action, gboolean *out_is_8bit)
{
    GMimeMultipart *mp = g_mime_multipart_new_with_subtype("report");
    g_autofree char *text = human_text(r, action);
    g_autofree char *fields = status_fields(r);
    GMimeTextPart *human = g_mime_text_part_new_with_subtype("plain");
    gboolean is_text_8bit = has_8bit(text, strlen(text));
    gboolean is_fields_8bit = has_8bit(fields, strlen(fields));

    g_mime_object_set_content_type_parameter(GMIME_OBJECT(mp), "report-type", "delivery-status");
    g_mime_text_part_set_text(human, text);
    g_mime_part_set_content_encoding(GMIME_PART(human), is_text_8bit
                                                            ? GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE
                                                            : GMIME_CONTENT_ENCODING_7BIT);
    g_mime_multipart_add(mp, GMIME_OBJECT(human));
    g_object_unref(human);
    GMimeObject *status =
        raw_part("message", "delivery-status", fields, strlen(fields), is_fields_8bit);
    g_mime_multipart_add(mp, status);
    g_object_unref(status);
    GMimeObject *original = original_part(r, action, out_is_8bit);
    g_mime_multipart_add(mp, original);
    g_object_unref(original);
    *out_is_8bit = *out_is_8bit || is_fields_8bit;
    return mp;
}

GBytes *
hermod_dsn_build(const HermodDsnReport *r, gboolean *out_is_8bit)
{
    HermodDsnAction action = main_action(r);
    g_autofree char *mailer = g_strdup_printf("MAILER-DAEMON@%s", r->reporting_mta);
    g_autofree char *msgid = NULL;
    g_autoptr(GDateTime) now = g_date_time_new_now_local();

    gmime_init_once();
    GMimeMessage *msg = g_mime_message_new(TRUE);
    msgid = g_mime_utils_generate_message_id(r->reporting_mta);
    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_FROM, "Mail Delivery System", mailer);
    g_mime_message_add_mailbox(msg, GMIME_ADDRESS_TYPE_TO, NULL, r->sender);
    g_mime_message_set_subject(msg, subject_for(action), NULL);
    g_mime_message_set_date(msg, now);
    g_mime_message_set_message_id(msg, msgid);
    g_mime_object_set_header(GMIME_OBJECT(msg), "Auto-Submitted", "auto-replied", NULL);
    GMimeMultipart *body = report_body(r, action, out_is_8bit);
    g_mime_message_set_mime_part(msg, GMIME_OBJECT(body));
    g_object_unref(body);

    GMimeFormatOptions *opts = g_mime_format_options_new();
    g_mime_format_options_set_newline_format(opts, GMIME_NEWLINE_FORMAT_DOS);
    GMimeStream *out = g_mime_stream_mem_new();
    g_mime_object_write_to_stream(GMIME_OBJECT(msg), opts, out);
    GByteArray *bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
    GBytes *result = g_bytes_new(bytes->data, bytes->len);
    g_object_unref(out);
    g_mime_format_options_free(opts);
    g_object_unref(msg);
    return result;
}

gboolean
hermod_dsn_send(const HermodDsnReport *report, const char *session, GError **error)
{
    gboolean is_8bit = FALSE;

    if (report->sender == NULL || *report->sender == '\0' || report->n_rcpts == 0)
        return TRUE;
    g_autoptr(GBytes) data = hermod_dsn_build(report, &is_8bit);
    HermodMessage *msg = hermod_message_new(session);
    gsize len;
    const void *bytes = g_bytes_get_data(data, &len);

    hermod_message_append(msg, bytes, len);
    hermod_message_set_sender(msg, "", NULL);
    /* NOTIFY=NEVER: a report about a report helps nobody. */
    hermod_message_add_recipient(msg, report->sender, HERMOD_NOTIFY_NEVER, NULL);
    hermod_message_set_flags(msg, is_8bit ? HERMOD_MSG_8BITMIME : 0);
    gboolean ok = hermod_message_submit(msg, NULL, error);
    hermod_message_free(msg);
    return ok;
}
