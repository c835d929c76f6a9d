# SPDX-License-Identifier: GPL-2.0-or-later
#
# jmaptest.py - what the JMAP tests share: a daemon with SMTP, IMAP and
# the jmap module on HTTPS, and a small JMAP client over Python's
# http.client (HTTP Basic), with helpers for method calls and the
# account's ids.  Standard library only; on top of hermodtest.py.
import base64
import http.client
import json
import os
import smtplib
import ssl

import hermodtest as ht
import webtest as wt

USER, PASSWORD = "demo@example.test", "demo-secret-1"
OTHER, OTHER_PASSWORD = "other@example.test", "other-secret-2"
USING = ["urn:ietf:params:jmap:core", "urn:ietf:params:jmap:mail",
         "urn:ietf:params:jmap:submission", "urn:ietf:params:jmap:vacationresponse"]


def jmap_daemon(name, modules="smtp;imap;jmap", **jmap):
    d = wt.web_daemon(name, "https")
    d.users[OTHER] = OTHER_PASSWORD
    d.sections["core"]["modules"] = modules
    d.ports["imap"] = ht.free_port()
    d.sections["listener imap"] = {"protocol": "imap", "address": "127.0.0.1",
                                   "port": str(d.ports["imap"]), "tls": "starttls"}
    if jmap:
        d.sections["jmap"] = jmap
    return d


def basic(user=USER, password=PASSWORD):
    return "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()


class Client:
    """A JMAP client for one account of daemon d."""

    def __init__(self, d, user=USER, password=PASSWORD):
        self.d = d
        self.auth = basic(user, password)
        self.session = None
        self.account = None

    def conn(self):
        return http.client.HTTPSConnection("127.0.0.1", self.d.port("webs"), timeout=ht.TIMEOUT,
                                           context=ht.client_tls_context())

    def http(self, method, path, body=None, headers=None):
        h = {"Authorization": self.auth}
        h.update(headers or {})
        c = self.conn()
        try:
            c.request(method, path, body=body, headers=h)
            r = c.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            c.close()

    def connect(self):
        status, _, body = self.http("GET", "/jmap/session")
        ht.check_equal(status, 200, "GET /jmap/session")
        self.session = json.loads(body)
        self.account = self.session["primaryAccounts"]["urn:ietf:params:jmap:mail"]
        return self.session

    def post(self, request):
        data = request if isinstance(request, bytes) else json.dumps(request).encode()
        status, headers, body = self.http("POST", "/jmap/api", data,
                                          {"Content-Type": "application/json"})
        return status, headers, body

    def request(self, calls, using=USING):
        """methodResponses of a request; calls are [name, args, id]; args
        get accountId unless they have one."""
        if self.account is None:
            self.connect()
        for c in calls:
            c[1].setdefault("accountId", self.account)
        status, _, body = self.post({"using": using, "methodCalls": calls})
        ht.check_equal(status, 200, "API status (%r)" % body[:300])
        return json.loads(body)["methodResponses"]

    def call(self, name, args=None, want=None):
        """One call; its response arguments (checks the name)."""
        r = self.request([[name, dict(args or {}), "c0"]])
        ht.check_equal(r[0][0], want or name, "response to %s: %r" % (name, r))
        return r[0][1]

    def mailboxes(self):
        return {m["role"] or m["name"]: m for m in self.call("Mailbox/get")["list"]}

    def inbox(self):
        return self.mailboxes()["inbox"]["id"]

    def state(self, type_):
        return self.call(type_ + "/get", {"ids": []})["state"]


def smtp_send(d, frm, to, subject, body="hello\r\n", extra=""):
    msg = ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@example.test>\r\n%s\r\n%s"
           % (frm, to, subject, ht.unique("m"), extra, body))
    with smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail(frm, [to], msg.encode())
    return msg


def imap(d, user=USER, password=PASSWORD):
    import imaplib
    m = imaplib.IMAP4("127.0.0.1", d.port("imap"), timeout=ht.TIMEOUT)
    m.starttls(ssl_context=ht.client_tls_context())
    m.login(user, password)
    return m
