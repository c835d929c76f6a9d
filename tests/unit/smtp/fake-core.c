/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-core.c - the in-memory HermodApi behind the SMTP unit tests.
 *
 * See fake-core.h for what it pretends.  It owns nothing of the module: it
 * only drives the module's HermodProtocol callbacks the way the core's
 * connection and loop would, and records what the module asked for.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-core.h"

extern const HermodModuleDescriptor hermod_module_descriptor;

typedef struct {
    HermodWorkFunc work;
    HermodDoneFunc done;
    gpointer data;
    HermodAuthFunc auth_done;
    HermodAuthResult auth_result;
    char *account;
    gpointer auth_data;
} Job;

struct HermodConn {
    GString *out;
    GByteArray *in;
    gsize line_limit;
    gsize want_bytes;
    gboolean is_paused, is_closed, is_close_reported, is_tls, is_implicit;
    gboolean tls_pending, hold_jobs, in_pump;
    char *role;
    guint timeout;
    gpointer data;
    GQueue jobs;
};

struct HermodMessage {
    GByteArray *data;
    gsize limit;
    char *sender, *envid, *auth;
    GPtrArray *rcpts;
    guint flags;
};

static int module_token;
static const HermodProtocol *proto;
static GHashTable *settings;
static GPtrArray *submitted;
static GString *log_text;
static int submit_error = -1;
static guint submit_count;

static void
fake_log_fn(HermodLogLevel level, const char *session, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_string_append_printf(log_text, "%d [%s] %s\n", level, session ? session : "-", line);
    if (g_test_verbose())
        g_printerr("log: %s\n", line);
}

static const HermodSetting *
find_setting(const char *key)
{
    for (const HermodSetting *s = hermod_module_descriptor.settings; s->key != NULL; s++) {
        if (strcmp(s->key, key) == 0)
            return s;
    }
    g_error("setting %s is not in the module's table", key);
    return NULL;
}

static const char *
setting_string(HermodModule *self, const char *key)
{
    g_assert_true(self == (HermodModule *)&module_token);
    const char *v = g_hash_table_lookup(settings, key);
    return v != NULL ? v : find_setting(key)->default_value;
}

/* The subset of the core's value syntax the module's defaults use. */
static gint64
setting_int(HermodModule *self, const char *key)
{
    const HermodSetting *def = find_setting(key);
    const char *v = setting_string(self, key);
    if (def->type == HERMOD_SETTING_BOOL)
        return strcmp(v, "yes") == 0 || strcmp(v, "true") == 0 || strcmp(v, "1") == 0;
    char *end = NULL;
    gint64 n = g_ascii_strtoll(v, &end, 10);
    switch (*end) {
    case 'K':
        return n << 10;
    case 'M':
        return n << 20;
    case 'G':
        return n << 30;
    case 'm':
        return n * 60;
    case 'h':
        return n * 3600;
    default:
        return n;
    }
}

static const char *
hostname(void)
{
    return FAKE_HOSTNAME;
}

static gboolean
register_protocol(HermodModule *self, const char *name, const HermodProtocol *p, GError **error)
{
    g_assert_cmpstr(name, ==, "smtp");
    g_assert_cmpuint(p->struct_size, ==, sizeof(HermodProtocol));
    proto = p;
    return TRUE;
}

static void
conn_write(HermodConn *c, const void *data, gsize len)
{
    if (!c->is_closed)
        g_string_append_len(c->out, data, len);
}

static void
conn_printf(HermodConn *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    conn_write(c, text, strlen(text));
}

static gsize
conn_output_pending(HermodConn *c)
{
    return 0;
}

static void
conn_want_writable(HermodConn *c)
{
}

static void
conn_start_tls(HermodConn *c)
{
    g_assert_false(c->is_tls);
    c->tls_pending = TRUE;
}

static void
conn_read_bytes(HermodConn *c, gsize n)
{
    g_assert_cmpuint(c->want_bytes, ==, 0);
    c->want_bytes = n;
}

