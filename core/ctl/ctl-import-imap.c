/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-import-imap.c - "hermodctl import imap --host H --port P --user U
 * [--tls implicit|starttls|none] [--ca FILE] [--insecure] ADDRESS": every
 * folder of an account on another IMAP server (Dovecot, Cyrus, ...) into
 * a Hermod account, with flags, keywords and internal dates.
 *
 * The password comes from stdin.  First every selectable folder of LIST
 * is examined (read-only: nothing changes on the old server) and its
 * UIDs, flags, dates and sizes fetched, which gives the totals for the
 * progress bar; then the messages not in the import log are fetched
 * (BODY.PEEK[], 32 at a time) and appended.  A message's key is its
 * folder, the folder's UIDVALIDITY and its UID, so a rerun after an
 * interruption goes on where it stopped and a second run adds nothing
 * (and a folder whose UIDVALIDITY changed is imported again, as an IMAP
 * client would).  Folder names are decoded from modified UTF-7 and their
 * hierarchy delimiter becomes '/'.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "ctl/ctl-import.h"
#include "ctl/ctl-util.h"
#include "ctl/ctl.h"
#include "ctl/imap-client.h"
#include "store/store.h"

#define FETCH_BATCH 32

typedef struct {
    guint32 uid;
    guint32 flags;
    char **keywords;
    gint64 date;
    guint64 size;
} Meta;

typedef struct {
    char *name;    /* as the server spells it, for commands */
    char *mailbox; /* target */
    guint32 uidvalidity;
    GArray *metas; /* Meta */
} Folder;

static void
folder_free(gpointer p)
{
    Folder *f = p;

    for (guint i = 0; f->metas != NULL && i < f->metas->len; i++)
        g_strfreev(g_array_index(f->metas, Meta, i).keywords);
    if (f->metas != NULL)
        g_array_unref(f->metas);
    g_free(f->name);
    g_free(f->mailbox);
    g_free(f);
}

/* The target name of a server folder: delimiter -> '/', UTF-8. */
static char *
target_name(const char *name, const char *delim)
{
    g_autofree char *utf8 = hermod_import_mutf7_decode(name);
    const char *n = utf8 != NULL ? utf8 : name;

    if (g_ascii_strcasecmp(n, "INBOX") == 0)
        return g_strdup("INBOX");
    if (delim == NULL || *delim == '\0' || strcmp(delim, "/") == 0)
        return g_strdup(n);
    g_auto(GStrv) parts = g_strsplit(n, delim, -1);
    return g_strjoinv("/", parts);
}

static gboolean
has_attr(const HermodImapValue *attrs, const char *attr)
{
    for (guint i = 0; attrs->kind == HERMOD_IMAP_LIST && i < attrs->items->len; i++) {
        const HermodImapValue *a = attrs->items->pdata[i];
        if (a->text != NULL && g_ascii_strcasecmp(a->text, attr) == 0)
            return TRUE;
    }
    return FALSE;
}

/* "* LIST (attrs) delim name" of every selectable folder. */
static GPtrArray *
list_folders(HermodImapClient *c, GError **error)
{
    g_autoptr(GPtrArray) rows = hermod_imap_client_run(c, "LIST \"\" \"*\"", error);
    GPtrArray *out;

    if (rows == NULL)
        return NULL;
    out = g_ptr_array_new_with_free_func(folder_free);
    for (guint i = 0; i < rows->len; i++) {
        HermodImapValue *r = rows->pdata[i];
        if (r->items->len != 4 ||
            g_ascii_strcasecmp(((HermodImapValue *)r->items->pdata[0])->text, "LIST") != 0)
            continue;
        const HermodImapValue *attrs = r->items->pdata[1], *delim = r->items->pdata[2],
                              *name = r->items->pdata[3];
        if (name->text == NULL || has_attr(attrs, "\\Noselect") || has_attr(attrs, "\\NonExistent"))
            continue;
        Folder *f = g_new0(Folder, 1);
        f->name = g_strdup(name->text);
        f->mailbox = target_name(name->text, delim->kind == HERMOD_IMAP_NIL ? NULL : delim->text);
        g_ptr_array_add(out, f);
    }
    return out;
}

