/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * imip-in.c - iMIP (RFC 6047) that arrives as mail: invitations,
 * updates and cancellations from organizers elsewhere, and replies from
 * attendees elsewhere, applied to the account's calendar.
 *
 * There is no delivery hook in the ABI, so the account's INBOX is looked
 * at when the account next makes a DAV request (clients poll; the
 * webmail asks on every view): messages newer than the last one seen
 * (its MODSEQ is kept as a property of the schedule inbox) that carry a
 * text/calendar part (GMime finds and decodes it) with METHOD REQUEST or
 * CANCEL from the event's ORGANIZER, to one of its attendees, or REPLY
 * from the ATTENDEE it answers for.  The From address must be that
 * organizer or attendee; anything else is left alone as plain mail.
 * What passes is applied exactly as a local invitation or reply is
 * (schedule-local.c: inbox copy, tentative placement, conflict notice,
 * organizer's copy updated, summary mail).  At most SCAN_MAX messages
 * per request, each at most MESSAGE_MAX bytes.  Mail that schedule.c
 * sent between accounts of this server (X-Hermod-iTIP: applied) was
 * applied when it was sent and is skipped.
 */
#include "autoconfig.h"

#include <gmime/gmime.h>
#include <stdlib.h>
#include <string.h>

#include "dav/schedule.h"

#define SCAN_MAX    200
#define MESSAGE_MAX (2 * 1024 * 1024)
#define SEEN_KEY    "{urn:hermod:dav}imip-seen"

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
has_attendee(icalcomponent *main, const char *address)
{
    for (icalproperty *p = icalcomponent_get_first_property(main, ICAL_ATTENDEE_PROPERTY);
         p != NULL; p = icalcomponent_get_next_property(main, ICAL_ATTENDEE_PROPERTY)) {
        g_autofree char *a = dav_cal_address(icalproperty_get_attendee(p));
        if (a != NULL && strcmp(a, address) == 0)
            return TRUE;
    }
    return FALSE;
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
        strcmp(organizer, from) == 0 && has_attendee(main, job->account))
        dav_sched_deliver_local(job, job->account,
                                method == ICAL_METHOD_REQUEST ? "REQUEST" : "CANCEL", vcal, from);
    else if (method == ICAL_METHOD_REPLY && attendee != NULL && strcmp(attendee, from) == 0 &&
             organizer != NULL && strcmp(organizer, job->account) == 0)
        dav_sched_deliver_local(job, job->account, "REPLY", vcal, from);
    else if (method != ICAL_METHOD_NONE)
        dav_api->log(HERMOD_LOG_INFO, job->session,
                     "dav: iMIP from <%s> to %s not applied (not its organizer or attendee)", from,
                     job->account);
    if (vcal != NULL)
        icalcomponent_free(vcal);
}

static guint64
seen_of(DavJob *job, gint64 inbox)
{
    g_autoptr(GPtrArray) props = dav_api->dav->props(job->store, inbox, "", NULL);

    for (guint i = 0; props != NULL && i < props->len; i++) {
        const HermodDavProp *p = props->pdata[i];
        const char *gt = strchr(p->xml, '>');
        if (strcmp(p->name, SEEN_KEY) == 0 && gt != NULL)
            return g_ascii_strtoull(gt + 1, NULL, 10);
    }
    return 0;
}

static void
save_seen(DavJob *job, gint64 inbox, guint64 modseq)
{
    g_autoptr(GPtrArray) changes = g_ptr_array_new();
    g_autofree char *xml = g_strdup_printf(
        "<X:imip-seen xmlns:X=\"urn:hermod:dav\">%" G_GUINT64_FORMAT "</X:imip-seen>", modseq);
    HermodDavProp p = {(char *)SEEN_KEY, xml};

    g_ptr_array_add(changes, &p);
    dav_api->dav->props_update(job->store, inbox, "", changes, NULL);
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

static void
scan_one(DavJob *job, const HermodMsgInfo *m)
{
    g_autoptr(GBytes) data = NULL;
    g_autofree char *ical = NULL, *from = NULL;

    if (m->size > MESSAGE_MAX)
        return;
    data = dav_api->mail->read_message(job->store, "INBOX", m->uid, NULL);
    if (data == NULL || g_strstr_len(g_bytes_get_data(data, NULL), (gssize)g_bytes_get_size(data),
                                     "alendar") == NULL)
        return;
    if (is_applied(data))
        return;
    if (parse_mail(data, &ical, &from))
        apply(job, ical, from);
}

void
dav_imip_scan(DavJob *job)
{
    HermodDavCollection *inbox = NULL;
    g_autoptr(GPtrArray) msgs = NULL;
    guint64 seen, top;

    if (!dav_api->setting_int(dav_module, "scheduling") || !dav_job_store(job) ||
        !dav_api->dav->collection(job->store, "cal", "inbox", &inbox, NULL) || inbox == NULL)
        return;
    seen = top = seen_of(job, inbox->id);
    msgs = dav_api->mail->messages(job->store, "INBOX", seen, NULL);
    for (guint i = 0; msgs != NULL && i < msgs->len && i < SCAN_MAX; i++) {
        const HermodMsgInfo *m = msgs->pdata[i];
        scan_one(job, m);
        top = MAX(top, m->modseq);
    }
    if (top > seen)
        save_seen(job, inbox->id, top);
    dav_api->dav->collection_free(inbox);
}
