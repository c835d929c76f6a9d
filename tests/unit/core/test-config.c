/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-config.c - config.c and config-value.c: parsing, validation,
 * overrides, defaults and the exact wording of errors.
 *
 * The program brings its own section registry (sections below, set with
 * hermod_config_set_sections in place of hermodd/sections.c's), so that named, fixed and free
 * sections are tested whatever tables the subsystems register; [core] is the real table from
 * core-settings.c.
 */
#include "autoconfig.h"

#include <string.h>
#include <glib/gstdio.h>

#include "config/config.h"
#include "config/core-settings.h"
#include "config/settings.h"

static const char *const modes[] = {"plain", "tls", NULL};

static const HermodSetting listener_table[] = {
    {"address", HERMOD_SETTING_STRING, "127.0.0.1", 0, 0, NULL, "address"},
    {"port", HERMOD_SETTING_PORT, NULL, 0, 0, NULL, "port"},
    {"protocol", HERMOD_SETTING_STRING, NULL, 0, 0, NULL, "protocol"},
    {"mode", HERMOD_SETTING_ENUM, "plain", 0, 0, modes, "mode"},
    {NULL},
};

static const HermodSetting limits_table[] = {
    {"max_size", HERMOD_SETTING_SIZE, "10M", 1024, G_GINT64_CONSTANT(1) << 40, NULL, "size"},
    {"idle", HERMOD_SETTING_DURATION, "5m", 0, 0, NULL, "idle"},
    {"count", HERMOD_SETTING_INT, "7", 1, 100, NULL, "count"},
    {"strict", HERMOD_SETTING_BOOL, "no", 0, 0, NULL, "strict"},
    {"spool", HERMOD_SETTING_PATH, "spool", 0, 0, NULL, "spool"},
    {NULL},
};

static gboolean
route_ok(const char *key, const char *value, char **out_reason)
{
    if (strchr(value, ':') != NULL)
        return TRUE;
    *out_reason = g_strdup_printf("%s is not host:port", value);
    return FALSE;
}

static const HermodSection sections[] = {
    {"core", HERMOD_SECTION_FIXED, hermod_core_settings, NULL},
    {"limits", HERMOD_SECTION_FIXED, limits_table, NULL},
    {"listener", HERMOD_SECTION_NAMED, listener_table, NULL},
    {"routes", HERMOD_SECTION_FREE, NULL, route_ok},
    {NULL, 0, NULL, NULL},
};

static const HermodSetting module_table[] = {
    {"banner", HERMOD_SETTING_STRING, "hello", 0, 0, NULL, "banner"},
    {"max_rcpt", HERMOD_SETTING_INT, "100", 1, 1000, NULL, "max"},
    {NULL},
};

static HermodConfig *
load_ok(const char *data, const char *const *overrides)
{
    g_autoptr(GError) error = NULL;
    HermodConfig *cfg = hermod_config_load_data(data, "/etc/hermod/hermod.conf", overrides, &error);

    g_assert_no_error(error);
    g_assert_nonnull(cfg);
    return cfg;
}

/* Load data, expect failure with code and exactly message. */
static void
load_fails(const char *data, const char *const *overrides, int code, const char *message)
{
    g_autoptr(GError) error = NULL;
    HermodConfig *cfg = hermod_config_load_data(data, "hermod.conf", overrides, &error);

    g_assert_null(cfg);
    g_assert_error(error, HERMOD_CONFIG_ERROR, code);
    g_assert_cmpstr(error->message, ==, message);
}

static void
test_defaults(void)
{
    g_autoptr(HermodConfig) cfg = load_ok("# nothing\n", NULL);
    const char *const *mods = hermod_config_list(cfg, "core", "modules");
    g_autofree char *dd = hermod_config_path(cfg, "core", "data_dir");

    g_assert_cmpstr(hermod_config_string(cfg, "core", "hostname"), ==, g_get_host_name());
    g_assert_cmpuint(g_strv_length((char **)mods), ==, 1);
    g_assert_cmpstr(mods[0], ==, "smtp");
    g_assert_cmpstr(dd, ==, "/var/lib/hermod");
    g_assert_cmpint(hermod_config_int(cfg, "core", "drain_time"), ==, 10);
    g_assert_cmpint(hermod_core_log_level(cfg), ==, HERMOD_LOG_INFO);
    g_assert_cmpint(hermod_config_int(cfg, "limits", "max_size"), ==, 10 * 1024 * 1024);
    g_assert_cmpint(hermod_config_int(cfg, "limits", "idle"), ==, 300);
    g_assert_false(hermod_config_bool(cfg, "limits", "strict"));
    g_assert_null(hermod_config_path(cfg, "core", "log_file"));
    g_assert_null(hermod_config_named(cfg, "listener")[0]);
    g_assert_null(hermod_config_free_section(cfg, "routes"));
    g_assert_cmpstr(hermod_config_file(cfg), ==, "/etc/hermod/hermod.conf");
}

static void
test_values(void)
{
    g_autoptr(HermodConfig) cfg = load_ok("[core]\n"
                                          "hostname = mail.example.org\n"
                                          "modules = smtp ; imap;;\n"
                                          "log_level = DEBUG\n"
                                          "drain_time = 2m\n"
                                          "[limits]\n"
                                          "max_size = 3G\n"
                                          "idle = 1d\n"
                                          "count = 100\n"
                                          "strict = Yes\n",
                                          NULL);
    const char *const *mods = hermod_config_list(cfg, "core", "modules");

    g_assert_cmpstr(hermod_config_string(cfg, "core", "hostname"), ==, "mail.example.org");
    g_assert_cmpuint(g_strv_length((char **)mods), ==, 2);
    g_assert_cmpstr(mods[0], ==, "smtp");
    g_assert_cmpstr(mods[1], ==, "imap");
    g_assert_cmpstr(hermod_config_string(cfg, "core", "log_level"), ==, "debug");
    g_assert_cmpint(hermod_core_log_level(cfg), ==, HERMOD_LOG_DEBUG);
    g_assert_cmpint(hermod_config_int(cfg, "core", "drain_time"), ==, 120);
    g_assert_cmpint(hermod_config_int(cfg, "limits", "max_size"), ==, G_GINT64_CONSTANT(3) << 30);
    g_assert_cmpint(hermod_config_int(cfg, "limits", "idle"), ==, 86400);
    g_assert_cmpint(hermod_config_int(cfg, "limits", "count"), ==, 100);
    g_assert_true(hermod_config_bool(cfg, "limits", "strict"));
}

static void
test_unknown_key(void)
{
    load_fails("[core]\nhostname = a\nbogus = 1\n", NULL, HERMOD_CONFIG_ERROR_UNKNOWN_KEY,
               "hermod.conf: [core] bogus: unknown key");
    load_fails("[listener mx]\nport = 25\nprotcol = smtp\n", NULL, HERMOD_CONFIG_ERROR_UNKNOWN_KEY,
               "hermod.conf: [listener mx] protcol: unknown key");
}

static void
test_bad_port(void)
{
    int bad = HERMOD_CONFIG_ERROR_BAD_VALUE;

    load_fails("[listener mx]\nport = 70000\n", NULL, bad,
               "hermod.conf: [listener mx] port: 70000 is not a port (1-65535)");
    load_fails("[listener mx]\nport = 0\n", NULL, bad,
               "hermod.conf: [listener mx] port: 0 is not a port (1-65535)");
    load_fails("[listener mx]\nport = smtp\n", NULL, bad,
               "hermod.conf: [listener mx] port: smtp is not a port (1-65535)");
}

static void
test_bad_values(void)
{
    int bad = HERMOD_CONFIG_ERROR_BAD_VALUE;

    load_fails("[limits]\nmax_size = 10X\n", NULL, bad,
               "hermod.conf: [limits] max_size: 10X is not a size (bytes, or a number with K, M "
               "or G)");
    load_fails("[limits]\nmax_size = 1\n", NULL, bad,
               "hermod.conf: [limits] max_size: 1 is out of range (1024-1099511627776)");
    load_fails("[limits]\nmax_size = 99999999999999999999K\n", NULL, bad,
               "hermod.conf: [limits] max_size: 99999999999999999999K is not a size (bytes, or a "
               "number with K, M or G)");
    load_fails("[limits]\nidle = 5w\n", NULL, bad,
               "hermod.conf: [limits] idle: 5w is not a duration (seconds, or a number with s, "
               "m, h or d)");
    load_fails("[limits]\ncount = 101\n", NULL, bad,
               "hermod.conf: [limits] count: 101 is out of range (1-100)");
    load_fails("[limits]\ncount = 1e3\n", NULL, bad,
               "hermod.conf: [limits] count: 1e3 is not an integer");
    load_fails("[limits]\nstrict = maybe\n", NULL, bad,
               "hermod.conf: [limits] strict: maybe is not a boolean (yes/no, true/false, 1/0)");
    load_fails("[core]\nlog_level = loud\n", NULL, bad,
               "hermod.conf: [core] log_level: loud is not one of: error, warning, notice, info, "
               "debug");
    load_fails("[core]\nmodules = smtp;../evil\n", NULL, bad,
               "hermod.conf: [core] modules: ../evil is not a module name");
    load_fails("[core]\nmodules = smtp;listener\n", NULL, bad,
               "hermod.conf: [core] modules: listener is a core section, not a module");
    load_fails("[core]\nhostname = \xff\n", NULL, bad,
               "hermod.conf: [core] hostname: not valid "
               "UTF-8");
}

static void
test_overrides(void)
{
    const char *const ov[] = {"core.log_level=debug", "listener mx.port = 2525",
                              "listener extra.port=2526", "limits.count=9", NULL};
    g_autoptr(HermodConfig) cfg = load_ok("[listener mx]\nport = 25\nprotocol = smtp\n", ov);
    const char *const *names = hermod_config_named(cfg, "listener");

    g_assert_cmpstr(hermod_config_string(cfg, "core", "log_level"), ==, "debug");
    g_assert_cmpint(hermod_config_int(cfg, "listener mx", "port"), ==, 2525);
    g_assert_cmpint(hermod_config_int(cfg, "listener extra", "port"), ==, 2526);
    g_assert_cmpint(hermod_config_int(cfg, "limits", "count"), ==, 9);
    g_assert_cmpstr(names[0], ==, "mx");
    g_assert_cmpstr(names[1], ==, "extra");
    g_assert_null(names[2]);

    const char *const bad_value[] = {"listener mx.port=99999", NULL};
    load_fails("[listener mx]\nport = 25\n", bad_value, HERMOD_CONFIG_ERROR_BAD_VALUE,
               "hermod.conf: [listener mx] port: 99999 is not a port (1-65535)");
    const char *const bad_key[] = {"core.nope=1", NULL};
    load_fails("", bad_key, HERMOD_CONFIG_ERROR_UNKNOWN_KEY,
               "hermod.conf: [core] nope: unknown "
               "key");
    const char *const no_dot[] = {"log_level=debug", NULL};
    load_fails("", no_dot, HERMOD_CONFIG_ERROR_SYNTAX,
               "-o log_level=debug: expected SECTION.KEY=VALUE");
    const char *const no_eq[] = {"core.log_level", NULL};
    load_fails("", no_eq, HERMOD_CONFIG_ERROR_SYNTAX,
               "-o core.log_level: expected SECTION.KEY=VALUE");
}

static void
test_named(void)
{
    g_autoptr(HermodConfig) cfg = load_ok("[listener b]\nport = 2\nmode = TLS\n"
                                          "[listener a.example]\nport = 1\n",
                                          NULL);
    const char *const *names = hermod_config_named(cfg, "listener");

    g_assert_cmpstr(names[0], ==, "b");
    g_assert_cmpstr(names[1], ==, "a.example");
    g_assert_null(names[2]);
    g_assert_cmpstr(hermod_config_string(cfg, "listener b", "mode"), ==, "tls");
    g_assert_cmpstr(hermod_config_string(cfg, "listener a.example", "mode"), ==, "plain");
    g_assert_cmpstr(hermod_config_string(cfg, "listener a.example", "address"), ==, "127.0.0.1");
    g_assert_null(hermod_config_string(cfg, "listener a.example", "protocol"));
    g_assert_null(hermod_config_named(cfg, "certificate")[0]);

    int sec = HERMOD_CONFIG_ERROR_UNKNOWN_SECTION;
    load_fails("[listener]\nport = 1\n", NULL, sec,
               "hermod.conf: [listener]: needs a name of letters, digits, '-', '_' or '.', like "
               "[listener NAME]");
    load_fails("[listener a b]\nport = 1\n", NULL, sec,
               "hermod.conf: [listener a b]: needs a name of letters, digits, '-', '_' or '.', "
               "like [listener NAME]");
    load_fails("[limits x]\n", NULL, sec,
               "hermod.conf: [limits x]: unknown section (not a core section, and not a module "
               "listed in [core] modules)");
}

static void
test_free_section(void)
{
    g_autoptr(HermodConfig) cfg =
        load_ok("[routes]\nexample.org = relay.example.net:25\nexample.com = [::1]:2525\n", NULL);
    GHashTable *routes = hermod_config_free_section(cfg, "routes");

    g_assert_nonnull(routes);
    g_assert_cmpuint(g_hash_table_size(routes), ==, 2);
    g_assert_cmpstr(g_hash_table_lookup(routes, "example.org"), ==, "relay.example.net:25");
    g_assert_cmpstr(hermod_config_string(cfg, "routes", "example.com"), ==, "[::1]:2525");
    load_fails("[routes]\nexample.org = nowhere\n", NULL, HERMOD_CONFIG_ERROR_BAD_VALUE,
               "hermod.conf: [routes] example.org: nowhere is not host:port");
}

static void
test_module_section(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodConfig) cfg =
        load_ok("[core]\nmodules = smtp;imap\n[smtp]\nmax_rcpt = 5\n[imap]\nwhatever = 1\n", NULL);

    g_assert_true(hermod_config_check_section(cfg, "smtp", module_table, &error));
    g_assert_no_error(error);
    g_assert_cmpint(hermod_config_int(cfg, "smtp", "max_rcpt"), ==, 5);
    g_assert_cmpstr(hermod_config_string(cfg, "smtp", "banner"), ==, "hello");
    g_assert_false(hermod_config_check_section(cfg, "imap", module_table, &error));
    g_assert_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_UNKNOWN_KEY);
    g_assert_cmpstr(error->message, ==, "/etc/hermod/hermod.conf: [imap] whatever: unknown key");
    g_clear_error(&error);
    /* A module without a section gets its defaults. */
    g_assert_true(hermod_config_check_section(cfg, "pop3", module_table, &error));
    g_assert_cmpint(hermod_config_int(cfg, "pop3", "max_rcpt"), ==, 100);

    load_fails("[imap]\nx = 1\n", NULL, HERMOD_CONFIG_ERROR_UNKNOWN_SECTION,
               "hermod.conf: [imap]: unknown section (not a core section, and not a module "
               "listed in [core] modules)");
    const char *const ov[] = {"smtp.max_rcpt=5000", NULL};
    g_autoptr(HermodConfig) big = load_ok("", ov);
    g_assert_false(hermod_config_check_section(big, "smtp", module_table, &error));
    g_assert_cmpstr(error->message, ==,
                    "/etc/hermod/hermod.conf: [smtp] max_rcpt: 5000 is out of range (1-1000)");
}

