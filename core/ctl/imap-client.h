/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * imap-client.h - a small blocking IMAP4rev1 client, for "hermodctl import
 * imap": connect (plain, STARTTLS or implicit TLS with GnuTLS, the server
 * certificate checked unless told not to), log in, run one command at a
 * time and get its untagged responses parsed into values.
 *
 * It is hermodctl's, not a module's: modules serve IMAP, they never
 * speak to another server.  One thread; every read and write has a
 * timeout.
 */
#ifndef HERMOD_CORE_IMAP_CLIENT_H
#define HERMOD_CORE_IMAP_CLIENT_H

#include <glib.h>

G_BEGIN_DECLS

#define HERMOD_IMAP_CLIENT_ERROR (hermod_imap_client_error_quark())
GQuark hermod_imap_client_error_quark(void);
typedef enum {
    HERMOD_IMAP_CLIENT_ERROR_IO,       /* connection, TLS, timeout */
    HERMOD_IMAP_CLIENT_ERROR_PROTOCOL, /* a response we cannot read */
    HERMOD_IMAP_CLIENT_ERROR_REFUSED,  /* the server answered NO or BAD */
} HermodImapClientError;

typedef enum {
    HERMOD_IMAP_TLS_NONE,
    HERMOD_IMAP_TLS_STARTTLS,
    HERMOD_IMAP_TLS_IMPLICIT,
} HermodImapTls;

typedef struct {
    const char *host;
    guint16 port;
    HermodImapTls tls;
    const char *ca_file;  /* nullable: the system's trust store */
    gboolean is_insecure; /* do not check the server's certificate */
} HermodImapTarget;

typedef enum {
    HERMOD_IMAP_ATOM,   /* also numbers and flags; text holds it */
    HERMOD_IMAP_STRING, /* quoted or literal; bytes holds it */
    HERMOD_IMAP_LIST,   /* items */
    HERMOD_IMAP_NIL,
} HermodImapKind;

typedef struct HermodImapValue HermodImapValue;
struct HermodImapValue {
    HermodImapKind kind;
    char *text;       /* ATOM, and STRING as a NUL-terminated copy */
    GBytes *bytes;    /* STRING */
    GPtrArray *items; /* LIST: element HermodImapValue */
};

typedef struct HermodImapClient HermodImapClient;

/* Connect, read the greeting, do STARTTLS if asked.  (transfer full) */
HermodImapClient *hermod_imap_client_connect(const HermodImapTarget *target, GError **error);
void hermod_imap_client_free(HermodImapClient *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodImapClient, hermod_imap_client_free)

/* LOGIN with both arguments sent as literals (any byte is fine). */
gboolean hermod_imap_client_login(HermodImapClient *c, const char *user, const char *password,
                                  GError **error);
/* Send "TAG command" and read up to the tagged reply.  Returns the
 * untagged responses whose second word is a number (FETCH, EXISTS) or
 * LIST, LSUB, STATUS, parsed: each a LIST value of the response's words
 * after "*".  Other untagged responses are skipped.  NO/BAD is
 * HERMOD_IMAP_CLIENT_ERROR_REFUSED with the server's text.
 * (transfer full): element HermodImapValue */
GPtrArray *hermod_imap_client_run(HermodImapClient *c, const char *command, GError **error);

/* A command argument as an IMAP quoted string.  (transfer full) */
char *hermod_imap_quote(const char *text);

/* The value after key in a list of alternating keys and values
 * ("UID 5 FLAGS (...)"), compared case-insensitively; NULL if absent. */
const HermodImapValue *hermod_imap_value_lookup(const HermodImapValue *list, const char *key);

G_END_DECLS

#endif
