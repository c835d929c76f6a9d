/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-abi.c - old and foreign module binaries against today's loader.
 *
 * A module built against the frozen 1.0 headers must load and work through
 * today's HermodApi; modules claiming ABI 2.0, a newer minor, or a short
 * descriptor must be refused with a message naming the file and both
 * versions, without any of their code running (their entry points write
 * $HERMOD_TEST_MARKER and abort); the example module, built out of tree
 * against an installed copy of the headers and hermod.pc, must load and
 * speak its protocol.  The modules run on the unit tests' fake core
 * (tests/unit/fake-core.h).  The structs themselves are compared by
 * check-abi.sh.
 */
#include "autoconfig.h"

#include <glib/gstdio.h>

#include "fake-core.h"
#include "module-copy.h"
#include "plugin/module.h"
#include "tmpdir.h"

typedef struct {
    char *dir;
    char *marker;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("hermod-abi-XXXXXX", NULL);
    g_assert_nonnull(f->dir);
    f->marker = g_build_filename(f->dir, "module-code-ran", NULL);
    g_setenv("HERMOD_TEST_MARKER", f->marker, TRUE);
}

static void
teardown(Fixture *f, gconstpointer data)
{
    g_unsetenv("HERMOD_TEST_MARKER");
    test_rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->marker);
}

/* The fake core's table as hermodd would hand it to a module that
 * registers protocol (transfer none). */
static const HermodApi *
core_for(const char *protocol)
{
    static FakeCoreSpec spec;

    spec = (FakeCoreSpec){
        .protocol = protocol,
        .hostname = "mail.example.test",
        .settings_of = hermod_module_settings,
    };
    return fake_core_table(&spec);
}

/* Connect, feed text, return everything the module wrote (transfer full);
 * on_close has run and left no session behind. */
static char *
converse(const char *text, gboolean *out_closed)
{
    HermodConn *conn = fake_conn_open("test", FALSE, FALSE);

    fake_feed(conn, text, -1);
    *out_closed = fake_is_closed(conn);
    char *out = fake_take(conn);
    fake_conn_free(conn);
    return out;
}

static void
test_old_module(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = test_module_copy("old-module", f->dir, "old-module");
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, "old-module", &error);
    const HermodApi *api = core_for("old");
    gboolean closed = FALSE;

    g_assert_no_error(error);
    g_assert_cmpuint(hermod_module_descriptor(mod)->abi_minor, ==, 0);
    fake_set_setting("banner", "configured banner");
    g_assert_true(hermod_module_init(mod, api, &error));
    g_assert_no_error(error);
    g_autofree char *out = converse("a1 NOOP\r\nBYE\r\nnever read\r\n", &closed);
    g_assert_cmpstr(out, ==, "* mail.example.test configured banner\r\necho: a1 NOOP\r\n* bye\r\n");
    g_assert_true(closed);
    hermod_module_shutdown(mod);
    g_autofree char *expect =
        g_strdup_printf("%d [-] old module: built for ABI 1.0, core has %d.%d\n"
                        "%d [-] old module: shutdown\n",
                        HERMOD_LOG_INFO, HERMOD_ABI_MAJOR, HERMOD_ABI_MINOR, HERMOD_LOG_INFO);
    g_assert_cmpstr(fake_log(), ==, expect);
}

static void
assert_refused(Fixture *f, const char *name, int code, const char *expect_tail)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = test_module_copy(name, f->dir, name);
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, name, &error);
    g_autofree char *expect = g_strdup_printf("%s: %s", path, expect_tail);

    g_assert_null(mod);
    g_assert_error(error, HERMOD_MODULE_ERROR, code);
    g_assert_cmpstr(error->message, ==, expect);
    g_assert_false(g_file_test(f->marker, G_FILE_TEST_EXISTS));
}

/* A module built for ABI 1.1 passes the loader's checks without any of its
 * code running (its entry points would write the marker and abort). */
