/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * im-deliver.c - hermod_im_deliver, the hub's one way in for an IM.
 *
 * In order: check the request (text UTF-8 without control characters but
 * tab and newline, size, addresses); resolve every recipient address to
 * local accounts the way SMTP does (the directory: aliases, plus-address,
 * case); then for each account store the entry in its history, durably
 * (store-im.c), and for a local sender one outgoing copy in the sender's;
 * only then push each stored copy to the account's live sessions and
 * write the central log line.  Nothing is stored unless every recipient
 * is valid.  A dedupe key makes a retried delivery a no-op per history,
 * so a caller that crashed between deliver and forgetting its input (the
 * imsem module's claimed file) retries without doubling anything.
 *
 * Blocking (SQLite, fsync): the work pool or hermodctl.  Any thread.
 */
#include "autoconfig.h"

#include <string.h>

#include "directory/directory.h"
#include "im/im-session.h"
#include "im/im.h"
#include "lib/stats.h"
#include "store/store-im.h"

typedef struct {
    HermodImSend req;     /* the caller's, zero-filled past its struct_size */
    char *sender;         /* canonical */
    char *sender_account; /* nullable: the local account sending */
    GPtrArray *targets;   /* Target*: one per recipient account */
    char **group;         /* canonical, nullable */
    char *thread;         /* req's, or one made for a group */
    gint64 time;
    gboolean is_duplicate; /* a history had the dedupe key already */
    gboolean is_notice;    /* from the server itself: no sender's copy */
} Delivery;

typedef struct {
    char *address; /* as the request gave it, lower-cased */
    char *account; /* canonical */
} Target;

static void
target_free(gpointer p)
{
    Target *t = p;

    g_free(t->address);
    g_free(t->account);
    g_free(t);
}

static void
delivery_clear(Delivery *d)
{
    g_free(d->sender);
    g_free(d->sender_account);
    g_clear_pointer(&d->targets, g_ptr_array_unref);
    g_strfreev(d->group);
    g_free(d->thread);
}

static gboolean G_GNUC_PRINTF(3, 4) fail(GError **error, HermodImError code, const char *fmt, ...)
{
    va_list ap;

    if (error == NULL)
        return FALSE;
    va_start(ap, fmt);
    g_set_error_literal(error, HERMOD_IM_ERROR, code, "");
    g_free((*error)->message);
    (*error)->message = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    return FALSE;
}

static gboolean
check_text(const char *text, GError **error)
{
    gsize len = text != NULL ? strlen(text) : 0;

    if (len > HERMOD_IM_TEXT_MAX) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TOO_BIG,
                    "the text is %" G_GSIZE_FORMAT " bytes, more than %d", len, HERMOD_IM_TEXT_MAX);
        return FALSE;
    }
    /* A blank text is as bad as none. */
    g_autofree char *copy = g_strdup(text != NULL ? text : "");
    if (*g_strstrip(copy) == '\0')
        return fail(error, HERMOD_IM_ERROR_BAD_TEXT, "%s", "the text is empty");
    if (!g_utf8_validate(text, (gssize)len, NULL))
        return fail(error, HERMOD_IM_ERROR_BAD_TEXT, "%s", "the text is not UTF-8");
    for (const char *p = text; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f)
            return fail(error, HERMOD_IM_ERROR_BAD_TEXT, "%s",
                        "the text holds a control character");
    }
    return TRUE;
}

/* A lookup: the one local account address stands for, or NULL. */
gboolean
hermod_im_resolve(const char *address, char **out_account, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) accounts = NULL;
    gboolean exists = FALSE;

    *out_account = NULL;
    accounts = hermod_directory_resolve(address, &err);
    if (accounts == NULL) {
        if (g_error_matches(err, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB))
            return fail(error, HERMOD_IM_ERROR_TEMP, "the directory failed: %s", err->message);
        return TRUE;
    }
    if (accounts->len != 1)
        return TRUE;
    if (!hermod_directory_account_exists(accounts->pdata[0], &exists, &err))
        return fail(error, HERMOD_IM_ERROR_TEMP, "the directory failed: %s", err->message);
    if (exists)
        *out_account = g_strdup(accounts->pdata[0]);
    return TRUE;
}

