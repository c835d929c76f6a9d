/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * session.c - the JMAP Session resource (RFC 8620 2): capabilities with
 * the limits the server enforces, the caller's one account, and the
 * URLs of the API, download, upload and event-source endpoints under
 * the base the client reached.  One account per login: JMAP shares no
 * accounts between users here.
 */
#include "autoconfig.h"

#include "jmap.h"

const char *const jmap_capabilities[] = {
    JMAP_CAP_CORE, JMAP_CAP_MAIL, JMAP_CAP_SUBMISSION, JMAP_CAP_VACATION, NULL,
};

static JsonObject *
core_capability(void)
{
    JsonObject *o = json_object_new();
    JsonArray *coll = json_array_new();

    json_object_set_int_member(o, "maxSizeUpload",
                               jmap_api->setting_int(jmap_module, "max_upload_size"));
    json_object_set_int_member(o, "maxConcurrentUpload", JMAP_MAX_CONCURRENT_UPLOAD);
    json_object_set_int_member(o, "maxSizeRequest", JMAP_MAX_SIZE_REQUEST);
    json_object_set_int_member(o, "maxConcurrentRequests", JMAP_MAX_CONCURRENT_REQUESTS);
    json_object_set_int_member(o, "maxCallsInRequest", JMAP_MAX_CALLS);
    json_object_set_int_member(o, "maxObjectsInGet", JMAP_MAX_OBJECTS_GET);
    json_object_set_int_member(o, "maxObjectsInSet", JMAP_MAX_OBJECTS_SET);
    json_array_add_string_element(coll, "i;ascii-casemap");
    json_array_add_string_element(coll, "i;unicode-casemap");
    json_object_set_array_member(o, "collationAlgorithms", coll);
    return o;
}

static JsonObject *
mail_capability(void)
{
    JsonObject *o = json_object_new();
    JsonArray *sorts = json_array_new();
    const char *const keys[] = {"receivedAt", "size", "from", "to", "subject", "hasKeyword", NULL};

    json_object_set_int_member(o, "maxMailboxesPerEmail", 1);
    json_object_set_null_member(o, "maxMailboxDepth");
    json_object_set_int_member(o, "maxSizeMailboxName", 255);
    json_object_set_int_member(o, "maxSizeAttachmentsPerEmail",
                               jmap_api->setting_int(jmap_module, "max_upload_size"));
    for (gsize i = 0; keys[i] != NULL; i++)
        json_array_add_string_element(sorts, keys[i]);
    json_object_set_array_member(o, "emailQuerySortOptions", sorts);
    json_object_set_boolean_member(o, "mayCreateTopLevelMailbox", TRUE);
    return o;
}

static JsonObject *
submission_capability(void)
{
    JsonObject *o = json_object_new();

    json_object_set_int_member(o, "maxDelayedSend",
                               jmap_api->setting_int(jmap_module, "send_delay"));
    json_object_set_object_member(o, "submissionExtensions", json_object_new());
    return o;
}

static JsonObject *
account_capabilities(void)
{
    JsonObject *o = json_object_new();

    json_object_set_object_member(o, JMAP_CAP_MAIL, mail_capability());
    json_object_set_object_member(o, JMAP_CAP_SUBMISSION, submission_capability());
    json_object_set_object_member(o, JMAP_CAP_VACATION, json_object_new());
    return o;
}

static JsonObject *
capabilities(void)
{
    JsonObject *o = json_object_new();

    json_object_set_object_member(o, JMAP_CAP_CORE, core_capability());
    json_object_set_object_member(o, JMAP_CAP_MAIL, json_object_new());
    json_object_set_object_member(o, JMAP_CAP_SUBMISSION, json_object_new());
    json_object_set_object_member(o, JMAP_CAP_VACATION, json_object_new());
    return o;
}

static JsonObject *
accounts(const char *account, const char *id)
{
    JsonObject *o = json_object_new(), *a = json_object_new();

    json_object_set_string_member(a, "name", account);
    json_object_set_boolean_member(a, "isPersonal", TRUE);
    json_object_set_boolean_member(a, "isReadOnly", FALSE);
    json_object_set_object_member(a, "accountCapabilities", account_capabilities());
    json_object_set_object_member(o, id, a);
    return o;
}

char *
jmap_session_state(const char *account)
{
    g_autofree char *id = jmap_account_id(account);

    /* Everything in the session but the URLs follows from the account
     * and this version. */
    return g_strdup_printf("%s-%s", id + 1, PACKAGE_VERSION);
}

static void
set_url(JsonObject *o, const char *member, const char *base, const char *tail)
{
    g_autofree char *url = g_strconcat(base, tail, NULL);

    json_object_set_string_member(o, member, url);
}

char *
jmap_session_json(const char *account, const char *base)
{
    g_autofree char *id = jmap_account_id(account);
    g_autofree char *state = jmap_session_state(account);
    JsonObject *o = json_object_new(), *primary = json_object_new();
    g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);

    json_object_set_object_member(o, "capabilities", capabilities());
    json_object_set_object_member(o, "accounts", accounts(account, id));
    json_object_set_string_member(primary, JMAP_CAP_MAIL, id);
    json_object_set_string_member(primary, JMAP_CAP_SUBMISSION, id);
    json_object_set_string_member(primary, JMAP_CAP_VACATION, id);
    json_object_set_object_member(o, "primaryAccounts", primary);
    json_object_set_string_member(o, "username", account);
    set_url(o, "apiUrl", base, "/jmap/api");
    set_url(o, "downloadUrl", base, "/jmap/download/{accountId}/{blobId}/{name}?type={type}");
    set_url(o, "uploadUrl", base, "/jmap/upload/{accountId}");
    set_url(o, "eventSourceUrl", base,
            "/jmap/eventsource?types={types}&closeafter={closeafter}&ping={ping}");
    json_object_set_string_member(o, "state", state);
    json_node_take_object(node, o);
    return json_to_string(node, FALSE);
}
