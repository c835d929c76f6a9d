/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * data.c - the message content: DATA, BDAT, the checks after it, and the
 * hand-over to the core's msg_submit.
 *
 * DATA (RFC 5321 4.1.1.4) arrives as lines.  Only CRLF "." CRLF ends it:
 * "<LF>.<LF>", "<CR>.<CR>" and "<LF>.<CRLF>" never do (SMTP smuggling).
 * A bare LF or a bare CR anywhere in DATA content is refused, not
 * normalised: the whole message gets 550 5.6.0 once the data has ended, so
 * no bytes are ever reinterpreted.  Lines longer than 998 characters plus
 * CRLF (RFC 5322 2.1.1) likewise refuse the message with 550 5.6.0; we do
 * not rewrap other people's mail.  Leading dots are unstuffed; everything
 * else is kept byte for byte.
 *
 * BDAT (RFC 3030) arrives as counted bytes via conn_read_bytes and is kept
 * exactly as sent (no unstuffing, no line checks).  A chunk is always read
 * in full, even when it is refused, so that its bytes are never taken for
 * commands.
 *
 * Either way the message starts with our Received header.  Over
 * max_message_size the content is read and dropped, then 552 5.3.4.  After
 * the content: for authenticated senders every From address must belong
 * to the account (553 5.7.1); then the input is paused while msg_submit
 * runs on the work pool, and 250 comes only once it returned TRUE.
 */
#include "autoconfig.h"

#include <string.h>
#include <time.h>

#include "header.h"
#include "smtp.h"

struct SmtpBody {
    HermodMessage *msg;
    guint64 size; /* content bytes, without our Received header */
    gboolean is_too_big;
    gboolean has_bare_newline; /* DATA: a CR or LF not in a CRLF pair */
    gboolean has_long_line;    /* DATA: a line over SMTP_DATA_LINE_MAX */
    SmtpHeaders *headers;
    /* DATA line state */
    GString *line;          /* the current line, up to SMTP_DATA_LINE_MAX + 1 */
    gboolean is_line_long;  /* the current line passed the cap */
    gboolean prev_crlf;     /* the previous line ended with CRLF */
    gboolean piece_ends_cr; /* the previous partial piece ended with CR */
};

void
smtp_body_free(SmtpBody *b)
{
    if (b == NULL)
        return;
    smtp_api->msg_free(b->msg);
    smtp_headers_free(b->headers);
    g_string_free(b->line, TRUE);
    g_free(b);
}

