# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-dav-access.py - who reaches which DAV data: one account never
# reads, lists, changes or learns anything of another's calendars and
# address books, on every method (403, nothing changed, nothing in the
# body), and the core's web session (cookie plus X-CSRF-Token, as the
# webmail uses it) reaches the logged-in account's own data, with
# writes refused without the CSRF header.  The session comes from the
# webprobe test module's /t/login.
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

PROBE_DIR = os.path.join(ht.BUILDDIR, "tests", "modules", ".libs")
srv = dt.dav_daemon("dav-access", modules="smtp;dav;webprobe")
srv.sections["core"]["module_dir"] = ";".join(p for p in (ht.MODULE_DIR, PROBE_DIR) if p)
srv.sections["webprobe"] = {"file": os.path.join(srv.data_dir, "www", "index.html")}
demo = dt.Client(srv, dt.DEMO)
bob = dt.Client(srv, dt.BOB)
BOB_CAL = "/dav/cal/bob@example.test/calendar/"
BOB_BOOK = "/dav/card/bob@example.test/contacts/"
SECRET = "SECRET-BOB-MEETING"


@ht.test
def daemon_starts_and_bob_has_data():
    srv.start()
    ht.check_equal(bob.put(BOB_CAL + "b.ics", dt.vevent("bob-1", "20240601T100000Z",
                                                          summary=SECRET)).status, 201, "put")
    card = "BEGIN:VCARD\r\nVERSION:4.0\r\nUID:bc\r\nFN:%s\r\nEND:VCARD\r\n" % SECRET
    ht.check_equal(bob.put(BOB_BOOK + "c.vcf", card, ctype="text/vcard").status, 201, "card")


def bob_state():
    r = bob.propfind(BOB_CAL, "<D:getetag/><CS:getctag/>", "1")
    return r.body + bob.propfind(BOB_BOOK, "<D:getetag/>", "1").body


@ht.test
def every_method_on_another_account_is_refused():
    before = bob_state()
    ev = dt.vevent("evil", "20240601T100000Z")
    tries = [
        ("PROPFIND", "/dav/cal/bob@example.test/", None, ["Depth: 1"]),
        ("PROPFIND", BOB_CAL, None, ["Depth: 1"]),
        ("PROPFIND", "/dav/principals/bob@example.test/", None, []),
        ("GET", BOB_CAL + "b.ics", None, []),
        ("HEAD", BOB_CAL + "b.ics", None, []),
        ("PUT", BOB_CAL + "b.ics", ev, ["Content-Type: text/calendar"]),
        ("PUT", BOB_CAL + "new.ics", ev, ["Content-Type: text/calendar"]),
        ("DELETE", BOB_CAL + "b.ics", None, []),
        ("DELETE", BOB_CAL, None, []),
        ("PROPPATCH", BOB_CAL, '<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:displayname>'
         'x</D:displayname></D:prop></D:set></D:propertyupdate>', []),
        ("MKCOL", "/dav/cal/bob@example.test/evil/", None, []),
        ("MKCALENDAR", "/dav/cal/bob@example.test/evil/", None, []),
        ("REPORT", BOB_CAL, dt.calendar_query("20240101T000000Z", "20250101T000000Z",
                                              props="<C:calendar-data/>"), ["Depth: 1"]),
        ("REPORT", BOB_BOOK, '<D:sync-collection xmlns:D="DAV:"><D:sync-token/><D:prop>'
         '<D:getetag/></D:prop></D:sync-collection>', []),
        ("COPY", BOB_CAL + "b.ics", None,
         ["Destination: /dav/cal/demo@example.test/calendar/stolen.ics"]),
        ("MOVE", BOB_CAL + "b.ics", None,
         ["Destination: /dav/cal/demo@example.test/calendar/stolen.ics"]),
        ("COPY", "/dav/cal/demo@example.test/calendar/none.ics", None,
         ["Destination: " + BOB_CAL + "planted.ics"]),
        ("LOCK", BOB_CAL + "b.ics", '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
         '</D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>', []),
        ("UNLOCK", BOB_CAL + "b.ics", None, ["Lock-Token: <opaquelocktoken:x>"]),
        ("GET", "/dav/cal/BOB@Example.Test/calendar/b.ics", None, []),
        ("GET", "/dav/cal/demo@example.test/../bob@example.test/calendar/b.ics", None, []),
    ]
    for method, path, body, headers in tries:
        r = demo.req(method, path, body, headers + ["Content-Type: application/xml"]
                     if body and method != "PUT" else headers)
        ht.check(r.status in (403, 404), "%s %s: %d" % (method, path, r.status))
        ht.check(SECRET.encode() not in r.body and b"bob-1" not in r.body,
                 "%s %s leaked: %r" % (method, path, r.body[:200]))
    ht.check_equal(bob_state(), before, "bob's data unchanged")
    ht.check_equal(demo.req("GET", "/dav/cal/demo@example.test/calendar/stolen.ics").status,
                   404, "nothing copied to demo")


def session():
    r = wt.curl(demo.base + "/t/login", "-X", "POST", "-u", "%s:%s" % dt.DEMO)
    ht.check_equal(r.status, 200, "probe login")
    cookie = re.search(r"__Host-hermod_session=([^;]+)", r.raw.decode("latin-1")).group(1)
    csrf = r.body.decode().split()[2]
    return cookie, csrf


@ht.test
def web_session_reaches_own_data_with_csrf_for_writes():
    cookie, csrf = session()
    own = "/dav/cal/demo@example.test/calendar/"
    base = [demo.base + own + "s.ics", "-H", "Cookie: __Host-hermod_session=" + cookie]
    r = wt.curl(*base, "-X", "PUT", "-H", "Content-Type: text/calendar", "--data-binary",
                dt.vevent("via-session", "20240701T100000Z"))
    ht.check_equal(r.status, 403, "PUT without the CSRF header")
    r = wt.curl(*base, "-X", "PUT", "-H", "Content-Type: text/calendar", "-H",
                "X-CSRF-Token: " + csrf, "--data-binary", dt.vevent("via-session",
                                                                    "20240701T100000Z"))
    ht.check_equal(r.status, 201, "PUT with it")
    r = wt.curl(*base)
    ht.check_equal(r.status, 200, "GET")
    ht.check(b"via-session" in r.body, "own event")
    r = wt.curl(demo.base + BOB_CAL + "b.ics", "-H", "Cookie: __Host-hermod_session=" + cookie)
    ht.check_equal(r.status, 403, "the session does not reach bob")
    r = wt.curl(demo.base + own, "-X", "PROPFIND", "-H", "Depth: 1",
                "-H", "Cookie: __Host-hermod_session=" + "0" * 43)
    ht.check_equal(r.status, 401, "unknown session")


@ht.test
def daemon_survived():
    ht.check(srv.is_running(), "hermodd still running")


if __name__ == "__main__":
    ht.main()
