# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-dav.py - the dav module over HTTPS with curl: discovery (RFC 6764
# redirects, current-user-principal, principal and home properties),
# MKCALENDAR and extended MKCOL, PROPPATCH with dead properties, PUT
# validation (garbage, two UIDs, METHOD, UID conflict, size), X-
# properties byte-exact, strong ETags with If-Match / If-None-Match
# (304, 412), sync-collection (empty token, changes, deletions as 404,
# up-to-date, foreign token 403), getctag, CardDAV address books with
# addressbook-query and multiget, COPY/MOVE, and HTTP Basic refused over
# plain HTTP.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

srv = dt.dav_daemon("dav", max_resource_size="64K")
srv.add_web("both")
me = dt.Client(srv)
HOME = "/dav/cal/demo@example.test/"
CAL = HOME + "calendar/"
BOOK = "/dav/card/demo@example.test/contacts/"


@ht.test
def daemon_starts():
    srv.start()


@ht.test
def well_known_redirects_to_the_dav_root():
    for path in ("/.well-known/caldav", "/.well-known/carddav"):
        r = wt.curl(me.base + path)
        ht.check_equal(r.status, 301, path)
        ht.check_equal(r.header("location"), "/dav/", path)


@ht.test
def discovery_from_the_root_to_the_homes():
    root = dt.multistatus(me.propfind("/dav/", "<D:current-user-principal/>"))
    cup = dt.responses(root)["/dav/"][1][dt.tag("D", "current-user-principal")]
    principal = cup.findtext("D:href", namespaces=dt.NS)
    ht.check_equal(principal, "/dav/principals/demo@example.test/", "principal")
    p = dt.responses(dt.multistatus(me.propfind(
        principal, "<C:calendar-home-set/><CR:addressbook-home-set/>"
        "<C:calendar-user-address-set/><D:nonsense/>")))[principal][1]
    ht.check_equal(p[dt.tag("C", "calendar-home-set")].findtext("D:href", namespaces=dt.NS),
                   HOME, "calendar home")
    ht.check_equal(p[dt.tag("CR", "addressbook-home-set")].findtext("D:href", namespaces=dt.NS),
                   "/dav/card/demo@example.test/", "addressbook home")
    ht.check_equal(p[dt.tag("C", "calendar-user-address-set")].findtext("D:href",
                                                                       namespaces=dt.NS),
                   "mailto:demo@example.test", "address set")
    ht.check(b"404 Not Found" in me.propfind(principal, "<D:nonsense/>").body,
             "unknown property in a 404 propstat")


@ht.test
def home_lists_the_default_calendar():
    r = dt.responses(dt.multistatus(me.propfind(HOME, "<D:resourcetype/>"
                                                "<C:supported-calendar-component-set/>", "1")))
    ht.check(CAL in r, "default calendar listed: %r" % list(r))
    rt = r[CAL][1][dt.tag("D", "resourcetype")]
    ht.check(rt.find("C:calendar", dt.NS) is not None, "it is a calendar")


@ht.test
def propfind_depth_infinity_is_refused():
    r = me.propfind(HOME, "<D:resourcetype/>", "infinity")
    ht.check_equal(r.status, 403, "status")
    ht.check(b"propfind-finite-depth" in r.body, "precondition element")


