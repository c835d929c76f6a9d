#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-search-fresh.py - IMAP SEARCH BODY/TEXT finds mail the moment it is
# delivered.  The search indexer waits until a mailbox's deliveries pause
# before it indexes them (core/store/store-search.c), so a search right
# after a burst of SMTP deliveries (smtplib, several sessions at once) runs
# before the indexer has: it must index what is missing itself and find
# every message.  Then the indexer must still catch up on its own (the
# account's fts_todo empties, read with sqlite3) and a second search gives
# the same answer.
import imaplib
import os
import smtplib
import sqlite3
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"
SESSIONS = 4
PER_SESSION = 10

d = ht.Daemon("searchfresh")
d.sections["core"]["modules"] = "smtp;imap"
d.ports["imap"] = ht.free_port()
d.sections["listener imap"] = {"protocol": "imap", "role": "imap", "address": "127.0.0.1",
                               "port": str(d.ports["imap"]), "tls": "starttls"}
TOKEN = ht.unique("fresh").replace("-", "")


def imap():
    m = imaplib.IMAP4("127.0.0.1", d.port("imap"), timeout=ht.TIMEOUT)
    m.starttls(ssl_context=ht.client_tls_context())
    m.login(USER, PASSWORD)
    m.select("INBOX")
    return m


def send_burst():
    """SESSIONS parallel smtplib sessions, PER_SESSION messages each; the
    last message of each session carries its own word."""
    errors = []

    def one(n):
        try:
            with smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=ht.TIMEOUT) as s:
                for i in range(PER_SESSION):
                    word = "%sw%d" % (TOKEN, n) if i == PER_SESSION - 1 else "filler"
                    msg = ("From: s%d@remote.test\r\nTo: %s\r\nSubject: burst %d.%d\r\n"
                           "Message-ID: <%s.%d.%d@remote.test>\r\n\r\n"
                           "Body line with %s in it.\r\n" % (n, USER, n, i, TOKEN, n, i, word))
                    s.sendmail("s%d@remote.test" % n, [USER], msg.encode())
        except Exception as e:  # noqa: reported below
            errors.append(e)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(SESSIONS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(ht.TIMEOUT)
    ht.check(not errors and not any(t.is_alive() for t in threads), "burst: %r" % errors)


def search(m, *criteria):
    m.noop()  # as a client does on new mail: the session learns the new EXISTS
    typ, data = m.search(None, *criteria)
    ht.check_equal(typ, "OK", "SEARCH %s" % " ".join(criteria))
    return sorted(int(x) for x in data[0].split())


def todo_count():
    path = os.path.join(d.data_dir, "mail", "example.test", "demo", "index.db")
    with sqlite3.connect("file:%s?mode=ro" % path, uri=True, timeout=10) as db:
        return db.execute("SELECT count(*) FROM fts_todo").fetchone()[0]


@ht.setup
def start():
    d.start()


@ht.test
def search_right_after_a_burst_finds_everything():
    m = imap()
    try:
        send_burst()
        # No wait: the indexer is still holding off (deliveries just ended).
        pending = todo_count()
        found = search(m, "BODY", TOKEN + "w2")
        everything = search(m, "TEXT", TOKEN)
        ht.check_equal(len(found), 1, "BODY of one session's last message (%d were not indexed "
                       "before the search)" % pending)
        ht.check_equal(len(everything), SESSIONS * PER_SESSION, "TEXT of every message")
        ht.check_equal(todo_count(), 0, "the search indexed what was missing")
    finally:
        m.logout()


@ht.test
def the_indexer_catches_up_alone():
    m = imap()
    try:
        send_burst()
        ht.wait_until(lambda: todo_count() == 0, timeout=30, what="the indexer to catch up")
        ht.check_equal(len(search(m, "BODY", TOKEN + "w0")), 2, "BODY of both bursts' session 0")
        ht.check_equal(len(search(m, "TEXT", TOKEN)), 2 * SESSIONS * PER_SESSION, "TEXT")
    finally:
        m.logout()


ht.main()
