/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * dsn.h - delivery status notifications (RFC 3464).
 *
 * A report is one multipart/report; report-type=delivery-status message to
 * the original sender: a human-readable text part, a message/delivery-status
 * part (per-message fields, then one block per recipient) and the original
 * message (message/rfc822 for a failure with RET=FULL, else
 * text/rfc822-headers).  It is sent with the null sender through the one
 * submission path, so it is never bounced itself.
 */
#ifndef HERMOD_CORE_DSN_H
#define HERMOD_CORE_DSN_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    HERMOD_DSN_FAILED,
    HERMOD_DSN_DELAYED,
    HERMOD_DSN_RELAYED,   /* handed to a peer that does not speak DSN */
    HERMOD_DSN_DELIVERED, /* stored locally, or the peer accepted it */
} HermodDsnAction;

typedef struct {
    const char *address; /* Final-Recipient */
    const char *orcpt;   /* nullable: "rfc822;bob@example.org" (ORCPT as given) */
    HermodDsnAction action;
    const char *status;     /* "5.1.1"; NULL: derived from action */
    const char *diagnostic; /* nullable: "smtp; 550 5.1.1 ..." or plain words */
    const char *remote_mta; /* nullable: host name of the peer */
} HermodDsnRcpt;

typedef struct {
    const char *reporting_mta; /* [core] hostname */
    const char *sender;        /* the original sender: the report goes there */
    const char *envid;         /* nullable: Original-Envelope-Id */
    const char *queue_id;      /* nullable */
    gint64 arrival;            /* seconds since the epoch; 0: unknown */
    gint64 retry_until;        /* for DELAYED: Will-Retry-Until; 0: none */
    gboolean is_headers_only;  /* RET=HDRS */
    GBytes *original;          /* the message as queued */
    const HermodDsnRcpt *rcpts;
    guint n_rcpts;
} HermodDsnReport;

/* The report as message bytes (CRLF lines); (transfer full).  *out_is_8bit
 * tells whether it must be sent with BODY=8BITMIME. */
GBytes *hermod_dsn_build(const HermodDsnReport *report, gboolean *out_is_8bit);
/* Build and submit to report->sender with the null sender.  Blocking, like
 * hermod_message_submit(); session is for the log.  Does nothing (TRUE)
 * when the sender is the null sender. */
gboolean hermod_dsn_send(const HermodDsnReport *report, const char *session, GError **error);

G_END_DECLS

#endif
