# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-dav-upgrade.py - an account store of schema version 10 (before the
# covering index of dav_objects, schema step 11) upgrades on first start:
# a data folder with a calendar is made by hermodd, taken back to
# version 10 exactly (the index dropped with SQLite), and started again.
# The index is then there and the listing's query uses it (and a PUT's
# UID check still its own index), a PROPFIND Depth 1 answers byte for
# byte as before the upgrade, and writes, deletions and time-range
# queries after it see the right objects.
import os
import sqlite3
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import davtest as dt  # noqa: E402
import hermodtest as ht  # noqa: E402

srv = dt.dav_daemon("dav-upgrade")
me = dt.Client(srv)
CAL = "/dav/cal/demo@example.test/upgraded/"
# Names with bytes an href escapes (space, '&', '<', UTF-8), as sent.
NAMES = ["a.ics", "b%20c.ics", "d%26%3Ce.ics", "caf%C3%A9.ics", "z.ics"]
BRIEF = ("SELECT name, etag, content_type, size FROM dav_objects WHERE collection_id = ?"
         " ORDER BY name")
UID = ("SELECT name FROM dav_objects WHERE collection_id = ? AND uid = ? AND name IS NOT ?"
       " LIMIT 1")
PROPS = "<D:getetag/><D:getcontenttype/><D:getcontentlength/><D:resourcetype/><D:nothing/>"
before = {}


def index_db():
    return os.path.join(srv.data_dir, "mail", "example.test", "demo", "index.db")


def depth1():
    r = me.propfind(CAL, PROPS, depth="1")
    ht.check_equal(r.status, 207, "PROPFIND Depth 1 (%r)" % r.body[:200])
    return r.body


def indexes(db):
    return {r[0] for r in db.execute(
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'dav_objects'")}


def hrefs(body):
    return sorted(dt.responses(dt.ET.fromstring(body)))


@ht.test
def a_v10_store_is_made():
    srv.start()
    ht.check_equal(me.req("MKCALENDAR", CAL).status, 201, "MKCALENDAR")
    for i, name in enumerate(NAMES):
        r = me.put(CAL + name, dt.vevent("up-%d" % i, "202403%02dT100000Z" % (i + 1),
                                         "202403%02dT110000Z" % (i + 1)))
        ht.check_equal(r.status, 201, "PUT %s" % name)
    before["body"] = depth1()
    srv.stop()
    db = sqlite3.connect(index_db())
    ht.check("dav_objects_listing" in indexes(db), "the index is made with a new store")
    db.execute("DROP INDEX dav_objects_listing")
    db.execute("PRAGMA user_version = 10")
    db.commit()
    ht.check("dav_objects_listing" not in indexes(db), "index dropped: %r" % indexes(db))
    db.close()


@ht.test
def it_upgrades_on_first_start():
    srv.start()
    ht.check_equal(depth1(), before["body"], "PROPFIND Depth 1 byte for byte")
    db = sqlite3.connect(index_db())
    ht.check_equal(db.execute("PRAGMA user_version").fetchone()[0], 11, "schema version")
    ht.check("dav_objects_listing" in indexes(db), "covering index made: %r" % indexes(db))
    plan = " ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + BRIEF, (1,)))
    ht.check("COVERING INDEX dav_objects_listing" in plan, "listing's plan: %s" % plan)
    # A PUT's UID check keeps its own index: not a scan of the collection.
    plan = " ".join(r[3] for r in db.execute("EXPLAIN QUERY PLAN " + UID, (1, "u", "n")))
    ht.check("dav_objects_by_uid" in plan, "UID check's plan: %s" % plan)
    db.close()


@ht.test
def listings_follow_writes_after_it():
    body = depth1()
    ht.check_equal(len(hrefs(body)), len(NAMES) + 1, "members and the collection")
    ht.check(b"b%20c.ics" in body and b"d&amp;%3Ce.ics" in body and b"caf%C3%A9.ics" in body,
             "escaped hrefs: %r" % body[:600])
    r = me.put(CAL + "new.ics", dt.vevent("up-new", "20240320T100000Z", "20240320T110000Z"))
    ht.check_equal(r.status, 201, "PUT after the upgrade")
    ht.check_equal(me.req("DELETE", CAL + "a.ics").status, 204, "DELETE after the upgrade")
    got = hrefs(depth1())
    ht.check(CAL + "new.ics" in got and CAL + "a.ics" not in got, "listing: %r" % got)
    ht.check_equal(len(got), len(NAMES) + 1, "one in, one out")
    q = me.report(CAL, dt.calendar_query("20240302T000000Z", "20240304T000000Z"))
    ht.check_equal(hrefs(q.body), [CAL + "b%20c.ics", CAL + "d&%3Ce.ics"],
                   "time-range over the index")


ht.main()
