/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * web-static.c - static files (themes, guide pages, [web] document_root)
 * and the ACME webroot.
 *
 * A path is resolved one component at a time with openat(O_NOFOLLOW)
 * from the mounted folder, so nothing outside it is ever opened: "..",
 * "." and empty components, hidden names (".git", ".htpasswd"), symbolic
 * links and NUL (refused earlier, when the target is decoded) all give
 * 404.  Only regular files are served; a folder is served as its
 * index.html when the path ends in "/", never listed.
 *
 * Responses carry a MIME type from the file name, an ETag (size and
 * modification time) and Last-Modified, and answer If-None-Match and
 * If-Modified-Since with 304.  Text-like files are sent gzip-compressed
 * to clients that accept it: from a NAME.gz beside the file when it is at
 * least as new, else compressed here once and kept in a small cache keyed
 * by the file's identity.  Assets whose name carries a version (a dot,
 * eight or more hex digits, a dot: app.3f9a2c1d.js) or that are asked for
 * with "?v=" are cacheable for a year; everything else must revalidate.
 *
 * Opening a file and fstat are the only system calls on the web thread;
 * the bytes go out through libmicrohttpd's file response (sendfile on
 * plain HTTP).
 */
#include "autoconfig.h"

#define _GNU_SOURCE 1 /* strptime, timegm */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "web/web-private.h"

#define GZIP_MAX     (4 * 1024 * 1024) /* compress on the fly up to this size */
#define GZIP_MIN     256
#define CACHE_BUDGET (32 * 1024 * 1024)
/* Files up to this size are sent from memory (the cache below): one
 * read, and 16 KB TLS records instead of libmicrohttpd's 4 KB file
 * blocks (measured: 7 sendmsg and 6 pread per 22 KB page before). */
#define MEMORY_MAX (256 * 1024)

static const struct {
    const char *ext;
    const char *type;
    gboolean is_text; /* worth compressing */
} mime_types[] = {
    {"html", "text/html; charset=utf-8", TRUE},
    {"htm", "text/html; charset=utf-8", TRUE},
    {"css", "text/css; charset=utf-8", TRUE},
    {"js", "text/javascript; charset=utf-8", TRUE},
    {"mjs", "text/javascript; charset=utf-8", TRUE},
    {"json", "application/json", TRUE},
    {"map", "application/json", TRUE},
    {"txt", "text/plain; charset=utf-8", TRUE},
    {"xml", "application/xml", TRUE},
    {"svg", "image/svg+xml", TRUE},
    {"png", "image/png", FALSE},
    {"jpg", "image/jpeg", FALSE},
    {"jpeg", "image/jpeg", FALSE},
    {"gif", "image/gif", FALSE},
    {"webp", "image/webp", FALSE},
    {"ico", "image/vnd.microsoft.icon", FALSE},
    {"woff", "font/woff", FALSE},
    {"woff2", "font/woff2", FALSE},
    {"pdf", "application/pdf", FALSE},
    {"webmanifest", "application/manifest+json", TRUE},
    {"wasm", "application/wasm", FALSE},
};

static int
mime_index(const char *name)
{
    const char *dot = strrchr(name, '.');

    if (dot == NULL || strchr(dot, '/') != NULL)
        return -1;
    for (guint i = 0; i < G_N_ELEMENTS(mime_types); i++)
        if (g_ascii_strcasecmp(dot + 1, mime_types[i].ext) == 0)
            return (int)i;
    return -1;
}

const char *
hermod_web_mime_type(const char *name)
{
    int i = mime_index(name);

    return i >= 0 ? mime_types[i].type : "application/octet-stream";
}

/* --- resolving a path below a folder */

static gboolean
component_ok(const char *c)
{
    return c[0] != '\0' && c[0] != '.';
}

