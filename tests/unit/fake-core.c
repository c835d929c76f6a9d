/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-core.c - the in-memory HermodApi behind the unit tests: the one
 * place that fills the table.
 *
 * See fake-core.h for what it pretends.  It owns nothing of the module: it
 * drives the module's HermodProtocol callbacks the way the core's
 * connections and loop would and records what the module wrote and
 * logged.  What is particular to one protocol (a mail store, the directory
 * and message submission) comes in through FakeCoreSpec; loading a module
 * from a file is the real loader's job (core/plugin/module.c), which the
 * ABI tests call themselves.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-core.h"

typedef struct {
    HermodWorkFunc work;
    HermodDoneFunc done;
    gpointer data;
    HermodAuthFunc auth_done;
    HermodAuthResult auth_result;
    char *account;
} Job;

struct HermodConn {
    GString *out;
    GByteArray *in;
    gsize line_limit, want_bytes, sent_mark, max_write;
    gboolean is_paused, is_closed, is_close_reported, is_tls, is_implicit, is_trusted;
    gboolean tls_pending, hold_jobs, in_pump, has_backpressure, wants_writable;
    gboolean is_stream; /* conn_read_stream: all input to on_data */
    char *role;
    guint timeout;
    gboolean is_no_tls;  /* the listener has tls = none */
    gboolean is_deflate; /* conn_start_deflate ran */
    gssize deflate_mark; /* offset in out where compression starts */
    gsize pending_extra; /* bytes the "core" pretends to hold besides out */
    gpointer data;
    GQueue jobs;
};

static int module_token;
static const FakeCoreSpec *spec;
static HermodProtocol proto_copy;   /* what the module registered, zero-filled */
static const HermodProtocol *proto; /* &proto_copy once registered */
static HermodApi api;               /* base_api with the spec's members */
static GHashTable *settings;
static GString *log_text;
static gboolean in_work;

/* --- the module's view of the core --- */

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

/* The settings table of the module linked in, or of self (loaded by the
 * test through the real loader). */
static const HermodSetting *
find_setting(HermodModule *self, const char *key)
{
    const HermodSetting *s =
        spec->module != NULL ? spec->module->settings : spec->settings_of(self);
    for (; s != NULL && s->key != NULL; s++) {
        if (strcmp(s->key, key) == 0)
            return s;
    }
    g_error("setting %s is not in the module's table", key);
    return NULL;
}

static const char *
setting_string(HermodModule *self, const char *key)
{
    if (spec->module != NULL)
        g_assert_true(self == (HermodModule *)&module_token);
    const char *v = g_hash_table_lookup(settings, key);
    return v != NULL ? v : find_setting(self, key)->default_value;
}

/* Sizes ("64K", "50M") and durations ("5m", "1h") as the config parses them. */
static gint64
setting_int(HermodModule *self, const char *key)
{
    const HermodSetting *def = find_setting(self, key);
    const char *v = setting_string(self, key);
    if (def->type == HERMOD_SETTING_BOOL)
        return strcmp(v, "yes") == 0;
    char *end = NULL;
    gint64 n = g_ascii_strtoll(v, &end, 10);
    switch (*end) {
    case 'K':
        return n << 10;
    case 'M':
        return n << 20;
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
    return spec->hostname;
}

/* A module built against older headers registers a shorter struct: the
 * copy reads NULL past its end, as the core's own copy does. */
static gboolean
register_protocol(HermodModule *self, const char *name, const HermodProtocol *p, GError **error)
{
    g_assert_cmpstr(name, ==, spec->protocol);
    if (spec->module != NULL)
        g_assert_cmpuint(p->struct_size, ==, sizeof(HermodProtocol));
    g_assert_cmpuint(p->struct_size, <=, sizeof(HermodProtocol));
    if (proto != NULL) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "protocol %s already registered",
                    name);
        return FALSE;
    }
    memset(&proto_copy, 0, sizeof proto_copy);
    memcpy(&proto_copy, p, p->struct_size);
    proto = &proto_copy;
    return TRUE;
}

static void
conn_write(HermodConn *c, const void *data, gsize len)
{
    c->max_write = MAX(c->max_write, len);
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
    return (c->has_backpressure ? c->out->len - c->sent_mark : 0) + c->pending_extra;
}

