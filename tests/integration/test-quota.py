#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-quota.py - a storage quota set with `hermodctl user quota` while
# hermodd runs, end to end: GETQUOTAROOT/GETQUOTA report it (STORAGE in
# KiB, RFC 9208); IMAP APPEND and COPY past it answer NO [OVERQUOTA]; SMTP
# delivery past it answers 452 4.2.2 after DATA; nothing refused is
# stored; another account is not affected; lifting the quota (0) lets
# mail in again.  Clients: Python's imaplib (implicit TLS) and smtplib.
# Speaks TAP through hermodtest.

import imaplib
import os
import re
import smtplib
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
OTHER = "other@example.test"
PASSWORD = "demo-secret-1"
LIMIT_KIB = 24

d = ht.Daemon("quota", users={USER: PASSWORD, OTHER: PASSWORD})
d.sections["core"]["modules"] = "smtp;imap"
d.ports["imaps"] = ht.free_port()
d.sections["listener imaps"] = {"protocol": "imap", "role": "imaps", "address": "127.0.0.1",
                                "port": str(d.ports["imaps"]), "tls": "implicit"}


def message(n, size=6000):
    head = ("From: sender@elsewhere.test\r\nTo: %s\r\nSubject: quota %d\r\n"
            "Message-ID: <quota-%d@example.test>\r\n\r\n" % (USER, n, n)).encode()
    line = b"0123456789abcdef" * 4 + b"\r\n"
    return head + line * (size // len(line))


def connect(user=USER):
    c = imaplib.IMAP4_SSL("127.0.0.1", d.port("imaps"), ssl_context=ht.client_tls_context(),
                          timeout=ht.TIMEOUT)
    c.login(user, PASSWORD)
    return c


def storage(c):
    """(used KiB, limit KiB) from GETQUOTAROOT INBOX, or None without a limit."""
    typ, data = c.getquotaroot("INBOX")
    ht.check_equal(typ, "OK")
    roots, quotas = data
    ht.check(bool(roots) and roots[0].lstrip(b'"').startswith(b"INBOX"), data)
    text = b" ".join(q for q in quotas if q)
    m = re.search(rb"STORAGE (\d+) (\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None


def messages(c, mailbox="INBOX"):
    typ, data = c.status(mailbox, "(MESSAGES)")
    ht.check_equal(typ, "OK")
    return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))


def deliver(n, rcpt=USER):
    """SMTP to the MX listener; (code, message) of the reply to DATA."""
    with smtplib.SMTP("127.0.0.1", d.port("mx"), timeout=ht.TIMEOUT) as s:
        s.ehlo("client.test")
        s.mail("sender@elsewhere.test")
        code, text = s.rcpt(rcpt)
        ht.check_equal(code, 250, "RCPT TO:<%s>" % rcpt)
        return s.data(message(n))


@ht.setup
def start():
    d.start()


@ht.test
def quota_set_while_running_is_reported():
    c = connect()
    ht.check(storage(c) is None, "no STORAGE limit before a quota is set")
    d.ctl("user", "quota", USER, "%dK" % LIMIT_KIB)
    used, limit = storage(c)
    ht.check_equal(limit, LIMIT_KIB, "STORAGE limit in KiB")
    ht.check_equal(used, 0, "STORAGE used of an empty account")
    typ, data = c._simple_command("GETQUOTA", '""')
    ht.check(typ == "OK", data)
    c.logout()


@ht.test
def append_past_the_quota_is_overquota():
    c = connect()
    stored = 0
    for n in range(10):  # 6 KB each against 24 KiB: refused by the fourth or fifth
        typ, data = c.append("INBOX", None, None, message(n))
        if typ != "OK":
            ht.check(typ == "NO" and b"[OVERQUOTA]" in data[0], (typ, data))
            break
        stored += 1
    ht.check(3 <= stored < 10, "APPENDs accepted before the quota: %d" % stored)
    ht.check_equal(messages(c), stored, "messages in INBOX after the refused APPEND")
    used, limit = storage(c)
    ht.check(used <= limit, "used %d KiB within the limit %d KiB" % (used, limit))
    ht.check(used >= stored * 5, "used %d KiB counts %d messages" % (used, stored))
    c.logout()


@ht.test
def copy_past_the_quota_is_overquota():
    c = connect()
    typ, data = c.create("Kept")
    ht.check_equal(typ, "OK")
    c.select("INBOX")
    typ, data = c.copy("1:*", "Kept")
    ht.check(typ == "NO" and b"[OVERQUOTA]" in data[0], (typ, data))
    ht.check_equal(messages(c, "Kept"), 0, "messages copied past the quota")
    c.logout()


@ht.test
def smtp_delivery_past_the_quota_is_452_4_2_2():
    c = connect()
    before = messages(c)
    code, text = deliver(100)
    ht.check_equal(code, 452, "reply to DATA: %r" % text)
    ht.check(text.startswith(b"4.2.2"), text)
    ht.check_equal(messages(c), before, "messages after the refused delivery")
    c.logout()


@ht.test
def other_account_is_not_affected():
    code, text = deliver(101, OTHER)
    ht.check_equal(code, 250, text)
    c = connect(OTHER)
    ht.check_equal(messages(c), 1)
    c.logout()


@ht.test
def lifting_the_quota_lets_mail_in():
    c = connect()
    before = messages(c)
    d.ctl("user", "quota", USER, "0")
    ht.check(storage(c) is None, "no STORAGE limit once the quota is 0")
    code, text = deliver(102)
    ht.check_equal(code, 250, text)
    typ, data = c.append("INBOX", None, None, message(103))
    ht.check(typ == "OK", data)
    ht.check_equal(messages(c), before + 2)
    c.logout()


ht.main()
