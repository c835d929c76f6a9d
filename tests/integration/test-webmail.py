# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-webmail.py - the webmail module over HTTPS with curl and Python's
# http.client (the browser tests drive the same pages in Chromium): the
# page and its strict CSP (no inline script, frame-ancestors 'none'),
# theme files and the admin's override folder, the phone theme chosen by
# User-Agent or cookie, paths that try to leave the theme folder; login
# with a wrong and a right password (the __Host- cookie with Secure,
# HttpOnly, SameSite, a new id at each login), dynamic screening, the
# CSRF header on logout, and logout ending the session on the server so
# the old cookie is dead.  Message bodies at /webmail/body/: a message
# planted over SMTP comes back sanitised (no script, handler or
# javascript: URL; remote images counted and removed; cid: images served
# as parts) under the body CSP, only to its owner.  The image proxy
# refuses loopback, private, link-local and mapped addresses, names that
# resolve to them, other schemes, and callers without a session, and
# passes an image from an allowed host.  Account settings: the sessions
# list and "log out everywhere", the password change (the old password
# checked), and the second factor: TOTP set up from the secret the QR
# code carries, required at login, a code refused the second time,
# recovery codes that work once, turning it off.
import base64
import hashlib
import hmac
import http.client
import json
import struct
import time
import http.server
import os
import re
import smtplib
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import storecheck  # noqa: E402

THEMES = os.path.join(ht.SRCDIR, "themes")
USER, PASSWORD = "demo@example.test", "demo-secret-1"

srv = ht.Daemon("webmail")
srv.add_web("https")
srv.sections["core"]["modules"] = "smtp;webmail"
srv.users["other@example.test"] = "other-secret-2"
# 127.0.0.2 stands for a public image host (tests reach only loopback).
srv.sections["webmail"] = {"themes_dir": THEMES, "image_proxy_allow": "127.0.0.2/32"}
srv.sections["auth"] = {"max_failures": "6", "failure_window": "10m", "block_time": "10m"}


def conn():
    return http.client.HTTPSConnection("127.0.0.1", srv.port("webs"), timeout=ht.TIMEOUT,
                                       context=ht.client_tls_context())


def request(method, path, headers=None, body=None):
    c = conn()
    c.request(method, path, body=body, headers=headers or {})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data


def urlquote(s):
    import urllib.parse
    return urllib.parse.quote(s, safe="")


def basic(user, password):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


def login(user=USER, password=PASSWORD, cookie=None):
    h = {"Authorization": basic(user, password)}
    if cookie:
        h["Cookie"] = cookie
    return request("POST", "/webmail/api/login", h)


def session_cookie(r):
    for k, v in r.getheaders():
        if k.lower() == "set-cookie" and v.startswith("__Host-hermod_session="):
            return v
    return None


@ht.test
def daemon_starts():
    os.makedirs(os.path.join(srv.data_dir, "themes", "default", "i18n"))
    srv.start()


@ht.test
def the_page_and_its_csp():
    r, data = request("GET", "/")
    ht.check_equal(r.status, 200, "GET /")
    ht.check(b'<script type="module" src="/themes/default/js/main.js">' in data, "the app page")
    ht.check(not re.search(rb"<script(?![^>]*\bsrc=)", data), "an inline script in the page")
    ht.check(b" style=" not in data and b"<style" not in data, "inline style in the page")
    csp = r.getheader("Content-Security-Policy")
    for want in ("default-src 'none'", "script-src 'self'", "frame-ancestors 'none'",
                 "base-uri 'none'", "form-action 'self'"):
        ht.check(want in csp, "%r not in CSP %r" % (want, csp))
    ht.check("unsafe-inline" not in csp and "unsafe-eval" not in csp, "unsafe CSP: " + csp)
    ht.check_equal(r.getheader("X-Content-Type-Options"), "nosniff", "nosniff")
    r, data = request("GET", "/themes/default/js/main.js")
    ht.check_equal(r.status, 200, "main.js")
    ht.check(r.getheader("Content-Type").startswith("text/javascript"), "JS type")
    r, data = request("GET", "/themes/default/i18n/de.json")
    ht.check_equal(r.status, 200, "German translations")
    ht.check(b"Posteingang" in data, "German inbox")


