#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-db-faults.py - a database that fails while hermodd runs is never
# taken for "no such user", "no such mailbox" or "no such message".
#
# The test breaks the databases from outside, the way another process
# would, with Python's sqlite3 on the same files: it renames a table away
# (ALTER TABLE ... RENAME, so that every statement of the daemon on it
# fails with "no such table", as on a broken schema) and back.  Locking
# is no way to do it: in WAL mode, which both databases use, readers go
# on past any writer's lock, so a lookup would still answer.
#
#   - directory (data_dir/hermod.db, table accounts): RCPT TO answers
#     451 4.3.0 (smtplib), for a user who exists and for one who does not,
#     never 550 5.1.1, and the daemon logs why; once the table is back the
#     same RCPT in the same session gets 250 and the mail is delivered.
#   - store (the account's index.db, table messages): IMAP FETCH of a
#     message and SELECT answer NO [UNAVAILABLE] and report no EXPUNGE
#     (imaplib), POP3 login -ERR [SYS/TEMP] (poplib); afterwards the
#     same session fetches the message and POP3 sees the mailbox.
# Speaks TAP through hermodtest.

import imaplib
import os
import poplib
import smtplib
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"

d = ht.Daemon("dbfaults", users={USER: PASSWORD})
d.sections["core"]["modules"] = "smtp;imap;pop3"
for name, proto in (("imaps", "imap"), ("pop3s", "pop3")):
    d.ports[name] = ht.free_port()
    d.sections["listener " + name] = {"protocol": proto, "role": name, "address": "127.0.0.1",
                                      "port": str(d.ports[name]), "tls": "implicit"}

DIRECTORY_DB = os.path.join(d.data_dir, "hermod.db")
INDEX_DB = os.path.join(d.data_dir, "mail", "example.test", "demo", "index.db")


def rename_table(path, old, new):
    """ALTER TABLE old RENAME TO new on a connection of the test's own."""
    db = sqlite3.connect(path, timeout=ht.TIMEOUT, isolation_level=None)
    try:
        db.execute("ALTER TABLE %s RENAME TO %s" % (old, new))
    finally:
        db.close()


def message(token):
    return ("From: sender@elsewhere.test\r\nTo: %s\r\nSubject: %s\r\n"
            "Message-ID: <%s@elsewhere.test>\r\n\r\nbody of %s\r\n"
            % (USER, token, token, token)).encode()


def smtp():
    s = smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=ht.TIMEOUT)
    s.ehlo("client.test")
    return s


def imap():
    c = imaplib.IMAP4_SSL("127.0.0.1", d.port("imaps"), ssl_context=ht.client_tls_context(),
                          timeout=ht.TIMEOUT)
    c.login(USER, PASSWORD)
    return c


def pop3_login():
    c = poplib.POP3_SSL("127.0.0.1", d.port("pop3s"), timeout=ht.TIMEOUT,
                        context=ht.client_tls_context())
    c.user(USER)
    c.pass_(PASSWORD)
    return c


@ht.test
def start():
    d.start()
    with smtp() as s:
        s.mail("sender@elsewhere.test")
        ht.check_equal(s.rcpt(USER)[0], 250, "RCPT before the fault")


@ht.test
def rcpt_gets_451_while_the_directory_fails_then_250_and_delivery():
    token = ht.unique("dirfault")
    with smtp() as s:
        s.mail("sender@elsewhere.test")
        rename_table(DIRECTORY_DB, "accounts", "accounts_offline")
        try:
            for rcpt in (USER, "nobody@example.test"):
                code, text = s.rcpt(rcpt)
                ht.check_equal((code, text),
                               (451, b"4.3.0 <%s>: Temporary lookup failure; try again later"
                                % rcpt.encode()), "RCPT TO:<%s> while broken" % rcpt)
            # A remote domain needs only the domain table: still relaying.
            ht.check_equal(s.rcpt("someone@remote.test")[0], 554, "relay while broken")
        finally:
            rename_table(DIRECTORY_DB, "accounts_offline", "accounts")
        log = d.stderr_text()
        ht.check("cannot look up recipient <%s>" % USER in log, "reason not logged")
        ht.check("no such table: accounts" in log, "database error not logged")
        ht.check("550 5.1.1" not in log, "a 550 5.1.1 was logged")
        ht.check_equal(s.rcpt(USER)[0], 250, "RCPT after the repair")
        code, _ = s.data(message(token))
        ht.check_equal(code, 250, "DATA after the repair")
    raw = d.wait_message(USER, token.encode())
    ht.check(b"body of " + token.encode() in raw, "delivered message")


@ht.test
def imap_and_pop3_say_unavailable_while_the_store_fails():
    token = ht.unique("storefault")
    with smtp() as s:
        s.sendmail("sender@elsewhere.test", [USER], message(token))
    d.wait_message(USER, token.encode())
    c = imap()
    try:
        typ, data = c.select("INBOX")
        ht.check_equal(typ, "OK", "SELECT before the fault")
        count = int(data[0])
        rename_table(INDEX_DB, "messages", "messages_offline")
        try:
            time.sleep(2.2)  # past the 2 s that sessions share a status answer
            typ, data = c.fetch(str(count), "(BODY.PEEK[])")
            ht.check_equal(typ, "NO", "FETCH while broken: %r" % data)
            ht.check(data[0].startswith(b"[UNAVAILABLE]"), "FETCH code: %r" % data)
            other = imap()
            try:
                typ, data = other.select("INBOX")
                ht.check_equal((typ, data[0][:13]), ("NO", b"[UNAVAILABLE]"), "SELECT: %r" % data)
            finally:
                other.logout()
            try:
                pop3_login().quit()
                raise AssertionError("POP3 login succeeded on a broken store")
            except poplib.error_proto as e:
                ht.check(str(e).startswith("b'-ERR [SYS/TEMP]"), "POP3: %s" % e)
        finally:
            rename_table(INDEX_DB, "messages_offline", "messages")
        typ, data = c.noop()
        ht.check_equal(typ, "OK", "NOOP after the repair")
        ht.check("EXPUNGE" not in c.untagged_responses, "expunges reported: %r"
                 % c.untagged_responses.get("EXPUNGE"))
        typ, data = c.fetch(str(count), "(BODY.PEEK[])")
        ht.check_equal(typ, "OK", "FETCH after the repair")
        ht.check(token.encode() in data[0][1], "fetched message")
    finally:
        c.logout()
    p = pop3_login()
    try:
        ht.check_equal(p.stat()[0], count, "POP3 STAT after the repair")
    finally:
        p.quit()
    ht.check("imap: store: " in d.stderr_text(), "IMAP store failure not logged")


ht.main()