@ht.test
def mkcalendar_with_properties_then_proppatch():
    body = ('<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
            'xmlns:A="http://apple.com/ns/ical/"><D:set><D:prop><D:displayname>Work'
            '</D:displayname><C:supported-calendar-component-set><C:comp name="VTODO"/>'
            '</C:supported-calendar-component-set><A:calendar-color>#ff0000</A:calendar-color>'
            '</D:prop></D:set></C:mkcalendar>')
    ht.check_equal(me.req("MKCALENDAR", HOME + "work/", body).status, 201, "MKCALENDAR")
    ht.check_equal(me.req("MKCALENDAR", HOME + "work/", body).status, 405, "again")
    patch = ('<D:propertyupdate xmlns:D="DAV:" xmlns:Z="http://example.com/ns/"><D:set><D:prop>'
             '<D:displayname>Büro &amp; more</D:displayname><Z:custom a="1">x<Z:y/></Z:custom>'
             '</D:prop></D:set></D:propertyupdate>')
    ht.check_equal(me.req("PROPPATCH", HOME + "work/", patch).status, 207, "PROPPATCH")
    r = dt.responses(dt.multistatus(me.req(
        "PROPFIND", HOME + "work/",
        '<D:propfind xmlns:D="DAV:" xmlns:Z="http://example.com/ns/" '
        'xmlns:A="http://apple.com/ns/ical/"><D:prop><D:displayname/><Z:custom/>'
        '<A:calendar-color/></D:prop></D:propfind>', ["Depth: 0"])))[HOME + "work/"][1]
    ht.check_equal(r[dt.tag("D", "displayname")].text, "Büro & more", "displayname")
    custom = r["{http://example.com/ns/}custom"]
    ht.check_equal((custom.get("a"), custom.text, custom[0].tag),
                   ("1", "x", "{http://example.com/ns/}y"), "dead property kept whole")
    ht.check_equal(r["{http://apple.com/ns/ical/}calendar-color"].text, "#ff0000", "color")
    bad = ('<D:propertyupdate xmlns:D="DAV:"><D:set><D:prop><D:getetag>x</D:getetag>'
           '<D:displayname>No</D:displayname></D:prop></D:set></D:propertyupdate>')
    r = me.req("PROPPATCH", HOME + "work/", bad)
    ht.check(b"403 Forbidden" in r.body and b"424 Failed Dependency" in r.body, r.body)
    ht.check(b"B\xc3\xbcro" in me.propfind(HOME + "work/", "<D:displayname/>").body,
             "nothing changed by the failed PROPPATCH")
    ev = dt.vevent("in-todo-only", "20240101T100000Z", "20240101T110000Z")
    r = me.put(HOME + "work/e.ics", ev)
    ht.check_equal(r.status, 403, "VEVENT into a VTODO calendar")
    ht.check(b"supported-calendar-component" in r.body, r.body)


@ht.test
def put_get_keeps_x_properties_byte_exact():
    ev = dt.vevent("x-props", "20240105T100000Z", "20240105T110000Z",
                   "X-MOZ-LASTACK:20240101T000000Z\nX-ODD;X-P=\"a;b\":  spaced ,value\\,")
    r = me.put(CAL + "x.ics", ev)
    ht.check_equal(r.status, 201, "created")
    etag = r.header("etag")
    ht.check(etag.startswith('"') and not etag.startswith("W/"), "strong ETag %r" % etag)
    g = wt.curl(me.base + CAL + "x.ics", "-u", "%s:%s" % dt.DEMO)
    ht.check_equal(g.body, ev.encode(), "bytes")
    ht.check_equal(g.header("etag"), etag, "GET ETag")
    ht.check(g.header("content-type").startswith("text/calendar"), g.header("content-type"))


@ht.test
def a_calendar_objects_resourcetype_is_empty():
    # RFC 4791 4.1: a calendar object resource is no collection and no
    # calendar; only the collection says <C:calendar/>.
    r = dt.responses(dt.multistatus(me.propfind(CAL, "<D:resourcetype/>", "1")))
    ht.check(CAL + "x.ics" in r, "the event is listed: %r" % list(r))
    rt = r[CAL + "x.ics"][1][dt.tag("D", "resourcetype")]
    ht.check_equal([c.tag for c in rt], [], "the event's resourcetype")
    kinds = [c.tag for c in r[CAL][1][dt.tag("D", "resourcetype")]]
    ht.check_equal(kinds, [dt.tag("D", "collection"), dt.tag("C", "calendar")], "the calendar's")


