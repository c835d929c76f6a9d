/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * account.c - logging in and out of the webmail: the /webmail/api/
 * mount.
 *
 *   POST login    Authorization: Basic (e-mail address and password,
 *                 sent by the login form's script).  The password is
 *                 checked by the core (auth_basic: off the web thread,
 *                 counted by dynamic screening, written to the
 *                 auth-failure log), then the core makes a new web
 *                 session (a new id even when the browser had one) and
 *                 sets its __Host- cookie.  Answers {account, csrf}.
 *   GET session   the cookie's session: {account, csrf}, or 401.
 *   POST sanitize the rich-text editor's HTML (the body) made safe like
 *                 incoming mail, as text/plain, for a session with its
 *                 CSRF header.
 *   GET image     the image proxy (proxy.c).
 *   POST logout   deletes the session on the server and clears the
 *                 cookie; needs the CSRF header like every change.
 *
 * Why Basic and not a form post: a cross-site form cannot set
 * Authorization, so a login CSRF needs no extra token, and the password
 * goes through exactly the code HTTP Basic clients of JMAP use.  No
 * WWW-Authenticate is ever sent, so the browser never shows its own
 * password dialog.  Logging in needs HTTPS: the cookie is Secure.
 *
 * The answers are JSON built from the account name, which the directory
 * made canonical (an address: no quote or backslash), and the hex CSRF
 * token, so they need no escaping; json_field() still refuses anything
 * else rather than trusting that.
 */
#include "autoconfig.h"

#include <string.h>

#include "html-sanitize.h"
#include "webmail.h"

static gboolean
json_safe(const char *s)
{
    for (; *s != '\0'; s++)
        if (*s == '"' || *s == '\\' || (guchar)*s < 0x20)
            return FALSE;
    return TRUE;
}

static void
reply_session(HermodHttpRequest *req, const char *account)
{
    const char *csrf = WM_WEB->session_csrf(req);
    g_autofree char *body = NULL;

    if (csrf == NULL || !json_safe(account) || !json_safe(csrf)) {
        wm_reply_error(req, 500, "internal", "session without a usable CSRF token");
        return;
    }
    body = g_strdup_printf("{\"account\":\"%s\",\"csrf\":\"%s\"}\n", account, csrf);
    wm_reply(req, 200, "application/json", body);
}

static void
reply_failure(HermodHttpRequest *req, HermodWebAuthResult result)
{
    switch (result) {
    case HERMOD_WEB_AUTH_BLOCKED:
        wm_reply_error(req, 429, "blocked", "too many failed logins from this address");
        break;
    case HERMOD_WEB_AUTH_TEMPFAIL:
        wm_reply_error(req, 503, "tempfail", "the server cannot check logins now");
        break;
    case HERMOD_WEB_AUTH_CSRF:
        wm_reply_error(req, 403, "csrf", "missing or wrong X-CSRF-Token");
        break;
    case HERMOD_WEB_AUTH_NONE:
        wm_reply_error(req, 401, "no-session", "not logged in");
        break;
    default:
        wm_reply_error(req, 401, "invalid", "wrong address or password, or session ended");
        break;
    }
}

static void
login_session_done(HermodHttpRequest *req, HermodWebAuthResult result, const char *account,
                   gpointer data)
{
    if (result != HERMOD_WEB_AUTH_OK) {
        reply_failure(req, result);
        return;
    }
    reply_session(req, account);
}

typedef struct {
    char *account;
    char *code;
    WmSecondResult result;
} SecondJob;

static void
second_work(gpointer data)
{
    SecondJob *job = data;
    g_autoptr(GError) error = NULL;

    job->result = wm_second_factor_ok(job->account, job->code, &error);
    if (error != NULL)
        wm_api->log(HERMOD_LOG_ERROR, NULL, "webmail: second factor of %s: %s", job->account,
                    error->message);
}

static void
second_done(HermodHttpRequest *req, gpointer data)
{
    SecondJob *job = data;

    if (job->result == WM_SECOND_NONE || job->result == WM_SECOND_OK) {
        WM_WEB->session_login(req, job->account, login_session_done, NULL);
    } else if (job->result == WM_SECOND_NEEDED) {
        wm_reply_error(req, 401, "otp-required", "enter the code of your authenticator app");
    } else if (job->result == WM_SECOND_WRONG) {
        wm_api->log(HERMOD_LOG_NOTICE, WM_WEB->req_session(req),
                    "webmail: wrong second factor for %s from %s", job->account,
                    WM_WEB->req_peer(req));
        wm_reply_error(req, 401, "otp-invalid", "wrong or used code");
    } else {
        reply_failure(req, HERMOD_WEB_AUTH_TEMPFAIL);
    }
    g_free(job->account);
    g_free(job->code);
    g_free(job);
}

static void
login_password_done(HermodHttpRequest *req, HermodWebAuthResult result, const char *account,
                    gpointer data)
{
    if (result == HERMOD_WEB_AUTH_NONE) {
        wm_reply_error(req, 400, "no-credentials", "send the address and password");
        return;
    }
    if (result != HERMOD_WEB_AUTH_OK) {
        wm_api->log(HERMOD_LOG_INFO, WM_WEB->req_session(req), "webmail: login refused (%d)",
                    (int)result);
        reply_failure(req, result);
        return;
    }
    if (!HERMOD_WEB_API_HAS(WM_WEB, account_value_get)) {
        WM_WEB->session_login(req, account, login_session_done, NULL);
        return;
    }
    SecondJob *job = g_new0(SecondJob, 1);
    job->account = g_strdup(account);
    job->code = g_strdup(WM_WEB->req_header(req, "X-Hermod-OTP"));
    WM_WEB->work_run(req, second_work, second_done, job);
}

static void
check_done(HermodHttpRequest *req, HermodWebAuthResult result, const char *account, gpointer data)
{
    if (result != HERMOD_WEB_AUTH_OK) {
        reply_failure(req, result);
        return;
    }
    reply_session(req, account);
}

static void
logout_done(HermodHttpRequest *req, HermodWebAuthResult result, const char *account, gpointer data)
{
    if (result == HERMOD_WEB_AUTH_CSRF || result == HERMOD_WEB_AUTH_TEMPFAIL) {
        reply_failure(req, result);
        return;
    }
    /* Unknown or expired sessions are logged out too: nothing to end. */
    wm_reply(req, 200, "application/json", "{\"loggedOut\":true}\n");
}

typedef struct {
    GBytes *in;
    GString *out;
} SanitizeJob;

static void
sanitize_work(gpointer data)
{
    SanitizeJob *job = data;
    gsize len = 0;
    const char *html = g_bytes_get_data(job->in, &len);

    job->out = wm_html_sanitize(html != NULL ? html : "", len, NULL);
}

static void
sanitize_done(HermodHttpRequest *req, gpointer data)
{
    SanitizeJob *job = data;
    g_autoptr(GBytes) body = g_string_free_to_bytes(job->out);

    WM_WEB->resp_header(req, "Cache-Control", "no-store");
    WM_WEB->respond(req, 200, "text/plain; charset=utf-8", body);
    g_bytes_unref(job->in);
    g_free(job);
}

static void
sanitize_checked(HermodHttpRequest *req, HermodWebAuthResult result, const char *account,
                 gpointer data)
{
    SanitizeJob *job = g_new0(SanitizeJob, 1);
    gsize len = 0;
    const guint8 *body;

    if (result != HERMOD_WEB_AUTH_OK) {
        g_free(job);
        reply_failure(req, result);
        return;
    }
    body = WM_WEB->req_body(req, &len);
    job->in = g_bytes_new(body, len);
    WM_WEB->work_run(req, sanitize_work, sanitize_done, job);
}

static gboolean
method_is(HermodHttpRequest *req, const char *want)
{
    if (strcmp(WM_WEB->req_method(req), want) == 0)
        return TRUE;
    WM_WEB->resp_header(req, "Allow", want);
    wm_reply_error(req, 405, "method", "method not allowed here");
    return FALSE;
}

void
wm_on_api(HermodHttpRequest *req, gpointer data)
{
    const char *path = WM_WEB->req_path(req);
    const char *what = g_str_has_prefix(path, WM_API_PREFIX) ? path + strlen(WM_API_PREFIX) : "";

    if (strcmp(what, "login") == 0) {
        if (!method_is(req, "POST"))
            return;
        if (!WM_WEB->req_is_tls(req)) {
            wm_reply_error(req, 403, "https-required", "log in over HTTPS");
            return;
        }
        WM_WEB->auth_basic(req, "webmail", login_password_done, NULL);
    } else if (strcmp(what, "session") == 0) {
        if (method_is(req, "GET"))
            WM_WEB->session_check(req, check_done, NULL);
    } else if (strcmp(what, "logout") == 0) {
        if (method_is(req, "POST"))
            WM_WEB->session_logout(req, logout_done, NULL);
    } else if (strcmp(what, "sanitize") == 0) {
        if (method_is(req, "POST"))
            WM_WEB->session_check(req, sanitize_checked, NULL);
    } else if (strcmp(what, "image") == 0) {
        if (method_is(req, "GET"))
            wm_image_proxy(req);
    } else if (!wm_settings_route(req, what)) {
        wm_reply_error(req, 404, "not-found", "no such webmail call");
    }
}
