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

/* The email of identity id (transfer full), NULL when there is no such
 * identity, or after serverFail (*failed; the error is sent). */
char *jmap_identity_email(JmapCtx *ctx, const char *id, gboolean *failed);

/* Identity/changes: the directory's identities are never "created". */
void jmap_identity_changes_fix(HermodMailChanges *c);
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
/* Start the sender thread: it sends the submissions left pending in the
 * account stores when they are due.  Any thread; again is harmless. */
void jmap_submission_start(void);
/* Stop the sender thread; what is pending stays pending in the stores. */
void jmap_submission_shutdown(void);

G_END_DECLS

#endif
