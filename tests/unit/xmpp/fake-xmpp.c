/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-xmpp.c - the XMPP module on the shared fake core: the spec, an
 * in-memory IM hub, the directory lookups and SCRAM steps it needs, and
 * the connection helpers of fake-xmpp.h.
 *
 * The hub keeps every history entry of every account in one array and
 * live sessions in another; deliver stores the incoming copy (and the
 * sender's outgoing one when the sender is local) and calls the
 * sessions' on_im at once, skipping the origin, as the real hub does on
 * their loops.  Enough to drive the module's logic, not a model of the
 * real hub's storage.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-xmpp.h"

extern const HermodModuleDescriptor hermod_module_descriptor;

static const char *const accounts[] = {"alice@example.org", "bob@example.org", NULL};

struct HermodImSession {
    char *account;
    char *resource;
    HermodImPresence presence;
    char *status;
    HermodImFunc on_im;
    HermodImPresenceFunc on_presence;
    HermodImTransientFunc on_transient;
    gpointer data;
};

static const HermodApi *table; /* the fake core's, for work_run */
static GPtrArray *sessions;    /* HermodImSession * */
static GPtrArray *history;     /* HermodIm * */
static gint64 next_id;

static gboolean
is_account(const char *address)
{
    return address != NULL && g_strv_contains(accounts, address);
}

static void
im_free(gpointer data)
{
    HermodIm *im = data;

    g_free(im->account);
    g_free(im->sender);
    g_free(im->recipient);
    g_free(im->text);
    g_free(im->source);
    g_free(im->thread);
    g_free(im->client_id);
    g_free(im->resource);
    g_free(im);
}

static HermodIm *
im_copy(const HermodIm *im)
{
    HermodIm *c = g_memdup2(im, sizeof *im);

    c->account = g_strdup(im->account);
    c->sender = g_strdup(im->sender);
    c->recipient = g_strdup(im->recipient);
    c->text = g_strdup(im->text);
    c->source = g_strdup(im->source);
    c->thread = g_strdup(im->thread);
    c->client_id = g_strdup(im->client_id);
    c->resource = g_strdup(im->resource);
    c->group = NULL;
    return c;
}

static void
push(HermodIm *im, HermodImSession *origin)
{
    for (guint i = 0; i < sessions->len; i++) {
        HermodImSession *s = sessions->pdata[i];
        if (s != origin && strcmp(s->account, im->account) == 0) {
            im->flags |= HERMOD_IM_FLAG_PUSHED_XMPP;
            s->on_im(s, im, s->data);
        }
    }
}

static HermodIm *
store(const HermodImSend *req, const char *account, gboolean is_outgoing)
{
    HermodIm *im = g_new0(HermodIm, 1);

    im->id = ++next_id;
    im->time = g_get_real_time();
    im->account = g_strdup(account);
    im->sender = g_ascii_strdown(req->sender, -1);
    im->recipient = g_ascii_strdown(req->recipient, -1);
    im->text = g_strdup(req->text);
    im->source = g_strdup(req->source);
    im->is_outgoing = is_outgoing;
    im->thread = g_strdup(req->thread);
    im->client_id = g_strdup(req->client_id);
    im->resource = g_strdup(req->resource);
    g_ptr_array_add(history, im);
    return im;
}

static gboolean
deliver(const HermodImSend *req, gint64 *out_id, gint64 *out_sender_id, GError **error)
{
    g_autofree char *to = req->recipient != NULL ? g_ascii_strdown(req->recipient, -1) : NULL;

    g_assert_true(fake_in_work() || g_strcmp0(req->source, "sem") == 0);
    if (!is_account(to)) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_NO_RECIPIENT, "no account %s", to);
        return FALSE;
    }
    if (req->text == NULL || *req->text == '\0') {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_BAD_TEXT, "empty");
        return FALSE;
    }
    push(store(req, to, FALSE), req->origin);
    if (is_account(req->sender))
        push(store(req, req->sender, TRUE), req->origin);
    return TRUE;
}

static HermodImPresenceInfo *
info_of(const HermodImSession *s)
{
    HermodImPresenceInfo *info = g_new0(HermodImPresenceInfo, 1);

    info->account = g_strdup(s->account);
    info->resource = g_strdup(s->resource);
    info->client = HERMOD_IM_CLIENT_XMPP;
    info->presence = s->presence;
    info->status = g_strdup(s->status);
    return info;
}

static void
info_free(gpointer data)
{
    HermodImPresenceInfo *info = data;

    g_free(info->account);
    g_free(info->resource);
    g_free(info->status);
    g_free(info);
}

static void
announce(HermodImSession *from)
{
    HermodImPresenceInfo *info = info_of(from);

    for (guint i = 0; i < sessions->len; i++) {
        HermodImSession *s = sessions->pdata[i];
        if (s != from)
            s->on_presence(s, info, s->data);
    }
    info_free(info);
}

