/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-imap-cmd.c - fuzz target: arbitrary bytes as one IMAP command.
 *
 * Runs the literal detector on the first line and the command parser on the
 * whole input, then walks the argument tree, so that every string the
 * parser produced is read.  Errors are expected; crashes, leaks and
 * undefined behaviour are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "mutf7.h"
#include "parser.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static gsize
walk(GPtrArray *args)
{
    gsize total = 0;

    for (guint i = 0; i < args->len; i++) {
        const ImapArg *arg = args->pdata[i];
        if (arg->type == IMAP_ARG_LIST) {
            total += walk(arg->list);
        } else if (arg->str != NULL) {
            total += strlen(arg->str) + arg->len;
            if (arg->type == IMAP_ARG_ATOM) {
                g_autofree char *utf8 = imap_mutf7_decode(arg->str);
                g_autofree char *back = utf8 != NULL ? imap_mutf7_encode(utf8) : NULL;
                if (back != NULL && strcmp(back, arg->str) != 0)
                    g_error("mUTF-7 round trip changed %s into %s", arg->str, back);
            }
        }
    }
    return total;
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    const char *buf = (const char *)data;
    const char *nl = memchr(buf, '\n', size);
    guint64 literal = 0;
    gboolean nonsync = FALSE;
    g_autofree char *tag = NULL;
    g_autoptr(GError) error = NULL;

    imap_line_literal(buf, nl != NULL ? (gsize)(nl - buf + 1) : size, &literal, &nonsync);
    g_autoptr(ImapCommand) cmd = imap_parse_command(buf, size, &tag, &error);
    if (cmd != NULL)
        walk(cmd->args);
    return 0;
}
