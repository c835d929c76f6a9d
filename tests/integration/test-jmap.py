# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-jmap.py - JMAP core and mail conformance against a running
# hermodd (RFC 8620, 8621), with Python's http.client: the session
# resource and its redirect, request-level problems (notJSON,
# notRequest, unknownCapability, limit), method errors, result
# references and creation ids, Core/echo, Mailbox get/changes/query/
# set, Email get (body structure, bodies, values, header forms) /query
# (filters, sorts, collapseThreads, anchors) /changes /queryChanges
# /set (keywords, mailboxIds, drafts, destroy), Thread get/changes,
# ifInState, blobs (upload, download with Content-Disposition and
# nosniff, Blob/copy), HTTP Basic failures counted by screening, and
# the web session with its CSRF header.
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import jmaptest as jt  # noqa: E402
import webtest as wt  # noqa: E402

PROBE_DIR = os.path.join(ht.BUILDDIR, "tests", "modules", ".libs")
srv = jt.jmap_daemon("jmap", modules="smtp;imap;jmap;webprobe")
srv.sections["core"]["module_dir"] = ";".join(p for p in (ht.MODULE_DIR, PROBE_DIR) if p)
srv.sections["webprobe"] = {"file": os.path.join(srv.data_dir, "www", "index.html")}
srv.sections["auth"] = {"max_failures": "5", "failure_window": "10m", "block_time": "10m"}
c = jt.Client(srv)

MULTIPART = (
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n"
    "--outer\r\nContent-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n"
    "--alt\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nPlain caf\u00e9 body text\r\n"
    "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<p>HTML <b>body</b></p>\r\n"
    "--alt--\r\n"
    "--outer\r\nContent-Type: application/pdf; name=\"report.pdf\"\r\n"
    "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
    "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJcfsj6IK\r\n"
    "--outer--\r\n")


@ht.test
def daemon_starts():
    srv.start()


@ht.test
def well_known_redirects_to_the_session():
    r = wt.curl("https://127.0.0.1:%d/.well-known/jmap" % srv.port("webs"))
    ht.check(r.status in (301, 307, 308), "status %d" % r.status)
    ht.check(r.header("location").endswith("/jmap/session"), r.header("location"))


@ht.test
def session_resource():
    s = c.connect()
    for cap in jt.USING:
        ht.check(cap in s["capabilities"], "capability %s" % cap)
    core = s["capabilities"]["urn:ietf:params:jmap:core"]
    for k in ("maxSizeUpload", "maxCallsInRequest", "maxObjectsInGet", "maxObjectsInSet",
              "maxSizeRequest", "maxConcurrentRequests", "maxConcurrentUpload"):
        ht.check(isinstance(core.get(k), int), "limit %s" % k)
    ht.check_equal(s["username"], jt.USER, "username")
    ht.check(c.account in s["accounts"], "primary account listed")
    for k in ("apiUrl", "downloadUrl", "uploadUrl", "eventSourceUrl"):
        ht.check(s[k].startswith("https://127.0.0.1:%d/" % srv.port("webs")), s[k])
    ht.check("{blobId}" in s["downloadUrl"] and "{accountId}" in s["uploadUrl"], "templates")


@ht.test
def wrong_password_is_401_and_counts_for_screening():
    bad = jt.Client(srv, password="wrong")
    status, headers, _ = bad.http("GET", "/jmap/session")
    ht.check_equal(status, 401, "wrong password")
    ht.check("basic" in headers.get("www-authenticate", "").lower(), "WWW-Authenticate")
    ht.wait_until(lambda: "jmap" in open(os.path.join(srv.data_dir, "logs",
                                                       "auth-failures.log")).read()
                  if os.path.exists(os.path.join(srv.data_dir, "logs", "auth-failures.log"))
                  else "auth failure" in srv.stderr_text(), what="the failure logged")
    status, _, _ = jt.Client(srv).http("GET", "/jmap/session", headers={"Authorization": ""})
    ht.check(status in (401, 403), "empty Authorization")


def problem(body, status=400):
    s, headers, data = c.post(body)
    ht.check_equal(s, status, "status for %r" % body[:60])
    ht.check(headers["content-type"].startswith("application/problem+json"),
             headers["content-type"])
    return json.loads(data)


