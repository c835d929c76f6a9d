/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * parser.h - IMAP command parsing into a tree of generic arguments.
 *
 * The session gathers one whole command (its lines plus the literals they
 * announce) into a buffer; imap_parse_command() turns it into a tag, a
 * command name and a list of ImapArg.  Commands interpret the arguments
 * themselves, as Dovecot's imap-parser does.
 */
#ifndef HERMOD_IMAP_PARSER_H
#define HERMOD_IMAP_PARSER_H

#include <glib.h>

G_BEGIN_DECLS

#define IMAP_PARSE_ERROR (imap_parse_error_quark())
GQuark imap_parse_error_quark(void);
typedef enum {
    IMAP_PARSE_ERROR_NO_TAG, /* reply "* BAD" */
    IMAP_PARSE_ERROR_SYNTAX, /* reply "TAG BAD" */
} ImapParseError;

typedef enum {
    IMAP_ARG_ATOM,    /* also flags (\Seen), sequence sets, fetch items with [...] */
    IMAP_ARG_STRING,  /* quoted string, unescaped */
    IMAP_ARG_LITERAL, /* {N} or ~{N}; may hold NULs (literal8) */
    IMAP_ARG_NIL,
    IMAP_ARG_LIST,
} ImapArgType;

typedef struct ImapArg ImapArg;
struct ImapArg {
    ImapArgType type;
    char *str; /* ATOM/STRING/LITERAL: NUL-terminated copy */
    gsize len; /* its length in bytes */
    gboolean is_literal8;
    GPtrArray *list; /* LIST: ImapArg* (owned) */
};

typedef struct {
    char *tag;
    char *name;      /* upper-cased command name */
    GPtrArray *args; /* ImapArg* (owned) */
} ImapCommand;

/* Parse buf (one whole command, CRLF optional at the end).  (transfer full)
 * On failure error says why; *out_tag (nullable out, transfer full) gets the
 * tag when one could be read, for a tagged BAD. */
ImapCommand *imap_parse_command(const char *buf, gsize len, char **out_tag, GError **error);
void imap_command_free(ImapCommand *cmd);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(ImapCommand, imap_command_free)

/* Does line (as received, with its terminator) end by announcing a literal?
 * Returns TRUE and sets *out_size and *out_nonsync ({N+}) if so. */
gboolean imap_line_literal(const char *line, gsize len, guint64 *out_size, gboolean *out_nonsync);

/* Argument helpers: TRUE if arg is an atom, string or literal ("astring"). */
gboolean imap_arg_is_astring(const ImapArg *arg);
/* Case-insensitive atom comparison. */
gboolean imap_arg_atom_is(const ImapArg *arg, const char *word);

G_END_DECLS

#endif
