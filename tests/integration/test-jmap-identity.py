# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-jmap-identity.py - what JMAP keeps in the account store (schema 9
# records): Identity/set (create for an owned address only, name,
# replyTo, bcc and signatures stored across a restart, the login's
# identity and an alias's updatable but not destroyable,
# Identity/changes, another account's ids) and EmailSubmission's undo
# delay surviving a crash: a submission pending when hermodd is killed
# with SIGKILL is sent after the restart when due, and one canceled
# before the crash stays canceled and unsent.
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import jmaptest as jt  # noqa: E402

# A delay long enough for a restart on a loaded machine to fit in it.
DELAY = 8
srv = jt.jmap_daemon("jmap-identity", send_delay="%ds" % DELAY)
c = jt.Client(srv)
other = jt.Client(srv, jt.OTHER, jt.OTHER_PASSWORD)


@ht.test
def daemon_starts_with_an_alias():
    srv.start()
    srv.ctl("alias", "add", "sales@example.test", jt.USER)


def ids_by_email():
    return {i["email"]: i for i in c.call("Identity/get")["list"]}


@ht.test
def identity_set_create_update_destroy():
    state = c.state("Identity")
    s = c.call("Identity/set", {"create": {
        "a": {"email": "sales@example.test", "name": "Sales desk",
              "replyTo": [{"name": "Desk", "email": "sales@example.test"}],
              "bcc": [{"name": None, "email": jt.USER}],
              "textSignature": "-- \nSales", "htmlSignature": "<p>Sales</p>"},
        "bad": {"email": jt.OTHER, "name": "Not mine"},
        "none": {"name": "No address"},
        "worse": {"email": "sales@example.test", "mayDelete": False, "color": "red"}},
        "update": {"I1": {"name": "Demo Person", "textSignature": "-- \nDemo"}}})
    ht.check("a" in s["created"], "created: %r" % s)
    ht.check_equal(s["notCreated"]["bad"]["type"], "forbiddenFrom", "another account's address")
    ht.check_equal(s["notCreated"]["none"]["type"], "invalidProperties", "no email")
    ht.check_equal(s["notCreated"]["worse"]["type"], "invalidProperties", "unknown property")
    ht.check("I1" in s["updated"], "I1 updated")
    new = s["created"]["a"]["id"]
    got = c.call("Identity/get", {"ids": [new, "I1"]})["list"]
    ht.check_equal(got[0]["name"], "Sales desk", "stored name")
    ht.check_equal(got[0]["replyTo"], [{"name": "Desk", "email": "sales@example.test"}],
                   "replyTo")
    ht.check_equal(got[0]["bcc"], [{"name": None, "email": jt.USER}], "bcc")
    ht.check_equal((got[0]["textSignature"], got[0]["htmlSignature"], got[0]["mayDelete"]),
                   ("-- \nSales", "<p>Sales</p>", True), "signatures")
    ht.check_equal((got[1]["name"], got[1]["textSignature"], got[1]["mayDelete"]),
                   ("Demo Person", "-- \nDemo", False), "the login's identity")
    ch = c.call("Identity/changes", {"sinceState": state})
    ht.check_equal((ch["created"], sorted(ch["updated"])), ([new], ["I1"]), "Identity/changes")
    s = c.call("Identity/set", {"update": {new: {"email": jt.OTHER},
                                           "I999": {"name": "x"},
                                           "I1": {"bcc": "nonsense"}},
                                "destroy": ["I1"]})
    ht.check_equal(s["notUpdated"][new]["type"], "invalidProperties", "email is immutable")
    ht.check_equal(s["notUpdated"]["I999"]["type"], "notFound", "no such identity")
    ht.check_equal(s["notUpdated"]["I1"]["type"], "invalidProperties", "bad bcc")
    ht.check_equal(s["notDestroyed"]["I1"]["type"], "forbidden", "the login's stays")
    alias = [i for i in c.call("Identity/get")["list"]
             if i["email"] == "sales@example.test" and i["id"] != new][0]
    ht.check_equal(alias["mayDelete"], False, "an alias's identity goes with the alias")
    state = c.state("Identity")
    s = c.call("Identity/set", {"destroy": [alias["id"], new]})
    ht.check_equal(s["destroyed"], [new], "destroyed: %r" % s)
    ht.check_equal(s["notDestroyed"][alias["id"]]["type"], "forbidden", "not the alias's")
    ht.check_equal(c.call("Identity/changes", {"sinceState": state})["destroyed"], [new],
                   "changes show it destroyed")
    ht.check_equal(sorted(ids_by_email()), sorted([jt.USER, "sales@example.test"]),
                   "the directory's are left")
    ht.check_equal(c.call("Identity/get", {"ids": [new]})["notFound"], [new], "gone")