@ht.test
def put_validation_refuses_and_stores_nothing():
    cases = [
        ("garbage", b"this is not iCalendar\r\n", b"valid-calendar-data"),
        ("binary", b"BEGIN:VCALENDAR\r\n\x00\xff\r\n", b"valid-calendar-data"),
        ("two-uids", dt.vevent("a", "20240101T100000Z").replace(
            "END:VCALENDAR", "BEGIN:VEVENT\r\nUID:b\r\nDTSTAMP:20240101T000000Z\r\n"
            "DTSTART:20240102T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR"),
         b"valid-calendar-object-resource"),
        ("method", dt.vevent("m", "20240101T100000Z").replace(
            "VERSION:2.0", "VERSION:2.0\r\nMETHOD:REQUEST"), b"valid-calendar-object-resource"),
        ("big", dt.vevent("big", "20240101T100000Z", extra="DESCRIPTION:" + "x" * 70000),
         b"max-resource-size"),
    ]
    for name, body, want in cases:
        r = me.put(CAL + name + ".ics", body)
        ht.check_equal(r.status, 403, name)
        ht.check(want in r.body, "%s: %r" % (name, r.body))
        ht.check_equal(wt.curl(me.base + CAL + name + ".ics", "-u", "%s:%s" % dt.DEMO).status,
                       404, name + " not stored")


@ht.test
def uid_conflict_names_the_other_resource():
    r = me.put(CAL + "other.ics", dt.vevent("x-props", "20240105T100000Z"))
    ht.check_equal(r.status, 403, "status")
    ht.check(b"no-uid-conflict" in r.body and CAL.encode() + b"x.ics" in r.body, r.body)


@ht.test
def conditional_requests():
    ev = dt.vevent("cond", "20240201T100000Z", "20240201T110000Z")
    etag = me.put(CAL + "cond.ics", ev).header("etag")
    ht.check_equal(me.put(CAL + "cond.ics", ev, "If-None-Match: *").status, 412, "create-only")
    ht.check_equal(me.put(CAL + "cond.ics", ev, 'If-Match: "nope"').status, 412, "stale")
    ht.check_equal(me.put(CAL + "new.ics", ev.replace("cond", "cond2"), "If-Match: *").status,
                   412, "If-Match * on nothing")
    ev2 = ev.replace("SUMMARY:Event", "SUMMARY:Changed")
    r = me.put(CAL + "cond.ics", ev2, "If-Match: " + etag)
    ht.check_equal(r.status, 204, "update with the right ETag")
    ht.check(r.header("etag") != etag, "new ETag")
    ht.check_equal(me.req("GET", CAL + "cond.ics", headers=["If-None-Match: " + r.header("etag")])
                   .status, 304, "304")
    ht.check_equal(me.req("DELETE", CAL + "cond.ics", headers=["If-Match: " + etag]).status, 412,
                   "DELETE with the old ETag")
    ht.check_equal(me.req("DELETE", CAL + "cond.ics", headers=["If-Match: " + r.header("etag")])
                   .status, 204, "DELETE")
    ht.check_equal(me.req("DELETE", CAL + "cond.ics").status, 404, "gone")


def sync(path, token):
    body = ('<D:sync-collection xmlns:D="DAV:"><D:sync-token>%s</D:sync-token><D:sync-level>1'
            '</D:sync-level><D:prop><D:getetag/></D:prop></D:sync-collection>' % token)
    return me.report(path, body, depth="0")


@ht.test
def depth_1_members_have_escaped_hrefs_and_both_propstats():
    S = HOME + "esc/"
    me.req("MKCALENDAR", S)
    names = {"a%20b%26c.ics": "a%20b&c.ics", "x'y.ics": "x'y.ics", "plain.ics": "plain.ics"}
    for i, sent in enumerate(names):
        ht.check_equal(me.put(S + sent, dt.vevent("esc%d" % i, "20240301T10000%dZ" % i)).status,
                       201, sent)
    for how in ("propfind", "report"):
        if how == "propfind":
            reply = me.propfind(S, "<D:getetag/><D:nonsense/>", "1")
        else:
            reply = me.report(S, '<C:calendar-query xmlns:D="DAV:" xmlns:C="%s"><D:prop>'
                              '<D:getetag/><D:nonsense/></D:prop><C:filter>'
                              '<C:comp-filter name="VCALENDAR"/></C:filter></C:calendar-query>'
                              % dt.NS["C"])
        got = dt.responses(dt.multistatus(reply))
        members = sorted(h for h in got if h != S)
        ht.check_equal(members, sorted(S + n for n in names.values()), how)
        for h in members:
            ht.check(dt.tag("D", "getetag") in got[h][1], "%s %s: etag" % (how, h))
        ht.check_equal(reply.body.count(b"HTTP/1.1 404 Not Found"), len(got), how + ": 404s")
    r = me.req("GET", S + "a%20b%26c.ics")
    ht.check_equal(r.status, 200, "the escaped href reaches the object")


