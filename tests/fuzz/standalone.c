/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * standalone.c - a main() for fuzz targets when libFuzzer is not used.
 *
 * Feeds every file named on the command line to LLVMFuzzerTestOneInput
 * once, so that `make check` runs each target over its corpus with any
 * compiler (and under ASan/UBSan with --enable-sanitizers).  With
 * --enable-fuzzing the target links libFuzzer's main() instead.
 */
#include "autoconfig.h"

#include <stdio.h>

#include <glib.h>

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *data = NULL;
        gsize len = 0;

        if (!g_file_get_contents(argv[i], &data, &len, &error)) {
            fprintf(stderr, "%s: %s\n", argv[0], error->message);
            return 1;
        }
        LLVMFuzzerTestOneInput((const guint8 *)data, len);
    }
    return 0;
}