@ht.test
def request_level_errors():
    ht.check_equal(problem(b"{not json")["type"], "urn:ietf:params:jmap:error:notJSON", "bad")
    ht.check_equal(problem(b"[" * 200 + b"]" * 200)["type"],
                   "urn:ietf:params:jmap:error:notJSON", "deep")
    ht.check_equal(problem(b'{"using": "x", "methodCalls": []}')["type"],
                   "urn:ietf:params:jmap:error:notRequest", "using not array")
    ht.check_equal(problem(b'{"using": [], "methodCalls": [["a", [], "x"]]}')["type"],
                   "urn:ietf:params:jmap:error:notRequest", "args not object")
    p = problem(json.dumps({"using": ["urn:example:nope"], "methodCalls": []}).encode())
    ht.check_equal(p["type"], "urn:ietf:params:jmap:error:unknownCapability", "capability")
    calls = [["Core/echo", {}, "c%d" % i] for i in range(33)]
    p = problem(json.dumps({"using": jt.USING, "methodCalls": calls}).encode())
    ht.check_equal((p["type"], p["limit"]),
                   ("urn:ietf:params:jmap:error:limit", "maxCallsInRequest"), "calls")
    big = json.dumps({"using": jt.USING, "methodCalls": [["Core/echo", {"x": "y" * (11 << 20)},
                                                           "c"]]}).encode()
    p = problem(big)
    ht.check_equal(p.get("limit"), "maxSizeRequest", "size")


@ht.test
def method_errors_and_echo():
    r = c.request([["Core/echo", {"hello": [1, 2, {"x": True}]}, "e"],
                   ["Nope/get", {}, "n"],
                   ["Mailbox/get", {"accountId": "aNOTMINE"}, "a"],
                   ["Mailbox/get", {"ids": "x"}, "i"],
                   ["Mailbox/get", {"ids": None, "#ids": {"resultOf": "e", "name": "Core/echo",
                                                          "path": "/hello"}}, "b"],
                   ["Email/get", {"#ids": {"resultOf": "e", "name": "Core/echo",
                                           "path": "/hello/2/*"}}, "s"]])
    ht.check_equal(r[0], ["Core/echo", {"hello": [1, 2, {"x": True}],
                                        "accountId": c.account}, "e"], "echo")
    ht.check_equal([x[1]["type"] for x in r[1:]],
                   ["unknownMethod", "accountNotFound", "invalidArguments", "invalidArguments",
                    "invalidResultReference"], "method errors")
    r = c.request([["Email/get", {"ids": ["E%d" % i for i in range(1, 502)]}, "t"],
                   ["Mailbox/set", {"destroy": ["M9"] * 501}, "d"],
                   ["Email/query", {"limit": -1}, "l"],
                   ["Email/get", {"ids": ["E1"], "properties": ["bogus"]}, "p"]])
    ht.check_equal([x[1]["type"] for x in r], ["requestTooLarge", "requestTooLarge",
                                              "invalidArguments", "invalidArguments"],
                   "limits and bad arguments")
    r = c.request([["Email/get", {"ids": ["E1"]}, "u"]], using=["urn:ietf:params:jmap:core"])
    ht.check_equal(r[0][1]["type"], "unknownMethod", "Email without its capability")


@ht.test
def mailboxes_have_roles_and_counts():
    boxes = c.mailboxes()
    for role in ("inbox", "sent", "drafts", "trash", "junk", "archive"):
        ht.check(role in boxes, "role %s" % role)
    inbox = boxes["inbox"]
    ht.check_equal(inbox["name"], "Inbox", "inbox name")
    ht.check_equal(inbox["myRights"]["mayDelete"], False, "inbox cannot go")
    q = c.call("Mailbox/query", {"filter": {"role": "trash"}})
    ht.check_equal(q["ids"], [boxes["trash"]["id"]], "query by role")
    q = c.call("Mailbox/query", {"filter": {"hasAnyRole": False}})
    ht.check_equal(q["ids"], [], "no role-less mailbox yet")
    r = c.request([["Mailbox/query", {"filter": {"bogus": 1}}, "x"]])
    ht.check_equal(r[0][1]["type"], "unsupportedFilter", "unknown filter")


