/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-im.c - "hermodctl im send|history|broadcast|notify": instant
 * messages for admins and scripts.
 *
 * send writes a semaphore file into [imsem] drop_dir the way any writer
 * should (IM-<id>.LCK first, then IM-<id>.SEM, synced, then the LCK
 * removed), so the running daemon's imsem module delivers it; the
 * module's settings are read through its own table (the module file is
 * opened, not run).  history reads an account's IM history from its
 * store (the daemon may have it open: WAL), broadcast files a notice for
 * every user's next webmail page view, notify sets an account's new-mail
 * notification template.  The hub's functions do the work; this file
 * parses arguments and prints.
 */
#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "ctl/ctl-util.h"
#include "ctl/ctl.h"
#include "directory/directory.h"
#include "im/im-broadcast.h"
#include "im/im-json.h"
#include "im/im.h"
#include "plugin/modules.h"

#define TEXT_MAX (256 * 1024)

/* All of stdin, at most TEXT_MAX bytes.  (transfer full) */
static char *
read_stdin(GError **error)
{
    GString *s = g_string_new(NULL);
    char buf[4096];
    size_t n;

    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        g_string_append_len(s, buf, (gssize)n);
        if (s->len > TEXT_MAX) {
            g_string_free(s, TRUE);
            g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_TOO_BIG,
                        "the text is longer than %d bytes", TEXT_MAX);
            return NULL;
        }
    }
    while (s->len > 0 && (s->str[s->len - 1] == '\n' || s->str[s->len - 1] == '\r'))
        g_string_truncate(s, s->len - 1);
    return g_string_free(s, FALSE);
}

/* [imsem] drop_dir, read with the module's own settings table. */
static char *
drop_dir(HermodConfig *cfg, GError **error)
{
    g_autoptr(GPtrArray) mods = hermod_modules_open(cfg, error);

    if (mods == NULL)
        return NULL;
    if (hermod_config_table(cfg, "imsem") == NULL) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_INVALID,
                    "imsem is not among [core] modules, so nobody reads SEM files");
        return NULL;
    }
    return hermod_config_path(cfg, "imsem", "drop_dir");
}

static gboolean
write_all(int fd, const char *data, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return FALSE;
        data += n;
        len -= (gsize)n;
    }
    return TRUE;
}

static gboolean
io_error(GError **error, const char *what, const char *path)
{
    int err = errno;

    g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot %s %s: %s", what, path,
                g_strerror(err));
    return FALSE;
}

/* LCK, SEM (synced), LCK removed.  *out_name: the SEM's name. */
static gboolean
write_sem(const char *dir, const char *content, char **out_name, GError **error)
{
    g_autofree char *id =
        g_strdup_printf("%" G_GINT64_FORMAT "%05d", g_get_real_time(), (int)(getpid() % 100000));
    g_autofree char *lck = g_strdup_printf("%s/IM-%s.LCK", dir, id);
    g_autofree char *sem = g_strdup_printf("%s/IM-%s.SEM", dir, id);
    int lfd = open(lck, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    int fd;
    gboolean ok;

    if (lfd < 0)
        return io_error(error, "create", lck);
    close(lfd);
    fd = open(sem, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    ok = fd >= 0 && write_all(fd, content, strlen(content)) && fsync(fd) == 0;
    if (!ok)
        io_error(error, "write", sem);
    if (fd >= 0)
        close(fd);
    if (!ok)
        g_unlink(sem);
    g_unlink(lck);
    *out_name = ok ? g_strdup_printf("IM-%s.SEM", id) : NULL;
    return ok;
}

static gboolean
is_blank(const char *text)
{
    for (const char *p = text; *p != '\0'; p++) {
        if (!g_ascii_isspace(*p))
            return FALSE;
    }
    return TRUE;
}

static gboolean
check_addresses(const char *from, const char *to, GError **error)
{
    g_autofree char *f = hermod_directory_canonical(from);
    g_autofree char *t = hermod_directory_canonical(to);
    HermodAddrKind kind = HERMOD_ADDR_INVALID;

    if (f == NULL || t == NULL) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_BAD_ADDRESS, "not an address: %s",
                    f == NULL ? from : to);
        return FALSE;
    }
    if (!hermod_directory_classify(t, &kind, error))
        return FALSE;
    if (kind != HERMOD_ADDR_LOCAL) {
        g_set_error(error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_NO_RECIPIENT,
                    "no local account or alias is %s", to);
        return FALSE;
    }
    return TRUE;
}

