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
# the old cookie is dead.
import base64
import http.client
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

THEMES = os.path.join(ht.SRCDIR, "themes")
USER, PASSWORD = "demo@example.test", "demo-secret-1"

srv = ht.Daemon("webmail")
srv.add_web("https")
srv.sections["core"]["modules"] = "smtp;webmail"
srv.sections["webmail"] = {"themes_dir": THEMES}
srv.sections["auth"] = {"max_failures": "3", "failure_window": "10m", "block_time": "10m"}


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


@ht.test
def screening_blocks_after_failures():
    for _ in range(3):
        login(password="nope")
    r, data = login()
    ht.check_equal(r.status, 429, "blocked client: %r" % data)


ht.main()
