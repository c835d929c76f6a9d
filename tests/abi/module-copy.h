/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * module-copy.h - put a module built in this tree into a test's private
 * folder with the owner and mode the loader's checks want, whatever the
 * build's umask.  Header-only, for the loader tests (tests/abi/test-abi.c,
 * tests/unit/core/test-module.c); the folder goes with test_rm_rf
 * (tests/unit/tmpdir.h).
 */
#ifndef HERMOD_TESTS_MODULE_COPY_H
#define HERMOD_TESTS_MODULE_COPY_H

#include <sys/stat.h>

#include <glib.h>

/* Copy BUILDDIR/tests/abi/.libs/BUILT.so (or the absolute path built) into
 * dir as AS.so, mode 0755.  Returns the new path (transfer full); aborts
 * the test on failure. */
static inline char *
test_module_copy(const char *built, const char *dir, const char *as)
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

#endif
