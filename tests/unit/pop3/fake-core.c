/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-core.c - the in-memory HermodApi and HermodMailApi behind the POP3
 * unit tests.
 *
 * See fake-core.h for what it pretends.  It owns nothing of the module: it
 * drives the module's HermodProtocol callbacks the way the core's
 * connection and loop would, answers store calls from a small in-memory
 * store backed by files, and records what the module asked for.
 */
#include "autoconfig.h"

#include <glib/gstdio.h>
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
} Job;

struct HermodConn {
    GString *out;
    GByteArray *in;
    gsize line_limit, max_write;
    gboolean is_paused, is_closed, is_close_reported, is_tls, is_implicit, is_trusted;
    gboolean tls_pending, hold_jobs, in_pump, wants_writable;
    gpointer data;
    GQueue jobs;
};

/* One stored message: its UID, flags and file. */
typedef struct {
    guint32 uid;
    guint32 flags;
    char *path;
    gsize size;
    GHashTable *cache; /* field -> value, the parse cache */
} FakeMsg;

struct HermodMailStore {
    char *account;
    int refs;
};

static int module_token;
static const HermodProtocol *proto;
static GHashTable *settings;
static GString *log_text;
static char *store_dir;
static GHashTable *boxes; /* account -> GPtrArray of FakeMsg */
static guint32 next_uid = 1;
static gboolean expunge_fails;
static guint expunge_calls;
static gboolean in_work; /* a work job's work function runs */

static void
fake_log_fn(HermodLogLevel level, const char *session, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *line = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_string_append_printf(log_text, "%d %s\n", level, line);
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
        return strcmp(v, "yes") == 0 || strcmp(v, "1") == 0;
    char *end = NULL;
    gint64 n = g_ascii_strtoll(v, &end, 10);
    return *end == 'm' ? n * 60 : n;
}

static const char *
hostname(void)
{
    return FAKE_HOSTNAME;
}

static gboolean
register_protocol(HermodModule *self, const char *name, const HermodProtocol *p, GError **error)
{
    g_assert_cmpstr(name, ==, "pop3");
    g_assert_cmpuint(p->struct_size, ==, sizeof(HermodProtocol));
    proto = p;
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
    return 0;
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
    return c->is_implicit ? "pop3s" : "pop3";
}

static gboolean
conn_is_implicit_tls(HermodConn *c)
{
    return c->is_implicit;
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
    g_assert_cmpstr(protocol, ==, "pop3");
    job->auth_done = done;
    if ((g_ascii_strcasecmp(login, "alice@example.org") == 0 && strcmp(password, "secret") == 0) ||
        (g_ascii_strcasecmp(login, "bob@example.org") == 0 && strcmp(password, "secret2") == 0)) {
        job->auth_result = HERMOD_AUTH_OK;
        job->account = g_ascii_strdown(login, -1);
    } else if (strcmp(login, "blocked") == 0) {
        job->auth_result = HERMOD_AUTH_BLOCKED;
    } else if (strcmp(login, "tempfail") == 0) {
        job->auth_result = HERMOD_AUTH_TEMPFAIL;
    } else {
        job->auth_result = HERMOD_AUTH_FAILED;
    }
    g_queue_push_tail(&c->jobs, job);
}

/* --- the mail store --- */

static GPtrArray *
box(const char *account)
{
    GPtrArray *msgs = g_hash_table_lookup(boxes, account);
    if (msgs == NULL) {
        msgs = g_ptr_array_new();
        g_hash_table_insert(boxes, g_strdup(account), msgs);
    }
    return msgs;
}

static FakeMsg *
find_msg(const char *account, guint32 uid, guint *out_index)
{
    GPtrArray *msgs = box(account);
    for (guint i = 0; i < msgs->len; i++) {
        FakeMsg *m = g_ptr_array_index(msgs, i);
        if (m->uid == uid) {
            if (out_index != NULL)
                *out_index = i;
            return m;
        }
    }
    return NULL;
}

static HermodMailStore *
mail_open(const char *account, GError **error)
{
    g_assert_true(in_work);
    HermodMailStore *st = g_new0(HermodMailStore, 1);
    st->account = g_strdup(account);
    st->refs = 1;
    return st;
}

static void
mail_unref(HermodMailStore *st)
{
    if (--st->refs > 0)
        return;
    g_free(st->account);
    g_free(st);
}

static HermodMailboxInfo *
mailbox_status(HermodMailStore *st, const char *name, GError **error)
{
    g_assert_cmpstr(name, ==, "INBOX");
    HermodMailboxInfo *info = g_new0(HermodMailboxInfo, 1);
    info->name = g_strdup(name);
    info->uidvalidity = FAKE_UIDVALIDITY;
    info->messages = box(st->account)->len;
    return info;
}

static void
mailbox_info_free(HermodMailboxInfo *info)
{
    g_free(info->name);
    g_free(info);
}

static void
info_free(gpointer p)
{
    HermodMsgInfo *info = p;
    g_strfreev(info->keywords);
    g_free(info);
}

