/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * fuzz-imap-mime.c - fuzz target: arbitrary bytes as a stored message,
 * through everything FETCH derives from it: the MIME tree, ENVELOPE,
 * BODYSTRUCTURE and BODY, every part's BODY[n], [n.MIME], [n.HEADER],
 * [n.TEXT], [n.HEADER.FIELDS (..)], BINARY[n] decoding, and the base
 * subject.  Every range must lie inside the message; crashes, leaks and
 * undefined behaviour are the bugs.
 */
#include "autoconfig.h"

#include <string.h>

#include "binary.h"
#include "bodystructure.h"
#include "envelope.h"
#include "mime.h"
#include "section.h"
#include "subject.h"

int LLVMFuzzerTestOneInput(const guint8 *data, size_t size);

static void
extract(GBytes *bytes, const ImapMimePart *root, const char *text)
{
    gsize len = 0;
    const char *data = g_bytes_get_data(bytes, &len);
    g_autoptr(ImapSection) section = imap_section_parse(text, FALSE, NULL);

    if (data == NULL)
        data = "";
    gsize start = 0, end = 0;
    g_autoptr(GBytes) built = NULL;

    if (section == NULL)
        g_error("section %s did not parse", text);
    if (imap_section_extract(data, len, root, section, &start, &end, &built) && built == NULL &&
        (start > end || end > len))
        g_error("section %s out of range: %zu..%zu of %zu", text, start, end, len);
}

/* Visit every part, naming it by its part number path. */
static void
visit(GBytes *bytes, const ImapMimePart *root, const ImapMimePart *part, GString *path, guint depth)
{
    static const char *const suffixes[] = {"", ".MIME", ".HEADER", ".TEXT",
                                           ".HEADER.FIELDS (From Subject)"};
    const ImapMimePart *container = part->message != NULL ? part->message : part;
    guint n = container->children != NULL ? container->children->len : 1;

    if (depth > 8 || path->len > 200)
        return;
    for (guint i = 1; i <= n; i++) {
        gsize mark = path->len;
        g_string_append_printf(path, "%s%u", path->len > 0 ? "." : "", i);
        for (guint s = 0; s < G_N_ELEMENTS(suffixes); s++) {
            g_autofree char *text = g_strconcat(path->str, suffixes[s], NULL);
            extract(bytes, root, text);
        }
        g_autoptr(ImapSection) section = imap_section_parse(path->str, TRUE, NULL);
        const ImapMimePart *child = imap_section_find_part(root, section);
        if (child != NULL) {
            g_autoptr(GBytes) decoded = imap_binary_decode(bytes, child, NULL);
            if (container->children != NULL)
                visit(bytes, root, child, path, depth + 1);
        }
        g_string_truncate(path, mark);
    }
}

int
LLVMFuzzerTestOneInput(const guint8 *data, size_t size)
{
    g_autoptr(GBytes) bytes = g_bytes_new(data, size);
    const char *text = size > 0 ? g_bytes_get_data(bytes, NULL) : "";
    g_autoptr(ImapMimePart) root = imap_mime_parse(text, size);
    g_autoptr(GString) out = g_string_new(NULL);
    g_autoptr(GString) path = g_string_new(NULL);

    imap_envelope_append(out, text, root);
    imap_bodystructure_append(out, text, root, TRUE);
    imap_bodystructure_append(out, text, root, FALSE);
    extract(bytes, root, "");
    extract(bytes, root, "HEADER.FIELDS.NOT (To)");
    visit(bytes, root, root, path, 0);
    g_autofree char *subject = imap_mime_header_decoded(text, root->start, root->body, "Subject");
    g_autofree char *base = imap_subject_base(subject, NULL);
    return 0;
}
