/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * vcard.c - is a PUT body one vCard (RFC 6352 5.1), and its UID.
 *
 * vCards are stored as sent (version 3 or 4), so only what CardDAV
 * needs is checked, by hand on unfolded lines: UTF-8 text, BEGIN:VCARD
 * first and END:VCARD last with nothing nested at the top level, a
 * VERSION of 3.0 or 4.0, an FN.  The UID (optional here: some clients
 * omit it) is what no-uid-conflict compares.
 */
#include "autoconfig.h"

#include <string.h>

#include "dav/dav.h"

/* Unfolded content lines (RFC 6350 3.2). (transfer full) */
GPtrArray *
dav_vcard_unfold(const char *text)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) raw = g_strsplit(text, "\n", -1);

    for (guint i = 0; raw[i] != NULL; i++) {
        char *l = raw[i];
        gsize n = strlen(l);
        if (n > 0 && l[n - 1] == '\r')
            l[n - 1] = '\0';
        if ((l[0] == ' ' || l[0] == '\t') && lines->len > 0) {
            char *prev = lines->pdata[lines->len - 1];
            lines->pdata[lines->len - 1] = g_strconcat(prev, l + 1, NULL);
            g_free(prev);
        } else if (l[0] != '\0') {
            g_ptr_array_add(lines, g_strdup(l));
        }
    }
    return lines;
}

/* The property name of a line, upper case, group stripped. (transfer full) */
char *
dav_vcard_name(const char *line)
{
    gsize n = strcspn(line, ";:");
    g_autofree char *name = g_ascii_strup(line, (gssize)n);
    const char *dot = strrchr(name, '.');

    return g_strdup(dot != NULL ? dot + 1 : name);
}

const char *
dav_vcard_value(const char *line)
{
    const char *colon = strchr(line, ':');

    return colon != NULL ? colon + 1 : "";
}

static const char *
scan(GPtrArray *lines, char **out_uid)
{
    gboolean has_fn = FALSE, has_version = FALSE;
    int depth = 0;

    for (guint i = 0; i < lines->len; i++) {
        const char *l = lines->pdata[i];
        g_autofree char *name = dav_vcard_name(l);
        gboolean is_last = i + 1 == lines->len;
        if (strcmp(name, "BEGIN") == 0 && ++depth > 1)
            return "nested vCard";
        if (strcmp(name, "END") == 0 && (--depth != 0 || !is_last))
            return "something after END:VCARD";
        if (depth == 1 && strcmp(name, "FN") == 0)
            has_fn = TRUE;
        if (depth == 1 && strcmp(name, "VERSION") == 0)
            has_version =
                strcmp(dav_vcard_value(l), "3.0") == 0 || strcmp(dav_vcard_value(l), "4.0") == 0;
        if (depth == 1 && strcmp(name, "UID") == 0 && *out_uid == NULL)
            *out_uid = g_strdup(dav_vcard_value(l));
    }
    if (!has_version)
        return "no VERSION 3.0 or 4.0";
    return has_fn ? NULL : "no FN";
}

char *
dav_vcard_param(const char *line, const char *param)
{
    gsize n = strcspn(line, ":");
    g_autofree char *head = g_strndup(line, n);
    g_auto(GStrv) parts = g_strsplit(head, ";", -1);

    for (guint i = 1; parts[i] != NULL; i++) {
        const char *eq = strchr(parts[i], '=');
        gsize k = eq != NULL ? (gsize)(eq - parts[i]) : strlen(parts[i]);
        if (strlen(param) == k && g_ascii_strncasecmp(parts[i], param, k) == 0)
            return g_strdup(eq != NULL ? eq + 1 : "");
        /* vCard 2.1/3 bare types: "TEL;WORK:..." is TYPE=WORK. */
        if (eq == NULL && g_ascii_strcasecmp(param, "TYPE") == 0)
            return g_strdup(parts[i]);
    }
    return NULL;
}

void
dav_vcard_check(const char *data, gsize len, DavCheck *out)
{
    g_autofree char *text = g_strndup(data, len);
    g_autoptr(GPtrArray) lines = NULL;
    const char *why;

    if (strlen(text) != len || !g_utf8_validate(text, -1, NULL)) {
        out->precondition = "valid-address-data";
        out->detail = g_strdup("not UTF-8 text");
        return;
    }
    lines = dav_vcard_unfold(text);
    if (lines->len < 2 || g_ascii_strcasecmp(lines->pdata[0], "BEGIN:VCARD") != 0 ||
        g_ascii_strcasecmp(lines->pdata[lines->len - 1], "END:VCARD") != 0)
        why = "not one BEGIN:VCARD ... END:VCARD";
    else
        why = scan(lines, &out->uid);
    if (why != NULL) {
        out->precondition = "valid-address-data";
        out->detail = g_strdup(why);
        g_clear_pointer(&out->uid, g_free);
    }
}

char *
dav_vcard_uid(const char *data, gsize len)
{
    DavCheck c = {0};
    char *uid;

    dav_vcard_check(data, len, &c);
    uid = g_steal_pointer(&c.uid);
    dav_check_clear(&c);
    return uid;
}
