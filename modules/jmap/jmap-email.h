/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * jmap-email.h - what the Email methods share (email-get.c,
 * email-query.c, email-set.c, email-build.c).  Work-pool thread.
 */
#ifndef HERMOD_JMAP_EMAIL_H
#define HERMOD_JMAP_EMAIL_H

#include "email-parse.h"
#include "jmap.h"

G_BEGIN_DECLS

/* keywords of e as a JMAP object ($seen ... and its IMAP keywords). */
JsonObject *jmap_keywords_json(const HermodEmailInfo *e);
/* Read and parse e's message; NULL (logged) when it cannot be read or
 * parsed.  (transfer full) */
JmapEmail *jmap_email_load(JmapCtx *ctx, const HermodEmailInfo *e);
/* One email by JMAP id, or NULL (not found or failed: *out_failed). */
HermodEmailInfo *jmap_email_find(JmapCtx *ctx, const char *id, gboolean *out_failed);

/* Append data to mb with keywords (nullable) and received (0: now); on
 * success NULL and *out_created {id, blobId, threadId, size}, else a
 * SetError.  (transfer full) */
JsonObject *jmap_email_append(JmapCtx *ctx, const HermodMailboxInfo *mb, GBytes *data,
                              JsonObject *keywords, gint64 received, JsonObject **out_created);

G_END_DECLS

#endif
