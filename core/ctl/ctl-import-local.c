/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-import-local.c - "hermodctl import maildir|mbox PATH ADDRESS
 * [MAILBOX]": mail from files another server left behind.
 *
 * Maildir: PATH is a Maildir++ root (Courier, Dovecot): its cur/ and new/
 * are INBOX, each ".A.B" folder below is the mailbox A/B (names in
 * modified UTF-7, as those servers write them).  Flags come from the
 * ":2," info of each file name (D draft, F flagged, R answered, S seen,
 * T deleted, P forwarded as the keyword $Forwarded; a-z are Dovecot's
 * keywords, named in dovecot-keywords), the internal date from the file's
 * mtime, the key in the import log from the unique part of the name,
 * which stays when a file moves from new/ to cur/ or changes flags.
 *
 * mbox: PATH is one mbox file.  A message starts at a "From " line that
 * ends with a date ("From " lines of a body without one do not split), which becomes
 * the internal date (UTC unless the line gives a zone); ">From " lines
 * lose one '>' (mboxrd, which also undoes mboxo's escaping).  The Status,
 * X-Status and X-Keywords headers that mutt, Thunderbird and Dovecot keep
 * there become flags and keywords and are dropped from the message, with
 * the other mbox bookkeeping headers (X-UID, X-IMAP, X-IMAPbase,
 * Content-Length).  The key is the message's position and SHA-256, so
 * mail appended to the file later is picked up by the next run.
 *
 * With MAILBOX, everything goes below MAILBOX (the Maildir's INBOX into
 * MAILBOX itself); without it, into INBOX and its siblings.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "ctl/ctl-import.h"
#include "ctl/ctl-util.h"
#include "ctl/ctl.h"
#include "store/store.h"

/* ---- Maildir ---- */

typedef struct {
    char *dir;     /* absolute folder holding cur/ new/ */
    char *mailbox; /* target name */
} Folder;

static void
folder_free(gpointer p)
{
    Folder *f = p;

    g_free(f->dir);
    g_free(f->mailbox);
    g_free(f);
}

static gboolean
is_maildir(const char *dir)
{
    g_autofree char *cur = g_build_filename(dir, "cur", NULL);
    g_autofree char *new_dir = g_build_filename(dir, "new", NULL);

    return g_file_test(cur, G_FILE_TEST_IS_DIR) || g_file_test(new_dir, G_FILE_TEST_IS_DIR);
}

/* ".A.B" as "A/B" (each level decoded from modified UTF-7), below base. */
static char *
maildirpp_name(const char *entry, const char *base)
{
    g_auto(GStrv) parts = g_strsplit(entry + 1, ".", -1);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

    if (base != NULL)
        g_ptr_array_add(out, g_strdup(base));
    for (guint i = 0; parts[i] != NULL; i++) {
        char *level = hermod_import_mutf7_decode(parts[i]);
        if (level == NULL || *level == '\0') {
            g_free(level);
            level = g_strdup(parts[i]); /* not ours to judge: keep it as written */
        }
        g_ptr_array_add(out, level);
    }
    g_ptr_array_add(out, NULL);
    return g_strjoinv("/", (char **)out->pdata);
}

static gint
by_mailbox(gconstpointer a, gconstpointer b)
{
    return strcmp((*(Folder *const *)a)->mailbox, (*(Folder *const *)b)->mailbox);
}

static GPtrArray *
maildir_folders(const char *root, const char *base, GError **error)
{
    g_autoptr(GDir) d = g_dir_open(root, 0, error);
    GPtrArray *out;
    const char *name;

    if (d == NULL)
        return NULL;
    out = g_ptr_array_new_with_free_func(folder_free);
    if (is_maildir(root)) {
        Folder *f = g_new0(Folder, 1);
        f->dir = g_strdup(root);
        f->mailbox = g_strdup(base != NULL ? base : "INBOX");
        g_ptr_array_add(out, f);
    }
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(root, name, NULL);
        if (name[0] != '.' || name[1] == '\0' || !is_maildir(path))
            continue;
        Folder *f = g_new0(Folder, 1);
        f->dir = g_steal_pointer(&path);
        f->mailbox = maildirpp_name(name, base);
        g_ptr_array_add(out, f);
    }
    g_ptr_array_sort(out, by_mailbox);
    return out;
}

/* Dovecot's dovecot-keywords: "N name" lines, N = letter - 'a'. */
static char **
read_keywords(const char *dir)
{
    g_autofree char *path = g_build_filename(dir, "dovecot-keywords", NULL);
    g_autofree char *text = NULL;
    char **names = g_new0(char *, 27);

    if (!g_file_get_contents(path, &text, NULL, NULL))
        return names;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        char *end = NULL;
        guint64 n = g_ascii_strtoull(lines[i], &end, 10);
        if (end != lines[i] && *end == ' ' && n < 26 && end[1] != '\0') {
            g_free(names[n]);
            names[n] = g_strdup(end + 1);
        }
    }
    return names;
}

/* Flags and keywords of a file name's ":2," info. */
static guint32
maildir_flags(const char *file, char **keyword_names, GPtrArray *keywords)
{
    const char *info = strstr(file, ":2,");
    guint32 flags = 0;

    for (const char *p = info != NULL ? info + 3 : ""; *p != '\0'; p++) {
        switch (*p) {
        case 'D':
            flags |= HERMOD_MAIL_FLAG_DRAFT;
            break;
        case 'F':
            flags |= HERMOD_MAIL_FLAG_FLAGGED;
            break;
        case 'R':
            flags |= HERMOD_MAIL_FLAG_ANSWERED;
            break;
        case 'S':
            flags |= HERMOD_MAIL_FLAG_SEEN;
            break;
        case 'T':
            flags |= HERMOD_MAIL_FLAG_DELETED;
            break;
        case 'P':
            g_ptr_array_add(keywords, g_strdup("$Forwarded"));
            break;
        default:
            if (*p >= 'a' && *p <= 'z' && keyword_names[*p - 'a'] != NULL)
                g_ptr_array_add(keywords, g_strdup(keyword_names[*p - 'a']));
        }
    }
    return flags;
}

