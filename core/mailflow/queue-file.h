/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue-file.h - one queued message on disk: data file and envelope file.
 *
 * In data_dir/queue/, message ID is ID.msg (the bytes as submitted) and
 * ID.env (a GKeyFile: the envelope and every recipient's state).  Both are
 * written tmp -> fsync -> rename -> fsync(dir); the data file first, so an
 * ID.env always has its data.  An ID.msg without ID.env is a crash leftover
 * and is removed at load.  The daemon's scheduler and hermodctl both use
 * these functions; neither keeps a lock, so a deleted entry simply
 * disappears on the next reload.
 */
#ifndef HERMOD_CORE_QUEUE_FILE_H
#define HERMOD_CORE_QUEUE_FILE_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    HERMOD_RCPT_QUEUED = 0, /* not delivered yet: next attempt pending */
    HERMOD_RCPT_DELIVERED,  /* accepted by the next hop */
    HERMOD_RCPT_FAILED,     /* permanent failure (or expired) */
} HermodRcptStatus;

typedef struct {
    char *address;
    guint notify; /* HermodNotify */
    char *orcpt;  /* nullable: "rfc822;bob@example.org", xtext-decoded */
    HermodRcptStatus status;
    guint attempts;
    char *dsn_status;     /* nullable: "5.1.1", "4.4.1", "2.0.0" */
    char *diagnostic;     /* nullable: "smtp; 550 5.1.1 unknown user" or our own words */
    char *remote_mta;     /* nullable: the host that answered */
    gboolean is_relayed;  /* delivered to a peer without DSN support */
    gboolean is_reported; /* final, and its report (if any) was sent */
} HermodQueueRcptState;

typedef struct {
    char *id;
    char *session;  /* nullable: the session that submitted it */
    char *sender;   /* "" is the null sender */
    char *envid;    /* nullable */
    guint flags;    /* HermodMsgFlags */
    gint64 created; /* seconds since the epoch */
    gint64 next_attempt;
    gboolean delay_notified;
    guint64 size;     /* of the data file */
    GPtrArray *rcpts; /* HermodQueueRcptState* */
} HermodQueueEntry;

/* A fresh entry with no recipients; (transfer full). */
HermodQueueEntry *hermod_queue_entry_new(const char *id);
void hermod_queue_entry_free(HermodQueueEntry *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HermodQueueEntry, hermod_queue_entry_free)
HermodQueueRcptState *hermod_queue_entry_add_rcpt(HermodQueueEntry *entry, const char *address,
                                                  guint notify, const char *orcpt);
/* Recipients still HERMOD_RCPT_QUEUED. */
guint hermod_queue_entry_pending(HermodQueueEntry *entry);

/* A new queue id, unused in dir; (transfer full). */
char *hermod_queue_file_new_id(const char *dir);
/* Write ID.msg durably. */
gboolean hermod_queue_file_write_data(const char *dir, const char *id, GBytes *data,
                                      GError **error);
/* Write ID.env durably (replacing the old one). */
gboolean hermod_queue_file_save(const char *dir, HermodQueueEntry *entry, GError **error);
/* Read ID.env; size is taken from ID.msg.  (transfer full) */
HermodQueueEntry *hermod_queue_file_load(const char *dir, const char *id, GError **error);
/* The data; (transfer full). */
GBytes *hermod_queue_file_read_data(const char *dir, const char *id, GError **error);
/* Remove ID.env then ID.msg.  FALSE with G_FILE_ERROR_NOENT if no such id. */
gboolean hermod_queue_file_remove(const char *dir, const char *id, GError **error);
/* Ids of every queued message (every ID.env), sorted.  (transfer full,
 * element char*) */
GPtrArray *hermod_queue_file_list(const char *dir, GError **error);
/* Remove crash leftovers: tmp files and data without envelope.  Only while
 * nothing else writes to dir (queue open). */
void hermod_queue_file_cleanup(const char *dir);

G_END_DECLS

#endif
