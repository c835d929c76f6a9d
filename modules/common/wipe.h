/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * wipe.h - clearing secrets (passwords, SASL responses, the lines that
 * carried them) from a module's memory in a way the compiler keeps.
 *
 * A plain memset() before free() is a dead store the optimiser may drop;
 * these use explicit_bzero(), or a volatile loop where libc lacks it.
 */
#ifndef HERMOD_PROTO_WIPE_H
#define HERMOD_PROTO_WIPE_H

#include <glib.h>

G_BEGIN_DECLS

/* Zero len bytes at buf.  buf may be NULL (nothing happens).  Any thread. */
void proto_wipe(void *buf, gsize len);
/* Zero the NUL-terminated string s (nullable), up to its terminator. */
void proto_wipe_str(char *s);
/* Zero len bytes at buf, then g_free it.  buf may be NULL. */
void proto_wipe_free(void *buf, gsize len);

G_END_DECLS

#endif
