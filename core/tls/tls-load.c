/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * tls-load.c - from the config to a TLS store: the [tls] and
 * [certificate NAME] settings tables, the certificate folder, and the
 * self-signed certificate made on first start.
 *
 * Sources, in this order: every [certificate NAME] section (file order),
 * then every NAME.crt with a NAME.key beside it in data_dir/certs (sorted
 * by name; a NAME already configured is skipped).  The default is the one
 * marked "default = yes", else a file pair named "default", else the first.
 * With no source at all, a certificate for [core] hostname (and localhost)
 * is made as data_dir/certs/default.{crt,key} so that the sample config
 * works as-is.  Loading and choosing certificates is tls.c's job.
 */
#include "autoconfig.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tls/certgen.h"
#include "lib/log.h"
#include "tls/tls.h"

const HermodSetting hermod_tls_settings[] = {
    {"priority", HERMOD_SETTING_STRING, HERMOD_TLS_DEFAULT_PRIORITY, 0, 0, NULL,
     "GnuTLS priority string for connections to us (default: TLS 1.2 and 1.3 only)"},
    {"client_priority", HERMOD_SETTING_STRING, HERMOD_TLS_DEFAULT_CLIENT_PRIORITY, 0, 0, NULL,
     "GnuTLS priority string for outbound SMTP (opportunistic: any TLS beats plain text)"},
    {"session_tickets", HERMOD_SETTING_BOOL, "yes", 0, 0, NULL,
     "let clients resume TLS sessions with tickets (the key changes on every reload)"},
    {NULL},
};

const HermodSetting hermod_certificate_settings[] = {
    {"cert", HERMOD_SETTING_PATH, NULL, 0, 0, NULL,
     "PEM certificate, then its chain; relative to data_dir"},
    {"key", HERMOD_SETTING_PATH, NULL, 0, 0, NULL, "PEM private key, unencrypted"},
    {"default", HERMOD_SETTING_BOOL, "no", 0, 0, NULL,
     "serve this one when the client sends no name or no certificate matches"},
    {NULL},
};

/* The sources found, with the strings they point to. */
typedef struct {
    GArray *sources;  /* HermodTlsSource */
    GPtrArray *owned; /* strings the sources point to */
} Sources;

static void
sources_clear(Sources *s)
{
    g_array_unref(s->sources);
    g_ptr_array_unref(s->owned);
}

static const char *
own(Sources *s, char *str)
{
    g_ptr_array_add(s->owned, str);
    return str;
}

static gboolean
has_source(Sources *s, const char *name)
{
    for (guint i = 0; i < s->sources->len; i++)
        if (strcmp(g_array_index(s->sources, HermodTlsSource, i).name, name) == 0)
            return TRUE;
    return FALSE;
}

static gboolean
add_configured(Sources *s, HermodConfig *cfg, GError **error)
{
    const char *const *names = hermod_config_named(cfg, "certificate");

    for (guint i = 0; names[i]; i++) {
        g_autofree char *section = g_strconcat("certificate ", names[i], NULL);
        HermodTlsSource src = {names[i], NULL, NULL, FALSE};

        src.cert_path = own(s, hermod_config_path(cfg, section, "cert"));
        src.key_path = own(s, hermod_config_path(cfg, section, "key"));
        src.is_default = hermod_config_bool(cfg, section, "default");
        if (!src.cert_path || !src.key_path) {
            g_set_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_CONFIG,
                        "%s: [%s] needs both cert and key", hermod_config_file(cfg), section);
            return FALSE;
        }
        g_array_append_val(s->sources, src);
    }
    return TRUE;
}

static gint
compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every NAME.crt + NAME.key in dir, sorted; a missing dir is no error. */
static void
add_folder(Sources *s, const char *dir, gboolean has_marked_default)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GPtrArray) bases = g_ptr_array_new_with_free_func(g_free);
    const char *entry;

    while (d && (entry = g_dir_read_name(d)))
        if (g_str_has_suffix(entry, ".crt") && entry[0] != '.')
            g_ptr_array_add(bases, g_strndup(entry, strlen(entry) - 4));
    g_ptr_array_sort(bases, compare_names);
    for (guint i = 0; i < bases->len; i++) {
        const char *base = bases->pdata[i];
        g_autofree char *key_base = g_strconcat(base, ".key", NULL);
        g_autofree char *crt_base = g_strconcat(base, ".crt", NULL);
        HermodTlsSource src = {own(s, g_strdup(base)), NULL, NULL, FALSE};

        src.key_path = own(s, g_build_filename(dir, key_base, NULL));
        if (!g_file_test(src.key_path, G_FILE_TEST_IS_REGULAR)) {
            hermod_log(HERMOD_LOG_WARNING, NULL, "tls: %s/%s has no %s beside it; skipped", dir,
                       crt_base, key_base);
            continue;
        }
        if (has_source(s, base)) {
            hermod_log(HERMOD_LOG_WARNING, NULL,
                       "tls: %s/%s skipped: [certificate %s] has that name", dir, crt_base, base);
            continue;
        }
        src.cert_path = own(s, g_build_filename(dir, crt_base, NULL));
        src.is_default = !has_marked_default && strcmp(base, "default") == 0;
        g_array_append_val(s->sources, src);
    }
}

