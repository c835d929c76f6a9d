/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue-peer.h - the fixture of the queue and submission tests: a
 * temporary data_dir, the directory, the queue, and smtp-peer.py (aiosmtpd)
 * on a free 127.0.0.1 port that example.org and sender.test are routed to
 * ([routes]); down.test goes to a closed port, mute.test to a socket that
 * never greets.  Plus helpers to read what the peer received.
 */
#ifndef HERMOD_TESTS_QUEUE_PEER_H
#define HERMOD_TESTS_QUEUE_PEER_H

#include <gio/gio.h>
#include <gmime/gmime.h>

#include "config/config.h"

/* Every wait gives up after this many seconds. */
#define WAIT_S 60 /* an upper bound for a loaded machine, not a target */

/* What a test wants of its setup. */
typedef struct {
    const char *conf; /* more [queue] lines */
    gboolean is_tls;  /* the peer offers STARTTLS */
    gboolean is_dsn;  /* the peer announces DSN */
} Setup;

typedef struct {
    char *dir;
    char *out;
    GSocket *mute; /* listens, never accepts: a peer that never greets */
    GSubprocess *peer;
    HermodConfig *cfg;
} Fixture;

/* A plain test message (CRLF, a dot line, 8-bit text). */
extern const char test_body[];

/* g_test_add() setup and teardown; data is a const Setup * or NULL. */
void setup(Fixture *f, gconstpointer data);
void teardown(Fixture *f, gconstpointer data);
/* Submit text from sender to rcpts (NULL-terminated), ENVID "ENV-42", the
 * same notify for all; asserts success.  The id, transfer full. */
char *submit(const char *sender, const char *const *rcpts, guint notify, const char *text);
/* Wait until the peer has n messages / the queue is empty; FALSE after
 * WAIT_S seconds. */
gboolean wait_messages(Fixture *f, guint n);
gboolean wait_empty(void);
/* Envelope key of the peer's n-th message ("from", "rcpts", "mail_options",
 * "rcpt_options", "helo", "tls"); transfer full. */
char *peer_string(Fixture *f, guint n, const char *key);
/* The n-th message's bytes as received; transfer full. */
GBytes *peer_body(Fixture *f, guint n);
/* Parse a message with GMime; asserts success.  (transfer full) */
GMimeMessage *parse(GBytes *bytes);
/* Assert that report is an RFC 3464 multipart/report with one recipient
 * block for rcpt with this action and status, and a third part of type
 * third_type ("message/rfc822" or "text/rfc822-headers"). */
void check_report(GBytes *report, const char *action, const char *status, const char *rcpt,
                  const char *third_type);
/* Times (unix seconds, element double) the peer saw RCPT for address;
 * transfer full. */
GArray *rcpt_times(Fixture *f, const char *address);
guint count_rcpts(Fixture *f, const char *address);

#endif
