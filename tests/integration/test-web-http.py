# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-web-http.py - static files, limits and refusals of the web server,
# with curl and Python's http.client against hermodd in "both" mode:
# MIME types, ETag/Last-Modified and 304, gzip when asked, Cache-Control
# for versioned assets, no listings, nothing outside the folder ("..",
# "%2e%2e", symbolic links, NUL, hidden names); a 40 KB cookie passes, a
# header block past [web] max_header_size does not; a body past the limit
# gets 413; the request-smuggling shapes (two Content-Length,
# Content-Length with Transfer-Encoding, two Host, an odd
# Transfer-Encoding) get 400 and a closed connection; a client dripping
# its headers is dropped after [web] header_timeout; absolute-form request
# targets (GET http://host/path) are served, bad ones get 400.
import gzip
import http.client
import os
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

srv = wt.web_daemon("web-http", "both", header_timeout="3s", max_header_size="64K")
ROOT = os.path.join(srv.data_dir, "www")


def url(path):
    return "http://127.0.0.1:%d%s" % (srv.port("web"), path)


def get(path, *args):
    return wt.curl(url(path), "--path-as-is", *args)


def conn():
    return http.client.HTTPConnection("127.0.0.1", srv.port("web"), timeout=ht.TIMEOUT)


@ht.test
def files_and_daemon():
    os.makedirs(os.path.join(ROOT, "sub", "empty"))
    with open(os.path.join(ROOT, "sub", "style.css"), "w") as f:
        f.write("body { color: black }\n" * 40)
    with open(os.path.join(ROOT, "app.0123abcd.js"), "w") as f:
        f.write("export const x = 1;\n" * 40)
    with open(os.path.join(ROOT, "logo.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + os.urandom(512))
    with open(os.path.join(ROOT, ".secret"), "w") as f:
        f.write("hidden\n")
    os.symlink(srv.conf_path, os.path.join(ROOT, "link.txt"))
    os.symlink("/etc", os.path.join(ROOT, "etc"))
    srv.start()


@ht.test
def mime_types():
    for path, want in (("/", "text/html"), ("/page.txt", "text/plain"),
                       ("/sub/style.css", "text/css"), ("/app.0123abcd.js", "text/javascript"),
                       ("/logo.png", "image/png")):
        r = get(path)
        ht.check_equal(r.status, 200, path)
        ht.check(r.header("content-type").startswith(want), "%s: %s" % (path, r.header(
            "content-type")))


@ht.test
def etag_and_last_modified_give_304():
    r = get("/page.txt")
    etag, lm = r.header("etag"), r.header("last-modified")
    ht.check(etag and lm, "validators: %r %r" % (etag, lm))
    ht.check_equal(get("/page.txt", "-H", "If-None-Match: " + etag).status, 304, "ETag")
    ht.check_equal(get("/page.txt", "-H", 'If-None-Match: "other"').status, 200, "other ETag")
    ht.check_equal(get("/page.txt", "-H", "If-Modified-Since: " + lm).status, 304, "IMS")
    old = "Mon, 01 Jan 2001 00:00:00 GMT"
    ht.check_equal(get("/page.txt", "-H", "If-Modified-Since: " + old).status, 200, "old IMS")


@ht.test
def gzip_when_accepted():
    plain = get("/page.txt")
    ht.check(plain.header("content-encoding") is None, "gzip without Accept-Encoding")
    r = get("/page.txt", "-H", "Accept-Encoding: gzip")
    ht.check_equal(r.header("content-encoding"), "gzip", "Content-Encoding")
    ht.check_equal(gzip.decompress(r.body), plain.body, "decompressed body")
    ht.check(len(r.body) < len(plain.body) / 4, "not compressed: %d" % len(r.body))
    ht.check_equal(r.header("vary"), "Accept-Encoding", "Vary")
    r = get("/logo.png", "-H", "Accept-Encoding: gzip")
    ht.check(r.header("content-encoding") is None, "a PNG was gzipped")
    r = get("/page.txt", "-H", "Accept-Encoding: gzip;q=0")
    ht.check(r.header("content-encoding") is None, "gzip;q=0 was gzipped")


@ht.test
def cache_control_for_versioned_assets():
    ht.check("immutable" in get("/app.0123abcd.js").header("cache-control"), "versioned name")
    ht.check("immutable" in get("/sub/style.css?v=3").header("cache-control"), "?v=")
    ht.check_equal(get("/page.txt").header("cache-control"), "no-cache", "unversioned")


@ht.test
def no_listings():
    for path in ("/sub/", "/sub", "/sub/empty/", "/etc/"):
        ht.check_equal(get(path).status, 404, path)


@ht.test
def nothing_outside_the_folder():
    for path in ("/../hermod.conf", "/sub/../../hermod.conf", "/%2e%2e/hermod.conf",
                 "/sub/%2e%2e/%2e%2e/hermod.conf", "/%2E%2E%2Fhermod.conf", "/link.txt",
                 "/etc/passwd", "/.secret", "/sub/./style.css", "//etc/passwd"):
        r = get(path)
        ht.check(r.status in (400, 404), "%s gave %d" % (path, r.status))
        ht.check(b"hermod" not in r.body and b"root:" not in r.body, path + " leaked")
    for path in ("/index.html%00.txt", "/page.txt%00", "/%zz", "/%"):
        ht.check_equal(get(path).status, 400, path)


@ht.test
def large_cookie_passes_oversized_headers_do_not():
    cookie = "big=" + "c" * 40000
    ht.check_equal(get("/", "-H", "Cookie: " + cookie).status, 200, "40 KB cookie")
    many = []
    for i in range(8):
        many += ["-H", "X-Fill-%d: %s" % (i, "f" * 10000)]
    r = get("/", *many)
    ht.check(r.status in (413, 431), "80 KB of headers gave %d" % r.status)


@ht.test
def body_past_the_limit_gets_413():
    body = os.path.join(srv.dir, "big.bin")
    with open(body, "wb") as f:
        f.write(b"x" * (2 * 1024 * 1024))
    r = get("/page.txt", "-X", "POST", "--data-binary", "@" + body)
    ht.check_equal(r.status, 413, "2 MB POST with curl")
    out = wt.raw_request(srv.port("web"), b"PUT /x HTTP/1.1\r\nHost: a\r\n"
                         b"Content-Length: 5000000\r\n\r\n")
    ht.check(out.startswith(b"HTTP/1.1 413"), "raw 5 MB PUT: %r" % out[:100])
    out = wt.raw_request(srv.port("web"), b"PUT /x HTTP/1.1\r\nHost: a\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n" +
                         b"100000\r\n" + b"y" * 0x100000 + b"\r\n" +
                         b"100000\r\n" + b"y" * 0x100000 + b"\r\n0\r\n\r\n")
    ht.check(out.startswith(b"HTTP/1.1 413"), "chunked 2 MB PUT: %r" % out[:100])
    # A client that sends the whole body before it reads (http.client,
    # most libraries) must read the 413, not a reset, when it is a little
    # over: the server reads and drops up to 1 MB past the limit.
    for i in range(5):
        c = http.client.HTTPConnection("127.0.0.1", srv.port("web"), timeout=20)
        try:
            c.request("POST", "/page.txt", body=b"z" * (1024 * 1024 + 100 * 1024))
            status = c.getresponse().status
        except OSError as e:
            status = repr(e)
        c.close()
        ht.check_equal(status, 413, "1.1 MB POST with http.client, try %d" % i)


def shape(headers, body=b""):
    """Send one request with exactly these headers (duplicates kept);
    return (status, whether the server closed the connection)."""
    c = conn()
    c.putrequest("POST", "/page.txt", skip_host=True, skip_accept_encoding=True)
    for k, v in headers:
        c.putheader(k, v)
    c.endheaders(body)
    r = c.getresponse()
    r.read()
    closed = r.will_close
    c.close()
    return r.status, closed


@ht.test
def smuggling_shapes_get_400():
    host = ("Host", "127.0.0.1")
    cases = {
        "two Content-Length": [host, ("Content-Length", "3"), ("Content-Length", "4")],
        "CL and TE": [host, ("Content-Length", "3"), ("Transfer-Encoding", "chunked")],
        "two Host": [host, ("Host", "evil.test"), ("Content-Length", "3")],
        "TE gzip, chunked": [host, ("Transfer-Encoding", "gzip, chunked")],
        "no Host": [("Content-Length", "3")],
    }
    for what, headers in cases.items():
        status, closed = shape(headers, b"abc" if "Transfer-Encoding" not in dict(headers)
                               else b"3\r\nabc\r\n0\r\n\r\n")
        ht.check_equal(status, 400, what)
        ht.check(closed, what + ": connection kept open")
    status, _ = shape([host, ("Content-Length", "3")], b"abc")
    ht.check_equal(status, 405, "a sane POST to a static file")


@ht.test
def dripping_headers_are_dropped():
    sock = socket.create_connection(("127.0.0.1", srv.port("web")), timeout=ht.TIMEOUT)
    t0 = time.monotonic()
    request = b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
    closed = False
    for byte in request:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            closed = True
            break
        sock.settimeout(0.25)
        try:
            if sock.recv(1024) == b"":
                closed = True
                break
        except socket.timeout:
            pass
        except ConnectionResetError:
            closed = True
            break
        if time.monotonic() - t0 > 15:
            break
    elapsed = time.monotonic() - t0
    sock.close()
    ht.check(closed, "a dripping client still connected after %.1fs" % elapsed)
    ht.check(2.5 < elapsed < 8, "dropped after %.1fs (header_timeout 3s)" % elapsed)
    ht.check("dropped: headers not complete" in srv.stderr_text(), "no log line for the drop")
    ht.check_equal(get("/").status, 200, "server still answers")


def status_and_body(out):
    head, _, body = out.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]) if head.startswith(b"HTTP/1.1 ") else 0, body