static gboolean
any_marked_default(Sources *s)
{
    for (guint i = 0; i < s->sources->len; i++)
        if (g_array_index(s->sources, HermodTlsSource, i).is_default)
            return TRUE;
    return FALSE;
}

char *
hermod_tls_certs_dir(HermodConfig *cfg)
{
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");
    return g_build_filename(data_dir, "certs", NULL);
}

/* Started as root (before dropping privileges), the new files would stay
 * root's and the daemon could not read them again on SIGHUP: give them to
 * the owner of data_dir, the account the daemon runs as. */
static void
give_to_data_dir_owner(HermodConfig *cfg, const char *dir)
{
    g_autofree char *data_dir = hermod_config_path(cfg, "core", "data_dir");
    const char *names[] = {"", "default.key", "default.crt"};
    struct stat st;

    if (geteuid() != 0 || stat(data_dir, &st) != 0 || st.st_uid == 0)
        return;
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        g_autofree char *path = g_build_filename(dir, names[i], NULL);
        if (chown(path, st.st_uid, st.st_gid) != 0)
            hermod_log(HERMOD_LOG_WARNING, NULL, "tls: chown %s: %s", path, g_strerror(errno));
    }
}

static gboolean
create_first(HermodConfig *cfg, const char *dir, GError **error)
{
    const char *host = hermod_config_string(cfg, "core", "hostname");
    const char *localhost[] = {"localhost", NULL};
    HermodCertgenParams params = {
        .host = host, .org = "Hermod", .key_type = HERMOD_CERTGEN_KEY_ECDSA, .bits = 256};
    g_autoptr(GError) local = NULL;

    params.alt_names = g_ascii_strcasecmp(host, "localhost") != 0 ? localhost : NULL;
    if (!hermod_certgen_write(&params, dir, "default", FALSE, &local)) {
        g_set_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_LOAD,
                    "no certificate configured, and making one for %s in %s failed: %s", host, dir,
                    local->message);
        return FALSE;
    }
    give_to_data_dir_owner(cfg, dir);
    hermod_log(HERMOD_LOG_NOTICE, NULL,
               "tls: no certificate configured; made a self-signed one for %s in "
               "%s/default.crt (replace it, or add a [certificate NAME] section)",
               host, dir);
    return TRUE;
}

static HermodTlsStore *
load(HermodConfig *cfg, gboolean may_create, GError **error)
{
    g_autofree char *dir = hermod_tls_certs_dir(cfg);
    Sources s = {g_array_new(FALSE, FALSE, sizeof(HermodTlsSource)),
                 g_ptr_array_new_with_free_func(g_free)};
    HermodTlsOptions options = {
        hermod_config_string(cfg, "tls", "priority"),
        hermod_config_string(cfg, "tls", "client_priority"),
        hermod_config_bool(cfg, "tls", "session_tickets"),
    };
    HermodTlsStore *store = NULL;

    if (!add_configured(&s, cfg, error))
        goto out;
    add_folder(&s, dir, any_marked_default(&s));
    if (s.sources->len == 0 && may_create) {
        /* Check [tls] first: a typo there must not leave files behind. */
        HermodTlsStore *check = hermod_tls_store_new(NULL, 0, &options, error);
        if (!check)
            goto out;
        hermod_tls_store_unref(check);
        if (!create_first(cfg, dir, error))
            goto out;
        add_folder(&s, dir, FALSE);
    }
    store = hermod_tls_store_new((const HermodTlsSource *)(void *)s.sources->data, s.sources->len,
                                 &options, error);
out:
    sources_clear(&s);
    return store;
}

HermodTlsStore *
hermod_tls_store_load(HermodConfig *cfg, GError **error)
{
    return load(cfg, TRUE, error);
}

HermodTlsStore *
hermod_tls_store_load_existing(HermodConfig *cfg, GError **error)
{
    return load(cfg, FALSE, error);
}
