#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-imap-mail.py - IMAP mailbox and message commands against the real
# hermodd and its store, driven by Python's imaplib over implicit TLS:
# LIST/CREATE/RENAME/DELETE/SUBSCRIBE, STATUS, SELECT/EXAMINE, APPEND with
# APPENDUID, STORE, COPY/MOVE with COPYUID, EXPUNGE, UID EXPUNGE, CLOSE, a
# message delivered by SMTP showing up, IDLE pushing EXISTS, QUOTA.  Speaks
# TAP through hermodtest.

import imaplib
import os
import re
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"

d = ht.Daemon("imapmail")
d.sections["core"]["modules"] = "smtp;imap"
d.ports["imaps"] = ht.free_port()
d.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                "port": str(d.ports["imaps"]), "tls": "implicit"}

MESSAGE = (b"From: demo@example.test\r\nTo: demo@example.test\r\n"
           b"Subject: hello imap\r\nMessage-ID: <1@example.test>\r\n\r\nBody line\r\n")


def connect():
    c = imaplib.IMAP4_SSL("127.0.0.1", d.port("imaps"), ssl_context=ht.client_tls_context(),
                          timeout=ht.TIMEOUT)
    c.login(USER, PASSWORD)
    return c


def ok(result, what):
    typ, data = result
    ht.check(typ == "OK", "%s: %s %r" % (what, typ, data))
    return data


@ht.setup
def start():
    d.start()


@ht.test
def mailbox_lifecycle():
    c = connect()
    ok(c.create("Projects/Hermod"), "CREATE")
    data = ok(c.list(), "LIST")
    names = b"\n".join(data)
    ht.check(b'"Projects/Hermod"' in names and b"INBOX" in names, names)
    ht.check(re.search(rb'\(\\HasChildren[^)]*\) "/" "?Projects"?', names), names)
    typ, data = c.create("Projects/Hermod")
    ht.check(typ == "NO" and b"ALREADYEXISTS" in data[0], data)
    ok(c.rename("Projects/Hermod", "Projects/Mail"), "RENAME")
    ok(c.subscribe("Projects/Mail"), "SUBSCRIBE")
    data = ok(c.lsub(), "LSUB")
    ht.check(any(b"Projects/Mail" in x for x in data), data)
    ok(c.delete("Projects/Mail"), "DELETE")
    typ, data = c.delete("Nothing/Here")
    ht.check(typ == "NO" and b"NONEXISTENT" in data[0], data)
    typ, data = c.select("Nothing/Here")
    ht.check(typ == "NO", data)
    c.logout()


@ht.test
def append_select_store_expunge():
    c = connect()
    typ, data = c.append("INBOX", r"(\Flagged)", None, MESSAGE)
    ht.check(typ == "OK" and b"APPENDUID" in data[0], data)
    uid = int(re.search(rb"APPENDUID \d+ (\d+)", data[0]).group(1))
    data = ok(c.status("INBOX", "(MESSAGES UIDNEXT UNSEEN)"), "STATUS")
    ht.check(b"MESSAGES 1" in data[0] and (b"UIDNEXT %d" % (uid + 1)) in data[0], data)
    typ, data = c.select("INBOX")
    ht.check_equal(typ, "OK")
    ht.check_equal(data[0], b"1")
    data = ok(c.store("1", "+FLAGS", r"(\Seen $Work)"), "STORE")
    ht.check(b"\\Seen" in data[0] and b"$Work" in data[0], data)
    ok(c.store("1", "+FLAGS.SILENT", r"(\Deleted)"), "STORE.SILENT")
    typ, data = c.expunge()
    ht.check(typ == "OK" and data[0] == b"1", data)
    data = ok(c.status("INBOX", "(MESSAGES)"), "STATUS")
    ht.check(b"MESSAGES 0" in data[0], data)
    c.logout()


@ht.test
def copy_and_move():
    c = connect()
    ok(c.create("Saved"), "CREATE")
    for _ in range(3):
        ok(c.append("INBOX", None, None, MESSAGE), "APPEND")
    c.select("INBOX")
    typ, data = c.copy("1:2", "Saved")
    ht.check(typ == "OK" and b"COPYUID" in data[0], data)
    typ, data = c._simple_command("MOVE", "3", "Saved")
    ht.check_equal(typ, "OK")
    ht.check(c.untagged_responses.get("EXPUNGE") == [b"3"], c.untagged_responses)
    typ, data = c.copy("1", "Missing")
    ht.check(typ == "NO" and b"TRYCREATE" in data[0], data)
    data = ok(c.status("Saved", "(MESSAGES)"), "STATUS")
    ht.check(b"MESSAGES 3" in data[0], data)
    c.select("Saved", readonly=True)
    typ, data = c.store("1", "+FLAGS", r"(\Deleted)")
    ht.check(typ == "NO", data)
    c.close()
    c.logout()


@ht.test
def delivery_reaches_idle():
    c = connect()
    c.select("INBOX")
    typ, data = c.select("INBOX")
    before = int(data[0])
    tag = c._new_tag().decode()
    c.send(("%s IDLE\r\n" % tag).encode())
    line = c.readline()
    ht.check(line.startswith(b"+"), line)
    with smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=ht.TIMEOUT) as s:
        s.sendmail("someone@elsewhere.test", [USER], MESSAGE)
    line = c.readline()
    ht.check(line.strip() == ("* %d EXISTS" % (before + 1)).encode(), line)
    c.send(b"DONE\r\n")
    line = c.readline()
    ht.check(line.startswith(tag.encode() + b" OK"), line)
    c.logout()


@ht.test
def fetch_and_search():
    c = connect()
    ok(c.create("Reading"), "CREATE")
    ok(c.append("Reading", None, None, MESSAGE), "APPEND")
    ok(c.append("Reading", r"(\Seen)", None, MESSAGE.replace(b"hello imap", b"second one")),
       "APPEND")
    c.select("Reading")
    data = ok(c.fetch("1:2", "(UID FLAGS RFC822.SIZE)"), "FETCH")
    ht.check(len(data) == 2 and b"RFC822.SIZE" in data[0], data)
    data = ok(c.uid("FETCH", "1:*", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "UID FETCH")
    ht.check(b"Subject: hello imap" in data[0][1], data)
    data = ok(c.fetch("1", "(BODY[])"), "FETCH BODY[]")
    ht.check(data[0][1] == MESSAGE, data)
    data = ok(c.fetch("1", "(FLAGS)"), "FETCH FLAGS")
    ht.check(b"\\Seen" in data[0], data)
    data = ok(c.search(None, "SUBJECT", "second"), "SEARCH")
    ht.check_equal(data[0], b"2")
    data = ok(c.uid("SEARCH", "ALL"), "UID SEARCH")
    ht.check_equal(data[0], b"1 2")
    data = ok(c.sort("(REVERSE SUBJECT)", "UTF-8", "ALL"), "SORT")
    ht.check_equal(data[0], b"2 1")
    c.logout()


@ht.test
def quota_root():
    c = connect()
    typ, data = c.getquotaroot("INBOX")
    ht.check_equal(typ, "OK")
    ht.check(data[0][0].startswith(b'"INBOX"') or data[0][0].startswith(b"INBOX"), data)
    c.logout()


ht.main()
