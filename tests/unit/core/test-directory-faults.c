/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-directory-faults.c - a directory database that fails is never read
 * as "nobody has this address": lookups on a broken hermod.db (a table
 * renamed away by another connection, the way a broken schema looks) fail
 * with HERMOD_DIRECTORY_ERROR_DB and answer again once it is repaired;
 * scans that break at an exact row (dbfault.h) fail instead of returning
 * the rows read so far, so an alias never silently loses targets; and the
 * module table says TEMPFAIL (addr_lookup, addr_check_owner) where the
 * 1.0 members fold the failure, as they always did.
 */
#include "autoconfig.h"

#include "dbfault.h"
#include "tmpdir.h"
#include "directory/directory-private.h"
#include "directory/directory.h"
#include "plugin/module-api.h"

typedef struct {
    char *dir;
    char *db_path;
} Fixture;

static void
setup(Fixture *fx, gconstpointer data)
{
    static const char *const users[] = {"alice@example.test", "bob@example.test",
                                        "carol@other.test"};
    g_autoptr(GError) error = NULL;

    fx->dir = g_dir_make_tmp("hermod-dirfault-XXXXXX", &error);
    g_assert_no_error(error);
    fx->db_path = g_build_filename(fx->dir, "hermod.db", NULL);
    g_assert_true(hermod_directory_open(fx->dir, &error));
    g_assert_true(hermod_directory_domain_add("example.test", &error));
    g_assert_true(hermod_directory_domain_add("other.test", &error));
    for (gsize i = 0; i < G_N_ELEMENTS(users); i++)
        g_assert_true(hermod_directory_user_add(users[i], "pw", &error));
    g_assert_true(hermod_directory_alias_add("team@example.test", "alice@example.test", &error));
    g_assert_true(hermod_directory_alias_add("team@example.test", "bob@example.test", &error));
    g_assert_true(hermod_directory_alias_add("team@example.test", "carol@other.test", &error));
    g_assert_no_error(error);
}

static void
teardown(Fixture *fx, gconstpointer data)
{
    hermod_directory_close();
    test_rm_rf(fx->dir);
    g_free(fx->db_path);
    g_free(fx->dir);
}

static sqlite3 *
directory_db(void)
{
    sqlite3 *db = hermod_directory_db_lock(NULL);

    g_assert_nonnull(db);
    hermod_directory_db_unlock();
    return db;
}

/* classify fails with DB: not UNKNOWN, not any answer. */
static void
assert_classify_fails(const char *address)
{
    g_autoptr(GError) error = NULL;
    HermodAddrKind kind = HERMOD_ADDR_TEMPFAIL;

    g_assert_false(hermod_directory_classify(address, &kind, &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB);
    g_assert_cmpint(kind, ==, HERMOD_ADDR_TEMPFAIL); /* out untouched */
}

static HermodAddrKind
classify(const char *address)
{
    g_autoptr(GError) error = NULL;
    HermodAddrKind kind = HERMOD_ADDR_TEMPFAIL;

    g_assert_true(hermod_directory_classify(address, &kind, &error));
    g_assert_no_error(error);
    return kind;
}

static char *
resolve(const char *address)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) found = hermod_directory_resolve(address, &error);

    g_assert_no_error(error);
    g_ptr_array_add(found, NULL);
    return g_strjoinv(",", (char **)found->pdata);
}

