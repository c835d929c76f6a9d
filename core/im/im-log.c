/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-log.c - the daily central IM log, data_dir/logs/im-YYYY-MM-DD.log.
 *
 * One line per IM (and per refused IM) with its time, where it came from,
 * sender, recipient, size and result, for admins who want to know what
 * scripts and users sent.  The file name carries the local date, so the
 * log rotates at midnight without a signal; lib/log.c opens the file per
 * line and stamps it.  Addresses are written inside <> and the fields are
 * key=value, so a line splits on spaces (an address cannot hold one
 * unquoted; what the hub refused is escaped).
 */
#include "autoconfig.h"

#include "im/im.h"
#include "lib/log.h"

/* Spaces and control characters of text the hub did not vet. */
static char *
clean(const char *s)
{
    GString *out = g_string_new(NULL);

    for (const char *p = s != NULL ? s : ""; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= 0x20 || c == 0x7f || c == '>')
            g_string_append_printf(out, "\\x%02x", c);
        else
            g_string_append_c(out, (char)c);
    }
    return g_string_free(out, FALSE);
}

void
hermod_im_log(const char *source, const char *session, const char *sender, const char *recipient,
              gsize size, const char *result)
{
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *name = g_date_time_format(now, "im-%Y-%m-%d");
    g_autofree char *from = clean(sender);
    g_autofree char *to = clean(recipient);
    g_autofree char *src = clean(source);

    hermod_log_to_file(name,
                       "source=%s session=%s from=<%s> to=<%s> size=%" G_GSIZE_FORMAT " result=%s",
                       src, session != NULL ? session : "-", from, to, size, result);
}
