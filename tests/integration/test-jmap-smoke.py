import os, sys, json
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht
import jmaptest as jt
srv = jt.jmap_daemon("jmap-smoke")
@ht.test
def starts():
    srv.start()
@ht.test
def basic():
    c = jt.Client(srv)
    print(json.dumps(c.connect(), indent=1))
    jt.smtp_send(srv, "a@remote.test", jt.USER, "Hello one")
    srv.wait_message(jt.USER, b"Hello one")
    print(c.call("Mailbox/get"))
    q = c.call("Email/query", {"filter": {"inMailbox": c.inbox()}, "sort": [{"property": "receivedAt", "isAscending": False}], "collapseThreads": True, "calculateTotal": True})
    print(q)
    print(json.dumps(c.call("Email/get", {"ids": q["ids"], "fetchTextBodyValues": True}), indent=1))
    print(c.call("Email/changes", {"sinceState": "s0"}))
ht.main()
