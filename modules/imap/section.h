/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * section.h - BODY[section]<partial> and BINARY[section] addressing
 * (RFC 9051 6.4.5, RFC 3516).
 */
#ifndef HERMOD_IMAP_SECTION_H
#define HERMOD_IMAP_SECTION_H

#include <glib.h>

#include "mime.h"

G_BEGIN_DECLS

typedef enum {
    IMAP_SECTION_BODY,       /* "" or a part number alone */
    IMAP_SECTION_HEADER,     /* [part.]HEADER */
    IMAP_SECTION_FIELDS,     /* [part.]HEADER.FIELDS (..) */
    IMAP_SECTION_FIELDS_NOT, /* [part.]HEADER.FIELDS.NOT (..) */
    IMAP_SECTION_TEXT,       /* [part.]TEXT */
    IMAP_SECTION_MIME,       /* part.MIME */
} ImapSectionKind;

typedef struct {
    ImapSectionKind kind;
    GArray *parts; /* guint32 part numbers, maybe empty */
    char **fields; /* FIELDS, FIELDS_NOT: names; else NULL */
    char *text;    /* the section as it goes into the response ("1.HEADER.FIELDS (FROM)") */
} ImapSection;

/* Parse the text between "[" and "]".  BINARY sections (is_binary) may
 * only hold a part number.  (transfer full) or NULL with
 * IMAP_FETCH_ERROR_SYNTAX. */
ImapSection *imap_section_parse(const char *text, gboolean is_binary, GError **error);
void imap_section_free(ImapSection *section);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImapSection, imap_section_free)

/* Find the part a section's numbers name (root for none), or NULL when it
 * does not exist.  (transfer none) */
const ImapMimePart *imap_section_find_part(const ImapMimePart *root, const ImapSection *section);

/* The section's content: either a range of data (*out_start, *out_end;
 * *out_built NULL) or built bytes (*out_built, transfer full; for
 * HEADER.FIELDS).  FALSE when the section does not exist (the response
 * then says NIL). */
gboolean imap_section_extract(const char *data, gsize len, const ImapMimePart *root,
                              const ImapSection *section, gsize *out_start, gsize *out_end,
                              GBytes **out_built);

/* The header lines of data[start, end) whose name is (is_not: is not) in
 * fields, each with its folded lines, then the empty line.  (transfer full) */
GBytes *imap_section_header_fields(const char *data, gsize start, gsize end, char *const *fields,
                                   gboolean is_not);

G_END_DECLS

#endif
