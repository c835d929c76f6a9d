/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tmpdir.h - remove a test's temporary folder and everything in it
 * (symbolic links are removed, never followed).  Header-only, for every
 * unit test that makes one (tests/unit/ is on their include path).
 */
#ifndef HERMOD_TESTS_TMPDIR_H
#define HERMOD_TESTS_TMPDIR_H

#include <glib.h>
#include <glib/gstdio.h>

/* TRUE if path and everything in it are gone. */
static inline gboolean
test_rm_rf(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    const char *name;
    gboolean ok = TRUE;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            ok &= test_rm_rf(child);
        else
            ok &= g_unlink(child) == 0;
    }
    if (dir != NULL)
        g_dir_close(dir);
    return g_rmdir(path) == 0 && ok;
}

#endif