static void
test_paths(void)
{
    g_autoptr(HermodConfig) cfg = load_ok("[core]\ndata_dir = ../run\nlog_file = logs/x.log\n"
                                          "module_dir = mods; /opt/hermod\n"
                                          "[limits]\nspool = /abs/spool\n",
                                          NULL);
    g_autofree char *dd = hermod_config_path(cfg, "core", "data_dir");
    g_autofree char *lf = hermod_config_path(cfg, "core", "log_file");
    g_autofree char *sp = hermod_config_path(cfg, "limits", "spool");
    g_auto(GStrv) dirs = hermod_core_module_dirs(cfg);

    g_assert_cmpstr(dd, ==, "/etc/run");
    g_assert_cmpstr(lf, ==, "/etc/run/logs/x.log");
    g_assert_cmpstr(sp, ==, "/abs/spool");
    g_assert_cmpstr(dirs[0], ==, "/etc/hermod/mods");
    g_assert_cmpstr(dirs[1], ==, "/opt/hermod");
    g_assert_null(dirs[2]);
}

static void
test_syntax_and_files(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("hermod-config-XXXXXX", &error);
    g_autofree char *path = g_build_filename(dir, "hermod.conf", NULL);
    g_autofree char *expect = NULL;

    g_assert_no_error(error);
    g_assert_null(hermod_config_load(path, NULL, &error));
    g_assert_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_IO);
    g_assert_nonnull(strstr(error->message, path));
    g_clear_error(&error);

    g_assert_true(g_file_set_contents(path, "[core]\ndata_dir = data\n", -1, NULL));
    HermodConfig *cfg = hermod_config_load(path, NULL, &error);
    g_assert_no_error(error);
    g_autofree char *dd = hermod_config_path(cfg, "core", "data_dir");
    g_autofree char *want = g_build_filename(dir, "data", NULL);
    g_assert_cmpstr(dd, ==, want);

    hermod_config_set_current(cfg);
    hermod_config_unref(cfg);
    HermodConfig *cur = hermod_config_get_current();
    g_assert_true(cur == cfg);
    hermod_config_unref(cur);
    hermod_config_set_current(NULL);
    g_assert_null(hermod_config_get_current());

    g_assert_true(g_file_set_contents(path, "key = before any section\n", -1, NULL));
    g_assert_null(hermod_config_load(path, NULL, &error));
    g_assert_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_SYNTAX);
    expect = g_strdup_printf("%s: ", path);
    g_assert_true(g_str_has_prefix(error->message, expect));
    g_remove(path);
    g_rmdir(dir);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(sections);
    g_test_add_func("/config/defaults", test_defaults);
    g_test_add_func("/config/values", test_values);
    g_test_add_func("/config/unknown-key", test_unknown_key);
    g_test_add_func("/config/bad-port", test_bad_port);
    g_test_add_func("/config/bad-values", test_bad_values);
    g_test_add_func("/config/overrides", test_overrides);
    g_test_add_func("/config/named", test_named);
    g_test_add_func("/config/free-section", test_free_section);
    g_test_add_func("/config/module-section", test_module_section);
    g_test_add_func("/config/paths", test_paths);
    g_test_add_func("/config/syntax-and-files", test_syntax_and_files);
    return g_test_run();
}