int
hermod_web_open_below(const char *root, const char *rel, guint *out_status, struct stat *out_st)
{
    g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
    int dir = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    struct stat st;

    *out_status = 404;
    for (guint i = 0; dir >= 0 && parts[i] != NULL; i++) {
        int next;
        if (!component_ok(parts[i])) {
            close(dir);
            return -1;
        }
        next = openat(dir, parts[i], O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
        close(dir);
        dir = next;
    }
    if (dir < 0)
        return -1;
    if (fstat(dir, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(dir);
        return -1;
    }
    if (out_st != NULL)
        *out_st = st;
    return dir;
}

/* --- conditional requests */

static void
http_date(time_t t, char *buf, gsize size)
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(buf, size, "%a, %d %b %Y %H:%M:%S GMT", &tm);
}

static time_t
parse_http_date(const char *s)
{
    struct tm tm = {0};
    const char *end = s != NULL ? strptime(s, "%a, %d %b %Y %H:%M:%S GMT", &tm) : NULL;

    return end != NULL ? timegm(&tm) : (time_t)-1;
}

static gboolean
etag_listed(const char *header, const char *etag)
{
    g_auto(GStrv) tags = NULL;

    if (header == NULL)
        return FALSE;
    tags = g_strsplit(header, ",", -1);
    for (guint i = 0; tags[i] != NULL; i++) {
        const char *t = g_strstrip(tags[i]);
        if (g_str_has_prefix(t, "W/"))
            t += 2;
        if (strcmp(t, "*") == 0 || strcmp(t, etag) == 0)
            return TRUE;
    }
    return FALSE;
}

static gboolean
is_not_modified(HermodHttpRequest *req, const char *etag, time_t mtime)
{
    const char *inm = MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, "If-None-Match");
    const char *ims;
    time_t since;

    if (inm != NULL)
        return etag_listed(inm, etag);
    ims = MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, "If-Modified-Since");
    since = parse_http_date(ims);
    return since != (time_t)-1 && mtime <= since;
}

/* --- gzip */

static gboolean
accepts_gzip(HermodHttpRequest *req)
{
    const char *ae = MHD_lookup_connection_value(req->mhd, MHD_HEADER_KIND, "Accept-Encoding");
    g_auto(GStrv) codings = NULL;

    if (ae == NULL)
        return FALSE;
    codings = g_strsplit(ae, ",", -1);
    for (guint i = 0; codings[i] != NULL; i++) {
        char *c = g_strstrip(codings[i]);
        char *q = strchr(c, ';');
        if (q != NULL)
            *q++ = '\0';
        if (g_ascii_strcasecmp(g_strstrip(c), "gzip") != 0)
            continue;
        return q == NULL || strstr(q, "q=0") == NULL || strstr(q, "q=0.") != NULL;
    }
    return FALSE;
}

static GMutex cache_lock;
static GHashTable *cache; /* "dev:ino:size:mtime" -> GBytes */
static gsize cache_bytes;

static guint8 *
read_all(int fd, gsize size)
{
    guint8 *in = g_malloc(size > 0 ? size : 1);
    gsize got = 0;

    while (got < size) {
        ssize_t n = pread(fd, in + got, size - got, (off_t)got);
        if (n <= 0) {
            g_free(in);
            return NULL;
        }
        got += (gsize)n;
    }
    return in;
}

/* The file's bytes, gzip-compressed when is_gzip. */
static GBytes *
file_bytes(int fd, gsize size, gboolean is_gzip)
{
    g_autofree guint8 *in = read_all(fd, size);
    uLongf cap = compressBound(size) + 32;
    g_autofree guint8 *out = NULL;
    z_stream z = {0};

    if (in == NULL)
        return NULL;
    if (!is_gzip)
        return g_bytes_new_take(g_steal_pointer(&in), size);
    out = g_malloc(cap);
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return NULL;
    z.next_in = in;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    int ret = deflate(&z, Z_FINISH);
    gsize len = z.total_out;
    deflateEnd(&z);
    return ret == Z_STREAM_END ? g_bytes_new(out, len) : NULL;
}

/* The file's bytes (gzip-compressed when is_gzip) from the cache, read
 * and kept there when missing.  The key is the file's identity, so a
 * changed file is a new entry; the cache is dropped whole when full. */
static GBytes *
cached(int fd, const struct stat *st, gboolean is_gzip)
{
    g_autofree char *key = g_strdup_printf(
        "%c%lu:%lu:%lld:%lld.%ld", is_gzip ? 'z' : 'r', (gulong)st->st_dev, (gulong)st->st_ino,
        (long long)st->st_size, (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec);
    GBytes *b;

    g_mutex_lock(&cache_lock);
    b = cache != NULL ? g_hash_table_lookup(cache, key) : NULL;
    if (b != NULL)
        g_bytes_ref(b);
    g_mutex_unlock(&cache_lock);
    if (b != NULL || (b = file_bytes(fd, (gsize)st->st_size, is_gzip)) == NULL)
        return b;
    g_mutex_lock(&cache_lock);
    if (cache == NULL || cache_bytes + g_bytes_get_size(b) > CACHE_BUDGET) {
        g_clear_pointer(&cache, g_hash_table_unref);
        cache =
            g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_bytes_unref);
        cache_bytes = 0;
    }
    if (g_hash_table_insert(cache, g_steal_pointer(&key), g_bytes_ref(b)))
        cache_bytes += g_bytes_get_size(b);
    g_mutex_unlock(&cache_lock);
    return b;
}