static HermodImSession *
session_open(const HermodImSessionSpec *spec, GError **error)
{
    HermodImSession *s = g_new0(HermodImSession, 1);

    g_assert_true(is_account(spec->account));
    s->account = g_strdup(spec->account);
    s->resource = g_strdup(spec->resource != NULL ? spec->resource : "r");
    s->presence =
        spec->presence == HERMOD_IM_PRESENCE_OFFLINE ? HERMOD_IM_PRESENCE_ONLINE : spec->presence;
    s->on_im = spec->on_im;
    s->on_presence = spec->on_presence;
    s->on_transient = spec->on_transient;
    s->data = spec->data;
    g_ptr_array_add(sessions, s);
    announce(s);
    return s;
}

static void
session_close(HermodImSession *s)
{
    if (s == NULL)
        return;
    g_ptr_array_remove(sessions, s);
    s->presence = HERMOD_IM_PRESENCE_OFFLINE;
    announce(s);
    g_free(s->account);
    g_free(s->resource);
    g_free(s->status);
    g_free(s);
}

static void
session_set_presence(HermodImSession *s, HermodImPresence presence, const char *status,
                     gint priority)
{
    s->presence = presence;
    g_free(s->status);
    s->status = g_strdup(status);
    announce(s);
}

static const char *
session_resource(HermodImSession *s)
{
    return s->resource;
}

static GPtrArray *
presence_list(const char *domain)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(info_free);

    for (guint i = 0; i < sessions->len; i++)
        g_ptr_array_add(out, info_of(sessions->pdata[i]));
    return out;
}

static gboolean
send_transient(HermodImSession *from, const char *to_account, const char *to_resource,
               const char *kind, const char *payload)
{
    gboolean got = FALSE;

    for (guint i = 0; i < sessions->len; i++) {
        HermodImSession *s = sessions->pdata[i];
        if (strcmp(s->account, to_account) == 0 && s->on_transient != NULL) {
            s->on_transient(s, from->account, from->resource, kind, payload, s->data);
            got = TRUE;
        }
    }
    return got;
}

static gboolean
matches(const HermodIm *im, const HermodImQuery *q)
{
    const char *peer = im->is_outgoing ? im->recipient : im->sender;

    return strcmp(im->account, q->account) == 0 && (q->with == NULL || !strcmp(peer, q->with)) &&
           (!q->is_incoming_only || !im->is_outgoing) && (im->flags & q->without_flags) == 0 &&
           (q->after_id == 0 || im->id > q->after_id) &&
           (q->before_id == 0 || im->id < q->before_id) &&
           (q->since == 0 || im->time >= q->since) && (q->until == 0 || im->time < q->until);
}

static GPtrArray *
read_history(const HermodImQuery *q, GError **error)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(im_free);

    g_assert_true(fake_in_work());
    for (guint i = 0; i < history->len; i++) {
        if (matches(history->pdata[i], q))
            g_ptr_array_add(out, im_copy(history->pdata[i]));
    }
    if (q->limit > 0 && out->len > q->limit) {
        if (q->is_last)
            g_ptr_array_remove_range(out, 0, out->len - q->limit);
        else
            g_ptr_array_set_size(out, q->limit);
    }
    return out;
}

static gboolean
set_flags(const char *account, const gint64 *ids, gsize n_ids, guint32 flags, gboolean is_on,
          GError **error)
{
    g_assert_true(fake_in_work());
    for (guint i = 0; i < history->len; i++) {
        HermodIm *im = history->pdata[i];
        for (gsize j = 0; j < n_ids; j++) {
            if (im->id == ids[j] && strcmp(im->account, account) == 0)
                im->flags = is_on ? im->flags | flags : im->flags & ~flags;
        }
    }
    return TRUE;
}

static GPtrArray *
list_accounts(const char *domain, GError **error)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    g_assert_true(fake_in_work());
    for (guint i = 0; accounts[i] != NULL; i++)
        g_ptr_array_add(out, g_strdup(accounts[i]));
    return out;
}

static const HermodImApi im_api = {
    .struct_size = sizeof(HermodImApi),
    .deliver = deliver,
    .session_open = session_open,
    .session_close = session_close,
    .session_set_presence = session_set_presence,
    .session_resource = session_resource,
    .presence_list = presence_list,
    .send_transient = send_transient,
    .history = read_history,
    .set_flags = set_flags,
    .accounts = list_accounts,
};

static HermodAddrKind
addr_lookup(const char *address, GError **error)
{
    const char *at = strrchr(address, '@');

    return at != NULL && g_ascii_strcasecmp(at, "@example.org") == 0 ? HERMOD_ADDR_LOCAL
                                                                     : HERMOD_ADDR_REMOTE;
}

/* SCRAM: both steps answer at once through a work job. */
typedef struct {
    HermodScramFunc done;
    gpointer data;
    HermodAuthResult result;
    char *account;
} ScramJob;

