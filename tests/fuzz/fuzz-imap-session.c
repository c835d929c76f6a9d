/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-imap-session.c - fuzz target: a whole IMAP session of the real
 * module on the fake core and fake mail store of the unit tests
 * (tests/unit/fake-core.c, tests/unit/fake-store*.c, through the
 * libimapfake convenience library).
 *
 * alice@example.org has an INBOX of four messages (plain, multipart with
 * an attachment, encoded headers, a reply), an Archive and Sent.  The
 * first input byte picks how the connection starts (logged in already, or
 * plain or TLS and left to LOGIN/AUTHENTICATE/STARTTLS; trusted or not; a
 * small core line limit; small module limits; back-pressure).  The rest is
 * a list of steps, each a selector byte:
 *
 *   0x00-0xef  the next (byte + 1) bytes, fed as one read from the client
 *   0xff       the rest of the input, fed as one read
 *   0xf0       a new message is delivered to INBOX (watches fire: IDLE)
 *   0xf1       another session expunges INBOX's first message
 *   0xf2       another session flags INBOX's last message \Flagged
 *   0xf3       back-pressure on or off (output stays "unsent" while on)
 *   0xf4       the client reads what was sent (on_writable may run)
 *   0xf5       work-pool jobs and auth checks are held or let run
 *   0xf6 N     the store member N % n of a short list fails from now on
 *   0xf7       no store member fails any more
 *   0xf8       the core's buffer fills up (conn_output_pending reports 1 MiB
 *              more, on_writable waits) or empties again
 *   0xf9       the idle timer fires: on_timeout, then the core closes
 *   0xfa       the server shuts down: on_shutdown
 *   0xfb-0xfe  nothing
 *
 * The fake core turns fed bytes into on_line / on_data (conn_read_bytes)
 * and honours pauses, as the real core does.  Replies are expected;
 * crashes, hangs (the fake's pump aborts past a million rounds), leaks
 * and undefined behaviour are the bugs.  Inputs over 64 KiB are ignored
 * so that each run stays cheap.  With HERMOD_FUZZ_TRACE set in the
 * environment the server's replies go to stderr.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-imap.h"
#include "search-cache.h"

#define SESSION_MAX_INPUT (64 * 1024)

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

enum {
    START_LOGGED_IN = 1 << 0,
    START_TLS = 1 << 1,
    START_TRUSTED = 1 << 2,
    START_SHORT_LINES = 1 << 3,  /* the core hands over lines in 64-byte pieces */
    START_SMALL_LIMITS = 1 << 4, /* max_line and max_literal 1K */
    START_BACKPRESSURE = 1 << 5,
};

static const char *const inbox[] = {
    ("From: Bob <bob@example.org>\r\nTo: alice@example.org\r\nSubject: plain\r\n"
     "Date: Mon, 23 Nov 2026 10:00:00 +0100\r\nMessage-ID: <1@example.org>\r\n\r\n"
     "Hello Alice,\r\nthe first body.\r\n"),
    ("From: carol@example.net\r\nTo: alice@example.org, dave@example.net\r\n"
     "Subject: report\r\nMIME-Version: 1.0\r\n"
     "Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\npreamble\r\n--b1\r\n"
     "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n"
     "\r\nsee the r=C3=A9sum=C3=A9\r\n--b1\r\nContent-Type: application/octet-stream; "
     "name=a.bin\r\n"
     "Content-Disposition: attachment; filename=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
     "AAECAwQFBgcICQ==\r\n--b1--\r\n"),
    ("From: =?utf-8?q?J=C3=B6rg?= <joerg@example.de>\r\nTo: alice@example.org\r\n"
     "Subject: =?utf-8?b?R3LDvMOfZQ==?=\r\nDate: Tue, 24 Nov 2026 08:30:00 +0000\r\n\r\n"
     "Gruesse\r\n"),
    ("From: alice@example.org\r\nTo: bob@example.org\r\nSubject: Re: plain\r\n"
     "In-Reply-To: <1@example.org>\r\nReferences: <1@example.org>\r\n\r\nthanks\r\n"),
};

/* What 0xf6 can make fail. */
static const char *const members[] = {
    "append",      "copy",         "expunge",        "open_message",   "read_message",
    "search_text", "update_flags", "mailbox_status", "mailbox_create", "cache_get",
};

typedef struct {
    HermodConn *conn;
    gboolean has_backpressure;
    gboolean holds_jobs;
    gboolean is_full; /* 0xf8 */
} Session;

static void
seed_store(void)
{
    for (guint i = 0; i < G_N_ELEMENTS(inbox); i++)
        fake_store_add(FAKE_ACCOUNT, "INBOX", inbox[i], -1,
                       i == 0   ? HERMOD_MAIL_FLAG_SEEN
                       : i == 3 ? HERMOD_MAIL_FLAG_ANSWERED
                                : 0,
                       FAKE_STORE_NOW + i * 3600);
    fake_store_create(FAKE_ACCOUNT, "Archive", NULL);
    fake_store_add(FAKE_ACCOUNT, "Archive", inbox[0], -1, HERMOD_MAIL_FLAG_SEEN, 0);
}

static HermodConn *
start(guint8 how)
{
    fake_core_reset();
    fake_set_setting("max_bad_commands", "1000");
    if (how & START_SMALL_LIMITS) {
        fake_set_setting("max_line", "1K");
        fake_set_setting("max_literal", "1K");
    }
    seed_store();
    HermodConn *c = how & START_LOGGED_IN ? fake_login() : fake_conn_new(how & START_TLS);
    if (how & START_TRUSTED)
        fake_set_trusted(c, TRUE);
    if (how & START_SHORT_LINES)
        fake_set_line_limit(c, 64);
    g_free(fake_take(c));
    return c;
}

/* HERMOD_FUZZ_TRACE set: the server's output goes to stderr. */
static void
trace(char *out)
{
    static int is_on = -1;
    if (is_on < 0)
        is_on = g_getenv("HERMOD_FUZZ_TRACE") != NULL;
    if (is_on)
        g_printerr("%s", out);
    g_free(out);
}

/* Output the client has read: everything, unless back-pressure holds it. */
static void
take(Session *s)
{
    if (!s->has_backpressure)
        trace(fake_take(s->conn));
}

static void
outside_event(guint8 op)
{
    g_autoptr(GArray) uids = fake_store_uids(FAKE_ACCOUNT, "INBOX");
    if (op == 0xf0)
        fake_store_add(FAKE_ACCOUNT, "INBOX", inbox[uids->len % G_N_ELEMENTS(inbox)], -1, 0, 0);
    else if (op == 0xf1 && uids->len > 0)
        fake_store_expunge(FAKE_ACCOUNT, "INBOX", g_array_index(uids, guint32, 0));
    else if (op == 0xf2 && uids->len > 0)
        fake_store_set_flags(FAKE_ACCOUNT, "INBOX", g_array_index(uids, guint32, uids->len - 1),
                             HERMOD_MAIL_FLAG_FLAGGED);
}

/* What the core does on its own: its buffer, its timer, its shutdown.
 * It calls no callback on a closed connection. */
static void
core_event(Session *s, guint8 op)
{
    const HermodProtocol *proto = fake_protocol();
    if (op == 0xf8) {
        s->is_full = !s->is_full;
        fake_set_pending_extra(s->conn, s->is_full ? 1024 * 1024 : 0);
    } else if (op == 0xf9 && !fake_is_closed(s->conn)) {
        proto->on_timeout(s->conn);
        fake_conn_drop(s->conn);
    } else if (op == 0xfa && !fake_is_closed(s->conn)) {
        proto->on_shutdown(s->conn);
    }
    fake_pump(s->conn);
}

/* One control step (0xf0..0xfe); returns the bytes it used after the selector. */
static gsize
control(Session *s, guint8 op, const guint8 *rest, gsize left)
{
    switch (op) {
    case 0xf0:
    case 0xf1:
    case 0xf2:
        outside_event(op);
        fake_pump(s->conn);
        return 0;
    case 0xf3:
        s->has_backpressure = !s->has_backpressure;
        fake_set_backpressure(s->conn, s->has_backpressure);
        fake_pump(s->conn);
        return 0;
    case 0xf4:
        trace(fake_drain(s->conn));
        return 0;
    case 0xf5:
        s->holds_jobs = !s->holds_jobs;
        if (s->holds_jobs)
            fake_hold_jobs(s->conn, TRUE);
        else
            fake_run_jobs(s->conn);
        return 0;
    case 0xf6:
        if (left == 0)
            return 0;
        fake_store_fail(members[rest[0] % G_N_ELEMENTS(members)], HERMOD_MAIL_ERROR_IO);
        return 1;
    case 0xf7:
        for (guint i = 0; i < G_N_ELEMENTS(members); i++)
            fake_store_fail(members[i], -1);
        return 0;
    default:
        core_event(s, op);
        return 0;
    }
}

/* The client goes away: let held jobs finish, read what is left, close. */
static void
finish(Session *s)
{
    for (guint i = 0; i < G_N_ELEMENTS(members); i++)
        fake_store_fail(members[i], -1);
    fake_set_backpressure(s->conn, FALSE);
    fake_set_pending_extra(s->conn, 0);
    fake_run_jobs(s->conn);
    trace(fake_drain(s->conn));
    trace(fake_take(s->conn));
    fake_conn_free(s->conn);
    /* The module keeps decoded headers per UIDVALIDITY, which the fake store never
     * repeats: without this each run would leave some behind (a bounded cache,
     * not a leak, but one that makes libFuzzer look for leaks after every run). */
    imap_search_cache_clear();
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    if (size == 0 || size > SESSION_MAX_INPUT)
        return 0;
    Session s = {.conn = start(data[0])};
    if (data[0] & START_BACKPRESSURE) {
        s.has_backpressure = TRUE;
        fake_set_backpressure(s.conn, TRUE);
    }
    for (gsize i = 1; i < size;) {
        guint8 op = data[i++];
        gsize left = size - i;
        if (op < 0xf0 || op == 0xff) {
            gsize n = op == 0xff ? left : MIN((gsize)op + 1, left);
            fake_feed(s.conn, (const char *)data + i, (gssize)n);
            i += n;
        } else {
            i += control(&s, op, data + i, left);
        }
        take(&s);
    }
    finish(&s);
    return 0;
}
