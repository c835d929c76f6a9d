/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * netaddr.h - address helpers: peer strings and CIDR lists.
 *
 * Threads: any.
 */
#ifndef HERMOD_CORE_NETADDR_H
#define HERMOD_CORE_NETADDR_H

#include <glib.h>
#include <sys/socket.h>

G_BEGIN_DECLS

/* The address of sa without port: "192.0.2.1", "2001:db8::1"; an
 * IPv4-mapped IPv6 address is written as plain IPv4.  (transfer full) */
char *hermod_netaddr_to_string(const struct sockaddr *sa, socklen_t len);
/* Is ip inside one of cidrs ("10.0.0.0/8", "::1", "2001:db8::/32")?
 * NULL-terminated; entries that do not parse never match. */
gboolean hermod_netaddr_match(const char *ip, const char *const *cidrs);
/* Is ip inside [auth] trusted_networks of the config in force? */
gboolean hermod_netaddr_is_trusted(const char *ip);

G_END_DECLS

#endif
