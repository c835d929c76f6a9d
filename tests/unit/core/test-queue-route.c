/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-queue-route.c - where outbound mail goes next.
 *
 * [routes] values (host, host:port, [v6]:port) and their check; lookup
 * order (exact domain, "*", smarthost, address literal); MX handling with a
 * fake GResolver: preference order, implicit MX, null MX, unknown domain,
 * temporary DNS failure.
 */
#include "autoconfig.h"

#include <string.h>
#include <gio/gio.h>

#include "hermodd/sections.h"
#include "config/config.h"
#include "mailflow/queue-route.h"
#include "mailflow/queue.h"

static void
check_parse(const char *value, const char *host, guint16 port)
{
    g_autofree char *got_host = NULL;
    g_autofree char *reason = NULL;
    guint16 got_port = 0;
    gboolean ok = hermod_queue_route_parse(value, &got_host, &got_port, &reason);

    if (host == NULL) {
        g_assert_false(ok);
        g_assert_nonnull(reason);
        return;
    }
    g_assert_true(ok);
    g_assert_cmpstr(got_host, ==, host);
    g_assert_cmpuint(got_port, ==, port);
}

static void
test_route_parse(void)
{
    g_autofree char *reason = NULL;

    check_parse("mx.example.org", "mx.example.org", 25);
    check_parse(" relay.example.net:2526 ", "relay.example.net", 2526);
    check_parse("[::1]:2526", "::1", 2526);
    check_parse("[192.0.2.1]", "192.0.2.1", 25);
    check_parse("::1:25", NULL, 0);
    check_parse("host:0", NULL, 0);
    check_parse("host:smtp", NULL, 0);
    check_parse("", NULL, 0);
    check_parse("[::1", NULL, 0);
    g_assert_true(hermod_queue_route_validate("*", "smarthost.example.net", &reason));
    g_assert_false(hermod_queue_route_validate("bad domain", "h", &reason));
    g_assert_nonnull(reason);
}

static char *
first_hop(HermodConfig *cfg, const char *domain)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) hops = hermod_queue_route(cfg, domain, &err);

    g_assert_no_error(err);
    g_assert_cmpuint(hops->len, >=, 1);
    HermodRouteHop *hop = g_ptr_array_index(hops, 0);
    return g_strdup_printf("%s:%u", hop->host, hop->port);
}

static void
test_route_lookup(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodConfig) cfg = hermod_config_load_data(
        "[routes]\nexample.org = 127.0.0.1:2526\n* = [::1]:2600\n", "r.conf", NULL, &err);
    g_assert_no_error(err);
    g_autofree char *exact = first_hop(cfg, "EXAMPLE.org");
    g_autofree char *star = first_hop(cfg, "other.test");
    g_assert_cmpstr(exact, ==, "127.0.0.1:2526");
    g_assert_cmpstr(star, ==, "::1:2600");

    g_autoptr(HermodConfig) smart =
        hermod_config_load_data("[queue]\nsmarthost = relay.test:587\n", "s.conf", NULL, &err);
    g_assert_no_error(err);
    g_autofree char *relay = first_hop(smart, "example.org");
    g_assert_cmpstr(relay, ==, "relay.test:587");
    g_autoptr(HermodConfig) plain = hermod_config_load_data("", "p.conf", NULL, &err);
    g_assert_no_error(err);
    g_autofree char *literal = first_hop(plain, "[127.0.0.1]");
    g_assert_cmpstr(literal, ==, "127.0.0.1:25");

    /* A bad [routes] line stops the config, naming the key. */
    g_autoptr(HermodConfig) bad =
        hermod_config_load_data("[routes]\nexample.org = host:99999\n", "b.conf", NULL, &err);
    g_assert_null(bad);
    g_assert_nonnull(err);
    g_assert_nonnull(strstr(err->message, "example.org"));
}