@ht.test
def mailbox_set_create_rename_destroy_and_back_references():
    before = c.state("Mailbox")
    r = c.request([
        ["Mailbox/set", {"create": {"p": {"name": "Projects"}}}, "0"],
        ["Mailbox/set", {"create": {"k": {"name": "Kids", "parentId": "#p"}}}, "1"],
        ["Mailbox/get", {"ids": ["#k"]}, "2"],
        ["Mailbox/get", {"#ids": {"resultOf": "9", "name": "Mailbox/set", "path": "/x"}}, "3"],
    ])
    pid = r[0][1]["created"]["p"]["id"]
    kid = r[1][1]["created"]["k"]["id"]
    got = r[2][1]["list"][0]
    ht.check_equal((got["id"], got["name"], got["parentId"]), (kid, "Kids", pid), "child")
    ht.check_equal(r[3][1]["type"], "invalidResultReference", "bad reference")
    r = c.request([["Mailbox/query", {"filter": {"parentId": pid}}, "q"],
                   ["Mailbox/get", {"#ids": {"resultOf": "q", "name": "Mailbox/query",
                                             "path": "/ids"}, "properties": ["name"]}, "g"]])
    ht.check_equal(r[1][1]["list"], [{"id": kid, "name": "Kids"}], "back-reference to /ids")
    with jt.imap(srv) as m:
        typ, data = m.list()
        names = b"\n".join(data)
        ht.check(b"Projects/Kids" in names, "IMAP sees the child: %r" % names)
    ch = c.call("Mailbox/changes", {"sinceState": before})
    ht.check(pid in ch["created"] and kid in ch["created"], "changes: %r" % ch)
    s = c.call("Mailbox/set", {"update": {kid: {"name": "Children"}}})
    ht.check(kid in s["updated"], "rename: %r" % s)
    s = c.call("Mailbox/set", {"destroy": [pid]})
    ht.check_equal(s["notDestroyed"][pid]["type"], "mailboxHasChild", "parent with child")
    s = c.call("Mailbox/set", {"destroy": [kid, pid]})
    ht.check_equal(sorted(s["destroyed"]), sorted([kid, pid]), "both gone")
    s = c.call("Mailbox/set", {"create": {"x": {"name": "a/b"}}})
    ht.check_equal(s["notCreated"]["x"]["type"], "invalidProperties", "slash in name")
    s = c.call("Mailbox/set", {"ifInState": "s1", "destroy": []}, want="error")
    ht.check_equal(s["type"], "stateMismatch", "ifInState")


def deliver(subject, body="hello\r\n", extra="", frm="sender@remote.test"):
    jt.smtp_send(srv, frm, jt.USER, subject, body, extra)
    srv.wait_message(jt.USER, subject.encode())
    q = c.call("Email/query", {"filter": {"inMailbox": c.inbox()},
                               "sort": [{"property": "receivedAt", "isAscending": False}]})
    for eid in q["ids"]:
        e = c.call("Email/get", {"ids": [eid], "properties": ["subject"]})["list"][0]
        if e["subject"] == subject:
            return eid
    raise AssertionError("no email %r" % subject)


@ht.test
def email_get_structure_bodies_and_headers():
    eid = deliver("Structured", MULTIPART.split("\r\n\r\n", 1)[1],
                  MULTIPART.split("\r\n\r\n", 1)[0] + "\r\nX-List: <https://a.test/x>\r\n")
    e = c.call("Email/get", {"ids": [eid], "fetchTextBodyValues": True,
                             "fetchHTMLBodyValues": True, "maxBodyValueBytes": 10,
                             "properties": ["subject", "from", "to", "textBody", "htmlBody",
                                            "attachments", "bodyValues", "bodyStructure",
                                            "hasAttachment", "preview", "messageId",
                                            "header:X-List:asURLs", "header:Subject:asRaw",
                                            "header:To:all", "receivedAt", "size"]})["list"][0]
    ht.check_equal(e["from"], [{"name": None, "email": "sender@remote.test"}], "from")
    ht.check_equal([p["type"] for p in e["textBody"]], ["text/plain"], "textBody")
    ht.check_equal([p["type"] for p in e["htmlBody"]], ["text/html"], "htmlBody")
    ht.check_equal([(p["type"], p["name"]) for p in e["attachments"]],
                   [("application/pdf", "report.pdf")], "attachments")
    ht.check_equal(e["hasAttachment"], True, "hasAttachment")
    tv = e["bodyValues"][e["textBody"][0]["partId"]]
    ht.check_equal((tv["value"], tv["isTruncated"]), ("Plain caf", True), "truncated at UTF-8")
    ht.check(e["preview"].startswith("Plain caf\u00e9 body"), e["preview"])
    ht.check_equal(e["header:X-List:asURLs"], ["https://a.test/x"], "asURLs")
    ht.check_equal(e["header:Subject:asRaw"].strip(), "Structured", "asRaw")
    ht.check_equal(len(e["header:To:all"]), 1, ":all")
    ht.check_equal(e["bodyStructure"]["type"], "multipart/mixed", "structure")
    ht.check_equal(len(e["bodyStructure"]["subParts"]), 2, "two sub parts")
    ht.check(e["receivedAt"].endswith("Z"), e["receivedAt"])
    blob = e["attachments"][0]["blobId"]
    url = "/jmap/download/%s/%s/r%%C3%%A9port.pdf?type=application/pdf" % (c.account, blob)
    status, headers, data = c.http("GET", url)
    ht.check_equal((status, data[:8]), (200, b"%PDF-1.4"), "attachment download")
    ht.check(headers["content-disposition"].startswith("attachment;"),
             headers["content-disposition"])
    ht.check("UTF-8''r%C3%A9port.pdf" in headers["content-disposition"], "RFC 6266 name")
    ht.check_equal(headers.get("x-content-type-options"), "nosniff", "nosniff")
    ht.check_equal(headers["content-type"], "application/pdf", "type")


