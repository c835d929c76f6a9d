/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * files.c - the themes: which one a browser gets, and a theme's files
 * with the admin's override folder in front.
 *
 * A theme is a folder of [webmail] themes_dir (default, mobile, or one an
 * admin adds).  A file of it is looked up first in
 * [webmail] override_dir/THEME/ (data_dir/themes/THEME/ by default), so
 * an admin customises a page, a style sheet or a translation by copying
 * it there and editing the copy; updates never overwrite it.
 *
 * A theme may build on another: THEME/theme.ini saying
 *
 *     [theme]
 *     parent = default
 *
 * makes every file the theme lacks come from the parent (and its
 * parent, up to WM_THEME_DEPTH levels), override folder first at each
 * level.  The phone theme is the default theme's page and scripts with
 * its own css/theme.css, so a fix to the markup lands once.  In
 * index.html "@THEME@" stands for the theme being served, so the one page
 * says data-theme="mobile" and links /themes/mobile/css/theme.css when
 * served as the phone theme.
 *
 * Paths are checked one component at a time before anything is opened:
 * letters, digits, '-', '_' and '.', never a leading '.', so "..",
 * hidden files and anything outside the two folders are 404.  Symbolic
 * links are not followed (the file is opened by the core with O_NOFOLLOW
 * semantics only for mount_static, so we check with lstat here).
 */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "webmail.h"

#define WM_THEME_DEPTH  4
#define WM_PAGE_MAX     (1024 * 1024) /* index.html read into memory */
#define WM_THEME_MARKER "@THEME@"

static gboolean
component_ok(const char *c)
{
    if (c[0] == '\0' || c[0] == '.' || strlen(c) > 128)
        return FALSE;
    for (const char *p = c; *p != '\0'; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_' && *p != '.')
            return FALSE;
    return TRUE;
}

/* Is rel a safe relative path: components as above, at most 8 deep? */
static gboolean
rel_ok(const char *rel)
{
    g_auto(GStrv) parts = g_strsplit(rel, "/", 9);
    guint n = g_strv_length(parts);

    if (n == 0 || n > 8)
        return FALSE;
    for (guint i = 0; i < n; i++)
        if (!component_ok(parts[i]))
            return FALSE;
    return TRUE;
}

/* A regular file, no symbolic link anywhere below root. */
static gboolean
is_plain_file_below(const char *root, const char *rel)
{
    g_auto(GStrv) parts = g_strsplit(rel, "/", -1);
    g_autofree char *path = g_strdup(root);
    struct stat st;

    for (guint i = 0; parts[i] != NULL; i++) {
        char *next = g_build_filename(path, parts[i], NULL);
        g_free(path);
        path = next;
        if (lstat(path, &st) != 0 || S_ISLNK(st.st_mode))
            return FALSE;
    }
    return S_ISREG(st.st_mode);
}

static const char *
type_of(const char *rel)
{
    static const char *const types[][2] = {
        {".html", "text/html; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".json", "application/json"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/vnd.microsoft.icon"},
        {".woff2", "font/woff2"},
        {".txt", "text/plain; charset=utf-8"},
        {".webmanifest", "application/manifest+json"},
    };

    for (guint i = 0; i < G_N_ELEMENTS(types); i++)
        if (g_str_has_suffix(rel, types[i][0]))
            return types[i][1];
    return "application/octet-stream";
}

/* The path of rel in theme's own folders (override first), or NULL.
 * (transfer full) */
static char *
own_file(const char *theme, const char *rel)
{
    const char *roots[] = {wm_api->setting_string(wm_module, "override_dir"),
                           wm_api->setting_string(wm_module, "themes_dir")};

    for (guint i = 0; i < G_N_ELEMENTS(roots); i++) {
        g_autofree char *root = NULL;
        if (roots[i] == NULL || *roots[i] == '\0')
            continue;
        root = g_build_filename(roots[i], theme, NULL);
        if (is_plain_file_below(root, rel))
            return g_build_filename(root, rel, NULL);
    }
    return NULL;
}

/* The parent named by theme's theme.ini, or NULL for none (or a bad
 * file, which is logged).  (transfer full) */
static char *
theme_parent(const char *theme)
{
    g_autofree char *path = own_file(theme, "theme.ini");
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) error = NULL;
    char *parent;

    if (path == NULL)
        return NULL;
    if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &error)) {
        wm_api->log(HERMOD_LOG_WARNING, NULL, "webmail: %s: %s", path, error->message);
        return NULL;
    }
    parent = g_key_file_get_string(kf, "theme", "parent", NULL);
    if (parent != NULL && (!component_ok(g_strstrip(parent)) || strcmp(parent, theme) == 0)) {
        wm_api->log(HERMOD_LOG_WARNING, NULL, "webmail: %s: bad parent \"%s\"", path, parent);
        g_clear_pointer(&parent, g_free);
    }
    return parent;
}

/* The path of rel in theme or the themes it builds on, nearest first.
 * (transfer full) */
static char *
find_file(const char *theme, const char *rel)
{
    g_autofree char *name = g_strdup(theme);

    for (guint depth = 0; name != NULL && depth < WM_THEME_DEPTH; depth++) {
        char *path = own_file(name, rel);
        char *parent;
        if (path != NULL)
            return path;
        parent = theme_parent(name);
        g_free(name);
        name = parent;
    }
    return NULL;
}

gboolean
wm_theme_exists(const char *name)
{
    const char *dir = wm_api->setting_string(wm_module, "themes_dir");
    g_autofree char *page = NULL;
    g_autofree char *ini = NULL;

    if (name == NULL || !component_ok(name))
        return FALSE;
    page = g_build_filename(dir, name, "index.html", NULL);
    ini = g_build_filename(dir, name, "theme.ini", NULL);
    return g_file_test(page, G_FILE_TEST_IS_REGULAR) || g_file_test(ini, G_FILE_TEST_IS_REGULAR);
}