@ht.test
def override_folder_comes_first():
    path = os.path.join(srv.data_dir, "themes", "default", "i18n", "en.json")
    with open(path, "w") as f:
        f.write('{"product": "Acme Mail"}\n')
    r, data = request("GET", "/themes/default/i18n/en.json")
    ht.check_equal((r.status, data), (200, b'{"product": "Acme Mail"}\n'), "the admin's copy")
    os.unlink(path)
    r, data = request("GET", "/themes/default/i18n/en.json")
    ht.check(b'"product": "Mail"' in data, "the shipped file again")


@ht.test
def phones_get_the_mobile_theme():
    iphone = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
              "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")
    r, data = request("GET", "/", {"User-Agent": iphone})
    ht.check(b'data-theme="mobile"' in data, "an iPhone got the desktop page")
    r, data = request("GET", "/", {"User-Agent": iphone, "Cookie": "hermod_theme=default"})
    ht.check(b'data-theme="default"' in data, "the user's choice wins")
    r, data = request("GET", "/", {"Cookie": "hermod_theme=mobile"})
    ht.check(b'data-theme="mobile"' in data, "the mobile theme by cookie")
    r, data = request("GET", "/", {"Cookie": "hermod_theme=../etc"})
    ht.check(b'data-theme="default"' in data, "a bad theme cookie")


@ht.test
def the_phone_theme_builds_on_the_default_one():
    # One page for both: the phone theme has no index.html of its own.
    ht.check(not os.path.exists(os.path.join(THEMES, "mobile", "index.html")),
             "a copy of the page in themes/mobile")
    r, desk = request("GET", "/", {"Cookie": "hermod_theme=default"})
    r, phone = request("GET", "/", {"Cookie": "hermod_theme=mobile"})
    ht.check(b'href="/themes/mobile/css/theme.css"' in phone, "the phone layer not linked")
    ht.check(b'href="/themes/default/css/theme.css"' in desk, "the desktop layer not linked")
    ht.check_equal(phone.replace(b'data-theme="mobile"', b'data-theme="default"')
                   .replace(b"/themes/mobile/css/", b"/themes/default/css/"), desk,
                   "the two pages differ")
    ht.check(b"@THEME@" not in phone, "the theme marker left in the page")
    r, data = request("GET", "/themes/mobile/css/theme.css")
    ht.check(r.status == 200 and b"44px" in data, "the phone style sheet")
    # Files the phone theme lacks come from its parent.
    r, data = request("GET", "/themes/mobile/js/main.js")
    ht.check_equal(r.status, 200, "main.js through the parent")
    r, data = request("GET", "/themes/mobile/index.html")
    ht.check(r.status == 200 and b'data-theme="mobile"' in data, "/themes/mobile/index.html")


@ht.test
def override_folder_with_the_phone_theme():
    over = os.path.join(srv.data_dir, "themes")
    with open(os.path.join(THEMES, "default", "index.html"), "rb") as f:
        page = f.read()
    # The admin's default page serves both themes...
    os.makedirs(os.path.join(over, "mobile", "css"), exist_ok=True)
    with open(os.path.join(over, "default", "index.html"), "wb") as f:
        f.write(page.replace(b"<title>Mail</title>", b"<title>Acme Mail</title>"))
    for theme in ("default", "mobile"):
        r, data = request("GET", "/", {"Cookie": "hermod_theme=" + theme})
        ht.check(b"<title>Acme Mail</title>" in data, "the admin's page for %s" % theme)
        ht.check(('data-theme="%s"' % theme).encode() in data, "theme marker in the admin's page")
    # ...a phone-only copy wins for the phone theme alone...
    with open(os.path.join(over, "mobile", "index.html"), "wb") as f:
        f.write(page.replace(b"<title>Mail</title>", b"<title>Acme Phone</title>"))
    r, data = request("GET", "/", {"Cookie": "hermod_theme=mobile"})
    ht.check(b"<title>Acme Phone</title>" in data, "the admin's phone page")
    r, data = request("GET", "/", {"Cookie": "hermod_theme=default"})
    ht.check(b"<title>Acme Mail</title>" in data, "the phone copy reached the desktop")
    # ...and a copy of the phone style sheet changes only the phone theme.
    with open(os.path.join(over, "mobile", "css", "theme.css"), "w") as f:
        f.write("/* acme phone */\n")
    r, data = request("GET", "/themes/mobile/css/theme.css")
    ht.check_equal(data, b"/* acme phone */\n", "the admin's phone style sheet")
    r, data = request("GET", "/themes/default/css/theme.css")
    ht.check(b"acme" not in data, "the phone style sheet reached the desktop")
    for p in ("default/index.html", "mobile/index.html", "mobile/css/theme.css"):
        os.unlink(os.path.join(over, p))
    r, data = request("GET", "/", {"Cookie": "hermod_theme=mobile"})
    ht.check(b"<title>Mail</title>" in data, "the shipped page again")


