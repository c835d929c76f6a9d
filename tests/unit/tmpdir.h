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

static inline void
test_rm_rf(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        if (g_file_test(child, G_FILE_TEST_IS_DIR) && !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
            test_rm_rf(child);
        else
            g_unlink(child);
    }
    if (dir != NULL)
        g_dir_close(dir);
    g_rmdir(path);
}

#endif
