/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * email-parse.h - a message's JMAP view (RFC 8621 4.1): header forms,
 * the body structure with part ids, textBody/htmlBody/attachments, body
 * values and the preview, from GMime.  Pure functions of the message
 * bytes (email-parse.c, email-header.c), also used by Email/parse and
 * the fuzz target.
 */
#ifndef HERMOD_JMAP_EMAIL_PARSE_H
#define HERMOD_JMAP_EMAIL_PARSE_H

#include <gmime/gmime.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* One leaf or multipart of the message, in depth-first order. */
typedef struct JmapPart JmapPart;
struct JmapPart {
    char *part_id;       /* "1", "2", ... (leaves and multiparts alike); NULL for multiparts */
    GMimeObject *object; /* transfer none: owned by the message */
    char *type;          /* lower case "text/plain" */
    GPtrArray *children; /* JmapPart *, for multiparts; NULL otherwise */
};

typedef struct {
    GMimeMessage *message;
    JmapPart *root;
    GPtrArray *text_body, *html_body, *attachments; /* JmapPart *, transfer none */
    GPtrArray *leaves;                              /* every leaf, by part id */
} JmapEmail;

/* What Email/get asks for in a view. */
typedef struct {
    GPtrArray *body_properties; /* nullable: the default set */
    gboolean fetch_text, fetch_html, fetch_all;
    gint64 max_body_value_bytes; /* 0: no limit */
    const char *blob_prefix;     /* "B12" -> part blob ids "B12-3" */
} JmapViewOptions;

/* Parse a message.  NULL if GMime cannot.  (transfer full) */
JmapEmail *jmap_email_parse(const char *data, gsize len);
void jmap_email_free(JmapEmail *email);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(JmapEmail, jmap_email_free)

/* Set property prop of the view on o: the header forms, the convenience
 * header properties, body parts and values, preview, hasAttachment.
 * FALSE if prop is none of these (the caller handles metadata). */
gboolean jmap_email_property(JmapEmail *email, const char *prop, const JmapViewOptions *opt,
                             JsonObject *o);
/* A header property "header:Name[:asForm][:all]": is it well formed? */
gboolean jmap_header_property_valid(const char *prop);
/* The value of a header property over headers (of a message or part). */
JsonNode *jmap_header_value(GMimeObject *object, const char *prop);
/* The decoded content of a leaf part.  (transfer full) */
GBytes *jmap_part_content(GMimeObject *part);
/* The leaf with part_id, or NULL. */
JmapPart *jmap_email_part(JmapEmail *email, const char *part_id);
/* Parsed forms of a raw header value. */
JsonNode *jmap_header_form(const char *raw, const char *form);

G_END_DECLS

#endif
