/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * jmap-blob.h - blob ids and their bytes (blob.c).  Three kinds: "B" and
 * an email id (the raw message), "B<email>-<part>" (one decoded part),
 * "U" and 64 hex digits (an upload).  Every lookup goes through the
 * caller's own store, so another account's blob is simply not found.
 */
#ifndef HERMOD_JMAP_BLOB_H
#define HERMOD_JMAP_BLOB_H

#include "jmap.h"

G_BEGIN_DECLS

/* The bytes of blob_id, or NULL if there is none (or it cannot be read:
 * logged).  *out_type (nullable, transfer full) its media type.  Work
 * pool. */
GBytes *jmap_blob_read(JmapCtx *ctx, const char *blob_id, char **out_type);
/* Blob/copy (blob.c) and Email/import, Email/parse (email-import.c). */
void jmap_blob_copy(JmapCtx *ctx, JsonObject *args);
void jmap_email_import(JmapCtx *ctx, JsonObject *args);
void jmap_email_parse_method(JmapCtx *ctx, JsonObject *args);
/* email-build.c: the message an Email create describes, or NULL with a
 * SetError type and description (transfer full). */
GBytes *jmap_email_build(JmapCtx *ctx, JsonObject *email, const char **out_type, char **out_error);

G_END_DECLS

#endif
