/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * settings.c - what a user manages of their own account from the
 * webmail's settings, below /webmail/api/ (JSON in and out, a session
 * with its CSRF header for every change):
 *
 *   GET  account         the second factor's state, recovery codes left,
 *                        the account's sessions (the current one marked)
 *   POST sessions/end    {"id": ID} one session, {"others": true} every
 *                        session but this one ("log out everywhere")
 *   POST password        {"old", "new"}: the old password is checked like
 *                        a login (screening counts failures)
 *   POST totp/setup      a new secret (pending) with its otpauth URI and
 *                        QR code as SVG
 *   POST totp/enable     {"code"}: a code of the pending secret turns the
 *                        second factor on; answers 10 recovery codes
 *   POST totp/disable    {"code"}: a current code or a recovery code
 *
 * The secret, the last time step used (so a code works once) and the
 * recovery codes' SHA-256s are kept per account in the core's session
 * store (ABI 1.10 account_value_*), never shown again after setup.  All
 * store and password work runs on the work pool.
 */
#include "autoconfig.h"

#include <json-glib/json-glib.h>
#include <string.h>

#include "totp.h"
#include "webmail.h"

#define K_TOTP     "webmail.totp" /* "SECRET LAST_STEP" */
#define K_PENDING  "webmail.totp_pending"
#define K_RECOVERY "webmail.recovery"
#define N_RECOVERY 10

typedef enum { S_ACCOUNT, S_END, S_PASSWORD, S_SETUP, S_ENABLE, S_DISABLE } SettingKind;

typedef struct {
    SettingKind kind;
    char *account, *peer, *current;
    char *id, *old_pw, *new_pw, *code;
    gboolean others;
    guint status;
    char *error;      /* error code for the client */
    JsonBuilder *out; /* the answer's object, open */
} SettingJob;

static void
job_free(SettingJob *job)
{
    g_free(job->account);
    g_free(job->peer);
    g_free(job->current);
    g_free(job->id);
    if (job->old_pw != NULL)
        memset(job->old_pw, 0, strlen(job->old_pw));
    if (job->new_pw != NULL)
        memset(job->new_pw, 0, strlen(job->new_pw));
    g_free(job->old_pw);
    g_free(job->new_pw);
    g_free(job->code);
    g_free(job->error);
    g_clear_object(&job->out);
    g_free(job);
}

static gboolean
fail(SettingJob *job, guint status, const char *code)
{
    job->status = status;
    job->error = g_strdup(code);
    return FALSE;
}

static gboolean
store_failed(SettingJob *job, GError *error)
{
    wm_api->log(HERMOD_LOG_ERROR, NULL, "webmail: settings of %s: %s", job->account,
                error != NULL ? error->message : "?");
    return fail(job, 503, "tempfail");
}

/* The stored TOTP secret and last step; FALSE when the store failed. */
static gboolean
load_totp(SettingJob *job, char **out_secret, guint64 *out_step)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *v = NULL;

    *out_secret = NULL;
    *out_step = 0;
    if (!WM_WEB->account_value_get(job->account, K_TOTP, &v, &error))
        return store_failed(job, error);
    if (v != NULL) {
        char *space = strchr(v, ' ');
        if (space != NULL) {
            *space = '\0';
            *out_step = g_ascii_strtoull(space + 1, NULL, 10);
        }
        *out_secret = g_strdup(v);
    }
    return TRUE;
}

static gboolean
save_step(SettingJob *job, const char *secret, guint64 step)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *v = g_strdup_printf("%s %" G_GUINT64_FORMAT, secret, step);

    return WM_WEB->account_value_set(job->account, K_TOTP, v, &error) || store_failed(job, error);
}

