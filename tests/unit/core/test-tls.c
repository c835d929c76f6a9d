/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-tls.c - the certificate store and its sessions, with real TLS
 * handshakes over a socketpair: SNI choice (exact, wildcard, default),
 * TLS 1.1 refused, reload while an old session keeps its store, outbound
 * client sessions, the retrieve callback for foreign sessions, and
 * gnutls-cli (when installed) against a loopback server.
 */
#include "autoconfig.h"

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tls/certgen.h"
#include "tls/tls.h"
#include "tmpdir.h"

static char *tmp_dir;
static char *certs_dir;

/* ---- certificates shared by the tests */

static void
make_cert(const char *name, const char *host, HermodCertgenKeyType type, guint bits)
{
    HermodCertgenParams p = {.host = host, .key_type = type, .bits = bits};
    g_autoptr(GError) error = NULL;

    g_assert_true(hermod_certgen_write(&p, certs_dir, name, FALSE, &error));
    g_assert_no_error(error);
}

static char *
cert_path(const char *name, const char *ext)
{
    g_autofree char *base = g_strconcat(name, ext, NULL);
    return g_build_filename(certs_dir, base, NULL);
}

/* mail (RSA), wild (ECDSA), and fallback marked default (not first). */
static HermodTlsStore *
three_store(const char *priority)
{
    const char *names[] = {"mail", "wild", "fallback"};
    char *paths[6] = {NULL};
    HermodTlsSource src[3];
    HermodTlsOptions opt = {priority, NULL, TRUE};
    g_autoptr(GError) error = NULL;
    HermodTlsStore *store;

    for (guint i = 0; i < 3; i++) {
        paths[2 * i] = cert_path(names[i], ".crt");
        paths[2 * i + 1] = cert_path(names[i], ".key");
        src[i] = (HermodTlsSource){names[i], paths[2 * i], paths[2 * i + 1], i == 2};
    }
    store = hermod_tls_store_new(src, 3, &opt, &error);
    g_assert_no_error(error);
    for (guint i = 0; i < 6; i++)
        g_free(paths[i]);
    return store;
}

/* A store of one certificate, the default by being alone. */
static HermodTlsStore *
one_store(const char *name)
{
    g_autofree char *crt = cert_path(name, ".crt");
    g_autofree char *key = cert_path(name, ".key");
    HermodTlsSource src = {name, crt, key, FALSE};
    g_autoptr(GError) error = NULL;
    HermodTlsStore *store = hermod_tls_store_new(&src, 1, NULL, &error);

    g_assert_no_error(error);
    return store;
}

/* ---- handshakes over a socketpair: the server side runs in a thread */

typedef struct {
    gnutls_session_t session;
    int fd;
    int result;
} Side;

static int
handshake(gnutls_session_t session)
{
    int ret;

    do
        ret = gnutls_handshake(session);
    while (ret == GNUTLS_E_INTERRUPTED ||
           (ret < 0 && !gnutls_error_is_fatal(ret) && ret != GNUTLS_E_AGAIN));
    return ret;
}

static gpointer
server_thread(gpointer data)
{
    Side *s = data;

    gnutls_transport_set_int(s->session, s->fd);
    s->result = handshake(s->session);
    if (s->result >= 0) {
        char c;
        gnutls_record_recv(s->session, &c, 1); /* wait for the client's close */
    }
    close(s->fd);
    return NULL;
}

static void
socket_pair(int fds[2])
{
    struct timeval tv = {5, 0};

    g_assert_cmpint(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), ==, 0);
    for (int i = 0; i < 2; i++)
        setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

static char *
peer_cn(gnutls_session_t session)
{
    unsigned n = 0;
    const gnutls_datum_t *der = gnutls_certificate_get_peers(session, &n);
    gnutls_x509_crt_t crt;
    char buf[256];
    size_t size = sizeof buf;

    g_assert_cmpuint(n, >=, 1);
    gnutls_x509_crt_init(&crt);
    g_assert_cmpint(gnutls_x509_crt_import(crt, &der[0], GNUTLS_X509_FMT_DER), ==, 0);
    g_assert_cmpint(
        gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, 0, buf, &size), ==, 0);
    gnutls_x509_crt_deinit(crt);
    return g_strndup(buf, size);
}

