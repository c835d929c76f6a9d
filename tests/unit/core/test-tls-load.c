/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-tls-load.c - from a config file to a TLS store: the self-signed
 * certificate made on first start, [certificate NAME] sections and the
 * data_dir/certs folder, which one is the default, errors naming the
 * section, and the "hermodctl cert" rows.
 */
#include "autoconfig.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hermodd/sections.h"
#include "tls/certgen.h"
#include "config/config.h"
#include "ctl/ctl.h"
#include "tls/tls.h"
#include "tmpdir.h"

extern const HermodCtlCommand hermod_ctl_cert_commands[];

typedef struct {
    char *dir; /* data_dir */
    char *certs;
} Fixture;

static void
setup(Fixture *f, gconstpointer data)
{
    f->dir = g_dir_make_tmp("hermod-tls-load-XXXXXX", NULL);
    f->certs = g_build_filename(f->dir, "certs", NULL);
}

static void
teardown(Fixture *f, gconstpointer data)
{
    g_assert_true(test_rm_rf(f->dir));
    g_free(f->certs);
    g_free(f->dir);
}

/* A config with data_dir and hostname set, plus extra. */
static HermodConfig *
config(Fixture *f, const char *extra)
{
    g_autofree char *text = g_strdup_printf("[core]\nhostname = mail.example.test\n"
                                            "data_dir = %s\n%s",
                                            f->dir, extra ? extra : "");
    g_autoptr(GError) error = NULL;
    HermodConfig *cfg = hermod_config_load_data(text, "hermod.conf", NULL, &error);

    g_assert_no_error(error);
    return cfg;
}

static void
make(const char *dir, const char *name, const char *host)
{
    HermodCertgenParams p = {.host = host, .key_type = HERMOD_CERTGEN_KEY_ECDSA};
    g_autoptr(GError) error = NULL;

    g_assert_true(hermod_certgen_write(&p, dir, name, FALSE, &error));
    g_assert_no_error(error);
}

static char *
line_of(HermodTlsStore *store, guint i)
{
    g_autoptr(GPtrArray) lines = hermod_tls_store_describe(store);

    g_assert_cmpuint(i, <, lines->len);
    return g_strdup(lines->pdata[i]);
}

static void
test_first_start(Fixture *f, gconstpointer data)
{
    g_autoptr(HermodConfig) cfg = config(f, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodTlsStore) none = hermod_tls_store_load_existing(cfg, &error);
    g_autoptr(HermodTlsStore) first = NULL, again = NULL;
    g_autofree char *key = g_build_filename(f->certs, "default.key", NULL);
    g_autofree char *line1 = NULL, *line2 = NULL;
    struct stat st;

    g_assert_no_error(error);
    g_assert_cmpuint(hermod_tls_store_count(none), ==, 0);
    g_assert_false(g_file_test(f->certs, G_FILE_TEST_EXISTS));

    first = hermod_tls_store_load(cfg, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(hermod_tls_store_count(first), ==, 1);
    line1 = line_of(first, 0);
    g_assert_true(g_str_has_prefix(line1, "name=default cn=mail.example.test "
                                          "san=mail.example.test,localhost not_after="));
    g_assert_true(g_str_has_suffix(line1, " default=yes"));
    g_assert_cmpint(stat(key, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_assert_cmpstr(hermod_tls_store_match(first, "localhost"), ==, "default");

    again = hermod_tls_store_load(cfg, &error);
    g_assert_no_error(error);
    line2 = line_of(again, 0);
    g_assert_cmpstr(line1, ==, line2); /* the same files, not a new certificate */
}

static void
test_sources(Fixture *f, gconstpointer data)
{
    g_autofree char *elsewhere = g_build_filename(f->dir, "elsewhere", NULL);
    g_autofree char *orphan_key = g_build_filename(f->certs, "orphan.key", NULL);
    g_autoptr(HermodConfig) cfg = NULL;
    g_autoptr(HermodConfig) marked = NULL;
    g_autoptr(HermodTlsStore) store = NULL;
    g_autoptr(HermodTlsStore) store2 = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *line = NULL;

    make(elsewhere, "mail", "mail.example.test");
    make(f->certs, "mail", "shadowed.example.test"); /* [certificate mail] wins */
    make(f->certs, "wild", "*.other.test");
    make(f->certs, "default", "fallback.test");
    make(f->certs, "orphan", "orphan.test");
    g_assert_cmpint(remove(orphan_key), ==, 0); /* a .crt alone is skipped */

    cfg = config(f, "[certificate mail]\ncert = elsewhere/mail.crt\nkey = elsewhere/mail.key\n");
    store = hermod_tls_store_load(cfg, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(hermod_tls_store_count(store), ==, 3);
    g_assert_cmpstr(hermod_tls_store_match(store, "mail.example.test"), ==, "mail");
    g_assert_cmpstr(hermod_tls_store_match(store, "shadowed.example.test"), ==, "default");
    g_assert_cmpstr(hermod_tls_store_match(store, "a.other.test"), ==, "wild");
    g_assert_cmpstr(hermod_tls_store_match(store, NULL), ==, "default");
    g_assert_cmpstr(hermod_tls_store_match(store, "orphan.test"), ==, "default");

    marked = config(f, "[certificate mail]\ncert = elsewhere/mail.crt\n"
                       "key = elsewhere/mail.key\ndefault = yes\n");
    store2 = hermod_tls_store_load(marked, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(hermod_tls_store_match(store2, NULL), ==, "mail");
    line = line_of(store2, 0);
    g_assert_true(g_str_has_prefix(line, "name=mail cn=mail.example.test"));
}

static void
test_errors(Fixture *f, gconstpointer data)
{
    g_autoptr(HermodConfig) half = config(f, "[certificate a]\ncert = a.crt\n");
    g_autoptr(HermodConfig) missing = config(f, "[certificate b]\ncert = b.crt\nkey = b.key\n");
    g_autoptr(HermodConfig) prio = config(f, "[tls]\npriority = NORMAL:+BOGUS\n");
    g_autoptr(GError) error = NULL;

    g_assert_null(hermod_tls_store_load(half, &error));
    g_assert_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "[certificate a] needs both cert and key"));
    g_clear_error(&error);
    g_assert_null(hermod_tls_store_load(missing, &error));
    g_assert_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_LOAD);
    g_assert_nonnull(strstr(error->message, "b.crt"));
    g_clear_error(&error);
    g_assert_null(hermod_tls_store_load(prio, &error));
    g_assert_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "BOGUS"));
    g_assert_false(g_file_test(f->certs, G_FILE_TEST_EXISTS)); /* nothing made on errors */
}

