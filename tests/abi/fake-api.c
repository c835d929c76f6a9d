/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fake-api.c - an in-memory HermodApi for loading modules in unit tests.
 *
 * Logs, registered protocols and connection output are recorded in memory;
 * settings come from the test's table or else from the module's own
 * defaults (read through the real loader, core/plugin/module.c).  It does not
 * imitate the loops, TLS, the work pool or submission: those are tested
 * against the real daemon.
 */
#include "autoconfig.h"

#include <string.h>
#include <sys/stat.h>

#include <glib/gstdio.h>

#include "fake-api.h"
#include "plugin/module.h"

static HermodApi table;
static GHashTable *settings;  /* key -> value */
static GHashTable *protocols; /* name -> const HermodProtocol * */
static GPtrArray *logs;       /* char * */

static void
fake_log(HermodLogLevel level, const char *session, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_ptr_array_add(logs, g_strdup_vprintf(fmt, ap));
    va_end(ap);
}

static const char *
fake_setting_string(HermodModule *self, const char *key)
{
    const HermodSetting *s = hermod_module_settings(self);
    const char *value = settings ? g_hash_table_lookup(settings, key) : NULL;

    if (value != NULL)
        return value;
    for (; s != NULL && s->key != NULL; s++) {
        if (strcmp(s->key, key) == 0)
            return s->default_value;
    }
    g_error("module %s asked for unknown setting %s", hermod_module_name(self), key);
}

static gint64
fake_setting_int(HermodModule *self, const char *key)
{
    const char *value = fake_setting_string(self, key);

    return value ? g_ascii_strtoll(value, NULL, 10) : 0;
}

static const char *
fake_hostname(void)
{
    return "mail.example.test";
}

static gboolean
fake_register_protocol(HermodModule *self, const char *name, const HermodProtocol *proto,
                       GError **error)
{
    if (g_hash_table_contains(protocols, name)) {
        g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_EXIST, "protocol %s already registered",
                    name);
        return FALSE;
    }
    g_hash_table_insert(protocols, g_strdup(name), (gpointer)proto);
    return TRUE;
}

static void
fake_conn_write(HermodConn *conn, const void *data, gsize len)
{
    if (!conn->is_closed)
        g_string_append_len(conn->out, data, len);
}

static void
fake_conn_printf(HermodConn *conn, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    if (!conn->is_closed)
        g_string_append_vprintf(conn->out, fmt, ap);
    va_end(ap);
}

static void
fake_conn_close(HermodConn *conn)
{
    conn->is_closed = TRUE;
}

static gboolean
fake_conn_is_closed(HermodConn *conn)
{
    return conn->is_closed;
}

static const char *
fake_conn_peer(HermodConn *conn)
{
    return "127.0.0.1";
}

static const char *
fake_conn_session(HermodConn *conn)
{
    return "fakesession1";
}

static void
fake_conn_set_data(HermodConn *conn, gpointer data)
{
    conn->data = data;
}

static gpointer
fake_conn_get_data(HermodConn *conn)
{
    return conn->data;
}

const HermodApi *
fake_api_reset(GHashTable *values)
{
    g_clear_pointer(&settings, g_hash_table_unref);
    g_clear_pointer(&protocols, g_hash_table_unref);
    g_clear_pointer(&logs, g_ptr_array_unref);
    settings = values ? g_hash_table_ref(values) : NULL;
    protocols = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    logs = g_ptr_array_new_with_free_func(g_free);
    table = (HermodApi){
        .struct_size = sizeof(HermodApi),
        .abi_major = HERMOD_ABI_MAJOR,
        .abi_minor = HERMOD_ABI_MINOR,
        .log = fake_log,
        .setting_string = fake_setting_string,
        .setting_int = fake_setting_int,
        .hostname = fake_hostname,
        .register_protocol = fake_register_protocol,
        .conn_write = fake_conn_write,
        .conn_printf = fake_conn_printf,
        .conn_close = fake_conn_close,
        .conn_is_closed = fake_conn_is_closed,
        .conn_peer = fake_conn_peer,
        .conn_session = fake_conn_session,
        .conn_set_data = fake_conn_set_data,
        .conn_get_data = fake_conn_get_data,
    };
    return &table;
}

const HermodProtocol *
fake_api_protocol(const char *name)
{
    return g_hash_table_lookup(protocols, name);
}

char *
fake_api_logs(void)
{
    g_ptr_array_add(logs, NULL);
    char *joined = g_strjoinv("\n", (char **)logs->pdata);
    g_ptr_array_remove_index(logs, logs->len - 1);
    return joined;
}

HermodConn *
fake_conn_new(void)
{
    HermodConn *conn = g_new0(HermodConn, 1);

    conn->out = g_string_new(NULL);
    return conn;
}

void
fake_conn_free(HermodConn *conn)
{
    g_string_free(conn->out, TRUE);
    g_free(conn);
}

char *
fake_conn_take(HermodConn *conn)
{
    char *s = g_strdup(conn->out->str);

    g_string_truncate(conn->out, 0);
    return s;
}

char *
fake_module_copy(const char *built, const char *dir, const char *as)
{
    g_autofree char *src = NULL;
    g_autofree char *file = g_strconcat(as, ".so", NULL);
    char *dst = g_build_filename(dir, file, NULL);
    g_autofree char *data = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;

    if (g_path_is_absolute(built))
        src = g_strdup(built);
    else
        src = g_strdup_printf("%s/tests/abi/.libs/%s.so", HERMOD_TEST_BUILDDIR, built);
    g_file_get_contents(src, &data, &len, &error);
    g_assert_no_error(error);
    g_file_set_contents_full(dst, data, len, G_FILE_SET_CONTENTS_CONSISTENT, 0755, &error);
    g_assert_no_error(error);
    g_assert_cmpint(chmod(dst, 0755), ==, 0);
    return dst;
}

void
fake_rmdir(const char *dir)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    const char *name;

    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);

        if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            fake_rmdir(path);
        else
            g_unlink(path);
    }
    g_rmdir(dir);
}
