/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * main.c - hermodd, the daemon: start-up, signals, reload and shutdown.
 *
 * Start-up runs in the order DESIGN.md gives, and every step that may fail
 * stops the start with one message: parse the config, open the logs, bind
 * the listeners, load the certificates, open the directory, the store and
 * the queue, drop root, start the work pool and the loops, load the
 * modules (their sections checked first; the web server takes the http
 * listeners' sockets just before), check that every listener got its
 * protocol, start the queue, accept, start the web server.  The main thread then runs a
 * GMainLoop for signals only: SIGHUP reloads (config, certificates,
 * module settings; connections stay), SIGUSR1 reopens the log file (for
 * logrotate), SIGTERM/SIGINT drain and stop.  hermodd always runs in the
 * foreground and logs to stderr; systemd or a terminal supervises it, and
 * under systemd (Type=notify) it reports READY=1 once it accepts,
 * RELOADING=1 around a reload and STOPPING=1 (notify.c).
 *
 * "--check-config" stops after the config and the module sections are
 * checked.  Each listener logs "listening: NAME PROTOCOL ADDRESS:PORT..."
 * once it accepts (listener.c; the log always goes to stderr, where
 * scripts and tests read it).
 */
#include "autoconfig.h"

#include <glib-unix.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "directory/auth.h"
#include "config/config.h"
#include "hermodd/sections.h"
#include "im/im.h"
#include "config/core-settings.h"
#include "directory/directory.h"
#include "net/listener.h"
#include "lib/log.h"
#include "lib/loop.h"
#include "plugin/module-api.h"
#include "plugin/modules.h"
#include "hermodd/privdrop.h"
#include "hermodd/notify.h"
#include "hermodd/settings-dump.h"
#include "mailflow/queue.h"
#include "store/store.h"
#include "tls/tls.h"
#include "web/web.h"
#include "lib/workpool.h"

typedef struct {
    char *config_path;
    char **overrides;
    HermodConfig *cfg;      /* the config in force */
    HermodConfig *previous; /* the one it replaced, kept until the next reload */
    HermodPrivdrop priv;
    GPtrArray *modules;
    GMainLoop *loop;
    char *pid_file;
    gboolean is_running; /* pool and loops started */
    gboolean is_queue_started;
    gboolean is_directory_open;
} Daemon;

static Daemon d;

static const char *
default_config(void)
{
    const char *env = g_getenv("HERMOD_CONFIG");

    return env != NULL && *env != '\0' ? env : HERMOD_SYSCONFDIR "/hermod/hermod.conf";
}

static HermodConfig *
load_config(GError **error)
{
    hermod_config_set_sections(hermod_core_sections);
    return hermod_config_load(d.config_path, (const char *const *)d.overrides, error);
}

static int
check_config(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodConfig) cfg = load_config(&error);
    g_autoptr(GPtrArray) mods = NULL;

    hermod_log_open(NULL, HERMOD_LOG_WARNING, NULL);
    if (cfg != NULL && hermod_auth_configure(cfg, &error) && hermod_web_check(cfg, &error))
        mods = hermod_modules_open(cfg, &error);
    if (error != NULL) {
        fprintf(stderr, "%s\n", error->message);
        return 1;
    }
    printf("%s: OK\n", d.config_path);
    return 0;
}

/* --dump-settings: every table --check-config uses, modules included. */
static int
dump_settings(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodConfig) cfg = load_config(&error);
    g_autoptr(GPtrArray) mods = NULL;

    hermod_log_open(NULL, HERMOD_LOG_WARNING, NULL);
    if (cfg != NULL)
        mods = hermod_modules_open(cfg, &error);
    if (error != NULL) {
        fprintf(stderr, "hermodd: %s\n", error->message);
        return 1;
    }
    return hermod_settings_dump(stdout, mods) ? 0 : 1;
}

/* Logs go to stderr and, with [core] log_file, to that file too. */
static gboolean
open_logs(HermodConfig *cfg, GError **error)
{
    g_autofree char *file = hermod_config_path(cfg, "core", "log_file");
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");
    g_autofree char *logs = g_build_filename(data_dir, "logs", NULL);

    /* data_dir/logs first: it is where a log_file usually lives. */
    hermod_log_set_dir(logs);
    return hermod_log_open(file, hermod_core_log_level(cfg), error);
}

