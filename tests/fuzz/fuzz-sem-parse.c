/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-sem-parse.c - fuzz target: arbitrary bytes as a semaphore file and
 * as a file name (modules/imsem/sem-parse.c).
 *
 * The input is parsed whole as a SEM file; on success the results must
 * hold what the parser promises (UTF-8, addresses that pass
 * sem_address_ok, non-blank text without CR LF pairs).  Its first line is
 * also classified as a file name.  Crashes, leaks, undefined behaviour and
 * a broken promise are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "sem-parse.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
check_result(const SemIm *im)
{
    if (!g_utf8_validate(im->recipient, -1, NULL) || !g_utf8_validate(im->sender, -1, NULL) ||
        !g_utf8_validate(im->text, -1, NULL) || !sem_address_ok(im->recipient) ||
        !sem_address_ok(im->sender) || im->text[0] == '\0' || strstr(im->text, "\r\n") != NULL)
        g_error("sem_parse broke its promise");
}

static void
name_of(const guint8 *data, size_t size)
{
    const guint8 *nl = memchr(data, '\n', size);
    g_autofree char *name = g_strndup((const char *)data, nl != NULL ? (gsize)(nl - data) : size);
    g_autofree char *id = NULL;
    SemNameKind kind = sem_name_kind(name, &id);

    if ((kind == SEM_NAME_SEM || kind == SEM_NAME_LCK) != (id != NULL))
        g_error("sem_name_kind: an id without a SEM or LCK name, or the reverse");
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autofree char *reason = NULL;
    SemIm im;

    if (sem_parse((const char *)data, size, &im, &reason))
        check_result(&im);
    else if (reason == NULL || reason[0] == '\0')
        g_error("sem_parse failed without a reason");
    sem_im_clear(&im);
    name_of(data, size);
    return 0;
}
