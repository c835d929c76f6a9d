/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-module.c - the module loader (core/plugin/module.c): finding NAME.so in the
 * module dirs, the owner and mode checks, refusing files that are not
 * Hermod modules or call themselves by another name, and the init, reload
 * and shutdown life cycle.
 *
 * The good module is tests/abi/old-module.c; it is copied into a private
 * temporary folder so that the mode checks do not depend on the umask.
 * ABI version refusals are tested in tests/abi/test-abi.c; both run the
 * module on the unit tests' fake core (tests/unit/fake-core.h).
 */
#include "autoconfig.h"

#include <glib/gstdio.h>
#include <unistd.h>

#include "fake-core.h"
#include "module-copy.h"
#include "plugin/module.h"
#include "tmpdir.h"

/* The fake core as hermodd hands it to old-module (protocol "old"). */
static const FakeCoreSpec old_core = {
    .protocol = "old",
    .hostname = "mail.example.test",
    .settings_of = hermod_module_settings,
};

typedef struct {
    char *dir;  /* private (0700) temporary folder */
    char *good; /* dir/old-module.so, mode 0755 */
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    f->dir = g_dir_make_tmp("hermod-module-XXXXXX", &error);
    g_assert_no_error(error);
    f->good = test_module_copy("old-module", f->dir, "old-module");
}

static void
teardown(Fixture *f, gconstpointer data)
{
    g_chmod(f->dir, 0700);
    test_rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->good);
}

static void
test_search_list(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *list = g_strdup_printf("/nonexistent/a; ;%s", f->dir);
    g_autoptr(HermodModule) mod = hermod_module_open(list, "old-module", &error);

    g_assert_no_error(error);
    g_assert_nonnull(mod);
    g_assert_cmpstr(hermod_module_path(mod), ==, f->good);
    g_assert_cmpstr(hermod_module_name(mod), ==, "old-module");
    g_assert_cmpstr(hermod_module_descriptor(mod)->version, ==, "1.0");
    g_assert_cmpuint(hermod_module_descriptor(mod)->abi_major, ==, 1);
    g_assert_cmpstr(hermod_module_settings(mod)[0].key, ==, "banner");
    g_assert_false(hermod_module_is_initialized(mod));
}

static void
test_direct_path(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodModule) mod = hermod_module_open(f->good, "old-module", &error);

    g_assert_no_error(error);
    g_assert_cmpstr(hermod_module_path(mod), ==, f->good);
}

static void
test_not_found(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, "nosuch", &error);

    g_assert_null(mod);
    g_assert_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_NOT_FOUND);
    g_assert_true(g_str_has_prefix(error->message, "nosuch.so: not found in module dir "));
    g_assert_nonnull(strstr(error->message, f->dir));
}

static void
test_bad_names(Fixture *f, gconstpointer data)
{
    const char *names[] = {"", "../old-module", "Old", "old module", "a/b", NULL};

    for (const char **n = names; *n != NULL; n++) {
        g_autoptr(GError) error = NULL;
        HermodModule *mod = hermod_module_open(f->dir, *n, &error);

        g_assert_null(mod);
        g_assert_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_NOT_FOUND);
    }
}

static void
assert_unsafe(const char *where, const char *name, const char *expect)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodModule) mod = hermod_module_open(where, name, &error);

    g_assert_null(mod);
    g_assert_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_UNSAFE);
    g_assert_true(g_str_has_prefix(error->message, where));
    g_assert_nonnull(strstr(error->message, expect));
}

static void
test_group_writable_file(Fixture *f, gconstpointer data)
{
    g_assert_cmpint(g_chmod(f->good, 0664), ==, 0);
    assert_unsafe(f->good, "old-module", "file");
    g_assert_cmpint(g_chmod(f->good, 0757), ==, 0);
    assert_unsafe(f->good, "old-module", "writable by group or others (mode 0757)");
}

static void
test_writable_folder(Fixture *f, gconstpointer data)
{
    g_assert_cmpint(g_chmod(f->dir, 0777), ==, 0);
    assert_unsafe(f->good, "old-module", "folder");
    /* A symlink from a safe folder to a file in an unsafe one is refused too. */
    g_autofree char *safe = g_dir_make_tmp("hermod-module-XXXXXX", NULL);
    g_autofree char *link = g_build_filename(safe, "old-module.so", NULL);
    g_assert_cmpint(symlink(f->good, link), ==, 0);
    assert_unsafe(link, "old-module", "writable by group or others");
    test_rm_rf(safe);
}

