/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * jmap-http.h - what the HTTP-facing files share (http.c, blob.c,
 * push.c): answering, and the endpoints besides the API.  Web thread.
 */
#ifndef HERMOD_JMAP_HTTP_H
#define HERMOD_JMAP_HTTP_H

#include "jmap.h"

G_BEGIN_DECLS

/* Every mount's on_request (module.c). */
void jmap_on_request(HermodHttpRequest *req, gpointer data);
void jmap_http_shutdown(void);

/* Answer text (transfer full) with Cache-Control: no-store. */
void jmap_respond_text(HermodHttpRequest *req, guint status, const char *type, char *text);
/* Answer an RFC 7807 problem (logged); clears p. */
void jmap_respond_problem(HermodHttpRequest *req, JmapProblem *p);
void jmap_respond_status(HermodHttpRequest *req, guint status, const char *type,
                         const char *detail);
/* "https://host:port" as the client reached us.  (transfer full) */
char *jmap_base_url(HermodHttpRequest *req);

/* Count one more (delta 1) or one fewer (-1) request of kind what for
 * account; FALSE (nothing counted) when max are running.  Any thread. */
gboolean jmap_running_take(const char *what, const char *account, gint delta, guint max);

/* blob.c: rest is what follows /jmap/upload/ or /jmap/download/. */
void jmap_upload_request(HermodHttpRequest *req, const char *account, const char *rest);
void jmap_download_request(HermodHttpRequest *req, const char *account, const char *rest);
/* push.c */
void jmap_eventsource_request(HermodHttpRequest *req, const char *account);
void jmap_push_shutdown(void);

G_END_DECLS

#endif
