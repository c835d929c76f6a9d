/* SPDX-License-Identifier: GPL-2.0-or-later
 *
 * test-image-proxy.c - the pure parts of the webmail's image proxy: the
 * address filter (loopback, private, CGNAT, link-local/metadata,
 * multicast, documentation, IPv4 hidden in IPv6 refused; public v4 and
 * v6 allowed) and the response-head parser (status, type, length,
 * duplicate lengths, folding, NULs, heads that never end).  The daemon
 * side (names resolving to loopback, private literals, no session) is in
 * tests/integration/test-webmail.py.
 */
#include "autoconfig.h"

#include <string.h>

#include "webmail/addr-check.h"
#include "webmail/http-head.h"

static gboolean public(const char *text)
{
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string(text);

    g_assert_nonnull(a);
    return wm_addr_is_public(a);
}

static void
test_addresses(void)
{
    const char *refused[] = {
        "127.0.0.1",    "127.1.2.3",        "0.0.0.0",         "10.1.2.3",
        "172.16.0.1",   "172.31.255.255",   "192.168.1.1",     "169.254.169.254",
        "100.64.0.1",   "224.0.0.1",        "255.255.255.255", "192.0.2.1",
        "198.51.100.7", "203.0.113.9",      "198.18.0.1",      "::1",
        "::",           "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1",
        "fe80::1",      "fc00::1",          "fd12::1",         "ff02::1",
        "2001:db8::1",  "2002:7f00:1::",    "64:ff9b::a00:1",  "fec0::1",
    };
    const char *allowed[] = {"93.184.216.34",   "8.8.8.8",        "172.32.0.1",    "100.128.0.1",
                             "2606:4700::1111", "::ffff:8.8.8.8", "2002:808:808::"};

    for (guint i = 0; i < G_N_ELEMENTS(refused); i++)
        if (public(refused[i]))
            g_error("%s counted as public", refused[i]);
    for (guint i = 0; i < G_N_ELEMENTS(allowed); i++)
        if (!public(allowed[i]))
            g_error("%s counted as private", allowed[i]);
}

static WmHttpHeadResult
parse(const char *s, WmHttpHead *h)
{
    return wm_http_head_parse(s, strlen(s), 16 * 1024, h);
}

static void
test_heads(void)
{
    WmHttpHead h;
    g_autoptr(GString) big = g_string_new("HTTP/1.1 200 OK\r\n");

    g_assert_cmpint(parse("HTTP/1.1 200 OK\r\nContent-Type: IMAGE/PNG; x=y\r\n"
                          "Content-Length: 4\r\n\r\nabcd",
                          &h),
                    ==, WM_HTTP_HEAD_OK);
    g_assert_cmpuint(h.status, ==, 200);
    g_assert_cmpstr(h.content_type, ==, "image/png");
    g_assert_cmpint(h.content_length, ==, 4);
    g_assert_cmpuint(h.head_len, ==,
                     strlen("HTTP/1.1 200 OK\r\nContent-Type: IMAGE/PNG; x=y\r\n"
                            "Content-Length: 4\r\n\r\n"));
    wm_http_head_clear(&h);
    g_assert_cmpint(parse("HTTP/1.0 302 Found\r\nLocation: /x\r\n\r\n", &h), ==, WM_HTTP_HEAD_OK);
    g_assert_cmpuint(h.status, ==, 302);
    wm_http_head_clear(&h);
    g_assert_cmpint(parse("HTTP/1.1 200 OK\r\nContent-Type: image/gif\r\n", &h), ==,
                    WM_HTTP_HEAD_MORE);
    g_assert_cmpint(parse("HTTP/1.1 200 OK\r\nContent-Length: 4\r\nContent-Length: 5\r\n\r\n", &h),
                    ==, WM_HTTP_HEAD_BAD);
    g_assert_cmpint(parse("HTTP/1.1 200 OK\r\nX: a\r\n folded\r\n\r\n", &h), ==, WM_HTTP_HEAD_BAD);
    g_assert_cmpint(parse("HTTP/2 200\r\n\r\n", &h), ==, WM_HTTP_HEAD_BAD);
    g_assert_cmpint(parse("HTTP/1.1 20 OK\r\n\r\n", &h), ==, WM_HTTP_HEAD_BAD);
    g_assert_cmpint(parse("HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", &h), ==,
                    WM_HTTP_HEAD_BAD);
    g_assert_cmpint(parse("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", &h),
                    ==, WM_HTTP_HEAD_BAD);
    g_assert_cmpint(wm_http_head_parse("HTTP/1.1 200 OK\r\nA\0: b\r\n\r\n", 26, 1024, &h), ==,
                    WM_HTTP_HEAD_BAD);
    while (big->len < 20000)
        g_string_append(big, "X-Pad: 0123456789\r\n");
    g_assert_cmpint(wm_http_head_parse(big->str, big->len, 16 * 1024, &h), ==, WM_HTTP_HEAD_BAD);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/image-proxy/addresses", test_addresses);
    g_test_add_func("/image-proxy/response-heads", test_heads);
    return g_test_run();
}
