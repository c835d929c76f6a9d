# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-web-modes.py - the four [web] modes with curl against hermodd's
# plain and TLS http listeners: what answers where, the redirect of plain
# HTTP (301 for GET/HEAD, 308 for POST and PROPFIND, same host, path and
# query, port left out only for 443, followed by curl -L to the page; an
# absolute-form target's authority taken for Host),
# the ACME challenge path on plain HTTP in every mode that has it, and
# Strict-Transport-Security only on HTTPS in the https and redirect modes.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

http_only = wt.web_daemon("web-http", "http")
both = wt.web_daemon("web-both", "both")
https_only = wt.web_daemon("web-https", "https")
redirect = wt.web_daemon("web-redirect", "redirect")
redirect443 = wt.web_daemon("web-redirect443", "redirect", redirect_port="443")
ALL = (http_only, both, https_only, redirect, redirect443)
HELD = []
NAME = "mail.example.test"
ACME = "/.well-known/acme-challenge/tok-EN_123"


def plain(d, path="/", *args):
    return wt.curl("http://127.0.0.1:%d%s" % (d.port("web"), path), *args)


def tls(d, path="/", *args):
    return wt.curl("https://127.0.0.1:%d%s" % (d.port("webs"), path), *args)


@ht.test
def daemons_start():
    # The ports these modes leave closed are held here (bound, not
    # listening), or another test's daemon may take one meanwhile.
    HELD.extend([wt.reserve(http_only.port("webs")), wt.reserve(https_only.port("web"))])
    for d in ALL:
        d.start()


@ht.test
def http_mode_serves_plain_only():
    r = plain(http_only, "/")
    ht.check_equal(r.status, 200, "plain GET /")
    ht.check_equal(r.body, wt.PAGE, "index.html")
    ht.check(r.header("strict-transport-security") is None, "HSTS on plain HTTP")
    ht.check(wt.refused(http_only.port("webs")), "the HTTPS port of http mode accepts")
    cp = wt.curl("https://127.0.0.1:%d/" % http_only.port("webs"), check=False)
    ht.check(getattr(cp, "returncode", 0) != 0, "a TLS handshake completed in http mode")


@ht.test
def both_mode_serves_the_same_on_both():
    a = plain(both, "/page.txt")
    b = tls(both, "/page.txt")
    ht.check_equal((a.status, b.status), (200, 200), "statuses")
    ht.check_equal(a.body, b.body, "the same page on both")
    ht.check_equal(len(a.body), 22 * 1025, "page size")
    for r in (a, b):
        ht.check(r.header("strict-transport-security") is None, "HSTS in both mode")


@ht.test
def https_mode_serves_tls_only():
    r = tls(https_only, "/")
    ht.check_equal(r.status, 200, "HTTPS GET /")
    ht.check_equal(r.header("strict-transport-security"), "max-age=31536000", "HSTS")
    ht.check(wt.refused(https_only.port("web")), "the plain port of https mode accepts")


@ht.test
def redirect_get_and_head_get_301():
    port = redirect.port("webs")
    r = plain(redirect, "/some/path?q=1&x=%2F", "-H", "Host: " + NAME)
    ht.check_equal(r.status, 301, "GET status")
    ht.check_equal(r.header("location"), "https://%s:%d/some/path?q=1&x=%%2F" % (NAME, port),
                   "Location")
    ht.check(r.header("strict-transport-security") is None, "HSTS on the plain redirect")
    r = plain(redirect, "/p?q", "-I", "-H", "Host: %s:%d" % (NAME, redirect.port("web")))
    ht.check_equal(r.status, 301, "HEAD status")
    ht.check_equal(r.header("location"), "https://%s:%d/p?q" % (NAME, port), "HEAD Location")