static void
conn_pause(HermodConn *c)
{
    c->is_paused = TRUE;
}

static void
conn_resume(HermodConn *c)
{
    c->is_paused = FALSE;
}

static void
conn_close(HermodConn *c)
{
    c->is_closed = TRUE;
}

static gboolean
conn_is_closed(HermodConn *c)
{
    return c->is_closed;
}

static gboolean
conn_is_tls(HermodConn *c)
{
    return c->is_tls;
}

static const char *
conn_role(HermodConn *c)
{
    return c->role;
}

static gboolean
conn_is_implicit_tls(HermodConn *c)
{
    return c->is_implicit;
}

static const char *
conn_peer(HermodConn *c)
{
    return FAKE_PEER;
}

static const char *
conn_session(HermodConn *c)
{
    return FAKE_SESSION;
}

static const char *
conn_tls_info(HermodConn *c)
{
    return c->is_tls ? "TLS1.3 AES-256-GCM" : NULL;
}

static void
conn_set_data(HermodConn *c, gpointer data)
{
    c->data = data;
}

static gpointer
conn_get_data(HermodConn *c)
{
    return c->data;
}

static void
conn_set_timeout(HermodConn *c, guint seconds)
{
    c->timeout = seconds;
}

static gboolean
conn_is_trusted(HermodConn *c)
{
    return FALSE;
}

static void
work_run(HermodConn *c, HermodWorkFunc work, HermodDoneFunc done, gpointer data)
{
    Job *job = g_new0(Job, 1);
    job->work = work;
    job->done = done;
    job->data = data;
    g_queue_push_tail(&c->jobs, job);
}

static void
auth_check(HermodConn *c, const char *protocol, const char *login, const char *password,
           HermodAuthFunc done, gpointer data)
{
    Job *job = g_new0(Job, 1);
    g_assert_cmpstr(protocol, ==, "smtp");
    job->auth_done = done;
    job->auth_data = data;
    if (g_ascii_strcasecmp(login, "alice@example.org") == 0 && strcmp(password, "secret") == 0) {
        job->auth_result = HERMOD_AUTH_OK;
        job->account = g_strdup("alice@example.org");
    } else if (strcmp(login, "blocked") == 0) {
        job->auth_result = HERMOD_AUTH_BLOCKED;
    } else if (strcmp(login, "tempfail") == 0) {
        job->auth_result = HERMOD_AUTH_TEMPFAIL;
    } else {
        job->auth_result = HERMOD_AUTH_FAILED;
    }
    g_queue_push_tail(&c->jobs, job);
}

static HermodAddrKind
addr_classify(const char *address)
{
    static const char *const users[] = {"alice", "bob", "al", "postmaster", "alice+tag", NULL};
    g_autofree char *a = g_ascii_strdown(address, -1);
    const char *at = strrchr(a, '@');
    if (at == NULL || at == a || strpbrk(a, "%!\"") != NULL || a[0] == '@')
        return HERMOD_ADDR_INVALID;
    if (strcmp(at + 1, "example.org") != 0 && strcmp(at + 1, FAKE_HOSTNAME) != 0)
        return HERMOD_ADDR_REMOTE;
    g_autofree char *local = g_strndup(a, at - a);
    return g_strv_contains(users, local) ? HERMOD_ADDR_LOCAL : HERMOD_ADDR_UNKNOWN;
}

static gboolean
addr_owned_by(const char *address, const char *account)
{
    g_assert_cmpstr(account, ==, "alice@example.org");
    return g_ascii_strcasecmp(address, "alice@example.org") == 0 ||
           g_ascii_strcasecmp(address, "al@example.org") == 0;
}

static HermodMessage *
msg_new(const char *session)
{
    HermodMessage *m = g_new0(HermodMessage, 1);
    g_assert_cmpstr(session, ==, FAKE_SESSION);
    m->data = g_byte_array_new();
    m->rcpts = g_ptr_array_new_with_free_func(g_free);
    return m;
}

