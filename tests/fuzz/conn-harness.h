/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * conn-harness.h - real connections (core/net/conn*.c) over a socketpair
 * for the conn-framing and inflate fuzz targets.
 *
 * One loop thread of the core runs the connections; the fuzzer's thread
 * is the client.  It sends the input chunk by chunk, each only once the
 * connection has read everything before it (so the chunks are the reads
 * the connection sees, up to conn-input.c's 16 KiB per read; past
 * HARNESS_MAX_WAITS chunks it stops waiting), then ends
 * its side.  The "frame" protocol records every on_line and on_data and
 * reacts to a few lines, the same way harness_model() does:
 *
 *   a full line ending "{N}" or "{N+}" (before its CRLF or LF)  read N counted bytes
 *   "PAUSE"     pause, resumed from the loop's next round
 *   "QUIT"      close (what follows is not delivered)
 *   "COMPRESS"  start DEFLATE (only where the run allows it)
 *
 * While it runs it checks what conn-input.c promises: a line is at most
 * line_max and ends in LF unless is_partial (then exactly line_max), a
 * piece of counted data is at most one read's worth, and the input buffer
 * never holds more than line_max plus one read.  After 64 KiB delivered
 * it closes, so that a deflate bomb costs little.
 */
#ifndef HERMOD_TESTS_CONN_HARNESS_H
#define HERMOD_TESTS_CONN_HARNESS_H

#include <glib.h>

G_BEGIN_DECLS

/* conn-input.c's READ_CHUNK: the most one read adds to the input buffer. */
#define HARNESS_READ_CHUNK 16384
/* Bytes delivered after which the protocol closes. */
#define HARNESS_CAP (64 * 1024)
/* Chunks after this many are sent without waiting (the kernel may join
 * them), so that an input of one-byte chunks stays cheap. */
#define HARNESS_MAX_WAITS 1024
/* Inputs larger than this are not run. */
#define HARNESS_MAX_INPUT (64 * 1024)

typedef enum {
    HARNESS_LINE,     /* a whole line with its terminator */
    HARNESS_PARTIAL,  /* a line_max piece of a longer line */
    HARNESS_DATA,     /* counted data, all of it (its pieces joined) */
    HARNESS_DATA_CUT, /* counted data the connection ended in */
} HarnessKind;

typedef struct {
    HarnessKind kind;
    GByteArray *bytes;
} HarnessEvent;

typedef struct {
    GPtrArray *events;  /* HarnessEvent* (owned) */
    gsize total;        /* bytes in the events */
    gboolean is_capped; /* the protocol closed at HARNESS_CAP */
} HarnessRun;

/* Start the loop thread and quiet the log; once per process. */
void harness_init(void);

/* Run one connection with [limits] line_max: send each chunk (GBytes*),
 * then end the client's side; wait until the connection closed.  With
 * allow_compress a "COMPRESS" line starts DEFLATE.  (transfer full) */
HarnessRun *harness_run(gsize line_max, gboolean allow_compress, GPtrArray *chunks);

/* Append to model the events the framing rules make of the byte stream
 * plain (ended by EOF), as the protocol above reacts to them; COMPRESS
 * lines are taken as refused (DEFLATE is on already or not allowed). */
void harness_model(HarnessRun *model, const guint8 *plain, gsize len, gsize line_max);
HarnessRun *harness_run_new(void);
void harness_add(HarnessRun *run, HarnessKind kind, const guint8 *bytes, gsize len);
void harness_run_free(HarnessRun *run);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(HarnessRun, harness_run_free)

/* got must equal want; or, unless is_exact, be a prefix of it: fewer
 * events, the last of them counted data cut short. */
void harness_check(const HarnessRun *got, const HarnessRun *want, gboolean is_exact);

/* The fuzz inputs' chunk list: a selector byte, whose bits in mask give
 * the chunk's length (0: the rest of the input), then the chunk.  FALSE
 * at the end of the input. */
typedef struct {
    const guint8 *p;
    const guint8 *end;
} HarnessCursor;
gboolean harness_next(HarnessCursor *c, guint8 mask, guint8 *out_sel, const guint8 **out_data,
                      gsize *out_len);

/* line_max for a selector (two bits): 16, 100, 4096 or 20000 (more than one read). */
gsize harness_line_max(guint bits);

G_END_DECLS

#endif
