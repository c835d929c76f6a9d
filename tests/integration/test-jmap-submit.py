# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-jmap-submit.py - JMAP sending and the rest of RFC 8621: Identity
# (the account and its alias, not another's), EmailSubmission through
# the core's submission path (local delivery seen over IMAP byte for
# byte without Bcc, the sender ownership rule, onSuccessUpdateEmail
# moving the draft to Sent, undoStatus with [jmap] send_delay and a
# cancel), VacationResponse (one reply per sender, none to lists or the
# null sender), Email/import, Email/parse, Email/copy and SearchSnippet.
import json
import os
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import jmaptest as jt  # noqa: E402

srv = jt.jmap_daemon("jmap-submit", send_delay="2s", max_upload_size="64K")
srv.users["hidden@example.test"] = "hidden-secret-3"
c = jt.Client(srv)
other = jt.Client(srv, jt.OTHER, jt.OTHER_PASSWORD)


@ht.test
def daemon_starts_with_an_alias():
    srv.start()
    srv.ctl("alias", "add", "sales@example.test", jt.USER)


def draft(subject, to, frm=jt.USER, bcc=None):
    drafts = c.mailboxes()["drafts"]["id"]
    e = {"mailboxIds": {drafts: True}, "keywords": {"$draft": True},
         "from": [{"email": frm}], "to": [{"email": a} for a in to], "subject": subject,
         "textBody": [{"partId": "1", "type": "text/plain"}],
         "bodyValues": {"1": {"value": "Body of " + subject}}}
    if bcc:
        e["bcc"] = [{"email": a} for a in bcc]
    s = c.call("Email/set", {"create": {"d": e}})
    ht.check("d" in s["created"], "draft: %r" % s)
    return s["created"]["d"]["id"]


@ht.test
def identities_are_the_account_and_its_aliases():
    ids = c.call("Identity/get")["list"]
    ht.check_equal(sorted(i["email"] for i in ids), sorted([jt.USER, "sales@example.test"]),
                   "identities")
    ht.check_equal(ids[0]["email"], jt.USER, "the account first")
    theirs = other.call("Identity/get")["list"]
    ht.check_equal([i["email"] for i in theirs], [jt.OTHER], "the other account's")


def identity(email):
    return [i["id"] for i in c.call("Identity/get")["list"] if i["email"] == email][0]


@ht.test
def submission_delivers_locally_without_bcc_and_moves_to_sent():
    eid = draft("Submitted one", [jt.OTHER], bcc=["hidden@example.test"])
    boxes = c.mailboxes()
    r = c.request([["EmailSubmission/set", {
        "create": {"s": {"identityId": identity(jt.USER), "emailId": eid}},
        "onSuccessUpdateEmail": {"#s": {"mailboxIds/" + boxes["sent"]["id"]: True,
                                        "mailboxIds/" + boxes["drafts"]["id"]: None,
                                        "keywords/$draft": None}}}, "0"]])
    ht.check_equal([x[0] for x in r], ["EmailSubmission/set", "Email/set"], "implicit Email/set")
    sub = r[0][1]["created"]["s"]
    ht.check_equal(sub["undoStatus"], "pending", "pending while send_delay runs")
    ht.check(eid in r[1][1]["updated"], "moved: %r" % r[1][1])
    e = c.call("Email/get", {"ids": [eid], "properties": ["mailboxIds", "keywords"]})["list"][0]
    ht.check_equal((e["mailboxIds"], e["keywords"]), ({boxes["sent"]["id"]: True}, {}),
                   "in Sent without $draft")
    raw = srv.wait_message(jt.OTHER, b"Submitted one")
    ht.check(b"Body of Submitted one" in raw, "delivered")
    ht.check(b"hidden@" not in raw, "Bcc removed")
    hidden = srv.wait_message("hidden@example.test", b"Submitted one")
    ht.check(b"hidden@" not in hidden, "Bcc removed for the Bcc recipient too")
    got = c.call("EmailSubmission/get", {"ids": [sub["id"]]})["list"][0]
    ht.check_equal(got["undoStatus"], "final", "final once sent")
    ht.check_equal(got["envelope"]["mailFrom"]["email"], jt.USER, "mailFrom")
    rcpts = sorted(a["email"] for a in got["envelope"]["rcptTo"])
    ht.check_equal(rcpts, sorted([jt.OTHER, "hidden@example.test"]), "rcptTo with Bcc")
    s = c.call("EmailSubmission/set", {"update": {sub["id"]: {"undoStatus": "canceled"}}})
    ht.check_equal(s["notUpdated"][sub["id"]]["type"], "cannotUnsend", "too late to cancel")


