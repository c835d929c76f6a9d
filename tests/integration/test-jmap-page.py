# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-jmap-page.py - Email/query's paged path (the store's emails_page,
# ABI 1.12: inMailbox alone, newest first, with or without
# collapseThreads) gives exactly what the general path gives, for
# positions, negative positions, anchors with offsets, limits and
# totals, before and after IMAP moves, expunges and new threads; and
# another account sees none of it.  The general path is reached with the
# same query in another shape (a sort comparator with a collation, an
# AND of one condition), so each comparison is one query two ways.
import datetime
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import jmaptest as jt  # noqa: E402

srv = jt.jmap_daemon("jmap-page")
c = jt.Client(srv)
o = jt.Client(srv, jt.OTHER, jt.OTHER_PASSWORD)
BASE = datetime.datetime(2026, 1, 5, 8, 0, 0, tzinfo=datetime.timezone.utc)


@ht.test
def daemon_starts():
    srv.start()


def append(m, box, i, minutes, thread):
    """Message i in thread `thread` (References to the thread's root)."""
    root = "<root-%d@page.test>" % thread
    mid = root if i == thread else "<m-%d@page.test>" % i
    refs = "" if i == thread else "References: %s\r\nIn-Reply-To: %s\r\n" % (root, root)
    subject = ("Re: " if i != thread else "") + "topic %d" % thread
    msg = ("From: p%d@remote.test\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n%s\r\nbody %d\r\n"
           % (i, jt.USER, subject, mid, refs, i))
    when = BASE + datetime.timedelta(minutes=minutes)
    typ, _ = m.append(box, "", when, msg.encode())
    ht.check_equal(typ, "OK", "APPEND %d" % i)


@ht.test
def fill_mailboxes():
    m = jt.imap(srv)
    m.create("Other")
    # 40 messages in 14 threads; some share a date (the email id breaks
    # the tie), replies arrive out of order.
    for i in range(40):
        thread = i if i < 14 else (i * 7) % 14
        append(m, "INBOX", i, (i * 13) % 31, thread)
    for i in range(40, 46):
        append(m, "Other", i, i, i % 3)
    m.logout()


def fast_args(box, **kw):
    args = {"filter": {"inMailbox": box},
            "sort": [{"property": "receivedAt", "isAscending": False}]}
    args.update(kw)
    return args


def general_args(box, shape, **kw):
    if shape == 0:
        args = {"filter": {"inMailbox": box},
                "sort": [{"property": "receivedAt", "isAscending": False,
                          "collation": "i;unicode-casemap"}]}
    else:
        args = {"filter": {"operator": "AND", "conditions": [{"inMailbox": box}]},
                "sort": [{"property": "receivedAt", "isAscending": False}]}
    args.update(kw)
    return args


def fast(box, **kw):
    return c.call("Email/query", fast_args(box, **kw))


def same_many(box, what, kws):
    """Each query of kws three ways (paged, two general shapes), ten
    queries to a request; the paged answers."""
    out = []
    for at in range(0, len(kws), 10):
        calls = []
        for kw in kws[at:at + 10]:
            calls.append(["Email/query", fast_args(box, **kw), "f"])
            calls.append(["Email/query", general_args(box, 0, **kw), "g0"])
            calls.append(["Email/query", general_args(box, 1, **kw), "g1"])
        r = c.request(calls)
        for i, kw in enumerate(kws[at:at + 10]):
            a = r[3 * i]
            ht.check_equal(a[0], "Email/query", "%s %r: %r" % (what, kw, a))
            for b in r[3 * i + 1:3 * i + 3]:
                for k in ("ids", "position", "total", "queryState", "canCalculateChanges"):
                    ht.check_equal(a[1].get(k), b[1].get(k),
                                   "%s %s (%r, %s)" % (what, k, kw, b[2]))
            out.append(a[1])
    return out


