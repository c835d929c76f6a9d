/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * netaddr.c - peer address strings.
 *
 * Turns socket addresses into the strings every log line, every limit and
 * the trusted-network check (auth.c) use.  It resolves no names.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <glib.h>

#include "lib/netaddr.h"

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