@ht.test
def sync_collection_reports_changes_and_deletions():
    me.req("MKCALENDAR", HOME + "sync/")
    S = HOME + "sync/"
    for i in range(3):
        me.put(S + "e%d.ics" % i, dt.vevent("s%d" % i, "20240301T10000%dZ" % i))
    root = dt.multistatus(sync(S, ""))
    first = root.findtext("D:sync-token", namespaces=dt.NS)
    ht.check_equal(sorted(dt.responses(root)), [S + "e%d.ics" % i for i in range(3)], "all")
    ctag = me.propfind(S, "<CS:getctag/>").body
    root = dt.multistatus(sync(S, first))
    ht.check_equal(dt.responses(root), {}, "up to date: nothing")
    ht.check_equal(root.findtext("D:sync-token", namespaces=dt.NS), first, "same token")
    me.req("DELETE", S + "e1.ics")
    me.put(S + "e2.ics", dt.vevent("s2", "20240302T100000Z"))
    root = dt.multistatus(sync(S, first))
    got = dt.responses(root)
    ht.check_equal(sorted(got), [S + "e1.ics", S + "e2.ics"], "changed")
    ht.check("404" in got[S + "e1.ics"][0], "deletion as 404: %r" % got)
    ht.check(dt.tag("D", "getetag") in got[S + "e2.ics"][1], "etag of the change")
    ht.check(me.propfind(S, "<CS:getctag/>").body != ctag, "getctag changed")
    for bad in ("urn:hermod:sync:999:1", "http://elsewhere/token", first[:-1] + "99"):
        r = sync(S, bad)
        ht.check_equal(r.status, 403, bad)
        ht.check(b"valid-sync-token" in r.body, r.body)
    r = sync(CAL, first)
    ht.check_equal(r.status, 403, "token of another collection")


VCARD3 = ("BEGIN:VCARD\r\nVERSION:3.0\r\nUID:card-1\r\nFN:Ada Lovelace\r\nN:Lovelace;Ada;;;\r\n"
          "EMAIL;TYPE=INTERNET:ada@example.org\r\nX-ABC:keep me\r\nEND:VCARD\r\n")
VCARD4 = ("BEGIN:VCARD\r\nVERSION:4.0\r\nUID:urn:uuid:card-2\r\nFN:Charles Babbage\r\n"
          "EMAIL:charles@example.org\r\nEND:VCARD\r\n")


@ht.test
def carddav_store_query_multiget():
    ht.check_equal(me.put(BOOK + "ada.vcf", VCARD3, ctype="text/vcard").status, 201, "v3")
    ht.check_equal(me.put(BOOK + "cb.vcf", VCARD4, ctype="text/vcard").status, 201, "v4")
    r = me.put(BOOK + "bad.vcf", "BEGIN:VCARD\r\nFN:x\r\n", ctype="text/vcard")
    ht.check_equal(r.status, 403, "broken vCard")
    ht.check(b"valid-address-data" in r.body, r.body)
    ht.check_equal(me.put(BOOK + "dup.vcf", VCARD3, ctype="text/vcard").status, 403, "UID twice")
    g = wt.curl(me.base + BOOK + "ada.vcf", "-u", "%s:%s" % dt.DEMO)
    ht.check_equal(g.body, VCARD3.encode(), "stored as sent")
    q = ('<CR:addressbook-query xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
         '<D:prop><D:getetag/><CR:address-data/></D:prop><CR:filter><CR:prop-filter name="EMAIL">'
         '<CR:text-match collation="i;unicode-casemap" match-type="contains">CHARLES'
         '</CR:text-match></CR:prop-filter></CR:filter></CR:addressbook-query>')
    got = dt.responses(dt.multistatus(me.report(BOOK, q)))
    ht.check_equal(list(got), [BOOK + "cb.vcf"], "query by email")
    ht.check("Charles Babbage" in got[BOOK + "cb.vcf"][1][dt.tag("CR", "address-data")].text,
             "address-data")
    m = ('<CR:addressbook-multiget xmlns:D="DAV:" xmlns:CR="urn:ietf:params:xml:ns:carddav">'
         '<D:prop><D:getetag/></D:prop><D:href>%sada.vcf</D:href><D:href>%snone.vcf</D:href>'
         '</CR:addressbook-multiget>' % (BOOK, BOOK))
    got = dt.responses(dt.multistatus(me.report(BOOK, m)))
    ht.check(dt.tag("D", "getetag") in got[BOOK + "ada.vcf"][1], "found one")
    ht.check("404" in got[BOOK + "none.vcf"][0], "missing one")


