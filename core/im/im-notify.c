/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-notify.c - new-mail notifications as IMs, the way MDaemon's content
 * filter can send them.
 *
 * An account that has the IM setting "notify_new_mail" (a template; "on"
 * means DEFAULT_TEMPLATE) gets an IM each time mail is delivered to its
 * INBOX: %from% becomes the message's From (decoded), %subject% its
 * Subject, %% a '%'.  Mail flow calls the hook on the delivering thread,
 * which only reads the setting (one indexed read of the account's
 * index) and queues the rest for one thread here, so that SMTP's 250
 * never waits for an IM.  The notice comes from mailer-daemon@ the
 * account's domain, source "notify", and no sender keeps a copy.  Only
 * the header block of the message is parsed.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>
#include <string.h>

#include "im/im.h"
#include "lib/log.h"
#include "mailflow/message.h"

#define DEFAULT_TEMPLATE "New mail from %from%: %subject%"
#define HEADER_MAX       (64 * 1024)
#define TEXT_MAX         1000

typedef struct {
    char *account;
    char *template;
    GBytes *data;
} Job;

static GMutex lock;
static GThreadPool *pool;

static void
job_free(Job *j)
{
    g_free(j->account);
    g_free(j->template);
    g_bytes_unref(j->data);
    g_free(j);
}

/* From and Subject of the header block, decoded (transfer full). */
static void
read_headers(GBytes *data, char **out_from, char **out_subject)
{
    gsize len = 0;
    const char *raw = g_bytes_get_data(data, &len);
    const char *end = g_strstr_len(raw, (gssize)MIN(len, HEADER_MAX), "\r\n\r\n");
    gsize hlen = end != NULL ? (gsize)(end - raw) + 4 : MIN(len, HEADER_MAX);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, hlen);
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
    InternetAddressList *from = msg != NULL ? g_mime_message_get_from(msg) : NULL;
    const char *subject = msg != NULL ? g_mime_message_get_subject(msg) : NULL;

    *out_from = from != NULL && internet_address_list_length(from) > 0
                    ? internet_address_list_to_string(from, NULL, FALSE)
                    : g_strdup("(unknown sender)");
    *out_subject = g_strdup(subject != NULL ? subject : "(no subject)");
    if (msg != NULL)
        g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(stream);
}

/* template with the macros replaced, one line, at most TEXT_MAX bytes. */
static char *
expand(const char *template, const char *from, const char *subject)
{
    GString *out = g_string_new(NULL);

    for (const char *p = template; *p != '\0'; p++) {
        if (g_str_has_prefix(p, "%from%")) {
            g_string_append(out, from);
            p += 5;
        } else if (g_str_has_prefix(p, "%subject%")) {
            g_string_append(out, subject);
            p += 8;
        } else if (g_str_has_prefix(p, "%%")) {
            g_string_append_c(out, '%');
            p++;
        } else {
            g_string_append_c(out, *p);
        }
    }
    for (gsize i = 0; i < out->len; i++) {
        if ((guchar)out->str[i] < 0x20 && out->str[i] != '\n')
            out->str[i] = ' ';
    }
    if (out->len > TEXT_MAX) {
        const char *cut = g_utf8_find_prev_char(out->str, out->str + TEXT_MAX);
        g_string_truncate(out, cut != NULL ? (gsize)(cut - out->str) : 0);
    }
    return g_string_free(out, FALSE);
}

static void
work(gpointer item, gpointer data)
{
    Job *j = item;
    g_autofree char *from = NULL, *subject = NULL, *text = NULL, *sender = NULL;
    g_autoptr(GError) error = NULL;

    read_headers(j->data, &from, &subject);
    text = expand(j->template, from, subject);
    if (!g_utf8_validate(text, -1, NULL)) {
        g_free(text);
        text = g_utf8_make_valid(j->template, -1);
    }
    sender = g_strconcat("mailer-daemon@", strrchr(j->account, '@') + 1, NULL);
    HermodImSend req = {.struct_size = sizeof req,
                        .source = "notify",
                        .sender = sender,
                        .recipient = j->account,
                        .text = text};
    if (!hermod_im_deliver_notice(&req, NULL, &error))
        hermod_log(HERMOD_LOG_WARNING, NULL, "new-mail IM to <%s>: %s", j->account, error->message);
    job_free(j);
}

/* On the delivering thread: read the setting, queue the rest. */
static void
on_delivered(const char *account, GBytes *data)
{
    g_autofree char *template = NULL;
    g_autoptr(GError) error = NULL;

    if (strchr(account, '@') == NULL)
        return;
    if (!hermod_im_setting_get(account, "notify_new_mail", &template, &error)) {
        hermod_log(HERMOD_LOG_WARNING, NULL, "new-mail IM to <%s>: %s", account, error->message);
        return;
    }
    if (template == NULL || *template == '\0' || g_str_equal(template, "off"))
        return;
    Job *j = g_new0(Job, 1);
    j->account = g_strdup(account);
    j->template =
        g_str_equal(template, "on") ? g_strdup(DEFAULT_TEMPLATE) : g_steal_pointer(&template);
    j->data = g_bytes_ref(data);
    g_mutex_lock(&lock);
    if (pool != NULL)
        g_thread_pool_push(pool, j, NULL);
    else
        job_free(j);
    g_mutex_unlock(&lock);
}

void
hermod_im_notify_start(void)
{
    g_mime_init();
    g_mutex_lock(&lock);
    if (pool == NULL)
        pool = g_thread_pool_new(work, NULL, 1, FALSE, NULL);
    g_mutex_unlock(&lock);
    hermod_message_set_delivered_hook(on_delivered);
}

void
hermod_im_notify_stop(void)
{
    GThreadPool *p;

    hermod_message_set_delivered_hook(NULL);
    g_mutex_lock(&lock);
    p = g_steal_pointer(&pool);
    g_mutex_unlock(&lock);
    if (p != NULL)
        g_thread_pool_free(p, FALSE, TRUE);
}