static gnutls_certificate_credentials_t client_cred;

/* A plain GnuTLS client (not ours) with SNI and priority. */
static gnutls_session_t
plain_client(const char *sni, const char *priority)
{
    gnutls_session_t c;

    g_assert_cmpint(gnutls_init(&c, GNUTLS_CLIENT), ==, 0);
    g_assert_cmpint(gnutls_priority_set_direct(c, priority ? priority : "NORMAL", NULL), ==, 0);
    g_assert_cmpint(gnutls_credentials_set(c, GNUTLS_CRD_CERTIFICATE, client_cred), ==, 0);
    if (sni)
        gnutls_server_name_set(c, GNUTLS_NAME_DNS, sni, strlen(sni));
    return c;
}

/* What a client learnt beyond the server's name (run_pair's extra). */
typedef struct {
    char *info;            /* hermod_tls_session_info */
    gboolean has_ticket;   /* ask for the resumption data */
    gnutls_datum_t ticket; /* gnutls_free it */
    gboolean is_resumed;
} Extra;

/* Handshake client against server (both consumed); the server's CN or
 * NULL if the handshake failed.  extra: nullable. */
static char *
run_pair(gnutls_session_t server, gnutls_session_t client, gboolean server_is_ours, Extra *extra)
{
    int fds[2];
    Side s = {server, 0, 0};
    GThread *t;
    int ret;
    char *cn = NULL;

    socket_pair(fds);
    s.fd = fds[0];
    t = g_thread_new("tls-server", server_thread, &s);
    gnutls_transport_set_int(client, fds[1]);
    ret = handshake(client);
    if (ret >= 0) {
        cn = peer_cn(client);
        if (extra) {
            extra->info = hermod_tls_session_info(client);
            extra->is_resumed = gnutls_session_is_resumed(client);
            if (extra->has_ticket)
                g_assert_cmpint(gnutls_session_get_data2(client, &extra->ticket), ==, 0);
        }
        gnutls_bye(client, GNUTLS_SHUT_WR); /* the server reads until this */
    } else {
        shutdown(fds[1], SHUT_RDWR);
    }
    g_thread_join(t);
    close(fds[1]);
    if ((ret >= 0) != (s.result >= 0))
        g_error("client %s, server %s", gnutls_strerror(ret), gnutls_strerror(s.result));
    if (server_is_ours)
        hermod_tls_session_free(server);
    else
        gnutls_deinit(server);
    gnutls_deinit(client);
    return cn;
}

static char *
served_cn(const char *sni, const char *priority)
{
    g_autoptr(GError) error = NULL;
    gnutls_session_t server = hermod_tls_server_session_new(&error);

    g_assert_no_error(error);
    return run_pair(server, plain_client(sni, priority), TRUE, NULL);
}

/* ---- tests */

static void
test_match(void)
{
    g_autoptr(HermodTlsStore) store = three_store(NULL);
    g_autoptr(GPtrArray) lines = hermod_tls_store_describe(store);

    g_assert_cmpuint(hermod_tls_store_count(store), ==, 3);
    g_assert_cmpstr(hermod_tls_store_match(store, "mail.example.test"), ==, "mail");
    g_assert_cmpstr(hermod_tls_store_match(store, "MAIL.Example.TEST."), ==, "mail");
    g_assert_cmpstr(hermod_tls_store_match(store, "localhost"), ==, "fallback");
    g_assert_cmpstr(hermod_tls_store_match(store, "x.other.test"), ==, "wild");
    g_assert_cmpstr(hermod_tls_store_match(store, "a.b.other.test"), ==, "fallback");
    g_assert_cmpstr(hermod_tls_store_match(store, "other.test"), ==, "fallback");
    g_assert_cmpstr(hermod_tls_store_match(store, ".other.test"), ==, "fallback");
    g_assert_cmpstr(hermod_tls_store_match(store, NULL), ==, "fallback");
    g_assert_cmpstr(hermod_tls_store_match(store, "fallback.test"), ==, "fallback");
    g_assert_cmpstr(hermod_tls_store_priority(store), ==, HERMOD_TLS_DEFAULT_PRIORITY);

    g_assert_cmpuint(lines->len, ==, 3);
    g_assert_true(g_str_has_prefix(lines->pdata[0], "name=fallback cn=fallback.test "
                                                    "san=fallback.test not_after="));
    g_assert_true(g_str_has_suffix(lines->pdata[0], " default=yes"));
    g_assert_true(g_str_has_prefix(lines->pdata[2], "name=wild cn=*.other.test san=*.other.test"));
    g_assert_nonnull(strstr(lines->pdata[1], " sha256="));
    g_assert_true(g_str_has_suffix(lines->pdata[1], " default=no"));
}