static gboolean
do_account(SettingJob *job)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) sessions = WM_WEB->sessions_list(job->account, &error);
    g_autofree char *secret = NULL;
    g_autofree char *recovery = NULL;
    guint64 step;

    if (sessions == NULL)
        return store_failed(job, error);
    if (!load_totp(job, &secret, &step) ||
        !WM_WEB->account_value_get(job->account, K_RECOVERY, &recovery, &error))
        return error != NULL ? store_failed(job, error) : FALSE;
    json_builder_set_member_name(job->out, "totp");
    json_builder_add_boolean_value(job->out, secret != NULL);
    json_builder_set_member_name(job->out, "recoveryLeft");
    g_auto(GStrv) codes = g_strsplit(recovery != NULL ? recovery : "", " ", -1);
    json_builder_add_int_value(job->out, recovery != NULL && *recovery ? g_strv_length(codes) : 0);
    json_builder_set_member_name(job->out, "sessions");
    json_builder_begin_array(job->out);
    for (guint i = 0; i < sessions->len; i++) {
        HermodWebSessionInfo *s = sessions->pdata[i];
        json_builder_begin_object(job->out);
        json_builder_set_member_name(job->out, "id");
        json_builder_add_string_value(job->out, s->id);
        json_builder_set_member_name(job->out, "peer");
        json_builder_add_string_value(job->out, s->peer != NULL ? s->peer : "");
        json_builder_set_member_name(job->out, "created");
        json_builder_add_int_value(job->out, s->created);
        json_builder_set_member_name(job->out, "lastUsed");
        json_builder_add_int_value(job->out, s->last_used);
        json_builder_set_member_name(job->out, "current");
        json_builder_add_boolean_value(job->out, g_strcmp0(s->id, job->current) == 0);
        json_builder_end_object(job->out);
    }
    json_builder_end_array(job->out);
    return TRUE;
}

static gboolean
do_end(SettingJob *job)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) sessions = NULL;
    int ended = 0;

    if (!job->others) {
        if (job->id == NULL)
            return fail(job, 400, "no-id");
        ended = WM_WEB->session_end(job->account, job->id, &error);
    } else if ((sessions = WM_WEB->sessions_list(job->account, &error)) != NULL) {
        for (guint i = 0; i < sessions->len && ended >= 0; i++) {
            HermodWebSessionInfo *s = sessions->pdata[i];
            int n = g_strcmp0(s->id, job->current) != 0
                        ? WM_WEB->session_end(job->account, s->id, &error)
                        : 0;
            ended = n < 0 ? -1 : ended + n;
        }
    } else {
        ended = -1;
    }
    if (ended < 0)
        return store_failed(job, error);
    json_builder_set_member_name(job->out, "ended");
    json_builder_add_int_value(job->out, ended);
    return TRUE;
}

static gboolean
do_password(SettingJob *job)
{
    g_autoptr(GError) error = NULL;
    HermodWebAuthResult r;

    if (job->old_pw == NULL || job->new_pw == NULL)
        return fail(job, 400, "missing");
    if (g_utf8_strlen(job->new_pw, -1) < 8)
        return fail(job, 400, "too-short");
    r = WM_WEB->password_change(job->account, job->old_pw, job->new_pw, job->peer, &error);
    if (r == HERMOD_WEB_AUTH_OK)
        return TRUE;
    if (r == HERMOD_WEB_AUTH_BLOCKED)
        return fail(job, 429, "blocked");
    if (r == HERMOD_WEB_AUTH_TEMPFAIL)
        return store_failed(job, error);
    return fail(job, 403, "wrong-password");
}

static gboolean
do_setup(SettingJob *job)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *secret = wm_totp_new_secret();
    g_autofree char *uri = wm_totp_uri(wm_api->hostname(), job->account, secret);
    g_autofree char *svg = wm_qr_svg(uri);

    if (!WM_WEB->account_value_set(job->account, K_PENDING, secret, &error))
        return store_failed(job, error);
    json_builder_set_member_name(job->out, "secret");
    json_builder_add_string_value(job->out, secret);
    json_builder_set_member_name(job->out, "uri");
    json_builder_add_string_value(job->out, uri);
    json_builder_set_member_name(job->out, "qrSvg");
    json_builder_add_string_value(job->out, svg != NULL ? svg : "");
    return TRUE;
}

