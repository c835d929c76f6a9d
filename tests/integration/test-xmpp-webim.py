#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-xmpp-webim.py - XMPP clients (slixmpp) and the webmail's IM API
# (modules/webim, /im/api/) meeting in the IM hub, against the real
# hermodd: an XMPP login shows as online in the webmail's contacts and
# event stream; an IM sent from the webmail reaches the XMPP client; the
# XMPP client's reply is pushed live to the webmail tab and is in its
# conversation history; typing passes both ways (webmail "typing",
# XEP-0085 chat states); the webmail's presence (away) reaches the XMPP
# client; logging out of XMPP shows as offline in the webmail; a webmail
# login stores the SCRAM keys of an account that had none.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import webimtest as wi  # noqa: E402

try:
    import xmpptest as xt  # noqa: E402
except ImportError:  # python3-slixmpp missing
    xt = None

ALICE, BOB = "alice@example.test", "bob@example.test"
PW = {ALICE: "alice-pw-1", BOB: "bob-pw-1"}
srv = wi.webim_daemon("xmpp-webim", PW, "smtp;webim;xmpp")
srv.ports["xmpp"] = ht.free_port()
srv.sections["listener xmpp"] = {"protocol": "xmpp", "address": "127.0.0.1",
                                 "port": str(srv.ports["xmpp"]), "tls": "starttls"}
web = wi.Web(srv)
request = web.request
web_login = web.login
state = {}


def Stream(user):
    return web.stream(user, pump=xt.pump)


@ht.setup
def start():
    if xt is None:
        raise ht.Skip("python3-slixmpp is not installed")
    wi.need_probe()
    srv.start()
    web_login(BOB)
    state["tab"] = Stream(BOB)


@ht.test
def xmpp_login_is_online_in_the_webmail():
    state["alice"] = xt.run(xt.Client(srv.port("xmpp"), ALICE + "/phone", PW[ALICE],
                                      mech="SCRAM-SHA-256").login())
    state["tab"].next("presence", lambda d: d["account"] == ALICE and d["presence"] == "online"
                      and d["client"] == "xmpp")
    by = {c["address"]: c for c in request("GET", "/im/api/contacts", BOB)[1]}
    ht.check_equal(by[ALICE]["presence"], "online", "alice in bob's contacts")


@ht.test
def webmail_im_reaches_xmpp():
    status, body = request("POST", "/im/api/send", BOB, {"to": ALICE, "text": "from the webmail"})
    ht.check_equal(status, 200, "send: %r" % body)
    m = xt.run(state["alice"].next("message", match=lambda m: m["body"] == "from the webmail"))
    ht.check_equal(m["from"].bare, BOB, "sender")


@ht.test
def xmpp_reply_reaches_the_webmail_live_and_in_history():
    state["alice"].send(BOB, "reply from xmpp")
    _, d = state["tab"].next("im", lambda d: d["text"] == "reply from xmpp")
    ht.check_equal((d["sender"], d["source"], d["outgoing"]), (ALICE, "xmpp", False), "pushed")
    status, hist = request("GET", "/im/api/history?with=%s" % ALICE, BOB)
    ht.check_equal([m["text"] for m in hist][-2:], ["from the webmail", "reply from xmpp"],
                   "bob's conversation with alice")


@ht.test
def typing_both_ways():
    alice = state["alice"]
    request("POST", "/im/api/typing", BOB, {"resource": state["tab"].resource, "to": ALICE,
                                             "state": "composing"})
    got = xt.run(alice.next("chatstate_composing"))
    ht.check_equal(got["from"].bare, BOB, "composing from the webmail")
    m = alice.x.make_message(mto=BOB, mtype="chat")
    m["chat_state"] = "composing"
    m.send()
    _, d = state["tab"].next("transient", lambda d: d["from"] == ALICE)
    ht.check_equal((d["kind"], d["payload"]), ("chatstate", "composing"), "XMPP chat state")


@ht.test
def webmail_presence_reaches_xmpp():
    alice = state["alice"]
    status, _ = request("POST", "/im/api/presence", BOB,
                        {"resource": state["tab"].resource, "presence": "away"})
    ht.check_equal(status, 200, "POST presence")
    p = xt.run(alice.next("presence", match=lambda s: s["from"].bare == BOB and s["show"] == "away"))
    ht.check_equal(str(p["from"]), BOB + "/" + state["tab"].resource, "the tab's resource")


@ht.test
def xmpp_logout_is_offline_in_the_webmail():
    xt.run(state["alice"].close())
    state["tab"].next("presence", lambda d: d["account"] == ALICE and d["presence"] == "offline")
    state["tab"].close()


@ht.test
def webmail_login_gives_a_pre_scram_account_its_keys():
    # An account whose password was set before SCRAM keys existed.
    db = os.path.join(srv.data_dir, "hermod.db")
    ht.run(["sqlite3", db, "DELETE FROM account_settings WHERE key LIKE 'scram-%%' AND "
            "account_id = (SELECT id FROM accounts WHERE address = '%s')" % ALICE])
    c = xt.Client(srv.port("xmpp"), ALICE + "/before", PW[ALICE], mech="SCRAM-SHA-256")
    try:
        xt.run(c.login())
        raise AssertionError("SCRAM without keys logged in")
    except xt.LoginFailed:
        pass
    xt.run(c.close())
    web_login(ALICE)  # the password, once, over the webmail's login
    for mech in ("SCRAM-SHA-256", "SCRAM-SHA-1"):
        c = xt.run(xt.Client(srv.port("xmpp"), ALICE + "/after", PW[ALICE], mech=mech).login())
        xt.run(c.close())


if __name__ == "__main__":
    ht.main()
