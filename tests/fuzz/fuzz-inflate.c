/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-inflate.c - fuzz target: the COMPRESS=DEFLATE input path
 * (core/net/conn-deflate.c) on a real connection over a socketpair.
 *
 * The client sends "COMPRESS\r\n" (the "frame" protocol of conn-harness.h
 * starts DEFLATE on it), then compressed bytes, then ends its side.
 * Input: a flags byte, a split byte, then chunks.
 *
 *   flags bits 0-1  [limits] line_max (harness_line_max)
 *         bit 2     raw: the chunks (a length byte, 0: the rest, then the
 *                   bytes) are sent as they are: garbage, or a stream
 *                   from a real client
 *                   else round trip: the chunks (length = selector &
 *                   0x7f, 0: the rest) are plaintext, compressed here
 *                   with Z_SYNC_FLUSH after each (Z_NO_FLUSH if selector
 *                   bit 7)
 *         bit 3     the first compressed bytes go in the same write as
 *                   COMPRESS
 *         bits 4-5  compression level 6, 1, 9 or 0 (stored blocks)
 *         bit 6     fixed Huffman codes only (Z_FIXED)
 *         bit 7     the stream is finished (Z_FINISH: its end is EOF)
 *   split           the compressed bytes go out in writes of this many
 *                   bytes (0: as the compressor made them)
 *
 * zlib itself, over all the bytes at once, is the oracle: what the
 * connection delivers (lines and counted data, framed as harness_model
 * says) must be exactly what it inflates, or a prefix of it when the
 * stream is corrupt (the connection then fails) or a bomb (the protocol
 * closes at HARNESS_CAP); a round trip must always give the plaintext
 * back.  Meanwhile no callback may see more than line_max plus one read
 * buffered, and no piece of counted data may exceed one read: DEFLATE must
 * not let a small input grow the buffer.  A connection that neither
 * delivers nor closes is a hang (the harness aborts after 30 s).
 */
#include "autoconfig.h"

#include <string.h>
#include <zlib.h>

#include "conn-harness.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

#define RAW      (1 << 2)
#define GLUE     (1 << 3)
#define FIXED    (1 << 6)
#define FINISH   (1 << 7)
#define NO_FLUSH 0x80
/* zlib's reference output stops here: past HARNESS_CAP plus what one
 * more event and its reads may reach. */
#define INFLATE_LIMIT (HARNESS_CAP + 64 * 1024)

typedef struct {
    GByteArray *plain;
    gboolean is_error;
    gboolean is_truncated;
} Inflated;

/* zlib over all of raw at once, as the connection's stream would. */
static void
inflate_all(const guint8 *raw, gsize len, Inflated *out)
{
    z_stream s = {0};
    g_assert_cmpint(inflateInit2(&s, -15), ==, Z_OK);
    s.next_in = (Bytef *)raw;
    s.avail_in = (uInt)len;
    for (;;) {
        guint old = out->plain->len;
        g_byte_array_set_size(out->plain, old + 65536);
        s.next_out = out->plain->data + old;
        s.avail_out = 65536;
        int ret = inflate(&s, Z_SYNC_FLUSH);
        g_byte_array_set_size(out->plain, old + 65536 - s.avail_out);
        if (ret != Z_OK && ret != Z_BUF_ERROR && ret != Z_STREAM_END)
            out->is_error = TRUE;
        if (ret != Z_OK || s.avail_out > 0)
            break; /* zlib returns when it ran out of input or of room */
        if (out->plain->len >= INFLATE_LIMIT) {
            out->is_truncated = TRUE;
            break;
        }
    }
    inflateEnd(&s);
}

/* Append data to the wire as writes of at most split bytes (0: one). */
static void
add_wire(GPtrArray *sends, const guint8 *data, gsize len, guint split)
{
    for (gsize off = 0; off < len;) {
        gsize n = split == 0 ? len - off : MIN(split, len - off);
        g_ptr_array_add(sends, g_bytes_new(data + off, n));
        off += n;
    }
}

static void
compress_chunk(z_stream *z, const guint8 *p, gsize n, int flush, GByteArray *wire)
{
    guint8 buf[16384];
    z->next_in = (Bytef *)p;
    z->avail_in = (uInt)n;
    do {
        z->next_out = buf;
        z->avail_out = sizeof buf;
        g_assert_cmpint(deflate(z, flush), !=, Z_STREAM_ERROR);
        g_byte_array_append(wire, buf, sizeof buf - z->avail_out);
    } while (z->avail_out == 0 || z->avail_in > 0);
}

