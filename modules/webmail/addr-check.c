/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * addr-check.c - the image proxy's address filter (see addr-check.h).
 *
 * Checked on the bytes, not on text, so "0x7f.1", "2130706433" or
 * "[::ffff:127.0.0.1]" are judged by what they are once resolved.  The
 * proxy connects to the very address checked here, never to the name
 * again, so a name that resolves to a public address first and to
 * 127.0.0.1 a moment later (DNS rebinding) gains nothing.
 */
#include "autoconfig.h"

#include <string.h>

#include "addr-check.h"

static gboolean
ipv4_public(const guint8 *a)
{
    if (a[0] == 0 || a[0] == 10 || a[0] == 127 || a[0] >= 224)
        return FALSE; /* this network, private, loopback, multicast, reserved */
    if (a[0] == 100 && (a[1] & 0xc0) == 64)
        return FALSE; /* 100.64/10 carrier-grade NAT */
    if (a[0] == 169 && a[1] == 254)
        return FALSE; /* link-local (cloud metadata lives here) */
    if (a[0] == 172 && (a[1] & 0xf0) == 16)
        return FALSE;
    if (a[0] == 192 && a[1] == 168)
        return FALSE;
    if (a[0] == 192 && a[1] == 0 && (a[2] == 0 || a[2] == 2))
        return FALSE; /* IETF protocol assignments, TEST-NET-1 */
    if (a[0] == 198 && ((a[1] & 0xfe) == 18 || (a[1] == 51 && a[2] == 100)))
        return FALSE; /* benchmarking, TEST-NET-2 */
    if (a[0] == 203 && a[1] == 0 && a[2] == 113)
        return FALSE; /* TEST-NET-3 */
    return TRUE;
}

static gboolean
ipv6_public(const guint8 *a)
{
    static const guint8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const guint8 compat[12] = {0};
    static const guint8 nat64[12] = {0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

    if (memcmp(a, mapped, 12) == 0 || memcmp(a, compat, 12) == 0 || memcmp(a, nat64, 12) == 0)
        return ipv4_public(a + 12); /* also ::1 and :: (compat with 0.0.0.x) */
    if (a[0] == 0x20 && a[1] == 0x02)
        return ipv4_public(a + 2); /* 6to4 */
    if ((a[0] & 0xfe) == 0xfc || a[0] == 0xff)
        return FALSE; /* unique local, multicast */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
        return FALSE; /* link-local */
    if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
        return FALSE; /* site-local (deprecated) */
    if (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8)
        return FALSE; /* documentation */
    if (a[0] == 0x01 && a[1] == 0x00 && memcmp(a + 2, compat, 6) == 0)
        return FALSE;             /* discard-only 100::/64 */
    return (a[0] & 0xe0) == 0x20; /* only global unicast 2000::/3 */
}

gboolean
wm_addr_is_public(GInetAddress *addr)
{
    const guint8 *bytes = g_inet_address_to_bytes(addr);

    if (g_inet_address_get_family(addr) == G_SOCKET_FAMILY_IPV4)
        return ipv4_public(bytes);
    return ipv6_public(bytes);
}