static gboolean
make_data_dir(HermodConfig *cfg, GError **error)
{
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");

    if (g_mkdir_with_parents(data_dir, 0750) != 0) {
        int err = errno;
        g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(err), "cannot create %s: %s",
                    data_dir, g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

static gboolean
write_pid_file(HermodConfig *cfg, GError **error)
{
    g_autofree char *pid = NULL;

    d.pid_file = hermod_config_path(cfg, "core", "pid_file");
    if (d.pid_file == NULL)
        return TRUE;
    pid = g_strdup_printf("%ld\n", (long)getpid());
    return g_file_set_contents(d.pid_file, pid, -1, error);
}

/* Certificates, directory, store root, queue, screening: everything that
 * may need root to read or create. */
static gboolean
open_data(HermodConfig *cfg, GError **error)
{
    g_autoptr(HermodTlsStore) tls = hermod_tls_store_load(cfg, error);
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");

    if (tls == NULL)
        return FALSE;
    hermod_tls_store_set_current(tls);
    if (!hermod_directory_open(data_dir, error))
        return FALSE;
    d.is_directory_open = TRUE;
    hermod_store_set_root(data_dir);
    hermod_im_set_data_dir(data_dir);
    hermod_im_notify_start();
    return hermod_auth_configure(cfg, error) && hermod_queue_open(cfg, error) &&
           write_pid_file(cfg, error);
}

static gboolean
start_threads(HermodConfig *cfg, GError **error)
{
    guint pool = (guint)hermod_config_int(cfg, "core", "work_threads");
    guint loops = (guint)hermod_config_int(cfg, "core", "loop_threads");

    if (!hermod_workpool_start(pool, error))
        return FALSE;
    if (!hermod_loops_start(loops, error)) {
        hermod_workpool_stop();
        return FALSE;
    }
    d.is_running = TRUE;
    return TRUE;
}

/* Reverse of start(), for whatever got started. */
static void
stop(void)
{
    if (d.is_running) {
        guint drain = (guint)hermod_config_int(d.cfg, "core", "drain_time");
        hermod_listeners_stop();
        hermod_conns_drain(drain);
    }
    hermod_web_stop();
    hermod_modules_shutdown(d.modules);
    hermod_im_shutdown();
    if (d.is_queue_started)
        hermod_queue_stop();
    if (d.is_running) {
        hermod_workpool_stop();
        hermod_loops_stop();
    }
    g_clear_pointer(&d.modules, g_ptr_array_unref);
    if (d.is_directory_open)
        hermod_directory_close();
    if (d.pid_file != NULL)
        g_unlink(d.pid_file);
    hermod_tls_store_set_current(NULL);
}

/* SIGHUP: a new config, checked whole, then certificates and module
 * settings swap in; on any error the running config stays. */
static void
reload(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodConfig) cfg = load_config(&error);
    g_autoptr(HermodTlsStore) tls = NULL;

    if (cfg != NULL && hermod_modules_check(d.modules, cfg, &error) &&
        hermod_web_check(cfg, &error))
        tls = hermod_tls_store_load(cfg, &error);
    if (tls != NULL && !hermod_auth_configure(cfg, &error))
        g_clear_pointer(&tls, hermod_tls_store_unref);
    if (tls == NULL) {
        hermod_log(HERMOD_LOG_ERROR, NULL, "reload: %s; keeping the running config",
                   error->message);
        return;
    }
    if (!open_logs(cfg, &error)) {
        hermod_log(HERMOD_LOG_ERROR, NULL, "reload: %s; keeping the old log file", error->message);
        g_clear_error(&error);
    }
    hermod_config_set_current(cfg);
    hermod_tls_store_set_current(tls);
    hermod_web_reload(cfg, NULL);
    hermod_config_unref(d.previous);
    d.previous = d.cfg;
    d.cfg = hermod_config_ref(cfg);
    hermod_modules_reload(d.modules);
    hermod_log(HERMOD_LOG_NOTICE, NULL,
               "reloaded %s (listeners, threads, modules and data_dir change on restart)",
               d.config_path);
}

static gboolean
on_hup(gpointer data)
{
    hermod_notify_reloading();
    reload();
    hermod_notify("READY=1\nSTATUS=accepting connections");
    return G_SOURCE_CONTINUE;
}

/* SIGUSR1: logrotate moved the log file away; open a new one by the same
 * name (the side logs under data_dir/logs are opened per line anyway). */
static gboolean
on_usr1(gpointer data)
{
    g_autoptr(GError) error = NULL;

    if (!open_logs(d.cfg, &error))
        hermod_log(HERMOD_LOG_ERROR, NULL, "reopening the log file: %s", error->message);
    else
        hermod_log(HERMOD_LOG_NOTICE, NULL, "log file reopened");
    return G_SOURCE_CONTINUE;
}

static gboolean
on_term(gpointer data)
{
    hermod_notify("STOPPING=1");
    hermod_log(HERMOD_LOG_NOTICE, NULL, "stopping (signal %d)", GPOINTER_TO_INT(data));
    g_main_loop_quit(d.loop);
    return G_SOURCE_CONTINUE;
}

/* After root is gone: GLib's signal handling may start a thread. */
static void
add_signals(void)
{
    g_unix_signal_add(SIGHUP, on_hup, NULL);
    g_unix_signal_add(SIGUSR1, on_usr1, NULL);
    g_unix_signal_add(SIGTERM, on_term, GINT_TO_POINTER(SIGTERM));
    g_unix_signal_add(SIGINT, on_term, GINT_TO_POINTER(SIGINT));
}

/* Every connection takes a descriptor, and an idle HTTPS client is
 * cheap: allow as many as the hard limit lets us. */
static void
raise_fd_limit(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* Everything up to "accepting", in order; FALSE with error at the first
 * step that fails. */
static gboolean
start(GError **error)
{
    HermodConfig *cfg = d.cfg;
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");

    raise_fd_limit();
    if (!hermod_privdrop_prepare(cfg, &d.priv, error) || !make_data_dir(cfg, error) ||
        !open_logs(cfg, error) || !hermod_listeners_bind(cfg, error) || !open_data(cfg, error))
        return FALSE;
    if (!d.priv.is_needed && (geteuid() == 0 || getuid() == 0))
        hermod_log(HERMOD_LOG_WARNING, NULL, "running as root ([core] user = root)");
    if (!hermod_privdrop_apply(&d.priv, data_dir, error))
        return FALSE;
    add_signals();
    if (!start_threads(cfg, error))
        return FALSE;
    d.modules = hermod_modules_open(cfg, error);
    if (d.modules == NULL || !hermod_web_prepare(cfg, error) ||
        !hermod_modules_init(d.modules, hermod_module_api(), error) ||
        !hermod_listeners_check_attached(error) || !hermod_queue_start(error))
        return FALSE;
    d.is_queue_started = TRUE;
    return hermod_listeners_start(error) && hermod_web_start(error);
}

static int
run(void)
{
    g_autoptr(GError) error = NULL;
    int status = 0;

    d.cfg = load_config(&error);
    if (d.cfg == NULL) {
        fprintf(stderr, "hermodd: %s\n", error->message);
        return 1;
    }
    hermod_config_set_current(d.cfg);
    signal(SIGPIPE, SIG_IGN);
    d.loop = g_main_loop_new(NULL, FALSE);
    if (start(&error)) {
        hermod_log(HERMOD_LOG_NOTICE, NULL, "hermodd %s started", PACKAGE_VERSION);
        hermod_notify("READY=1\nSTATUS=accepting connections");
        g_main_loop_run(d.loop);
    } else {
        g_autofree char *state = g_strdup_printf("STATUS=start failed: %s", error->message);
        hermod_notify(state);
        hermod_log(HERMOD_LOG_ERROR, NULL, "%s", error->message);
        status = 1;
    }
    stop();
    hermod_log(HERMOD_LOG_NOTICE, NULL, "hermodd stopped");
    hermod_config_set_current(NULL);
    g_clear_pointer(&d.previous, hermod_config_unref);
    g_clear_pointer(&d.cfg, hermod_config_unref);
    g_main_loop_unref(d.loop);
    hermod_privdrop_clear(&d.priv);
    return status;
}

int
main(int argc, char **argv)
{
    gboolean is_check = FALSE, is_foreground = FALSE, is_version = FALSE, is_dump = FALSE;
    GOptionEntry entries[] = {
        {"config", 'c', 0, G_OPTION_ARG_FILENAME, &d.config_path,
         "config file (default: $HERMOD_CONFIG or " HERMOD_SYSCONFDIR "/hermod/hermod.conf)",
         "FILE"},
        {"option", 'o', 0, G_OPTION_ARG_STRING_ARRAY, &d.overrides,
         "override a setting, e.g. -o core.log_level=debug or -o 'listener mx.port=2525'",
         "SECTION.KEY=VALUE"},
        {"check-config", 0, 0, G_OPTION_ARG_NONE, &is_check,
         "check the config and the module sections, then exit", NULL},
        {"foreground", 'f', 0, G_OPTION_ARG_NONE, &is_foreground,
         "run in the foreground (always the case; for init scripts)", NULL},
        {"version", 'V', 0, G_OPTION_ARG_NONE, &is_version, "print the version", NULL},
        {"dump-settings", 0, 0, G_OPTION_ARG_NONE, &is_dump,
         "print every setting of the core and of the config's modules (tab-separated), then "
         "exit",
         NULL},
        {NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new("- the Hermod mail server");
    g_autoptr(GError) error = NULL;
    int status;

    g_option_context_add_main_entries(ctx, entries, NULL);
    if (!g_option_context_parse(ctx, &argc, &argv, &error) || argc > 1) {
        fprintf(stderr, "hermodd: %s\n", error != NULL ? error->message : "unexpected argument");
        return 2;
    }
    if (is_version) {
        printf("hermodd %s (plugin ABI %d.%d)\n", PACKAGE_VERSION, HERMOD_ABI_MAJOR,
               HERMOD_ABI_MINOR);
        return 0;
    }
    if (d.config_path == NULL)
        d.config_path = g_strdup(default_config());
    status = is_dump ? dump_settings() : is_check ? check_config() : run();
    g_free(d.config_path);
    g_strfreev(d.overrides);
    return status;
}