static void
test_symlink_to_safe_file(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *sub = g_build_filename(f->dir, "links", NULL);
    g_autofree char *link = g_build_filename(sub, "old-module.so", NULL);
    g_assert_cmpint(g_mkdir(sub, 0755), ==, 0);
    g_assert_cmpint(symlink(f->good, link), ==, 0);
    g_autoptr(HermodModule) mod = hermod_module_open(sub, "old-module", &error);

    g_assert_no_error(error);
    g_assert_cmpstr(hermod_module_path(mod), ==, link);
}

static void
test_foreign_owner(Fixture *f, gconstpointer data)
{
    if (geteuid() != 0) {
        g_test_skip("needs root to give the file to another user");
        return;
    }
    g_assert_cmpint(chown(f->good, 65534, 65534), ==, 0);
    assert_unsafe(f->good, "old-module", "is owned by uid 65534, not root or uid 0");
}

static void
test_not_a_module(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *probe = test_module_copy("probe", f->dir, "probe");
    g_autoptr(HermodModule) mod = hermod_module_open(probe, "probe", &error);

    g_assert_null(mod);
    g_assert_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_LOAD);
    g_assert_cmpstr(strstr(error->message, ": not a Hermod module"), !=, NULL);
}

static void
test_garbage_file(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(f->dir, "junk.so", NULL);
    g_assert_true(g_file_set_contents(path, "not ELF", -1, NULL));
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, "junk", &error);

    g_assert_null(mod);
    g_assert_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_LOAD);
    g_assert_true(g_str_has_prefix(error->message, path));
}

static void
test_wrong_name(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *other = test_module_copy("old-module", f->dir, "other");
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, "other", &error);

    g_assert_null(mod);
    g_assert_error(error, HERMOD_MODULE_ERROR, HERMOD_MODULE_ERROR_DESCRIPTOR);
    g_autofree char *expect =
        g_strdup_printf("%s: module calls itself \"old-module\", expected \"other\"", other);
    g_assert_cmpstr(error->message, ==, expect);
}

static void
test_life_cycle(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, "old-module", &error);
    const HermodApi *api = fake_core_table(&old_core);

    g_assert_no_error(error);
    hermod_module_reload(mod); /* not initialised: nothing runs */
    g_assert_true(hermod_module_init(mod, api, &error));
    g_assert_no_error(error);
    g_assert_true(hermod_module_is_initialized(mod));
    g_assert_nonnull(fake_protocol());
    hermod_module_reload(mod); /* no reload callback: a no-op */
    hermod_module_shutdown(mod);
    g_assert_false(hermod_module_is_initialized(mod));
    hermod_module_shutdown(mod); /* only once */
    g_assert_true(g_str_has_suffix(fake_log(), "] old module: shutdown\n"));
}

static void
test_init_refused(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodModule) mod = hermod_module_open(f->dir, "old-module", &error);
    HermodApi small = *fake_core_table(&old_core);

    /* A core table that ends before register_protocol: the module checks
     * HERMOD_API_HAS and refuses; the loader prefixes the file. */
    small.struct_size = G_STRUCT_OFFSET(HermodApi, register_protocol);
    g_assert_false(hermod_module_init(mod, &small, &error));
    g_assert_error(error, g_quark_from_string("old-module-error"), 1);
    g_autofree char *expect = g_strdup_printf("%s: core function table too small", f->good);
    g_assert_true(g_str_has_prefix(error->message, expect));
    g_assert_false(hermod_module_is_initialized(mod));
    hermod_module_close(NULL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add(path, Fixture, NULL, setup, fn, teardown)
    ADD("/module/search-list", test_search_list);
    ADD("/module/direct-path", test_direct_path);
    ADD("/module/not-found", test_not_found);
    ADD("/module/bad-names", test_bad_names);
    ADD("/module/unsafe/group-writable-file", test_group_writable_file);
    ADD("/module/unsafe/writable-folder", test_writable_folder);
    ADD("/module/unsafe/foreign-owner", test_foreign_owner);
    ADD("/module/symlink-to-safe-file", test_symlink_to_safe_file);
    ADD("/module/not-a-module", test_not_a_module);
    ADD("/module/garbage-file", test_garbage_file);
    ADD("/module/wrong-name", test_wrong_name);
    ADD("/module/life-cycle", test_life_cycle);
    ADD("/module/init-refused", test_init_refused);
    return g_test_run();
}
