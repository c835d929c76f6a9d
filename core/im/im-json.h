/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-json.h - IMs and presence as the JSON the webmail reads (the hub's
 * own event-stream events, hermod/im.h, and hermodctl's --json).
 */
#ifndef HERMOD_CORE_IM_JSON_H
#define HERMOD_CORE_IM_JSON_H

#include <glib.h>
#include <hermod/im.h>

G_BEGIN_DECLS

/* One object, no newline.  (transfer full) */
char *hermod_im_json_im(const HermodIm *im);
char *hermod_im_json_presence(const HermodImPresenceInfo *info);
char *hermod_im_json_transient(const char *from, const char *resource, const char *kind,
                               const char *payload);
/* "online", "away", "xa", "dnd", "chat", "offline". */
const char *hermod_im_presence_name(HermodImPresence presence);

G_END_DECLS

#endif
