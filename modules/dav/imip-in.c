/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * imip-in.c - iMIP (RFC 6047) that arrives as mail: invitations,
 * updates and cancellations from organizers elsewhere, and replies from
 * attendees elsewhere, applied to the account's calendar.
 *
 * Applied as it is delivered: the core tells the module of every local
 * delivery into an INBOX (HermodApi.delivery_watch_add, ABI 1.13); a
 * message of at most MESSAGE_MAX bytes that mentions "calendar" is
 * queued for one thread of the module's own (the delivery is not held
 * up; arrivals are applied in order), which looks for a text/calendar
 * part (GMime finds and decodes it) with METHOD REQUEST or CANCEL from
 * the event's ORGANIZER, to one of its attendees (any of the account's
 * addresses), or REPLY from the ATTENDEE it answers for.  The From
 * address must be that organizer or attendee; anything else is left
 * alone as plain mail.  What passes is applied exactly as a local
 * invitation or reply is (schedule-local.c: inbox copy, tentative
 * placement or the account's decline rules, conflict notice,
 * organizer's copy updated, summary mail).
 * Mail that schedule.c sent between accounts of this server
 * (X-Hermod-iTIP: applied) was applied when it was sent and is skipped.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "dav/schedule.h"

#define MESSAGE_MAX (2 * 1024 * 1024)

typedef struct {
    GString *ical; /* the first text/calendar part, decoded */
} Found;

static void
find_calendar(GMimeObject *parent, GMimeObject *part, gpointer data)
{
    Found *f = data;
    GMimeContentType *type = g_mime_object_get_content_type(part);
    GMimeDataWrapper *content;
    GMimeStream *out;
    GByteArray *bytes;

    if (f->ical != NULL || !GMIME_IS_PART(part) ||
        !g_mime_content_type_is_type(type, "text", "calendar"))
        return;
    content = g_mime_part_get_content(GMIME_PART(part));
    if (content == NULL)
        return;
    out = g_mime_stream_mem_new();
    g_mime_data_wrapper_write_to_stream(content, out);
    bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(out));
    f->ical = g_string_new_len((const char *)bytes->data, bytes->len);
    g_object_unref(out);
}

/* The decoded text/calendar part and the From address (transfer full),
 * or FALSE. */
static gboolean
parse_mail(GBytes *data, char **out_ical, char **out_from)
{
    GMimeStream *stream =
        g_mime_stream_mem_new_with_buffer(g_bytes_get_data(data, NULL), g_bytes_get_size(data));
    GMimeParser *parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage *msg = g_mime_parser_construct_message(parser, NULL);
    InternetAddressList *from = msg != NULL ? g_mime_message_get_from(msg) : NULL;
    InternetAddress *a = from != NULL && internet_address_list_length(from) > 0
                             ? internet_address_list_get_address(from, 0)
                             : NULL;
    Found f = {NULL};

    *out_ical = *out_from = NULL;
    if (msg != NULL && a != NULL && INTERNET_ADDRESS_IS_MAILBOX(a)) {
        g_mime_message_foreach(msg, find_calendar, &f);
        *out_from =
            g_ascii_strdown(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)), -1);
    }
    if (f.ical != NULL)
        *out_ical = g_string_free(f.ical, FALSE);
    if (msg != NULL)
        g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(stream);
    if (*out_ical == NULL)
        g_clear_pointer(out_from, g_free);
    return *out_ical != NULL;
}

static gboolean
has_attendee(icalcomponent *main, GPtrArray *mine)
{
    g_autofree char *me = dav_sched_me(main, mine);

    return me != NULL;
}

/* Apply one iTIP message that came by mail from from. */
static void
apply(DavJob *job, const char *ical, const char *from)
{
    icalcomponent *vcal = icalparser_parse_string(ical);
    icalcomponent *main = vcal != NULL ? dav_sched_main(vcal) : NULL;
    icalproperty_method method = vcal != NULL ? icalcomponent_get_method(vcal) : ICAL_METHOD_NONE;
    icalproperty *org =
        main != NULL ? icalcomponent_get_first_property(main, ICAL_ORGANIZER_PROPERTY) : NULL;
    g_autofree char *organizer =
        org != NULL ? dav_cal_address(icalproperty_get_organizer(org)) : NULL;
    icalproperty *att =
        main != NULL ? icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY) : NULL;
    g_autofree char *attendee =
        att != NULL ? dav_cal_address(icalproperty_get_attendee(att)) : NULL;

    if ((method == ICAL_METHOD_REQUEST || method == ICAL_METHOD_CANCEL) && organizer != NULL &&
        strcmp(organizer, from) == 0 && has_attendee(main, dav_job_addresses(job)))
        dav_sched_deliver_local(job, job->account,
                                method == ICAL_METHOD_REQUEST ? "REQUEST" : "CANCEL", vcal, from,
                                NULL);
    else if (method == ICAL_METHOD_REPLY && attendee != NULL && strcmp(attendee, from) == 0 &&
             organizer != NULL && dav_addr_in(dav_job_addresses(job), organizer))
        dav_sched_deliver_local(job, job->account, "REPLY", vcal, from, NULL);
    else if (method != ICAL_METHOD_NONE)
        dav_api->log(HERMOD_LOG_INFO, job->session,
                     "dav: iMIP from <%s> to %s not applied (not its organizer or attendee)", from,
                     job->account);
    if (vcal != NULL)
        icalcomponent_free(vcal);
}