static int
im_send(HermodConfig *cfg, int argc, char **argv)
{
    g_autofree char *from = NULL, *to = NULL, *dir = NULL, *text = NULL, *name = NULL;
    g_autofree char *content = NULL;
    GOptionEntry entries[] = {
        {"from", 0, 0, G_OPTION_ARG_STRING, &from, "sender address", "ADDR"},
        {"to", 0, 0, G_OPTION_ARG_STRING, &to, "recipient: a local account or alias", "ADDR"},
        {NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    GError *error = NULL;

    g_option_context_set_help_enabled(ctx, FALSE);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc > 1 || from == NULL ||
        to == NULL) {
        g_clear_error(&error);
        return hermod_ctl_usage("im", "send", "--from ADDR --to ADDR < TEXT");
    }
    if (!check_addresses(from, to, &error) || (text = read_stdin(&error)) == NULL ||
        (dir = drop_dir(cfg, &error)) == NULL)
        return hermod_ctl_report(error);
    if (!g_utf8_validate(text, -1, NULL) || is_blank(text)) {
        g_set_error(&error, HERMOD_IM_ERROR, HERMOD_IM_ERROR_BAD_TEXT,
                    "the text (stdin) must be non-blank UTF-8");
        return hermod_ctl_report(error);
    }
    content = g_strdup_printf("%s\n%s\n\n%s\n", to, from, text);
    if (!write_sem(dir, content, &name, &error))
        return hermod_ctl_report(error);
    printf("queued %s/%s\n", dir, name);
    return 0;
}

/* DATE as YYYY-MM-DD (local midnight) or an ISO 8601 time; microseconds. */
static gboolean
parse_date(const char *text, gint64 *out, GError **error)
{
    g_autoptr(GTimeZone) local = g_time_zone_new_local();
    g_autoptr(GDateTime) dt = g_date_time_new_from_iso8601(text, local);
    int y, m, d;
    char tail;

    if (dt == NULL && sscanf(text, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3)
        dt = g_date_time_new_local(y, m, d, 0, 0, 0);
    if (dt == NULL) {
        g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                    "--since takes YYYY-MM-DD or an ISO 8601 time, not %s", text);
        return FALSE;
    }
    *out = g_date_time_to_unix(dt) * G_USEC_PER_SEC;
    return TRUE;
}

static void
print_im(const HermodIm *im, gboolean is_json)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(im->time / G_USEC_PER_SEC);
    g_autofree char *when = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
    g_auto(GStrv) lines = NULL;

    if (is_json) {
        g_autofree char *json = hermod_im_json_im(im);
        printf("%s\n", json);
        return;
    }
    printf("%s\t%s\t%s\t%s\t%s\n", when, im->is_outgoing ? "out" : "in", im->sender, im->recipient,
           im->source);
    lines = g_strsplit(im->text, "\n", -1);
    for (char **l = lines; *l != NULL; l++)
        printf("    %s\n", *l);
}