static gboolean
do_enable(SettingJob *job)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *pending = NULL;
    g_autofree char *stored = NULL;
    g_auto(GStrv) codes = NULL;
    guint64 step = 0;

    if (!WM_WEB->account_value_get(job->account, K_PENDING, &pending, &error))
        return store_failed(job, error);
    if (pending == NULL)
        return fail(job, 409, "no-setup");
    if (!wm_totp_check(pending, job->code, g_get_real_time() / G_USEC_PER_SEC, &step))
        return fail(job, 403, "wrong-code");
    codes = wm_recovery_new(N_RECOVERY, &stored);
    if (!save_step(job, pending, step) ||
        !WM_WEB->account_value_set(job->account, K_RECOVERY, stored, &error) ||
        !WM_WEB->account_value_set(job->account, K_PENDING, NULL, &error))
        return error != NULL ? store_failed(job, error) : FALSE;
    json_builder_set_member_name(job->out, "recoveryCodes");
    json_builder_begin_array(job->out);
    for (guint i = 0; codes[i] != NULL; i++)
        json_builder_add_string_value(job->out, codes[i]);
    json_builder_end_array(job->out);
    wm_api->log(HERMOD_LOG_NOTICE, NULL, "webmail: %s turned on the second factor", job->account);
    return TRUE;
}

static gboolean
do_disable(SettingJob *job)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *secret = NULL;
    guint64 step;

    if (!load_totp(job, &secret, &step))
        return FALSE;
    if (secret == NULL)
        return TRUE;
    if (wm_second_factor_ok(job->account, job->code, NULL) != WM_SECOND_OK)
        return fail(job, 403, "wrong-code");
    if (!WM_WEB->account_value_set(job->account, K_TOTP, NULL, &error) ||
        !WM_WEB->account_value_set(job->account, K_RECOVERY, NULL, &error))
        return store_failed(job, error);
    wm_api->log(HERMOD_LOG_NOTICE, NULL, "webmail: %s turned off the second factor", job->account);
    return TRUE;
}

WmSecondResult
wm_second_factor_ok(const char *account, const char *code, GError **error)
{
    g_autofree char *v = NULL;
    g_autofree char *recovery = NULL;
    g_autofree char *rest = NULL;
    guint64 step = 0;
    char *space;

    if (!WM_WEB->account_value_get(account, K_TOTP, &v, error))
        return WM_SECOND_TEMPFAIL;
    if (v == NULL)
        return WM_SECOND_NONE;
    if (code == NULL || *code == '\0')
        return WM_SECOND_NEEDED;
    if ((space = strchr(v, ' ')) != NULL) {
        *space = '\0';
        step = g_ascii_strtoull(space + 1, NULL, 10);
    }
    if (wm_totp_check(v, code, g_get_real_time() / G_USEC_PER_SEC, &step)) {
        g_autofree char *nv = g_strdup_printf("%s %" G_GUINT64_FORMAT, v, step);
        return WM_WEB->account_value_set(account, K_TOTP, nv, error) ? WM_SECOND_OK
                                                                     : WM_SECOND_TEMPFAIL;
    }
    if (!WM_WEB->account_value_get(account, K_RECOVERY, &recovery, error))
        return WM_SECOND_TEMPFAIL;
    if (strlen(code) > 6 && wm_recovery_use(recovery, code, &rest))
        return WM_WEB->account_value_set(account, K_RECOVERY, rest, error) ? WM_SECOND_OK
                                                                           : WM_SECOND_TEMPFAIL;
    return WM_SECOND_WRONG;
}

static void
setting_work(gpointer data)
{
    SettingJob *job = data;
    static gboolean (*const fns[])(SettingJob *) = {do_account, do_end,    do_password,
                                                    do_setup,   do_enable, do_disable};

    job->status = 200;
    fns[job->kind](job);
}