/* Add the local accounts address reaches to d->targets. */
static gboolean
add_targets(Delivery *d, const char *address, GError **error)
{
    g_autofree char *canon = hermod_directory_canonical(address);
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) found = NULL;
    HermodAddrKind kind = HERMOD_ADDR_INVALID;
    guint before = d->targets->len;

    if (canon == NULL)
        return fail(error, HERMOD_IM_ERROR_BAD_ADDRESS, "not a valid address: %s", address);
    if (!hermod_directory_expand(canon, &kind, &found, &err))
        return fail(error, HERMOD_IM_ERROR_TEMP, "the directory failed: %s", err->message);
    if (kind == HERMOD_ADDR_INVALID)
        return fail(error, HERMOD_IM_ERROR_BAD_ADDRESS, "not a valid address: %s", address);
    for (guint i = 0; found != NULL && i < found->len; i++) {
        const HermodDirectoryTarget *f = found->pdata[i];
        gboolean is_dup = FALSE;
        for (guint j = 0; j < d->targets->len; j++)
            is_dup |= g_str_equal(((Target *)d->targets->pdata[j])->account, f->address);
        if (!f->is_account || is_dup || g_strcmp0(f->address, d->sender_account) == 0)
            continue;
        Target *t = g_new0(Target, 1);
        t->address = g_ascii_strdown(address, -1);
        t->account = g_strdup(f->address);
        g_ptr_array_add(d->targets, t);
    }
    if (d->targets->len == before && kind != HERMOD_ADDR_LOCAL)
        return fail(error, HERMOD_IM_ERROR_NO_RECIPIENT, "no local account or alias is %s",
                    address);
    return TRUE;
}

