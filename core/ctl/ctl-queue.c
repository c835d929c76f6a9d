/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * ctl-queue.c - "hermodctl queue list|flush|delete ID".
 *
 * Works on the files in data_dir/queue (queue-file.c), so it needs no
 * running daemon: list reads the envelopes, delete removes one message's
 * files (a running daemon notices on its next attempt and forgets it),
 * flush leaves data_dir/queue/.flush for the running daemon's scheduler,
 * which retries everything within a second and removes the file.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ctl/ctl.h"
#include "mailflow/queue-file.h"
#include "mailflow/queue.h"

static char *
queue_dir(HermodConfig *cfg)
{
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");

    return g_build_filename(data_dir, "queue", NULL);
}

/* "42s", "5m", "3h", "2d". */
static char *
span(gint64 seconds)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds < 120)
        return g_strdup_printf("%" G_GINT64_FORMAT "s", seconds);
    if (seconds < 2 * 3600)
        return g_strdup_printf("%" G_GINT64_FORMAT "m", seconds / 60);
    if (seconds < 2 * 86400)
        return g_strdup_printf("%" G_GINT64_FORMAT "h", seconds / 3600);
    return g_strdup_printf("%" G_GINT64_FORMAT "d", seconds / 86400);
}

static void
print_entry(HermodQueueEntry *e, gint64 now)
{
    static const char *const words[] = {"queued", "delivered", "failed"};
    g_autofree char *age = span(now - e->created);
    g_autofree char *next = span(e->next_attempt - now);

    printf("%-16s %5s %10" G_GUINT64_FORMAT "  <%s>\n", e->id, age, e->size, e->sender);
    for (guint i = 0; i < e->rcpts->len; i++) {
        HermodQueueRcptState *r = g_ptr_array_index(e->rcpts, i);
        printf("    <%s> %s attempts=%u", r->address, words[r->status], r->attempts);
        if (r->status == HERMOD_RCPT_QUEUED)
            printf(" next=%s", e->next_attempt <= now ? "now" : next);
        if (r->diagnostic != NULL)
            printf(" (%s)", r->diagnostic);
        printf("\n");
    }
}

static int
cmd_list(HermodConfig *cfg, int argc, char **argv)
{
    g_autofree char *dir = queue_dir(cfg);
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) ids = NULL;
    gint64 now = g_get_real_time() / G_USEC_PER_SEC;

    if (argc != 1)
        return 2;
    if (!g_file_test(dir, G_FILE_TEST_IS_DIR)) {
        printf("queue is empty\n");
        return 0;
    }
    ids = hermod_queue_file_list(dir, &err);
    if (ids == NULL) {
        fprintf(stderr, "hermodctl: %s\n", err->message);
        return 1;
    }
    printf("%-16s %5s %10s  %s\n", "ID", "AGE", "SIZE", "SENDER / RECIPIENTS");
    for (guint i = 0; i < ids->len; i++) {
        g_autoptr(HermodQueueEntry) e = hermod_queue_file_load(dir, ids->pdata[i], &err);
        if (e == NULL) {
            fprintf(stderr, "hermodctl: %s\n", err->message);
            g_clear_error(&err);
            continue;
        }
        print_entry(e, now);
    }
    printf("%u message(s)\n", ids->len);
    return 0;
}

static int
cmd_flush(HermodConfig *cfg, int argc, char **argv)
{
    g_autofree char *dir = queue_dir(cfg);
    g_autofree char *path = g_build_filename(dir, HERMOD_QUEUE_FLUSH_FILE, NULL);

    if (argc != 1)
        return 2;
    g_mkdir_with_parents(dir, 0750);
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0640);
    if (fd < 0) {
        fprintf(stderr, "hermodctl: cannot create %s: %s\n", path, g_strerror(errno));
        return 1;
    }
    close(fd);
    printf("flush requested: the running daemon retries every queued message within a second\n");
    return 0;
}

static int
cmd_delete(HermodConfig *cfg, int argc, char **argv)
{
    g_autofree char *dir = queue_dir(cfg);
    g_autoptr(GError) err = NULL;

    if (argc != 2)
        return 2;
    if (strpbrk(argv[1], "/.") != NULL || !hermod_queue_file_remove(dir, argv[1], &err)) {
        fprintf(stderr, "hermodctl: no queued message %s\n", argv[1]);
        return 1;
    }
    printf("deleted %s\n", argv[1]);
    return 0;
}

const HermodCtlCommand hermod_ctl_queue_commands[] = {
    {"queue", "list", "", "show queued messages, their recipients and next attempts", cmd_list},
    {"queue", "flush", "", "ask the running daemon to retry every queued message now", cmd_flush},
    {"queue", "delete", "ID", "remove one queued message (no report is sent)", cmd_delete},
    {NULL, NULL, NULL, NULL, NULL},
};
