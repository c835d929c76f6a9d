/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-import.h - what the three "hermodctl import" sources (Maildir and
 * mbox in ctl-import-local.c, IMAP in ctl-import-imap.c) share: the
 * target account, the import log that makes a second run skip what the
 * first one moved, progress and the summary, mailbox names.
 *
 * Everything here runs on hermodctl's one thread.  Stores are written
 * directly (with fsync, as the daemon does), so hermodd must not be
 * running on the same data_dir meanwhile.
 */
#ifndef HERMOD_CORE_CTL_IMPORT_H
#define HERMOD_CORE_CTL_IMPORT_H

#include <glib.h>
#include "config/config.h"

G_BEGIN_DECLS

typedef struct HermodImport HermodImport;

/* One message to import. */
typedef struct {
    const char *mailbox;         /* target name: UTF-8, '/' between levels; "INBOX" */
    const char *key;             /* unique within the source; the import log's key */
    GBytes *data;                /* the raw message; line ends become CRLF */
    guint32 flags;               /* HERMOD_MAIL_FLAG_* */
    const char *const *keywords; /* nullable */
    gint64 internal_date;        /* seconds since the epoch; 0: now */
} HermodImportMessage;

/* Start importing into the account address from source (a string that
 * names the source for good: "maildir:/abs/path", "imap://user@host").
 * Opens the account's store and its import log (data_dir/import/ACCOUNT.db)
 * and installs the SIGINT/SIGTERM handlers that stop the import between two
 * messages.  (transfer full) */
HermodImport *hermod_import_new(HermodConfig *cfg, const char *address, const char *source,
                                GError **error);
/* What the whole run will read, for the progress bar (0: unknown). */
void hermod_import_set_totals(HermodImport *imp, guint64 messages, guint64 bytes);
/* Whether key was imported by this or an earlier run. */
gboolean hermod_import_has(HermodImport *imp, const char *key);
/* Count a message that is skipped because hermod_import_has said so. */
void hermod_import_skip(HermodImport *imp, guint64 bytes);
/* Queue m (creating its mailbox if need be); every QUEUE_MAX messages,
 * and at hermod_import_finish, the queue is appended in one bulk append
 * (durably, in order) and the keys logged.  A message the store refuses
 * is counted as failed and FALSE returned with error (from the call that
 * appended it); the caller may go on with the next one. */
gboolean hermod_import_add(HermodImport *imp, const HermodImportMessage *m, GError **error);
/* TRUE once SIGINT or SIGTERM arrived: stop before the next message. */
gboolean hermod_import_is_stopped(HermodImport *imp);
/* Print the summary line (stdout) and free imp; returns the exit status:
 * 0, or 1 if error is set (transfer full, reported on stderr), a message
 * failed or the run was interrupted. */
int hermod_import_finish(HermodImport *imp, GError *error);

/* A modified UTF-7 mailbox name (RFC 3501 5.1.3) as UTF-8; NULL if it is
 * not valid modified UTF-7.  (transfer full) */
char *hermod_import_mutf7_decode(const char *name);
/* An IMAP INTERNALDATE ("17-Jul-1996 02:44:25 -0700") as seconds since
 * the epoch, 0 if it cannot be read. */
gint64 hermod_import_parse_imap_date(const char *text);

/* The rows of "import mbox" (ctl-import-mbox.c) and "import imap"
 * (ctl-import-imap.c); the table is in ctl-import-local.c. */
int hermod_ctl_import_mbox(HermodConfig *cfg, int argc, char **argv);
int hermod_ctl_import_imap(HermodConfig *cfg, int argc, char **argv);

G_END_DECLS

#endif