typedef struct {
    char *account;
    GBytes *message;
} Arrival;

static GMutex lock;
static GThreadPool *pool; /* one thread: arrivals in delivery order */
static guint watch;

static void
arrival_free(Arrival *a)
{
    g_free(a->account);
    g_bytes_unref(a->message);
    g_free(a);
}

/* An invitation or reply this server scheduled between its own accounts
 * (schedule.c) arrives applied already: its header block says so.  A
 * stranger who writes the header only keeps the mail from being
 * applied automatically. */
static gboolean
is_applied(GBytes *data)
{
    const char *text = g_bytes_get_data(data, NULL);
    gsize len = g_bytes_get_size(data);
    const char *end = g_strstr_len(text, (gssize)len, "\r\n\r\n");
    gsize head = end != NULL ? (gsize)(end - text) : len;

    if (head >= 22 && g_ascii_strncasecmp(text, "X-Hermod-iTIP: applied", 22) == 0)
        return TRUE;
    for (gsize i = 0; i + 24 <= head; i++)
        if (text[i] == '\n' && g_ascii_strncasecmp(text + i + 1, "X-Hermod-iTIP: applied", 22) == 0)
            return TRUE;
    return FALSE;
}

/* On the pool: one delivered message. */
static void
work(gpointer data, gpointer unused)
{
    Arrival *a = data;
    g_autofree char *ical = NULL, *from = NULL;
    g_autofree char *session = g_strdup_printf("imip-%s", a->account);
    DavJob *job;

    if (is_applied(a->message) || !parse_mail(a->message, &ical, &from)) {
        arrival_free(a);
        return;
    }
    job = dav_job_new_internal(a->account, session);
    if (dav_job_store(job))
        apply(job, ical, from);
    dav_job_free(job);
    arrival_free(a);
}

/* On the delivering thread: queue what may be iMIP. */
static void
on_delivery(const char *account, const char *sender, GBytes *message, gpointer unused)
{
    gsize size = g_bytes_get_size(message);
    Arrival *a;

    if (size > MESSAGE_MAX || dav_module == NULL ||
        !dav_api->setting_int(dav_module, "scheduling") ||
        g_strstr_len(g_bytes_get_data(message, NULL), (gssize)size, "alendar") == NULL)
        return;
    a = g_new0(Arrival, 1);
    a->account = g_strdup(account);
    a->message = g_bytes_ref(message);
    g_mutex_lock(&lock);
    if (pool != NULL)
        g_thread_pool_push(pool, a, NULL);
    else
        arrival_free(a);
    g_mutex_unlock(&lock);
}

void
dav_imip_start(void)
{
    if (!HERMOD_API_HAS(dav_api, delivery_watch_add)) {
        dav_api->log(HERMOD_LOG_WARNING, NULL,
                     "dav: this core (ABI %u.%u) has no delivery watch: iMIP that arrives "
                     "by mail is not applied to calendars",
                     dav_api->abi_major, dav_api->abi_minor);
        return;
    }
    g_mutex_lock(&lock);
    if (pool == NULL)
        pool = g_thread_pool_new(work, NULL, 1, FALSE, NULL);
    g_mutex_unlock(&lock);
    watch = dav_api->delivery_watch_add(on_delivery, NULL);
}

void
dav_imip_stop(void)
{
    GThreadPool *p;

    if (watch != 0)
        dav_api->delivery_watch_remove(watch);
    watch = 0;
    g_mutex_lock(&lock);
    p = g_steal_pointer(&pool);
    g_mutex_unlock(&lock);
    if (p != NULL)
        g_thread_pool_free(p, FALSE, TRUE);
}
