# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-jmap-upgrade.py - an account store of schema version 5 (the one
# before JMAP) upgrades on first start: a data folder is made by hermodd,
# taken back to version 5 exactly (the v6 tables, triggers, indexes and
# columns dropped with SQLite), and started again.  Its messages then
# have email ids, the thread of a reply found from its References, the
# change log works from the new state on, and IMAP still reads it all.
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402
import jmaptest as jt  # noqa: E402

srv = jt.jmap_daemon("jmap-upgrade")
c = jt.Client(srv)

V6_TRIGGERS = ("changes_msg_insert", "changes_msg_update", "changes_msg_delete",
               "changes_box_insert", "changes_box_update", "changes_box_count",
               "changes_box_delete")
V6_INDEXES = ("messages_by_email", "messages_by_thread")
V9_TRIGGERS = ("box_threads_insert", "box_threads_delete", "box_threads_update")
# Tables of later steps (v7 DAV, v8 IM history), dropped too so that the
# store is a real v5 one and the upgrade runs v6, v7 and v8.
LATER_TABLES = ("dav_reminders", "dav_collections", "dav_objects", "dav_changes", "dav_props", "im",
                "im_settings")
V6_TABLES = ("thread_refs", "thread_subjects", "changes", "vacation", "vacation_replies")
V6_COLUMNS = ("email_id", "thread_id", "subject", "sort_from", "sort_to")


def index_db():
    return os.path.join(srv.data_dir, "mail", "example.test", "demo", "index.db")


def to_v8(db):
    """Undo schema step 9 (the paged list's index, thread counts, records)."""
    for t in V9_TRIGGERS:
        db.execute("DROP TRIGGER %s" % t)
    db.execute("DROP INDEX messages_by_box_date")
    db.execute("CREATE INDEX messages_by_date ON messages(mailbox_id, internal_date)")
    db.execute("DROP TABLE mailbox_threads")
    db.execute("DROP TABLE records")
    db.execute("PRAGMA user_version = 8")


def to_v5():
    db = sqlite3.connect(index_db())
    to_v8(db)
    db.execute("DROP INDEX messages_by_date")
    for t in V6_TRIGGERS:
        db.execute("DROP TRIGGER %s" % t)
    for i in V6_INDEXES:
        db.execute("DROP INDEX %s" % i)
    for t in LATER_TABLES:
        db.execute("DROP TABLE IF EXISTS %s" % t)
    for t in V6_TABLES:
        db.execute("DROP TABLE %s" % t)
    for col in V6_COLUMNS:
        db.execute("ALTER TABLE messages DROP COLUMN %s" % col)
    db.execute("DELETE FROM meta WHERE key IN ('next_email_id', 'change_seq')")
    db.execute("PRAGMA user_version = 5")
    db.commit()
    cols = [r[1] for r in db.execute("PRAGMA table_info(messages)")]
    db.close()
    return cols


@ht.test
def a_v5_store_is_made():
    srv.start()
    jt.smtp_send(srv, "a@remote.test", jt.USER, "Old root",
                 extra="Message-ID: <old-root@remote.test>\r\n")
    jt.smtp_send(srv, "b@remote.test", jt.USER, "Re: Old root",
                 extra="In-Reply-To: <old-root@remote.test>\r\n")
    jt.smtp_send(srv, "c@remote.test", jt.USER, "Unrelated")
    srv.wait_message(jt.USER, b"Unrelated")
    srv.stop()
    cols = to_v5()
    ht.check("email_id" not in cols and "thread_id" not in cols, "v5 columns: %r" % cols)


@ht.test
def it_upgrades_on_first_start():
    srv.start()
    q = c.call("Email/query", {"sort": [{"property": "receivedAt", "isAscending": True}]})
    db = sqlite3.connect(index_db())
    ht.check_equal(db.execute("PRAGMA user_version").fetchone()[0], 11,
                   "schema version once the store was opened")
    db.close()
    ht.check_equal(len(q["ids"]), 3, "three emails")
    got = c.call("Email/get", {"ids": q["ids"], "properties": ["subject", "threadId"]})["list"]
    by_subject = {e["subject"]: e["threadId"] for e in got}
    ht.check_equal(by_subject["Re: Old root"], by_subject["Old root"], "reply joined its root")
    ht.check(by_subject["Unrelated"] != by_subject["Old root"], "a thread of its own")
    state = c.state("Email")
    jt.smtp_send(srv, "d@remote.test", jt.USER, "After the upgrade",
                 extra="References: <old-root@remote.test>\r\n")
    srv.wait_message(jt.USER, b"After the upgrade")
    ch = c.call("Email/changes", {"sinceState": state})
    ht.check_equal(len(ch["created"]), 1, "the change log runs")
    e = c.call("Email/get", {"ids": ch["created"], "properties": ["threadId", "id"]})["list"][0]
    ht.check_equal(e["threadId"], by_subject["Old root"], "new mail joins an old thread")
    ht.check(e["id"] not in q["ids"], "a new id, never an old one")
    with jt.imap(srv) as m:
        typ, data = m.select("INBOX")
        ht.check_equal(data[0], b"4", "IMAP sees all four")


@ht.test
def a_v8_store_upgrades_to_current():
    inbox = c.inbox()
    before = c.call("Email/query", {"filter": {"inMailbox": inbox}, "collapseThreads": True,
                                    "calculateTotal": True})
    srv.stop()
    db = sqlite3.connect(index_db())
    to_v8(db)
    db.commit()
    db.close()
    srv.start()
    after = c.call("Email/query", {"filter": {"inMailbox": inbox}, "collapseThreads": True,
                                   "calculateTotal": True})
    db = sqlite3.connect(index_db())
    ht.check_equal(db.execute("PRAGMA user_version").fetchone()[0], 11, "schema current")
    counts = db.execute("SELECT count(*), sum(n) FROM mailbox_threads").fetchone()
    db.close()
    ht.check_equal(counts, (2, 4), "thread counts from the old messages")
    ht.check_equal((after["ids"], after["total"]), (before["ids"], 2), "same threads")
    jt.smtp_send(srv, "e@remote.test", jt.USER, "Another new one")
    srv.wait_message(jt.USER, b"Another new one")
    q = c.call("Email/query", {"filter": {"inMailbox": inbox}, "collapseThreads": True,
                               "calculateTotal": True})
    ht.check_equal(q["total"], 3, "the triggers count a new thread")


ht.main()
