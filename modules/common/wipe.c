/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * wipe.c - zeroing secrets so that the stores survive optimisation.
 *
 * Owns nothing but the three wipe calls; deciding what is secret (the
 * decoded SASL buffer, the base64 line, a LOGIN password argument) and
 * when to wipe it stays with the caller.
 */
#include "autoconfig.h"

#include "wipe.h"

#include <string.h>

void
proto_wipe(void *buf, gsize len)
{
    if (buf == NULL || len == 0)
        return;
#ifdef HAVE_EXPLICIT_BZERO
    explicit_bzero(buf, len);
#else
    volatile unsigned char *p = buf;
    while (len-- > 0)
        *p++ = 0;
#endif
}

void
proto_wipe_str(char *s)
{
    if (s != NULL)
        proto_wipe(s, strlen(s));
}

void
proto_wipe_free(void *buf, gsize len)
{
    proto_wipe(buf, len);
    g_free(buf);
}