@ht.test
def an_edited_page_is_served_at_once():
    # The page is kept between requests; an edit in place (same size, a
    # new time) or a file renamed over it (a new inode) must show at once.
    over = os.path.join(srv.data_dir, "themes", "default")
    os.makedirs(over, exist_ok=True)
    path = os.path.join(over, "index.html")
    with open(os.path.join(THEMES, "default", "index.html"), "rb") as f:
        page = f.read()
    old = time.time() - 3600

    def put(title, when, replace=False):
        target = path + ".new" if replace else path
        with open(target, "wb") as f:
            f.write(page.replace(b"<title>Mail</title>", b"<title>%s</title>" % title))
        os.utime(target, (when, when))
        if replace:
            os.rename(target, path)

    def title_served():
        r, data = request("GET", "/", {"Cookie": "hermod_theme=default"})
        ht.check_equal(r.status, 200, "GET /")
        return data.split(b"<title>")[1].split(b"</title>")[0]

    put(b"Edit AAAA", old)
    ht.check_equal(title_served(), b"Edit AAAA", "the admin's page")
    ht.check_equal(title_served(), b"Edit AAAA", "the admin's page, again")
    put(b"Edit BBBB", old + 60)
    ht.check_equal(title_served(), b"Edit BBBB", "the page edited in place")
    put(b"Edit CCCC", old + 60, replace=True)
    ht.check_equal(title_served(), b"Edit CCCC", "the page renamed over the old one")
    os.unlink(path)
    ht.check_equal(title_served(), b"Mail", "the shipped page once the copy is gone")


@ht.test
def theme_files_are_compressed_and_revalidated():
    import gzip
    with open(os.path.join(THEMES, "default", "js", "list.js"), "rb") as f:
        want = f.read()
    r, data = request("GET", "/themes/mobile/js/list.js", {"Accept-Encoding": "gzip"})
    ht.check_equal(r.getheader("Content-Encoding"), "gzip", "Content-Encoding")
    ht.check_equal(gzip.decompress(data), want, "the file through gzip")
    ht.check(len(data) < len(want) / 2, "gzip: %d of %d bytes" % (len(data), len(want)))
    etag = r.getheader("ETag")
    ht.check(etag is not None and r.getheader("Last-Modified") is not None, "no validators")
    ht.check_equal(r.getheader("Cache-Control"), "no-cache", "Cache-Control")
    r, data = request("GET", "/themes/mobile/js/list.js", {"If-None-Match": etag})
    ht.check_equal((r.status, data), (304, b""), "revalidation")
    r, data = request("GET", "/themes/default/js/list.js")
    ht.check(r.getheader("Content-Encoding") is None and data == want, "plain without gzip")


@ht.test
def nothing_outside_the_themes():
    for path in ("/themes/default/../../README", "/themes/default/%2e%2e/%2e%2e/README",
                 "/themes/../README", "/themes/default/.hidden", "/themes/nosuch/index.html",
                 "/themes/default/js/", "/etc/passwd", "/themes/default/js/main.js%00.txt"):
        r, _ = request("GET", path)
        ht.check(r.status in (400, 404), "%s answered %d" % (path, r.status))
    r, _ = request("POST", "/")
    ht.check_equal(r.status, 405, "POST /")