/* A NAME.gz beside rel at least as new as st, else -1. */
static int
open_gz_sibling(const char *root, const char *rel, const struct stat *st, gsize *out_size)
{
    g_autofree char *gz = g_strconcat(rel, ".gz", NULL);
    guint status;
    struct stat gst;
    int fd = hermod_web_open_below(root, gz, &status, &gst);

    if (fd < 0)
        return -1;
    if (gst.st_mtime < st->st_mtime) {
        close(fd);
        return -1;
    }
    *out_size = (gsize)gst.st_size;
    return fd;
}

/* --- answering */

/* A name with ".HEX8+." in it (app.3f9a2c1d.js), or a "?v=" query. */
static gboolean
is_versioned(HermodHttpRequest *req, const char *rel)
{
    const char *name = strrchr(rel, '/');

    if (req->query != NULL && (g_str_has_prefix(req->query, "v=") || strstr(req->query, "&v=")))
        return TRUE;
    for (const char *p = strchr(name != NULL ? name : rel, '.'); p != NULL;
         p = strchr(p + 1, '.')) {
        gsize n = 0;
        while (g_ascii_isxdigit(p[1 + n]) && !g_ascii_isupper(p[1 + n]))
            n++;
        if (n >= 8 && p[1 + n] == '.')
            return TRUE;
    }
    return FALSE;
}

static struct MHD_Response *
from_bytes(HermodHttpRequest *req, int fd, GBytes *b)
{
    close(fd);
    req->bytes = g_bytes_get_size(b);
    req->is_memory_body = TRUE;
    return MHD_create_response_from_buffer_with_free_callback_cls(
        g_bytes_get_size(b), (void *)g_bytes_get_data(b, NULL),
        (MHD_ContentReaderFreeCallback)g_bytes_unref, b);
}

/* Small files from memory, big ones from the descriptor. */
static struct MHD_Response *
plain_body(HermodHttpRequest *req, int fd, const struct stat *st)
{
    GBytes *b = st->st_size <= MEMORY_MAX ? cached(fd, st, FALSE) : NULL;

    if (b != NULL)
        return from_bytes(req, fd, b);
    req->bytes = (guint64)st->st_size;
    return MHD_create_response_from_fd64((uint64_t)st->st_size, fd);
}

static struct MHD_Response *
file_body(HermodHttpRequest *req, const char *root, const char *rel, int fd, const struct stat *st,
          gboolean is_text, gboolean *out_gzip)
{
    gsize gz_size = 0;
    int gz;
    GBytes *b;

    *out_gzip = FALSE;
    if (!is_text || st->st_size < GZIP_MIN || !accepts_gzip(req))
        return plain_body(req, fd, st);
    if ((gz = open_gz_sibling(root, rel, st, &gz_size)) >= 0) {
        close(fd);
        req->bytes = gz_size;
        *out_gzip = TRUE;
        return MHD_create_response_from_fd64(gz_size, gz);
    }
    b = st->st_size <= GZIP_MAX ? cached(fd, st, TRUE) : NULL;
    if (b == NULL)
        return plain_body(req, fd, st);
    *out_gzip = TRUE;
    return from_bytes(req, fd, b);
}

static void
add_validators(struct MHD_Response *r, const char *etag, time_t mtime, gboolean is_versioned)
{
    char date[64];

    http_date(mtime, date, sizeof date);
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Last-Modified", date);
    MHD_add_response_header(r, "Cache-Control",
                            is_versioned ? "public, max-age=31536000, immutable" : "no-cache");
}

/* The answer for fd (rel below root, st its status; taken): 304 when the
 * client has this version, else the bytes (gzip-compressed when is_text
 * and the client accepts it), with the validators. */