@ht.test
def calendar_multiget_and_free_busy():
    me.put(CAL + "fb.ics", dt.vevent("fb", "20240401T090000Z", "20240401T100000Z"))
    me.put(CAL + "fb2.ics", dt.vevent("fb2", "20240401T120000Z", "20240401T130000Z",
                                      "TRANSP:TRANSPARENT"))
    m = ('<C:calendar-multiget xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
         '<D:getetag/><C:calendar-data/></D:prop><D:href>%sfb.ics</D:href></C:calendar-multiget>'
         % CAL)
    got = dt.responses(dt.multistatus(me.report(CAL, m)))
    ht.check("UID:fb" in got[CAL + "fb.ics"][1][dt.tag("C", "calendar-data")].text, "data")
    fb = ('<C:free-busy-query xmlns:C="urn:ietf:params:xml:ns:caldav"><C:time-range '
          'start="20240401T000000Z" end="20240402T000000Z"/></C:free-busy-query>')
    r = me.report(CAL, fb)
    ht.check_equal(r.status, 200, "free-busy status")
    ht.check(b"FREEBUSY:20240401T090000Z/20240401T100000Z" in r.body, r.body)
    ht.check(b"T120000Z" not in r.body.split(b"DTEND")[1], "transparent event is free")


@ht.test
def calendar_query_with_prop_and_param_filters():
    me.put(CAL + "pf1.ics", dt.vevent("pf1", "20240601T100000Z", "20240601T110000Z",
                                      "LOCATION;LANGUAGE=de:Raum 1", summary="Budget review"))
    me.put(CAL + "pf2.ics", dt.vevent("pf2", "20240601T120000Z", "20240601T130000Z",
                                      summary="Lunch"))
    q = ('<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop>'
         '<D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter '
         'name="VEVENT"><C:time-range start="20240601T000000Z" end="20240602T000000Z"/>'
         '<C:prop-filter name="SUMMARY"><C:text-match>BUDGET</C:text-match></C:prop-filter>'
         '<C:prop-filter name="LOCATION"><C:param-filter name="LANGUAGE"><C:text-match>de'
         '</C:text-match></C:param-filter></C:prop-filter></C:comp-filter></C:comp-filter>'
         '</C:filter></C:calendar-query>')
    ht.check_equal(list(dt.responses(dt.multistatus(me.report(CAL, q)))), [CAL + "pf1.ics"],
                   "prop and param filters")
    q2 = q.replace("<C:text-match>BUDGET</C:text-match>",
                   '<C:text-match negate-condition="yes">BUDGET</C:text-match>')
    ht.check_equal(list(dt.responses(dt.multistatus(me.report(CAL, q2)))), [],
                   "negated: pf1 fails, pf2 has no LOCATION")
    q3 = q.split("<C:prop-filter")[0] + ('<C:prop-filter name="LOCATION"><C:is-not-defined/>'
                                         '</C:prop-filter></C:comp-filter></C:comp-filter>'
                                         '</C:filter></C:calendar-query>')
    ht.check_equal(list(dt.responses(dt.multistatus(me.report(CAL, q3)))), [CAL + "pf2.ics"],
                   "is-not-defined")


