/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-directory.c - domains, accounts, aliases, address classification and
 * resolution, password checks, against a fresh hermod.db in a temporary
 * folder.
 */
#include "autoconfig.h"

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "tmpdir.h"
#include "directory/directory.h"

typedef struct {
    char *dir;
} Fixture;

static void
add_user(const char *address, const char *password)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(hermod_directory_user_add(address, password, &error));
    g_assert_no_error(error);
}

static void
setup(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    fx->dir = g_dir_make_tmp("hermod-dir-XXXXXX", &error);
    g_assert_no_error(error);
    g_assert_true(hermod_directory_open(fx->dir, &error));
    g_assert_no_error(error);
    g_assert_true(hermod_directory_domain_add("Example.TEST", &error));
    g_assert_true(hermod_directory_domain_add("other.test", &error));
    g_assert_no_error(error);
    add_user("alice@example.test", "secret-a");
    add_user("Bob@Example.test", "secret-b");
    add_user("carol@other.test", "secret-c");
}

static void
teardown(Fixture *fx, gconstpointer data)
{
    hermod_directory_close();
    test_rm_rf(fx->dir);
    g_free(fx->dir);
}

static char *
join(GPtrArray *list)
{
    g_ptr_array_add(list, NULL);
    return g_strjoinv(",", (char **)list->pdata);
}

/* The lookups below must answer (the database is fine); each returns
 * the answer. */
static HermodAddrKind
classify(const char *address)
{
    g_autoptr(GError) error = NULL;
    HermodAddrKind kind = HERMOD_ADDR_TEMPFAIL;

    g_assert_true(hermod_directory_classify(address, &kind, &error));
    g_assert_no_error(error);
    return kind;
}

static gboolean
owns(const char *address, const char *account)
{
    g_autoptr(GError) error = NULL;
    gboolean is_owner = FALSE;

    g_assert_true(hermod_directory_owns(address, account, &is_owner, &error));
    g_assert_no_error(error);
    return is_owner;
}

static gboolean
exists(const char *address)
{
    g_autoptr(GError) error = NULL;
    gboolean found = FALSE;

    g_assert_true(hermod_directory_account_exists(address, &found, &error));
    g_assert_no_error(error);
    return found;
}

static gboolean
is_local(const char *domain)
{
    g_autoptr(GError) error = NULL;
    gboolean found = FALSE;

    g_assert_true(hermod_directory_domain_is_local(domain, &found, &error));
    g_assert_no_error(error);
    return found;
}

static guint64
quota(const char *address)
{
    g_autoptr(GError) error = NULL;
    guint64 bytes = 1;

    g_assert_true(hermod_directory_user_quota(address, &bytes, &error));
    g_assert_no_error(error);
    return bytes;
}

/* The account a login and password give, or NULL.  (transfer full) */
static char *
verify(const char *login, const char *password)
{
    g_autoptr(GError) error = NULL;
    char *account = NULL;

    g_assert_true(hermod_directory_check(login, password, &account, NULL, &error));
    g_assert_no_error(error);
    return account;
}

static char *
resolve(const char *address)
{
    g_autoptr(GPtrArray) found = hermod_directory_resolve(address, NULL);

    return found != NULL ? join(found) : g_strdup("(none)");
}

