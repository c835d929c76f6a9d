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
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webimtest as wi  # noqa: E402

ALICE, BOB, CAROL = "alice@example.test", "bob@example.test", "carol@example.test"
PW = {ALICE: "alice-pw-1", BOB: "bob-pw-1", CAROL: "carol-pw-1"}

srv = wi.webim_daemon("webim", PW, "smtp;imsem;webim")
srv.sections["imsem"] = {"scan_interval": "2s"}
DROP = os.path.join(srv.data_dir, "im", "drop")
web = wi.Web(srv)
sessions = web.sessions
https = web.https
request = web.request
login = web.login
Stream = web.stream


streams = {}


@ht.setup
def start():
    wi.need_probe()
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
