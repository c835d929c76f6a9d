/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-smtp.c - the SMTP module on the shared fake core
 * (tests/unit/fake-core.c): the directory (addr_classify, addr_owned_by,
 * and ABI 1.4's addr_lookup, addr_check_owner, which can be made to fail)
 * and message submission (msg_*) members of HermodApi, recording what was
 * submitted, and the helpers of fake-smtp.h.
 */
#include "autoconfig.h"

#include <string.h>

#include "fake-smtp.h"

struct HermodMessage {
    GByteArray *data;
    gsize limit;
    char *sender, *envid, *auth;
    GPtrArray *rcpts;
    guint flags;
};
/* The module's descriptor (its module.c, linked into these tests). */
extern const HermodModuleDescriptor hermod_module_descriptor;

static GPtrArray *submitted;
static int submit_error = -1;
static guint submit_count;
static gboolean is_directory_down;
static HermodApi *table; /* the fake core's, for fake_set_core_1_3 */

static HermodAddrKind
addr_classify(const char *address)
{
    static const char *const users[] = {"alice", "bob", "al", "postmaster", "alice+tag", NULL};
    g_autofree char *a = g_ascii_strdown(address, -1);
    const char *at = strrchr(a, '@');
    /* As the directory: a bare postmaster is the primary domain's. */
    if (strcmp(a, "postmaster") == 0)
        return HERMOD_ADDR_LOCAL;
    if (at == NULL || at == a || strpbrk(a, "%!\"") != NULL || a[0] == '@')
        return HERMOD_ADDR_INVALID;
    /* The host name is not a local domain (as in the default config). */
    if (strcmp(at + 1, "example.org") != 0)
        return HERMOD_ADDR_REMOTE;
    g_autofree char *local = g_strndup(a, at - a);
    return g_strv_contains(users, local) ? HERMOD_ADDR_LOCAL : HERMOD_ADDR_UNKNOWN;
}

static gboolean
addr_owned_by(const char *address, const char *account)
{
    g_assert_cmpstr(account, ==, "alice@example.org");
    return !is_directory_down && (g_ascii_strcasecmp(address, "alice@example.org") == 0 ||
                                  g_ascii_strcasecmp(address, "al@example.org") == 0);
}

/* The 1.0 member folds a directory failure into UNKNOWN, as the core's. */
static HermodAddrKind
addr_classify_1_0(const char *address)
{
    HermodAddrKind kind = addr_classify(address);
    return is_directory_down && kind == HERMOD_ADDR_LOCAL ? HERMOD_ADDR_UNKNOWN : kind;
}

/* ABI 1.4: a local domain cannot be looked up while the directory is down;
 * syntax and remote domains need no lookup, as in the core. */
static HermodAddrKind
addr_lookup(const char *address, GError **error)
{
    HermodAddrKind kind = addr_classify(address);
    if (!is_directory_down || (kind != HERMOD_ADDR_LOCAL && kind != HERMOD_ADDR_UNKNOWN))
        return kind;
    g_set_error_literal(error, g_quark_from_static_string("fake-directory"), 0,
                        "fake directory is down");
    return HERMOD_ADDR_TEMPFAIL;
}

static HermodAuthResult
addr_check_owner(const char *address, const char *account, GError **error)
{
    if (is_directory_down) {
        g_set_error_literal(error, g_quark_from_static_string("fake-directory"), 0,
                            "fake directory is down");
        return HERMOD_AUTH_TEMPFAIL;
    }
    return addr_owned_by(address, account) ? HERMOD_AUTH_OK : HERMOD_AUTH_FAILED;
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

static void
fill_api(HermodApi *api)
{
    table = api;
    api->addr_classify = addr_classify_1_0;
    api->addr_owned_by = addr_owned_by;
    api->addr_lookup = addr_lookup;
    api->addr_check_owner = addr_check_owner;
    api->msg_new = msg_new;
    api->msg_append = msg_append;
    api->msg_set_limit = msg_set_limit;
    api->msg_size = msg_size;
    api->msg_set_sender = msg_set_sender;
    api->msg_add_recipient = msg_add_recipient;
    api->msg_set_flags = msg_set_flags;
    api->msg_set_auth = msg_set_auth;
    api->msg_submit = msg_submit;
    api->msg_free = msg_free;
}

static const FakeCoreSpec spec = {
    .protocol = "smtp",
    .hostname = FAKE_HOSTNAME,
    .module = &hermod_module_descriptor,
    .fill_api = fill_api,
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
    fake_core_start(&spec);
    if (submitted == NULL)
        submitted = g_ptr_array_new_with_free_func(fake_message_free);
    g_ptr_array_set_size(submitted, 0);
    submit_error = -1;
    submit_count = 0;
    fake_set_directory_down(FALSE);
    fake_set_core_1_3(FALSE);
}

void
fake_set_directory_down(gboolean down)
{
    is_directory_down = down;
}

void
fake_set_core_1_3(gboolean old)
{
    table->struct_size = old ? G_STRUCT_OFFSET(HermodApi, addr_lookup) : sizeof(HermodApi);
}

HermodConn *
fake_conn_new(const char *role, gboolean implicit_tls)
{
    return fake_conn_open(role, implicit_tls, implicit_tls);
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

void
fake_ehlo(HermodConn *c, gboolean tls)
{
    g_free(fake_take(c));
    if (tls && !fake_is_tls(c)) {
        g_free(fake_cmd(c, "EHLO client.example.net"));
        g_autofree char *r = fake_cmd(c, "STARTTLS");
        g_assert_cmpstr(r, ==, "220 2.0.0 Ready to start TLS\r\n");
        g_assert_true(fake_is_tls(c));
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
