/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * blob.c - blobs (RFC 8620 6): upload (POST /jmap/upload/{accountId},
 * stored in the account's store), download (GET
 * /jmap/download/{accountId}/{blobId}/{name}?type=, always as an
 * attachment with the given name, and nosniff from the core), Blob/copy
 * (one account per login: only within it), and reading any blob id for
 * the methods that take one.
 */
#include "autoconfig.h"

#include <string.h>

#include "email-parse.h"
#include "jmap-blob.h"
#include "jmap-email.h"
#include "jmap-http.h"
#include "jmap-util.h"

static GBytes *
email_blob(JmapCtx *ctx, guint64 email_id, const char *part_id, char **out_type)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) found = jmap_api->mail->emails_get(ctx->store, &email_id, 1, &error);
    g_autoptr(JmapEmail) parsed = NULL;
    JmapPart *part;

    if (found == NULL || found->len == 0)
        return NULL;
    if (part_id == NULL) {
        const HermodEmailInfo *e = found->pdata[0];
        if (out_type != NULL)
            *out_type = g_strdup("message/rfc822");
        return jmap_api->mail->read_message(ctx->store, e->mailbox, e->uid, NULL);
    }
    parsed = jmap_email_load(ctx, found->pdata[0]);
    part = parsed != NULL ? jmap_email_part(parsed, part_id) : NULL;
    if (part == NULL)
        return NULL;
    if (out_type != NULL)
        *out_type = g_strdup(part->type);
    return jmap_part_content(part->object);
}

GBytes *
jmap_blob_read(JmapCtx *ctx, const char *blob_id, char **out_type)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *email = NULL;
    const char *dash;
    GBytes *out;

    if (out_type != NULL)
        *out_type = NULL;
    if (blob_id == NULL)
        return NULL;
    if (blob_id[0] == 'U') {
        out = jmap_api->mail->blob_get(ctx->store, blob_id + 1, &error);
        if (out == NULL && !g_error_matches(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE))
            jmap_api->log(HERMOD_LOG_WARNING, ctx->session, "jmap %s: %s", ctx->account,
                          error->message);
        if (out != NULL && out_type != NULL)
            *out_type = g_strdup("application/octet-stream");
        return out;
    }
    dash = strchr(blob_id, '-');
    email = dash != NULL ? g_strndup(blob_id, dash - blob_id) : g_strdup(blob_id);
    if (jmap_id_parse('B', email) == 0)
        return NULL;
    return email_blob(ctx, jmap_id_parse('B', email), dash != NULL ? dash + 1 : NULL, out_type);
}

void
jmap_blob_copy(JmapCtx *ctx, JsonObject *args)
{
    const char *from = NULL;
    JsonObject *out;

    if (!jmap_arg_string(ctx, args, "fromAccountId", FALSE, &from) ||
        !jmap_check_account(ctx, args))
        return;
    if (from == NULL || strcmp(from, ctx->account_id) != 0) {
        jmap_error(ctx, "fromAccountNotFound", "no account %s", from != NULL ? from : "(none)");
        return;
    }
    /* Within one account a blob needs no copy: the same id works. */
    GPtrArray *ids = NULL;
    if (!jmap_arg_strings(ctx, args, "blobIds", &ids))
        return;
    out = json_object_new();
    JsonObject *copied = json_object_new(), *not_copied = json_object_new();
    for (guint i = 0; ids != NULL && i < ids->len; i++) {
        g_autoptr(GBytes) b = jmap_blob_read(ctx, ids->pdata[i], NULL);
        if (b != NULL)
            json_object_set_string_member(copied, ids->pdata[i], ids->pdata[i]);
        else
            json_object_set_object_member(not_copied, ids->pdata[i],
                                          jmap_set_error("blobNotFound", "no such blob"));
    }
    if (ids != NULL)
        g_ptr_array_unref(ids);
    json_object_set_string_member(out, "fromAccountId", from);
    json_object_set_string_member(out, "accountId", ctx->account_id);
    json_object_set_object_member(out, "copied", copied);
    json_object_set_object_member(out, "notCopied", not_copied);
    jmap_reply(ctx, "Blob/copy", out);
}

/* --- upload and download (web thread, then a job) */

typedef struct {
    char *account;
    char *session;
    char *type;    /* upload: Content-Type; download: the ?type= */
    char *blob_id; /* download: which; upload: the new one */
    char *name;    /* download: the file name */
    GBytes *data;  /* upload: the body; download: the blob */
    char *error;   /* why it failed */
    guint status;
} BlobJob;

static void
blob_job_free(gpointer p)
{
    BlobJob *job = p;

    g_free(job->account);
    g_free(job->session);
    g_free(job->type);
    g_free(job->blob_id);
    g_free(job->name);
    if (job->data != NULL)
        g_bytes_unref(job->data);
    g_free(job->error);
    g_free(job);
}

static JmapCtx
job_ctx(BlobJob *job, GError **error)
{
    JmapCtx ctx = {0};

    ctx.account = job->account;
    ctx.session = job->session;
    ctx.store = jmap_api->mail->open(job->account, error);
    return ctx;
}

static void
upload_work(gpointer data)
{
    BlobJob *job = data;
    g_autoptr(GError) error = NULL;
    g_autofree char *hex = NULL;
    JmapCtx ctx = job_ctx(job, &error);

    if (ctx.store == NULL || !jmap_api->mail->blob_put(ctx.store, job->data, &hex, &error)) {
        jmap_api->log(HERMOD_LOG_WARNING, job->session, "jmap %s: upload: %s", job->account,
                      error->message);
        job->status = 503;
    } else {
        job->blob_id = g_strconcat("U", hex, NULL);
        job->status = 201;
    }
    if (ctx.store != NULL)
        jmap_api->mail->unref(ctx.store);
}

