/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * queue-route.h - where outbound mail for a domain goes next.
 *
 * In order: a [routes] entry for the domain (exact, case-insensitive), the
 * [routes] "*" entry, [queue] smarthost, an address literal's address, the
 * domain's MX hosts by preference (GResolver), else the domain itself
 * (A/AAAA, RFC 5321 section 5.1).  A null MX (RFC 7505) and an unknown
 * domain are permanent failures; a DNS time-out is temporary.
 */
#ifndef HERMOD_CORE_QUEUE_ROUTE_H
#define HERMOD_CORE_QUEUE_ROUTE_H

#include <glib.h>
#include "config/config.h"

G_BEGIN_DECLS

typedef struct {
    char *host; /* a name or a literal address, without brackets */
    guint16 port;
} HermodRouteHop;

/* The next hops for domain, best first (element HermodRouteHop, transfer
 * full).  NULL on failure: HERMOD_QUEUE_ERROR_ROUTE_PERMANENT or
 * HERMOD_QUEUE_ERROR_ROUTE_TEMPORARY.  Blocking (DNS); any thread. */
GPtrArray *hermod_queue_route(HermodConfig *cfg, const char *domain, GError **error);
/* "host", "host:port", "[v6addr]:port", "[v6addr]"; port defaults to 25. */
gboolean hermod_queue_route_parse(const char *value, char **out_host, guint16 *out_port,
                                  char **out_reason);
/* The [routes] FREE-section check: key a domain or "*", value host[:port]. */
gboolean hermod_queue_route_validate(const char *key, const char *value, char **out_reason);

G_END_DECLS

#endif