static void
test_domains(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autofree char *joined = NULL;

    g_assert_false(hermod_directory_domain_add("EXAMPLE.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(hermod_directory_domain_add("bad..name", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_true(is_local("EXAMPLE.TEST"));
    g_assert_false(is_local("remote.test"));
    /* A domain with accounts cannot go; an empty one can. */
    g_assert_false(hermod_directory_domain_del("example.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_INVALID);
    g_clear_error(&error);
    g_assert_true(hermod_directory_domain_add("empty.test", &error));
    g_assert_true(hermod_directory_domain_del("Empty.Test", &error));
    g_assert_false(hermod_directory_domain_del("empty.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND);
    list = hermod_directory_domain_list(NULL);
    joined = join(list);
    g_assert_cmpstr(joined, ==, "example.test,other.test");
}

static void
test_users(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autofree char *joined = NULL;

    g_assert_false(hermod_directory_user_add("dave@unknown.test", "x", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND);
    g_clear_error(&error);
    g_assert_false(hermod_directory_user_add("ALICE@example.test", "x", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(hermod_directory_user_add("u%x@example.test", "x", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_INVALID);
    g_clear_error(&error);
    list = hermod_directory_user_list("example.test", &error);
    g_assert_no_error(error);
    joined = join(list);
    g_assert_cmpstr(joined, ==, "alice@example.test,bob@example.test");
    g_assert_true(exists("BOB@example.test"));
    g_assert_cmpuint(quota("bob@example.test"), ==, 0);
    g_assert_true(hermod_directory_user_set_quota("bob@example.test", 5000000000ULL, &error));
    g_assert_cmpuint(quota("Bob@example.test"), ==, 5000000000ULL);
    g_assert_true(hermod_directory_user_del("bob@EXAMPLE.test", &error));
    g_assert_false(exists("bob@example.test"));
    g_assert_false(hermod_directory_user_del("bob@example.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND);
}

static void
test_verify(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *ok = verify("ALICE@Example.test", "secret-a");
    g_autofree char *bad = verify("alice@example.test", "secret-b");
    g_autofree char *unknown = verify("zed@example.test", "secret-a");
    g_autofree char *account = NULL;
    g_autofree char *known = NULL;
    g_autofree char *after = NULL;

    g_assert_cmpstr(ok, ==, "alice@example.test");
    g_assert_null(bad);
    g_assert_null(unknown);
    g_assert_true(hermod_directory_check("bob@example.test", "nope", &account, &known, &error));
    g_assert_null(account);
    g_assert_cmpstr(known, ==, "bob@example.test");
    g_assert_true(hermod_directory_user_passwd("alice@example.test", "new-pass", &error));
    g_assert_no_error(error);
    after = verify("alice@example.test", "new-pass");
    g_assert_cmpstr(after, ==, "alice@example.test");
    g_autofree char *old = verify("alice@example.test", "secret-a");
    g_assert_null(old);
}

/* Another process (hermodctl) writes the database: run SQL on it. */
static void
outside_sql(Fixture *fx, const char *sql)
{
    g_autofree char *path = g_build_filename(fx->dir, "hermod.db", NULL);
    sqlite3 *db = NULL;

    g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    g_assert_cmpint(sqlite3_exec(db, sql, NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close(db);
}

/* The verified-password cache (directory-credcache.c): a second check of
 * the same password is still right, a wrong one is refused, and a
 * changed password or deleted account is seen at once, also when another
 * process changed the database. */
static void
test_verify_cached(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    for (int i = 0; i < 3; i++) {
        g_autofree char *ok = verify("alice@example.test", "secret-a");
        g_autofree char *bad = verify("alice@example.test", "secret-a ");
        g_assert_cmpstr(ok, ==, "alice@example.test");
        g_assert_null(bad);
    }
    g_assert_true(hermod_directory_user_passwd("alice@example.test", "new-pass", &error));
    g_assert_no_error(error);
    g_autofree char *old = verify("alice@example.test", "secret-a");
    g_autofree char *now = verify("alice@example.test", "new-pass");
    g_autofree char *again = verify("alice@example.test", "new-pass");
    g_assert_null(old);
    g_assert_cmpstr(now, ==, "alice@example.test");
    g_assert_cmpstr(again, ==, "alice@example.test");

    /* alice gets bob's hash behind the directory's back */
    outside_sql(fx, "UPDATE accounts SET hash = (SELECT hash FROM accounts WHERE address = "
                    "'bob@example.test') WHERE address = 'alice@example.test'");
    g_autofree char *stale = verify("alice@example.test", "new-pass");
    g_autofree char *bobs = verify("alice@example.test", "secret-b");
    g_assert_null(stale);
    g_assert_cmpstr(bobs, ==, "alice@example.test");

    g_autofree char *carol = verify("carol@other.test", "secret-c");
    g_assert_cmpstr(carol, ==, "carol@other.test");
    g_assert_true(hermod_directory_user_del("carol@other.test", &error));
    g_assert_no_error(error);
    g_autofree char *gone = verify("carol@other.test", "secret-c");
    g_assert_null(gone);
}

static void
test_aliases(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autofree char *joined = NULL;
    g_autofree char *team = NULL;
    g_autofree char *gone = NULL;

    g_assert_true(hermod_directory_alias_add("Team@example.test", "alice@example.test", &error));
    g_assert_true(hermod_directory_alias_add("team@example.test", "carol@other.test", &error));
    g_assert_true(hermod_directory_alias_add("team@example.test", "ext@remote.test", &error));
    g_assert_no_error(error);
    g_assert_false(hermod_directory_alias_add("team@example.test", "ext@remote.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(hermod_directory_alias_add("alice@example.test", "bob@example.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_EXISTS);
    g_clear_error(&error);
    g_assert_false(hermod_directory_alias_add("x@remote.test", "bob@example.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_NOT_FOUND);
    g_clear_error(&error);
    team = resolve("TEAM+news@example.test");
    g_assert_cmpstr(team, ==, "alice@example.test,carol@other.test,ext@remote.test");
    g_assert_cmpint(classify("team@example.test"), ==, HERMOD_ADDR_LOCAL);
    g_assert_true(owns("team@example.test", "alice@example.test"));
    g_assert_false(owns("team@example.test", "bob@example.test"));
    list = hermod_directory_alias_list("example.test", &error);
    joined = join(list);
    g_assert_cmpstr(joined, ==,
                    "team@example.test -> alice@example.test,team@example.test -> "
                    "carol@other.test,team@example.test -> ext@remote.test");
    g_assert_true(hermod_directory_alias_del("team@example.test", "ext@remote.test", &error));
    g_assert_true(hermod_directory_alias_del("team@example.test", NULL, &error));
    g_assert_no_error(error);
    gone = resolve("team@example.test");
    g_assert_cmpstr(gone, ==, "(none)");
    g_assert_cmpint(classify("team@example.test"), ==, HERMOD_ADDR_UNKNOWN);
}

static void
test_alias_loop(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *found = NULL;

    g_assert_true(hermod_directory_alias_add("a@example.test", "b@example.test", &error));
    g_assert_true(hermod_directory_alias_add("b@example.test", "a@example.test", &error));
    g_assert_true(hermod_directory_alias_add("b@example.test", "bob@example.test", &error));
    g_assert_no_error(error);
    found = resolve("a@example.test");
    g_assert_cmpstr(found, ==, "bob@example.test");
}

static void
test_plus_and_postmaster(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *plus = resolve("Alice+Lists@EXAMPLE.test");
    g_autofree char *pm = resolve("postmaster@example.test");
    g_autofree char *bare = resolve("PostMaster");
    g_autofree char *pm_other = NULL;
    g_autofree char *pm_empty = NULL;
    g_autofree char *pm_alias = NULL;

    g_assert_cmpstr(plus, ==, "alice@example.test");
    g_assert_true(owns("alice+x@example.test", "ALICE@example.test"));
    g_assert_cmpstr(pm, ==, "alice@example.test");
    g_assert_cmpstr(bare, ==, "alice@example.test");
    pm_other = resolve("Postmaster@other.test");
    g_assert_cmpstr(pm_other, ==, "carol@other.test");
    g_assert_true(hermod_directory_domain_add("empty.test", &error));
    pm_empty = resolve("postmaster@empty.test");
    g_assert_cmpstr(pm_empty, ==, "alice@example.test");
    g_assert_true(
        hermod_directory_alias_add("postmaster@example.test", "bob@example.test", &error));
    pm_alias = resolve("postmaster@example.test");
    g_assert_cmpstr(pm_alias, ==, "bob@example.test");
    g_assert_cmpint(classify("postmaster"), ==, HERMOD_ADDR_LOCAL);
    g_assert_cmpint(classify("postmaster@empty.test"), ==, HERMOD_ADDR_LOCAL);
}

static void
test_domain_alias(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *mapped = NULL;
    g_autofree char *catchall = NULL;

    g_assert_true(hermod_directory_domain_add("alias.test", &error));
    g_assert_true(hermod_directory_domain_add("catch.test", &error));
    g_assert_true(hermod_directory_alias_add("@alias.test", "@example.test", &error));
    g_assert_true(hermod_directory_alias_add("@catch.test", "carol@other.test", &error));
    g_assert_no_error(error);
    g_assert_false(hermod_directory_alias_add("x@example.test", "@other.test", &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_INVALID);
    mapped = resolve("bob+tag@alias.test");
    g_assert_cmpstr(mapped, ==, "bob@example.test");
    g_assert_cmpint(classify("nobody@alias.test"), ==, HERMOD_ADDR_UNKNOWN);
    catchall = resolve("anything@catch.test");
    g_assert_cmpstr(catchall, ==, "carol@other.test");
}

static void
test_classify(Fixture *fx, gconstpointer data)
{
    static const char *const invalid[] = {
        "@a.test,@b.test:alice@example.test",
        "alice%remote.test@example.test",
        "remote.test!alice@example.test",
        "\"alice@x\"@example.test",
        "\"alice%x\"@example.test",
        "\"a!b\"@example.test",
        "@example.test",
        "alice@",
        "alice",
        "",
        "alice@[192.0.2.1]",
        "alice@[IPv6:2001:db8::1]",
        "ali\001ce@example.test",
        "alice@exa\rmple.test",
        "alice@bad..test",
        "ali ce@example.test",
        "a@b@example.test",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@example.test",
    };
    g_autoptr(GError) error = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(invalid); i++) {
        g_test_message("invalid: %s", invalid[i]);
        g_assert_cmpint(classify(invalid[i]), ==, HERMOD_ADDR_INVALID);
    }
    g_assert_cmpint(classify(NULL), ==, HERMOD_ADDR_INVALID);
    g_assert_cmpint(classify("ALICE@Example.Test"), ==, HERMOD_ADDR_LOCAL);
    g_assert_cmpint(classify("\"alice\"@example.test"), ==, HERMOD_ADDR_LOCAL);
    g_assert_cmpint(classify("nobody@example.test"), ==, HERMOD_ADDR_UNKNOWN);
    g_assert_cmpint(classify("someone@remote.test"), ==, HERMOD_ADDR_REMOTE);
    g_assert_cmpint(classify("someone@bücher.test"), ==, HERMOD_ADDR_REMOTE);
    /* SMTPUTF8: UTF-8 local parts, compared case-insensitively. */
    add_user("jörg@example.test", "pw");
    g_assert_cmpint(classify("JÖRG@example.test"), ==, HERMOD_ADDR_LOCAL);
    /* A domain literal is ours only when listed. */
    g_assert_true(hermod_directory_domain_add("[192.0.2.1]", &error));
    g_assert_no_error(error);
    g_assert_cmpint(classify("postmaster@[192.0.2.1]"), ==, HERMOD_ADDR_LOCAL);
}

static void
test_persists(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *ok = NULL;
    HermodAddrKind kind = HERMOD_ADDR_LOCAL;

    hermod_directory_close();
    /* Closed is not "nobody has this address": the lookup fails. */
    g_assert_false(hermod_directory_classify("alice@example.test", &kind, &error));
    g_assert_error(error, HERMOD_DIRECTORY_ERROR, HERMOD_DIRECTORY_ERROR_DB);
    g_clear_error(&error);
    g_assert_true(hermod_directory_open(fx->dir, &error));
    g_assert_no_error(error);
    ok = verify("carol@other.test", "secret-c");
    g_assert_cmpstr(ok, ==, "carol@other.test");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
#define ADD(name, fn) g_test_add(name, Fixture, NULL, setup, fn, teardown)
    ADD("/directory/domains", test_domains);
    ADD("/directory/users", test_users);
    ADD("/directory/verify", test_verify);
    ADD("/directory/verify-cached", test_verify_cached);
    ADD("/directory/aliases", test_aliases);
    ADD("/directory/alias-loop", test_alias_loop);
    ADD("/directory/plus-postmaster", test_plus_and_postmaster);
    ADD("/directory/domain-alias", test_domain_alias);
    ADD("/directory/classify", test_classify);
    ADD("/directory/persists", test_persists);
#undef ADD
    return g_test_run();
}