static gboolean
prepare_group(Delivery *d, GError **error)
{
    GPtrArray *canon = g_ptr_array_new();

    for (const char *const *g = d->req.group; *g != NULL; g++) {
        char *c = hermod_directory_canonical(*g);
        if (c == NULL) {
            g_ptr_array_free(canon, TRUE);
            return fail(error, HERMOD_IM_ERROR_BAD_ADDRESS, "not a valid address: %s", *g);
        }
        g_ptr_array_add(canon, c);
    }
    g_ptr_array_add(canon, NULL);
    d->group = (char **)g_ptr_array_free(canon, FALSE);
    if (d->thread == NULL)
        d->thread = g_strdup_printf("g-%08x%08x", g_random_int(), g_random_int());
    for (char **g = d->group; *g != NULL; g++) {
        if (!g_str_equal(*g, d->sender) && !add_targets(d, *g, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
prepare(Delivery *d, GError **error)
{
    if (d->req.sender == NULL || (d->sender = hermod_directory_canonical(d->req.sender)) == NULL)
        return fail(error, HERMOD_IM_ERROR_BAD_ADDRESS, "not a valid sender address: %s",
                    d->req.sender != NULL ? d->req.sender : "(none)");
    if (!check_text(d->req.text, error) || !hermod_im_resolve(d->sender, &d->sender_account, error))
        return FALSE;
    d->targets = g_ptr_array_new_with_free_func(target_free);
    d->thread = g_strdup(d->req.thread);
    d->time = g_get_real_time();
    if (d->req.group != NULL && d->req.group[0] != NULL) {
        if (!prepare_group(d, error))
            return FALSE;
    } else if (d->req.recipient == NULL) {
        return fail(error, HERMOD_IM_ERROR_INVALID, "%s", "an IM needs a recipient");
    } else if (!add_targets(d, d->req.recipient, error)) {
        return FALSE;
    } else if (d->targets->len == 0 && d->sender_account != NULL) {
        /* A note to oneself: one incoming copy, no outgoing one. */
        Target *t = g_new0(Target, 1);
        t->address = g_ascii_strdown(d->req.recipient, -1);
        t->account = g_strdup(d->sender_account);
        g_ptr_array_add(d->targets, t);
        g_clear_pointer(&d->sender_account, g_free);
    }
    if (d->targets->len == 0)
        return fail(error, HERMOD_IM_ERROR_NO_RECIPIENT, "no local account is %s",
                    d->req.recipient != NULL ? d->req.recipient : "in the group");
    return TRUE;
}

static void
fill(const Delivery *d, HermodIm *im, const char *account, const char *recipient)
{
    im->time = d->time;
    im->account = (char *)account;
    im->sender = d->sender;
    im->recipient = (char *)recipient;
    im->text = (char *)d->req.text;
    im->source = (char *)(d->req.source != NULL ? d->req.source : "unknown");
    im->thread = d->thread;
    im->client_id = (char *)d->req.client_id;
    im->resource = (char *)d->req.resource;
    im->group = d->group;
}

/* Store im in account's history; push it when it is new. */
static gboolean
store_copy(Delivery *d, HermodIm *im, const char *peer, GError **error)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodStore) store = hermod_store_open(im->account, &err);
    g_autofree char *key = NULL;
    gboolean is_dup = FALSE;

    if (d->req.dedupe_key != NULL)
        key = g_strdup_printf("%s:%s:%s", im->is_outgoing ? "out" : "in", im->source,
                              d->req.dedupe_key);
    HermodStoreImAdd add = {im, peer, key};
    if (store == NULL || !hermod_store_im_add(store, &add, &is_dup, &err))
        return fail(error, HERMOD_IM_ERROR_TEMP, "cannot store the IM: %s", err->message);
    if (!is_dup)
        hermod_im_push(im, d->req.origin);
    d->is_duplicate |= is_dup;
    return TRUE;
}

static gboolean
store_all(Delivery *d, gint64 *out_id, gint64 *out_sender_id, GError **error)
{
    const char *peer_group = d->group != NULL ? d->thread : NULL;
    const char *first = ((Target *)d->targets->pdata[0])->address;

    for (guint i = 0; i < d->targets->len; i++) {
        Target *t = d->targets->pdata[i];
        HermodIm im = {0};
        fill(d, &im, t->account, d->group != NULL ? first : t->address);
        im.flags = hermod_im_live_clients(t->account);
        const char *from = d->sender_account != NULL ? d->sender_account : d->sender;
        if (!store_copy(d, &im, peer_group != NULL ? peer_group : from, error))
            return FALSE;
        if (i == 0 && out_id != NULL)
            *out_id = im.id;
    }
    if (d->sender_account == NULL)
        return TRUE;
    HermodIm im = {0};
    /* The conversation is with the account, whichever of its addresses
     * was used; with an alias that reaches several, with the alias. */
    g_autofree char *peer = d->targets->len == 1
                                ? g_strdup(((Target *)d->targets->pdata[0])->account)
                                : hermod_directory_canonical(first);
    fill(d, &im, d->sender_account, first);
    im.is_outgoing = TRUE;
    im.flags = HERMOD_IM_FLAG_READ;
    if (!store_copy(d, &im, peer_group != NULL ? peer_group : peer, error))
        return FALSE;
    if (out_sender_id != NULL)
        *out_sender_id = im.id;
    return TRUE;
}

static const char *
result_of(const GError *error)
{
    if (error == NULL)
        return "delivered";
    switch (error->code) {
    case HERMOD_IM_ERROR_NO_RECIPIENT:
        return "refused:no-recipient";
    case HERMOD_IM_ERROR_BAD_ADDRESS:
        return "refused:bad-address";
    case HERMOD_IM_ERROR_BAD_TEXT:
        return "refused:bad-text";
    case HERMOD_IM_ERROR_TOO_BIG:
        return "refused:too-big";
    case HERMOD_IM_ERROR_INVALID:
        return "refused:invalid";
    case HERMOD_IM_ERROR_TEMP:
    default:
        return "failed:temporary";
    }
}

static gboolean
deliver(const HermodImSend *req, gboolean is_notice, gint64 *out_id, gint64 *out_sender_id,
        GError **error)
{
    Delivery d = {.is_notice = is_notice};
    g_autoptr(GError) err = NULL;
    gboolean ok;

    if (out_id != NULL)
        *out_id = 0;
    if (out_sender_id != NULL)
        *out_sender_id = 0;
    if (req == NULL || req->struct_size < G_STRUCT_OFFSET(HermodImSend, session))
        return fail(error, HERMOD_IM_ERROR_INVALID, "%s", "im deliver: a bad request");
    memcpy(&d.req, req, MIN(req->struct_size, sizeof d.req));
    ok = prepare(&d, &err) && store_all(&d, out_id, out_sender_id, &err);
    hermod_stats_add("hermod_ims_total",
                     ok && d.is_duplicate                                          ? "duplicate"
                     : ok                                                          ? "delivered"
                     : g_error_matches(err, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TEMP) ? "failed"
                                                                                   : "refused",
                     1);
    hermod_im_log(d.req.source, d.req.session, d.sender != NULL ? d.sender : d.req.sender,
                  d.group != NULL ? d.thread : d.req.recipient,
                  d.req.text != NULL ? strlen(d.req.text) : 0,
                  ok && d.is_duplicate ? "duplicate" : result_of(err));
    delivery_clear(&d);
    if (!ok)
        g_propagate_error(error, g_steal_pointer(&err));
    return ok;
}

gboolean
hermod_im_deliver(const HermodImSend *req, gint64 *out_id, gint64 *out_sender_id, GError **error)
{
    return deliver(req, FALSE, out_id, out_sender_id, error);
}

gboolean
hermod_im_deliver_notice(const HermodImSend *req, gint64 *out_id, GError **error)
{
    return deliver(req, TRUE, out_id, NULL, error);
}
