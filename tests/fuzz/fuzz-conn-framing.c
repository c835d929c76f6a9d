/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-conn-framing.c - fuzz target: the core's line framing with counted
 * data (core/net/conn-input.c) on a real connection over a socketpair.
 *
 * The first input byte picks [limits] line_max (16, 100, 4096 or 20000,
 * see harness_line_max); the rest is a list of chunks, each a length byte
 * (0: the rest of the input) and that many bytes, sent as one write that
 * the connection reads before the next is sent.  The "frame" protocol of
 * conn-harness.h switches to counted mode after a line ending "{N}",
 * pauses on "PAUSE" and closes on "QUIT".  The lines and counted data
 * delivered must be, byte for byte and in order, what the framing rules
 * make of the bytes sent however they were split (harness_model), and no
 * callback may see more than line_max plus one read buffered.
 */
#include "autoconfig.h"

#include "conn-harness.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    if (size == 0 || size > HARNESS_MAX_INPUT)
        return 0;
    harness_init();
    gsize line_max = harness_line_max(data[0]);
    g_autoptr(GPtrArray) chunks = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    g_autoptr(GByteArray) plain = g_byte_array_new();
    HarnessCursor c = {data + 1, data + size};
    guint8 sel;
    const guint8 *p;
    gsize n;
    while (harness_next(&c, 0xff, &sel, &p, &n)) {
        g_ptr_array_add(chunks, g_bytes_new(p, n));
        g_byte_array_append(plain, p, (guint)n);
    }
    g_autoptr(HarnessRun) got = harness_run(line_max, FALSE, chunks);
    g_autoptr(HarnessRun) want = harness_run_new();
    harness_model(want, plain->data, plain->len, line_max);
    harness_check(got, want, !got->is_capped);
    return 0;
}
