/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * envelope.c - build a message's ENVELOPE (RFC 9051 7.5.2, RFC 3501 7.4.2).
 *
 * The string parts are the raw header values, unfolded.  Address lists are
 * parsed by GMime; each address becomes (name adl mailbox host), a group
 * becomes (NIL NIL "name" NIL) ... (NIL NIL NIL NIL).  Names are the
 * header's own text too (addr-phrase.c finds them): encoded words go out
 * as stored; only a name the scanner cannot place falls back to GMime's
 * decoded one, re-encoded when not ASCII.  Sender and Reply-To
 * default to From when absent or empty.  Strings follow quote.c: 8-bit goes
 * as a literal.
 */
#include "autoconfig.h"

#include "envelope.h"

#include <gmime/gmime.h>
#include <string.h>

#include "addr-phrase.h"
#include "quote.h"

/* One address header being written: the raw names beside GMime's list. */
typedef struct {
    GPtrArray *raw; /* ImapAddrPhrase, in header order */
    guint cursor;
    gboolean is_8bit; /* the raw header has 8-bit bytes */
} Names;

static gboolean
is_ascii(const char *s)
{
    for (; *s != '\0'; s++) {
        if ((guchar)*s >= 0x80)
            return FALSE;
    }
    return TRUE;
}

static void
append_name(GString *out, const char *name, gboolean raw_is_8bit)
{
    if (name == NULL || *name == '\0') {
        g_string_append(out, "NIL");
    } else if (raw_is_8bit || is_ascii(name)) {
        imap_quote_nstring(out, name, -1);
    } else {
        g_autofree char *enc = g_mime_utils_header_encode_phrase(NULL, name, "utf-8");
        imap_quote_nstring(out, enc, -1);
    }
}

/* The name as written when the scanner placed it, else GMime's. */
static void
append_name_of(GString *out, InternetAddress *ia, const char *addr, Names *names)
{
    const char *raw = NULL;

    if (imap_addr_phrase_take(names->raw, &names->cursor, addr, &raw))
        imap_quote_nstring(out, raw != NULL && *raw != '\0' ? raw : NULL, -1);
    else
        append_name(out, internet_address_get_name(ia), names->is_8bit);
}

static void
append_mailbox(GString *out, InternetAddress *ia, Names *names)
{
    const char *addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
    const char *at = addr != NULL ? strrchr(addr, '@') : NULL;

    g_string_append_c(out, '(');
    append_name_of(out, ia, addr != NULL ? addr : "", names);
    g_string_append(out, " NIL ");
    if (addr == NULL || *addr == '\0' || at == addr) {
        imap_quote_nstring(out, "MISSING_MAILBOX", -1);
    } else {
        imap_quote_nstring(out, addr, at != NULL ? at - addr : -1);
    }
    g_string_append_c(out, ' ');
    imap_quote_nstring(out, at != NULL && at[1] != '\0' ? at + 1 : "MISSING_DOMAIN", -1);
    g_string_append_c(out, ')');
}

static void append_list(GString *out, InternetAddressList *list, Names *names);

static void
append_group(GString *out, InternetAddress *ia, Names *names)
{
    const char *name = internet_address_get_name(ia);
    const char *raw = NULL;

    if (imap_addr_phrase_take(names->raw, &names->cursor, NULL, &raw))
        name = raw;
    g_string_append(out, "(NIL NIL ");
    imap_quote_nstring(out, name != NULL ? name : "", -1);
    g_string_append(out, " NIL)");
    append_list(out, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(ia)), names);
    g_string_append(out, "(NIL NIL NIL NIL)");
}

static void
append_list(GString *out, InternetAddressList *list, Names *names)
{
    for (int i = 0; list != NULL && i < internet_address_list_length(list); i++) {
        InternetAddress *ia = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(ia))
            append_group(out, ia, names);
        else
            append_mailbox(out, ia, names);
    }
}

/* Append the address list of header name; FALSE (nothing appended) if the
 * header is absent or holds no address. */
static gboolean
append_addresses(GString *out, const char *data, const ImapMimePart *msg, const char *name)
{
    g_autofree char *raw = imap_mime_header(data, msg->start, msg->body, name);

    if (raw == NULL)
        return FALSE;
    imap_mime_init();
    InternetAddressList *list = internet_address_list_parse(NULL, raw);
    if (list == NULL || internet_address_list_length(list) == 0) {
        if (list != NULL)
            g_object_unref(list);
        return FALSE;
    }
    Names names = {imap_addr_phrases(raw), 0, !is_ascii(raw)};
    g_string_append_c(out, '(');
    append_list(out, list, &names);
    g_string_append_c(out, ')');
    g_ptr_array_unref(names.raw);
    g_object_unref(list);
    return TRUE;
}

static void
append_raw(GString *out, const char *data, const ImapMimePart *msg, const char *name)
{
    g_autofree char *raw = imap_mime_header(data, msg->start, msg->body, name);
    imap_quote_nstring(out, raw, -1);
}

void
imap_envelope_append(GString *out, const char *data, const ImapMimePart *msg)
{
    static const char *const addr_headers[] = {"Sender", "Reply-To", "To", "Cc", "Bcc"};
    GString *from = g_string_new(NULL);

    if (!append_addresses(from, data, msg, "From"))
        g_string_append(from, "NIL");
    g_string_append_c(out, '(');
    append_raw(out, data, msg, "Date");
    g_string_append_c(out, ' ');
    append_raw(out, data, msg, "Subject");
    g_string_append_printf(out, " %s", from->str);
    for (guint i = 0; i < G_N_ELEMENTS(addr_headers); i++) {
        g_string_append_c(out, ' ');
        if (!append_addresses(out, data, msg, addr_headers[i]))
            g_string_append(out, i < 2 ? from->str : "NIL");
    }
    g_string_append_c(out, ' ');
    append_raw(out, data, msg, "In-Reply-To");
    g_string_append_c(out, ' ');
    append_raw(out, data, msg, "Message-ID");
    g_string_append_c(out, ')');
    g_string_free(from, TRUE);
}
