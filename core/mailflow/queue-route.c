/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue-route.c - where outbound mail for a domain goes next.
 *
 * Owns the [routes] section (its validator and lookup), the [queue]
 * settings table, the smarthost and MX resolution with GResolver.  It returns hops; connecting
 * to them and judging replies is queue-deliver.c's job.
 */
#include "autoconfig.h"

#include <string.h>
#include <gio/gio.h>

#include "mailflow/queue-deliver.h"
#include "mailflow/queue-route.h"
#include "mailflow/queue.h"

#define SMTP_PORT 25

/* The whole [queue] table lives here, beside the [routes] check, so that
 * the settings registry links without the delivery machinery. */
const HermodSetting hermod_queue_settings[] = {
    {"smarthost", HERMOD_SETTING_STRING, "", 0, 0, NULL,
     "send all outbound mail to host[:port] instead of looking up MX records"},
    {"retry_min", HERMOD_SETTING_DURATION, "5m", 1, 86400, NULL,
     "wait after the first failed attempt; doubles after each further one"},
    {"retry_max", HERMOD_SETTING_DURATION, "4h", 1, 7 * 86400, NULL,
     "longest wait between two attempts"},
    {"max_age", HERMOD_SETTING_DURATION, "5d", 1, 60 * 86400, NULL,
     "give up and return the message to its sender after this long"},
    {"delay_notice", HERMOD_SETTING_DURATION, "4h", 1, 60 * 86400, NULL,
     "tell the sender once when a message is still queued after this long"},
    {"timeout", HERMOD_SETTING_DURATION, "5m", 1, 3600, NULL,
     "timeout of a connect and of each reply in outbound SMTP"},
    {"workers", HERMOD_SETTING_INT, "4", 1, 64, NULL, "deliveries in parallel"},
    {"bounce_size_limit", HERMOD_SETTING_SIZE, "1M", 0, G_GINT64_CONSTANT(1) << 30, NULL,
     "a failure report returns a larger message's headers only"},
    {NULL, 0, NULL, 0, 0, NULL, NULL},
};

static void
hop_free(HermodRouteHop *hop)
{
    g_free(hop->host);
    g_free(hop);
}

static GPtrArray *
hops_new(void)
{
    return g_ptr_array_new_with_free_func((GDestroyNotify)hop_free);
}

static void
hops_add(GPtrArray *hops, const char *host, guint16 port)
{
    HermodRouteHop *hop = g_new0(HermodRouteHop, 1);

    hop->host = g_strdup(host);
    hop->port = port;
    g_ptr_array_add(hops, hop);
}

static gboolean
parse_port(const char *s, guint16 *out_port, char **out_reason)
{
    guint64 port;

    if (!g_ascii_string_to_unsigned(s, 10, 1, 65535, &port, NULL)) {
        *out_reason = g_strdup_printf("bad port \"%s\"", s);
        return FALSE;
    }
    *out_port = (guint16)port;
    return TRUE;
}

gboolean
hermod_queue_route_parse(const char *value, char **out_host, guint16 *out_port, char **out_reason)
{
    g_autofree char *v = g_strstrip(g_strdup(value));
    const char *port = NULL;
    char *host = v;

    *out_port = SMTP_PORT;
    if (v[0] == '[') {
        char *close = strchr(v, ']');
        if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
            *out_reason = g_strdup("expected [address] or [address]:port");
            return FALSE;
        }
        *close = '\0';
        host = v + 1;
        port = close[1] == ':' ? close + 2 : NULL;
    } else {
        char *colon = strchr(v, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL) {
            *out_reason = g_strdup("write an IPv6 address in brackets: [::1]:25");
            return FALSE;
        }
        if (colon != NULL) {
            *colon = '\0';
            port = colon + 1;
        }
    }
    if (*host == '\0' || strpbrk(host, " \t;,") != NULL) {
        *out_reason = g_strdup("expected host or host:port");
        return FALSE;
    }
    if (port != NULL && !parse_port(port, out_port, out_reason))
        return FALSE;
    *out_host = g_strdup(host);
    return TRUE;
}

gboolean
hermod_queue_route_validate(const char *key, const char *value, char **out_reason)
{
    g_autofree char *host = NULL;
    guint16 port;

    if (strcmp(key, "*") != 0 && (*key == '\0' || strpbrk(key, " \t@[]:*") != NULL)) {
        *out_reason = g_strdup_printf("\"%s\" is neither a domain nor \"*\"", key);
        return FALSE;
    }
    return hermod_queue_route_parse(value, &host, &port, out_reason);
}

/* The [routes] value for domain: exact match first, then "*". */
static const char *
static_route(HermodConfig *cfg, const char *domain)
{
    GHashTable *routes = hermod_config_free_section(cfg, "routes");
    GHashTableIter iter;
    gpointer key, value;

    if (routes == NULL)
        return NULL;
    g_hash_table_iter_init(&iter, routes);
    while (g_hash_table_iter_next(&iter, &key, &value)) {
        if (g_ascii_strcasecmp(key, domain) == 0)
            return value;
    }
    return g_hash_table_lookup(routes, "*");
}