@ht.test
def undo_send_cancels_a_pending_submission():
    eid = draft("Never sent", [jt.OTHER])
    s = c.call("EmailSubmission/set", {"create": {"s": {"identityId": identity(jt.USER),
                                                        "emailId": eid}}})
    sid = s["created"]["s"]["id"]
    s = c.call("EmailSubmission/set", {"update": {sid: {"undoStatus": "canceled"}}})
    ht.check(sid in s["updated"], "canceled: %r" % s)
    time.sleep(3)
    with jt.imap(srv, jt.OTHER, jt.OTHER_PASSWORD) as m:
        m.select("INBOX")
        typ, data = m.search(None, "SUBJECT", '"Never sent"')
        ht.check_equal(data[0], b"", "nothing delivered")
    got = c.call("EmailSubmission/get", {"ids": [sid]})["list"][0]
    ht.check_equal(got["undoStatus"], "canceled", "stays canceled")
    q = c.call("EmailSubmission/query", {"filter": {"undoStatus": "canceled"}})
    ht.check_equal(q["ids"], [sid], "query by undoStatus")


@ht.test
def alias_may_send_but_not_a_foreign_address():
    eid = draft("From the alias", [jt.OTHER], frm="sales@example.test")
    s = c.call("EmailSubmission/set", {"create": {"s": {
        "identityId": identity("sales@example.test"), "emailId": eid}}})
    ht.check("s" in s["created"], "alias: %r" % s)
    srv.wait_message(jt.OTHER, b"From the alias")
    eid = draft("Forged", [jt.OTHER], frm=jt.OTHER)
    s = c.call("EmailSubmission/set", {"create": {"s": {"identityId": identity(jt.USER),
                                                        "emailId": eid}}})
    ht.check_equal(s["notCreated"]["s"]["type"], "forbiddenFrom", "From another account")
    eid = draft("Forged envelope", [jt.OTHER])
    s = c.call("EmailSubmission/set", {"create": {"s": {
        "identityId": identity(jt.USER), "emailId": eid,
        "envelope": {"mailFrom": {"email": jt.OTHER}, "rcptTo": [{"email": jt.OTHER}]}}}})
    ht.check_equal(s["notCreated"]["s"]["type"], "forbiddenMailFrom", "envelope of another")
    s = other.call("EmailSubmission/set", {"create": {"s": {"identityId": "I1", "emailId": eid}}})
    ht.check_equal(s["notCreated"]["s"]["type"], "invalidProperties", "another's email id")