@ht.test
def absolute_form_targets_are_accepted():
    # RFC 9112 3.2.2: a server MUST accept a request target in absolute
    # form; its authority stands for Host.
    port = srv.port("web")
    with open(os.path.join(ROOT, "page.txt"), "rb") as f:
        page = f.read()
    for target, want in ((b"http://127.0.0.1:%d/page.txt" % port, page),
                         (b"HTTP://Other.Example/page.txt?v=1", page),
                         (b"http://127.0.0.1:%d" % port, wt.PAGE),
                         (b"http://127.0.0.1?x=1", wt.PAGE)):
        out = wt.raw_request(port, b"GET %s HTTP/1.1\r\nHost: elsewhere.example\r\n"
                             b"Connection: close\r\n\r\n" % target)
        ht.check_equal(status_and_body(out), (200, want), target.decode())
    out = wt.raw_request(srv.port("webs"), b"GET https://localhost/page.txt HTTP/1.1\r\n"
                         b"Host: localhost\r\nConnection: close\r\n\r\n", tls=True)
    ht.check_equal(status_and_body(out), (200, page), "absolute form over HTTPS")
    c = conn()
    for _ in range(2):  # the connection stays usable
        c.putrequest("GET", "http://127.0.0.1:%d/page.txt" % port, skip_host=True)
        c.putheader("Host", "127.0.0.1:%d" % port)
        c.endheaders()
        r = c.getresponse()
        ht.check_equal((r.status, r.read()), (200, page), "http.client, absolute form")
    c.close()


@ht.test
def bad_absolute_form_targets_get_400():
    port = srv.port("web")
    for target in (b"http://user@127.0.0.1/page.txt", b"http:///page.txt", b"ftp://a/page.txt",
                   b"http://127.0.0.1/%00", b"http://bad!host/", b"http://a:b:c/",
                   b"http://127.0.0.1/a#frag", b"page.txt"):
        out = wt.raw_request(port, b"GET %s HTTP/1.1\r\nHost: a\r\n\r\n" % target)
        ht.check_equal(status_and_body(out)[0], 400, target.decode())
    out = wt.raw_request(port, b"GET http://127.0.0.1/ HTTP/1.1\r\n\r\n")
    ht.check_equal(status_and_body(out)[0], 400, "HTTP/1.1 in absolute form without Host")


if __name__ == "__main__":
    ht.main()
