/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-netaddr.c - peer address strings.
 */
#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include "lib/netaddr.h"

static void
test_to_string(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    g_autofree char *v4 = NULL;
    g_autofree char *v6 = NULL;
    g_autofree char *mapped = NULL;

    inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
    v4 = hermod_netaddr_to_string((struct sockaddr *)&sin, sizeof sin);
    g_assert_cmpstr(v4, ==, "192.0.2.7");
    inet_pton(AF_INET6, "2001:db8::5", &sin6.sin6_addr);
    v6 = hermod_netaddr_to_string((struct sockaddr *)&sin6, sizeof sin6);
    g_assert_cmpstr(v6, ==, "2001:db8::5");
    /* A v4 client on a dual-stack socket counts as its v4 address. */
    inet_pton(AF_INET6, "::ffff:198.51.100.9", &sin6.sin6_addr);
    mapped = hermod_netaddr_to_string((struct sockaddr *)&sin6, sizeof sin6);
    g_assert_cmpstr(mapped, ==, "198.51.100.9");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/netaddr/to-string", test_to_string);
    return g_test_run();
}