static guint32
read_flags(const HermodImapValue *flags, GPtrArray *keywords)
{
    static const struct {
        const char *name;
        guint32 bit;
    } system[] = {{"\\Seen", HERMOD_MAIL_FLAG_SEEN},
                  {"\\Answered", HERMOD_MAIL_FLAG_ANSWERED},
                  {"\\Flagged", HERMOD_MAIL_FLAG_FLAGGED},
                  {"\\Deleted", HERMOD_MAIL_FLAG_DELETED},
                  {"\\Draft", HERMOD_MAIL_FLAG_DRAFT}};
    guint32 bits = 0;

    for (guint i = 0; flags != NULL && flags->kind == HERMOD_IMAP_LIST && i < flags->items->len;
         i++) {
        const char *f = ((HermodImapValue *)flags->items->pdata[i])->text;
        if (f == NULL)
            continue;
        if (f[0] != '\\') {
            g_ptr_array_add(keywords, g_strdup(f));
            continue;
        }
        for (guint k = 0; k < G_N_ELEMENTS(system); k++)
            bits |= g_ascii_strcasecmp(f, system[k].name) == 0 ? system[k].bit : 0;
    }
    return bits;
}

static guint64
atom_number(const HermodImapValue *v)
{
    return v != NULL && v->text != NULL ? g_ascii_strtoull(v->text, NULL, 10) : 0;
}

/* "* N FETCH (...)": the list after FETCH, or NULL. */
static const HermodImapValue *
fetch_items(const HermodImapValue *row)
{
    if (row->items->len != 3 ||
        g_ascii_strcasecmp(((HermodImapValue *)row->items->pdata[1])->text, "FETCH") != 0)
        return NULL;
    return row->items->pdata[2];
}

/* EXAMINE the folder and read its UIDVALIDITY and every message's
 * metadata. */
static gboolean
scan_folder(HermodImapClient *c, Folder *f, GError **error)
{
    g_autofree char *quoted = hermod_imap_quote(f->name);
    g_autofree char *status = g_strdup_printf("STATUS %s (UIDVALIDITY)", quoted);
    g_autofree char *examine = g_strdup_printf("EXAMINE %s", quoted);
    g_autoptr(GPtrArray) st = hermod_imap_client_run(c, status, error);
    g_autoptr(GPtrArray) ex = st != NULL ? hermod_imap_client_run(c, examine, error) : NULL;
    g_autoptr(GPtrArray) rows = NULL;

    if (ex == NULL)
        return FALSE;
    for (guint i = 0; i < st->len; i++) {
        HermodImapValue *r = st->pdata[i];
        if (r->items->len == 3)
            f->uidvalidity =
                (guint32)atom_number(hermod_imap_value_lookup(r->items->pdata[2], "UIDVALIDITY"));
    }
    f->metas = g_array_new(FALSE, TRUE, sizeof(Meta));
    /* UID FETCH on an empty folder answers OK with nothing. */
    rows = hermod_imap_client_run(c, "UID FETCH 1:* (UID FLAGS INTERNALDATE RFC822.SIZE)", error);
    if (rows == NULL)
        return FALSE;
    for (guint i = 0; i < rows->len; i++) {
        const HermodImapValue *items = fetch_items(rows->pdata[i]);
        g_autoptr(GPtrArray) kws = g_ptr_array_new_with_free_func(g_free);
        Meta m = {0};
        if (items == NULL ||
            (m.uid = (guint32)atom_number(hermod_imap_value_lookup(items, "UID"))) == 0)
            continue;
        m.flags = read_flags(hermod_imap_value_lookup(items, "FLAGS"), kws);
        g_ptr_array_add(kws, NULL);
        m.keywords = (char **)g_ptr_array_free(g_steal_pointer(&kws), FALSE);
        const HermodImapValue *date = hermod_imap_value_lookup(items, "INTERNALDATE");
        m.date = hermod_import_parse_imap_date(date != NULL ? date->text : NULL);
        m.size = atom_number(hermod_imap_value_lookup(items, "RFC822.SIZE"));
        g_array_append_val(f->metas, m);
    }
    return TRUE;
}

