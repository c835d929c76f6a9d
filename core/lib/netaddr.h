/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * netaddr.h - peer address strings.
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

G_END_DECLS

#endif
