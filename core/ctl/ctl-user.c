/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-user.c - "hermodctl user add|passwd|del|list|quota": accounts.
 *
 * Passwords are read from stdin (without echo on a terminal), never from
 * the command line, where every user of the machine could see them in the
 * process list.  An account can only be made in a local domain.  Deleting
 * an account moves its mail folder (data_dir/mail/DOMAIN/LOCAL) to
 * data_dir/deleted/DOMAIN/LOCAL.DATE for the admin to archive or remove
 * (--keep-mail leaves it where it is); either way the command says where
 * the mail is.  The rules live in directory-accounts.c.
 */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "ctl/ctl-util.h"
#include "ctl/ctl.h"
#include "directory/directory.h"
#include "store/store.h"

/* Run set(address, password) with a password read from stdin. */
static int
with_password(const char *address, gboolean (*set)(const char *, const char *, GError **),
              const char *done)
{
    GError *error = NULL;
    char *password = hermod_ctl_read_password(&error);
    gboolean ok;

    if (password == NULL)
        return hermod_ctl_report(error);
    ok = set(address, password, &error);
    memset(password, 0, strlen(password));
    g_free(password);
    if (!ok)
        return hermod_ctl_report(error);
    printf("%s %s\n", done, address);
    return 0;
}

static int
cmd_add(HermodConfig *cfg, int argc, char **argv)
{
    if (argc != 2)
        return hermod_ctl_usage("user", "add", "ADDRESS  (password on stdin)");
    return with_password(argv[1], hermod_directory_user_add, "added");
}

static int
cmd_passwd(HermodConfig *cfg, int argc, char **argv)
{
    if (argc != 2)
        return hermod_ctl_usage("user", "passwd", "ADDRESS  (password on stdin)");
    return with_password(argv[1], hermod_directory_user_passwd, "new password for");
}

/* After the account is gone: its mail folder to data_dir/deleted. */
static int
retire_mail(HermodConfig *cfg, const char *address)
{
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");
    g_autofree char *into = g_build_filename(data_dir, "deleted", NULL);
    g_autofree char *moved_to = NULL;
    GError *error = NULL;

    hermod_store_set_root(data_dir);
    if (!hermod_store_retire(address, into, &moved_to, &error)) {
        fprintf(stderr, "hermodctl: deleted %s, but its mail folder stays: %s\n", address,
                error->message);
        g_error_free(error);
        return 1;
    }
    if (moved_to != NULL)
        printf("deleted %s; its mail folder was moved to %s\n", address, moved_to);
    else
        printf("deleted %s; it had no mail folder\n", address);
    return 0;
}

static int
cmd_del(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    gboolean keep = argc == 3 && strcmp(argv[1], "--keep-mail") == 0;
    const char *address = argv[keep ? 2 : 1];
    g_autofree char *canon = NULL;

    if (argc != (keep ? 3 : 2) || address[0] == '-')
        return hermod_ctl_usage("user", "del", "[--keep-mail] ADDRESS");
    canon = hermod_directory_canonical(address);
    if (!hermod_directory_user_del(address, &error))
        return hermod_ctl_report(error);
    if (keep) {
        printf("deleted %s; its mail folder is kept in place\n", address);
        return 0;
    }
    return retire_mail(cfg, canon != NULL ? canon : address);
}

static int
cmd_list(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    g_autoptr(GPtrArray) users = NULL;

    if (argc > 2)
        return hermod_ctl_usage("user", "list", "[DOMAIN]");
    users = hermod_directory_user_list(argc == 2 ? argv[1] : NULL, &error);
    if (users == NULL)
        return hermod_ctl_report(error);
    for (guint i = 0; i < users->len; i++) {
        guint64 quota = 0;
        if (!hermod_directory_user_quota(users->pdata[i], &quota, &error))
            return hermod_ctl_report(error);
        g_autofree char *shown =
            quota == 0 ? g_strdup("unlimited") : g_format_size_full(quota, G_FORMAT_SIZE_IEC_UNITS);
        printf("%-40s quota %s\n", (const char *)users->pdata[i], shown);
    }
    return 0;
}

/* "0" or "unlimited", else a number with an optional K, M, G or T
 * (powers of 1024). */
static gboolean
parse_size(const char *text, guint64 *out)
{
    static const char units[] = "KMGT";
    char *end = NULL;
    guint64 n, mult = 1;

    if (g_ascii_strcasecmp(text, "unlimited") == 0) {
        *out = 0;
        return TRUE;
    }
    if (!g_ascii_isdigit(text[0]))
        return FALSE;
    n = g_ascii_strtoull(text, &end, 10);
    if (*end != '\0') {
        const char *u = strchr(units, g_ascii_toupper(*end));
        if (u == NULL || end[1] != '\0')
            return FALSE;
        mult = (guint64)1 << (10 * (u - units + 1));
    }
    if (n > G_MAXUINT64 / mult)
        return FALSE;
    *out = n * mult;
    return TRUE;
}

static int
cmd_quota(HermodConfig *cfg, int argc, char **argv)
{
    GError *error = NULL;
    guint64 bytes = 0;

    if (argc != 3 || !parse_size(argv[2], &bytes))
        return hermod_ctl_usage("user", "quota",
                                "ADDRESS SIZE  (bytes, or with K/M/G/T; 0 or unlimited)");
    if (!hermod_directory_user_set_quota(argv[1], bytes, &error))
        return hermod_ctl_report(error);
    printf("quota of %s set to %s\n", argv[1], bytes == 0 ? "unlimited" : argv[2]);
    return 0;
}

const HermodCtlCommand hermod_ctl_user_commands[] = {
    {"user", "add", "ADDRESS", "create an account; password on stdin", cmd_add},
    {"user", "passwd", "ADDRESS", "change a password; new password on stdin", cmd_passwd},
    {"user", "del", "[--keep-mail] ADDRESS",
     "delete an account; its mail moves to data_dir/deleted (--keep-mail: stays)", cmd_del},
    {"user", "list", "[DOMAIN]", "list accounts and their quotas", cmd_list},
    {"user", "quota", "ADDRESS SIZE", "set a quota (500M, 2G; 0 = unlimited)", cmd_quota},
    {NULL, NULL, NULL, NULL, NULL},
};