static void
setting_done(HermodHttpRequest *req, gpointer data)
{
    SettingJob *job = data;
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *text = NULL;

    if (job->status != 200) {
        wm_reply_error(req, job->status, job->error, "refused");
        job_free(job);
        return;
    }
    json_builder_end_object(job->out);
    root = json_builder_get_root(job->out);
    json_generator_set_root(gen, root);
    text = json_generator_to_data(gen, NULL);
    wm_reply(req, 200, "application/json", text);
    job_free(job);
}

static char *
member(JsonObject *o, const char *name)
{
    JsonNode *n = o != NULL ? json_object_get_member(o, name) : NULL;

    if (n == NULL || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
        return NULL;
    return g_strdup(json_node_get_string(n));
}

/* The request's JSON object into job; FALSE (answered 400) if it is not
 * one. */
static gboolean
read_body(HermodHttpRequest *req, SettingJob *job)
{
    gsize len = 0;
    const guint8 *body = WM_WEB->req_body(req, &len);
    g_autoptr(JsonParser) p = json_parser_new();
    JsonObject *o;

    if (len == 0)
        return TRUE;
    if (len > 64 * 1024 || !json_parser_load_from_data(p, (const char *)body, (gssize)len, NULL) ||
        !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
        wm_reply_error(req, 400, "bad-json", "the body must be a JSON object");
        return FALSE;
    }
    o = json_node_get_object(json_parser_get_root(p));
    job->id = member(o, "id");
    job->old_pw = member(o, "old");
    job->new_pw = member(o, "new");
    job->code = member(o, "code");
    job->others = json_object_has_member(o, "others") &&
                  json_object_get_boolean_member_with_default(o, "others", FALSE);
    return TRUE;
}

static void
setting_checked(HermodHttpRequest *req, HermodWebAuthResult result, const char *account,
                gpointer data)
{
    SettingJob *job = data;

    if (result != HERMOD_WEB_AUTH_OK) {
        wm_reply_error(req, result == HERMOD_WEB_AUTH_CSRF ? 403 : 401,
                       result == HERMOD_WEB_AUTH_CSRF ? "csrf" : "no-session", "not allowed");
        job_free(job);
        return;
    }
    if (!read_body(req, job)) {
        job_free(job);
        return;
    }
    job->account = g_strdup(account);
    job->peer = g_strdup(WM_WEB->req_peer(req));
    job->current = WM_WEB->session_id(req);
    job->out = json_builder_new();
    json_builder_begin_object(job->out);
    WM_WEB->work_run(req, setting_work, setting_done, job);
}

gboolean
wm_settings_route(HermodHttpRequest *req, const char *what)
{
    static const struct {
        const char *name, *method;
        SettingKind kind;
    } routes[] = {
        {"account", "GET", S_ACCOUNT},     {"sessions/end", "POST", S_END},
        {"password", "POST", S_PASSWORD},  {"totp/setup", "POST", S_SETUP},
        {"totp/enable", "POST", S_ENABLE}, {"totp/disable", "POST", S_DISABLE},
    };

    for (guint i = 0; i < G_N_ELEMENTS(routes); i++) {
        if (strcmp(what, routes[i].name) != 0)
            continue;
        if (strcmp(WM_WEB->req_method(req), routes[i].method) != 0) {
            WM_WEB->resp_header(req, "Allow", routes[i].method);
            wm_reply_error(req, 405, "method", "method not allowed here");
            return TRUE;
        }
        if (!HERMOD_WEB_API_HAS(WM_WEB, password_change)) {
            wm_reply_error(req, 501, "old-core", "this core has no account settings (ABI 1.10)");
            return TRUE;
        }
        SettingJob *job = g_new0(SettingJob, 1);
        job->kind = routes[i].kind;
        WM_WEB->session_check(req, setting_checked, job);
        return TRUE;
    }
    return FALSE;
}
