/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-jmap-email.c - fuzz target: arbitrary bytes as a stored message
 * through everything Email/get and Email/parse derive from it
 * (modules/jmap/email-parse.c, email-header.c): the part tree,
 * textBody/htmlBody/attachments, body values with truncation, the
 * preview, every header form of a few fields, and each leaf's content.
 * Crashes, leaks and undefined behaviour are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "jmap/email-parse.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static const char *const props[] = {
    "messageId",
    "inReplyTo",
    "references",
    "sender",
    "from",
    "to",
    "cc",
    "bcc",
    "replyTo",
    "subject",
    "sentAt",
    "headers",
    "bodyStructure",
    "textBody",
    "htmlBody",
    "attachments",
    "bodyValues",
    "hasAttachment",
    "preview",
    "header:Subject:asText",
    "header:From:asRaw:all",
    "header:To:asGroupedAddresses",
    "header:List-Post:asURLs",
    "header:Date:asDate",
    "header:References:asMessageIds:all",
    NULL,
};

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    static gsize once;
    JmapViewOptions opt = {NULL, TRUE, TRUE, TRUE, 7, "B1"};
    JmapEmail *e;
    JsonObject *o;

    if (g_once_init_enter(&once)) {
        g_mime_init();
        g_once_init_leave(&once, 1);
    }
    e = jmap_email_parse((const char *)data, size);
    if (e == NULL)
        return 0;
    o = json_object_new();
    for (gsize i = 0; props[i] != NULL; i++) {
        if (!jmap_email_property(e, props[i], &opt, o) && !g_str_has_prefix(props[i], "header:"))
            g_error("property %s not handled", props[i]);
    }
    for (guint i = 0; i < e->leaves->len; i++) {
        JmapPart *p = e->leaves->pdata[i];
        GBytes *content = jmap_part_content(p->object);
        if (jmap_email_part(e, p->part_id) != p)
            g_error("part %s not found by its id", p->part_id);
        g_bytes_unref(content);
    }
    json_object_unref(o);
    jmap_email_free(e);
    return 0;
}