/* Round trip: the chunks are plaintext; compress them into wire. */
static void
round_trip(guint8 flags, HarnessCursor *c, GByteArray *plain, GByteArray *wire, GArray *cuts)
{
    static const int levels[] = {6, 1, 9, 0};
    z_stream z = {0};
    guint8 sel;
    const guint8 *p;
    gsize n;
    g_assert_cmpint(deflateInit2(&z, levels[(flags >> 4) & 3], Z_DEFLATED, -15, 8,
                                 flags & FIXED ? Z_FIXED : Z_DEFAULT_STRATEGY),
                    ==, Z_OK);
    while (harness_next(c, 0x7f, &sel, &p, &n)) {
        compress_chunk(&z, p, n, sel & NO_FLUSH ? Z_NO_FLUSH : Z_SYNC_FLUSH, wire);
        g_byte_array_append(plain, p, (guint)n);
        gsize end = wire->len;
        g_array_append_val(cuts, end);
    }
    compress_chunk(&z, NULL, 0, flags & FINISH ? Z_FINISH : Z_SYNC_FLUSH, wire);
    deflateEnd(&z);
}

/* Raw: the chunks are the wire as it is. */
static void
raw_wire(HarnessCursor *c, GByteArray *wire, GArray *cuts)
{
    guint8 sel;
    const guint8 *p;
    gsize n;
    while (harness_next(c, 0xff, &sel, &p, &n)) {
        g_byte_array_append(wire, p, (guint)n);
        gsize end = wire->len;
        g_array_append_val(cuts, end);
    }
}

/* COMPRESS, then the wire in its writes (cut where the chunks ended,
 * then split); with GLUE the first write goes with COMPRESS. */
static GPtrArray *
writes(guint8 flags, guint split, GByteArray *wire, GArray *cuts)
{
    GPtrArray *sends = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
    const guint8 *base = wire->len > 0 ? wire->data : (const guint8 *)""; /* data may be NULL */
    gsize end = wire->len;
    g_array_append_val(cuts, end);
    gsize off = 0;
    for (guint i = 0; i < cuts->len; i++) {
        gsize cut = g_array_index(cuts, gsize, i);
        if (i == 0 && (flags & GLUE)) {
            g_autoptr(GByteArray) first = g_byte_array_new();
            g_byte_array_append(first, (const guint8 *)"COMPRESS\r\n", 10);
            g_byte_array_append(first, base, (guint)cut);
            g_ptr_array_add(sends, g_bytes_new(first->data, first->len));
        } else {
            if (i == 0)
                g_ptr_array_add(sends, g_bytes_new_static("COMPRESS\r\n", 10));
            add_wire(sends, base + off, cut - off, split);
        }
        off = cut;
    }
    return sends;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    if (size < 2 || size > HARNESS_MAX_INPUT)
        return 0;
    harness_init();
    guint8 flags = data[0];
    gsize line_max = harness_line_max(flags);
    HarnessCursor c = {data + 2, data + size};
    g_autoptr(GByteArray) plain = g_byte_array_new();
    g_autoptr(GByteArray) wire = g_byte_array_new();
    g_autoptr(GArray) cuts = g_array_new(FALSE, FALSE, sizeof(gsize));
    Inflated ref = {g_byte_array_new(), FALSE, FALSE};
    if (flags & RAW)
        raw_wire(&c, wire, cuts);
    else
        round_trip(flags, &c, plain, wire, cuts);
    inflate_all(wire->data, wire->len, &ref);
    if (!(flags & RAW)) {
        g_assert_false(ref.is_error || ref.is_truncated);
        g_assert_cmpuint(ref.plain->len, ==, plain->len);
        g_assert_true(plain->len == 0 || memcmp(ref.plain->data, plain->data, plain->len) == 0);
    }
    g_autoptr(GPtrArray) sends = writes(flags, data[1], wire, cuts);
    g_autoptr(HarnessRun) got = harness_run(line_max, TRUE, sends);
    g_autoptr(HarnessRun) want = harness_run_new();
    harness_add(want, HARNESS_LINE, (const guint8 *)"COMPRESS\r\n", 10);
    harness_model(want, ref.plain->data, ref.plain->len, line_max);
    harness_check(got, want, !got->is_capped && !ref.is_error && !ref.is_truncated);
    g_byte_array_unref(ref.plain);
    return 0;
}