@ht.test
def wrong_password_is_refused():
    r, data = login(password="wrong")
    ht.check_equal(r.status, 401, "wrong password")
    ht.check(session_cookie(r) is None, "a cookie for a failed login")
    ht.check(r.getheader("WWW-Authenticate") is None, "a Basic challenge (browser dialog)")
    ht.check(b'"invalid"' in data, "error body: %r" % data)
    r, data = request("POST", "/webmail/api/login")
    ht.check_equal(r.status, 400, "no credentials")


@ht.test
def login_session_and_logout():
    r, data = login()
    ht.check_equal(r.status, 200, "login: %r" % data)
    cookie = session_cookie(r)
    ht.check(cookie is not None, "no session cookie")
    for attr in ("Secure", "HttpOnly", "SameSite=", "Path=/"):
        ht.check(attr in cookie, "%s not in %r" % (attr, cookie))
    ht.check("Domain=" not in cookie, "a __Host- cookie with Domain")
    body = data.decode()
    ht.check('"account":"%s"' % USER in body, "account in %r" % body)
    csrf = re.search(r'"csrf":"([0-9a-f]+)"', body).group(1)
    token = cookie.split(";")[0]
    r, data = request("GET", "/webmail/api/session", {"Cookie": token})
    ht.check_equal(r.status, 200, "session")
    ht.check(csrf.encode() in data, "the same CSRF token")
    # A second login from the same browser gets a new id; the old one dies.
    r2, _ = login(cookie=token)
    token2 = session_cookie(r2).split(";")[0]
    ht.check(token2 != token, "the same session id after a new login")
    r, _ = request("GET", "/webmail/api/session", {"Cookie": token})
    ht.check_equal(r.status, 401, "the session before the new login")
    r, data = request("GET", "/webmail/api/session", {"Cookie": token2})
    csrf2 = re.search(rb'"csrf":"([0-9a-f]+)"', data).group(1).decode()
    r, _ = request("POST", "/webmail/api/logout", {"Cookie": token2})
    ht.check_equal(r.status, 403, "logout without the CSRF header")
    r, _ = request("GET", "/webmail/api/session", {"Cookie": token2})
    ht.check_equal(r.status, 200, "a refused logout ended the session")
    r, _ = request("POST", "/webmail/api/logout", {"Cookie": token2, "X-CSRF-Token": csrf2})
    ht.check_equal(r.status, 200, "logout")
    cleared = session_cookie(r)
    ht.check(cleared is not None and "Max-Age=0" in cleared, "cookie not cleared: %r" % cleared)
    r, _ = request("GET", "/webmail/api/session", {"Cookie": token2})
    ht.check_equal(r.status, 401, "the old cookie after logout")


@ht.test
def login_needs_https():
    c = http.client.HTTPConnection("127.0.0.1", srv.port("webs"), timeout=5)
    try:
        c.request("POST", "/webmail/api/login", headers={"Authorization": basic(USER, PASSWORD)})
        r = c.getresponse()
        ht.check(r.status != 200, "a login over plain text")
    except (ConnectionError, http.client.HTTPException, OSError):
        pass  # the TLS listener drops plain text: fine too
    finally:
        c.close()


HTML_MAIL = b"""From: Mallory <mallory@evil.test>
To: demo@example.test
Subject: Sanitise me
MIME-Version: 1.0
Content-Type: multipart/related; boundary="b1"

--b1
Content-Type: text/html; charset=utf-8

<html><head><script>alert('head')</script><style>p{color:red}</style></head>
<body onload="alert(1)"><p>Hello <b>there</b></p>
<img src="https://tracker.evil.test/pixel.gif"><img src="cid:logo@evil.test" alt="logo">
<a href="javascript:alert(2)">click</a><a href="https://example.com/">ok</a>
<svg><animate onbegin="alert(3)"/></svg><iframe src="https://evil.test/"></iframe>
</body></html>
--b1
Content-Type: image/png
Content-ID: <logo@evil.test>
Content-Transfer-Encoding: base64

iVBORw0KGgo=
--b1--
"""


