/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * sem-parse.h - the semaphore file format (MDaemon's IM-*.SEM): file
 * names and contents.  Pure functions of their input, no I/O: the fuzz
 * target and the unit test call them as they are.
 */
#ifndef HERMOD_IMSEM_SEM_PARSE_H
#define HERMOD_IMSEM_SEM_PARSE_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    SEM_NAME_OTHER = 0, /* not ours: moved aside as a bad file */
    SEM_NAME_SEM,       /* IM-<id>.SEM */
    SEM_NAME_LCK,       /* IM-<id>.LCK, a writer's lock */
    SEM_NAME_IGNORED,   /* ".name": a writer's temporary, left alone */
} SemNameKind;

/* What name is; *out_id (nullable, transfer full) gets <id> for SEM and
 * LCK.  <id> is 1 to 64 of [A-Za-z0-9_-]; "IM-" and the extension match
 * in any case. */
SemNameKind sem_name_kind(const char *name, char **out_id);

/* A parsed file.  Strings are UTF-8 (transfer full). */
typedef struct {
    char *recipient; /* as written, without surrounding <> */
    char *sender;
    char *text; /* line ends as '\n', trailing blank lines dropped */
} SemIm;

void sem_im_clear(SemIm *im);

/* Parse len bytes (any bytes: NUL, invalid UTF-8 and CRLF are handled).
 * TRUE with *out filled; FALSE with *out_reason a one-line reason
 * (transfer full) and nothing in *out. */
gboolean sem_parse(const char *data, gsize len, SemIm *out, char **out_reason);

/* Is s a plausible mailbox: local@domain, no space or control character,
 * at most 254 bytes?  The hub checks it for real. */
gboolean sem_address_ok(const char *s);

G_END_DECLS

#endif
