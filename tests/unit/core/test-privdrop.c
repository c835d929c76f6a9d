/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-privdrop.c - whom hermodd runs as, and that dropping root sticks.
 *
 * The decisions are tested for root and non-root runs alike; the drop
 * itself runs in a forked child (it cannot be undone), only when the test
 * runs as root and the system has the "nobody" account.
 */
#include "autoconfig.h"

#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermodd/sections.h"
#include "config/config.h"
#include "hermodd/privdrop.h"

static HermodConfig *
config_with(const char *user, const char *group)
{
    g_autofree char *text = g_strdup_printf("[core]\nuser = %s\ngroup = %s\n", user, group);
    g_autoptr(GError) error = NULL;
    HermodConfig *cfg = hermod_config_load_data(text, "t.conf", NULL, &error);

    g_assert_no_error(error);
    return cfg;
}

static gboolean
prepare(const char *user, const char *group, HermodPrivdrop *p, GError **error)
{
    g_autoptr(HermodConfig) cfg = config_with(user, group);

    return hermod_privdrop_prepare(cfg, p, error);
}

static void
test_decisions(void)
{
    HermodPrivdrop p;
    g_autoptr(GError) error = NULL;
    gboolean is_root = geteuid() == 0;

    g_assert_true(prepare("root", "", &p, &error));
    g_assert_false(p.is_needed);

    /* An unknown user only matters to root. */
    g_assert_true(prepare("no-such-user-hermod", "", &p, &error) != is_root);
    if (is_root) {
        g_assert_cmpstr(error->message, ==, "[core] user: no user named \"no-such-user-hermod\"");
        g_clear_error(&error);
    }
    if (!is_root || getpwnam("nobody") == NULL) {
        g_test_skip("not root, or no user nobody");
        return;
    }
    g_assert_true(prepare("nobody", "", &p, &error));
    g_assert_no_error(error);
    g_assert_true(p.is_needed);
    g_assert_cmpuint(p.uid, ==, getpwnam("nobody")->pw_uid);
    hermod_privdrop_clear(&p);
    g_assert_false(prepare("nobody", "no-such-group-hermod", &p, &error));
    g_assert_cmpstr(error->message, ==, "[core] group: no group named \"no-such-group-hermod\"");
    g_clear_error(&error);
    if (getpwnam("hermod") == NULL) {
        g_assert_false(prepare("", "", &p, &error));
        g_assert_nonnull(strstr(error->message, "user = root"));
    }
}

/* Can any user walk down to path?  Each folder above it must be
 * searchable by others (a chroot whose / is 0700 is not: there the
 * dropped user could reach no data folder at all, test or daemon). */
static gboolean
is_reachable_by_others(const char *where)
{
    g_autofree char *path = g_canonicalize_filename(where, NULL);

    for (;;) {
        g_autofree char *up = g_path_get_dirname(path);
        struct stat st;
        if (g_stat(up, &st) != 0 || (st.st_mode & S_IXOTH) == 0)
            return FALSE;
        if (strcmp(up, path) == 0)
            return TRUE;
        g_free(path);
        path = g_steal_pointer(&up);
    }
}

static void
test_apply(void)
{
    if (geteuid() != 0 || getpwnam("nobody") == NULL) {
        g_test_skip("needs root and the user nobody");
        return;
    }
    g_autofree char *inside_tmp = g_build_filename(g_get_tmp_dir(), "x", NULL);
    if (!is_reachable_by_others(inside_tmp)) {
        g_test_skip("a folder above the temporary folder is closed to other users");
        return;
    }
    if (g_test_subprocess()) {
        g_autoptr(GError) error = NULL;
        g_autofree char *dir = g_dir_make_tmp("hermod-privdrop-XXXXXX", &error);
        g_autofree char *sub = g_build_filename(dir, "certs", NULL);
        g_autofree char *file = g_build_filename(sub, "a.key", NULL);
        HermodPrivdrop p;
        struct stat st;

        g_assert_no_error(error);
        g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
        g_assert_true(g_file_set_contents(file, "k", -1, NULL));
        g_assert_true(prepare("nobody", "", &p, &error));
        g_assert_true(hermod_privdrop_apply(&p, dir, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(geteuid(), ==, p.uid);
        g_assert_cmpint(setuid(0), !=, 0);
        g_assert_cmpint(g_stat(file, &st), ==, 0);
        g_assert_cmpuint(st.st_uid, ==, p.uid);
        g_assert_cmpint(g_unlink(file), ==, 0); /* as nobody: the folders are its own */
        g_assert_cmpint(g_rmdir(sub), ==, 0);
        g_assert_cmpint(g_rmdir(dir), ==, 0);
        hermod_privdrop_clear(&p);
        return;
    }
    g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
    g_test_trap_assert_passed();
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(hermod_core_sections);
    g_test_add_func("/privdrop/decisions", test_decisions);
    g_test_add_func("/privdrop/apply", test_apply);
    return g_test_run();
}
