/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-auth.c - password checks through hermod_auth_verify and dynamic
 * screening: blocking after max_failures, expiry after block_time, the
 * sliding failure_window, trusted networks, the auth-failure log.  Short
 * windows come from an [auth] section loaded like any config file; each
 * test uses its own peer addresses, since the failure record is global.
 */
#include "autoconfig.h"

#include <string.h>
#include <glib/gstdio.h>

#include "tmpdir.h"
#include "hermodd/sections.h"
#include "directory/auth.h"
#include "directory/directory.h"
#include "lib/log.h"

#define ALICE "alice@example.test"

typedef struct {
    char *dir;
} Fixture;

static gboolean
configure(const char *auth_section, GError **error)
{
    g_autofree char *text = g_strdup_printf("[auth]\n%s", auth_section);
    g_autoptr(HermodConfig) cfg = hermod_config_load_data(text, "test.conf", NULL, error);

    return cfg != NULL && hermod_auth_configure(cfg, error);
}

static void
setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *logs = NULL;

    fx->dir = g_dir_make_tmp("hermod-auth-XXXXXX", &error);
    g_assert_no_error(error);
    logs = g_build_filename(fx->dir, "logs", NULL);
    hermod_log_set_dir(logs);
    g_assert_true(hermod_directory_open(fx->dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_user_add(ALICE, "right", &error));
    g_assert_no_error(error);
    g_assert_true(configure("max_failures = 3\nfailure_window = 1m\nblock_time = 3s\n"
                            "trusted_networks = 127.0.0.0/8;::1/128\n",
                            &error));
    g_assert_no_error(error);
}

static void
teardown(Fixture *fx, gconstpointer data)
{
    hermod_directory_close();
    hermod_log_set_dir(NULL);
    test_rm_rf(fx->dir);
    g_free(fx->dir);
}

static HermodAuthResult
try_login(const char *ip, const char *login, const char *password)
{
    g_autofree char *account = NULL;
    HermodAuthResult r = hermod_auth_verify("imap", "TESTSESSION1", ip, login, password, &account);

    if (r == HERMOD_AUTH_OK)
        g_assert_cmpstr(account, ==, ALICE);
    else
        g_assert_null(account);
    return r;
}

static void
test_ok(Fixture *fx, gconstpointer data)
{
    g_assert_cmpint(try_login("192.0.2.1", "Alice@Example.TEST", "right"), ==, HERMOD_AUTH_OK);
    g_assert_cmpint(try_login("192.0.2.1", ALICE, "wrong"), ==, HERMOD_AUTH_FAILED);
    g_assert_cmpint(try_login("192.0.2.1", "nobody@example.test", "right"), ==, HERMOD_AUTH_FAILED);
    g_assert_cmpint(try_login("192.0.2.1", "", ""), ==, HERMOD_AUTH_FAILED);
}

static void
test_block_and_expiry(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "logs", "auth-failures.log", NULL);
    g_autofree char *log = NULL;

    g_assert_cmpint(try_login("198.51.100.7", ALICE, "bad1"), ==, HERMOD_AUTH_FAILED);
    g_assert_cmpint(try_login("198.51.100.7", "ghost@example.test", "bad2"), ==,
                    HERMOD_AUTH_FAILED);
    g_assert_false(hermod_auth_is_blocked("198.51.100.7"));
    g_assert_cmpint(try_login("198.51.100.7", ALICE, "bad3"), ==, HERMOD_AUTH_FAILED);
    g_assert_true(hermod_auth_is_blocked("198.51.100.7"));
    /* Blocked: even the right password is refused; other peers are not. */
    g_assert_cmpint(try_login("198.51.100.7", ALICE, "right"), ==, HERMOD_AUTH_BLOCKED);
    g_assert_true(hermod_auth_is_blocked("::ffff:198.51.100.7"));
    g_assert_cmpint(try_login("198.51.100.8", ALICE, "right"), ==, HERMOD_AUTH_OK);
    g_usleep(3200 * 1000);
    g_assert_false(hermod_auth_is_blocked("198.51.100.7"));
    g_assert_cmpint(try_login("198.51.100.7", ALICE, "right"), ==, HERMOD_AUTH_OK);

    g_assert_true(g_file_get_contents(path, &log, NULL, NULL));
    g_assert_nonnull(strstr(log, "protocol=imap session=TESTSESSION1 ip=198.51.100.7 "
                                 "login=\"alice@example.test\" account=alice@example.test"));
    g_assert_nonnull(strstr(log, "login=\"ghost@example.test\" account=none"));
}

static void
test_window(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    /* The window is wide enough for three slow (yescrypt, busy machine)
     * failures, and the sleep outlasts it. */
    g_assert_true(configure("max_failures = 3\nfailure_window = 4s\nblock_time = 1m\n", &error));
    g_assert_no_error(error);
    try_login("203.0.113.5", ALICE, "bad");
    try_login("203.0.113.5", ALICE, "bad");
    g_usleep(4200 * 1000);
    try_login("203.0.113.5", ALICE, "bad");
    try_login("203.0.113.5", ALICE, "bad");
    g_assert_false(hermod_auth_is_blocked("203.0.113.5"));
    try_login("203.0.113.5", ALICE, "bad");
    g_assert_true(hermod_auth_is_blocked("203.0.113.5"));
}

static void
test_trusted(Fixture *fx, gconstpointer data)
{
    g_assert_true(hermod_auth_is_trusted("127.0.0.1"));
    g_assert_true(hermod_auth_is_trusted("127.1.2.3"));
    g_assert_true(hermod_auth_is_trusted("::1"));
    g_assert_true(hermod_auth_is_trusted("::ffff:127.0.0.1"));
    g_assert_false(hermod_auth_is_trusted("192.0.2.1"));
    g_assert_false(hermod_auth_is_trusted("not an address"));
    for (int i = 0; i < 5; i++) {
        g_assert_cmpint(try_login("127.0.0.1", ALICE, "bad"), ==, HERMOD_AUTH_FAILED);
        g_assert_cmpint(try_login("::1", ALICE, "bad"), ==, HERMOD_AUTH_FAILED);
    }
    g_assert_false(hermod_auth_is_blocked("127.0.0.1"));
    g_assert_cmpint(try_login("127.0.0.1", ALICE, "right"), ==, HERMOD_AUTH_OK);
}

static void
test_config(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    g_assert_false(configure("trusted_networks = 10.0.0.0/8;bogus\n", &error));
    g_assert_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_BAD_VALUE);
    g_clear_error(&error);
    /* Nothing changed: loopback is still trusted. */
    g_assert_true(hermod_auth_is_trusted("127.0.0.1"));
    g_assert_false(configure("max_failures = 0\n", &error));
    g_assert_error(error, HERMOD_CONFIG_ERROR, HERMOD_CONFIG_ERROR_BAD_VALUE);
    g_clear_error(&error);
    /* The defaults trust nobody, so loopback can be blocked (tests rely
     * on it). */
    g_assert_true(configure("", &error));
    g_assert_no_error(error);
    g_assert_false(hermod_auth_is_trusted("127.0.0.1"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(hermod_core_sections);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
    ADD("/auth/ok", test_ok);
    ADD("/auth/block-and-expiry", test_block_and_expiry);
    ADD("/auth/window", test_window);
    ADD("/auth/trusted", test_trusted);
    ADD("/auth/config", test_config);
#undef ADD
    return g_test_run();
}