static gboolean
msg_append(HermodMessage *m, const void *data, gsize len)
{
    if (m->limit != 0 && m->data->len + len > m->limit)
        return FALSE;
    g_byte_array_append(m->data, data, len);
    return TRUE;
}

static void
msg_set_limit(HermodMessage *m, gsize max)
{
    m->limit = max;
}

static gsize
msg_size(HermodMessage *m)
{
    return m->data->len;
}

static void
msg_set_sender(HermodMessage *m, const char *sender, const char *envid)
{
    m->sender = g_strdup(sender);
    m->envid = g_strdup(envid);
}

static void
msg_add_recipient(HermodMessage *m, const char *rcpt, guint notify, const char *orcpt)
{
    g_ptr_array_add(m->rcpts, g_strdup_printf("%s %u %s", rcpt, notify, orcpt ? orcpt : "-"));
}

static void
msg_set_flags(HermodMessage *m, guint flags)
{
    m->flags = flags;
}

static void
msg_set_auth(HermodMessage *m, const char *account)
{
    m->auth = g_strdup(account);
}

static gboolean
msg_submit(HermodMessage *m, char **out_id, GError **error)
{
    if (submit_error >= 0) {
        g_set_error(error, HERMOD_SUBMIT_ERROR, submit_error, "fake failure %d", submit_error);
        return FALSE;
    }
    FakeMessage *f = g_new0(FakeMessage, 1);
    f->sender = g_strdup(m->sender);
    f->envid = g_strdup(m->envid);
    f->rcpts = g_ptr_array_ref(m->rcpts);
    f->flags = m->flags;
    f->auth = g_strdup(m->auth);
    /* A copy with a NUL after its end, so tests may use string functions. */
    f->data = g_byte_array_sized_new(m->data->len + 1);
    g_byte_array_append(f->data, m->data->data, m->data->len);
    g_byte_array_append(f->data, (const guint8 *)"", 1);
    g_byte_array_set_size(f->data, m->data->len);
    g_ptr_array_add(submitted, f);
    *out_id = g_strdup_printf("Q%u", ++submit_count);
    return TRUE;
}

static void
msg_free(HermodMessage *m)
{
    if (m == NULL)
        return;
    g_byte_array_unref(m->data);
    g_ptr_array_unref(m->rcpts);
    g_free(m->sender);
    g_free(m->envid);
    g_free(m->auth);
    g_free(m);
}

static const HermodApi api = {
    .struct_size = sizeof(HermodApi),
    .abi_major = HERMOD_ABI_MAJOR,
    .abi_minor = HERMOD_ABI_MINOR,
    .log = fake_log_fn,
    .setting_string = setting_string,
    .setting_int = setting_int,
    .hostname = hostname,
    .register_protocol = register_protocol,
    .conn_write = conn_write,
    .conn_printf = conn_printf,
    .conn_output_pending = conn_output_pending,
    .conn_want_writable = conn_want_writable,
    .conn_start_tls = conn_start_tls,
    .conn_read_bytes = conn_read_bytes,
    .conn_pause = conn_pause,
    .conn_resume = conn_resume,
    .conn_close = conn_close,
    .conn_is_closed = conn_is_closed,
    .conn_is_tls = conn_is_tls,
    .conn_role = conn_role,
    .conn_is_implicit_tls = conn_is_implicit_tls,
    .conn_peer = conn_peer,
    .conn_session = conn_session,
    .conn_tls_info = conn_tls_info,
    .conn_set_data = conn_set_data,
    .conn_get_data = conn_get_data,
    .conn_set_timeout = conn_set_timeout,
    .conn_is_trusted = conn_is_trusted,
    .work_run = work_run,
    .auth_check = auth_check,
    .addr_classify = addr_classify,
    .addr_owned_by = addr_owned_by,
    .msg_new = msg_new,
    .msg_append = msg_append,
    .msg_set_limit = msg_set_limit,
    .msg_size = msg_size,
    .msg_set_sender = msg_set_sender,
    .msg_add_recipient = msg_add_recipient,
    .msg_set_flags = msg_set_flags,
    .msg_set_auth = msg_set_auth,
    .msg_submit = msg_submit,
    .msg_free = msg_free,
};

