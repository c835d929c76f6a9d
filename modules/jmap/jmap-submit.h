/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * jmap-submit.h - identities (identity.c), EmailSubmission
 * (submission.c, sending through the core's submission function) and
 * VacationResponse (vacation.c).  Work-pool thread.
 */
#ifndef HERMOD_JMAP_SUBMIT_H
#define HERMOD_JMAP_SUBMIT_H

#include "jmap.h"

G_BEGIN_DECLS

/* The addresses of the account's identities, I1 first.  (transfer full)
 * element char *, or NULL after serverFail. */
GPtrArray *jmap_identities(JmapCtx *ctx);

void jmap_identity_get(JmapCtx *ctx, JsonObject *args);
void jmap_identity_changes(JmapCtx *ctx, JsonObject *args);
void jmap_identity_set(JmapCtx *ctx, JsonObject *args);
void jmap_submission_get(JmapCtx *ctx, JsonObject *args);
void jmap_submission_changes(JmapCtx *ctx, JsonObject *args);
void jmap_submission_query(JmapCtx *ctx, JsonObject *args);
void jmap_submission_set(JmapCtx *ctx, JsonObject *args);
void jmap_vacation_get(JmapCtx *ctx, JsonObject *args);
void jmap_vacation_set(JmapCtx *ctx, JsonObject *args);
void jmap_search_snippet_get(JmapCtx *ctx, JsonObject *args);
void jmap_email_copy(JmapCtx *ctx, JsonObject *args);
/* Send what is still pending now and stop the sender thread. */
void jmap_submission_shutdown(void);

G_END_DECLS

#endif