static void
conn_want_writable(HermodConn *c)
{
    c->wants_writable = TRUE;
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
conn_read_stream(HermodConn *c)
{
    c->is_stream = TRUE;
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

static gboolean
conn_may_start_tls(HermodConn *c)
{
    return !c->is_tls && !c->is_implicit && !c->is_no_tls && !c->tls_pending && !c->is_deflate;
}

/* No bytes are compressed here: tests check where DEFLATE would start. */
static gboolean
conn_start_deflate(HermodConn *c)
{
    if (c->is_deflate || c->tls_pending || c->is_closed)
        return FALSE;
    c->is_deflate = TRUE;
    c->deflate_mark = (gssize)c->out->len;
    return TRUE;
}

static gboolean
conn_is_deflate(HermodConn *c)
{
    return c->is_deflate;
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
    return c->is_trusted;
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

static HermodAuthResult
check_password(const char *login, const char *password)
{
    if ((g_ascii_strcasecmp(login, "alice@example.org") == 0 && strcmp(password, "secret") == 0) ||
        (g_ascii_strcasecmp(login, "bob@example.org") == 0 && strcmp(password, "secret2") == 0))
        return HERMOD_AUTH_OK;
    if (strcmp(login, "blocked") == 0)
        return HERMOD_AUTH_BLOCKED;
    if (strcmp(login, "tempfail") == 0)
        return HERMOD_AUTH_TEMPFAIL;
    return HERMOD_AUTH_FAILED;
}

static void
auth_check(HermodConn *c, const char *protocol, const char *login, const char *password,
           HermodAuthFunc done, gpointer data)
{
    Job *job = g_new0(Job, 1);
    g_assert_cmpstr(protocol, ==, spec->protocol);
    job->auth_done = done;
    job->data = data;
    job->auth_result = check_password(login, password);
    if (job->auth_result == HERMOD_AUTH_OK)
        job->account = g_ascii_strdown(login, -1);
    g_queue_push_tail(&c->jobs, job);
}

static const HermodApi base_api = {
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
    .conn_may_start_tls = conn_may_start_tls,
    .conn_start_deflate = conn_start_deflate,
    .conn_is_deflate = conn_is_deflate,
    .work_run = work_run,
    .auth_check = auth_check,
    .conn_read_stream = conn_read_stream,
};

/* --- the test's side --- */

const HermodApi *
fake_core_table(const FakeCoreSpec *s)
{
    spec = s;
    proto = NULL;
    api = base_api;
    api.mail = s->mail;
    api.web = s->web;
    if (s->fill_api != NULL)
        s->fill_api(&api);
    if (settings == NULL) {
        settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        log_text = g_string_new(NULL);
    }
    g_hash_table_remove_all(settings);
    g_string_truncate(log_text, 0);
    return &api;
}

/* The descriptor checks of core/plugin/module.c, then init. */
static void
load(const FakeCoreSpec *s)
{
    g_autoptr(GError) error = NULL;
    const HermodModuleDescriptor *d = s->module;
    g_assert_nonnull(d);
    g_assert_cmpuint(d->abi_major, ==, HERMOD_ABI_MAJOR);
    g_assert_cmpuint(d->struct_size, ==, sizeof(HermodModuleDescriptor));
    g_assert_cmpstr(d->name, ==, s->protocol);
    fake_core_table(s);
    g_assert_true(d->init(&api, (HermodModule *)&module_token, &error));
    g_assert_no_error(error);
    g_assert_nonnull(proto);
}

void
fake_core_start(const FakeCoreSpec *s)
{
    if (proto == NULL)
        load(s);
    g_assert_true(spec == s);
    g_hash_table_remove_all(settings);
    g_string_truncate(log_text, 0);
}

void
fake_set_setting(const char *key, const char *value)
{
    if (spec->module != NULL)
        find_setting(NULL, key); /* a key the module does not know is a test bug */
    g_hash_table_insert(settings, g_strdup(key), g_strdup(value));
}

const HermodProtocol *
fake_protocol(void)
{
    return proto;
}

const char *
fake_log(void)
{
    return log_text->str;
}

gboolean
fake_in_work(void)
{
    return in_work;
}

/* --- connections and their event pump --- */

static void
run_job(HermodConn *c, Job *job)
{
    if (job->auth_done != NULL) {
        job->auth_done(c, job->auth_result, job->account, job->data);
        g_free(job->account);
    } else {
        in_work = TRUE;
        job->work(job->data);
        in_work = FALSE;
        job->done(c, job->data);
    }
    g_free(job);
}

static gboolean
run_next_job(HermodConn *c)
{
    if (c->hold_jobs || g_queue_is_empty(&c->jobs))
        return FALSE;
    run_job(c, g_queue_pop_head(&c->jobs));
    return TRUE;
}

/* Counted bytes, in pieces of at most 1000. */
static gboolean
deliver_data(HermodConn *c)
{
    gsize n = MIN(MIN(c->want_bytes, c->in->len), 1000);
    if (n == 0)
        return FALSE;
    g_autofree guint8 *piece = g_memdup2(c->in->data, n);
    g_byte_array_remove_range(c->in, 0, (guint)n);
    c->want_bytes -= n;
    proto->on_data(c, piece, n, c->want_bytes == 0);
    return TRUE;
}

/* Stream mode: what has arrived, in pieces of at most 1000. */
static gboolean
deliver_stream(HermodConn *c)
{
    gsize n = MIN(c->in->len, 1000);
    if (n == 0)
        return FALSE;
    g_autofree guint8 *piece = g_memdup2(c->in->data, n);
    g_byte_array_remove_range(c->in, 0, (guint)n);
    proto->on_data(c, piece, n, FALSE);
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
    g_byte_array_remove_range(c->in, 0, (guint)n);
    proto->on_line(c, line, n, is_partial);
    return TRUE;
}

static gboolean
pump_closed(HermodConn *c)
{
    g_byte_array_set_size(c->in, 0);
    if (!c->is_close_reported) {
        c->is_close_reported = TRUE;
        proto->on_close(c);
        g_assert_null(c->data);
    }
    return run_next_job(c);
}

static gboolean
pump_step(HermodConn *c)
{
    if (c->is_closed)
        return pump_closed(c);
    if (c->tls_pending) {
        /* The handshake; pipelined plaintext after STARTTLS is dropped. */
        c->tls_pending = FALSE;
        g_byte_array_set_size(c->in, 0);
        c->is_tls = TRUE;
        proto->on_tls_ready(c);
        return TRUE;
    }
    if (run_next_job(c) || (spec->run_event != NULL && spec->run_event(c)))
        return TRUE;
    if (c->wants_writable && !c->has_backpressure && c->pending_extra == 0) {
        c->wants_writable = FALSE;
        proto->on_writable(c);
        return TRUE;
    }
    if (c->is_paused)
        return FALSE;
    if (c->is_stream)
        return deliver_stream(c);
    return c->want_bytes > 0 ? deliver_data(c) : deliver_line(c);
}

void
fake_pump(HermodConn *c)
{
    if (c->in_pump)
        return;
    c->in_pump = TRUE;
    for (guint rounds = 0; pump_step(c); rounds++)
        g_assert_cmpuint(rounds, <, 1000000); /* a hang is a bug */
    c->in_pump = FALSE;
}

HermodConn *
fake_conn_open(const char *role, gboolean is_implicit_tls, gboolean is_tls)
{
    HermodConn *c = g_new0(HermodConn, 1);
    c->out = g_string_new(NULL);
    c->in = g_byte_array_new();
    c->line_limit = 4096;
    c->role = g_strdup(role);
    c->is_implicit = is_implicit_tls;
    c->is_tls = is_tls || is_implicit_tls;
    c->deflate_mark = -1;
    g_queue_init(&c->jobs);
    g_assert_nonnull(proto);
    proto->on_connect(c);
    if (spec->module != NULL)
        g_assert_nonnull(c->data); /* the protocol modules keep a session */
    fake_pump(c);
    return c;
}

void
fake_feed(HermodConn *c, const char *data, gssize len)
{
    if (len < 0)
        len = (gssize)strlen(data);
    if (!c->is_closed)
        g_byte_array_append(c->in, (const guint8 *)data, (guint)len);
    fake_pump(c);
}

char *
fake_take(HermodConn *c)
{
    char *text = g_strdup(c->out->str);
    if (c->deflate_mark >= 0)
        c->deflate_mark -= MIN(c->deflate_mark, (gssize)c->out->len);
    g_string_truncate(c->out, 0);
    c->sent_mark = 0;
    return text;
}

void
fake_conn_drop(HermodConn *c)
{
    c->is_closed = TRUE;
    fake_pump(c);
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
    fake_pump(c);
}

void
fake_set_no_tls(HermodConn *c)
{
    c->is_no_tls = TRUE;
}

void
fake_set_pending_extra(HermodConn *c, gsize n)
{
    c->pending_extra = n;
}

gssize
fake_deflate_mark(HermodConn *c)
{
    return c->is_deflate ? c->deflate_mark : -1;
}

void
fake_set_trusted(HermodConn *c, gboolean trusted)
{
    c->is_trusted = trusted;
}

void
fake_set_backpressure(HermodConn *c, gboolean on)
{
    c->has_backpressure = on;
}

char *
fake_drain(HermodConn *c)
{
    char *text = fake_take(c);
    if (c->wants_writable && !c->is_closed) {
        c->wants_writable = FALSE;
        proto->on_writable(c);
    }
    fake_pump(c);
    return text;
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

gsize
fake_max_write(HermodConn *c)
{
    return c->max_write;
}

char *
fake_cmd(HermodConn *c, const char *line)
{
    g_autofree char *text = g_strconcat(line, "\r\n", NULL);
    fake_feed(c, text, -1);
    char *out = fake_take(c);
    if (g_test_verbose())
        g_printerr("C: %.200s\nS: %.2000s", line, out);
    return out;
}
