/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * log.h - one line per event, each with a session id.
 *
 * Lines go to stderr (journald-friendly: "<N>" priority prefix when stderr
 * is the journal, plain otherwise) and, if [core] log_file is set, to that
 * file.  Safe from any thread.
 */
#ifndef HERMOD_CORE_LOG_H
#define HERMOD_CORE_LOG_H

#include <glib.h>
#include <hermod/api.h>

G_BEGIN_DECLS

/* Open the log sinks; path may be NULL (stderr only).  Re-callable on SIGHUP. */
gboolean hermod_log_open(const char *path, HermodLogLevel max_level, GError **error);
void hermod_log(HermodLogLevel level, const char *session, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);
void hermod_logv(HermodLogLevel level, const char *session, const char *fmt, va_list ap);
/* A new session id: 12 characters, unique within this process run and
 * unlikely to repeat across runs.  (transfer full) */
char *hermod_log_session_new(void);
/* Append one line to a named log under data_dir/logs (e.g. "auth-failures"). */
void hermod_log_to_file(const char *name, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
void hermod_log_set_dir(const char *logs_dir);

G_END_DECLS

#endif