def latest_email_id(account):
    with storecheck.connect(srv, account) as db:
        (n,) = db.execute("SELECT MAX(email_id) FROM messages").fetchone()
    return "E%d" % n


def session_of(user=USER, password=PASSWORD):
    r, data = login(user, password)
    ht.check_equal(r.status, 200, "login of %s" % user)
    return session_cookie(r).split(";")[0], re.search(rb'"csrf":"([0-9a-f]+)"', data).group(1)


state = {}


@ht.test
def a_planted_message_comes_back_sanitised():
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail("mallory@evil.test", [USER], HTML_MAIL.replace(b"\n", b"\r\n"))
    srv.wait_message(USER, b"Sanitise me")
    eid = latest_email_id(USER)
    cookie, _ = session_of()
    state["cookie"], state["eid"] = cookie, eid
    r, data = request("GET", "/webmail/body/" + eid, {"Cookie": cookie})
    ht.check_equal(r.status, 200, "body: %r" % data[:200])
    low = data.lower()
    for bad in (b"<script", b"onload", b"onbegin", b"javascript:", b"<svg", b"<iframe",
                b"tracker.evil.test"):
        ht.check(bad not in low, "%r in the body: %r" % (bad, data))
    ht.check(b"<p>Hello <b>there</b></p>" in data, "text lost: %r" % data)
    ht.check(b'href="https://example.com/"' in data, "a good link lost")
    ht.check(b'<meta name="hermod-blocked" content="1">' in data, "blocked count: %r" % data)
    cid = "/webmail/body/%s/cid/logo%%40evil.test" % eid
    ht.check(cid.encode() in data, "cid image not rewritten: %r" % data)
    csp = r.getheader("Content-Security-Policy")
    ht.check("script-src" not in csp and "default-src 'none'" in csp, "body CSP " + csp)
    ht.check("frame-ancestors 'self'" in csp and "sandbox" in csp, "body CSP " + csp)
    r, part = request("GET", cid, {"Cookie": cookie})
    ht.check_equal((r.status, r.getheader("Content-Type")), (200, "image/png"), "the cid part")
    ht.check_equal(part, base64.b64decode(b"iVBORw0KGgo="), "the part's bytes")
    r, data = request("GET", "/webmail/body/%s?images=1" % eid, {"Cookie": cookie})
    ht.check(b"/webmail/api/image?url=https%3A%2F%2Ftracker.evil.test%2Fpixel.gif" in data,
             "images=1 does not go through the proxy: %r" % data)


@ht.test
def bodies_only_for_their_owner():
    eid = state["eid"]
    r, _ = request("GET", "/webmail/body/" + eid)
    ht.check_equal(r.status, 401, "no session")
    other, _ = session_of("other@example.test", "other-secret-2")
    r, _ = request("GET", "/webmail/body/" + eid, {"Cookie": other})
    ht.check_equal(r.status, 404, "another account's message")
    for bad in ("E0", "E99999", "M1", "E1x", "E1/cid/", "E1/part/1"):
        r, _ = request("GET", "/webmail/body/" + bad, {"Cookie": state["cookie"]})
        ht.check_equal(r.status, 404, bad)


class ImageHandler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        kind = {"/a.png": "image/png", "/x.svg": "image/svg+xml"}.get(self.path, "text/html")
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", "4")
        self.end_headers()
        self.wfile.write(b"\x89PNG")

    def log_message(self, *args):
        pass