static const char *const wdays[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/* RFC 5322 3.3 date-time, in English whatever the locale.  From the C
 * library's local time, which reads the zone once: GLib 2.74's
 * g_date_time_new_now_local reads /etc/localtime on every call when TZ is
 * unset.  (transfer full) */
static char *
rfc5322_date(void)
{
    time_t t = time(NULL);
    struct tm tm;
    long off;

    localtime_r(&t, &tm);
    off = tm.tm_gmtoff / 60;
    return g_strdup_printf("%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld", wdays[(tm.tm_wday + 6) % 7],
                           tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                           tm.tm_sec, off < 0 ? '-' : '+', ABS(off) / 60, ABS(off) % 60);
}

/* "with" keyword of RFC 3848 and RFC 6531. */
static const char *
with_protocol(SmtpSession *s)
{
    static const char *const names[] = {"ESMTP",    "ESMTPA",    "ESMTPS",    "ESMTPSA",
                                        "UTF8SMTP", "UTF8SMTPA", "UTF8SMTPS", "UTF8SMTPSA"};
    if (!s->is_esmtp)
        return "SMTP";
    guint i = (s->account != NULL ? 1 : 0) + (smtp_session_is_tls(s) ? 2 : 0) +
              ((s->msg_flags & HERMOD_MSG_SMTPUTF8) ? 4 : 0);
    return names[i];
}

/* (transfer full) the Received header for this transaction. */
static char *
received_header(SmtpSession *s)
{
    const char *peer = smtp_api->conn_peer(s->conn);
    const char *tls = smtp_api->conn_tls_info(s->conn);
    g_autofree char *date = rfc5322_date();
    GString *h = g_string_new(NULL);
    g_string_append_printf(h, "Received: from %s (%s%s%s)\r\n", s->helo,
                           strchr(peer != NULL ? peer : "", ':') != NULL ? "[IPv6:" : "[",
                           peer != NULL ? peer : "unknown", "]");
    if (tls != NULL && smtp_session_is_tls(s))
        g_string_append_printf(h, "\t(using %s)\r\n", tls);
    g_string_append_printf(h, "\tby %s (Hermod) with %s id %s", smtp_api->hostname(),
                           with_protocol(s), smtp_api->conn_session(s->conn));
    /* As Postfix: "for" only names a single recipient (naming one of
     * several would leak the others' existence to none, but mislead). */
    if (s->rcpts->len == 1)
        g_string_append_printf(h, "\r\n\tfor <%s>", ((SmtpRcpt *)s->rcpts->pdata[0])->address);
    /* The date ends the last line: every continuation starts with a tab. */
    g_string_append_printf(h, "; %s\r\n", date);
    return g_string_free(h, FALSE);
}

static SmtpBody *
body_new(SmtpSession *s)
{
    SmtpBody *b = g_new0(SmtpBody, 1);
    g_autofree char *received = received_header(s);
    gsize rlen = strlen(received);
    b->msg = smtp_api->msg_new(smtp_api->conn_session(s->conn));
    smtp_api->msg_set_limit(b->msg, s->lim.max_message_size + rlen);
    smtp_api->msg_append(b->msg, received, rlen);
    b->headers = smtp_headers_new();
    b->line = g_string_new(NULL);
    b->prev_crlf = TRUE;
    return b;
}

/* Content bytes, after unstuffing; dropped once the message is refused. */
static void
body_append(SmtpSession *s, const char *data, gsize len)
{
    SmtpBody *b = s->body;
    if (b->is_too_big || b->has_bare_newline || b->has_long_line)
        return;
    if (len > s->lim.max_message_size - b->size) {
        b->is_too_big = TRUE;
        return;
    }
    b->size += len;
    if (!smtp_api->msg_append(b->msg, data, len))
        b->is_too_big = TRUE;
    smtp_headers_feed(b->headers, data, len);
}

/* Every From address must belong to the account; replies on refusal. */
static gboolean
check_from(SmtpSession *s)
{
    SmtpHeaders *h = s->body->headers;
    smtp_headers_finish(h);
    guint n = smtp_headers_from_count(h);
    if (n != 1) {
        smtp_reply_error(s, 550, "5.6.0", "Message must have exactly one From header, not %u", n);
        return FALSE;
    }
    g_auto(GStrv) addrs = NULL;
    if (smtp_headers_from(h) == NULL ||
        (addrs = smtp_from_addresses(smtp_headers_from(h))) == NULL) {
        smtp_reply_error(s, 550, "5.6.0", "Malformed From header");
        return FALSE;
    }
    for (guint i = 0; addrs[i] != NULL; i++) {
        HermodAuthResult owned = smtp_check_owner(s, addrs[i]);
        if (owned == HERMOD_AUTH_TEMPFAIL) {
            smtp_reply_error(s, 451, "4.3.0", "From address <%s>: Temporary lookup failure",
                             addrs[i]);
            return FALSE;
        }
        if (owned != HERMOD_AUTH_OK) {
            smtp_reply_error(s, 553, "5.7.1", "From address <%s> not owned by user %s", addrs[i],
                             s->account);
            return FALSE;
        }
    }
    return TRUE;
}

/* The content checks; replies on refusal. */
static gboolean
content_ok(SmtpSession *s)
{
    SmtpBody *b = s->body;
    if (b->is_too_big) {
        smtp_reply_error(s, 552, "5.3.4", "Message size exceeds fixed limit of %" G_GUINT64_FORMAT,
                         s->lim.max_message_size);
        return FALSE;
    }
    if (b->has_bare_newline) {
        smtp_reply_error(s, 550, "5.6.0",
                         "Message contains bare CR or LF characters; use CRLF line endings");
        return FALSE;
    }
    if (b->has_long_line) {
        smtp_reply_error(s, 550, "5.6.0", "Message has lines longer than 998 characters");
        return FALSE;
    }
    return s->account == NULL || check_from(s);
}

typedef struct {
    HermodMessage *msg;
    char *id;
    GError *error;
    gboolean ok;
} SubmitJob;

static void
submit_work(gpointer data)
{
    SubmitJob *job = data;
    job->ok = smtp_api->msg_submit(job->msg, &job->id, &job->error);
}

static void
submit_reply(SmtpSession *s, SubmitJob *job)
{
    const char *sess = smtp_api->conn_session(s->conn);
    if (job->ok) {
        smtp_reply(s, 250, "2.0.0", "Ok: queued as %s", job->id);
        return;
    }
    const GError *e = job->error;
    gboolean ours = e != NULL && e->domain == HERMOD_SUBMIT_ERROR;
    smtp_api->log(HERMOD_LOG_WARNING, sess, "smtp: message not accepted: %s",
                  e != NULL ? e->message : "unknown error");
    if (!ours || e->code == HERMOD_SUBMIT_ERROR_TEMP)
        smtp_reply(s, 451, "4.3.0", "Local error in processing; try again later");
    else if (e->code == HERMOD_SUBMIT_ERROR_QUOTA)
        smtp_reply(s, 452, "4.2.2", "Mailbox full: %s", e->message);
    else if (e->code == HERMOD_SUBMIT_ERROR_TOO_BIG)
        smtp_reply(s, 552, "5.3.4", "Message too big: %s", e->message);
    else
        smtp_reply(s, 554, "5.6.0", "Message rejected: %s", e->message);
}

static void
submit_done(HermodConn *conn, gpointer data)
{
    SubmitJob *job = data;
    SmtpSession *s = smtp_session_enter(conn);
    if (s != NULL) {
        submit_reply(s, job);
        smtp_session_reset_transaction(s);
        smtp_session_resume(s);
        smtp_session_leave(s);
    }
    smtp_api->msg_free(job->msg);
    g_free(job->id);
    g_clear_error(&job->error);
    g_free(job);
}

static void
submit(SmtpSession *s)
{
    SubmitJob *job = g_new0(SubmitJob, 1);
    HermodMessage *msg = g_steal_pointer(&s->body->msg);
    smtp_api->msg_set_sender(msg, s->sender, s->envid);
    for (guint i = 0; i < s->rcpts->len; i++) {
        const SmtpRcpt *r = s->rcpts->pdata[i];
        smtp_api->msg_add_recipient(msg, r->address, r->notify, r->orcpt);
    }
    smtp_api->msg_set_flags(msg, s->msg_flags);
    smtp_api->msg_set_auth(msg, s->account);
    job->msg = msg;
    smtp_session_set_state(s, SMTP_STATE_WAIT);
    smtp_api->conn_pause(s->conn);
    smtp_api->work_run(s->conn, submit_work, submit_done, job);
}

/* The content is complete (CRLF.CRLF or BDAT LAST). */
static void
finish_message(SmtpSession *s)
{
    s->cmd_name = s->used_bdat ? "BDAT" : "DATA";
    if (!content_ok(s)) {
        smtp_session_reset_transaction(s);
        smtp_session_set_state(s, SMTP_STATE_COMMAND);
        return;
    }
    submit(s);
}

/* Order checks shared by DATA and BDAT; replies on refusal. */
static gboolean
transaction_ready(SmtpSession *s)
{
    if (s->sender == NULL) {
        smtp_reply_error(s, 503, "5.5.1", "Need MAIL command");
        return FALSE;
    }
    if (s->rcpts->len == 0) {
        smtp_reply_error(s, 554, "5.5.1", "No valid recipients");
        return FALSE;
    }
    return TRUE;
}

void
smtp_cmd_data(SmtpSession *s, const char *args)
{
    if (*args != '\0') {
        smtp_reply_error(s, 501, "5.5.4", "Syntax: DATA");
        return;
    }
    if (!transaction_ready(s))
        return;
    if (s->used_bdat) {
        smtp_reply_error(s, 503, "5.5.1", "DATA after BDAT; use BDAT LAST");
        return;
    }
    s->body = body_new(s);
    /* RFC 3463 codes have classes 2, 4 and 5 only: none on 354. */
    smtp_api->conn_printf(s->conn, "354 End data with <CR><LF>.<CR><LF>\r\n");
    smtp_session_set_state(s, SMTP_STATE_DATA);
}

/* A CR not followed by LF, also across piece boundaries. */
static void
check_bare_cr(SmtpBody *b, const char *p, gsize len, gboolean is_partial)
{
    if (b->piece_ends_cr && (len == 0 || p[0] != '\n'))
        b->has_bare_newline = TRUE;
    const char *end = p + len;
    for (const char *c = memchr(p, '\r', len); c != NULL; c = memchr(c + 1, '\r', end - c - 1)) {
        if (c + 1 < end ? c[1] != '\n' : !is_partial)
            b->has_bare_newline = TRUE;
    }
    b->piece_ends_cr = is_partial && len > 0 && p[len - 1] == '\r';
}

static void
collect(SmtpBody *b, const char *p, gsize len)
{
    if (b->is_line_long)
        return;
    if (b->line->len + len > SMTP_DATA_LINE_MAX + 1) { /* +1: a stuffed dot */
        b->is_line_long = TRUE;
        b->has_long_line = TRUE;
        g_string_truncate(b->line, 0);
        return;
    }
    g_string_append_len(b->line, p, len);
}

/* One whole line (terminator included) in b->line: unstuff and keep. */
static void
complete_line(SmtpSession *s)
{
    SmtpBody *b = s->body;
    const char *l = b->line->str;
    gsize n = b->line->len;
    if (b->is_line_long) {
        b->is_line_long = FALSE;
        return;
    }
    if (n > 0 && l[0] == '.')
        l++, n--;
    if (n > SMTP_DATA_LINE_MAX)
        b->has_long_line = TRUE;
    body_append(s, l, n);
    g_string_truncate(b->line, 0);
}

void
smtp_data_line(SmtpSession *s, const char *p, gsize len, gboolean is_partial)
{
    SmtpBody *b = s->body;
    gboolean ends_cr = b->piece_ends_cr;
    check_bare_cr(b, p, len, is_partial);
    collect(b, p, len);
    if (is_partial)
        return;
    gboolean has_lf = len > 0 && p[len - 1] == '\n';
    gboolean crlf = has_lf && (len >= 2 ? p[len - 2] == '\r' : ends_cr);
    if (!crlf)
        b->has_bare_newline = TRUE;
    gboolean was_crlf = b->prev_crlf;
    b->prev_crlf = crlf;
    if (was_crlf && crlf && !b->is_line_long && b->line->len == 3 &&
        memcmp(b->line->str, ".\r\n", 3) == 0) {
        finish_message(s);
        return;
    }
    complete_line(s);
}

/* "BDAT size [LAST]"; FALSE on a syntax error. */
static gboolean
parse_bdat(const char *args, guint64 *out_size, gboolean *out_last)
{
    g_auto(GStrv) words = g_strsplit(args, " ", 3);
    if (words[0] == NULL || !smtp_parse_number(words[0], out_size))
        return FALSE;
    *out_last = words[1] != NULL && g_ascii_strcasecmp(words[1], "LAST") == 0;
    return words[1] == NULL || (*out_last && words[2] == NULL);
}

/* Decide whether a chunk will be kept; a refused one is still read. */
static void
accept_chunk(SmtpSession *s, gboolean last)
{
    s->chunk.is_last = last;
    s->chunk.error = 0;
    if (s->sender == NULL) {
        s->chunk.error = 503;
        s->chunk.ext = "5.5.1";
        s->chunk.text = "Need MAIL command";
    } else if (s->rcpts->len == 0) {
        s->chunk.error = 554;
        s->chunk.ext = "5.5.1";
        s->chunk.text = "No valid recipients";
    } else if (s->body == NULL) {
        s->body = body_new(s);
        s->used_bdat = TRUE;
    }
}

static void
chunk_done(SmtpSession *s)
{
    s->cmd_name = "BDAT";
    if (s->chunk.error != 0) {
        smtp_reply_error(s, s->chunk.error, s->chunk.ext, "%s", s->chunk.text);
        smtp_session_set_state(s, SMTP_STATE_COMMAND);
    } else if (s->body->is_too_big || s->chunk.is_last) {
        /* RFC 3030 2: a refused chunk ends the transaction. */
        finish_message(s);
    } else {
        smtp_reply(s, 250, "2.0.0", "%" G_GUINT64_FORMAT " octets received", s->body->size);
        smtp_session_set_state(s, SMTP_STATE_COMMAND);
    }
}

void
smtp_cmd_bdat(SmtpSession *s, const char *args)
{
    guint64 size;
    gboolean last;
    if (!parse_bdat(args, &size, &last)) {
        smtp_reply_error(s, 501, "5.5.4", "Syntax: BDAT size [LAST]");
        return;
    }
    accept_chunk(s, last);
    if (s->chunk.error == 0 && size > s->lim.max_message_size - s->body->size)
        s->body->is_too_big = TRUE;
    if (size == 0) {
        chunk_done(s);
        return;
    }
    smtp_session_set_state(s, SMTP_STATE_BDAT);
    smtp_api->conn_read_bytes(s->conn, size);
}

void
smtp_bdat_data(SmtpSession *s, const guint8 *data, gsize len, gboolean is_last)
{
    if (s->chunk.error == 0)
        body_append(s, (const char *)data, len);
    if (is_last)
        chunk_done(s);
}