/* "new/NAME" before "cur/NAME2" by NAME: delivery order, roughly. */
static gint
by_base(gconstpointer a, gconstpointer b)
{
    const char *x = *(char *const *)a, *y = *(char *const *)b;

    return strcmp(strchr(x, '/') + 1, strchr(y, '/') + 1);
}

/* Every message file of a folder as "SUB/NAME", in name order. */
static GPtrArray *
folder_files(const Folder *f)
{
    static const char *const subs[] = {"new", "cur"};
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < G_N_ELEMENTS(subs); i++) {
        g_autofree char *dir = g_build_filename(f->dir, subs[i], NULL);
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        const char *name;
        while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
            if (name[0] != '.')
                g_ptr_array_add(out, g_build_filename(subs[i], name, NULL));
        }
    }
    g_ptr_array_sort(out, by_base);
    return out;
}

static gboolean
import_file(HermodImport *imp, const Folder *f, const char *rel, char **kw_names, GError **error)
{
    g_autofree char *path = g_build_filename(f->dir, rel, NULL);
    const char *base = strchr(rel, '/') + 1;
    g_autofree char *uniq = g_strndup(base, strcspn(base, ":"));
    g_autofree char *key = g_strconcat(f->mailbox, "/", uniq, NULL);
    g_autoptr(GPtrArray) kws = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *text = NULL;
    struct stat st;
    gsize len = 0;

    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return TRUE; /* moved away meanwhile, or not a message */
    if (hermod_import_has(imp, key)) {
        hermod_import_skip(imp, (guint64)st.st_size);
        return TRUE;
    }
    if (!g_file_get_contents(path, &text, &len, error))
        return FALSE;
    guint32 flags = maildir_flags(base, kw_names, kws);
    g_ptr_array_add(kws, NULL);
    g_autoptr(GBytes) data = g_bytes_new_take(g_steal_pointer(&text), len);
    HermodImportMessage m = {f->mailbox, key, data, flags, (const char *const *)kws->pdata,
                             st.st_mtime};
    return hermod_import_add(imp, &m, error);
}

static void
maildir_totals(HermodImport *imp, GPtrArray *folders)
{
    guint64 n = 0, bytes = 0;

    for (guint i = 0; i < folders->len; i++) {
        Folder *f = folders->pdata[i];
        g_autoptr(GPtrArray) files = folder_files(f);
        for (guint j = 0; j < files->len; j++) {
            g_autofree char *path = g_build_filename(f->dir, files->pdata[j], NULL);
            struct stat st;
            if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
                n++;
                bytes += (guint64)st.st_size;
            }
        }
    }
    hermod_import_set_totals(imp, n, bytes);
}

static gboolean
import_folder(HermodImport *imp, const Folder *f, GError **error)
{
    g_autoptr(GPtrArray) files = folder_files(f);
    g_auto(GStrv) kw_names = read_keywords(f->dir);

    for (guint j = 0; j < files->len && !hermod_import_is_stopped(imp); j++) {
        g_autoptr(GError) one = NULL;
        if (import_file(imp, f, files->pdata[j], kw_names, &one))
            continue;
        if (g_error_matches(one, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA)) {
            g_propagate_error(error, g_steal_pointer(&one));
            return FALSE;
        }
        fprintf(stderr, "\nhermodctl: %s/%s: %s\n", f->dir, (char *)files->pdata[j], one->message);
    }
    return TRUE;
}

static int
cmd_maildir(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    g_autofree char *root = NULL;
    g_autofree char *source = NULL;
    g_autoptr(GPtrArray) folders = NULL;
    HermodImport *imp;

    if (argc != 3 && argc != 4)
        return hermod_ctl_usage("import", "maildir", "PATH ADDRESS [MAILBOX]");
    root = g_canonicalize_filename(argv[1], NULL);
    folders = maildir_folders(root, argc == 4 ? argv[3] : NULL, &error);
    if (folders == NULL)
        return hermod_ctl_report(error);
    if (folders->len == 0) {
        fprintf(stderr, "hermodctl: %s: not a Maildir (no cur/ or new/)\n", root);
        return 1;
    }
    source = g_strconcat("maildir:", root, NULL);
    imp = hermod_import_new(cfg, argv[2], source, &error);
    if (imp == NULL)
        return hermod_ctl_report(error);
    maildir_totals(imp, folders);
    for (guint i = 0; i < folders->len && error == NULL && !hermod_import_is_stopped(imp); i++)
        import_folder(imp, folders->pdata[i], &error);
    return hermod_import_finish(imp, error);
}

const HermodCtlCommand hermod_ctl_import_commands[] = {
    {"import", "maildir", "PATH ADDRESS [MAILBOX]",
     "copy a Maildir++ tree with its flags and dates into an account (hermodd stopped)",
     cmd_maildir},
    {"import", "mbox", "PATH ADDRESS [MAILBOX]",
     "copy an mbox file with its flags and dates into an account's MAILBOX (INBOX)",
     hermod_ctl_import_mbox},
    {"import", "imap",
     "--host H [--port P] --user U [--tls implicit|starttls|none] "
     "[--ca FILE] [--insecure] ADDRESS",
     "copy every folder of an account on another IMAP server; password on stdin",
     hermod_ctl_import_imap},
    {NULL, NULL, NULL, NULL, NULL},
};
