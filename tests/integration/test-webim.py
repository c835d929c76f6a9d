#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-webim.py - the webmail's IM API (modules/webim, /im/api/) over the
# IM hub, against the real hermodd with Python's http.client: web
# sessions from the webprobe test module's login; a tab's event stream
# gets "hello" with its resource, then a SEM-dropped IM live, an IM sent
# by another user through POST send, presence changes (online, away,
# offline when the tab leaves) and typing; contacts with presence and
# unread counts; a conversation's history with paging; read marks;
# hermodctl im broadcast shown once; 401 without a session, 403 without
# the CSRF token, 400 for bad JSON, 422 for an unknown recipient, 404
# for an unknown route.
import base64
import http.client
import json
import os
import queue
import re
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webtest as wt  # noqa: E402

ALICE, BOB, CAROL = "alice@example.test", "bob@example.test", "carol@example.test"
PW = {ALICE: "alice-pw-1", BOB: "bob-pw-1", CAROL: "carol-pw-1"}
PROBE_DIR = os.path.join(ht.BUILDDIR, "tests", "modules", ".libs")

srv = wt.web_daemon("webim", "both")
srv.users = dict(PW)
srv.sections["core"]["modules"] = "smtp;imsem;webim;webprobe"
srv.sections["core"]["module_dir"] = ";".join(p for p in (ht.MODULE_DIR, PROBE_DIR) if p)
srv.sections["webprobe"] = {"file": os.path.join(srv.data_dir, "www", "index.html")}
srv.sections["imsem"] = {"scan_interval": "2s"}
DROP = os.path.join(srv.data_dir, "im", "drop")
sessions = {}


def https():
    return http.client.HTTPSConnection("127.0.0.1", srv.port("webs"), timeout=ht.TIMEOUT,
                                       context=ht.client_tls_context())


def request(method, path, user=None, body=None, csrf=True, raw=None):
    headers = {}
    if user is not None:
        token, token_csrf = sessions[user]
        headers["Cookie"] = "__Host-hermod_session=" + token
        if csrf and method == "POST":
            headers["X-CSRF-Token"] = token_csrf
    if body is not None or raw is not None:
        headers["Content-Type"] = "application/json"
    c = https()
    c.request(method, path, body=raw if raw is not None else
              (json.dumps(body).encode() if body is not None else None), headers=headers)
    r = c.getresponse()
    data = r.read()
    c.close()
    ht.check_equal(r.getheader("content-type"), "application/json", "%s %s type" % (method, path))
    return r.status, json.loads(data)


def login(user):
    auth = "Basic " + base64.b64encode(("%s:%s" % (user, PW[user])).encode()).decode()
    c = https()
    c.request("POST", "/t/login", headers={"Authorization": auth})
    r = c.getresponse()
    data = r.read().decode()
    c.close()
    m = re.match(r"__Host-hermod_session=([0-9a-f]{64});", r.getheader("set-cookie") or "")
    ht.check(r.status == 200 and m, "login %s: %s %r" % (user, r.status, data))
    sessions[user] = (m.group(1), data.split()[2])