@ht.test
def redirect_other_methods_get_308():
    port = redirect.port("webs")
    r = plain(redirect, "/form", "-X", "POST", "--data", "a=1", "-H", "Host: " + NAME)
    ht.check_equal(r.status, 308, "POST status")
    ht.check_equal(r.header("location"), "https://%s:%d/form" % (NAME, port), "POST Location")
    r = plain(redirect, "/dav/x/", "-X", "PROPFIND", "-H", "Depth: 0", "-H", "Host: " + NAME)
    ht.check_equal(r.status, 308, "PROPFIND status")
    r = plain(redirect, "/", "-X", "DELETE")
    ht.check_equal(r.status, 308, "DELETE status")
    ht.check_equal(r.header("location"), "https://127.0.0.1:%d/" % port, "Host is kept")


@ht.test
def redirect_followed_to_the_page():
    url = "http://%s:%d/page.txt" % (NAME, redirect.port("web"))
    resolve = ["--resolve", "%s:%d:127.0.0.1" % (NAME, redirect.port("web")),
               "--resolve", "%s:%d:127.0.0.1" % (NAME, redirect.port("webs"))]
    r = wt.curl(url, "-L", *resolve)
    ht.check_equal(r.status, 200, "followed status")
    ht.check_equal(len(r.body), 22 * 1025, "followed page")
    ht.check_equal(r.header("strict-transport-security"), "max-age=31536000", "HSTS on HTTPS")
    r = wt.curl(url, "-L", "-X", "POST", "--data", "x=1", *resolve)
    ht.check_equal(r.status, 405, "POST followed to a static file")


@ht.test
def redirect_of_an_absolute_form_target():
    # The authority stands for Host (RFC 9112 3.2.2); Location repeats the
    # path and query.
    out = wt.raw_request(redirect.port("web"), b"GET http://%s/x/y?z=1 HTTP/1.1\r\n"
                         b"Host: other.example\r\nConnection: close\r\n\r\n" % NAME.encode())
    ht.check(out.startswith(b"HTTP/1.1 301"), "status: %r" % out[:40])
    want = b"Location: https://%s:%d/x/y?z=1\r\n" % (NAME.encode(), redirect.port("webs"))
    ht.check(want.lower() in out.lower(), "Location in %r" % out[:400])


@ht.test
def redirect_to_443_leaves_the_port_out():
    r = plain(redirect443, "/a?b", "-H", "Host: " + NAME)
    ht.check_equal(r.header("location"), "https://%s/a?b" % NAME, "Location for 443")


@ht.test
def acme_on_plain_http_in_every_mode_that_has_it():
    for d in (http_only, both, redirect):
        r = plain(d, ACME)
        ht.check_equal(r.status, 200, "%s ACME status" % d.name)
        ht.check_equal(r.body, b"tok-EN_123.key-authorization\n", "%s ACME body" % d.name)
        ht.check(r.header("content-type").startswith("text/plain"), "ACME type")
    r = tls(https_only, ACME)
    ht.check_equal(r.status, 200, "ACME over HTTPS")


@ht.test
def acme_refuses_bad_tokens():
    for path in ("/.well-known/acme-challenge/..%2f..%2fhermod.conf",
                 "/.well-known/acme-challenge/%2e%2e",
                 "/.well-known/acme-challenge/tok-EN_123.x",
                 "/.well-known/acme-challenge/",
                 "/.well-known/acme-challenge/missing"):
        r = plain(redirect, path, "--path-as-is")
        ht.check(r.status in (400, 404), "%s gave %d" % (path, r.status))


@ht.test
def security_headers_everywhere():
    for r in (plain(http_only, "/"), tls(both, "/missing"), plain(redirect, "/x")):
        ht.check_equal(r.header("x-content-type-options"), "nosniff", "nosniff")
        ht.check(r.header("referrer-policy"), "Referrer-Policy missing")
        ht.check(r.header("content-security-policy"), "CSP missing")


@ht.test
def one_log_line_per_request_without_query():
    plain(both, "/page.txt?token=s3cr3t")
    text = ht.wait_until(lambda: "GET /page.txt http 200" in both.stderr_text() and
                         both.stderr_text(), what="the request's log line")
    ht.check("s3cr3t" not in text, "the query reached the log")


if __name__ == "__main__":
    ht.main()
