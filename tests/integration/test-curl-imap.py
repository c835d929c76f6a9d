#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0-or-later
#
# test-curl-imap.py - curl's IMAP client against hermodd: imaps:// LIST,
# mailbox URLs (LIST, -X EXAMINE, ;UIDVALIDITY=, ;MAILINDEX=), FETCH by
# UID (INBOX;UID=n, ;SECTION=),
# a custom SEARCH with -X, APPEND by upload (-T), and imap:// with
# STARTTLS (--ssl-reqd) on the plain-text (143-role) listener, where a
# login without TLS must be refused.  Messages are checked byte for byte
# against what the store holds (hermodctl mail cat).  Skips (TAP) only
# when curl is not installed.

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hermodtest as ht  # noqa: E402

USER = "demo@example.test"
PASSWORD = "demo-secret-1"

d = ht.Daemon("curlimap")
d.sections["core"]["modules"] = "smtp;imap"
for name, role, tls in (("imap", "imap", "starttls"), ("imaps", "imaps", "implicit")):
    d.ports[name] = ht.free_port()
    d.sections["listener " + name] = {"protocol": "imap", "role": role, "address": "127.0.0.1",
                                      "port": str(d.ports[name]), "tls": tls}

MESSAGES = [
    b"From: a@example.net\r\nTo: demo@example.test\r\nSubject: first curl\r\n"
    b"Message-ID: <c1@example.net>\r\n\r\nThe first body.\r\n",
    b"From: b@example.net\r\nTo: demo@example.test\r\nSubject: second curl\r\n"
    b"Message-ID: <c2@example.net>\r\n\r\nThe second body, with needle-7731.\r\n",
]


def curl(url, *args, scheme="imaps", port=None, check=True):
    exe = ht.need_tool("curl")
    port = port or d.port(scheme)
    argv = [exe, "-sS", "--max-time", "20", "-k", "-u", "%s:%s" % (USER, PASSWORD)]
    argv += list(args) + ["%s://127.0.0.1:%d/%s" % (scheme, port, url)]
    return ht.run(argv, check=check, timeout=30)


@ht.setup
def start():
    ht.need_tool("curl")
    d.start()


@ht.test
def upload_appends():
    for n, raw in enumerate(MESSAGES):
        path = os.path.join(d.dir, "upload%d.eml" % n)
        with open(path, "wb") as f:
            f.write(raw)
        curl("INBOX", "-T", path)
    got = d.messages(USER)
    ht.check_equal(got, MESSAGES, "INBOX after two curl -T uploads")


@ht.test
def list_mailboxes():
    out = curl("").stdout.decode()
    for name in ("INBOX", "Sent", "Trash"):
        ht.check(re.search(r'^\* LIST \([^)]*\) "/" "?%s"?\r?$' % name, out, re.M), out)


@ht.test
def mailbox_urls():
    # A bare mailbox URL is a LIST of that name; -X EXAMINE runs the command.
    out = curl("INBOX").stdout.decode()
    ht.check(re.search(r'^\* LIST \([^)]*\) "/" "?INBOX"?\r?$', out, re.M), out)
    out = curl("INBOX", "-X", "EXAMINE INBOX").stdout.decode()
    ht.check("* 2 EXISTS" in out and "UIDVALIDITY" in out, out)
    folders = d.ctl("mail", "folders", USER).stdout.decode()
    uidvalidity = int(re.search(r"^INBOX\s.*uidvalidity=(\d+)", folders, re.M).group(1))
    got = curl("INBOX;UIDVALIDITY=%d;UID=2" % uidvalidity).stdout
    ht.check_equal(got, MESSAGES[1], "INBOX;UIDVALIDITY=right;UID=2")
    cp = curl("INBOX;UIDVALIDITY=%d;UID=2" % (uidvalidity + 1), check=False)
    ht.check_equal(cp.returncode, 78, "curl's exit code for a wrong UIDVALIDITY")
    ht.check_equal(curl("INBOX;MAILINDEX=1").stdout, MESSAGES[0], "INBOX;MAILINDEX=1")


@ht.test
def fetch_by_uid():
    ht.check_equal(curl("INBOX;UID=2").stdout, MESSAGES[1], "INBOX;UID=2")
    ht.check_equal(curl("INBOX/;UID=1").stdout, MESSAGES[0], "INBOX/;UID=1")
    header = curl("INBOX;UID=1;SECTION=HEADER.FIELDS%20(SUBJECT)").stdout
    ht.check_equal(header, b"Subject: first curl\r\n\r\n", "SECTION=HEADER.FIELDS (SUBJECT)")
    cp = curl("INBOX;UID=99", check=False)
    ht.check(cp.returncode != 0, "UID 99 does not exist, yet curl exited 0")


@ht.test
def search_by_command():
    out = curl("INBOX", "-X", "SEARCH BODY needle-7731").stdout.decode()
    ht.check(re.search(r"^\* SEARCH 2\r?$", out, re.M), out)
    out = curl("INBOX?SUBJECT%20curl").stdout.decode()
    ht.check(re.search(r"^\* SEARCH 1 2\r?$", out, re.M), out)
    out = curl("INBOX", "-X", "UID SEARCH FROM b@example.net").stdout.decode()
    ht.check(re.search(r"^\* SEARCH 2\r?$", out, re.M), out)


@ht.test
def starttls_required():
    ht.check_equal(curl("INBOX;UID=1", "--ssl-reqd", scheme="imap").stdout, MESSAGES[0],
                   "imap:// with STARTTLS")
    cp = curl("INBOX;UID=1", scheme="imap", check=False)
    ht.check(cp.returncode != 0, "login without TLS on the 143 listener succeeded")


ht.main()
