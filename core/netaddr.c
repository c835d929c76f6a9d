/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * netaddr.c - address helpers: peer strings and CIDR lists.
 *
 * Turns socket addresses into the strings every log line and every limit
 * uses, and matches an address against a list of networks with GIO's
 * GInetAddressMask.  It resolves no names.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gio/gio.h>

#include "config.h"
#include "netaddr.h"
#include "settings.h"

char *
hermod_netaddr_to_string(const struct sockaddr *sa, socklen_t len)
{
    char buf[INET6_ADDRSTRLEN];

    if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
        return g_strdup(inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof buf));
    }
    if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;
        if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
            return g_strdup(inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], buf, sizeof buf));
        return g_strdup(inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof buf));
    }
    return g_strdup("unknown");
}

gboolean
hermod_netaddr_match(const char *ip, const char *const *cidrs)
{
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(ip);

    if (addr == NULL || cidrs == NULL)
        return FALSE;
    for (; *cidrs != NULL; cidrs++) {
        g_autoptr(GInetAddressMask) mask = g_inet_address_mask_new_from_string(*cidrs, NULL);
        if (mask != NULL && g_inet_address_mask_matches(mask, addr))
            return TRUE;
    }
    return FALSE;
}

static gboolean
is_auth_known(void)
{
    for (guint i = 0; hermod_core_sections[i].name != NULL; i++)
        if (g_strcmp0(hermod_core_sections[i].name, "auth") == 0)
            return TRUE;
    return FALSE;
}

gboolean
hermod_netaddr_is_trusted(const char *ip)
{
    g_autoptr(HermodConfig) cfg = hermod_config_get_current();

    /* Until auth.c registers [auth], no network is trusted. */
    if (cfg == NULL || !is_auth_known())
        return FALSE;
    return hermod_netaddr_match(ip, hermod_config_list(cfg, "auth", "trusted_networks"));
}
