/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-cert.c - "hermodctl cert create" and "hermodctl cert list".
 *
 * create makes a self-signed certificate with certgen.c into the folder
 * the TLS store reads (data_dir/certs); list loads the store the way
 * hermodd would (without creating anything) and prints one line per
 * certificate.  The running daemon picks new files up on SIGHUP, which
 * create sends itself when [core] pid_file names a running hermodd.
 */
#include "autoconfig.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/certgen.h"
#include "ctl/ctl.h"
#include "tls/tls.h"

typedef struct {
    char *host, *org, *alt, *hash, *country, *type, *name;
    int bits, days;
    gboolean force;
} CreateArgs;

static void
create_args_clear(CreateArgs *a)
{
    g_free(a->host);
    g_free(a->org);
    g_free(a->alt);
    g_free(a->hash);
    g_free(a->country);
    g_free(a->type);
    g_free(a->name);
}

static int
usage_error(const char *msg)
{
    fprintf(stderr, "hermodctl: cert create: %s\n", msg);
    return 2;
}

static gboolean
parse_create(CreateArgs *a, int argc, char **argv, GError **error)
{
    GOptionEntry entries[] = {
        {"host", 0, 0, G_OPTION_ARG_STRING, &a->host, "host name: CN and first SAN", "NAME"},
        {"org", 0, 0, G_OPTION_ARG_STRING, &a->org, "organisation (O)", "ORG"},
        {"alt", 0, 0, G_OPTION_ARG_STRING, &a->alt, "more DNS names, comma-separated", "NAME,NAME"},
        {"bits", 0, 0, G_OPTION_ARG_INT, &a->bits, "key size (RSA >= 2048; ECDSA 256 or 384)", "N"},
        {"hash", 0, 0, G_OPTION_ARG_STRING, &a->hash, "sha256 (default), sha384 or sha512", "HASH"},
        {"country", 0, 0, G_OPTION_ARG_STRING, &a->country, "two-letter country code (C)", "CC"},
        {"type", 0, 0, G_OPTION_ARG_STRING, &a->type, "rsa (default) or ecdsa", "TYPE"},
        {"name", 0, 0, G_OPTION_ARG_STRING, &a->name, "file base (default: the host name)",
         "FILEBASE"},
        {"days", 0, 0, G_OPTION_ARG_INT, &a->days, "validity in days (default 825)", "N"},
        {"force", 0, 0, G_OPTION_ARG_NONE, &a->force, "replace existing files", NULL},
        {NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new("- make a self-signed certificate");

    g_option_context_set_help_enabled(ctx, FALSE);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, error))
        return FALSE;
    if (argc > 1) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "unexpected \"%s\"", argv[1]);
        return FALSE;
    }
    if (!a->host) {
        g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
                            "--host NAME is required");
        return FALSE;
    }
    if (a->bits < 0 || a->days < 0) {
        g_set_error_literal(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                            "--bits and --days take positive numbers");
        return FALSE;
    }
    return TRUE;
}

/* The file base for host: "*.example.test" becomes "wildcard.example.test". */
static char *
default_name(const char *host)
{
    if (g_str_has_prefix(host, "*."))
        return g_strconcat("wildcard", host + 1, NULL);
    return g_strdup(host);
}

static gboolean
fill_params(const CreateArgs *a, HermodCertgenParams *p, char ***out_alts)
{
    if (a->type && strcmp(a->type, "rsa") != 0 && strcmp(a->type, "ecdsa") != 0)
        return FALSE;
    p->host = a->host;
    p->org = a->org;
    p->country = a->country;
    p->hash = a->hash;
    p->key_type = a->type && strcmp(a->type, "ecdsa") == 0 ? HERMOD_CERTGEN_KEY_ECDSA
                                                           : HERMOD_CERTGEN_KEY_RSA;
    p->bits = (guint)a->bits;
    p->days = (guint)a->days;
    *out_alts = a->alt ? g_strsplit(a->alt, ",", -1) : NULL;
    for (guint i = 0; *out_alts && (*out_alts)[i]; i++)
        g_strstrip((*out_alts)[i]);
    p->alt_names = (const char *const *)*out_alts;
    return TRUE;
}