def send(frm, to, subject, extra="", mail_from=None):
    msg = "From: %s\r\nTo: %s\r\nSubject: %s\r\n%s\r\nhi\r\n" % (frm, to, subject, extra)
    with smtplib.SMTP("127.0.0.1", srv.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail(frm if mail_from is None else mail_from, [to], msg.encode())


def replies_to(account, password, needle):
    with jt.imap(srv, account, password) as m:
        m.select("INBOX")
        typ, data = m.search(None, "SUBJECT", '"%s"' % needle)
        return len(data[0].split())


@ht.test
def vacation_replies_once_per_sender_never_to_lists():
    v = c.call("VacationResponse/get")["list"][0]
    ht.check_equal((v["id"], v["isEnabled"]), ("singleton", False), "off at first")
    s = c.call("VacationResponse/set", {"update": {"singleton": {
        "isEnabled": True, "subject": "Away this week", "textBody": "Back on Monday."}}})
    ht.check("singleton" in s["updated"], "set: %r" % s)
    send(jt.OTHER, jt.USER, "First question")
    send(jt.OTHER, jt.USER, "Second question")
    send(jt.OTHER, jt.USER, "List post", "List-Id: <x.lists.example.test>\r\n")
    send("nobody@example.test", jt.USER, "Bounce", mail_from="")
    srv.wait_message(jt.USER, b"Bounce")
    ht.wait_until(lambda: replies_to(jt.OTHER, jt.OTHER_PASSWORD, "Away this week") >= 1,
                  what="the vacation reply")
    time.sleep(1)
    ht.check_equal(replies_to(jt.OTHER, jt.OTHER_PASSWORD, "Away this week"), 1,
                   "one reply for two messages and a list post")
    with jt.imap(srv, jt.OTHER, jt.OTHER_PASSWORD) as m:
        m.select("INBOX")
        typ, data = m.search(None, "SUBJECT", '"Away this week"')
        typ, data = m.fetch(data[0].split()[0], "(BODY.PEEK[])")
        raw = data[0][1]
        ht.check(b"Auto-Submitted: auto-replied" in raw and b"Back on Monday." in raw, raw)
    c.call("VacationResponse/set", {"update": {"singleton": {"isEnabled": False}}})
    ch = c.call("VacationResponse/get")
    ht.check_equal(ch["list"][0]["isEnabled"], False, "off again")


@ht.test
def import_parse_and_copy():
    raw = (b"From: Importer <imp@remote.test>\r\nTo: demo@example.test\r\n"
           b"Subject: Imported mail\r\nMessage-ID: <imp-1@remote.test>\r\n\r\nImported body\r\n")
    status, _, body = c.http("POST", "/jmap/upload/" + c.account, raw,
                             {"Content-Type": "message/rfc822"})
    blob = json.loads(body)["blobId"]
    p = c.call("Email/parse", {"blobIds": [blob, "Unope"], "fetchTextBodyValues": True})
    parsed = p["parsed"][blob]
    ht.check_equal((parsed["subject"], p["notFound"]), ("Imported mail", ["Unope"]), "parse")
    archive = c.mailboxes()["archive"]["id"]
    s = c.call("Email/import", {"emails": {"i": {"blobId": blob, "mailboxIds": {archive: True},
                                                 "keywords": {"$seen": True},
                                                 "receivedAt": "2020-01-02T03:04:05Z"}}})
    made = s["created"]["i"]
    e = c.call("Email/get", {"ids": [made["id"]], "properties": ["receivedAt", "keywords",
                                                                 "subject"]})["list"][0]
    ht.check_equal((e["receivedAt"], e["keywords"], e["subject"]),
                   ("2020-01-02T03:04:05Z", {"$seen": True}, "Imported mail"), "imported")
    status, _, data = c.http("GET", "/jmap/download/%s/%s/m.eml" % (c.account, made["blobId"]))
    ht.check_equal(data, raw, "the stored bytes are the blob's")
    inbox = c.inbox()
    # Email/copy is between two accounts (RFC 8620 5.4: accountId "MUST
    # be different to the fromAccountId"); no account is shared here.
    other.connect()
    r = c.request([
        ["Email/copy", {"fromAccountId": c.account,
                        "create": {"k": {"id": made["id"], "mailboxIds": {inbox: True}}}}, "a"],
        ["Email/copy", {"fromAccountId": other.account,
                        "create": {"k": {"id": made["id"], "mailboxIds": {inbox: True}}}}, "b"],
        ["Email/copy", {"create": {}}, "c"],
        ["Email/copy", {"fromAccountId": c.account, "accountId": other.account,
                        "create": {}}, "d"]])
    ht.check_equal([(x[0], x[1]["type"]) for x in r],
                   [("error", "invalidArguments"), ("error", "fromAccountNotFound"),
                    ("error", "invalidArguments"), ("error", "accountNotFound")],
                   "Email/copy errors")
    q = c.call("Email/query", {"filter": {"inMailbox": inbox}})
    ht.check(made["id"] not in q["ids"], "nothing copied into INBOX")
    r = other.request([["Email/copy", {"fromAccountId": c.account,
                                       "create": {"k": {"id": made["id"],
                                                        "mailboxIds": {"M1": True}}}}, "a"]])
    ht.check_equal(r[0][1]["type"], "fromAccountNotFound", "another account cannot copy ours")
    status, _, _ = c.http("POST", "/jmap/upload/" + c.account, b"z" * (100 * 1024))
    ht.check_equal(status, 413, "an upload above max_upload_size")
    s = c.call("Email/import", {"emails": {"x": {"blobId": "Unope", "mailboxIds": {inbox: True}}}})
    ht.check_equal(s["notCreated"]["x"]["type"], "blobNotFound", "import of a missing blob")


@ht.test
def search_snippets_mark_the_words():
    jt.smtp_send(srv, "s@remote.test", jt.USER, "Quarterly <report> numbers",
                 "The quarterly numbers are in & they look good.\r\n")
    srv.wait_message(jt.USER, b"Quarterly")
    q = c.call("Email/query", {"filter": {"text": "quarterly"}})
    ht.check_equal(len(q["ids"]), 1, "one hit")
    s = c.call("SearchSnippet/get", {"filter": {"text": "quarterly"}, "emailIds": q["ids"]})
    snip = s["list"][0]
    ht.check_equal(snip["subject"], "<mark>Quarterly</mark> &lt;report&gt; numbers", "subject")
    ht.check("The <mark>quarterly</mark> numbers are in &amp; they" in snip["preview"],
             snip["preview"])


ht.main()
