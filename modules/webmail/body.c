/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * body.c - a message's body for the reading view's iframe, the
 * /webmail/body/ mount:
 *
 *   GET /webmail/body/EMAILID[?images=1][&dark=1]   the body as a small
 *       HTML document: the message's HTML sanitised (html-sanitize.c) or
 *       its plain text linkified, remote images removed unless images=1
 *       (then through the image proxy), their count in
 *       <meta name="hermod-blocked">, cid: images pointing at
 *   GET /webmail/body/EMAILID/cid/CONTENT-ID         an inline part.
 *
 * EMAILID is the JMAP email id ("E" and the store's number): the browser
 * knows only JMAP ids, and this mount reads the message's bytes from the
 * same store JMAP does (emails_get, read_message) for the session's own
 * account only, so one user never reaches another's mail.  It is not a
 * second mail API: it renders one body, read-only.  The mount's CSP
 * forbids every script and allows inline style; the iframe is sandboxed
 * without allow-scripts too.  An inline part is sent with nosniff and,
 * unless it is a raster image, as an attachment, so an HTML or SVG part
 * is never rendered.
 */
#include "autoconfig.h"

#include <string.h>

#include "common/message-bytes.h"
#include "message-html.h"
#include "webmail.h"

typedef struct {
    char *account;
    guint64 email_id;
    char *email_ref; /* "E123" as asked */
    char *cid;       /* nullable: a part, not the body */
    gboolean images, dark;
    /* out */
    guint status;
    char *type;
    GBytes *out;
} BodyJob;

static void
job_free(BodyJob *job)
{
    g_free(job->account);
    g_free(job->email_ref);
    g_free(job->cid);
    g_free(job->type);
    if (job->out != NULL)
        g_bytes_unref(job->out);
    g_free(job);
}

/* The raw message of email_id in account, NULL when it is not there. */
static GBytes *
read_email(const char *account, guint64 email_id, GError **error)
{
    const HermodMailApi *mail = proto_mail_api(wm_api);
    HermodMailStore *store;
    g_autoptr(GPtrArray) found = NULL;
    GBytes *raw = NULL;

    if (mail == NULL || !HERMOD_MAIL_API_HAS(mail, emails_get)) {
        g_set_error(error, g_quark_from_static_string("webmail-error"), 0,
                    "this core's store has no email ids (ABI 1.7)");
        return NULL;
    }
    if ((store = mail->open(account, error)) == NULL)
        return NULL;
    found = mail->emails_get(store, &email_id, 1, error);
    if (found != NULL && found->len == 1) {
        HermodEmailInfo *e = found->pdata[0];
        raw = proto_message_bytes(mail, store, e->mailbox, e->uid, error);
    }
    mail->unref(store);
    return raw;
}

static char *
cid_url(const char *cid, gpointer data)
{
    BodyJob *job = data;
    g_autofree char *esc = g_uri_escape_string(cid, NULL, FALSE);

    return g_strdup_printf("%s%s/cid/%s", WM_BODY_PREFIX, job->email_ref, esc);
}

static char *
proxy_url(const char *url, gpointer data)
{
    g_autofree char *esc = g_uri_escape_string(url, NULL, FALSE);

    return g_strdup_printf("%simage?url=%s", WM_API_PREFIX, esc);
}

/* The frame's document around the sanitised body. */
static GBytes *
document(GString *body, guint blocked, gboolean dark)
{
    GString *doc = g_string_new("<!doctype html><html><head><meta charset=\"utf-8\">"
                                "<meta name=\"referrer\" content=\"no-referrer\">");

    g_string_append_printf(doc, "<meta name=\"hermod-blocked\" content=\"%u\">", blocked);
    g_string_append(doc, "<style>html{background:#fff;color:#111}"
                         "body{margin:0;padding:4px 2px;font:15px/1.5 system-ui,-apple-system,"
                         "'Segoe UI',Roboto,Arial,sans-serif;overflow-wrap:anywhere}"
                         "img{max-width:100%;height:auto}table{max-width:100%}"
                         "pre{white-space:pre-wrap}blockquote{margin:0 0 0 .8em;padding-left:.8em;"
                         "border-left:3px solid #c7ccd6;color:#4b5563}"
                         ".hermod-plain{white-space:pre-wrap;font:inherit}");
    /* Dark mode: invert the whole body (so its own colours stay readable
     * against each other) and invert images back. */
    if (dark)
        g_string_append(doc,
                        "html{filter:invert(.9) hue-rotate(180deg)}"
                        "img,video,[style*=background-image]{filter:invert(1) hue-rotate(180deg)}");
    g_string_append(doc, "</style></head><body>");
    g_string_append_len(doc, body->str, (gssize)body->len);
    g_string_append(doc, "</body></html>\n");
    return g_string_free_to_bytes(doc);
}

static gboolean
is_raster_image(const char *type)
{
    static const char *const ok[] = {"image/png", "image/jpeg", "image/gif", "image/webp", NULL};

    for (guint i = 0; type != NULL && ok[i] != NULL; i++)
        if (g_ascii_strcasecmp(type, ok[i]) == 0)
            return TRUE;
    return FALSE;
}

static void
body_work(gpointer data)
{
    BodyJob *job = data;
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) raw = read_email(job->account, job->email_id, &error);

    if (raw == NULL) {
        job->status = error != NULL && error->domain != HERMOD_MAIL_ERROR ? 500 : 404;
        if (error != NULL)
            wm_api->log(job->status == 500 ? HERMOD_LOG_ERROR : HERMOD_LOG_INFO, NULL,
                        "webmail: body of %s: %s", job->email_ref, error->message);
        return;
    }
    if (job->cid != NULL) {
        job->out = wm_message_cid_part(raw, job->cid, &job->type);
        job->status = job->out != NULL ? 200 : 404;
        return;
    }
    WmSanitizeOptions opts = {
        .allow_remote = job->images,
        .rewrite_cid = cid_url,
        .rewrite_remote = proxy_url,
        .data = job,
    };
    g_autoptr(GString) body = wm_message_body_html(raw, &opts);
    job->out = document(body, opts.out_blocked, job->dark);
    job->type = g_strdup("text/html; charset=utf-8");
    job->status = 200;
}

