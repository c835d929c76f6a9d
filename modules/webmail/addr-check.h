/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * addr-check.h - may the image proxy connect to this address?  Only
 * public unicast addresses: never loopback, private (RFC 1918, RFC 4193),
 * carrier-grade NAT, link-local, multicast, unspecified, documentation
 * or reserved ranges, nor IPv4 hidden in IPv6 (mapped, compatible, 6to4,
 * NAT64) that is one of those.  Pure; any thread.
 */
#ifndef WM_ADDR_CHECK_H
#define WM_ADDR_CHECK_H

#include <gio/gio.h>

G_BEGIN_DECLS

gboolean wm_addr_is_public(GInetAddress *addr);

G_END_DECLS

#endif