static GPtrArray *
configured_hop(const char *value, GError **error)
{
    g_autofree char *host = NULL;
    g_autofree char *reason = NULL;
    guint16 port;

    if (!hermod_queue_route_parse(value, &host, &port, &reason)) {
        g_set_error(error, HERMOD_QUEUE_ERROR, HERMOD_QUEUE_ERROR_ROUTE_PERMANENT,
                    "bad route \"%s\": %s", value, reason);
        return NULL;
    }
    GPtrArray *hops = hops_new();
    hops_add(hops, host, port);
    return hops;
}

static gint
compare_mx(gconstpointer a, gconstpointer b)
{
    guint16 pa, pb;

    g_variant_get(*(GVariant *const *)a, "(q&s)", &pa, NULL);
    g_variant_get(*(GVariant *const *)b, "(q&s)", &pb, NULL);
    return (gint)pa - (gint)pb;
}

static gboolean
route_error(GError *err, const char *domain, const char *what, GError **error)
{
    gboolean is_permanent = g_error_matches(err, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND);

    g_set_error(error, HERMOD_QUEUE_ERROR,
                is_permanent ? HERMOD_QUEUE_ERROR_ROUTE_PERMANENT
                             : HERMOD_QUEUE_ERROR_ROUTE_TEMPORARY,
                "%s lookup for %s: %s", what, domain, err->message);
    return FALSE;
}

/* No MX: the domain itself, if it has an address (RFC 5321 5.1). */
static GPtrArray *
implicit_mx(GResolver *resolver, const char *domain, GError **error)
{
    g_autoptr(GError) err = NULL;
    GList *addrs = g_resolver_lookup_by_name(resolver, domain, hermod_queue_cancellable(), &err);

    if (addrs == NULL) {
        route_error(err, domain, "address", error);
        return NULL;
    }
    g_resolver_free_addresses(addrs);
    GPtrArray *hops = hops_new();
    hops_add(hops, domain, SMTP_PORT);
    return hops;
}

static GPtrArray *
mx_hops(const char *domain, GError **error)
{
    g_autoptr(GResolver) resolver = g_resolver_get_default();
    g_autoptr(GError) err = NULL;
    GList *records = g_resolver_lookup_records(resolver, domain, G_RESOLVER_RECORD_MX,
                                               hermod_queue_cancellable(), &err);

    if (records == NULL && g_error_matches(err, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND))
        return implicit_mx(resolver, domain, error);
    if (records == NULL) {
        route_error(err, domain, "MX", error);
        return NULL;
    }
    g_autoptr(GPtrArray) sorted = g_ptr_array_new_with_free_func((GDestroyNotify)g_variant_unref);
    for (GList *l = records; l != NULL; l = l->next)
        g_ptr_array_add(sorted, l->data);
    g_list_free(records);
    /* Equal preferences in random order (RFC 5321 5.1): shuffle, then a
     * stable sort by preference. */
    for (guint i = sorted->len; i > 1; i--) {
        guint j = (guint)g_random_int_range(0, (gint32)i);
        gpointer t = sorted->pdata[i - 1];
        sorted->pdata[i - 1] = sorted->pdata[j];
        sorted->pdata[j] = t;
    }
    g_ptr_array_sort(sorted, compare_mx);
    GPtrArray *hops = hops_new();
    for (guint i = 0; i < sorted->len; i++) {
        const char *host;
        g_variant_get(g_ptr_array_index(sorted, i), "(q&s)", NULL, &host);
        if (*host != '\0' && strcmp(host, ".") != 0)
            hops_add(hops, host, SMTP_PORT);
    }
    if (hops->len == 0) {
        g_ptr_array_unref(hops);
        g_set_error(error, HERMOD_QUEUE_ERROR, HERMOD_QUEUE_ERROR_ROUTE_PERMANENT,
                    "%s does not accept mail (null MX)", domain);
        return NULL;
    }
    return hops;
}

GPtrArray *
hermod_queue_route(HermodConfig *cfg, const char *domain, GError **error)
{
    const char *route = static_route(cfg, domain);
    const char *smarthost = hermod_config_string(cfg, "queue", "smarthost");

    if (route != NULL)
        return configured_hop(route, error);
    if (smarthost != NULL && *smarthost != '\0')
        return configured_hop(smarthost, error);
    if (domain[0] == '[') {
        /* An address literal: [192.0.2.1] or [IPv6:2001:db8::1]. */
        g_autofree char *addr = g_strndup(domain + 1, strcspn(domain + 1, "]"));
        const char *ip = g_str_has_prefix(addr, "IPv6:") ? addr + 5 : addr;
        GPtrArray *hops = hops_new();
        hops_add(hops, ip, SMTP_PORT);
        return hops;
    }
    return mx_hops(domain, error);
}
