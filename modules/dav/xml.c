/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * xml.c - WebDAV XML in and out.
 *
 * In: libxml2 parses request bodies with the network off, no entity
 * substitution and no DTD loading, and a document carrying a DTD at all
 * is refused, so that no entity expansion ever runs (billion laughs).
 * Out: responses are written as text with every value escaped; known
 * namespaces get fixed prefixes declared on the multistatus element,
 * others a declaration on the element itself.  Dead properties are kept
 * as their whole element, namespaces declared inside it (dav_xml_dump),
 * and written back as they came.
 */
#include "autoconfig.h"

#include <libxml/parser.h>
#include <string.h>

#include "dav/dav.h"

static const struct {
    const char *ns, *prefix;
} prefixes[] = {
    {NS_DAV, "D"}, {NS_CAL, "C"}, {NS_CARD, "CR"}, {NS_CS, "CS"}, {NS_APPLE, "A"},
};

/* A prefix bound to the empty namespace name, or not bound at all, is
 * not XML with namespaces (Namespaces 1.0 2.2, 5.1); libxml2 only warns. */
static gboolean
has_bad_ns(const xmlNode *n, int depth)
{
    for (const xmlNode *c = n; c != NULL; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        /* libxml2 leaves an unbound prefix in the name ("foo:bar"). */
        if (c->ns == NULL && strchr((const char *)c->name, ':') != NULL)
            return TRUE;
        for (const xmlNs *ns = c->nsDef; ns != NULL; ns = ns->next)
            if (ns->prefix != NULL && (ns->href == NULL || ns->href[0] == '\0'))
                return TRUE;
        if (depth < 256 && has_bad_ns(c->children, depth + 1))
            return TRUE;
    }
    return FALSE;
}

xmlDoc *
dav_xml_read(DavJob *job, gboolean *out_empty)
{
    gsize len = 0;
    const char *data = g_bytes_get_data(job->body, &len);
    xmlDoc *doc;

    *out_empty = len == 0;
    if (len == 0)
        return NULL;
    if (len > G_MAXINT) {
        dav_text(job, 413, "Request Entity Too Large\n");
        return NULL;
    }
    doc = xmlReadMemory(data, (int)len, NULL, NULL,
                        XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc == NULL || doc->intSubset != NULL || xmlDocGetRootElement(doc) == NULL ||
        has_bad_ns(xmlDocGetRootElement(doc), 0)) {
        if (doc != NULL)
            xmlFreeDoc(doc);
        dav_text(job, 400, "Bad Request: the body is not well-formed XML (or has a DTD)\n");
        return NULL;
    }
    return doc;
}

gboolean
dav_xml_is(const xmlNode *n, const char *ns, const char *name)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL && n->ns->href != NULL &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

