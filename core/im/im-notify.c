/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-notify.c - new-mail notifications as IMs, the way MDaemon's content
 * filter can send them.
 *
 * An account that has the IM setting "notify_new_mail" (a template; "on"
 * means DEFAULT_TEMPLATE) gets an IM each time mail is delivered to its
 * INBOX: %from% becomes the message's From (decoded), %subject% its
 * Subject, %% a '%'.  Mail flow calls the hook on the delivering thread
 * before SMTP's 250 (or APPEND's OK); it only copies the message's header
 * block and queues it for one thread here, which reads the setting and
 * sends the IM.  Reading the setting there (one read of the account's
 * index, under the store's lock) kept every delivery waiting behind the
 * next batch's commit, for nothing when the setting is off.  Past
 * QUEUE_MAX queued deliveries the hook reads the setting itself again,
 * so that a burst cannot queue without bound, and only messages whose
 * account asked for the IM are queued.  The notice comes from
 * mailer-daemon@ the account's domain, source "notify", and no sender
 * keeps a copy.  Only the header block of the message is parsed.
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
#define QUEUE_MAX        1000

typedef struct {
    char *account;
    char *template; /* NULL: not read yet */
    GBytes *data;   /* the header block */
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

/* From and Subject of a header block, decoded (transfer full). */
static void
read_headers(GBytes *header, char **out_from, char **out_subject)
{
    gsize len = 0;
    const char *raw = g_bytes_get_data(header, &len);
    GMimeStream *stream = g_mime_stream_mem_new_with_buffer(raw, len);
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

/* The template account asked for, NULL for none (transfer full).  FALSE
 * when the setting could not be read (logged). */
static gboolean
read_template(const char *account, char **out_template)
{
    g_autofree char *value = NULL;
    g_autoptr(GError) error = NULL;

    *out_template = NULL;
    if (!hermod_im_setting_get(account, "notify_new_mail", &value, &error)) {
        hermod_log(HERMOD_LOG_WARNING, NULL, "new-mail IM to <%s>: %s", account, error->message);
        return FALSE;
    }
    if (value == NULL || *value == '\0' || g_str_equal(value, "off"))
        return TRUE;
    *out_template = g_str_equal(value, "on") ? g_strdup(DEFAULT_TEMPLATE) : g_steal_pointer(&value);
    return TRUE;
}

static void
work(gpointer item, gpointer data)
{
    Job *j = item;
    g_autofree char *from = NULL, *subject = NULL, *text = NULL, *sender = NULL;
    g_autoptr(GError) error = NULL;

    if (j->template == NULL && (!read_template(j->account, &j->template) || j->template == NULL)) {
        job_free(j);
        return;
    }
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

/* A copy of the header block of data, at most HEADER_MAX bytes. */
static GBytes *
header_block(GBytes *data)
{
    gsize len = 0;
    const char *raw = g_bytes_get_data(data, &len);
    const char *end = g_strstr_len(raw, (gssize)MIN(len, HEADER_MAX), "\r\n\r\n");

    return g_bytes_new(raw, end != NULL ? (gsize)(end - raw) + 4 : MIN(len, HEADER_MAX));
}

/* On the delivering thread: queue the rest (see the top of the file). */
static void
on_delivered(const char *account, GBytes *data)
{
    g_autofree char *template = NULL;
    gboolean is_busy;

    if (strchr(account, '@') == NULL)
        return;
    g_mutex_lock(&lock);
    is_busy = pool != NULL && g_thread_pool_unprocessed(pool) >= QUEUE_MAX;
    g_mutex_unlock(&lock);
    if (is_busy && (!read_template(account, &template) || template == NULL))
        return;
    Job *j = g_new0(Job, 1);
    j->account = g_strdup(account);
    j->template = g_steal_pointer(&template);
    j->data = header_block(data);
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