static void
fake_message_free(gpointer data)
{
    FakeMessage *f = data;
    g_free(f->sender);
    g_free(f->envid);
    g_ptr_array_unref(f->rcpts);
    g_free(f->auth);
    g_byte_array_unref(f->data);
    g_free(f);
}

void
fake_core_reset(void)
{
    if (proto == NULL) {
        g_autoptr(GError) error = NULL;
        const HermodModuleDescriptor *d = &hermod_module_descriptor;
        g_assert_cmpuint(d->abi_major, ==, HERMOD_ABI_MAJOR);
        g_assert_cmpuint(d->struct_size, ==, sizeof(HermodModuleDescriptor));
        g_assert_cmpstr(d->name, ==, "smtp");
        g_assert_true(d->init(&api, (HermodModule *)&module_token, &error));
        g_assert_no_error(error);
        g_assert_nonnull(proto);
        settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        submitted = g_ptr_array_new_with_free_func(fake_message_free);
        log_text = g_string_new(NULL);
    }
    g_hash_table_remove_all(settings);
    g_ptr_array_set_size(submitted, 0);
    g_string_truncate(log_text, 0);
    submit_error = -1;
    submit_count = 0;
}

void
fake_set_setting(const char *key, const char *value)
{
    find_setting(key);
    g_hash_table_insert(settings, g_strdup(key), g_strdup(value));
}

/* --- one connection and its event pump --- */

static void
run_job(HermodConn *c, Job *job)
{
    if (job->auth_done != NULL) {
        job->auth_done(c, job->auth_result, job->account, job->auth_data);
        g_free(job->account);
    } else {
        job->work(job->data);
        job->done(c, job->data);
    }
    g_free(job);
}

/* Counted bytes, in pieces of at most 1000. */
static gboolean
deliver_data(HermodConn *c)
{
    gsize n = MIN(MIN(c->want_bytes, c->in->len), 1000);
    if (n == 0)
        return FALSE;
    g_autofree guint8 *piece = g_memdup2(c->in->data, n);
    g_byte_array_remove_range(c->in, 0, n);
    c->want_bytes -= n;
    proto->on_data(c, piece, n, c->want_bytes == 0);
    return TRUE;
}

/* One line, or a piece of one past the line limit. */
static gboolean
deliver_line(HermodConn *c)
{
    if (c->in->len == 0)
        return FALSE;
    const guint8 *nl = memchr(c->in->data, '\n', c->in->len);
    gsize n = nl != NULL ? (gsize)(nl - c->in->data) + 1 : c->in->len;
    gboolean is_partial = n > c->line_limit;
    if (is_partial)
        n = c->line_limit;
    else if (nl == NULL)
        return FALSE; /* wait for the rest of the line */
    g_autofree char *line = g_malloc(n + 1);
    memcpy(line, c->in->data, n);
    line[n] = '\0';
    g_byte_array_remove_range(c->in, 0, n);
    proto->on_line(c, line, n, is_partial);
    return TRUE;
}

static gboolean
run_next_job(HermodConn *c)
{
    if (c->hold_jobs || g_queue_is_empty(&c->jobs))
        return FALSE;
    run_job(c, g_queue_pop_head(&c->jobs));
    return TRUE;
}

static void
pump(HermodConn *c)
{
    if (c->in_pump)
        return;
    c->in_pump = TRUE;
    for (;;) {
        if (c->is_closed) {
            g_byte_array_set_size(c->in, 0);
            if (!c->is_close_reported) {
                c->is_close_reported = TRUE;
                proto->on_close(c);
                g_assert_null(c->data);
            }
            if (run_next_job(c))
                continue;
            break;
        }
        if (c->tls_pending) {
            /* The handshake; pipelined plaintext after STARTTLS is dropped. */
            c->tls_pending = FALSE;
            g_byte_array_set_size(c->in, 0);
            c->is_tls = TRUE;
            proto->on_tls_ready(c);
            continue;
        }
        if (run_next_job(c))
            continue;
        if (c->is_paused)
            break;
        if (!(c->want_bytes > 0 ? deliver_data(c) : deliver_line(c)))
            break;
    }
    c->in_pump = FALSE;
}