static gboolean
import_fetched(HermodImport *imp, const Folder *f, const HermodImapValue *items, GError **error)
{
    guint32 uid = (guint32)atom_number(hermod_imap_value_lookup(items, "UID"));
    const HermodImapValue *body = hermod_imap_value_lookup(items, "BODY[]");
    g_autofree char *key =
        g_strdup_printf("%s;UIDVALIDITY=%u;UID=%u", f->name, f->uidvalidity, uid);

    for (guint i = 0; i < f->metas->len; i++) {
        const Meta *m = &g_array_index(f->metas, Meta, i);
        if (m->uid != uid || body == NULL || body->bytes == NULL)
            continue;
        HermodImportMessage msg = {
            f->mailbox, key, body->bytes, m->flags, (const char *const *)m->keywords, m->date};
        return hermod_import_add(imp, &msg, error);
    }
    return TRUE; /* a FETCH the server sent unasked (flags changed) */
}

/* UIDs of f not imported yet, fetched FETCH_BATCH at a time. */
static gboolean
import_folder(HermodImapClient *c, HermodImport *imp, const Folder *f, GError **error)
{
    g_autofree char *quoted = hermod_imap_quote(f->name);
    g_autofree char *examine = g_strdup_printf("EXAMINE %s", quoted);
    g_autoptr(GPtrArray) ex = hermod_imap_client_run(c, examine, error);
    guint i = 0;

    if (ex == NULL)
        return FALSE;
    while (i < f->metas->len && !hermod_import_is_stopped(imp)) {
        g_autoptr(GString) set = g_string_new(NULL);
        for (; i < f->metas->len && set->len < 8 * FETCH_BATCH; i++) {
            const Meta *m = &g_array_index(f->metas, Meta, i);
            g_autofree char *key =
                g_strdup_printf("%s;UIDVALIDITY=%u;UID=%u", f->name, f->uidvalidity, m->uid);
            if (hermod_import_has(imp, key)) {
                hermod_import_skip(imp, m->size);
                continue;
            }
            g_string_append_printf(set, "%s%u", set->len > 0 ? "," : "", m->uid);
        }
        if (set->len == 0)
            continue;
        g_autofree char *cmd = g_strdup_printf("UID FETCH %s (UID BODY.PEEK[])", set->str);
        g_autoptr(GPtrArray) rows = hermod_imap_client_run(c, cmd, error);
        if (rows == NULL)
            return FALSE;
        for (guint r = 0; r < rows->len; r++) {
            const HermodImapValue *items = fetch_items(rows->pdata[r]);
            g_autoptr(GError) one = NULL;
            if (items == NULL || import_fetched(imp, f, items, &one))
                continue;
            if (g_error_matches(one, HERMOD_STORE_ERROR, HERMOD_STORE_ERROR_OVER_QUOTA)) {
                g_propagate_error(error, g_steal_pointer(&one));
                return FALSE;
            }
            fprintf(stderr, "\nhermodctl: %s: %s\n", f->name, one->message);
        }
    }
    return TRUE;
}

typedef struct {
    HermodImapTarget target;
    char *user;
    char *ca;
    char *tls;
    gboolean is_insecure;
    int port;
} Args;