class Stream:
    """A tab's EventSource: events read on a thread into a queue."""

    def __init__(self, user):
        self.conn = https()
        self.conn.request("GET", "/im/api/events",
                          headers={"Cookie": "__Host-hermod_session=" + sessions[user][0],
                                   "Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()
        ht.check_equal(self.resp.status, 200, "events status")
        self.events = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
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
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("no %s event in %ss" % (kind, timeout))
            try:
                k, d = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if k == kind and match(d):
                return k, d

    def close(self):
        try:
            self.conn.sock.shutdown(socket.SHUT_RDWR)  # wakes the reading thread
        except OSError:
            pass
        self.conn.close()


streams = {}


@ht.setup
def start():
    ht.check(os.path.exists(os.path.join(PROBE_DIR, "webprobe.so")), "webprobe.so not built")
    srv.start()
    for user in PW:
        login(user)


@ht.test
def refusals_are_json_errors():
    status, body = request("GET", "/im/api/contacts")
    ht.check_equal((status, body["type"]), (401, "unauthorized"), "no session")
    status, body = request("POST", "/im/api/send", ALICE, {"to": BOB, "text": "x"}, csrf=False)
    ht.check_equal(status, 403, "POST without the CSRF token")
    status, body = request("POST", "/im/api/send", ALICE, raw=b"{not json")
    ht.check_equal((status, body["type"]), (400, "notJSON"), "bad JSON")
    status, body = request("POST", "/im/api/send", ALICE, {"to": "ghost@example.test",
                                                           "text": "x"})
    ht.check_equal((status, body["type"]), (422, "invalidRecipient"), "unknown recipient")
    status, body = request("GET", "/im/api/nothing", ALICE)
    ht.check_equal(status, 404, "unknown route")
    status, body = request("GET", "/im/api/history?limit=5", ALICE)
    ht.check_equal(status, 400, "history without with")


@ht.test
def stream_gets_sem_im_live():
    streams[BOB] = Stream(BOB)
    with open(os.path.join(DROP, ".t"), "w") as f:
        f.write("%s\nbuild@ci.example.net\n\nbuild 42 passed\nall green\n" % BOB)
    os.rename(os.path.join(DROP, ".t"), os.path.join(DROP, "IM-1.SEM"))
    _, im = streams[BOB].next("im", lambda d: d["text"] == "build 42 passed\nall green")
    ht.check_equal((im["sender"], im["source"], im["outgoing"]),
                   ("build@ci.example.net", "sem", False), "the pushed IM")


@ht.test
def presence_in_contacts_and_events():
    streams[ALICE] = Stream(ALICE)
    streams[BOB].next("presence", lambda d: d["account"] == ALICE and d["presence"] == "online")
    status, contacts = request("GET", "/im/api/contacts", ALICE)
    ht.check_equal(status, 200, "contacts")
    by = {c["address"]: c for c in contacts}
    ht.check_equal(sorted(by), [BOB, CAROL], "alice's contacts")
    ht.check_equal((by[BOB]["presence"], by[CAROL]["presence"]), ("online", "offline"),
                   "presence")
    status, _ = request("POST", "/im/api/presence", BOB,
                        {"resource": streams[BOB].resource, "presence": "away"})
    ht.check_equal(status, 200, "POST presence")
    streams[ALICE].next("presence", lambda d: d["account"] == BOB and d["presence"] == "away")
    by = {c["address"]: c for c in request("GET", "/im/api/contacts", ALICE)[1]}
    ht.check_equal(by[BOB]["presence"], "away", "bob after away")
    status, _ = request("POST", "/im/api/presence", BOB, {"resource": "nope", "presence": "away"})
    ht.check_equal(status, 404, "presence of an unknown resource")


@ht.test
def send_reaches_the_other_tab_and_the_senders():
    status, body = request("POST", "/im/api/send", ALICE, {"to": BOB, "text": "lunch? 🍕"})
    ht.check_equal(status, 200, "send")
    ht.check(body["id"] > 0, "an id")
    streams[BOB].next("im", lambda d: d["text"] == "lunch? 🍕" and d["sender"] == ALICE)
    streams[ALICE].next("im", lambda d: d["text"] == "lunch? 🍕" and d["outgoing"])
    request("POST", "/im/api/typing", BOB, {"resource": streams[BOB].resource, "to": ALICE,
                                             "state": "composing"})
    streams[ALICE].next("transient", lambda d: d["from"] == BOB and d["payload"] == "composing")
    status, _ = request("POST", "/im/api/send", BOB, {"to": ALICE, "text": "yes!"})
    streams[ALICE].next("im", lambda d: d["text"] == "yes!")


@ht.test
def history_unread_and_read_marks():
    for i in range(5):
        request("POST", "/im/api/send", ALICE, {"to": BOB, "text": "n%d" % i})
    status, hist = request("GET", "/im/api/history?with=%s&limit=3" % ALICE, BOB)
    ht.check_equal([m["text"] for m in hist], ["n2", "n3", "n4"], "the last page")
    _, older = request("GET", "/im/api/history?with=%s&limit=3&before=%d"
                       % (ALICE, hist[0]["id"]), BOB)
    ht.check_equal([m["text"] for m in older], ["yes!", "n0", "n1"], "the page before")
    by = {c["address"]: c for c in request("GET", "/im/api/contacts", BOB)[1]}
    ht.check_equal(by[ALICE]["unread"], 6, "bob's unread from alice")
    status, body = request("POST", "/im/api/read", BOB, {"with": ALICE})
    ht.check_equal((status, body["read"]), (200, 6), "read")
    by = {c["address"]: c for c in request("GET", "/im/api/contacts", BOB)[1]}
    ht.check_equal(by[ALICE]["unread"], 0, "unread after read")
    _, mine = request("GET", "/im/api/history?with=%s" % BOB, ALICE)
    ht.check(all(m["outgoing"] for m in mine if m["text"].startswith("n")), "alice's copies")


@ht.test
def broadcast_is_shown_once():
    srv.ctl("im", "broadcast", "Maintenance tonight at 22:00")
    status, notes = request("GET", "/im/api/broadcasts", CAROL)
    ht.check_equal((status, notes), (200, ["Maintenance tonight at 22:00"]), "first view")
    ht.check_equal(request("GET", "/im/api/broadcasts", CAROL)[1], [], "second view")
    ht.check_equal(request("GET", "/im/api/broadcasts", BOB)[1],
                   ["Maintenance tonight at 22:00"], "another user")


@ht.test
def leaving_the_page_is_offline():
    # What the panel does on pagehide (navigator.sendBeacon); a tab that
    # just vanishes goes offline once the web core's heartbeat finds the
    # stream dead (within a minute).
    status, _ = request("POST", "/im/api/presence", BOB,
                        {"resource": streams[BOB].resource, "presence": "offline"})
    ht.check_equal(status, 200, "POST presence offline")
    streams[ALICE].next("presence", lambda d: d["account"] == BOB and d["presence"] == "offline")
    streams[BOB].close()
    by = {c["address"]: c for c in request("GET", "/im/api/contacts", ALICE)[1]}
    ht.check_equal(by[BOB]["presence"], "offline", "bob after closing")
    streams[ALICE].close()


ht.main()