@ht.test
def image_proxy_refuses_private_hosts():
    cookie = state["cookie"]
    loop = http.server.HTTPServer(("127.0.0.1", 0), ImageHandler)
    threading.Thread(target=loop.serve_forever, daemon=True).start()
    port = loop.server_address[1]
    try:
        for url, want in (("http://127.0.0.1:%d/a.png" % port, 403),
                          ("http://localhost:%d/a.png" % port, 403),
                          ("http://[::1]:%d/a.png" % port, 403),
                          ("http://[::ffff:127.0.0.1]:%d/a.png" % port, 403),
                          ("http://2130706433:%d/a.png" % port, 403),
                          ("http://10.0.0.1/a.png", 403), ("http://192.168.1.1/a.png", 403),
                          ("http://169.254.169.254/latest/meta-data/", 403),
                          ("http://[fe80::1]/a.png", 403), ("http://0.0.0.0/a.png", 403),
                          ("ftp://example.com/a.png", 400), ("javascript:alert(1)", 400),
                          ("http://user:pw@example.com/a.png", 400),
                          ("http://127.0.0.2:22/a.png", 403)):
            q = "/webmail/api/image?url=" + urlquote(url)
            r, data = request("GET", q, {"Cookie": cookie})
            ht.check(r.status in (want, 502) if want == 403 and "2130706433" in url
                     else r.status == want, "%s answered %d %r" % (url, r.status, data))
            if want == 403 and "2130706433" not in url:
                ht.check(b"private" in data or b"port" in data, "reason: %r" % data)
        r, _ = request("GET", "/webmail/api/image?url=" + urlquote("http://127.0.0.2:%d/a.png"
                                                                  % port))
        ht.check_equal(r.status, 401, "the proxy without a session")
    finally:
        loop.shutdown()


@ht.test
def image_proxy_passes_images_only():
    cookie = state["cookie"]
    srv2 = http.server.HTTPServer(("127.0.0.2", 0), ImageHandler)
    threading.Thread(target=srv2.serve_forever, daemon=True).start()
    port = srv2.server_address[1]
    try:
        r, data = request("GET", "/webmail/api/image?url=" +
                          urlquote("http://127.0.0.2:%d/a.png" % port), {"Cookie": cookie})
        ht.check_equal((r.status, data), (200, b"\x89PNG"), "an allowed host's image")
        ht.check_equal(r.getheader("Content-Type"), "image/png", "type")
        for path in ("/x.svg", "/page.html"):
            r, _ = request("GET", "/webmail/api/image?url=" +
                           urlquote("http://127.0.0.2:%d%s" % (port, path)), {"Cookie": cookie})
            ht.check_equal(r.status, 502, "%s passed the proxy" % path)
    finally:
        srv2.shutdown()


@ht.test
def sanitize_endpoint_for_the_editor():
    cookie, csrf = session_of()
    h = {"Cookie": cookie, "Content-Type": "text/html"}
    r, _ = request("POST", "/webmail/api/sanitize", h, b"<b>x</b>")
    ht.check_equal(r.status, 403, "sanitize without the CSRF header")
    h["X-CSRF-Token"] = csrf.decode()
    r, data = request("POST", "/webmail/api/sanitize", h,
                      b"<b onclick=x()>bold</b><script>alert(1)</script>")
    ht.check_equal((r.status, data), (200, b"<b>bold</b>"), "sanitised editor HTML")


OTHER, OTHER_PW = "other@example.test", "other-secret-2"


def api(method, what, cookie, csrf=None, body=None, headers=None):
    h = {"Cookie": cookie}
    if csrf:
        h["X-CSRF-Token"] = csrf.decode() if isinstance(csrf, bytes) else csrf
    if body is not None:
        h["Content-Type"] = "application/json"
        body = json.dumps(body).encode()
    h.update(headers or {})
    r, data = request(method, "/webmail/api/" + what, h, body)
    return r.status, (json.loads(data) if data.startswith(b"{") else data)


@ht.test
def sessions_list_and_log_out_everywhere():
    a, csrf_a = session_of(OTHER, OTHER_PW)
    b, _ = session_of(OTHER, OTHER_PW)
    status, info = api("GET", "account", a)
    ht.check_equal(status, 200, "account: %r" % info)
    ht.check(len(info["sessions"]) >= 2, "sessions: %r" % info)
    ht.check_equal(sum(1 for s in info["sessions"] if s["current"]), 1, "one current session")
    ht.check(all(s["peer"] == "127.0.0.1" for s in info["sessions"]), "peers")
    status, _ = api("POST", "sessions/end", a, None, {"others": True})
    ht.check_equal(status, 403, "ending sessions without the CSRF header")
    status, out = api("POST", "sessions/end", a, csrf_a, {"others": True})
    ht.check(status == 200 and out["ended"] >= 1, "log out everywhere: %r" % out)
    r, _ = request("GET", "/webmail/api/session", {"Cookie": b})
    ht.check_equal(r.status, 401, "the other session after log out everywhere")
    r, _ = request("GET", "/webmail/api/session", {"Cookie": a})
    ht.check_equal(r.status, 200, "this session after log out everywhere")
    state["other"] = (a, csrf_a)


