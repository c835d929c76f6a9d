/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-core.c - the in-memory HermodApi behind the IMAP unit tests.
 *
 * See fake-core.h for what it pretends.  It drives the module's
 * HermodProtocol callbacks the way the core's connection and loop would and
 * records what the module wrote.  Adapted from tests/unit/smtp/fake-core.c.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-core.h"
#include "session.h"

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
    gsize line_limit, want_bytes, sent_mark;
    gboolean is_paused, is_closed, is_close_reported, is_tls, is_trusted;
    gboolean tls_pending, in_pump, has_backpressure, wants_writable;
    gpointer data;
    GQueue jobs;
};

static int module_token;
static const HermodProtocol *proto;
static GHashTable *settings;

static void
fake_log_fn(HermodLogLevel level, const char *session, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
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

static gint64
setting_int(HermodModule *self, const char *key)
{
    const HermodSetting *def = find_setting(key);
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
    return FAKE_HOSTNAME;
}

static gboolean
register_protocol(HermodModule *self, const char *name, const HermodProtocol *p, GError **error)
{
    g_assert_cmpstr(name, ==, "imap");
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
    return c->has_backpressure ? c->out->len - c->sent_mark : 0;
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
    return "imap";
}

static gboolean
conn_is_implicit_tls(HermodConn *c)
{
    return FALSE;
}

static const char *
conn_peer(HermodConn *c)
{
    return "192.0.2.1";
}

static const char *
conn_session(HermodConn *c)
{
    return "sess-1";
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

static void
auth_check(HermodConn *c, const char *protocol, const char *login, const char *password,
           HermodAuthFunc done, gpointer data)
{
    Job *job = g_new0(Job, 1);
    g_assert_cmpstr(protocol, ==, "imap");
    job->auth_done = done;
    job->auth_data = data;
    if (g_ascii_strcasecmp(login, FAKE_ACCOUNT) == 0 && strcmp(password, "secret") == 0) {
        job->auth_result = HERMOD_AUTH_OK;
        job->account = g_strdup(FAKE_ACCOUNT);
    } else if (strcmp(login, "tempfail") == 0) {
        job->auth_result = HERMOD_AUTH_TEMPFAIL;
    } else {
        job->auth_result = HERMOD_AUTH_FAILED;
    }
    g_queue_push_tail(&c->jobs, job);
}

static HermodApi api = {
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
    .conn_set_data = conn_set_data,
    .conn_get_data = conn_get_data,
    .conn_set_timeout = conn_set_timeout,
    .conn_is_trusted = conn_is_trusted,
    .work_run = work_run,
    .auth_check = auth_check,
};

void
fake_core_reset(void)
{
    if (proto == NULL) {
        g_autoptr(GError) error = NULL;
        const HermodModuleDescriptor *d = &hermod_module_descriptor;
        g_assert_cmpstr(d->name, ==, "imap");
        api.mail = fake_mail_api();
        g_assert_true(d->init(&api, (HermodModule *)&module_token, &error));
        g_assert_no_error(error);
        settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    }
    g_assert_true(imap_mail == fake_mail_api());
    g_hash_table_remove_all(settings);
    fake_mail_reset();
}

void
fake_set_setting(const char *key, const char *value)
{
    find_setting(key);
    g_hash_table_insert(settings, g_strdup(key), g_strdup(value));
}

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
        return FALSE;
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
    if (g_queue_is_empty(&c->jobs))
        return FALSE;
    run_job(c, g_queue_pop_head(&c->jobs));
    return TRUE;
}

void
fake_pump(HermodConn *c)
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
            c->tls_pending = FALSE;
            g_byte_array_set_size(c->in, 0);
            c->is_tls = TRUE;
            proto->on_tls_ready(c);
            continue;
        }
        if (run_next_job(c) || fake_mail_run_watches(c))
            continue;
        if (c->is_paused)
            break;
        if (!(c->want_bytes > 0 ? deliver_data(c) : deliver_line(c)))
            break;
    }
    c->in_pump = FALSE;
}

HermodConn *
fake_conn_new(gboolean tls)
{
    HermodConn *c = g_new0(HermodConn, 1);
    c->out = g_string_new(NULL);
    c->in = g_byte_array_new();
    c->line_limit = 4096;
    c->is_tls = tls;
    g_queue_init(&c->jobs);
    proto->on_connect(c);
    g_assert_nonnull(c->data);
    fake_pump(c);
    return c;
}

void
fake_feed(HermodConn *c, const char *data, gssize len)
{
    if (len < 0)
        len = strlen(data);
    if (!c->is_closed)
        g_byte_array_append(c->in, (const guint8 *)data, len);
    fake_pump(c);
}

char *
fake_take(HermodConn *c)
{
    char *text = g_strdup(c->out->str);
    g_string_truncate(c->out, 0);
    c->sent_mark = 0;
    return text;
}

void
fake_conn_free(HermodConn *c)
{
    c->is_closed = TRUE;
    fake_pump(c);
    g_assert_true(g_queue_is_empty(&c->jobs));
    g_string_free(c->out, TRUE);
    g_byte_array_unref(c->in);
    g_free(c);
}

void
fake_set_line_limit(HermodConn *c, gsize limit)
{
    c->line_limit = limit;
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

HermodConn *
fake_login(void)
{
    HermodConn *c = fake_conn_new(TRUE);
    g_free(fake_take(c));
    g_autofree char *r = fake_cmd(c, "L1 LOGIN alice@example.org secret");
    g_assert_true(g_str_has_prefix(r, "L1 OK [CAPABILITY "));
    return c;
}