@ht.test
def html_preview_has_no_script_or_style_text():
    body = ("<html><head><title>T1tle</title><style>p { color: red }</style></head>"
            "<body><SCRIPT type=\"x\">alert(5)</script ><p>Visible <b>words</b></p>"
            "<style\r\n>.x{}</style></body></html>\r\n")
    eid = deliver("HTML only", body, "MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n")
    e = c.call("Email/get", {"ids": [eid], "properties": ["preview"]})["list"][0]
    ht.check_equal(e["preview"].strip(), "Visible words", "preview of an HTML-only message")


@ht.test
def threads_follow_references_and_subject():
    a = deliver("Thread start", extra="Message-ID: <root-1@remote.test>\r\n")
    b = deliver("Re: Thread start", extra="In-Reply-To: <root-1@remote.test>\r\n"
                "References: <root-1@remote.test>\r\n")
    x = deliver("Re: Thread start")  # no references: the subject decides
    other = deliver("Thread start")  # same subject, not a reply: a new thread
    got = c.call("Email/get", {"ids": [a, b, x, other], "properties": ["threadId"]})["list"]
    t = [e["threadId"] for e in got]
    ht.check(t[0] == t[1] == t[2], "one thread: %r" % t)
    ht.check(t[3] != t[0], "a new thread for a non-reply")
    th = c.call("Thread/get", {"ids": [t[0]]})["list"][0]
    ht.check_equal(th["emailIds"], [a, b, x], "thread members, oldest first")
    q = c.call("Email/query", {"filter": {"inMailbox": c.inbox()}, "collapseThreads": True})
    ht.check(a not in q["ids"] or b not in q["ids"], "collapsed")


@ht.test
def query_filters_sorts_and_anchors():
    big = deliver("Query big one", ("x" * 98 + "\r\n") * 60)
    small = deliver("Query small one", "needle-word here\r\n", frm="Zed Person <zed@remote.test>")
    def ids(f=None, **kw):
        args = {"sort": [{"property": "receivedAt", "isAscending": False}]}
        if f is not None:
            args["filter"] = f
        args.update(kw)
        return c.call("Email/query", args)["ids"]
    ht.check(big in ids({"minSize": 5000}) and small not in ids({"minSize": 5000}), "minSize")
    ht.check(small in ids({"body": "needle"}), "FTS body")
    ht.check(big not in ids({"text": "needle"}), "FTS text")
    ht.check_equal(ids({"from": "zed@remote.test"}), [small], "from filter")
    ht.check(small in ids({"subject": "small"}), "subject filter")
    ht.check(small not in ids({"operator": "NOT", "conditions": [{"subject": "small"}]}), "NOT")
    both = ids({"operator": "OR", "conditions": [{"subject": "small"}, {"minSize": 5000}]})
    ht.check(big in both and small in both, "OR")
    ht.check(small in ids({"notKeyword": "$seen"}), "notKeyword")
    ht.check(small in ids({"after": "2000-01-01T00:00:00Z", "before": "2100-01-01T00:00:00Z"}),
             "dates")
    all_ids = ids()
    ht.check_equal(ids(anchor=all_ids[1], anchorOffset=-1, limit=2), all_ids[0:2], "anchor")
    ht.check_equal(ids(position=-1), all_ids[-1:], "negative position")
    by_size = c.call("Email/query", {"sort": [{"property": "size", "isAscending": False}],
                                     "limit": 1})
    ht.check_equal(by_size["ids"], [big], "size sort")
    r = c.request([["Email/query", {"sort": [{"property": "nope"}]}, "a"],
                   ["Email/query", {"filter": {"nope": 1}}, "b"],
                   ["Email/query", {"anchor": "E999999"}, "c"],
                   ["Email/query", {"filter": {"minSize": "x"}}, "d"]])
    ht.check_equal([x[1]["type"] for x in r],
                   ["unsupportedSort", "unsupportedFilter", "anchorNotFound", "invalidArguments"],
                   "query errors")


