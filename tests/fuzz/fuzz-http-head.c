/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-http-head.c - fuzz target: arbitrary bytes as a remote server's
 * response head, read by the webmail image proxy's parser.  A head it
 * accepts must end inside the input and have a real status; crashes,
 * leaks and undefined behaviour are the bugs.
 */
#include "autoconfig.h"

#include <stdlib.h>

#include "webmail/http-head.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    WmHttpHead head;
    WmHttpHeadResult r = wm_http_head_parse((const char *)data, size, 16 * 1024, &head);

    if (r == WM_HTTP_HEAD_OK) {
        if (head.head_len > size || head.status < 100 || head.status > 999)
            abort();
        wm_http_head_clear(&head);
    }
    return 0;
}
