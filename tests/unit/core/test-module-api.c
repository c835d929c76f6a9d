/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-module-api.c - the function table handed to modules: every member
 * is wired, the header fields are right, settings read the module's own
 * section of the current config with its table's defaults, and
 * register_protocol hands listeners the core's zero-filled copy of the
 * module's HermodProtocol, never the module's own struct.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hermodd/sections.h"
#include "config/config.h"
#include "lib/loop.h"
#include "net/listener.h"
#include "plugin/module-api.h"
#include "plugin/module.h"

/* Renamed public names stay as deprecated aliases with the same values, so
 * that third-party modules written against them still compile. */
G_GNUC_BEGIN_IGNORE_DEPRECATIONS
G_STATIC_ASSERT(HERMOD_MSG_SEEN == HERMOD_MAIL_FLAG_SEEN);
G_STATIC_ASSERT(HERMOD_MSG_ANSWERED == HERMOD_MAIL_FLAG_ANSWERED);
G_STATIC_ASSERT(HERMOD_MSG_FLAGGED == HERMOD_MAIL_FLAG_FLAGGED);
G_STATIC_ASSERT(HERMOD_MSG_DELETED == HERMOD_MAIL_FLAG_DELETED);
G_STATIC_ASSERT(HERMOD_MSG_DRAFT == HERMOD_MAIL_FLAG_DRAFT);
G_GNUC_END_IGNORE_DEPRECATIONS

static void
test_every_member_set(void)
{
    const HermodApi *api = hermod_module_api();
    const guint8 *base = (const guint8 *)api;
    gsize first = G_STRUCT_OFFSET(HermodApi, log);

    g_assert_cmpuint(api->struct_size, ==, sizeof(HermodApi));
    g_assert_cmpuint(api->abi_major, ==, HERMOD_ABI_MAJOR);
    g_assert_cmpuint(api->abi_minor, ==, HERMOD_ABI_MINOR);
    g_assert_true(HERMOD_API_HAS(api, msg_free));
    /* After the three numbers the table is all function pointers. */
    for (gsize off = first; off + sizeof(gpointer) <= sizeof(HermodApi); off += sizeof(gpointer)) {
        gpointer fn;
        memcpy(&fn, base + off, sizeof(fn));
        if (fn == NULL)
            g_error("HermodApi member at offset %" G_GSIZE_FORMAT " is not wired", off);
    }
}

static void
test_hostname(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodConfig) cfg =
        hermod_config_load_data("[core]\nhostname = mx.example.test\n", "t.conf", NULL, &error);

    g_assert_no_error(error);
    hermod_config_set_current(cfg);
    g_assert_cmpstr(hermod_module_api()->hostname(), ==, "mx.example.test");
    hermod_config_set_current(NULL);
}

/* tests/abi/old-module.so, loaded, not initialised: a HermodModule for the
 * calls that take one.  (transfer full) */
static HermodModule *
open_old_module(void)
{
    const char *build = g_getenv("HERMOD_BUILDDIR");
    g_autofree char *path = g_build_filename(build != NULL ? build : ".", "tests", "abi", ".libs",
                                             "old-module.so", NULL);
    g_autoptr(GError) error = NULL;
    HermodModule *mod = hermod_module_open(path, "old-module", &error);

    g_assert_no_error(error);
    return mod;
}

/* tests/abi/old-module.so: [old-module] banner (STRING), repeat (INT 1). */
static void
test_settings(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodModule) mod = open_old_module();
    g_autoptr(HermodConfig) cfg = hermod_config_load_data(
        "[core]\nmodules = old-module\n[old-module]\nbanner = hi there\n", "t.conf", NULL, &error);
    const HermodApi *api = hermod_module_api();

    g_assert_no_error(error);
    g_assert_true(
        hermod_config_check_section(cfg, "old-module", hermod_module_settings(mod), &error));
    hermod_config_set_current(cfg);
    g_assert_cmpstr(api->setting_string(mod, "banner"), ==, "hi there");
    g_assert_cmpint(api->setting_int(mod, "repeat"), ==, 1);
    hermod_config_set_current(NULL);
}

/* --- register_protocol keeps a copy */

static gint greeted, closed;

static void
copy_on_connect(HermodConn *conn)
{
    g_atomic_int_inc(&greeted);
    hermod_module_api()->conn_write(conn, "hi\r\n", 4);
}

static void
copy_on_line(HermodConn *conn, const char *line, gsize len, gboolean is_partial)
{
}

static void
copy_on_data(HermodConn *conn, const guint8 *data, gsize len, gboolean is_last)
{
}

static void
copy_on_close(HermodConn *conn)
{
    g_atomic_int_inc(&closed);
}

/* Connect to listener name, read n bytes (5 s at most); (transfer full). */
static char *
client_read(const char *name, gsize n)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(hermod_listener_port(name))};
    struct timeval tv = {.tv_sec = 5};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    char *buf = g_malloc0(n + 1);
    gsize got = 0;

    g_assert_cmpint(fd, >=, 0);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr);
    g_assert_cmpint(connect(fd, (struct sockaddr *)&sin, sizeof sin), ==, 0);
    for (ssize_t r = 1; got < n && r > 0; got += (gsize)MAX(r, 0))
        r = read(fd, buf + got, n - got);
    close(fd);
    return buf;
}