@ht.test
def keywords_are_imap_flags_both_ways():
    eid = deliver("Flag me")
    c.call("Email/set", {"update": {eid: {"keywords/$flagged": True, "keywords/work": True}}})
    with jt.imap(srv) as m:
        m.select("INBOX")
        typ, data = m.uid("SEARCH", None, "SUBJECT", '"Flag me"')
        uid = data[0].split()[-1]
        typ, data = m.uid("FETCH", uid, "(FLAGS)")
        flags = data[0].decode()
        ht.check("\\Flagged" in flags and "work" in flags, flags)
        m.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    e = c.call("Email/get", {"ids": [eid], "properties": ["keywords"]})["list"][0]
    ht.check_equal(e["keywords"], {"$seen": True, "$flagged": True, "work": True}, "keywords")
    c.call("Email/set", {"update": {eid: {"keywords": {"$seen": True}}}})
    e = c.call("Email/get", {"ids": [eid], "properties": ["keywords"]})["list"][0]
    ht.check_equal(e["keywords"], {"$seen": True}, "replaced")
    s = c.call("Email/set", {"update": {eid: {"keywords/bad word": True}}})
    ht.check(eid in s["notUpdated"], "bad keyword refused")


@ht.test
def move_keeps_the_id_and_destroy_is_an_expunge_idle_sees():
    eid = deliver("Move me")
    boxes = c.mailboxes()
    s = c.call("Email/set", {"update": {eid: {"mailboxIds": {boxes["archive"]["id"]: True}}}})
    ht.check(eid in s["updated"], "moved: %r" % s)
    e = c.call("Email/get", {"ids": [eid], "properties": ["mailboxIds"]})["list"][0]
    ht.check_equal(e["mailboxIds"], {boxes["archive"]["id"]: True}, "same id, new mailbox")
    s = c.call("Email/set", {"update": {eid: {"mailboxIds/" + boxes["trash"]["id"]: True}}})
    ht.check_equal(s["notUpdated"][eid]["type"], "invalidProperties", "two mailboxes")
    with jt.imap(srv) as m:
        m.select("Archive")
        m.send(b"I1 IDLE\r\n")
        ht.check(m.readline().startswith(b"+"), "idling")
        c.call("Email/set", {"destroy": [eid]})
        line = m.readline()
        ht.check(b"EXPUNGE" in line, "IDLE saw %r" % line)
        m.send(b"DONE\r\n")
        m.readline()
    e = c.call("Email/get", {"ids": [eid]})
    ht.check_equal(e["notFound"], [eid], "destroyed")