/* The app page as last made, per theme and file: reading index.html
 * and putting the theme's name in on every request cost the page a fifth
 * of its time against nginx serving it as a file.  An entry is used while
 * the file's inode, size and modification time are the same, so an
 * edited or replaced page is served at once; a file changed in the last
 * PAGE_SETTLE seconds is not kept (two edits within one tick of the
 * kernel's clock have the same time).  Entries are few: a theme must
 * exist to be served. */
#define PAGE_SETTLE 2
typedef struct {
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtime;
    GBytes *page;
} PageEntry;

static GMutex page_lock;
static GHashTable *pages; /* "THEME\nPATH" -> PageEntry, under page_lock */

static void
page_entry_free(gpointer p)
{
    PageEntry *e = p;

    g_bytes_unref(e->page);
    g_free(e);
}

static gboolean
same_file(const PageEntry *e, const struct stat *st)
{
    return e->dev == st->st_dev && e->ino == st->st_ino && e->size == st->st_size &&
           e->mtime.tv_sec == st->st_mtim.tv_sec && e->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

/* index.html at path with WM_THEME_MARKER replaced by theme (a checked
 * name: letters, digits, '-', '_', '.', so safe inside an attribute), or
 * NULL (logged).  (transfer full) */
static GBytes *
make_page(const char *theme, const char *path, const struct stat *st)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) pieces = NULL;
    char *page;
    gsize len = 0;

    if (st->st_size > WM_PAGE_MAX || !g_file_get_contents(path, &text, &len, &error) ||
        len > WM_PAGE_MAX) {
        wm_api->log(HERMOD_LOG_WARNING, NULL, "webmail: %s: %s", path,
                    error != NULL ? error->message : "too big");
        return NULL;
    }
    pieces = g_strsplit(text, WM_THEME_MARKER, -1);
    page = g_strjoinv(theme, pieces);
    return g_bytes_new_take(page, strlen(page));
}

/* The page for theme from path, made or from the cache.  (transfer full) */
static GBytes *
page_for(const char *theme, const char *path)
{
    g_autofree char *key = g_strconcat(theme, "\n", path, NULL);
    struct stat st;
    PageEntry *e;
    GBytes *page = NULL;

    if (stat(path, &st) != 0) {
        wm_api->log(HERMOD_LOG_WARNING, NULL, "webmail: %s: %s", path, g_strerror(errno));
        return NULL;
    }
    g_mutex_lock(&page_lock);
    e = pages != NULL ? g_hash_table_lookup(pages, key) : NULL;
    if (e != NULL && same_file(e, &st))
        page = g_bytes_ref(e->page);
    g_mutex_unlock(&page_lock);
    if (page != NULL || (page = make_page(theme, path, &st)) == NULL)
        return page;
    if (st.st_mtim.tv_sec > g_get_real_time() / G_USEC_PER_SEC - PAGE_SETTLE)
        return page;
    e = g_new0(PageEntry, 1);
    *e = (PageEntry){st.st_dev, st.st_ino, st.st_size, st.st_mtim, g_bytes_ref(page)};
    g_mutex_lock(&page_lock);
    if (pages == NULL)
        pages = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, page_entry_free);
    g_hash_table_replace(pages, g_steal_pointer(&key), e);
    g_mutex_unlock(&page_lock);
    return page;
}

void
wm_files_shutdown(void)
{
    g_mutex_lock(&page_lock);
    g_clear_pointer(&pages, g_hash_table_unref);
    g_mutex_unlock(&page_lock);
}

static void
serve_page(HermodHttpRequest *req, const char *theme, const char *path)
{
    g_autoptr(GBytes) body = page_for(theme, path);

    if (body == NULL) {
        wm_reply(req, 500, "text/plain; charset=utf-8", "Internal Server Error\n");
        return;
    }
    WM_WEB->resp_header(req, "Cache-Control", "no-cache");
    WM_WEB->respond(req, 200, "text/html; charset=utf-8", body);
}

void
wm_serve_theme_file(HermodHttpRequest *req, const char *theme, const char *rel)
{
    g_autofree char *path = NULL;

    if (!component_ok(theme) || !rel_ok(rel) || (path = find_file(theme, rel)) == NULL) {
        wm_reply(req, 404, "text/plain; charset=utf-8", "Not Found\n");
        return;
    }
    if (strcmp(rel, "index.html") == 0) {
        serve_page(req, theme, path);
        return;
    }
    /* The core adds ETag, Last-Modified, Cache-Control: no-cache, 304 and gzip. */
    if (!WM_WEB->respond_file(req, 200, type_of(rel), path))
        wm_reply(req, 404, "text/plain; charset=utf-8", "Not Found\n");
}

static gboolean
is_phone(HermodHttpRequest *req)
{
    const char *ua = WM_WEB->req_header(req, "User-Agent");

    if (ua == NULL)
        return FALSE;
    if (strstr(ua, "iPad") != NULL || strstr(ua, "Tablet") != NULL)
        return FALSE;
    return strstr(ua, "Mobi") != NULL || strstr(ua, "iPhone") != NULL ||
           (strstr(ua, "Android") != NULL && strstr(ua, "Mobile") != NULL);
}

const char *
wm_pick_theme(HermodHttpRequest *req)
{
    const char *chosen = WM_WEB->req_cookie(req, "hermod_theme");
    const char *mobile = wm_api->setting_string(wm_module, "mobile_theme");

    if (chosen != NULL && wm_theme_exists(chosen))
        return chosen;
    if (is_phone(req) && wm_theme_exists(mobile))
        return mobile;
    return wm_api->setting_string(wm_module, "theme");
}