static void
test_sni_handshakes(void)
{
    g_autoptr(HermodTlsStore) store = three_store(NULL);
    struct {
        const char *sni, *cn;
    } cases[] = {
        {"mail.example.test", "mail.example.test"},
        {"x.other.test", "*.other.test"},
        {"a.b.other.test", "fallback.test"},
        {"other.test", "fallback.test"},
        {NULL, "fallback.test"},
    };

    hermod_tls_store_set_current(store);
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        /* Also with TLS 1.2 only: the choice must not depend on the version. */
        g_autofree char *cn13 = served_cn(cases[i].sni, NULL);
        g_autofree char *cn12 = served_cn(cases[i].sni, "NORMAL:-VERS-ALL:+VERS-TLS1.2");
        g_assert_cmpstr(cn13, ==, cases[i].cn);
        g_assert_cmpstr(cn12, ==, cases[i].cn);
    }
    hermod_tls_store_set_current(NULL);
}

static void
test_versions(void)
{
    g_autoptr(HermodTlsStore) store = three_store(NULL);
    const char *clients[] = {NULL, "NORMAL:-VERS-ALL:+VERS-TLS1.2"};
    const char *versions[] = {"TLS1.3 ", "TLS1.2 "};
    g_autofree char *refused = NULL;

    hermod_tls_store_set_current(store);
    refused = served_cn("mail.example.test", "NORMAL:-VERS-ALL:+VERS-TLS1.1:+VERS-TLS1.0");
    g_assert_null(refused);
    for (guint i = 0; i < G_N_ELEMENTS(clients); i++) {
        g_autoptr(GError) error = NULL;
        gnutls_session_t server = hermod_tls_server_session_new(&error);
        Extra extra = {NULL};
        g_autofree char *cn = NULL;

        g_assert_no_error(error);
        cn = run_pair(server, plain_client(NULL, clients[i]), TRUE, &extra);
        g_assert_cmpstr(cn, ==, "fallback.test");
        g_assert_true(g_str_has_prefix(extra.info, versions[i]));
        g_free(extra.info);
    }
    hermod_tls_store_set_current(NULL);
}

static void
test_bad_priority(void)
{
    HermodTlsOptions opt = {"NORMAL:+NONSENSE", NULL, FALSE};
    g_autoptr(GError) error = NULL;
    HermodTlsStore *store = hermod_tls_store_new(NULL, 0, &opt, &error);

    g_assert_null(store);
    g_assert_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_CONFIG);
    g_assert_nonnull(strstr(error->message, "[tls] priority"));
    g_assert_nonnull(strstr(error->message, "NONSENSE"));
}

static void
test_bad_sources(void)
{
    g_autofree char *mail_crt = cert_path("mail", ".crt");
    g_autofree char *mail_key = cert_path("mail", ".key");
    g_autofree char *wild_key = cert_path("wild", ".key");
    HermodTlsSource mismatch = {"mix", mail_crt, wild_key, FALSE};
    HermodTlsSource missing = {"gone", "/nonexistent/x.crt", mail_key, FALSE};
    HermodTlsSource two[] = {{"a", mail_crt, mail_key, TRUE}, {"b", mail_crt, mail_key, TRUE}};
    g_autoptr(GError) error = NULL;

    g_assert_null(hermod_tls_store_new(&mismatch, 1, NULL, &error));
    g_assert_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_LOAD);
    g_assert_nonnull(strstr(error->message, "mix"));
    g_clear_error(&error);
    g_assert_null(hermod_tls_store_new(&missing, 1, NULL, &error));
    g_assert_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_LOAD);
    g_assert_nonnull(strstr(error->message, "/nonexistent/x.crt"));
    g_clear_error(&error);
    g_assert_null(hermod_tls_store_new(two, 2, NULL, &error));
    g_assert_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_CONFIG);
}