@ht.test
def password_change_needs_the_old_one():
    a, csrf = state["other"]
    status, out = api("POST", "password", a, csrf, {"old": "wrong", "new": "new-secret-3"})
    ht.check_equal(status, 403, "a wrong old password: %r" % out)
    status, out = api("POST", "password", a, csrf, {"old": OTHER_PW, "new": "short"})
    ht.check_equal(status, 400, "a short new password")
    status, out = api("POST", "password", a, csrf, {"old": OTHER_PW, "new": "new-secret-3"})
    ht.check_equal(status, 200, "password change: %r" % out)
    r, _ = login(OTHER, OTHER_PW)
    ht.check_equal(r.status, 401, "the old password still works")
    r, _ = login(OTHER, "new-secret-3")
    ht.check_equal(r.status, 200, "the new password")


def totp(secret, at=None, step=0):
    key = base64.b32decode(secret)
    counter = int((at or time.time()) // 30) + step
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    off = digest[-1] & 15
    return "%06d" % ((struct.unpack(">I", digest[off:off + 4])[0] & 0x7fffffff) % 1000000)


def otp_login(code):
    return login(OTHER, "new-secret-3") if code is None else request(
        "POST", "/webmail/api/login",
        {"Authorization": basic(OTHER, "new-secret-3"), "X-Hermod-OTP": code})


@ht.test
def second_factor_totp():
    a, csrf = session_of(OTHER, "new-secret-3")
    status, setup = api("POST", "totp/setup", a, csrf)
    ht.check_equal(status, 200, "setup: %r" % setup)
    secret = setup["secret"]
    ht.check(setup["uri"].startswith("otpauth://totp/") and secret in setup["uri"], "uri")
    ht.check(setup["qrSvg"].startswith("<svg") and "<script" not in setup["qrSvg"], "QR SVG")
    status, _ = api("POST", "totp/enable", a, csrf, {"code": "000000"})
    ht.check_equal(status, 403, "enabling with a wrong code")
    # a code of the step before: the next one stays fresh for the login
    status, out = api("POST", "totp/enable", a, csrf, {"code": totp(secret, step=-1)})
    ht.check_equal(status, 200, "enable: %r" % out)
    codes = out["recoveryCodes"]
    ht.check_equal(len(codes), 10, "recovery codes")
    r, data = otp_login(None)
    ht.check_equal((r.status, b"otp-required" in data), (401, True), "login without a code")
    ht.check(session_cookie(r) is None, "a session before the second factor")
    r, data = otp_login("123456" if totp(secret) != "123456" else "654321")
    ht.check_equal((r.status, b"otp-invalid" in data), (401, True), "a wrong code")
    code = totp(secret)
    r, data = otp_login(code)
    ht.check_equal(r.status, 200, "login with the code: %r" % data)
    r, data = otp_login(code)
    ht.check_equal((r.status, b"otp-invalid" in data), (401, True), "the same code again")
    r, _ = otp_login(codes[0])
    ht.check_equal(r.status, 200, "a recovery code")
    r, _ = otp_login(codes[0])
    ht.check_equal(r.status, 401, "the same recovery code again")
    status, info = api("GET", "account", a)
    ht.check_equal((info["totp"], info["recoveryLeft"]), (True, 9), "account state")
    status, _ = api("POST", "totp/disable", a, csrf, {"code": codes[1]})
    ht.check_equal(status, 200, "turning it off with a recovery code")
    r, _ = otp_login(None)
    ht.check_equal(r.status, 200, "login without a code once it is off")


@ht.test
def screening_blocks_after_failures():
    for _ in range(6):
        login(password="nope")
    r, data = login()
    ht.check_equal(r.status, 429, "blocked client: %r" % data)


ht.main()