/* A resolver that knows a few test domains, for the MX logic. */
typedef struct {
    GResolver parent;
} FakeResolver;
typedef struct {
    GResolverClass parent_class;
} FakeResolverClass;
GType fake_resolver_get_type(void);
G_DEFINE_TYPE(FakeResolver, fake_resolver, G_TYPE_RESOLVER)

static GList *
fake_records(GResolver *r, const gchar *name, GResolverRecordType type, GCancellable *c,
             GError **error)
{
    GList *l = NULL;

    if (strcmp(name, "mx.test") == 0) {
        l = g_list_append(l, g_variant_ref_sink(g_variant_new("(qs)", 20, "b.mx.test")));
        l = g_list_append(l, g_variant_ref_sink(g_variant_new("(qs)", 10, "a.mx.test")));
        l = g_list_append(l, g_variant_ref_sink(g_variant_new("(qs)", 30, "c.mx.test")));
        return l;
    }
    if (strcmp(name, "nullmx.test") == 0)
        return g_list_append(l, g_variant_ref_sink(g_variant_new("(qs)", 0, "")));
    g_set_error(error, G_RESOLVER_ERROR,
                strcmp(name, "tempfail.test") == 0 ? G_RESOLVER_ERROR_TEMPORARY_FAILURE
                                                   : G_RESOLVER_ERROR_NOT_FOUND,
                "no records for %s", name);
    return NULL;
}

static GList *
fake_by_name(GResolver *r, const gchar *name, GCancellable *c, GError **error)
{
    if (strcmp(name, "nomx.test") == 0)
        return g_list_append(NULL, g_inet_address_new_from_string("192.0.2.1"));
    g_set_error(error, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND, "unknown host %s", name);
    return NULL;
}

static void
fake_resolver_class_init(FakeResolverClass *klass)
{
    GResolverClass *rc = G_RESOLVER_CLASS(klass);

    rc->lookup_records = fake_records;
    rc->lookup_by_name = fake_by_name;
}

static void
fake_resolver_init(FakeResolver *r)
{
}

static void
check_route_error(HermodConfig *cfg, const char *domain, gint code)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) hops = hermod_queue_route(cfg, domain, &err);

    g_assert_null(hops);
    g_assert_error(err, HERMOD_QUEUE_ERROR, code);
}

static void
test_route_mx(void)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(HermodConfig) cfg = hermod_config_load_data("", "mx.conf", NULL, &err);
    g_autoptr(GResolver) old = g_resolver_get_default();
    g_autoptr(GResolver) fake = g_object_new(fake_resolver_get_type(), NULL);

    g_resolver_set_default(fake);
    g_autoptr(GPtrArray) hops = hermod_queue_route(cfg, "mx.test", &err);
    g_assert_no_error(err);
    g_assert_cmpuint(hops->len, ==, 3);
    const char *want[] = {"a.mx.test", "b.mx.test", "c.mx.test"};
    for (guint i = 0; i < 3; i++) {
        HermodRouteHop *hop = g_ptr_array_index(hops, i);
        g_assert_cmpstr(hop->host, ==, want[i]);
        g_assert_cmpuint(hop->port, ==, 25);
    }
    g_autofree char *implicit = first_hop(cfg, "nomx.test");
    g_assert_cmpstr(implicit, ==, "nomx.test:25");
    check_route_error(cfg, "nullmx.test", HERMOD_QUEUE_ERROR_ROUTE_PERMANENT);
    check_route_error(cfg, "nxdomain.test", HERMOD_QUEUE_ERROR_ROUTE_PERMANENT);
    check_route_error(cfg, "tempfail.test", HERMOD_QUEUE_ERROR_ROUTE_TEMPORARY);
    g_resolver_set_default(old);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    hermod_config_set_sections(hermod_core_sections);
    g_test_add_func("/queue-route/parse", test_route_parse);
    g_test_add_func("/queue-route/lookup", test_route_lookup);
    g_test_add_func("/queue-route/mx", test_route_mx);
    return g_test_run();
}
