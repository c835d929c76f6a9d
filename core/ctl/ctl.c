/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl.c - hermodctl, the admin CLI: "hermodctl [-c FILE] [-o K=V] NOUN VERB
 * ARGS".
 *
 * Loads the config the daemon would load (-c, else $HERMOD_CONFIG, else
 * SYSCONFDIR/hermod/hermod.conf), becomes the daemon's user when started
 * as root (so that files it creates belong to the daemon), opens what the
 * noun needs (the directory for domain, user, alias and mail, the store
 * for mail) and runs the row of the noun's command table.  The rows live
 * with their subsystem in ctl-NOUN.c; this file only dispatches and prints
 * usage.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config/core-settings.h"
#include "ctl/ctl.h"
#include "directory/directory.h"
#include "lib/log.h"
#include "hermodd/privdrop.h"
#include "im/im.h"
#include "hermodd/sections.h"
#include "store/store.h"

/* Command tables: each owner adds its extern line and its entry below its
 * marker, in both lists. */
/* --- cert (tls) */
extern const HermodCtlCommand hermod_ctl_cert_commands[];
/* --- domain, user, alias, mail (store) */
extern const HermodCtlCommand hermod_ctl_domain_commands[];
extern const HermodCtlCommand hermod_ctl_user_commands[];
extern const HermodCtlCommand hermod_ctl_alias_commands[];
extern const HermodCtlCommand hermod_ctl_mail_commands[];
/* im (ctl-im.c): instant messages, broadcasts */
extern const HermodCtlCommand hermod_ctl_im_commands[];
/* --- queue (queue) */
extern const HermodCtlCommand hermod_ctl_queue_commands[];
/* --- session (web) */
extern const HermodCtlCommand hermod_ctl_session_commands[];
/* --- config, import (packaging) */
extern const HermodCtlCommand hermod_ctl_config_commands[];
extern const HermodCtlCommand hermod_ctl_import_commands[];

static const HermodCtlCommand *const tables[] = {
    /* --- cert (tls) */
    hermod_ctl_cert_commands,
    /* --- domain, user, alias, mail (store) */
    hermod_ctl_domain_commands,
    hermod_ctl_user_commands,
    hermod_ctl_alias_commands,
    hermod_ctl_mail_commands,
    hermod_ctl_im_commands,
    /* --- queue (queue) */
    hermod_ctl_queue_commands,
    /* --- session (web) */
    hermod_ctl_session_commands,
    /* --- config, import (packaging) */
    hermod_ctl_config_commands,
    hermod_ctl_import_commands,
    NULL,
};

/* Nouns whose rows use the directory (data_dir/hermod.db). */
static const char *const directory_nouns[] = {"domain", "user", "alias", "mail",
                                              "import", "im",   NULL};

static void
print_row(FILE *out, const HermodCtlCommand *c)
{
    g_autofree char *call = g_strdup_printf("%s %s %s", c->noun, c->verb, c->usage);

    if (strlen(call) > 40)
        fprintf(out, "  %s\n  %-40s %s\n", call, "", c->help);
    else
        fprintf(out, "  %-40s %s\n", call, c->help);
}

static gboolean
has_noun(const char *noun)
{
    for (guint t = 0; tables[t] != NULL; t++) {
        for (const HermodCtlCommand *c = tables[t]; c->noun != NULL; c++) {
            if (strcmp(c->noun, noun) == 0)
                return TRUE;
        }
    }
    return FALSE;
}

/* Every row, or only noun's. */
static void
print_usage(FILE *out, const char *noun)
{
    fprintf(out, "usage: hermodctl [-c FILE] [-o SECTION.KEY=VALUE] NOUN VERB [ARGS]\n"
                 "commands:\n");
    for (guint t = 0; tables[t] != NULL; t++) {
        for (const HermodCtlCommand *c = tables[t]; c->noun != NULL; c++) {
            if (noun == NULL || strcmp(c->noun, noun) == 0)
                print_row(out, c);
        }
    }
    if (noun == NULL)
        fprintf(out, "  %-40s %s\n", "help [NOUN]", "list the commands (of NOUN)");
}

/* --dump-commands: one tab-separated line per row, for hermodctl(8). */
static int
dump_commands(void)
{
    for (guint t = 0; tables[t] != NULL; t++) {
        for (const HermodCtlCommand *c = tables[t]; c->noun != NULL; c++)
            printf("%s\t%s\t%s\t%s\n", c->noun, c->verb, c->usage, c->help);
    }
    return fflush(stdout) == 0 ? 0 : 1;
}

static const HermodCtlCommand *
find_command(const char *noun, const char *verb)
{
    for (guint t = 0; tables[t] != NULL; t++) {
        for (const HermodCtlCommand *c = tables[t]; c->noun != NULL; c++) {
            if (strcmp(c->noun, noun) == 0 && strcmp(c->verb, verb) == 0)
                return c;
        }
    }
    return NULL;
}