/* Every lookup that needs the accounts table fails with DB. */
static void
assert_accounts_fail(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) users = NULL;
    g_autofree char *account = NULL;
    gboolean answer = TRUE;
    guint64 quota = 7;

    assert_classify_fails("alice@example.test");
    assert_classify_fails("nobody@example.test"); /* not 550 5.1.1 */
    g_assert_null(hermod_directory_resolve("alice@example.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB);
    g_clear_error(&error);
    g_assert_false(
        hermod_directory_owns("alice@example.test", "alice@example.test", &answer, &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB);
    g_clear_error(&error);
    g_assert_false(hermod_directory_account_exists("alice@example.test", &answer, &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB);
    g_clear_error(&error);
    g_assert_false(hermod_directory_user_quota("alice@example.test", &quota, &error));
    g_assert_cmpuint(quota, ==, 7); /* not "unlimited" */
    g_clear_error(&error);
    g_assert_false(hermod_directory_check("alice@example.test", "pw", &account, NULL, &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB);
    g_clear_error(&error);
    users = hermod_directory_user_list(NULL, &error);
    g_assert_null(users);
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB);
}

/* The accounts table goes away under the daemon's connection: the domain
 * part of a lookup still answers, the account part fails, and after the
 * repair the same lookups answer as before. */
static void
test_broken_lookup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *team = NULL;
    gboolean is_local = FALSE, is_owner = FALSE;

    g_assert_cmpint(classify("alice@example.test"), ==, HERMOD_ADDR_LOCAL);
    db_fault_exec(fx->db_path, "ALTER TABLE accounts RENAME TO accounts_away");
    g_assert_cmpint(classify("someone@remote.test"), ==, HERMOD_ADDR_REMOTE);
    g_assert_true(hermod_directory_domain_is_local("example.test", &is_local, &error));
    g_assert_true(is_local);
    assert_accounts_fail();
    db_fault_exec(fx->db_path, "ALTER TABLE accounts_away RENAME TO accounts");
    g_assert_cmpint(classify("alice@example.test"), ==, HERMOD_ADDR_LOCAL);
    g_assert_cmpint(classify("nobody@example.test"), ==, HERMOD_ADDR_UNKNOWN);
    g_assert_true(
        hermod_directory_owns("team@example.test", "bob@example.test", &is_owner, &error));
    g_assert_no_error(error);
    g_assert_true(is_owner);
    team = resolve("team@example.test");
    g_assert_cmpstr(team, ==, "alice@example.test,bob@example.test,carol@other.test");
}

/* An alias whose targets cannot all be read fails: resolving it to its
 * first target only would drop mail for the others without a word. */
static void
test_alias_mid_scan(Fixture *fx, gconstpointer data)
{
    sqlite3 *db = directory_db();
    g_autoptr(GError) error = NULL;
    g_autofree char *team = NULL;
    DbFault fault;

    db_fault_after_rows(db, &fault, "SELECT target FROM aliases", 1);
    assert_classify_fails("team@example.test");
    g_assert_cmpuint(fault.rows, ==, 1); /* it broke after the first target */
    fault.rows = 0;
    g_assert_null(hermod_directory_resolve("team+x@example.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB);
    g_assert_nonnull(strstr(error->message, "interrupted"));
    db_fault_clear(db);
    team = resolve("team+x@example.test");
    g_assert_cmpstr(team, ==, "alice@example.test,bob@example.test,carol@other.test");
}

/* hermodctl's lists fail rather than list part of the rows. */
static void
test_lists_mid_scan(Fixture *fx, gconstpointer data)
{
    static const char *const scans[] = {"SELECT address FROM accounts",
                                        "SELECT alias, target FROM aliases",
                                        "SELECT name FROM domains"};
    sqlite3 *db = directory_db();

    for (gsize i = 0; i < G_N_ELEMENTS(scans); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GPtrArray) list = NULL;
        DbFault fault;
        db_fault_after_rows(db, &fault, scans[i], 1);
        list = i == 0   ? hermod_directory_user_list(NULL, &error)
               : i == 1 ? hermod_directory_alias_list(NULL, &error)
                        : hermod_directory_domain_list(&error);
        db_fault_clear(db);
        g_test_message("%s", scans[i]);
        g_assert_null(list);
        g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB);
        g_assert_cmpuint(fault.rows, ==, 1);
    }
}

/* What modules see: TEMPFAIL from the ABI 1.4 members, the old answers
 * (UNKNOWN, not owned) from the 1.0 ones. */
static void
test_module_api(Fixture *fx, gconstpointer data)
{
    const HermodApi *api = hermod_module_api();
    g_autoptr(GError) error = NULL;
    g_autoptr(GError) owner_error = NULL;

    g_assert_true(HERMOD_API_HAS(api, addr_lookup));
    g_assert_true(HERMOD_API_HAS(api, addr_check_owner));
    g_assert_cmpint(api->addr_lookup("alice@example.test", NULL), ==, HERMOD_ADDR_LOCAL);
    g_assert_cmpint(api->addr_check_owner("alice@example.test", "alice@example.test", NULL), ==,
                    HERMOD_AUTH_OK);
    g_assert_cmpint(api->addr_check_owner("bob@example.test", "alice@example.test", NULL), ==,
                    HERMOD_AUTH_FAILED);
    db_fault_exec(fx->db_path, "ALTER TABLE accounts RENAME TO accounts_away");
    g_assert_cmpint(api->addr_lookup("alice@example.test", &error), ==, HERMOD_ADDR_TEMPFAIL);
    g_assert_nonnull(error);
    g_assert_nonnull(strstr(error->message, "accounts"));
    g_assert_cmpint(api->addr_lookup("alice@example.test", NULL), ==, HERMOD_ADDR_TEMPFAIL);
    g_assert_cmpint(api->addr_lookup("x@remote.test", NULL), ==, HERMOD_ADDR_REMOTE);
    g_assert_cmpint(api->addr_check_owner("alice@example.test", "alice@example.test", &owner_error),
                    ==, HERMOD_AUTH_TEMPFAIL);
    g_assert_nonnull(owner_error);
    g_assert_cmpint(api->addr_classify("alice@example.test"), ==, HERMOD_ADDR_UNKNOWN);
    g_assert_false(api->addr_owned_by("alice@example.test", "alice@example.test"));
    db_fault_exec(fx->db_path, "ALTER TABLE accounts_away RENAME TO accounts");
    g_assert_cmpint(api->addr_lookup("alice@example.test", NULL), ==, HERMOD_ADDR_LOCAL);
    g_assert_cmpint(api->addr_classify("alice@example.test"), ==, HERMOD_ADDR_LOCAL);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
    ADD("/directory/faults/broken-lookup", test_broken_lookup);
    ADD("/directory/faults/alias-mid-scan", test_alias_mid_scan);
    ADD("/directory/faults/lists-mid-scan", test_lists_mid_scan);
    ADD("/directory/faults/module-api", test_module_api);
    return g_test_run();
}