/* Options, then ADDRESS; FALSE on a usage error. */
static gboolean
parse_args(int argc, char **argv, Args *a, const char **out_address)
{
    g_autofree char *host = NULL;
    GOptionEntry entries[] = {
        {"host", 0, 0, G_OPTION_ARG_STRING, &host, "server", "H"},
        {"port", 0, 0, G_OPTION_ARG_INT, &a->port, "port", "P"},
        {"user", 0, 0, G_OPTION_ARG_STRING, &a->user, "login", "U"},
        {"tls", 0, 0, G_OPTION_ARG_STRING, &a->tls, "implicit, starttls or none", "MODE"},
        {"ca", 0, 0, G_OPTION_ARG_FILENAME, &a->ca, "trusted CA certificates", "FILE"},
        {"insecure", 0, 0, G_OPTION_ARG_NONE, &a->is_insecure, "do not check the certificate",
         NULL},
        {NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);

    g_option_context_add_main_entries(ctx, entries, NULL);
    g_option_context_set_help_enabled(ctx, FALSE);
    if (!g_option_context_parse(ctx, &argc, &argv, NULL) || argc != 2 || host == NULL ||
        a->user == NULL)
        return FALSE;
    if (a->tls == NULL || strcmp(a->tls, "implicit") == 0)
        a->target.tls = HERMOD_IMAP_TLS_IMPLICIT;
    else if (strcmp(a->tls, "starttls") == 0)
        a->target.tls = HERMOD_IMAP_TLS_STARTTLS;
    else if (strcmp(a->tls, "none") == 0)
        a->target.tls = HERMOD_IMAP_TLS_NONE;
    else
        return FALSE;
    if (a->port == 0)
        a->port = a->target.tls == HERMOD_IMAP_TLS_IMPLICIT ? 993 : 143;
    if (a->port < 1 || a->port > 65535)
        return FALSE;
    a->target.host = g_steal_pointer(&host);
    a->target.port = (guint16)a->port;
    a->target.ca_file = a->ca;
    a->target.is_insecure = a->is_insecure;
    *out_address = argv[1];
    return TRUE;
}

static void
args_clear(Args *a)
{
    g_free((char *)a->target.host);
    g_free(a->user);
    g_free(a->ca);
    g_free(a->tls);
}

/* Connect, log in, scan every folder. */
static HermodImapClient *
open_source(Args *a, GPtrArray **out_folders, GError **error)
{
    g_autofree char *password = hermod_ctl_read_password(error);
    g_autoptr(HermodImapClient) c = NULL;

    if (password == NULL)
        return NULL;
    c = hermod_imap_client_connect(&a->target, error);
    if (c == NULL || !hermod_imap_client_login(c, a->user, password, error))
        return NULL;
    *out_folders = list_folders(c, error);
    if (*out_folders == NULL)
        return NULL;
    for (guint i = 0; i < (*out_folders)->len; i++) {
        if (!scan_folder(c, (*out_folders)->pdata[i], error)) {
            g_clear_pointer(out_folders, g_ptr_array_unref);
            return NULL;
        }
    }
    return g_steal_pointer(&c);
}

int
hermod_ctl_import_imap(HermodConfig *cfg, int argc, char **argv)
{
    Args a = {0};
    const char *address = NULL;
    GError *error = NULL;
    g_autoptr(GPtrArray) folders = NULL;
    g_autoptr(HermodImapClient) c = NULL;
    g_autofree char *source = NULL;
    HermodImport *imp;
    guint64 n = 0, bytes = 0;

    if (!parse_args(argc, argv, &a, &address)) {
        args_clear(&a);
        return hermod_ctl_usage("import", "imap",
                                "--host H [--port P] --user U [--tls implicit|starttls|none] "
                                "[--ca FILE] [--insecure] ADDRESS");
    }
    /* Not the port: the same account over 143 or 993 is one source. */
    source = g_strdup_printf("imap://%s@%s", a.user, a.target.host);
    c = open_source(&a, &folders, &error);
    args_clear(&a);
    imp = c != NULL ? hermod_import_new(cfg, address, source, &error) : NULL;
    if (imp == NULL)
        return hermod_ctl_report(error);
    for (guint i = 0; i < folders->len; i++) {
        Folder *f = folders->pdata[i];
        for (guint j = 0; j < f->metas->len; j++, n++)
            bytes += g_array_index(f->metas, Meta, j).size;
    }
    hermod_import_set_totals(imp, n, bytes);
    for (guint i = 0; i < folders->len && error == NULL && !hermod_import_is_stopped(imp); i++)
        import_folder(c, imp, folders->pdata[i], &error);
    g_autoptr(GPtrArray) bye = hermod_imap_client_run(c, "LOGOUT", NULL);
    return hermod_import_finish(imp, error);
}