static GPtrArray *
mail_messages(HermodMailStore *st, const char *mailbox, guint64 since, GError **error)
{
    g_assert_true(in_work);
    g_assert_cmpstr(mailbox, ==, "INBOX");
    GPtrArray *out = g_ptr_array_new_with_free_func(info_free);
    GPtrArray *msgs = box(st->account);
    for (guint i = 0; i < msgs->len; i++) {
        FakeMsg *m = g_ptr_array_index(msgs, i);
        HermodMsgInfo *info = g_new0(HermodMsgInfo, 1);
        info->uid = m->uid;
        info->flags = m->flags;
        info->size = m->size;
        info->keywords = g_new0(char *, 1);
        g_ptr_array_add(out, info);
    }
    return out;
}

static gboolean
update_flags(HermodMailStore *st, const char *mailbox, const guint32 *uids, gsize n,
             HermodFlagsOp op, guint32 flags, const char *const *keywords, guint64 unchangedsince,
             GArray *out_failed, GError **error)
{
    g_assert_true(in_work);
    g_assert_cmpint(op, ==, HERMOD_FLAGS_ADD);
    for (gsize i = 0; i < n; i++) {
        FakeMsg *m = find_msg(st->account, uids[i], NULL);
        if (m != NULL)
            m->flags |= flags;
    }
    return TRUE;
}

static void
fake_msg_free(FakeMsg *m)
{
    g_unlink(m->path);
    g_free(m->path);
    g_hash_table_unref(m->cache);
    g_free(m);
}

static GArray *
mail_expunge(HermodMailStore *st, const char *mailbox, const guint32 *uids, gsize n, GError **error)
{
    g_assert_true(in_work);
    g_assert_nonnull(uids);
    expunge_calls++;
    if (expunge_fails) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_IO, "fake I/O error");
        return NULL;
    }
    GArray *gone = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (gsize i = 0; i < n; i++) {
        guint index;
        FakeMsg *m = find_msg(st->account, uids[i], &index);
        if (m == NULL)
            continue;
        g_ptr_array_remove_index(box(st->account), index);
        fake_msg_free(m);
        g_array_append_val(gone, uids[i]);
    }
    return gone;
}

static GMappedFile *
open_message(HermodMailStore *st, const char *mailbox, guint32 uid, GError **error)
{
    FakeMsg *m = find_msg(st->account, uid, NULL);
    if (m == NULL) {
        g_set_error(error, HERMOD_MAIL_ERROR, HERMOD_MAIL_ERROR_NO_MESSAGE, "no UID %u", uid);
        return NULL;
    }
    return g_mapped_file_new(m->path, FALSE, error);
}

static char *
cache_get(HermodMailStore *st, const char *mailbox, guint32 uid, const char *field)
{
    g_assert_true(in_work);
    FakeMsg *m = find_msg(st->account, uid, NULL);
    return m != NULL ? g_strdup(g_hash_table_lookup(m->cache, field)) : NULL;
}

static void
cache_set(HermodMailStore *st, const char *mailbox, guint32 uid, const char *field,
          const char *value)
{
    g_assert_true(in_work);
    FakeMsg *m = find_msg(st->account, uid, NULL);
    if (m != NULL)
        g_hash_table_insert(m->cache, g_strdup(field), g_strdup(value));
}

static const HermodMailApi mail_api = {
    .struct_size = sizeof(HermodMailApi),
    .open = mail_open,
    .unref = mail_unref,
    .mailbox_status = mailbox_status,
    .mailbox_info_free = mailbox_info_free,
    .messages = mail_messages,
    .update_flags = update_flags,
    .expunge = mail_expunge,
    .open_message = open_message,
    .cache_get = cache_get,
    .cache_set = cache_set,
};

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
    .mail = &mail_api,
};

static void
box_free(gpointer p)
{
    GPtrArray *msgs = p;
    for (guint i = 0; i < msgs->len; i++)
        fake_msg_free(g_ptr_array_index(msgs, i));
    g_ptr_array_unref(msgs);
}

void
fake_core_reset(void)
{
    if (proto == NULL) {
        g_autoptr(GError) error = NULL;
        const HermodModuleDescriptor *d = &hermod_module_descriptor;
        g_assert_cmpuint(d->abi_major, ==, HERMOD_ABI_MAJOR);
        g_assert_cmpstr(d->name, ==, "pop3");
        g_assert_true(d->init(&api, (HermodModule *)&module_token, &error));
        g_assert_no_error(error);
        settings = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        log_text = g_string_new(NULL);
        boxes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, box_free);
    }
    if (store_dir == NULL) {
        g_autoptr(GError) error = NULL;
        store_dir = g_dir_make_tmp("pop3-fake-XXXXXX", &error);
        g_assert_no_error(error);
    }
    g_hash_table_remove_all(settings);
    g_hash_table_remove_all(boxes);
    g_string_truncate(log_text, 0);
    expunge_fails = FALSE;
    expunge_calls = 0;
}

void
fake_core_cleanup(void)
{
    if (boxes == NULL)
        return;
    g_hash_table_remove_all(boxes);
    g_rmdir(store_dir);
    g_clear_pointer(&store_dir, g_free);
}