static void
test_minor_1_1_accepted(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = test_module_copy("minor-1-1", f->dir, "minor-1-1");
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, "minor-1-1", &error);

    g_assert_no_error(error);
    g_assert_cmpuint(hermod_module_descriptor(mod)->abi_major, ==, 1);
    g_assert_cmpuint(hermod_module_descriptor(mod)->abi_minor, ==, 1);
    g_assert_false(g_file_test(f->marker, G_FILE_TEST_EXISTS));
}

static void
test_abi2_refused(Fixture *f, gconstpointer data)
{
    g_autofree char *tail = g_strdup_printf("module built for ABI 2.0, this hermodd has ABI %d.%d",
                                            HERMOD_ABI_MAJOR, HERMOD_ABI_MINOR);

    assert_refused(f, "abi2", HERMOD_MODULE_ERROR_ABI, tail);
}

static void
test_future_minor_refused(Fixture *f, gconstpointer data)
{
    g_autofree char *tail =
        g_strdup_printf("module built for ABI %d.%d, this hermodd has ABI %d.%d", HERMOD_ABI_MAJOR,
                        HERMOD_ABI_MINOR + 1, HERMOD_ABI_MAJOR, HERMOD_ABI_MINOR);

    assert_refused(f, "future-minor", HERMOD_MODULE_ERROR_ABI, tail);
}

static void
test_short_struct_refused(Fixture *f, gconstpointer data)
{
    assert_refused(f, "short-struct", HERMOD_MODULE_ERROR_DESCRIPTOR,
                   "bad descriptor: struct_size does not match its ABI version");
}

static void
test_bad_settings_refused(Fixture *f, gconstpointer data)
{
    assert_refused(f, "bad-settings", HERMOD_MODULE_ERROR_DESCRIPTOR,
                   "bad descriptor: an ENUM setting has no choices (row 1)");
}

static void
test_example(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *built =
        g_build_filename(HERMOD_TEST_BUILDDIR, "tests/abi/example/hello.so", NULL);
    g_autofree char *path = test_module_copy(built, f->dir, "hello");
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, "hello", &error);
    gboolean closed = FALSE;

    g_assert_no_error(error);
    g_assert_cmpstr(hermod_module_descriptor(mod)->version, ==, "1.0");
    g_assert_true(hermod_module_init(mod, core_for("hello"), &error));
    g_assert_no_error(error);
    g_autofree char *out = converse("Hello, World\r\nmixed Case\nquit\r\nignored\r\n", &closed);
    g_assert_cmpstr(out, ==,
                    "+OK mail.example.test hello, say something (QUIT to leave)\r\n"
                    "HELLO, WORLD\r\nMIXED CASE\r\n+OK bye after 2 lines\r\n");
    g_assert_true(closed);
}

static void
test_example_max_lines(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *built =
        g_build_filename(HERMOD_TEST_BUILDDIR, "tests/abi/example/hello.so", NULL);
    g_autofree char *path = test_module_copy(built, f->dir, "hello");
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, "hello", &error);
    const HermodApi *api = core_for("hello");
    gboolean closed = FALSE;

    fake_set_setting("greeting", "hi");
    fake_set_setting("max_lines", "2");
    g_assert_no_error(error);
    g_assert_true(hermod_module_init(mod, api, &error));
    g_autofree char *out = converse("one\r\ntwo\r\nthree\r\n", &closed);
    g_assert_cmpstr(out, ==, "+OK mail.example.test hi\r\nONE\r\nTWO\r\n-ERR too many lines\r\n");
    g_assert_true(closed);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
    ADD("/abi/frozen-1.0-module-loads-and-runs", test_old_module);
    ADD("/abi/minor-1-1-accepted", test_minor_1_1_accepted);
    ADD("/abi/refused/major-2", test_abi2_refused);
    ADD("/abi/refused/newer-minor", test_future_minor_refused);
    ADD("/abi/refused/short-descriptor", test_short_struct_refused);
    ADD("/abi/refused/bad-settings", test_bad_settings_refused);
    ADD("/abi/example/hello", test_example);
    ADD("/abi/example/hello-max-lines", test_example_max_lines);
    return g_test_run();
}