/* Print the new certificate as "cert list" shows it among the others. */
static void
print_new(HermodConfig *cfg, const char *dir, const char *name)
{
    g_autoptr(HermodTlsStore) store = hermod_tls_store_load_existing(cfg, NULL);
    g_autoptr(GPtrArray) lines = store ? hermod_tls_store_describe(store) : NULL;
    g_autofree char *prefix = g_strdup_printf("name=%s ", name);

    printf("wrote %s/%s.crt and %s/%s.key\n", dir, name, dir, name);
    for (guint i = 0; lines && i < lines->len; i++)
        if (g_str_has_prefix(lines->pdata[i], prefix))
            printf("%s\n", (const char *)lines->pdata[i]);
}

/* The running hermodd of [core] pid_file, or 0: the pid must name a live
 * process whose program is hermodd, so that a stale file never gets
 * another process signalled. */
static pid_t
daemon_pid(HermodConfig *cfg)
{
    g_autofree char *path = hermod_config_path(cfg, "core", "pid_file");
    g_autofree char *text = NULL;
    char *end = NULL;

    if (path == NULL || !g_file_get_contents(path, &text, NULL, NULL))
        return 0;
    long pid = strtol(text, &end, 10);
    if (pid <= 1 || end == text || (*end != '\n' && *end != '\0'))
        return 0;
    g_autofree char *link = g_strdup_printf("/proc/%ld/exe", pid);
    g_autofree char *exe = g_file_read_link(link, NULL);
    g_autofree char *base = exe != NULL ? g_path_get_basename(exe) : NULL;
    return g_strcmp0(base, "hermodd") == 0 ? (pid_t)pid : 0;
}

/* A new certificate is served by new handshakes once hermodd reloads its
 * store: tell the daemon when [core] pid_file finds it, else the admin. */
static void
reload_daemon(HermodConfig *cfg)
{
    pid_t pid = daemon_pid(cfg);

    if (pid != 0 && kill(pid, SIGHUP) == 0)
        printf("hermodd (pid %ld) reloads: new TLS and HTTPS handshakes use it\n", (long)pid);
    else
        printf("reload hermodd (SIGHUP) to serve it\n");
}

static int
run_create(HermodConfig *cfg, int argc, char **argv)
{
    CreateArgs a = {0};
    HermodCertgenParams p = {0};
    g_auto(GStrv) alts = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = hermod_tls_certs_dir(cfg);
    g_autofree char *name = NULL;
    int status = 1;

    if (!parse_create(&a, argc, argv, &error)) {
        status = usage_error(error->message);
        goto out;
    }
    if (!fill_params(&a, &p, &alts)) {
        status = usage_error("--type is rsa or ecdsa");
        goto out;
    }
    name = a.name ? g_strdup(a.name) : default_name(a.host);
    if (!hermod_certgen_write(&p, dir, name, a.force, &error)) {
        fprintf(stderr, "hermodctl: cert create: %s\n", error->message);
        goto out;
    }
    print_new(cfg, dir, name);
    reload_daemon(cfg);
    status = 0;
out:
    create_args_clear(&a);
    return status;
}

static int
run_list(HermodConfig *cfg, int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodTlsStore) store = NULL;
    g_autoptr(GPtrArray) lines = NULL;
    g_autofree char *dir = hermod_tls_certs_dir(cfg);

    if (argc > 1) {
        fprintf(stderr, "hermodctl: cert list takes no arguments\n");
        return 2;
    }
    store = hermod_tls_store_load_existing(cfg, &error);
    if (!store) {
        fprintf(stderr, "hermodctl: cert list: %s\n", error->message);
        return 1;
    }
    lines = hermod_tls_store_describe(store);
    for (guint i = 0; i < lines->len; i++)
        printf("%s\n", (const char *)lines->pdata[i]);
    if (lines->len == 0)
        fprintf(stderr,
                "hermodctl: no certificates; hermodd makes %s/default.crt on first "
                "start\n",
                dir);
    return 0;
}

const HermodCtlCommand hermod_ctl_cert_commands[] = {
    {"cert", "create",
     "--host NAME [--org ORG] [--alt NAME,NAME] [--type rsa|ecdsa] [--bits N] "
     "[--hash sha256|sha384|sha512] [--country CC] [--name FILEBASE] [--days N] [--force]",
     "make a self-signed certificate in data_dir/certs", run_create},
    {"cert", "list", "", "list the certificates hermodd serves, the default marked", run_list},
    {NULL},
};