@ht.test
def draft_create_and_changes_after_imap_append():
    since = c.state("Email")
    drafts = c.mailboxes()["drafts"]["id"]
    s = c.call("Email/set", {"create": {"d1": {
        "mailboxIds": {drafts: True}, "keywords": {"$draft": True, "$seen": True},
        "from": [{"name": "Demo", "email": jt.USER}], "to": [{"email": "x@remote.test"}],
        "subject": "Draft \u00e9t\u00e9", "textBody": [{"partId": "t", "type": "text/plain"}],
        "bodyValues": {"t": {"value": "draft body"}}}}})
    made = s["created"]["d1"]
    with jt.imap(srv) as m:
        m.select("Drafts")
        typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[])")
        raw = data[0][1]
        ht.check(b"draft body" in raw and b"\\Draft" in data[0][0], "IMAP sees the draft")
        ht.check(b"\r\n\r\n" in raw and b"\n\n" not in raw.replace(b"\r\n", b""), "CRLF")
        m.append("INBOX", None, None, b"From: a@b.test\r\nSubject: Appended\r\n\r\nbody\r\n")
    ch = c.call("Email/changes", {"sinceState": since})
    ht.check(made["id"] in ch["created"] and len(ch["created"]) == 2, "changes: %r" % ch)
    e = c.call("Email/get", {"ids": [made["id"]], "properties": ["subject", "keywords"]})
    ht.check_equal(e["list"][0]["subject"], "Draft \u00e9t\u00e9", "encoded subject")
    ch2 = c.call("Email/changes", {"sinceState": since, "maxChanges": 1})
    ht.check_equal((len(ch2["created"]), ch2["hasMoreChanges"]), (1, True), "maxChanges")
    ch3 = c.call("Email/changes", {"sinceState": ch2["newState"]})
    ht.check_equal(len(ch3["created"]), 1, "the rest")
    r = c.request([["Email/changes", {"sinceState": "s999999999"}, "a"],
                   ["Email/changes", {"sinceState": "garbage"}, "b"]])
    ht.check_equal([x[1]["type"] for x in r], ["cannotCalculateChanges"] * 2, "bad states")


@ht.test
def changes_after_smtp_and_query_changes():
    q = c.call("Email/query", {"filter": {"inMailbox": c.inbox()},
                               "sort": [{"property": "receivedAt", "isAscending": False}]})
    eid = deliver("Fresh SMTP")
    ch = c.call("Email/changes", {"sinceState": q["queryState"]})
    ht.check(eid in ch["created"], "SMTP delivery in Email/changes")
    qc = c.call("Email/queryChanges", {"filter": {"inMailbox": c.inbox()},
                                       "sort": [{"property": "receivedAt",
                                                 "isAscending": False}],
                                       "sinceQueryState": q["queryState"]})
    ht.check_equal(qc["added"][0], {"id": eid, "index": 0}, "added at the top")
    th = c.call("Thread/changes", {"sinceState": "s0"})
    ht.check(len(th["created"]) > 0, "thread changes")


@ht.test
def upload_and_blob_copy():
    status, _, body = c.http("POST", "/jmap/upload/" + c.account, b"blob bytes",
                             {"Content-Type": "text/plain"})
    ht.check_equal(status, 201, "upload")
    up = json.loads(body)
    ht.check_equal((up["size"], up["type"]), (10, "text/plain"), "upload answer")
    status, _, data = c.http("GET", "/jmap/download/%s/%s/x.txt" % (c.account, up["blobId"]))
    ht.check_equal((status, data), (200, b"blob bytes"), "download the upload")
    status, _, _ = c.http("POST", "/jmap/upload/aNOTMINE", b"x")
    ht.check_equal(status, 404, "upload to another account")
    r = c.call("Blob/copy", {"fromAccountId": c.account, "blobIds": [up["blobId"], "Unope"]})
    ht.check_equal((list(r["copied"]), list(r["notCopied"])), ([up["blobId"]], ["Unope"]),
                   "Blob/copy")
    drafts = c.mailboxes()["drafts"]["id"]
    s = c.call("Email/set", {"create": {"a": {
        "mailboxIds": {drafts: True}, "subject": "With attachment",
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "bodyValues": {"t": {"value": "see attached"}},
        "attachments": [{"blobId": up["blobId"], "type": "text/plain", "name": "a.txt"}]}}})
    eid = s["created"]["a"]["id"]
    e = c.call("Email/get", {"ids": [eid], "properties": ["attachments"]})["list"][0]
    ht.check_equal([(a["name"], a["size"]) for a in e["attachments"]], [("a.txt", 10)], "att")