static void
test_no_store(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(HermodTlsStore) empty = hermod_tls_store_new(NULL, 0, NULL, &error);

    g_assert_no_error(error);
    hermod_tls_store_set_current(NULL);
    g_assert_null(hermod_tls_server_session_new(&error));
    g_assert_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_NO_STORE);
    g_clear_error(&error);
    hermod_tls_store_set_current(empty);
    g_assert_null(hermod_tls_server_session_new(&error));
    g_assert_error(error, HERMOD_TLS_ERROR, HERMOD_TLS_ERROR_NO_STORE);
    hermod_tls_store_set_current(NULL);
}

/* A session made before a reload keeps the old store (and its default);
 * sessions made after get the new one. */
static void
test_reload(void)
{
    HermodTlsStore *old_store = one_store("mail");
    HermodTlsStore *new_store = three_store(NULL);
    g_autoptr(GError) error = NULL;
    gnutls_session_t before, after;
    g_autofree char *cn_before = NULL, *cn_after = NULL;

    hermod_tls_store_set_current(old_store);
    before = hermod_tls_server_session_new(&error);
    g_assert_no_error(error);
    hermod_tls_store_set_current(new_store);
    hermod_tls_store_unref(old_store); /* only the session holds it now */
    hermod_tls_store_unref(new_store);
    after = hermod_tls_server_session_new(&error);
    g_assert_no_error(error);

    cn_before = run_pair(before, plain_client(NULL, NULL), TRUE, NULL);
    cn_after = run_pair(after, plain_client(NULL, NULL), TRUE, NULL);
    g_assert_cmpstr(cn_before, ==, "mail.example.test");
    g_assert_cmpstr(cn_after, ==, "fallback.test");
    hermod_tls_store_set_current(NULL);
}

/* Our client session sends SNI; without verify a self-signed server is
 * fine, with verify the handshake fails (not in the system trust). */
static void
test_client_session(void)
{
    g_autoptr(HermodTlsStore) store = three_store(NULL);
    g_autoptr(GError) error = NULL;
    g_autofree char *cn = NULL;
    gnutls_session_t server, client;

    hermod_tls_store_set_current(store);
    server = hermod_tls_server_session_new(&error);
    client = hermod_tls_client_session_new("mail.example.test", FALSE, &error);
    g_assert_no_error(error);
    cn = run_pair(server, client, TRUE, NULL);
    g_assert_cmpstr(cn, ==, "mail.example.test");
    g_free(cn);

    server = hermod_tls_server_session_new(&error);
    client = hermod_tls_client_session_new("mail.example.test", TRUE, &error);
    g_assert_no_error(error);
    cn = run_pair(server, client, TRUE, NULL);
    g_assert_null(cn);

    /* Before any store: the client defaults still work. */
    hermod_tls_store_set_current(NULL);
    client = hermod_tls_client_session_new("127.0.0.1", FALSE, &error);
    g_assert_no_error(error);
    hermod_tls_session_free(client);
}

/* A second connection resumes with the ticket of the first; after a
 * reload (a new ticket key) it falls back to a full handshake. */
static gboolean
resumes(const gnutls_datum_t *ticket, const char *priority)
{
    g_autoptr(GError) error = NULL;
    gnutls_session_t server = hermod_tls_server_session_new(&error);
    gnutls_session_t client = plain_client("mail.example.test", priority);
    Extra extra = {NULL};
    g_autofree char *cn = NULL;

    g_assert_no_error(error);
    g_assert_cmpint(gnutls_session_set_data(client, ticket->data, ticket->size), ==, 0);
    cn = run_pair(server, client, TRUE, &extra);
    g_assert_cmpstr(cn, ==, "mail.example.test");
    g_free(extra.info);
    return extra.is_resumed;
}

