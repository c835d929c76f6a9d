/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * log.c - one line per event, each with a session id.
 *
 * Every line is "LEVEL [session] text".  On stderr a line carries a "<N>"
 * syslog priority prefix when stderr is the journal (JOURNAL_STREAM set),
 * so journald keeps the level; with [core] log_file set, lines also go to
 * that file with a timestamp.  Named side logs (auth failures, IM) live in
 * data_dir/logs.  Writes are whole lines under one mutex, so lines from
 * different threads never interleave.
 */
#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"

static GMutex lock;
static FILE *log_file;
static char *logs_dir;
static HermodLogLevel max_level = HERMOD_LOG_INFO;
static gboolean to_journal;
static gint session_counter;

/* The local time zone, read again at most once a minute.  With TZ unset,
 * GLib 2.74's g_time_zone_new_local never hits its own cache (the zone's
 * identifier, e.g. "Etc/UTC", never equals the NULL TZ) and reads
 * /etc/localtime (readlink, stat, open) on every call: three times per SMTP
 * message.  (transfer full) */
static GTimeZone *
local_zone(void)
{
    static GMutex zone_lock;
    static GTimeZone *zone;
    static gint64 read_at;
    gint64 now = g_get_monotonic_time();
    GTimeZone *tz;

    g_mutex_lock(&zone_lock);
    if (zone == NULL || now - read_at > 60 * G_USEC_PER_SEC) {
        g_clear_pointer(&zone, g_time_zone_unref);
        zone = g_time_zone_new_local();
        read_at = now;
    }
    tz = g_time_zone_ref(zone);
    g_mutex_unlock(&zone_lock);
    return tz;
}

static GDateTime *
now_local(void)
{
    g_autoptr(GTimeZone) tz = local_zone();

    return g_date_time_new_now(tz);
}

static const char *
level_name(HermodLogLevel level)
{
    switch (level) {
    case HERMOD_LOG_ERROR:
        return "error";
    case HERMOD_LOG_WARNING:
        return "warning";
    case HERMOD_LOG_NOTICE:
        return "notice";
    case HERMOD_LOG_INFO:
        return "info";
    case HERMOD_LOG_DEBUG:
    default:
        return "debug";
    }
}

gboolean
hermod_log_open(const char *path, HermodLogLevel level, GError **error)
{
    FILE *f = NULL;

    if (path != NULL && *path != '\0') {
        f = fopen(path, "ae");
        if (f == NULL) {
            int err = errno;
            g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err),
                        "cannot open log file %s: %s", path, g_strerror(err));
            return FALSE;
        }
        setvbuf(f, NULL, _IOLBF, 0);
    }
    g_mutex_lock(&lock);
    if (log_file != NULL)
        fclose(log_file);
    log_file = f;
    max_level = level;
    to_journal = g_getenv("JOURNAL_STREAM") != NULL;
    g_mutex_unlock(&lock);
    return TRUE;
}

void
hermod_logv(HermodLogLevel level, const char *session, const char *fmt, va_list ap)
{
    if (level > max_level)
        return;

    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    g_autoptr(GDateTime) now = now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y-%m-%dT%H:%M:%S.%f");
    const char *sid = session != NULL ? session : "-";

    /* Neutralise control characters a peer may have sent us, so that one
     * event stays one line. */
    for (char *p = text; *p != '\0'; p++) {
        if ((unsigned char)*p < 0x20 && *p != '\t')
            *p = '?';
    }
    g_mutex_lock(&lock);
    if (to_journal)
        fprintf(stderr, "<%d>%s [%s] %s\n", (int)level, level_name(level), sid, text);
    else
        fprintf(stderr, "%.23s %s [%s] %s\n", stamp, level_name(level), sid, text);
    if (log_file != NULL)
        fprintf(log_file, "%.23s %s [%s] %s\n", stamp, level_name(level), sid, text);
    g_mutex_unlock(&lock);
}

void
hermod_log(HermodLogLevel level, const char *session, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    hermod_logv(level, session, fmt, ap);
    va_end(ap);
}

char *
hermod_log_session_new(void)
{
    static const char alphabet[] = "0123456789ABCDEFGHJKLMNPQRSTVWXYZ";
    static gsize boot;
    guint32 n = (guint32)g_atomic_int_add(&session_counter, 1);
    char out[13];

    if (g_once_init_enter(&boot))
        g_once_init_leave(&boot, (gsize)g_random_int() | 1u);
    /* 5 characters of a per-run random prefix, 7 of a counter: unique within
     * a run, and runs rarely share a prefix. */
    guint64 v = ((guint64)(boot & 0x1ffffff) << 35) | (n & 0x7ffffffffULL);
    for (int i = 11; i >= 0; i--) {
        out[i] = alphabet[v % 32];
        v /= 32;
    }
    out[12] = '\0';
    return g_strdup(out);
}

void
hermod_log_set_dir(const char *dir)
{
    g_mutex_lock(&lock);
    g_free(logs_dir);
    logs_dir = g_strdup(dir);
    g_mutex_unlock(&lock);
    if (dir != NULL)
        g_mkdir_with_parents(dir, 0750);
}

void
hermod_log_to_file(const char *name, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autoptr(GDateTime) now = now_local();
    g_autofree char *stamp = g_date_time_format_iso8601(now);

    g_mutex_lock(&lock);
    if (logs_dir != NULL) {
        g_autofree char *path = g_strdup_printf("%s/%s.log", logs_dir, name);
        FILE *f = fopen(path, "ae");
        if (f != NULL) {
            fprintf(f, "%s %s\n", stamp, text);
            fclose(f);
        }
    }
    g_mutex_unlock(&lock);
}