static void
body_done(HermodHttpRequest *req, gpointer data)
{
    BodyJob *job = data;

    if (job->status != 200 || job->out == NULL) {
        wm_reply(req, job->status == 500 ? 500 : 404, "text/plain; charset=utf-8",
                 job->status == 500 ? "Internal Server Error\n" : "Not Found\n");
    } else {
        gboolean is_part = job->cid != NULL;
        if (is_part && !is_raster_image(job->type)) {
            WM_WEB->resp_header(req, "Content-Disposition", "attachment");
            g_free(job->type);
            job->type = g_strdup("application/octet-stream");
        }
        WM_WEB->resp_header(req, "Cache-Control", "private, no-store");
        WM_WEB->respond(req, 200, job->type, job->out);
    }
    job_free(job);
}

static void
checked(HermodHttpRequest *req, HermodWebAuthResult result, const char *account, gpointer data)
{
    BodyJob *job = data;

    if (result != HERMOD_WEB_AUTH_OK) {
        wm_reply(req, result == HERMOD_WEB_AUTH_TEMPFAIL ? 503 : 401, "text/plain; charset=utf-8",
                 "Not logged in\n");
        job_free(job);
        return;
    }
    job->account = g_strdup(account);
    WM_WEB->work_run(req, body_work, body_done, job);
}

/* "E123" or "E123/cid/ID": the job, or NULL for anything else. */
static BodyJob *
parse(const char *rest)
{
    g_auto(GStrv) parts = g_strsplit(rest, "/", 3);
    BodyJob *job;
    char *end = NULL;
    guint64 n;

    if (parts[0] == NULL || parts[0][0] != 'E' || !g_ascii_isdigit(parts[0][1]))
        return NULL;
    n = g_ascii_strtoull(parts[0] + 1, &end, 10);
    if (*end != '\0' || n == 0)
        return NULL;
    if (parts[1] != NULL && (strcmp(parts[1], "cid") != 0 || parts[2] == NULL || !*parts[2]))
        return NULL;
    job = g_new0(BodyJob, 1);
    job->email_id = n;
    job->email_ref = g_strdup(parts[0]);
    job->cid = g_strdup(parts[1] != NULL ? parts[2] : NULL);
    return job;
}

void
wm_on_body(HermodHttpRequest *req, gpointer data)
{
    const char *path = WM_WEB->req_path(req);
    const char *rest = g_str_has_prefix(path, WM_BODY_PREFIX) ? path + strlen(WM_BODY_PREFIX) : "";
    const char *images = WM_WEB->req_query_arg(req, "images");
    const char *dark = WM_WEB->req_query_arg(req, "dark");
    BodyJob *job;

    if (strcmp(WM_WEB->req_method(req), "GET") != 0 && strcmp(WM_WEB->req_method(req), "HEAD")) {
        WM_WEB->resp_header(req, "Allow", "GET, HEAD");
        wm_reply(req, 405, "text/plain; charset=utf-8", "Method Not Allowed\n");
        return;
    }
    if ((job = parse(rest)) == NULL) {
        wm_reply(req, 404, "text/plain; charset=utf-8", "Not Found\n");
        return;
    }
    job->images = images != NULL && strcmp(images, "1") == 0;
    job->dark = dark != NULL && strcmp(dark, "1") == 0;
    WM_WEB->session_check(req, checked, job);
}