static void
test_resumption(gconstpointer data)
{
    const char *priority = data;
    HermodTlsStore *store = three_store(NULL);
    g_autoptr(GError) error = NULL;
    gnutls_session_t server;
    Extra first = {.has_ticket = TRUE};
    g_autofree char *cn = NULL;

    hermod_tls_store_set_current(store);
    server = hermod_tls_server_session_new(&error);
    g_assert_no_error(error);
    cn = run_pair(server, plain_client("mail.example.test", priority), TRUE, &first);
    g_assert_false(first.is_resumed);
    g_assert_true(resumes(&first.ticket, priority));
    hermod_tls_store_unref(store);
    store = three_store(NULL);
    hermod_tls_store_set_current(store);
    g_assert_false(resumes(&first.ticket, priority));
    hermod_tls_store_unref(store);
    hermod_tls_store_set_current(NULL);
    gnutls_free(first.ticket.data);
    g_free(first.info);
}

/* [tls] session_tickets = no: nothing to resume with. */
static void
test_resumption_off(void)
{
    g_autofree char *crt = cert_path("mail", ".crt");
    g_autofree char *key = cert_path("mail", ".key");
    HermodTlsSource src = {"mail", crt, key, FALSE};
    HermodTlsOptions opt = {NULL, NULL, FALSE};
    const char *tls12 = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
    HermodTlsStore *store = hermod_tls_store_new(&src, 1, &opt, NULL);
    g_autoptr(GError) error = NULL;
    Extra first = {.has_ticket = TRUE};
    g_autofree char *cn = NULL;
    gnutls_session_t server;

    hermod_tls_store_set_current(store);
    server = hermod_tls_server_session_new(&error);
    g_assert_no_error(error);
    cn = run_pair(server, plain_client("mail.example.test", tls12), TRUE, &first);
    g_assert_cmpstr(cn, ==, "mail.example.test");
    g_assert_false(resumes(&first.ticket, tls12));
    hermod_tls_store_set_current(NULL);
    hermod_tls_store_unref(store);
    gnutls_free(first.ticket.data);
    g_free(first.info);
}

/* Handshakes on several threads while the store is swapped under them:
 * every handshake gets a whole store (one of the two defaults). */
static gpointer
handshake_worker(gpointer data)
{
    for (guint i = 0; i < 15; i++) {
        g_autofree char *cn = served_cn(NULL, NULL);
        if (g_strcmp0(cn, "fallback.test") != 0 && g_strcmp0(cn, "mail.example.test") != 0)
            g_error("handshake %u served %s", i, cn ? cn : "nothing");
    }
    return NULL;
}

static void
test_swap_under_load(void)
{
    GThread *workers[3];
    HermodTlsStore *stores[2] = {three_store(NULL), one_store("mail")};

    hermod_tls_store_set_current(stores[0]);
    for (guint i = 0; i < G_N_ELEMENTS(workers); i++)
        workers[i] = g_thread_new("tls-worker", handshake_worker, NULL);
    for (guint i = 0; i < 200; i++) {
        hermod_tls_store_set_current(stores[i % 2]);
        g_usleep(500);
    }
    for (guint i = 0; i < G_N_ELEMENTS(workers); i++)
        g_thread_join(workers[i]);
    hermod_tls_store_set_current(NULL);
    hermod_tls_store_unref(stores[0]);
    hermod_tls_store_unref(stores[1]);
}

/* A session made elsewhere (libmicrohttpd) uses the retrieve callback. */
static void
test_foreign_session(void)
{
    g_autoptr(HermodTlsStore) store = three_store(NULL);
    gnutls_certificate_credentials_t cred;
    gnutls_session_t server;
    g_autofree char *cn = NULL;

    hermod_tls_store_set_current(store);
    gnutls_certificate_allocate_credentials(&cred);
    gnutls_certificate_set_retrieve_function2(cred, hermod_tls_retrieve_cert);
    gnutls_init(&server, GNUTLS_SERVER);
    gnutls_priority_set_direct(server, hermod_tls_store_priority(store), NULL);
    gnutls_credentials_set(server, GNUTLS_CRD_CERTIFICATE, cred);
    cn = run_pair(server, plain_client("y.other.test", NULL), FALSE, NULL);
    g_assert_cmpstr(cn, ==, "*.other.test");
    gnutls_certificate_free_credentials(cred);
    hermod_tls_store_set_current(NULL);
}

/* ---- gnutls-cli against a loopback server */

typedef struct {
    int listen_fd;
    int result;
} Listener;