/* Run one "hermodctl cert VERB ARGS" row with stdout and stderr muted. */
static int
ctl(HermodConfig *cfg, const char *verb, ...)
{
    g_autoptr(GPtrArray) argv = g_ptr_array_new();
    const HermodCtlCommand *row = hermod_ctl_cert_commands;
    int saved[2] = {dup(1), dup(2)}, null = open("/dev/null", O_WRONLY);
    const char *arg;
    va_list ap;
    int status;

    while (row->noun && strcmp(row->verb, verb) != 0)
        row++;
    g_assert_nonnull(row->noun);
    g_ptr_array_add(argv, (char *)verb);
    va_start(ap, verb);
    while ((arg = va_arg(ap, const char *)))
        g_ptr_array_add(argv, (char *)arg);
    va_end(ap);
    g_ptr_array_add(argv, NULL);
    fflush(stdout);
    dup2(null, 1), dup2(null, 2);
    status = row->run(cfg, (int)argv->len - 1, (char **)argv->pdata);
    fflush(stdout);
    dup2(saved[0], 1), dup2(saved[1], 2);
    close(null), close(saved[0]), close(saved[1]);
    return status;
}

static void
test_ctl(Fixture *f, gconstpointer data)
{
    g_autoptr(HermodConfig) cfg = config(f, NULL);
    g_autofree char *crt = g_build_filename(f->certs, "shop.crt", NULL);
    g_autofree char *wild = g_build_filename(f->certs, "wildcard.example.test.crt", NULL);
    g_autoptr(HermodTlsStore) store = NULL;

    g_assert_cmpint(ctl(cfg, "create", NULL), ==, 2);
    g_assert_cmpint(ctl(cfg, "create", "--host", "a.test", "--type", "dsa", NULL), ==, 2);
    g_assert_cmpint(ctl(cfg, "create", "--host", "a.test", "stray", NULL), ==, 2);
    g_assert_cmpint(ctl(cfg, "create", "--host=a.test", "--days=-5", NULL), ==, 2);
    g_assert_cmpint(ctl(cfg, "create", "--host=a.test", "--bits=1024", NULL), ==, 1);
    g_assert_cmpint(ctl(cfg, "create", "--host=a.test", "--country=XYZ", NULL), ==, 1);
    g_assert_false(g_file_test(f->certs, G_FILE_TEST_EXISTS) &&
                   g_file_test(crt, G_FILE_TEST_EXISTS));
    g_assert_cmpint(ctl(cfg, "create", "--host=shop.example.test", "--org=Shop", "--name=shop",
                        "--alt=www.example.test, example.test", "--type=ecdsa", "--bits=384",
                        "--hash=sha384", "--country=se", "--days=90", NULL),
                    ==, 0);
    g_assert_true(g_file_test(crt, G_FILE_TEST_EXISTS));
    g_assert_cmpint(ctl(cfg, "create", "--host=shop.example.test", "--name=shop", NULL), ==, 1);
    g_assert_cmpint(ctl(cfg, "create", "--host=shop.example.test", "--name=shop", "--type=ecdsa",
                        "--force", NULL),
                    ==, 0);
    g_assert_cmpint(ctl(cfg, "create", "--host=*.example.test", "--type=ecdsa", NULL), ==, 0);
    g_assert_true(g_file_test(wild, G_FILE_TEST_EXISTS));
    g_assert_cmpint(ctl(cfg, "list", NULL), ==, 0);
    g_assert_cmpint(ctl(cfg, "list", "extra", NULL), ==, 2);

    store = hermod_tls_store_load_existing(cfg, NULL);
    g_assert_cmpuint(hermod_tls_store_count(store), ==, 2);
    g_assert_cmpstr(hermod_tls_store_match(store, "shop.example.test"), ==, "shop");
    g_assert_cmpstr(hermod_tls_store_match(store, "imap.example.test"), ==,
                    "wildcard.example.test");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(hermod_core_sections);
    g_test_add("/tls-load/first-start", Fixture, NULL, setup, test_first_start, teardown);
    g_test_add("/tls-load/sources", Fixture, NULL, setup, test_sources, teardown);
    g_test_add("/tls-load/errors", Fixture, NULL, setup, test_errors, teardown);
    g_test_add("/tls-load/ctl", Fixture, NULL, setup, test_ctl, teardown);
    return g_test_run();
}