def compare_all(box, what):
    n = 0
    for collapse in (False, True):
        whole = same_many(box, what, [{"collapseThreads": collapse, "calculateTotal": True}])[0]
        ids = whole["ids"]
        ht.check(len(ids) >= 3, "%s: a list (%d)" % (what, len(ids)))
        ht.check_equal(whole["total"], len(ids), "total is the length")
        kws = []
        for pos in (0, 1, 5, len(ids) - 1, len(ids), len(ids) + 4, -1, -6, -1000):
            for limit in (None, 0, 1, 7):
                kw = {"collapseThreads": collapse, "position": pos, "calculateTotal": True}
                if limit is not None:
                    kw["limit"] = limit
                kws.append(kw)
        for anchor in (ids[0], ids[len(ids) // 2], ids[-1]):
            for off in (-100, -2, 0, 3, 1000):
                kws.append({"collapseThreads": collapse, "anchor": anchor, "anchorOffset": off,
                            "limit": 5, "calculateTotal": True})
        n += len(same_many(box, what, kws))
    return n


@ht.test
def paged_equals_general():
    boxes = c.mailboxes()
    n = compare_all(boxes["inbox"]["id"], "INBOX") + compare_all(boxes["Other"]["id"], "Other")
    ht.check(n > 100, "%d comparisons" % n)
    q = fast(boxes["inbox"]["id"], collapseThreads=True, calculateTotal=True)
    ht.check_equal(q["total"], 14, "14 threads in INBOX")
    ht.check_equal(fast(boxes["inbox"]["id"], calculateTotal=True)["total"], 40, "40 emails")


@ht.test
def paged_after_moves_expunges_and_new_threads():
    boxes = c.mailboxes()
    inbox, other = boxes["inbox"]["id"], boxes["Other"]["id"]
    newest = fast(inbox, collapseThreads=True)["ids"]
    m = jt.imap(srv)
    m.select("INBOX")
    m.uid("MOVE", "1:3", "Other")  # a thread root leaves, its replies stay
    m.uid("STORE", "10,11", "+FLAGS.SILENT", "(\\Deleted)")
    m.expunge()
    append(m, "INBOX", 100, 500, 100)  # a new thread, the newest
    append(m, "INBOX", 101, 501, 5)    # a reply that brings thread 5 up
    m.logout()
    compare_all(inbox, "INBOX after changes")
    compare_all(other, "Other after changes")
    after = fast(inbox, collapseThreads=True, limit=2)["ids"]
    ht.check(after != newest[:2], "the newest threads changed")
    subjects = [e["subject"] for e in c.call("Email/get", {"ids": after,
                                                           "properties": ["subject"]})["list"]]
    ht.check_equal(subjects, ["Re: topic 5", "topic 100"], "newest threads first")


@ht.test
def anchor_errors_match():
    inbox = c.inbox()
    whole = fast(inbox)["ids"]
    collapsed = set(fast(inbox, collapseThreads=True)["ids"])
    hidden = [i for i in whole if i not in collapsed][0]  # not the newest of its thread
    for kw in ({"anchor": "E999999"}, {"anchor": "nonsense"},
               {"anchor": hidden, "collapseThreads": True}):
        r = c.request([["Email/query", dict({"filter": {"inMailbox": inbox}}, **kw), "a"],
                       ["Email/query", dict({"filter": {"operator": "AND",
                                                        "conditions": [{"inMailbox": inbox}]}},
                                            **kw), "b"]])
        ht.check_equal([x[0] for x in r], ["error", "error"], "anchor error %r" % kw)
        ht.check_equal([x[1]["type"] for x in r], ["anchorNotFound"] * 2, "type %r" % kw)
    r = c.request([["Email/query", {"filter": {"inMailbox": inbox}, "limit": -1}, "a"],
                   ["Email/query", {"filter": {"inMailbox": inbox}, "position": "x"}, "b"]])
    ht.check_equal([x[1]["type"] for x in r], ["invalidArguments"] * 2, "bad arguments")


def apply_changes(old, qc):
    """RFC 8620 5.6: drop every removed id, then insert each added one at
    its index, lowest first."""
    ids = [i for i in old if i not in set(qc["removed"])]
    for a in sorted(qc["added"], key=lambda a: a["index"]):
        ids.insert(a["index"], a["id"])
    return ids


def check_query_changes(what, method, args, change):
    before = c.call(method + "/query", dict(args, calculateTotal=True))
    change()
    qc = c.call(method + "/queryChanges", dict(args, sinceQueryState=before["queryState"],
                                                calculateTotal=True))
    now = c.call(method + "/query", dict(args, calculateTotal=True))
    ht.check_equal(qc["oldQueryState"], before["queryState"], what + ": old state")
    ht.check_equal(qc["newQueryState"], now["queryState"], what + ": new state")
    ht.check_equal(apply_changes(before["ids"], qc), now["ids"], what + ": patched list")
    ht.check_equal(qc["total"], now["total"], what + ": total")
    return qc


@ht.test
def email_query_changes_with_collapsed_threads():
    inbox = c.inbox()
    m = jt.imap(srv)

    def reply_and_move():
        m.select("INBOX")
        append(m, "INBOX", 200, 900, 7)    # thread 7 gets a new newest email
        append(m, "INBOX", 201, 5, 8)      # an old reply: thread 8's stand-in stays
        m.uid("MOVE", "5", "Other")        # a stand-in may leave (UID 5: message 4)
        m.uid("STORE", "7", "+FLAGS.SILENT", "(\\Deleted)")
        m.expunge()

    for collapse in (True, False):
        args = {"filter": {"inMailbox": inbox}, "collapseThreads": collapse,
                "sort": [{"property": "receivedAt", "isAscending": False}]}
        check_query_changes("collapse %s" % collapse, "Email", args, reply_and_move)
    args = {"filter": {"inMailbox": inbox, "someInThreadHaveKeyword": "$flagged"}}

    def flag_one():
        m.select("INBOX")
        m.uid("STORE", "20", "+FLAGS.SILENT", "(\\Flagged)")

    qc = check_query_changes("thread keyword", "Email", args, flag_one)
    ht.check(len(qc["added"]) >= 2, "the flagged email's thread mates come in: %r" % qc)
    m.logout()


@ht.test
def mailbox_query_changes():
    args = {"filter": {"isSubscribed": True}}
    state = {}

    def create():
        s = c.call("Mailbox/set", {"create": {"a": {"name": "Zeta"}, "b": {"name": "Alpha"}}})
        state.update(s["created"])

    check_query_changes("create", "Mailbox", args, create)

    def rename_and_unsubscribe():
        c.call("Mailbox/set", {"update": {state["a"]["id"]: {"name": "Beta"},
                                          state["b"]["id"]: {"isSubscribed": False}}})

    check_query_changes("rename, unsubscribe", "Mailbox", args, rename_and_unsubscribe)

    def destroy():
        c.call("Mailbox/set", {"destroy": [state["a"]["id"]]})

    qc = check_query_changes("destroy", "Mailbox", args, destroy)
    ht.check(state["a"]["id"] in qc["removed"], "destroyed is removed")

    def deliver():
        jt.smtp_send(srv, "x@remote.test", jt.USER, "Counts only")
        srv.wait_message(jt.USER, b"Counts only")

    qc = check_query_changes("a delivery", "Mailbox", args, deliver)
    ht.check_equal((qc["removed"], qc["added"]), ([], []), "only counts changed: nothing to do")
    q = c.call("Mailbox/query", {})
    ht.check_equal(q["canCalculateChanges"], True, "canCalculateChanges")
    r = c.request([["Mailbox/queryChanges", {"sinceQueryState": "nonsense"}, "a"],
                   ["Mailbox/queryChanges", {"sinceQueryState": q["queryState"],
                                             "maxChanges": 0}, "b"]])
    ht.check_equal([x[1]["type"] for x in r], ["cannotCalculateChanges", "invalidArguments"],
                   "queryChanges errors")
    theirs = o.call("Mailbox/queryChanges", {"sinceQueryState": q["queryState"]}, want="error")
    ht.check(theirs["type"] in ("cannotCalculateChanges",), "another account's state: %r" % theirs)


@ht.test
def another_account_gets_nothing_of_ours():
    inbox = c.inbox()
    q = o.call("Email/query", {"filter": {"inMailbox": inbox}, "calculateTotal": True,
                               "collapseThreads": True})
    ours = set(fast(inbox)["ids"])
    ht.check(not (set(q["ids"]) & ours), "no id of ours in the other account's answer")
    r = o.request([["Email/query", {"filter": {"inMailbox": inbox},
                                    "anchor": sorted(ours)[0]}, "a"]])
    ht.check_equal(r[0][0], "error", "our anchor is not theirs")
    r = o.request([["Email/query", {"accountId": c.connect() and c.account,
                                    "filter": {"inMailbox": inbox}}, "a"]])
    ht.check_equal(r[0][1]["type"], "accountNotFound", "our account id")


ht.main()