@ht.test
def identities_survive_a_restart_and_stay_ours():
    s = c.call("Identity/set", {"create": {"b": {"email": "SALES@example.test",
                                                 "name": "Back again"}}})
    new = s["created"]["b"]["id"]
    srv.stop()
    srv.start()
    got = c.call("Identity/get", {"ids": [new, "I1"]})["list"]
    ht.check_equal([g["name"] for g in got], ["Back again", "Demo Person"], "after a restart")
    theirs = other.call("Identity/get", {"ids": [new]})
    ht.check_equal(theirs["notFound"], [new], "not the other account's")
    s = other.call("Identity/set", {"update": {new: {"name": "Mine now"}},
                                    "destroy": [new],
                                    "create": {"x": {"email": jt.USER}}})
    ht.check_equal((s["notUpdated"][new]["type"], s["notDestroyed"][new]["type"],
                    s["notCreated"]["x"]["type"]), ("notFound", "notFound", "forbiddenFrom"),
                   "another account cannot touch ours")
    ht.check_equal(c.call("Identity/get", {"ids": [new]})["list"][0]["name"], "Back again",
                   "unchanged")


def draft(subject):
    drafts = c.mailboxes()["drafts"]["id"]
    s = c.call("Email/set", {"create": {"d": {
        "mailboxIds": {drafts: True}, "keywords": {"$draft": True},
        "from": [{"email": jt.USER}], "to": [{"email": jt.OTHER}], "subject": subject,
        "textBody": [{"partId": "1", "type": "text/plain"}],
        "bodyValues": {"1": {"value": "Body of " + subject}}}}})
    return s["created"]["d"]["id"]


def submit(subject):
    s = c.call("EmailSubmission/set", {"create": {"s": {"identityId": "I1",
                                                        "emailId": draft(subject)}}})
    ht.check_equal(s["created"]["s"]["undoStatus"], "pending", "pending: %r" % s)
    return s["created"]["s"]["id"]


def delivered(subject):
    """How many copies of subject the recipient has."""
    with jt.imap(srv, jt.OTHER, jt.OTHER_PASSWORD) as m:
        m.select("INBOX")
        typ, data = m.search(None, "SUBJECT", '"%s"' % subject)
        return len(data[0].split())


@ht.test
def pending_submission_survives_sigkill():
    kept = submit("Sent after the crash")
    dropped = submit("Canceled before the crash")
    s = c.call("EmailSubmission/set", {"update": {dropped: {"undoStatus": "canceled"}}})
    ht.check(dropped in s["updated"], "canceled: %r" % s)
    srv.kill()
    srv.start()
    got = c.call("EmailSubmission/get", {"ids": [kept, dropped]})["list"]
    ht.check(got[0]["undoStatus"] in ("pending", "final"), "kept: %r" % got[0])
    ht.check_equal(got[1]["undoStatus"], "canceled", "canceled stays canceled")
    raw = srv.wait_message(jt.OTHER, b"Sent after the crash")
    ht.check(b"Body of Sent after the crash" in raw, "sent once due")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        got = c.call("EmailSubmission/get", {"ids": [kept]})["list"][0]
        if got["undoStatus"] == "final":
            break
        time.sleep(0.2)
    ht.check_equal(got["undoStatus"], "final", "final once sent")
    ht.check(got["deliveryStatus"][jt.OTHER]["smtpReply"].startswith("250"), "queued")
    ht.check_equal(delivered("Sent after the crash"), 1, "sent once")
    ht.check_equal(delivered("Canceled before the crash"), 0, "the canceled one never goes")


@ht.test
def pending_submission_can_be_canceled_after_a_restart():
    sid = submit("Canceled after the restart")
    srv.stop()
    srv.start()
    s = c.call("EmailSubmission/set", {"update": {sid: {"undoStatus": "canceled"}}})
    ht.check(sid in s["updated"], "canceled after the restart: %r" % s)
    s = other.call("EmailSubmission/set", {"update": {sid: {"undoStatus": "canceled"}},
                                           "destroy": [sid]})
    ht.check_equal((s["notUpdated"][sid]["type"], s["notDestroyed"][sid]["type"]),
                   ("notFound", "notFound"), "not the other account's")
    time.sleep(DELAY + 1)
    ht.check_equal(delivered("Canceled after the restart"), 0, "not sent")
    s = c.call("EmailSubmission/set", {"destroy": [sid]})
    ht.check_equal(s["destroyed"], [sid], "a canceled one can be destroyed")
    ht.check_equal(c.call("EmailSubmission/get", {"ids": [sid]})["notFound"], [sid], "gone")


ht.main()