@ht.test
def copy_and_move_objects():
    me.put(CAL + "orig.ics", dt.vevent("orig", "20240501T100000Z"))
    me.req("MKCALENDAR", HOME + "other/")
    dest = "Destination: %s%sother/copy.ics" % (me.base, HOME)
    ht.check_equal(me.req("COPY", CAL + "orig.ics", headers=[dest]).status, 201, "COPY")
    ht.check_equal(me.req("COPY", CAL + "orig.ics", headers=[dest, "Overwrite: F"]).status, 412,
                   "Overwrite: F")
    ht.check_equal(me.req("MOVE", CAL + "orig.ics",
                          headers=["Destination: %smoved.ics" % CAL]).status, 201, "MOVE")
    ht.check_equal(me.req("GET", CAL + "orig.ics").status, 404, "source gone")
    ht.check_equal(me.req("GET", CAL + "moved.ics").status, 200, "moved there")
    ht.check_equal(me.req("COPY", CAL + "moved.ics",
                          headers=["Destination: /dav/cal/bob@example.test/calendar/x.ics"])
                   .status, 403, "into another account")


@ht.test
def plain_collection_files_are_downloads():
    ht.check_equal(me.req("MKCOL", HOME + "files/").status, 201, "MKCOL")
    ht.check_equal(me.req("MKCOL", HOME + "files/sub/").status, 201, "nested MKCOL")
    page = b"<html><script>alert(1)</script></html>"
    ht.check_equal(me.put(HOME + "files/sub/x.html", page, ctype="text/html").status, 201, "PUT")
    r = me.req("GET", HOME + "files/sub/x.html")
    ht.check_equal(r.body, page, "bytes")
    ht.check_equal(r.header("content-disposition"), "attachment", "download")
    ht.check_equal(r.header("x-content-type-options"), "nosniff", "no sniffing")
    ht.check("default-src 'none'" in (r.header("content-security-policy") or ""), "CSP")
    ht.check_equal(me.put(HOME + "files/none/x.txt", "x", ctype="text/plain").status, 409,
                   "no parent")


@ht.test
def basic_over_plain_http_is_refused_and_no_login_is_401():
    r = wt.curl("http://127.0.0.1:%d%s" % (srv.port("web"), CAL), "-u", "%s:%s" % dt.DEMO,
                "-X", "PROPFIND")
    ht.check_equal(r.status, 403, "plain HTTP")
    r = wt.curl(me.base + CAL, "-X", "PROPFIND")
    ht.check_equal(r.status, 401, "no login")
    ht.check(r.header("www-authenticate").startswith("Basic"), "challenge")
    r = wt.curl(me.base + CAL, "-X", "PROPFIND", "-u", "demo@example.test:wrong")
    ht.check_equal(r.status, 401, "wrong password")


@ht.test
def bad_xml_is_a_400_and_a_dtd_is_refused():
    r = me.req("PROPFIND", CAL, "<D:propfind xmlns:D='DAV:'><D:prop>")
    ht.check_equal(r.status, 400, "truncated")
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
            '<D:propfind xmlns:D="DAV:"><D:prop>&b;</D:prop></D:propfind>')
    ht.check_equal(me.req("PROPFIND", CAL, bomb).status, 400, "DTD")


@ht.test
def locks_are_lost_on_restart_as_rfc_4918_allows():
    """Locks live in memory (RFC 4918 6.6: a client must not assume a
    lock still exists): after a restart the old token no longer holds
    (412) and the resource is writable without it."""
    path = HOME + "files/locked.txt"
    ht.check_equal(me.put(path, "v1", ctype="text/plain").status, 201, "PUT")
    r = me.req("LOCK", path, '<D:lockinfo xmlns:D="DAV:"><D:lockscope><D:exclusive/>'
               '</D:lockscope><D:locktype><D:write/></D:locktype></D:lockinfo>',
               ["Content-Type: application/xml", "Timeout: Second-600"])
    ht.check_equal(r.status, 200, "LOCK")
    token = r.header("lock-token")
    ht.check(token and "opaquelocktoken:" in token, "token %r" % token)
    ht.check_equal(me.put(path, "v2", ctype="text/plain").status, 423, "locked")
    srv.stop()
    srv.start()
    ht.check_equal(me.put(path, "v3", "If: (%s)" % token, ctype="text/plain").status, 412,
                   "the old token after a restart")
    ht.check_equal(me.put(path, "v4", ctype="text/plain").status, 204, "unlocked now")
    ht.check_equal(me.req("GET", path).body, b"v4", "written")


@ht.test
def daemon_survived():
    ht.check(srv.is_running(), "hermodd still running")


if __name__ == "__main__":
    ht.main()