static int
im_history(HermodConfig *cfg, int argc, char **argv)
{
    g_autofree char *since = NULL, *with = NULL, *account = NULL;
    gboolean is_json = FALSE;
    GOptionEntry entries[] = {
        {"since", 0, 0, G_OPTION_ARG_STRING, &since, "only IMs from DATE on", "DATE"},
        {"with", 0, 0, G_OPTION_ARG_STRING, &with, "only IMs exchanged with ADDR", "ADDR"},
        {"json", 0, 0, G_OPTION_ARG_NONE, &is_json, "one JSON object per line", NULL},
        {NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_autoptr(GPtrArray) list = NULL;
    HermodImQuery q = {.struct_size = sizeof q};
    GError *error = NULL;
    gboolean exists = FALSE;

    g_option_context_set_help_enabled(ctx, FALSE);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc != 2) {
        g_clear_error(&error);
        return hermod_ctl_usage("im", "history", "ADDRESS [--since DATE] [--with ADDR] [--json]");
    }
    if (since != NULL && !parse_date(since, &q.since, &error))
        return hermod_ctl_report(error);
    if (!hermod_im_resolve(argv[1], &account, &error))
        return hermod_ctl_report(error);
    if (account == NULL || !hermod_directory_account_exists(account, &exists, &error) || !exists) {
        g_clear_error(&error);
        fprintf(stderr, "hermodctl: no such account: %s\n", argv[1]);
        return 1;
    }
    q.account = account;
    q.with = with;
    list = hermod_im_history(&q, &error);
    if (list == NULL)
        return hermod_ctl_report(error);
    for (guint i = 0; i < list->len; i++)
        print_im(list->pdata[i], is_json);
    return 0;
}

static int
im_broadcast(HermodConfig *cfg, int argc, char **argv)
{
    g_autofree char *lifetime = NULL, *text = NULL;
    gboolean is_list = FALSE;
    GOptionEntry entries[] = {
        {"lifetime", 0, 0, G_OPTION_ARG_STRING, &lifetime,
         "shown to users who log in within this time (default 7d)", "DURATION"},
        {"list", 0, 0, G_OPTION_ARG_NONE, &is_list, "list the notices still shown", NULL},
        {NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    gint64 seconds = 7 * 86400;
    GError *error = NULL;

    g_option_context_set_help_enabled(ctx, FALSE);
    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc > 2) {
        g_clear_error(&error);
        return hermod_ctl_usage("im", "broadcast", "[--lifetime DURATION] [TEXT] | --list");
    }
    if (is_list) {
        g_autoptr(GPtrArray) all = hermod_im_broadcast_list(&error);
        if (all == NULL)
            return hermod_ctl_report(error);
        for (guint i = 0; i < all->len; i++)
            printf("%s\n", (char *)all->pdata[i]);
        return 0;
    }
    if (lifetime != NULL) {
        char *end = NULL;
        seconds = g_ascii_strtoll(lifetime, &end, 10);
        gint64 unit = *end == 'd' ? 86400 : *end == 'h' ? 3600 : *end == 'm' ? 60 : 1;
        if (seconds <= 0 || (*end != '\0' && (strchr("smhd", *end) == NULL || end[1] != '\0')))
            return hermod_ctl_usage("im", "broadcast", "--lifetime N[s|m|h|d]");
        seconds *= unit;
    }
    text = argc == 2 ? g_strdup(argv[1]) : read_stdin(&error);
    if (text == NULL || !hermod_im_broadcast_add(text, seconds, &error))
        return hermod_ctl_report(error);
    printf("broadcast filed; shown once on each user's next webmail page view\n");
    return 0;
}

static int
im_notify(HermodConfig *cfg, int argc, char **argv)
{
    g_autofree char *account = NULL, *value = NULL;
    GError *error = NULL;
    gboolean exists = FALSE;

    if (argc < 2 || argc > 3)
        return hermod_ctl_usage("im", "notify", "ADDRESS [TEMPLATE|off]");
    if (!hermod_im_resolve(argv[1], &account, &error))
        return hermod_ctl_report(error);
    if (account == NULL || !hermod_directory_account_exists(account, &exists, &error) || !exists) {
        g_clear_error(&error);
        fprintf(stderr, "hermodctl: no such account: %s\n", argv[1]);
        return 1;
    }
    if (argc == 2) {
        if (!hermod_im_setting_get(account, "notify_new_mail", &value, &error))
            return hermod_ctl_report(error);
        printf("%s\n", value != NULL ? value : "off");
        return 0;
    }
    if (!hermod_im_setting_set(account, "notify_new_mail",
                               g_str_equal(argv[2], "off") ? NULL : argv[2], &error))
        return hermod_ctl_report(error);
    return 0;
}

const HermodCtlCommand hermod_ctl_im_commands[] = {
    {"im", "send", "--from ADDR --to ADDR < TEXT",
     "send an instant message (writes a SEM file for the imsem module)", im_send},
    {"im", "history", "ADDRESS [--since DATE] [--with ADDR] [--json]",
     "an account's IM history, oldest first", im_history},
    {"im", "broadcast", "[--lifetime DURATION] [TEXT] | --list",
     "a notice for every user's next webmail page view (TEXT or stdin)", im_broadcast},
    {"im", "notify", "ADDRESS [TEMPLATE|off]",
     "new-mail notifications as IMs; %from% and %subject% in TEMPLATE", im_notify},
    {NULL, NULL, NULL, NULL, NULL},
};