static void
scram_nothing(gpointer data)
{
}

static void
scram_done(HermodConn *c, gpointer data)
{
    ScramJob *job = data;
    HermodScramReply reply = {
        .salt = "c2FsdA==",
        .iterations = 4096,
        .account = job->account,
        .server_signature = job->account != NULL ? "c2lnbmF0dXJl" : NULL,
    };

    job->done(c, job->result, &reply, job->data);
    g_free(job->account);
    g_free(job);
}

static void
scram_start(HermodConn *c, const HermodScramRequest *req, HermodScramFunc done, gpointer data,
            gboolean is_verify)
{
    ScramJob *job = g_new0(ScramJob, 1);
    static const guint8 good[32] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    job->done = done;
    job->data = data;
    job->result =
        strcmp(req->login, "blocked@example.org") == 0 ? HERMOD_AUTH_BLOCKED : HERMOD_AUTH_OK;
    if (is_verify && job->result == HERMOD_AUTH_OK) {
        gboolean ok = strcmp(req->login, "alice@example.org") == 0 && req->proof_len == 32 &&
                      memcmp(req->proof, good, 32) == 0 && req->auth_message != NULL;
        job->result = ok ? HERMOD_AUTH_OK : HERMOD_AUTH_FAILED;
        job->account = ok ? g_strdup("alice@example.org") : NULL;
    }
    table->work_run(c, scram_nothing, scram_done, job);
}

static void
scram_salt(HermodConn *c, const HermodScramRequest *req, HermodScramFunc done, gpointer data)
{
    scram_start(c, req, done, data, FALSE);
}

static void
scram_verify(HermodConn *c, const HermodScramRequest *req, HermodScramFunc done, gpointer data)
{
    scram_start(c, req, done, data, TRUE);
}

static void
fill_api(HermodApi *api)
{
    table = api;
    api->addr_lookup = addr_lookup;
    api->im = &im_api;
    api->scram_salt = scram_salt;
    api->scram_verify = scram_verify;
}

static const FakeCoreSpec spec = {
    .protocol = "xmpp",
    .hostname = "mail.example.org",
    .module = &hermod_module_descriptor,
    .fill_api = fill_api,
};

void
fake_xmpp_reset(void)
{
    if (sessions == NULL) {
        sessions = g_ptr_array_new();
        history = g_ptr_array_new_with_free_func(im_free);
    }
    g_assert_cmpuint(sessions->len, ==, 0);
    g_ptr_array_set_size(history, 0);
    next_id = 0;
    fake_core_start(&spec);
}

HermodConn *
fake_xmpp_conn(gboolean is_implicit_tls)
{
    return fake_conn_open("", is_implicit_tls, TRUE);
}

char *
fake_xmpp_feed(HermodConn *c, const char *text)
{
    g_free(fake_take(c));
    fake_feed(c, text, -1);
    return fake_take(c);
}

static void
expect(HermodConn *c, const char *text, const char *want)
{
    g_autofree char *got = fake_xmpp_feed(c, text);

    if (strstr(got, want) == NULL)
        g_error("fed %s\ngot %s\nwanted %s", text, got, want);
}

void
fake_xmpp_login(HermodConn *c, const char *user, const char *password, const char *resource,
                gboolean available)
{
    g_autofree char *plain = g_strdup_printf("%c%s%c%s", 0, user, 0, password);
    g_autofree char *b64 =
        g_base64_encode((const guchar *)plain, strlen(user) + strlen(password) + 2);
    g_autofree char *auth = g_strdup_printf(
        "<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='PLAIN'>%s</auth>", b64);
    g_autofree char *bind =
        g_strdup_printf("<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'>"
                        "<resource>%s</resource></bind></iq>",
                        resource);

    expect(c, FAKE_XMPP_HEADER, "<mechanism>PLAIN</mechanism>");
    expect(c, auth, "<success");
    expect(c, FAKE_XMPP_HEADER, "urn:ietf:params:xml:ns:xmpp-bind");
    expect(c, bind, "</jid>");
    if (available)
        expect(c, "<presence/>", "<presence");
    g_free(fake_take(c));
}

char *
fake_xmpp_history(void)
{
    GString *out = g_string_new(NULL);

    for (guint i = 0; i < history->len; i++) {
        const HermodIm *im = history->pdata[i];
        g_string_append_printf(out, "%s:%s:%s>%s:%s\n", im->account, im->is_outgoing ? "out" : "in",
                               im->sender, im->recipient, im->text);
    }
    return g_string_free(out, FALSE);
}

void
fake_xmpp_deliver(const char *sender, const char *recipient, const char *text)
{
    HermodImSend req = {
        .struct_size = sizeof req,
        .source = "sem",
        .sender = sender,
        .recipient = recipient,
        .text = text,
    };

    g_assert_true(deliver(&req, NULL, NULL, NULL));
}