/* The module overwrites its struct right after registering it; a
 * connection must still get the callbacks it registered. */
static void
test_protocol_copied(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodModule) mod = open_old_module();
    g_autoptr(HermodConfig) cfg = hermod_config_load_data(
        "[listener copy]\nprotocol = copytest\naddress = 127.0.0.1\nport = 0\n", "t.conf", NULL,
        &error);
    g_autofree HermodProtocol *mine = g_new0(HermodProtocol, 1);
    g_autofree char *greeting = NULL;

    g_assert_no_error(error);
    g_assert_true(hermod_loops_start(1, &error));
    g_assert_true(hermod_listeners_bind(cfg, &error));
    *mine = (HermodProtocol){.struct_size = sizeof(HermodProtocol),
                             .on_connect = copy_on_connect,
                             .on_line = copy_on_line,
                             .on_close = copy_on_close};
    g_assert_true(hermod_module_api()->register_protocol(mod, "copytest", mine, &error));
    memset(mine, 0, sizeof *mine); /* every callback NULL, struct_size 0 */
    g_assert_true(hermod_listeners_check_attached(&error));
    g_assert_true(hermod_listeners_start(&error));
    g_assert_no_error(error);
    greeting = client_read("copy", 4);
    g_assert_cmpstr(greeting, ==, "hi\r\n");
    for (int i = 0; i < 500 && g_atomic_int_get(&closed) == 0; i++)
        g_usleep(10000);
    g_assert_cmpint(g_atomic_int_get(&greeted), ==, 1);
    g_assert_cmpint(g_atomic_int_get(&closed), ==, 1);
    hermod_listeners_stop();
    hermod_loops_stop();
}

/* A struct shorter than the core's: only struct_size bytes are read, the
 * rest of the copy is NULL.  The bytes live in an allocation of exactly
 * that size, so that ASan sees any read past it. */
static void
test_protocol_short(void)
{
    g_autoptr(HermodModule) mod = open_old_module();
    gsize n = G_STRUCT_OFFSET(HermodProtocol, on_data);
    HermodProtocol full = {.struct_size = (guint32)n,
                           .on_connect = copy_on_connect,
                           .on_line = copy_on_line,
                           .on_data = copy_on_data, /* past struct_size: ignored */
                           .on_close = copy_on_close};
    g_autofree guint8 *bytes = g_memdup2(&full, n);
    const HermodProtocol *copy = hermod_module_copy_protocol(mod, (const HermodProtocol *)bytes);

    g_assert_true((gconstpointer)copy != (gconstpointer)bytes);
    g_assert_cmpuint(copy->struct_size, ==, n);
    g_assert_true(copy->on_connect == copy_on_connect);
    g_assert_true(copy->on_line == copy_on_line);
    g_assert_null(copy->on_data);
    g_assert_null(copy->on_writable);
    g_assert_null(copy->on_close);
}

/* A struct_size beyond the core's sizeof: the copy stops at the core's. */
static void
test_protocol_long(void)
{
    g_autoptr(HermodModule) mod = open_old_module();
    gsize n = sizeof(HermodProtocol) + 64;
    g_autofree guint8 *bytes = g_malloc(n);
    HermodProtocol head = {
        .struct_size = (guint32)n, .on_connect = copy_on_connect, .on_close = copy_on_close};
    const HermodProtocol *copy;

    memset(bytes, 0xa5, n);
    memcpy(bytes, &head, sizeof head);
    copy = hermod_module_copy_protocol(mod, (const HermodProtocol *)bytes);
    g_assert_cmpuint(copy->struct_size, ==, sizeof(HermodProtocol));
    g_assert_true(copy->on_connect == copy_on_connect);
    g_assert_null(copy->on_line);
    g_assert_true(copy->on_close == copy_on_close);
}

/* Shorter than ABI 1.0's struct, or without on_close: refused. */
static void
test_protocol_refused(void)
{
    g_autoptr(HermodModule) mod = open_old_module();
    g_autoptr(GError) error = NULL;
    HermodProtocol p = {.struct_size = G_STRUCT_OFFSET(HermodProtocol, on_close),
                        .on_close = copy_on_close};

    g_assert_false(hermod_module_api()->register_protocol(mod, "refused", &p, &error));
    g_assert_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_INIT);
    g_clear_error(&error);
    p = (HermodProtocol){.struct_size = sizeof p};
    g_assert_false(hermod_module_api()->register_protocol(mod, "refused", &p, &error));
    g_assert_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_INIT);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(hermod_core_sections);
    g_test_add_func("/module-api/every-member-set", test_every_member_set);
    g_test_add_func("/module-api/hostname", test_hostname);
    g_test_add_func("/module-api/settings", test_settings);
    g_test_add_func("/module-api/protocol-copied", test_protocol_copied);
    g_test_add_func("/module-api/protocol-short", test_protocol_short);
    g_test_add_func("/module-api/protocol-long", test_protocol_long);
    g_test_add_func("/module-api/protocol-refused", test_protocol_refused);
    return g_test_run();
}