HermodConn *
fake_conn_new(const char *role, gboolean implicit_tls)
{
    HermodConn *c = g_new0(HermodConn, 1);
    c->out = g_string_new(NULL);
    c->in = g_byte_array_new();
    c->line_limit = 4096;
    c->role = g_strdup(role);
    c->is_implicit = implicit_tls;
    c->is_tls = implicit_tls;
    g_queue_init(&c->jobs);
    proto->on_connect(c);
    g_assert_nonnull(c->data);
    pump(c);
    return c;
}

void
fake_feed(HermodConn *c, const char *data, gssize len)
{
    if (len < 0)
        len = strlen(data);
    if (!c->is_closed)
        g_byte_array_append(c->in, (const guint8 *)data, len);
    pump(c);
}

char *
fake_take(HermodConn *c)
{
    char *text = g_strdup(c->out->str);
    g_string_truncate(c->out, 0);
    return text;
}

void
fake_conn_drop(HermodConn *c)
{
    c->is_closed = TRUE;
    pump(c);
}

void
fake_conn_free(HermodConn *c)
{
    c->hold_jobs = FALSE;
    fake_conn_drop(c);
    g_assert_true(g_queue_is_empty(&c->jobs));
    g_string_free(c->out, TRUE);
    g_byte_array_unref(c->in);
    g_free(c->role);
    g_free(c);
}

void
fake_set_line_limit(HermodConn *c, gsize limit)
{
    c->line_limit = limit;
}

void
fake_hold_jobs(HermodConn *c, gboolean hold)
{
    c->hold_jobs = hold;
}

void
fake_run_jobs(HermodConn *c)
{
    c->hold_jobs = FALSE;
    pump(c);
}

gboolean
fake_is_paused(HermodConn *c)
{
    return c->is_paused;
}

gboolean
fake_is_closed(HermodConn *c)
{
    return c->is_closed;
}

gboolean
fake_is_tls(HermodConn *c)
{
    return c->is_tls;
}

guint
fake_timeout(HermodConn *c)
{
    return c->timeout;
}

const HermodProtocol *
fake_protocol(void)
{
    return proto;
}

GPtrArray *
fake_submitted(void)
{
    return submitted;
}

void
fake_set_submit_error(int code)
{
    submit_error = code;
}

const char *
fake_log(void)
{
    return log_text->str;
}

char *
fake_cmd(HermodConn *c, const char *line)
{
    g_autofree char *text = g_strconcat(line, "\r\n", NULL);
    fake_feed(c, text, -1);
    return fake_take(c);
}

void
fake_ehlo(HermodConn *c, gboolean tls)
{
    g_free(fake_take(c));
    if (tls && !c->is_tls) {
        g_free(fake_cmd(c, "EHLO client.example.net"));
        g_autofree char *r = fake_cmd(c, "STARTTLS");
        g_assert_cmpstr(r, ==, "220 2.0.0 Ready to start TLS\r\n");
        g_assert_true(c->is_tls);
    }
    g_autofree char *r = fake_cmd(c, "EHLO client.example.net");
    g_assert_true(g_str_has_prefix(r, "250-" FAKE_HOSTNAME "\r\n"));
}

char *
fake_plain(const char *login, const char *password)
{
    g_autoptr(GByteArray) b = g_byte_array_new();
    g_byte_array_append(b, (const guint8 *)"", 1);
    g_byte_array_append(b, (const guint8 *)login, strlen(login) + 1);
    g_byte_array_append(b, (const guint8 *)password, strlen(password));
    return g_base64_encode(b->data, b->len);
}