void
fake_set_setting(const char *key, const char *value)
{
    find_setting(key);
    g_hash_table_insert(settings, g_strdup(key), g_strdup(value));
}

guint32
fake_mail_add(const char *account, const char *data, gsize len)
{
    g_autoptr(GError) error = NULL;
    FakeMsg *m = g_new0(FakeMsg, 1);
    m->uid = next_uid++;
    m->size = len;
    m->cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    m->path = g_strdup_printf("%s/%u.eml", store_dir, m->uid);
    g_file_set_contents(m->path, data, (gssize)len, &error);
    g_assert_no_error(error);
    g_ptr_array_add(box(account), m);
    return m->uid;
}

void
fake_mail_remove(const char *account, guint32 uid)
{
    guint index = 0;
    FakeMsg *m = find_msg(account, uid, &index);
    g_assert_nonnull(m);
    g_ptr_array_remove_index(box(account), index);
    fake_msg_free(m);
}

GArray *
fake_mail_uids(const char *account)
{
    GArray *uids = g_array_new(FALSE, FALSE, sizeof(guint32));
    GPtrArray *msgs = box(account);
    for (guint i = 0; i < msgs->len; i++)
        g_array_append_val(uids, ((FakeMsg *)g_ptr_array_index(msgs, i))->uid);
    return uids;
}

guint32
fake_mail_flags(const char *account, guint32 uid)
{
    FakeMsg *m = find_msg(account, uid, NULL);
    g_assert_nonnull(m);
    return m->flags;
}

void
fake_mail_fail_expunge(gboolean fail)
{
    expunge_fails = fail;
}

guint
fake_mail_expunge_calls(void)
{
    return expunge_calls;
}

/* --- connections and their event pump --- */

static void
run_job(HermodConn *c, Job *job)
{
    if (job->auth_done != NULL) {
        job->auth_done(c, job->auth_result, job->account, NULL);
        g_free(job->account);
    } else {
        in_work = TRUE;
        job->work(job->data);
        in_work = FALSE;
        job->done(c, job->data);
    }
    g_free(job);
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
        return FALSE;
    g_autofree char *line = g_malloc(n + 1);
    memcpy(line, c->in->data, n);
    line[n] = '\0';
    g_byte_array_remove_range(c->in, 0, n);
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
    if (c->hold_jobs || g_queue_is_empty(&c->jobs))
        return FALSE;
    run_job(c, g_queue_pop_head(&c->jobs));
    return TRUE;
}

static gboolean
pump_step(HermodConn *c)
{
    if (c->is_closed)
        return pump_closed(c);
    if (c->tls_pending) {
        c->tls_pending = FALSE;
        g_byte_array_set_size(c->in, 0);
        c->is_tls = TRUE;
        proto->on_tls_ready(c);
        return TRUE;
    }
    if (!c->hold_jobs && !g_queue_is_empty(&c->jobs)) {
        run_job(c, g_queue_pop_head(&c->jobs));
        return TRUE;
    }
    if (c->wants_writable) {
        c->wants_writable = FALSE;
        proto->on_writable(c);
        return TRUE;
    }
    return !c->is_paused && deliver_line(c);
}

static void
pump(HermodConn *c)
{
    if (c->in_pump)
        return;
    c->in_pump = TRUE;
    for (guint rounds = 0; pump_step(c); rounds++)
        g_assert_cmpuint(rounds, <, 1000000); /* a hang is a bug */
    c->in_pump = FALSE;
}

HermodConn *
fake_conn_new(gboolean implicit_tls)
{
    HermodConn *c = g_new0(HermodConn, 1);
    c->out = g_string_new(NULL);
    c->in = g_byte_array_new();
    c->line_limit = 4096;
    c->is_implicit = implicit_tls;
    c->is_tls = implicit_tls;
    g_queue_init(&c->jobs);
    proto->on_connect(c);
    g_assert_nonnull(c->data);
    pump(c);
    return c;
}

void
fake_set_trusted(HermodConn *c, gboolean trusted)
{
    c->is_trusted = trusted;
}

void
fake_feed(HermodConn *c, const char *data, gssize len)
{
    if (len < 0)
        len = (gssize)strlen(data);
    if (!c->is_closed)
        g_byte_array_append(c->in, (const guint8 *)data, (guint)len);
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
fake_conn_free(HermodConn *c)
{
    c->hold_jobs = FALSE;
    c->is_closed = TRUE;
    pump(c);
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

gsize
fake_max_write(HermodConn *c)
{
    return c->max_write;
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
fake_login(HermodConn *c, const char *user, const char *password)
{
    g_free(fake_take(c));
    if (!c->is_tls)
        EXPECT_EXACT(c, "STLS", "+OK Begin TLS negotiation\r\n");
    g_autofree char *u = g_strconcat("USER ", user, NULL);
    g_autofree char *p = g_strconcat("PASS ", password, NULL);
    EXPECT_EXACT(c, u, "+OK Send PASS\r\n");
    EXPECT(c, p, "+OK Logged in");
}