/* Become the daemon's user and open what noun needs. */
static gboolean
prepare(HermodConfig *cfg, const char *noun, GError **error)
{
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");
    HermodPrivdrop priv;
    gboolean ok;

    hermod_log_open(NULL, HERMOD_LOG_WARNING, NULL);
    if (!hermod_privdrop_prepare(cfg, &priv, error))
        return FALSE;
    if (priv.is_needed && g_mkdir_with_parents(data_dir, 0750) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot create %s: %s",
                    data_dir, g_strerror(err));
        hermod_privdrop_clear(&priv);
        return FALSE;
    }
    ok = hermod_privdrop_apply(&priv, data_dir, error);
    hermod_privdrop_clear(&priv);
    if (ok && g_strv_contains(directory_nouns, noun))
        ok = hermod_directory_open(data_dir, error);
    if (ok && (strcmp(noun, "mail") == 0 || strcmp(noun, "import") == 0 || strcmp(noun, "im") == 0))
        hermod_store_set_root(data_dir);
    if (ok && strcmp(noun, "im") == 0)
        hermod_im_set_data_dir(data_dir);
    return ok;
}

static int
usage_for(FILE *out, const char *noun, int status)
{
    if (noun != NULL && !has_noun(noun)) {
        fprintf(stderr, "hermodctl: unknown noun \"%s\"\n", noun);
        print_usage(stderr, NULL);
        return 2;
    }
    print_usage(out, noun);
    return status;
}

static int
run_command(const char *config_path, char **overrides, int argc, char **argv)
{
    const HermodCtlCommand *c = find_command(argv[0], argv[1]);
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodConfig) cfg = NULL;
    int status;

    if (c == NULL && !has_noun(argv[0]))
        return usage_for(stderr, argv[0], 2);
    if (c == NULL) {
        fprintf(stderr, "hermodctl: %s has no verb \"%s\"\n", argv[0], argv[1]);
        print_usage(stderr, argv[0]);
        return 2;
    }
    hermod_config_set_sections(hermod_core_sections);
    cfg = hermod_config_load(config_path, (const char *const *)overrides, &error);
    if (cfg == NULL || !prepare(cfg, c->noun, &error)) {
        fprintf(stderr, "hermodctl: %s\n", error->message);
        return 1;
    }
    hermod_config_set_current(cfg);
    status = c->run(cfg, argc - 1, argv + 1);
    hermod_config_set_current(NULL);
    if (g_strv_contains(directory_nouns, c->noun))
        hermod_directory_close();
    return status;
}

/* "help [NOUN]" and "NOUN help" print usage on stdout; a bare "NOUN" or
 * nothing prints it on stderr and fails; anything else is a command. */
static int
dispatch(const char *config_path, char **overrides, int argc, char **argv)
{
    if (argc == 0)
        return usage_for(stderr, NULL, 2);
    if (strcmp(argv[0], "help") == 0)
        return usage_for(stdout, argc > 1 ? argv[1] : NULL, 0);
    if (argc == 1)
        return usage_for(stderr, argv[0], 2);
    if (strcmp(argv[1], "help") == 0)
        return usage_for(stdout, argv[0], 0);
    return run_command(config_path, overrides, argc, argv);
}

#include "ctl/ctl.h"

/* --- command tables, one block per noun (ctl-NOUN.c) */
/* cert (ctl-cert.c) */
extern const HermodCtlCommand hermod_ctl_cert_commands[];

int
main(int argc, char **argv)
{
    g_autofree char *config_path = NULL;
    g_auto(GStrv) overrides = NULL;
    gboolean is_dump = FALSE;
    GOptionEntry entries[] = {{"config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
                               "config file (default: $HERMOD_CONFIG or " HERMOD_SYSCONFDIR
                               "/hermod/hermod.conf)",
                               "FILE"},
                              {"option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &overrides,
                               "override a setting", "SECTION.KEY=VALUE"},
                              {"dump-commands", 0, 0, G_OPTION_ARG_NONE, &is_dump,
                               "print every command (tab-separated) and exit", NULL},
                              {NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new("NOUN VERB [ARGS] - administer Hermod");
    g_autoptr(GError) error = NULL;
    const char *env = g_getenv("HERMOD_CONFIG");

    g_option_context_add_main_entries(ctx, entries, NULL);
    /* Options after NOUN belong to the command. */
    g_option_context_set_strict_posix(ctx, TRUE);
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "hermodctl: %s\n", error->message);
        return 2;
    }
    if (is_dump)
        return dump_commands();
    if (config_path == NULL)
        config_path =
            g_strdup(env != NULL && *env != '\0' ? env : HERMOD_SYSCONFDIR "/hermod/hermod.conf");
    return dispatch(config_path, overrides, argc - 1, argv + 1);
}
