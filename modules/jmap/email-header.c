/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * email-header.c - header fields in JMAP's parsed forms (RFC 8621
 * 4.1.2): Raw, Text, Addresses, GroupedAddresses, MessageIds, Date and
 * URLs, for "header:Name:asForm[:all]" properties and the convenience
 * properties (from, subject, sentAt, ...).  GMime decodes RFC 2047 words
 * and parses addresses, ids and dates; a value that does not parse is
 * null, never an error.
 */
#include "autoconfig.h"

#include <string.h>

#include "email-parse.h"

static const char *const forms[] = {"Raw",        "Text", "Addresses", "GroupedAddresses",
                                    "MessageIds", "Date", "URLs",      NULL};

/* Split "header:Name[:asForm][:all]"; FALSE if malformed.  (transfer full) */
static gboolean
split_prop(const char *prop, char **out_name, const char **out_form, gboolean *out_all)
{
    g_auto(GStrv) parts = NULL;
    guint n;

    if (!g_str_has_prefix(prop, "header:"))
        return FALSE;
    parts = g_strsplit(prop + 7, ":", 4);
    n = g_strv_length(parts);
    if (n < 1 || n > 3 || parts[0][0] == '\0')
        return FALSE;
    for (const char *p = parts[0]; *p != '\0'; p++) {
        if ((guchar)*p <= 0x20 || (guchar)*p >= 0x7f)
            return FALSE;
    }
    *out_all = n >= 2 && strcmp(parts[n - 1], "all") == 0;
    *out_form = "Raw";
    if (n == 3 && !*out_all)
        return FALSE;
    if ((n == 2 && !*out_all) || n == 3) {
        if (!g_str_has_prefix(parts[1], "as"))
            return FALSE;
        for (gsize i = 0; forms[i] != NULL; i++) {
            if (strcmp(parts[1] + 2, forms[i]) == 0)
                *out_form = forms[i];
        }
        if (strcmp(parts[1] + 2, *out_form) != 0)
            return FALSE;
    }
    *out_name = g_strdup(parts[0]);
    return TRUE;
}

gboolean
jmap_header_property_valid(const char *prop)
{
    g_autofree char *name = NULL;
    const char *form;
    gboolean all;

    return split_prop(prop, &name, &form, &all);
}

static char *
unfold(const char *raw)
{
    GString *out = g_string_new(NULL);

    for (const char *p = raw; *p != '\0'; p++) {
        if (*p != '\r' && *p != '\n')
            g_string_append_c(out, *p);
    }
    return g_strstrip(g_string_free(out, FALSE));
}

static JsonNode *
string_node(const char *s)
{
    JsonNode *n = json_node_new(JSON_NODE_VALUE);

    json_node_set_string(n, s);
    return n;
}

static void
add_addresses(JsonArray *out, InternetAddressList *list)
{
    for (int i = 0; list != NULL && i < internet_address_list_length(list); i++) {
        InternetAddress *a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            add_addresses(out, internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)));
            continue;
        }
        JsonObject *o = json_object_new();
        const char *name = internet_address_get_name(a);
        if (name != NULL && *name != '\0')
            json_object_set_string_member(o, "name", name);
        else
            json_object_set_null_member(o, "name");
        json_object_set_string_member(
            o, "email", internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)));
        json_array_add_object_element(out, o);
    }
}

static JsonNode *
addresses(const char *value, gboolean grouped)
{
    InternetAddressList *list = internet_address_list_parse(NULL, value);
    JsonArray *a = json_array_new();
    JsonNode *n = json_node_new(JSON_NODE_ARRAY);

    add_addresses(a, list);
    if (grouped) {
        JsonArray *groups = json_array_new();
        JsonObject *g = json_object_new();
        json_object_set_null_member(g, "name");
        json_object_set_array_member(g, "addresses", a);
        json_array_add_object_element(groups, g);
        a = groups;
    }
    json_node_take_array(n, a);
    if (list != NULL)
        g_object_unref(list);
    return n;
}

static JsonNode *
message_ids(const char *value)
{
    GMimeReferences *refs = g_mime_references_parse(NULL, value);
    JsonArray *a;
    JsonNode *n;

    if (refs == NULL || g_mime_references_length(refs) == 0) {
        if (refs != NULL)
            g_mime_references_free(refs);
        return json_node_new(JSON_NODE_NULL);
    }
    a = json_array_new();
    for (int i = 0; i < g_mime_references_length(refs); i++)
        json_array_add_string_element(a, g_mime_references_get_message_id(refs, i));
    g_mime_references_free(refs);
    n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

static JsonNode *
date(const char *value)
{
    g_autoptr(GDateTime) dt = g_mime_utils_header_decode_date(value);
    g_autofree char *text = NULL;

    if (dt == NULL)
        return json_node_new(JSON_NODE_NULL);
    text = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S%:z");
    return string_node(text);
}

static JsonNode *
urls(const char *value)
{
    JsonArray *a = json_array_new();
    JsonNode *n;
    const char *p = value;

    while ((p = strchr(p, '<')) != NULL) {
        const char *end = strchr(p, '>');
        if (end == NULL)
            break;
        g_autofree char *url = g_strndup(p + 1, end - p - 1);
        json_array_add_string_element(a, g_strstrip(url));
        p = end + 1;
    }
    if (json_array_get_length(a) == 0) {
        json_array_unref(a);
        return json_node_new(JSON_NODE_NULL);
    }
    n = json_node_new(JSON_NODE_ARRAY);
    json_node_take_array(n, a);
    return n;
}

JsonNode *
jmap_header_form(const char *raw, const char *form)
{
    g_autofree char *value = unfold(raw);

    if (strcmp(form, "Raw") == 0)
        return string_node(raw);
    if (strcmp(form, "Text") == 0) {
        g_autofree char *text = g_mime_utils_header_decode_text(NULL, value);
        return string_node(text != NULL ? text : value);
    }
    if (strcmp(form, "Addresses") == 0 || strcmp(form, "GroupedAddresses") == 0)
        return addresses(value, form[0] == 'G');
    if (strcmp(form, "MessageIds") == 0)
        return message_ids(value);
    if (strcmp(form, "Date") == 0)
        return date(value);
    return urls(value);
}

JsonNode *
jmap_header_value(GMimeObject *object, const char *prop)
{
    g_autofree char *name = NULL;
    const char *form = "Raw";
    gboolean all = FALSE;
    GMimeHeaderList *list = g_mime_object_get_header_list(object);
    JsonArray *found = json_array_new();
    JsonNode *n;
    guint len;

    if (!split_prop(prop, &name, &form, &all)) {
        json_array_unref(found);
        return json_node_new(JSON_NODE_NULL);
    }
    for (int i = 0; list != NULL && i < g_mime_header_list_get_count(list); i++) {
        GMimeHeader *h = g_mime_header_list_get_header_at(list, i);
        const char *raw = g_mime_header_get_raw_value(h);
        if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0)
            json_array_add_element(found, jmap_header_form(raw != NULL ? raw : "", form));
    }
    len = json_array_get_length(found);
    if (all) {
        n = json_node_new(JSON_NODE_ARRAY);
        json_node_take_array(n, found);
        return n;
    }
    n = len > 0 ? json_node_copy(json_array_get_element(found, len - 1))
                : json_node_new(JSON_NODE_NULL);
    json_array_unref(found);
    return n;
}
