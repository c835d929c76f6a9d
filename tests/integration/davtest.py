# SPDX-License-Identifier: GPL-2.0-or-later
#
# davtest.py - what the DAV tests share: a daemon with the dav module on
# HTTPS and two accounts, curl requests with a login, and multistatus
# parsing.  Standard library only; on top of webtest.py.

import threading
import xml.etree.ElementTree as ET

import hermodtest as ht
import webtest as wt

DEMO = ("demo@example.test", "demo-secret-1")
BOB = ("bob@example.test", "bob-secret-2")
NS = {"D": "DAV:", "C": "urn:ietf:params:xml:ns:caldav",
      "CR": "urn:ietf:params:xml:ns:carddav", "CS": "http://calendarserver.org/ns/"}


def dav_daemon(name, modules="smtp;dav", **dav):
    d = wt.web_daemon(name, "https")
    d.users[BOB[0]] = BOB[1]
    d.sections["core"]["modules"] = modules
    if dav:
        d.sections["dav"] = dav
    return d


class Client:
    def __init__(self, d, who=DEMO):
        self.d = d
        self.who = who

    @property
    def base(self):
        # Read at each request: start() moves to new ports when one was
        # taken, so a base URL kept from before start() can be stale.
        return "https://127.0.0.1:%d" % self.d.port("webs")

    def req(self, method, path, body=None, headers=(), check=True):
        args = ["-u", "%s:%s" % self.who, "-X", method]
        for h in headers:
            args += ["-H", h]
        if body is not None:
            if isinstance(body, str):
                body = body.encode()
            args += ["--data-binary", "@-"]
            argv = [ht.need_tool("curl"), "-sS", "-k", "-i", "--max-time", "20"] + args + \
                [self.base + path]
            cp = ht.run(argv, input=body)
            return wt.parse_curl_i(cp.stdout)
        return wt.curl(self.base + path, *args, check=check)

    def propfind(self, path, props, depth="0"):
        body = '<D:propfind xmlns:D="DAV:" xmlns:C="%s" xmlns:CR="%s" xmlns:CS="%s"><D:prop>%s' \
               '</D:prop></D:propfind>' % (NS["C"], NS["CR"], NS["CS"], props)
        return self.req("PROPFIND", path, body, ["Depth: " + depth])

    def report(self, path, body, depth="1"):
        return self.req("REPORT", path, body, ["Depth: " + depth,
                                                "Content-Type: application/xml"])

    def put(self, path, data, *headers, ctype="text/calendar"):
        return self.req("PUT", path, data, ["Content-Type: " + ctype] + list(headers))


def multistatus(reply):
    ht.check_equal(reply.status, 207, "multistatus status (%r)" % reply.body[:300])
    return ET.fromstring(reply.body)


def responses(root):
    """href -> (status or None, {prop tag: element}) of a multistatus."""
    out = {}
    for r in root.findall("D:response", NS):
        href = r.findtext("D:href", namespaces=NS)
        props = {}
        for ps in r.findall("D:propstat", NS):
            if " 200 " in ps.findtext("D:status", namespaces=NS):
                for p in ps.find("D:prop", NS):
                    props[p.tag] = p
        out[href] = (r.findtext("D:status", namespaces=NS), props)
    return out


def tag(ns, name):
    return "{%s}%s" % (NS[ns], name)


def vevent(uid, start, end=None, extra="", summary="Event"):
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Hermod tests//EN", "BEGIN:VEVENT",
             "UID:" + uid, "DTSTAMP:20240101T000000Z", "DTSTART:" + start]
    if end:
        lines.append("DTEND:" + end)
    lines.append("SUMMARY:" + summary)
    if extra:
        lines += extra.split("\n")
    lines += ["END:VEVENT", "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


def calendar_query(start, end, comp="VEVENT", props="<D:getetag/>"):
    return ('<C:calendar-query xmlns:D="DAV:" xmlns:C="%s"><D:prop>%s</D:prop><C:filter>'
            '<C:comp-filter name="VCALENDAR"><C:comp-filter name="%s">'
            '<C:time-range start="%s" end="%s"/></C:comp-filter></C:comp-filter></C:filter>'
            '</C:calendar-query>' % (NS["C"], props, comp, start, end))


class MailSink:
    """An aiosmtpd handler that keeps what it receives: a remote MX in
    the route table (Controller(MailSink(), hostname="127.0.0.1", ...))."""

    def __init__(self):
        self.lock = threading.Lock()
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 2.0.0 queued"

    def find(self, *needles):
        """(recipients, message with folded lines joined) of the first
        message holding every needle, or None."""
        with self.lock:
            for rcpts, data in self.received:
                flat = data.replace(b"\r\n ", b"")
                if all(n in flat for n in needles):
                    return rcpts, flat
        return None


def remote_mx(srv, domain="remote.test"):
    """A MailSink on a free loopback port that srv routes domain's mail
    to: (sink, its aiosmtpd Controller, to start in the test's setup)."""
    from aiosmtpd.controller import Controller  # python3-aiosmtpd
    sink = MailSink()
    port = ht.free_port()
    srv.add_route(domain, port)
    return sink, Controller(sink, hostname="127.0.0.1", port=port)