xmlNode *
dav_xml_first(const xmlNode *n)
{
    for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

xmlNode *
dav_xml_next(const xmlNode *n)
{
    for (xmlNode *c = n->next; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE)
            return c;
    return NULL;
}

xmlNode *
dav_xml_child(const xmlNode *n, const char *ns, const char *name)
{
    for (xmlNode *c = dav_xml_first(n); c != NULL; c = dav_xml_next(c))
        if (dav_xml_is(c, ns, name))
            return c;
    return NULL;
}

char *
dav_xml_text(const xmlNode *n)
{
    xmlChar *t = xmlNodeGetContent(n);
    char *out = g_strdup(t != NULL ? (const char *)t : "");

    xmlFree(t);
    return out;
}

char *
dav_xml_key(const xmlNode *n)
{
    return g_strdup_printf("{%s}%s", n->ns != NULL ? (const char *)n->ns->href : "",
                           (const char *)n->name);
}

char *
dav_xml_dump(xmlNode *n)
{
    xmlDoc *doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *copy = xmlDocCopyNode(n, doc, 1);
    xmlBuffer *buf = xmlBufferCreate();
    char *out;

    xmlDocSetRootElement(doc, copy);
    xmlReconciliateNs(doc, copy);
    xmlNodeDump(buf, doc, copy, 0, 0);
    out = g_strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return out;
}

/* What dav_xml_escape writes for a byte: entity_len[c] 0 for the byte
 * itself, else entities[c] (8 bytes, copied whole) of that length.  The
 * NUL byte ends the string; it is in the table so that one lookup per
 * byte finds both. */
static const guint8 entity_len[256] = {
    ['\0'] = 1, ['&'] = 5, ['<'] = 4, ['>'] = 4, ['"'] = 6, ['\r'] = 5,
};
static const char entities[256][8] = {
    ['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;", ['"'] = "&quot;", ['\r'] = "&#13;",
};
#define ENTITY_MAX 6

/* Long texts (calendar data): runs between entities, appended. */
static void
escape_runs(GString *out, const char *s)
{
    const char *run = s;

    for (const char *p = s;; p++) {
        unsigned char c = (unsigned char)*p;
        if (G_LIKELY(entity_len[c] == 0))
            continue;
        dav_emit(out, run, (gsize)(p - run));
        if (c == '\0')
            return;
        dav_emit(out, entities[c], entity_len[c]);
        run = p + 1;
    }
}

#define ONES  G_GUINT64_CONSTANT(0x0101010101010101)
#define HIGHS (ONES * 0x80)

/* Whether one of the 8 bytes of v is b (the has-a-zero-byte test on v ^ b...b). */
static inline guint64
has_byte(guint64 v, unsigned char b)
{
    guint64 x = v ^ (ONES * b);

    return (x - ONES) & ~x & HIGHS;
}

/* Short texts (ETags, types, names): room made once for the worst case
 * (every byte an entity), then written straight into the buffer, eight
 * bytes at a time while none of them needs escaping. */
void
dav_xml_escape(GString *out, const char *s)
{
    const char *p, *end;
    gsize n;
    char *w;

    if (s == NULL)
        return;
    n = strlen(s);
    if (n > 256) {
        escape_runs(out, s);
        return;
    }
    dav_reserve(out, n * ENTITY_MAX + sizeof entities[0]);
    w = out->str + out->len;
    for (p = s, end = s + n; p < end;) {
        unsigned char c;
        if (end - p >= 8) {
            guint64 v;
            memcpy(&v, p, sizeof v);
            if ((has_byte(v, '&') | has_byte(v, '<') | has_byte(v, '>') | has_byte(v, '"') |
                 has_byte(v, '\r')) == 0) {
                memcpy(w, &v, sizeof v);
                w += sizeof v;
                p += sizeof v;
                continue;
            }
        }
        c = (unsigned char)*p++;
        if (entity_len[c] == 0) {
            *w++ = (char)c;
        } else {
            memcpy(w, entities[c], sizeof entities[c]);
            w += entity_len[c];
        }
    }
    *w = '\0';
    out->len = (gsize)(w - out->str);
}

void
dav_ms_begin(GString *out)
{
    DAV_EMIT(out, "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<D:multistatus");
    for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++)
        g_string_append_printf(out, " xmlns:%s=\"%s\"", prefixes[i].prefix, prefixes[i].ns);
    DAV_EMIT(out, ">\n");
}

void
dav_ms_end(GString *out)
{
    DAV_EMIT(out, "</D:multistatus>\n");
}

/* Split "{ns}local"; prefix NULL when ns is not a known one. */
static void
split(const char *key, char **out_ns, const char **out_local, const char **out_prefix)
{
    const char *close = strchr(key, '}');

    *out_ns = close != NULL ? g_strndup(key + 1, close - key - 1) : g_strdup("");
    *out_local = close != NULL ? close + 1 : key;
    *out_prefix = NULL;
    for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++)
        if (strcmp(*out_ns, prefixes[i].ns) == 0)
            *out_prefix = prefixes[i].prefix;
}

static void
open_tag(GString *out, const char *key, gboolean is_empty)
{
    g_autofree char *ns = NULL;
    const char *local, *prefix;

    split(key, &ns, &local, &prefix);
    if (prefix != NULL)
        g_string_append_printf(out, "<%s:%s", prefix, local);
    else if (*ns == '\0')
        g_string_append_printf(out, "<%s xmlns=\"\"", local);
    else {
        g_string_append_printf(out, "<X:%s xmlns:X=\"", local);
        dav_xml_escape(out, ns);
        g_string_append_c(out, '"');
    }
    g_string_append(out, is_empty ? "/>" : ">");
}

void
dav_xml_empty(GString *out, const char *key)
{
    open_tag(out, key, TRUE);
}

void
dav_xml_open(GString *out, const char *key)
{
    open_tag(out, key, FALSE);
}

void
dav_xml_close(GString *out, const char *key)
{
    g_autofree char *ns = NULL;
    const char *local, *prefix;

    split(key, &ns, &local, &prefix);
    if (prefix != NULL)
        g_string_append_printf(out, "</%s:%s>", prefix, local);
    else if (*ns == '\0')
        g_string_append_printf(out, "</%s>", local);
    else
        g_string_append_printf(out, "</X:%s>", local);
}