static void
upload_done(HermodHttpRequest *req, gpointer data)
{
    BlobJob *job = data;
    g_autofree char *id = jmap_account_id(job->account);
    JsonObject *o;
    g_autoptr(JsonNode) node = NULL;

    jmap_running_take("upload", job->account, -1, 0);
    if (job->status != 201) {
        jmap_respond_status(req, 503, "about:blank", "the blob could not be stored");
        return;
    }
    o = json_object_new();
    json_object_set_string_member(o, "accountId", id);
    json_object_set_string_member(o, "blobId", job->blob_id);
    json_object_set_string_member(o, "type", job->type);
    json_object_set_int_member(o, "size", g_bytes_get_size(job->data));
    node = json_node_new(JSON_NODE_OBJECT);
    json_node_take_object(node, o);
    jmap_respond_text(req, 201, "application/json", json_to_string(node, FALSE));
}

static gboolean
own_account(HermodHttpRequest *req, const char *account, const char *given)
{
    g_autofree char *id = jmap_account_id(account);

    if (strcmp(id, given) == 0)
        return TRUE;
    jmap_respond_status(req, 404, JMAP_ERR_PREFIX "accountNotFound", "no such account");
    return FALSE;
}

void
jmap_upload_request(HermodHttpRequest *req, const char *account, const char *rest)
{
    const HermodWebApi *web = jmap_api->web;
    const char *type = web->req_header(req, "Content-Type");
    gsize len = 0;
    const guint8 *body;
    BlobJob *job;

    if (strcmp(web->req_method(req), "POST") != 0) {
        web->resp_header(req, "Allow", "POST");
        jmap_respond_status(req, 405, "about:blank", "uploads are POSTed");
        return;
    }
    if (!own_account(req, account, rest))
        return;
    if (!jmap_running_take("upload", account, 1, JMAP_MAX_CONCURRENT_UPLOAD)) {
        JmapProblem p = {JMAP_ERR_PREFIX "limit", "maxConcurrentUpload",
                         g_strdup("too many uploads of this account at once"), 400};
        jmap_respond_problem(req, &p);
        return;
    }
    body = web->req_body(req, &len);
    job = g_new0(BlobJob, 1);
    job->account = g_strdup(account);
    job->session = g_strdup(web->req_session(req));
    job->type = g_strdup(type != NULL ? type : "application/octet-stream");
    job->data = g_bytes_new(body, len);
    web->req_set_data(req, job, blob_job_free);
    web->work_run(req, upload_work, upload_done, job);
}

static void
download_work(gpointer data)
{
    BlobJob *job = data;
    g_autoptr(GError) error = NULL;
    JmapCtx ctx = job_ctx(job, &error);

    if (ctx.store == NULL) {
        job->status = 503;
        return;
    }
    job->data = jmap_blob_read(&ctx, job->blob_id, NULL);
    job->status = job->data != NULL ? 200 : 404;
    jmap_api->mail->unref(ctx.store);
}

/* RFC 6266: an ASCII fallback and the UTF-8 name. */
static char *
disposition(const char *name)
{
    GString *ascii = g_string_new(NULL);
    g_autofree char *escaped = g_uri_escape_string(name, NULL, FALSE);

    for (const char *p = name; *p != '\0'; p++)
        g_string_append_c(
            ascii, (guchar)*p < 0x20 || (guchar)*p > 0x7e || *p == '"' || *p == '\\' ? '_' : *p);
    g_autofree char *fallback = g_string_free(ascii, FALSE);
    return g_strdup_printf("attachment; filename=\"%s\"; filename*=UTF-8''%s", fallback, escaped);
}

static void
download_done(HermodHttpRequest *req, gpointer data)
{
    BlobJob *job = data;
    const HermodWebApi *web = jmap_api->web;
    g_autofree char *disp = NULL;

    if (job->status != 200) {
        jmap_respond_status(req, job->status, "about:blank",
                            job->status == 404 ? "no such blob" : "the store is unavailable");
        return;
    }
    disp = disposition(job->name);
    web->resp_header(req, "Content-Disposition", disp);
    web->resp_header(req, "Cache-Control", "private, immutable, max-age=31536000");
    web->respond(req, 200, job->type, job->data);
}

/* Media types a download may claim: type/subtype, no parameters that
 * could smuggle anything. */
static gboolean
type_ok(const char *type)
{
    return type != NULL && strlen(type) < 128 && strchr(type, '/') != NULL &&
           strspn(type, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/+-.") ==
               strlen(type);
}

void
jmap_download_request(HermodHttpRequest *req, const char *account, const char *rest)
{
    const HermodWebApi *web = jmap_api->web;
    g_auto(GStrv) parts = g_strsplit(rest, "/", 3);
    const char *type = web->req_query_arg(req, "type");
    BlobJob *job;

    if (g_strv_length(parts) != 3 || parts[1][0] == '\0' || parts[2][0] == '\0') {
        jmap_respond_status(req, 404, "about:blank",
                            "use /jmap/download/{accountId}/{blobId}/{name}");
        return;
    }
    if (!own_account(req, account, parts[0]))
        return;
    job = g_new0(BlobJob, 1);
    job->account = g_strdup(account);
    job->session = g_strdup(web->req_session(req));
    job->blob_id = g_strdup(parts[1]);
    job->name = g_strdup(parts[2]);
    job->type = g_strdup(type_ok(type) ? type : "application/octet-stream");
    web->req_set_data(req, job, blob_job_free);
    web->work_run(req, download_work, download_done, job);
}
