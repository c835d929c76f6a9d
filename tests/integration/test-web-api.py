# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-web-api.py - the module-facing web table (hermod/web.h) through
# tests/modules/webprobe.c, with curl and Python's http.client: request
# accessors, buffered and streamed bodies and their per-mount limits,
# responses from memory, a file and a stream, server-sent events pushed
# from a work-pool thread, a slow job that does not hold up the web
# thread ([web] threads = 1), HTTP Basic against the directory counted
# by dynamic screening, and web sessions: the __Host- cookie, a new id at
# login, the CSRF header, server-side logout, expiry, surviving a
# restart, hermodctl session list and revoke.
import base64
import http.client
import os
import re
import sqlite3
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

PROBE_DIR = os.path.join(ht.BUILDDIR, "tests", "modules", ".libs")
srv = wt.web_daemon("web-api", "both", threads="1")
srv.sections["core"]["modules"] = "smtp;webprobe"
srv.sections["core"]["module_dir"] = ";".join(p for p in (ht.MODULE_DIR, PROBE_DIR) if p)
srv.sections["webprobe"] = {"file": os.path.join(srv.data_dir, "www", "index.html")}
srv.sections["auth"] = {"max_failures": "4", "failure_window": "10m", "block_time": "10m"}
USER, PASSWORD = "demo@example.test", "demo-secret-1"


def https():
    return http.client.HTTPSConnection("127.0.0.1", srv.port("webs"), timeout=ht.TIMEOUT,
                                       context=ht.client_tls_context())


def request(method, path, headers=None, body=None, conn=None, chunked=False):
    c = conn or https()
    c.request(method, path, body=body, headers=headers or {}, encode_chunked=chunked)
    r = c.getresponse()
    data = r.read()
    if conn is None:
        c.close()
    return r, data


def basic(user=USER, password=PASSWORD):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


@ht.test
def daemon_starts_with_the_probe():
    ht.check(os.path.exists(os.path.join(PROBE_DIR, "webprobe.so")), "webprobe.so not built")
    srv.start()


@ht.test
def request_accessors():
    url = "https://127.0.0.1:%d/t/headers/%%C3%%A9?a=b%%20c&z" % srv.port("webs")
    r = wt.curl(url, "-H", "X-Test: yes", "-b", "c=cookie-value", "--resolve",
                "127.0.0.1:%d:127.0.0.1" % srv.port("webs"))
    body = r.body.decode()
    for want in ("method=GET\n", "path=/t/headers/\u00e9\n", "query=a=b%20c&z\n", "a=b c\n",
                 "x-test=yes\n", "cookie=cookie-value\n", "peer=127.0.0.1\n", "tls=1\n",
                 "host=127.0.0.1\n", "session=1\n"):
        ht.check(want in body, "%r not in:\n%s" % (want, body))
    ht.check_equal(r.header("content-security-policy"), "default-src 'none'; sandbox",
                   "the mount's CSP")
    r = wt.curl("http://127.0.0.1:%d/t/headers" % srv.port("web"))
    ht.check("tls=0\n" in r.body.decode(), "plain HTTP says tls=1")


@ht.test
def buffered_body_and_its_limit():
    r, data = request("POST", "/t/echo", body=b"e" * 1000)
    ht.check_equal((r.status, data), (200, b"e" * 1000), "1000-byte echo")
    r = wt.curl("https://127.0.0.1:%d/t/echo" % srv.port("webs"), "--data-binary", "x" * 1001)
    ht.check_equal(r.status, 413, "1001 bytes to a 1000-byte mount")


@ht.test
def streamed_body_and_its_limit():
    def chunks(n):
        for _ in range(n):
            yield b"s" * (1024 * 1024)
    r, data = request("PUT", "/t/count", body=chunks(3),
                      headers={"Transfer-Encoding": "chunked"}, chunked=True)
    ht.check_equal((r.status, data), (200, b"3145728\n"), "3 MB streamed")
    big = os.path.join(srv.dir, "six.bin")
    with open(big, "wb") as f:
        f.write(b"s" * (6 * 1024 * 1024))
    r = wt.curl("https://127.0.0.1:%d/t/count" % srv.port("webs"), "-T", big, "-H",
                "Transfer-Encoding: chunked")
    ht.check_equal(r.status, 413, "6 MB to a 5 MB mount")


@ht.test
def stream_and_file_responses():
    r = wt.curl("https://127.0.0.1:%d/t/stream" % srv.port("webs"))
    ht.check_equal(r.body, b"chunk 0\nchunk 1\nchunk 2\n", "streamed response")
    ht.check_equal(r.header("transfer-encoding"), "chunked", "chunked")
    r = wt.curl("https://127.0.0.1:%d/t/file" % srv.port("webs"))
    ht.check_equal((r.status, r.body), (200, wt.PAGE), "file response")
    ht.check(r.header("content-type").startswith("text/html"), "file type")


@ht.test
def a_slow_job_does_not_hold_the_web_thread():
    out = {}

    def slow():
        t0 = time.monotonic()
        out["slow"] = request("GET", "/t/slow")[1]
        out["slow_s"] = time.monotonic() - t0
    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.15)
    t0 = time.monotonic()
    r, data = request("GET", "/index.html")
    quick = time.monotonic() - t0
    t.join(30)
    ht.check_equal(out.get("slow"), b"slow done\n", "slow answer")
    ht.check(out["slow_s"] >= 0.55, "slow job took only %.2fs" % out["slow_s"])
    ht.check(quick < 0.4, "a static page waited %.2fs behind the slow job" % quick)