static void
answer_fd(HermodHttpRequest *req, const char *root, const char *rel, int fd, const struct stat *st,
          const char *type, gboolean is_text)
{
    char etag[64];
    struct MHD_Response *r;
    gboolean is_gzip;

    g_snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st->st_size,
               (unsigned long long)st->st_mtim.tv_sec * 1000000000ull + st->st_mtim.tv_nsec);
    if (is_not_modified(req, etag, st->st_mtime)) {
        close(fd);
        r = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        add_validators(r, etag, st->st_mtime, is_versioned(req, rel));
        hermod_web_reply(req, MHD_HTTP_NOT_MODIFIED, r);
        return;
    }
    r = file_body(req, root, rel, fd, st, is_text, &is_gzip);
    if (r == NULL) {
        hermod_web_reply_text(req, MHD_HTTP_INTERNAL_SERVER_ERROR, "Internal Server Error\n");
        return;
    }
    MHD_add_response_header(r, "Content-Type", type);
    if (is_text)
        MHD_add_response_header(r, "Vary", "Accept-Encoding");
    if (is_gzip)
        MHD_add_response_header(r, "Content-Encoding", "gzip");
    add_validators(r, etag, st->st_mtime, is_versioned(req, rel));
    hermod_web_reply(req, MHD_HTTP_OK, r);
}

/* Serve rel below root: the whole answer, 404 included. */
static void
serve_file(HermodHttpRequest *req, const char *root, const char *rel)
{
    guint status;
    struct stat st;
    int fd = hermod_web_open_below(root, rel, &status, &st);
    int mi = mime_index(rel);

    if (fd < 0) {
        hermod_web_reply_text(req, status, "Not Found\n");
        return;
    }
    answer_fd(req, root, rel, fd, &st, hermod_web_mime_type(rel),
              mi >= 0 && mime_types[mi].is_text);
}

/* Is a response of this type worth compressing? */
static gboolean
type_is_text(const char *type)
{
    return g_str_has_prefix(type, "text/") || strstr(type, "json") != NULL ||
           strstr(type, "javascript") != NULL || strstr(type, "xml") != NULL;
}

void
hermod_web_static_answer_file(HermodHttpRequest *req, const char *path, int fd,
                              const struct stat *st, const char *type)
{
    g_autofree char *root = g_path_get_dirname(path);
    g_autofree char *rel = g_path_get_basename(path);

    answer_fd(req, root, rel, fd, st, type, type_is_text(type));
}

static gboolean
is_get_or_head(HermodHttpRequest *req)
{
    if (strcmp(req->method, "GET") == 0 || strcmp(req->method, "HEAD") == 0)
        return TRUE;
    g_ptr_array_add(req->headers =
                        req->headers ? req->headers : g_ptr_array_new_with_free_func(g_free),
                    g_strdup("Allow"));
    g_ptr_array_add(req->headers, g_strdup("GET, HEAD"));
    hermod_web_reply_text(req, MHD_HTTP_METHOD_NOT_ALLOWED, "Method Not Allowed\n");
    return FALSE;
}

void
hermod_web_static_serve(HermodHttpRequest *req, const WebMount *mount)
{
    const char *rel = req->path + mount->prefix_len;
    g_autofree char *index = NULL;

    if (!is_get_or_head(req))
        return;
    if (mount->prefix[mount->prefix_len - 1] != '/' && *rel == '/')
        rel++;
    if (*rel == '\0' || g_str_has_suffix(rel, "/"))
        rel = index = g_strconcat(rel, "index.html", NULL);
    serve_file(req, mount->dir, rel);
}

static gboolean
token_ok(const char *token)
{
    gsize n = 0;

    for (; token[n] != '\0'; n++)
        if (!g_ascii_isalnum(token[n]) && token[n] != '-' && token[n] != '_')
            return FALSE;
    return n > 0 && n <= 255;
}

void
hermod_web_acme_serve(HermodHttpRequest *req, const WebMount *mount)
{
    const char *token = req->path + mount->prefix_len;
    guint status;
    int fd;
    struct stat st;
    struct MHD_Response *r;

    if (!is_get_or_head(req))
        return;
    fd = token_ok(token) ? hermod_web_open_below(mount->dir, token, &status, &st) : -1;
    if (fd < 0) {
        hermod_web_reply_text(req, MHD_HTTP_NOT_FOUND, "Not Found\n");
        return;
    }
    r = MHD_create_response_from_fd64((uint64_t)st.st_size, fd);
    MHD_add_response_header(r, "Content-Type", "text/plain");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    req->bytes = (guint64)st.st_size;
    hermod_web_reply(req, MHD_HTTP_OK, r);
}
