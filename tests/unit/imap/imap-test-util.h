/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * imap-test-util.h - helpers shared by the FETCH/SEARCH unit tests: load
 * a message of tests/data/imap.
 */
#ifndef HERMOD_IMAP_TEST_UTIL_H
#define HERMOD_IMAP_TEST_UTIL_H

#include <glib.h>

/* The bytes of tests/data/imap/name; aborts the test if unreadable. */
static inline GBytes *
imap_test_load(const char *name)
{
    g_autofree char *path = g_build_filename(IMAP_TEST_DATA, name, NULL);
    g_autoptr(GError) error = NULL;
    char *text = NULL;
    gsize len = 0;

    g_file_get_contents(path, &text, &len, &error);
    g_assert_no_error(error);
    return g_bytes_new_take(text, len);
}

#endif
