# SPDX-License-Identifier: GPL-2.0-or-later
#
# storecheck.py - read an account's store the way an auditor would: its
# SQLite index (data_dir/mail/DOMAIN/LOCAL/index.db) and message files
# (msg/), with Python's sqlite3 and no Hermod code, to prove durability
# and consistency after a crash.  The schema read here is core/store/store-index.c's.
import email.parser
import email.policy
import os
import sqlite3

import hermodtest as ht


def account_dir(srv, account):
    local, domain = account.rsplit("@", 1)
    path = os.path.join(srv.data_dir, "mail", domain, local)
    ht.check(os.path.isdir(path), "no store folder %s" % path)
    return path


def connect(srv, account):
    path = os.path.join(account_dir(srv, account), "index.db")
    db = sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=ht.TIMEOUT)
    return db


def subjects(srv, account, mailbox="INBOX"):
    """{Subject: file name} of every indexed message of mailbox."""
    msg_dir = os.path.join(account_dir(srv, account), "msg")
    parser = email.parser.BytesHeaderParser(policy=email.policy.compat32)
    out = {}
    with connect(srv, account) as db:
        rows = db.execute("SELECT m.file FROM messages m JOIN mailboxes b ON b.id = m.mailbox_id"
                          " WHERE b.name = ?", (mailbox,)).fetchall()
    for (name,) in rows:
        with open(os.path.join(msg_dir, name), "rb") as f:
            head = parser.parse(f)
        out[str(head.get("Subject", "")).strip()] = name
    return out


def check_account(srv, account):
    """integrity_check ok; UIDs unique and below UIDNEXT; every row has its
    file and every file its row.  Call with the daemon stopped."""
    msg_dir = os.path.join(account_dir(srv, account), "msg")
    with connect(srv, account) as db:
        ht.check_equal(db.execute("PRAGMA integrity_check").fetchall(), [("ok",)],
                       "integrity_check")
        ht.check_equal(db.execute("PRAGMA foreign_key_check").fetchall(), [],
                       "foreign_key_check")
        dup = db.execute("SELECT mailbox_id, uid, count(*) FROM messages"
                         " GROUP BY mailbox_id, uid HAVING count(*) > 1").fetchall()
        ht.check_equal(dup, [], "duplicate UIDs")
        bad = db.execute("SELECT b.name, m.uid, b.uidnext FROM messages m JOIN mailboxes b"
                         " ON b.id = m.mailbox_id WHERE m.uid >= b.uidnext OR m.uid < 1"
                         ).fetchall()
        ht.check_equal(bad, [], "UIDs not below UIDNEXT")
        rows = db.execute("SELECT file, size FROM messages").fetchall()
    names = set()
    for name, size in rows:
        path = os.path.join(msg_dir, name)
        ht.check(os.path.isfile(path), "row without its file: %s" % name)
        ht.check_equal(os.path.getsize(path), size, "size of %s" % name)
        names.add(name)
    files = set(os.listdir(msg_dir))
    ht.check_equal(sorted(files - names), [], "message files without a row")
    ht.check_equal(len(names), len(rows), "two rows share a file")
    return len(rows)