@ht.test
def server_sent_events_pushed_from_the_pool():
    c = https()
    c.request("GET", "/t/sse")
    r = c.getresponse()
    ht.check_equal(r.status, 200, "SSE status")
    ht.check(r.getheader("content-type").startswith("text/event-stream"), "SSE type")
    ht.check_equal(r.readline(), b": stream open\n", "first line")
    r.readline()
    _, data = request("GET", "/t/push?msg=hello%0Aworld")
    ht.check_equal(data, b"sent 1\n", "push")
    lines = [r.readline() for _ in range(4)]
    ht.check_equal(lines, [b"event: note\n", b"data: hello\n", b"data: world\n", b"\n"],
                   "the event")
    c.close()
    # the server notices the closed stream when it next writes to it
    ht.wait_until(lambda: request("GET", "/t/push?msg=x")[1] == b"sent 0\n", 20, 0.3,
                  "the closed stream to be dropped")


@ht.test
def basic_auth_against_the_directory():
    r, data = request("GET", "/t/basic")
    ht.check_equal((r.status, data.split()[0]), (401, b"none"), "no credentials")
    ht.check("Basic" in (r.getheader("www-authenticate") or ""), "WWW-Authenticate")
    r, data = request("GET", "/t/basic", {"Authorization": basic()})
    ht.check_equal((r.status, data.split()[:2]), (200, [b"ok", USER.encode()]), "right password")
    r, data = request("GET", "/t/basic", {"Authorization": basic(password="wrong")})
    ht.check_equal((r.status, data.split()[0]), (401, b"failed"), "wrong password")
    log = os.path.join(srv.data_dir, "logs", "auth-failures.log")
    ht.wait_until(lambda: os.path.exists(log) and "http" in open(log).read(), 10, 0.2,
                  "the auth-failure log line")


def login(extra=None):
    headers = {"Authorization": basic()}
    headers.update(extra or {})
    r, data = request("POST", "/t/login", headers)
    ht.check_equal(r.status, 200, "login: %r" % data)
    cookie = r.getheader("set-cookie")
    m = re.match(r"__Host-hermod_session=([0-9a-f]{64}); (.*)", cookie or "")
    ht.check(m, "Set-Cookie: %r" % cookie)
    return m.group(1), m.group(2), data.split()[2].decode()


def me(token, method="GET", csrf=None):
    headers = {"Cookie": "__Host-hermod_session=" + token}
    if csrf:
        headers["X-CSRF-Token"] = csrf
    r, data = request(method, "/t/me", headers)
    return r.status, data.split()[0].decode()


@ht.test
def session_cookie_and_csrf():
    token, attrs, csrf = login()
    for a in ("Secure", "HttpOnly", "SameSite=Lax", "Path=/"):
        ht.check(a in attrs.split("; "), "%s missing from %s" % (a, attrs))
    ht.check("Domain" not in attrs, "a __Host- cookie has no Domain")
    ht.check_equal(me(token), (200, "ok"), "GET with the session")
    ht.check_equal(me(token, "POST"), (403, "csrf"), "POST without the CSRF header")
    ht.check_equal(me(token, "POST", "0" * 32), (403, "csrf"), "POST with a wrong token")
    ht.check_equal(me(token, "POST", csrf), (200, "ok"), "POST with the CSRF header")
    ht.check_equal(me("f" * 64), (401, "failed"), "an unknown session")
    ht.check_equal(me(token, "DELETE", csrf), (200, "ok"), "DELETE with the CSRF header")


@ht.test
def new_id_at_login_and_server_side_logout():
    old, _, _ = login()
    new, _, csrf = login({"Cookie": "__Host-hermod_session=" + old})
    ht.check(new != old, "login kept the session id")
    ht.check_equal(me(old), (401, "failed"), "the replaced session")
    ht.check_equal(me(new), (200, "ok"), "the new session")
    r, data = request("POST", "/t/logout", {"Cookie": "__Host-hermod_session=" + new})
    ht.check_equal(r.status, 403, "logout without the CSRF header")
    r, data = request("POST", "/t/logout", {"Cookie": "__Host-hermod_session=" + new,
                                            "X-CSRF-Token": csrf})
    ht.check_equal(r.status, 200, "logout")
    ht.check("Max-Age=0" in r.getheader("set-cookie"), "cookie not cleared")
    ht.check_equal(me(new), (401, "failed"), "the session after logout")


@ht.test
def sessions_survive_a_restart_expire_and_can_be_revoked():
    token, _, _ = login()
    srv.stop()
    srv.start()
    ht.check_equal(me(token), (200, "ok"), "the session after a restart")
    out = srv.ctl("session", "list", USER).stdout.decode()
    ht.check(USER in out, "hermodctl session list:\n" + out)
    cp = srv.ctl("session", "revoke", USER)
    ht.check("revoked" in cp.stdout.decode(), cp.stdout.decode())
    ht.check_equal(me(token), (401, "failed"), "the session after revoke")
    token, _, _ = login()
    db = sqlite3.connect(os.path.join(srv.data_dir, "web-sessions.db"), timeout=10)
    db.execute("UPDATE sessions SET created = created - 8 * 86400")
    db.commit()
    db.close()
    ht.check_equal(me(token), (401, "failed"), "a session past session_lifetime")


@ht.test
def basic_failures_count_for_screening():
    codes = []
    for _ in range(6):
        r, data = request("GET", "/t/basic", {"Authorization": basic(password="wrong")})
        codes.append(data.split()[0].decode())
    ht.check("blocked" in codes, "never blocked: %s" % codes)
    r, data = request("GET", "/t/basic", {"Authorization": basic()})
    ht.check_equal((r.status, data.split()[0]), (403, b"blocked"), "right password while blocked")


if __name__ == "__main__":
    ht.main()
