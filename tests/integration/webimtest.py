# SPDX-License-Identifier: GPL-2.0-or-later
#
# webimtest.py - what the tests of the webmail's IM API (/im/api/,
# modules/webim) share: a daemon with the webprobe test module for web
# sessions, JSON requests with the session cookie and CSRF token, logins,
# and a tab's event stream read on a thread.  Standard library only; on
# top of webtest.py.  test-webim.py and test-xmpp-webim.py use it.
import base64
import http.client
import json
import os
import queue
import re
import socket
import threading
import time

import hermodtest as ht
import webtest as wt

PROBE_DIR = os.path.join(ht.BUILDDIR, "tests", "modules", ".libs")


def webim_daemon(name, users, modules):
    """HTTP and HTTPS, the given modules plus webprobe (its /t/login
    makes web sessions), users {address: password}."""
    d = wt.web_daemon(name, "both")
    d.users = dict(users)
    d.sections["core"]["modules"] = modules + ";webprobe"
    d.sections["core"]["module_dir"] = ";".join(p for p in (ht.MODULE_DIR, PROBE_DIR) if p)
    d.sections["webprobe"] = {"file": os.path.join(d.data_dir, "www", "index.html")}
    return d


def need_probe():
    ht.check(os.path.exists(os.path.join(PROBE_DIR, "webprobe.so")), "webprobe.so not built")


class Web:
    """Web sessions of d's users and JSON requests with them."""

    def __init__(self, d):
        self.d = d
        self.sessions = {}  # user -> (cookie token, CSRF token)

    def https(self):
        return http.client.HTTPSConnection("127.0.0.1", self.d.port("webs"), timeout=ht.TIMEOUT,
                                           context=ht.client_tls_context())

    def request(self, method, path, user=None, body=None, csrf=True, raw=None):
        """(status, parsed JSON); every answer must be JSON."""
        headers = {}
        if user is not None:
            token, token_csrf = self.sessions[user]
            headers["Cookie"] = "__Host-hermod_session=" + token
            if csrf and method == "POST":
                headers["X-CSRF-Token"] = token_csrf
        if body is not None or raw is not None:
            headers["Content-Type"] = "application/json"
        c = self.https()
        c.request(method, path, body=raw if raw is not None else
                  (json.dumps(body).encode() if body is not None else None), headers=headers)
        r = c.getresponse()
        data = r.read()
        c.close()
        ht.check_equal(r.getheader("content-type"), "application/json",
                       "%s %s type" % (method, path))
        return r.status, json.loads(data)

    def login(self, user):
        """A web session for user (the webprobe module's login)."""
        auth = "Basic " + base64.b64encode(
            ("%s:%s" % (user, self.d.users[user])).encode()).decode()
        c = self.https()
        c.request("POST", "/t/login", headers={"Authorization": auth})
        r = c.getresponse()
        data = r.read().decode()
        c.close()
        m = re.match(r"__Host-hermod_session=([0-9a-f]{64});", r.getheader("set-cookie") or "")
        ht.check(r.status == 200 and m, "login %s: %s %r" % (user, r.status, data))
        self.sessions[user] = (m.group(1), data.split()[2])

    def stream(self, user, pump=None):
        return Stream(self, user, pump)


class Stream:
    """A tab's EventSource: events read on a thread into a queue.  pump,
    when given, runs while next() waits (the XMPP clients' loop)."""

    def __init__(self, web, user, pump=None):
        self.pump = pump
        self.conn = web.https()
        self.conn.request("GET", "/im/api/events",
                          headers={"Cookie": "__Host-hermod_session=" + web.sessions[user][0],
                                   "Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        ht.check_equal(self.resp.status, 200, "events status")
        self.events = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        kind, data = self.next("hello")
        self.resource = data["resource"]

    def _read(self):
        kind, data = None, []
        try:
            for line in self.resp.fp:
                line = line.decode().rstrip("\r\n")
                if line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and data:
                    self.events.put((kind, json.loads("\n".join(data))))
                    kind, data = None, []
        except (OSError, ValueError):
            pass

    def next(self, kind, match=lambda d: True, timeout=ht.TIMEOUT):
        """(kind, data) of the next event of kind for which match holds."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %s event in %ss" % (kind, timeout))
            try:
                if self.pump is not None:
                    self.pump(0.05)
                    k, d = self.events.get_nowait()
                else:
                    k, d = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if k == kind and match(d):
                return k, d

    def close(self):
        """Shut down (which wakes the reading thread), wait for that thread,
        then close: closed under a reader still in recv, the descriptor's
        number would go to the next socket opened here, and the old
        thread's reads would take that connection's TLS records."""
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.reader.join(ht.TIMEOUT)
        ht.check(not self.reader.is_alive(), "the event stream's reader stopped")
        self.conn.close()