static gpointer
accept_thread(gpointer data)
{
    Listener *l = data;
    g_autoptr(GError) error = NULL;
    Side s = {hermod_tls_server_session_new(&error), accept(l->listen_fd, NULL, NULL), 0};
    struct timeval tv = {10, 0};

    g_assert_no_error(error);
    g_assert_cmpint(s.fd, >=, 0);
    setsockopt(s.fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    server_thread(&s);
    l->result = s.result;
    hermod_tls_session_free(s.session);
    return NULL;
}

static int
listen_loopback(guint16 *out_port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof sa), ==, 0);
    g_assert_cmpint(listen(fd, 1), ==, 0);
    g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
    *out_port = ntohs(sa.sin_port);
    return fd;
}

static void
test_gnutls_cli(void)
{
    g_autofree char *cli = g_find_program_in_path("gnutls-cli");
    g_autoptr(HermodTlsStore) store = three_store(NULL);
    g_autofree char *out = NULL, *port_arg = NULL;
    g_autoptr(GError) error = NULL;
    Listener l = {0, -1};
    guint16 port;
    GThread *t;
    int status = -1;

    if (!cli) {
        g_test_skip("gnutls-cli is not installed (Debian: gnutls-bin)");
        return;
    }
    hermod_tls_store_set_current(store);
    l.listen_fd = listen_loopback(&port);
    port_arg = g_strdup_printf("--port=%u", port);
    t = g_thread_new("tls-accept", accept_thread, &l);
    {
        const char *argv[] = {cli,      "--insecure", "--sni-hostname=x.other.test",
                              port_arg, "127.0.0.1",  NULL};
        g_spawn_sync(NULL, (char **)argv, NULL,
                     G_SPAWN_STDERR_TO_DEV_NULL | G_SPAWN_STDIN_FROM_DEV_NULL, NULL, NULL, &out,
                     NULL, &status, &error);
    }
    g_thread_join(t);
    close(l.listen_fd);
    g_assert_no_error(error);
    g_assert_cmpint(l.result, >=, 0);
    g_assert_nonnull(strstr(out, "CN=*.other.test"));
    g_assert_nonnull(strstr(out, "(TLS1.3"));
    hermod_tls_store_set_current(NULL);
}

int
main(int argc, char **argv)
{
    int status;

    g_test_init(&argc, &argv, NULL);
    tmp_dir = g_dir_make_tmp("hermod-tls-XXXXXX", NULL);
    certs_dir = g_build_filename(tmp_dir, "certs", NULL);
    make_cert("mail", "mail.example.test", HERMOD_CERTGEN_KEY_RSA, 2048);
    make_cert("wild", "*.other.test", HERMOD_CERTGEN_KEY_ECDSA, 256);
    make_cert("fallback", "fallback.test", HERMOD_CERTGEN_KEY_ECDSA, 256);
    gnutls_certificate_allocate_credentials(&client_cred);

    g_test_add_func("/tls/match", test_match);
    g_test_add_func("/tls/sni-handshakes", test_sni_handshakes);
    g_test_add_func("/tls/versions", test_versions);
    g_test_add_func("/tls/bad-priority", test_bad_priority);
    g_test_add_func("/tls/bad-sources", test_bad_sources);
    g_test_add_func("/tls/no-store", test_no_store);
    g_test_add_func("/tls/reload", test_reload);
    g_test_add_func("/tls/client-session", test_client_session);
    g_test_add_data_func("/tls/resumption/tls1.3", "NORMAL", test_resumption);
    g_test_add_data_func("/tls/resumption/tls1.2", "NORMAL:-VERS-ALL:+VERS-TLS1.2",
                         test_resumption);
    g_test_add_func("/tls/resumption/off", test_resumption_off);
    g_test_add_func("/tls/swap-under-load", test_swap_under_load);
    g_test_add_func("/tls/foreign-session", test_foreign_session);
    g_test_add_func("/tls/gnutls-cli", test_gnutls_cli);
    status = g_test_run();

    gnutls_certificate_free_credentials(client_cred);
    g_assert_true(test_rm_rf(tmp_dir));
    g_free(certs_dir);
    g_free(tmp_dir);
    return status;
}