@ht.test
def forward_as_attachment_embeds_the_original():
    eid = deliver("Original to forward", "Original body line.\r\n")
    e = c.call("Email/get", {"ids": [eid], "properties": ["blobId", "size"]})["list"][0]
    drafts = c.mailboxes()["drafts"]["id"]
    s = c.call("Email/set", {"create": {"f": {
        "mailboxIds": {drafts: True}, "subject": "Fwd: Original to forward",
        "textBody": [{"partId": "t", "type": "text/plain"}],
        "bodyValues": {"t": {"value": "see the original"}},
        "attachments": [{"blobId": e["blobId"], "type": "message/rfc822",
                         "name": "Original to forward.eml"}]}}})
    fid = s["created"]["f"]["id"]
    f = c.call("Email/get", {"ids": [fid], "properties": ["blobId", "attachments"]})["list"][0]
    ht.check_equal([(a["type"], a["name"]) for a in f["attachments"]],
                   [("message/rfc822", "Original to forward.eml")], "the attachment")
    status, _, raw = c.http("GET", "/jmap/download/%s/%s/f.eml" % (c.account, f["blobId"]))
    ht.check_equal(status, 200, "download of the forward")
    import email as emaillib
    import email.policy
    m = emaillib.message_from_bytes(raw, policy=email.policy.default)
    part = [p for p in m.iter_parts()][1]
    ht.check_equal(part.get_content_type(), "message/rfc822", "part type")
    ht.check(part.get("Content-Transfer-Encoding", "7bit").lower() != "base64",
             "message/rfc822 in base64")
    inner = part.get_content()
    ht.check_equal(inner["Subject"], "Original to forward", "the original inside")
    ht.check_equal(inner["From"], "sender@remote.test", "its sender")
    ht.check("Original body line." in inner.get_body(("plain",)).get_content(), "its text")


@ht.test
def another_account_sees_nothing_of_ours():
    other = jt.Client(srv, jt.OTHER, jt.OTHER_PASSWORD)
    other.connect()
    ht.check(other.account != c.account, "different account ids")
    mine = c.call("Email/query", {})["ids"]
    boxes = c.mailboxes()
    got = other.call("Email/get", {"ids": mine[:5], "properties": ["subject"]})
    ht.check_equal((got["list"], sorted(got["notFound"])), ([], sorted(mine[:5])), "emails")
    s = other.call("Email/set", {"update": {mine[0]: {"keywords/$seen": True}},
                                 "destroy": [mine[1]]})
    ht.check_equal((list(s["updated"]), s["destroyed"]), ([], []), "no writes")
    ht.check_equal(other.call("Mailbox/get", {"ids": [boxes["trash"]["id"]]})["list"][0]["name"],
                   "Trash", "mailbox ids are per account, same numbers but own mailboxes")
    r = other.request([["Email/get", {"accountId": c.account, "ids": mine[:1]}, "x"],
                       ["Email/query", {"accountId": c.account}, "y"],
                       ["Mailbox/set", {"accountId": c.account, "destroy": []}, "z"],
                       ["Email/changes", {"accountId": c.account, "sinceState": "s0"}, "w"]])
    ht.check_equal([x[1]["type"] for x in r], ["accountNotFound"] * 4, "foreign account ids")
    status, _, _ = other.http("GET", "/jmap/download/%s/B1/x" % c.account)
    ht.check_equal(status, 404, "foreign download")
    status, _, _ = other.http("GET", "/jmap/download/%s/%s/x" % (other.account, "B%s" %
                                                                  mine[0][1:]))
    ht.check_equal(status, 404, "our blob id through their account")


@ht.test
def web_session_with_csrf():
    import http.client
    conn = c.conn()
    conn.request("POST", "/t/login", headers={"Authorization": jt.basic()})
    r = conn.getresponse()
    body = r.read().decode()
    cookie = r.getheader("Set-Cookie").split(";")[0]
    csrf = body.split()[2]
    req = json.dumps({"using": jt.USING, "methodCalls": [["Core/echo", {"a": 1}, "x"]]})
    for headers, want in (({"Cookie": cookie}, 403),
                          ({"Cookie": cookie, "X-CSRF-Token": "wrong"}, 403),
                          ({"Cookie": cookie, "X-CSRF-Token": csrf}, 200)):
        conn = c.conn()
        conn.request("POST", "/jmap/api", body=req, headers=headers)
        r = conn.getresponse()
        r.read()
        ht.check_equal(r.status, want, "session POST with %r" % list(headers))
    conn = c.conn()
    conn.request("GET", "/jmap/session", headers={"Cookie": cookie})
    r = conn.getresponse()
    ht.check_equal((r.status, json.loads(r.read())["username"]), (200, jt.USER), "GET session")


@ht.test
def no_basic_over_plain_http_and_blocked_after_failures():
    for i in range(6):
        jt.Client(srv, password="bad-%d" % i).http("GET", "/jmap/session")
    status, _, _ = jt.Client(srv).http("GET", "/jmap/session")
    ht.check_equal(status, 403, "blocked by screening after failures")


ht.main()
